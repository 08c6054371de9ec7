"""The open-exception list, the dead-letter list and the event search of the ops UI."""

from __future__ import annotations

import re
import time

import pytest
from django.urls import reverse
from django.utils import timezone

from handoff_project.integration.models import Outcome
from tests.factories import DeadLetterFactory, HandoffExceptionFactory, HandoffFactory, handoff_event

pytestmark = pytest.mark.django_db


def ids(html: str, attribute: str) -> list[int]:
    return [int(pk) for pk in re.findall(rf'{attribute}="(\d+)"', html)]


def test_exception_list_shows_only_open_exceptions(client_as):
    open_exc = HandoffExceptionFactory()
    HandoffExceptionFactory(state="resolved")
    html = client_as("viewer").get(reverse("ops:exception-list")).content.decode()
    assert ids(html, "data-exception") == [open_exc.pk]
    assert open_exc.message.replace("'", "&#x27;") in html and "Product ops" in html


def test_exception_list_filters_by_team_and_type(client_as):
    product = HandoffExceptionFactory(type="product_not_mapped")
    customer = HandoffExceptionFactory(type="customer_not_found")
    client = client_as("viewer")
    assert ids(client.get(reverse("ops:exception-list"), {"team": "master_data"}).content.decode(), "data-exception") == [customer.pk]
    assert ids(client.get(reverse("ops:exception-list"), {"type": "product_not_mapped"}).content.decode(), "data-exception") == [product.pk]
    assert ids(client.get(reverse("ops:exception-list"), {"team": "master_data", "type": "product_not_mapped"}).content.decode(), "data-exception") == []


def test_dead_letter_list_shows_open_letters_with_reason_and_recommendation(client_as):
    letter = DeadLetterFactory()
    DeadLetterFactory(state="requeued")
    html = client_as("viewer").get(reverse("ops:dead-letter-list")).content.decode()
    assert ids(html, "data-dead-letter") == [letter.pk]
    assert "SAP rejected the order: payment terms ZB99 do not exist" in html
    assert "Fix the terms crosswalk entry" in html


def test_dead_letter_list_offers_requeue_to_ops_only(client_as):
    letter = DeadLetterFactory()
    requeue = reverse("ops:handoff-requeue", args=[letter.handoff_id])
    assert requeue in client_as("ops").get(reverse("ops:dead-letter-list")).content.decode()
    assert requeue not in client_as("viewer").get(reverse("ops:dead-letter-list")).content.decode()


def test_nav_counts_open_exceptions_and_dead_letters(client_as):
    HandoffExceptionFactory.create_batch(3)
    DeadLetterFactory.create_batch(2)
    html = client_as("viewer").get(reverse("ops:handoff-list")).content.decode()
    assert re.search(r'title="open exceptions">3<', html)
    assert re.search(r'title="open dead letters">2<', html)


@pytest.fixture
def event_log():
    first = HandoffFactory(crm_record_id="006AAA", erp_order_number="")
    second = HandoffFactory(crm_record_id="006BBB", erp_order_number="0000004711")
    opened = handoff_event(first, "handoff_opened", outcome=Outcome.SUCCESS)
    time.sleep(0.02)
    boundary = timezone.now()
    time.sleep(0.02)
    failed = handoff_event(first, "sap_create_order", outcome=Outcome.TRANSIENT_ERROR, http_status=503)
    created = handoff_event(second, "sap_create_order", outcome=Outcome.SUCCESS, http_status=201)
    return {"opened": opened, "failed": failed, "created": created, "boundary": boundary}


def search(client, **params) -> list[int]:
    response = client.get(reverse("ops:event-search"), params)
    assert response.status_code == 200
    return ids(response.content.decode(), "data-event")


def test_event_search_without_filters_lists_newest_first(client_as, event_log):
    assert search(client_as("viewer")) == [event_log["created"].pk, event_log["failed"].pk, event_log["opened"].pk]


def test_event_search_filters_by_crm_id_order_number_type_and_outcome(client_as, event_log):
    client = client_as("viewer")
    assert search(client, crm_id="006AAA") == [event_log["failed"].pk, event_log["opened"].pk]
    assert search(client, erp_order="0000004711") == [event_log["created"].pk]
    assert search(client, type="sap_create_order") == [event_log["created"].pk, event_log["failed"].pk]
    assert search(client, outcome="transient_error") == [event_log["failed"].pk]
    assert search(client, crm_id="006AAA", type="sap_create_order") == [event_log["failed"].pk]


def test_event_search_filters_by_date_range(client_as, event_log):
    client = client_as("viewer")
    boundary = timezone.localtime(event_log["boundary"]).strftime("%Y-%m-%dT%H:%M:%S.%f")
    assert search(client, since=boundary) == [event_log["created"].pk, event_log["failed"].pk]
    assert search(client, until=boundary) == [event_log["opened"].pk]


def test_event_search_explains_a_reversed_date_range(client_as, event_log):
    response = client_as("viewer").get(reverse("ops:event-search"), {"since": "2026-02-01T00:00", "until": "2026-01-01T00:00"})
    html = response.content.decode()
    assert "&#x27;From&#x27; is after &#x27;To&#x27;" in html
    assert ids(html, "data-event") == []


def test_event_search_links_events_to_their_handoff(client_as, event_log):
    html = client_as("viewer").get(reverse("ops:event-search"), {"erp_order": "0000004711"}).content.decode()
    assert reverse("ops:handoff-detail", args=[event_log["created"].handoff_id]) in html
