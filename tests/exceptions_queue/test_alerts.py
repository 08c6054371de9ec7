"""Alerts reach people: every DLQ arrival to Slack (and email), P2 when retries are exhausted, P1 when a flow is silent
in business hours, escalations to the team's owner. End to end against the Slack and PagerDuty sandbox receivers."""

from __future__ import annotations

import datetime as dt

import httpx
import pytest
from django.core import mail
from django.utils import timezone

from erp_orders.services import requeue_handoff
from exceptions_queue import escalation, monitoring
from exceptions_queue.alerts import deliver_alert
from exceptions_queue.models import Alert, ExceptionType, HandoffException
from exceptions_queue.services import dead_letter, open_exception
from handoff_project.integration.errors import RemoteValidationError, TransientError
from handoff_project.integration.events import event_context, record_event
from handoff_project.integration.models import Event, Outcome
from tests.factories import HandoffExceptionFactory, HandoffFactory

ROUTING_KEY = "e93facc04764012d7bfb002500d5d1a6"


@pytest.fixture
def receivers(sandbox_urls, settings):
    settings.SLACK_WEBHOOK_URL = f"{sandbox_urls.url}/sandbox/slack/services/T0TEST/B0TEST/secret-token-value"
    settings.PAGERDUTY_EVENTS_URL = f"{sandbox_urls.url}/sandbox/pagerduty/v2/enqueue"
    settings.PAGERDUTY_ROUTING_KEY = ROUTING_KEY
    settings.ALERT_EMAILS = ["ops@example.test"]
    return sandbox_urls


def deliver_all() -> list[str]:
    return [deliver_alert(a.pk) for a in Alert.objects.filter(delivered=False).exclude(channel="log").order_by("id")]


def state(live_server, system: str) -> dict:
    return httpx.get(f"{live_server.url}/sandbox/{system}/_state").json()


def test_a_dlq_arrival_reaches_slack_and_email_with_deal_link_erp_error_and_recommendation(receivers):
    handoff = HandoffFactory(state="dead", deal_name="Initech rollout")
    error = RemoteValidationError("SAP rejected the order: payment terms ZB99 do not exist", system="sap", vendor_code="V1/123", http_status=400)
    with event_context(handoff_id=handoff.pk):
        letter = dead_letter(handoff=handoff, step="push", error=error, retries_exhausted=False)
    assert deliver_all() == ["delivered", "delivered"]

    [message] = state(receivers, "slack")["messages"]
    body = message["message"]
    assert message["webhook"] == "T0TEST/B0TEST/secret-token-value"
    assert "Initech rollout" in body["text"] and "payment terms ZB99" in body["text"] and "[SAP V1/123 HTTP 400]" in body["text"]
    assert "Recommended: " in body["text"] and "payment terms" in letter.recommended_resolution.lower()
    button = body["blocks"][-1]["elements"][0]
    assert button["type"] == "button" and button["url"] == f"{receivers.url}/ops/dead-letters/{letter.pk}/"
    [email] = mail.outbox
    assert email.to == ["ops@example.test"] and f"/ops/dead-letters/{letter.pk}/" in email.body
    assert state(receivers, "pagerduty")["events"] == []  # not exhausted: no page
    # the Slack token never reaches the event log
    assert not Event.objects.filter(endpoint__contains="secret-token-value").exists()
    assert Event.objects.filter(event_type="alert_delivery", system="slack", http_status=200).exists()


def test_exhausted_retries_page_p2_once_and_a_requeue_resolves_the_incident(receivers):
    handoff = HandoffFactory(state="dead", deal_name="Acme renewal")
    error = TransientError("SAP answered HTTP 503", system="sap", http_status=503)
    with event_context(handoff_id=handoff.pk):
        dead_letter(handoff=handoff, step="push", error=error, retries_exhausted=True)
        dead_letter(handoff=handoff, step="push", error=error, retries_exhausted=True)  # the same incident
    deliver_all()
    [trigger] = state(receivers, "pagerduty")["events"]
    event = trigger["event"]
    assert event["event_action"] == "trigger" and event["dedup_key"] == f"dead-letter/handoff-{handoff.pk}"
    assert event["payload"]["severity"] == "error" and event["payload"]["custom_details"]["priority"] == "P2"
    assert event["payload"]["summary"].startswith("P2: Retries exhausted: Acme renewal")
    assert event["links"][0]["href"].startswith(f"{receivers.url}/ops/dead-letters/")

    requeue_handoff(handoff_id=handoff.pk)
    deliver_all()
    [incident] = state(receivers, "pagerduty")["incidents"]
    assert (incident["dedup_key"], incident["status"], incident["events"]) == (f"dead-letter/handoff-{handoff.pk}", "resolved", 2)


def test_escalations_go_to_the_owner_of_the_team(receivers, settings):
    settings.ESCALATION_OWNERS = {"pricing": "pricing-lead@example.test", "master_data": "md-lead@example.test", "product_ops": "po-lead@example.test"}
    handoff = HandoffFactory(state="exception", amount="20000")
    with event_context(handoff_id=handoff.pk):
        pricing = open_exception(handoff=handoff, type=ExceptionType.PRICE_VARIANCE, field="lines[1].unit_price",
                                 message="12 % above SAP", detail={"variance": "0.1200"})
        customer = open_exception(handoff=handoff, type=ExceptionType.CUSTOMER_NOT_FOUND, field="account", message="not mapped")
    assert HandoffException.objects.get(pk=pricing.pk).escalated_at is not None  # at once: variance > 10 %
    assert HandoffException.objects.get(pk=customer.pk).escalated_at is None
    assert abs(customer.escalate_at - customer.created_at - dt.timedelta(hours=4)) < dt.timedelta(seconds=1)

    assert escalation.escalate_overdue(now=timezone.now() + dt.timedelta(hours=5)) == 1
    assert escalation.escalate_overdue(now=timezone.now() + dt.timedelta(hours=6)) == 0  # once only
    deliver_all()
    recipients = sorted(to for m in mail.outbox for to in m.to)
    assert recipients == ["md-lead@example.test", "pricing-lead@example.test"]
    assert any("price variance 12.0% is above 10%" in m.body for m in mail.outbox)
    assert len(state(receivers, "slack")["messages"]) == 2


def test_more_than_five_unmapped_products_waiting_escalate_them_all(db):
    HandoffExceptionFactory.create_batch(5, type=ExceptionType.PRODUCT_NOT_MAPPED)
    assert escalation.escalate_overdue() == 0
    HandoffExceptionFactory(type=ExceptionType.PRODUCT_NOT_MAPPED)
    assert escalation.escalate_overdue() == 6
    assert set(HandoffException.objects.values_list("escalation_reason", flat=True)) == {"more than 5 unmapped products are waiting"}


def _around_noon(settings, now):
    """A business calendar in which `now` is local noon on a working day, whatever the machine's clock says."""
    offset = 12 - now.astimezone(dt.UTC).hour
    settings.BUSINESS_TIMEZONE = f"Etc/GMT{'-' if offset >= 0 else '+'}{abs(offset)}"
    settings.BUSINESS_DAYS = ["mon", "tue", "wed", "thu", "fri", "sat", "sun"]
    settings.BUSINESS_HOLIDAYS_COUNTRY = ""
    settings.BUSINESS_HOURS = "09:00-17:00"


def test_a_flow_silent_for_15_minutes_in_business_hours_pages_p1_and_recovers(receivers, settings):
    settings.MONITORED_FLOWS = {"deal_to_order": ("salesforce", "sap")}
    record_event("http", outcome=Outcome.SUCCESS, system="sap", message="created order 4711")
    later = timezone.now() + dt.timedelta(minutes=16)
    _around_noon(settings, later)

    assert monitoring.check_flow_silence(now=timezone.now()) == {"deal_to_order": "alive"}
    assert monitoring.check_flow_silence(now=later) == {"deal_to_order": "paged"}
    assert monitoring.check_flow_silence(now=later) == {"deal_to_order": "paged"}  # still silent: no second page
    deliver_all()
    [event] = [e["event"] for e in state(receivers, "pagerduty")["events"]]
    assert event["dedup_key"] == "flow-silent/deal_to_order" and event["payload"]["severity"] == "critical"
    assert event["payload"]["custom_details"]["priority"] == "P1"

    record_event("http", outcome=Outcome.SUCCESS, system="salesforce", message="wrote back")
    assert monitoring.check_flow_silence(now=timezone.now() + dt.timedelta(seconds=1)) == {"deal_to_order": "recovered"}
    deliver_all()
    assert state(receivers, "pagerduty")["incidents"][0]["status"] == "resolved"


def test_silence_outside_business_hours_or_on_a_flow_that_never_ran_pages_nobody(settings, db):
    settings.MONITORED_FLOWS = {"deal_to_order": ("sap",), "invoices": ("coupa",)}
    record_event("http", outcome=Outcome.SUCCESS, system="sap", message="created order 4711")
    later = timezone.now() + dt.timedelta(minutes=30)
    _around_noon(settings, later)
    settings.BUSINESS_HOURS = "13:00-17:00"  # local noon is before opening
    assert monitoring.check_flow_silence(now=later) == {"deal_to_order": "silent outside business hours", "invoices": "never ran"}
    assert not Alert.objects.exists()
