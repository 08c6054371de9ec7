"""/metrics: django-prometheus's metrics plus the integration's own, read from the database; open to localhost or a
bearer token only, and free of secrets."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone
from prometheus_client.parser import text_string_to_metric_families

from erp_orders.models import ErpAvailability, HandoffState
from exceptions_queue.models import DeadLetter, ExceptionType
from tests.conftest import TEST_CREDENTIALS
from tests.factories import DeadLetterFactory, HandoffExceptionFactory, backdate, event_at

from .monitoring_fixtures import handoff_at

pytestmark = pytest.mark.django_db


def scrape(client, **headers) -> dict:
    response = client.get("/metrics", **headers)
    assert response.status_code == 200, response.content
    samples = {}
    for family in text_string_to_metric_families(response.content.decode()):
        for sample in family.samples:
            samples[(sample.name, tuple(sorted(sample.labels.items())))] = sample.value
    return samples


@pytest.fixture
def facts():
    now = timezone.now()
    for seconds in (20, 50, 100, 400):
        handoff_at(now - dt.timedelta(hours=1), created_after=seconds, erp_system="sap", crm_system="salesforce")
    handoff_at(now, state=HandoffState.EXCEPTION, erp_system="netsuite", crm_system="hubspot")
    HandoffExceptionFactory(type=ExceptionType.PRICE_VARIANCE)
    DeadLetterFactory(step="push")
    DeadLetterFactory(step="resolve", state=DeadLetter.State.REQUEUED)
    waiting = handoff_at(now - dt.timedelta(minutes=12), state=HandoffState.PUSHING, erp_system="oracle")
    backdate(waiting, waiting_for_erp_since=now - dt.timedelta(minutes=10))
    ErpAvailability.objects.create(erp_system="oracle", state=ErpAvailability.State.DOWN)
    for ms in (40, 90, 300, 800, 30000):
        event_at(None, "http", now, system="sap", method="POST", duration_ms=ms, http_status=201)
    return now


def test_the_integration_metrics_come_from_the_database(client, facts):
    samples = scrape(client)

    assert samples[("handoff_handoffs", (("crm_system", "salesforce"), ("erp_system", "sap"), ("state", "written_back")))] == 4
    assert samples[("handoff_orders_created_total", (("crm_system", "salesforce"), ("erp_system", "sap")))] == 4
    assert samples[("handoff_exceptions_opened_total", (("team", "pricing"), ("type", "price_variance")))] == 1
    assert samples[("handoff_dead_letters_total", (("step", "push"),))] == 1
    assert samples[("handoff_dead_letters_total", (("step", "resolve"),))] == 1
    assert samples[("handoff_dlq_depth", (("step", "push"),))] == 1
    assert ("handoff_dlq_depth", (("step", "resolve"),)) not in samples  # re-queued: not in the queue any more
    assert samples[("handoff_erp_waiting_handoffs", (("erp_system", "oracle"),))] == 1
    assert 599 <= samples[("handoff_erp_queue_lag_seconds", (("erp_system", "oracle"),))] <= 660
    assert samples[("handoff_erp_up", (("erp_system", "oracle"),))] == 0
    assert samples[("handoff_metrics_scrape_ok", ())] == 1


def test_histograms_of_order_creation_latency_and_http_durations(client, facts):
    samples = scrape(client)

    latency = {dict(labels)["le"]: value for (name, labels), value in samples.items()
               if name == "handoff_order_creation_latency_seconds_bucket" and dict(labels)["erp_system"] == "sap"}
    assert (latency["30"], latency["60"], latency["120"], latency["300"], latency["900"], latency["+Inf"]) == (1, 2, 3, 3, 4, 4)
    assert samples[("handoff_order_creation_latency_seconds_count", (("erp_system", "sap"),))] == 4
    assert samples[("handoff_order_creation_latency_seconds_sum", (("erp_system", "sap"),))] == pytest.approx(570)
    http = {dict(labels)["le"]: value for (name, labels), value in samples.items()
            if name == "handoff_http_request_duration_seconds_bucket" and dict(labels)["system"] == "sap"}
    assert (http["0.05"], http["0.1"], http["0.5"], http["1"], http["20"], http["+Inf"]) == (1, 2, 3, 4, 4, 5)
    assert samples[("handoff_http_request_duration_seconds_sum", (("system", "sap"),))] == pytest.approx(31.23)


def test_django_prometheus_request_metrics_are_there_too(client, facts):
    client.get("/healthz")
    samples = scrape(client)
    assert any(name.startswith("django_http_requests_total") for name, _labels in samples)


def test_metrics_are_refused_to_other_addresses_and_open_to_the_bearer_token(client, settings, facts):
    settings.METRICS_BEARER_TOKEN = "scrape-token-for-tests-0123456789"
    refused = client.get("/metrics", REMOTE_ADDR="203.0.113.9")
    assert refused.status_code == 403 and b"METRICS_ALLOWED_IPS" in refused.content
    assert client.get("/metrics", REMOTE_ADDR="203.0.113.9", HTTP_AUTHORIZATION="Bearer wrong").status_code == 403
    samples = scrape(client, REMOTE_ADDR="203.0.113.9", HTTP_AUTHORIZATION="Bearer scrape-token-for-tests-0123456789")
    assert ("handoff_metrics_scrape_ok", ()) in samples
    settings.METRICS_ALLOWED_IPS = ["203.0.113.9"]
    assert client.get("/metrics", REMOTE_ADDR="203.0.113.9").status_code == 200


def test_metrics_do_not_leak_secrets(client, facts):
    text = client.get("/metrics").content.decode()
    for name, value in TEST_CREDENTIALS.items():
        if len(value) >= 8:
            assert value not in text, name
    assert "Authorization" not in text and "password" not in text.lower()
