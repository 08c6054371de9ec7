"""The alert channels' payloads match the vendors' wire formats (../shared/wire/), their errors map to the error tree,
and the sandbox receivers answer as Slack and PagerDuty do."""

from __future__ import annotations

import json

import httpx
import pytest
import respx
from django_q.models import Schedule

from exceptions_queue.alerts import deliver_alert
from exceptions_queue.channels import pagerduty, slack
from exceptions_queue.models import Alert
from handoff_project.integration.errors import PermanentError, RateLimitedError, TransientError
from tests.conftest import WIRE

PD_URL = "https://events.pagerduty.com/v2/enqueue"
SLACK_URL = "https://hooks.slack.com/services/T1234567/AAAAAAAA/ZZZZZZ"
PD_TRIGGER = json.loads((WIRE / "pagerduty" / "events_v2_trigger_request.json").read_text())
PD_ACCEPTED = json.loads((WIRE / "pagerduty" / "events_v2_response_202.json").read_text())
SLACK_SAMPLE = json.loads((WIRE / "slack" / "incoming_webhook_request.json").read_text())


def test_a_trigger_event_has_the_shape_of_pagerdutys_own_example():
    event = pagerduty.trigger_event(
        routing_key="e93facc04764012d7bfb002500d5d1a6", dedup_key="dead-letter/handoff-12", summary="P2: Retries exhausted",
        severity="error", source="handoff.example.com", component="sap", group="salesforce", event_class="retries-exhausted",
        custom_details={"priority": "P2"}, link="https://handoff.example.com/ops/dead-letters/3/",
    )
    assert set(event) <= set(PD_TRIGGER) and set(event["payload"]) <= set(PD_TRIGGER["payload"])
    assert {k: event[k] for k in ("routing_key", "event_action")} == {"routing_key": PD_TRIGGER["routing_key"], "event_action": "trigger"}
    assert event["links"] == [{"href": "https://handoff.example.com/ops/dead-letters/3/", "text": "Open in ops"}]
    assert pagerduty.resolve_event(routing_key="k" * 32, dedup_key="x") == {"routing_key": "k" * 32, "dedup_key": "x", "event_action": "resolve"}


def test_a_slack_message_always_carries_text_and_blocks():
    message = slack.build_message(title="Dead letter: Acme", text="SAP is down", severity="error", link="https://h.example/ops/")
    assert set(SLACK_SAMPLE) <= set(message) and ":red_circle: *Dead letter: Acme*" in message["text"]
    assert [b["type"] for b in message["blocks"]] == ["header", "section", "context", "actions"]


@respx.mock
def test_pagerduty_answers_map_to_the_error_tree(db, settings):
    settings.PAGERDUTY_EVENTS_URL = PD_URL
    route = respx.post(PD_URL)
    route.return_value = httpx.Response(202, json=PD_ACCEPTED)
    assert pagerduty.send_event(PD_TRIGGER) == "srv01/mysql"
    assert json.loads(route.calls.last.request.content) == PD_TRIGGER
    route.return_value = httpx.Response(400, json={"status": "invalid event", "message": "Event object is invalid", "errors": ["'routing_key' is invalid"]})
    with pytest.raises(PermanentError, match="routing_key' is invalid"):
        pagerduty.send_event(PD_TRIGGER)
    route.return_value = httpx.Response(429)
    with pytest.raises(RateLimitedError):
        pagerduty.send_event(PD_TRIGGER)
    route.side_effect = httpx.ConnectTimeout("timed out")
    with pytest.raises(TransientError, match="did not answer in time"):
        pagerduty.send_event(PD_TRIGGER)


@respx.mock
def test_slack_answers_map_to_the_error_tree(db):
    route = respx.post(SLACK_URL)
    route.return_value = httpx.Response(200, text="ok")
    slack.post_message(SLACK_URL, SLACK_SAMPLE)
    route.return_value = httpx.Response(404, text="no_service")
    with pytest.raises(PermanentError, match="no_service"):
        slack.post_message(SLACK_URL, SLACK_SAMPLE)
    route.return_value = httpx.Response(503, text="")
    with pytest.raises(TransientError):
        slack.post_message(SLACK_URL, SLACK_SAMPLE)


@respx.mock
def test_a_failed_delivery_is_recorded_and_a_transient_one_retried_later(db, settings, django_capture_on_commit_callbacks):
    settings.SLACK_WEBHOOK_URL = SLACK_URL
    respx.post(SLACK_URL).mock(return_value=httpx.Response(503, text="busy"))
    alert = Alert.objects.create(channel="slack", severity="error", title="t", text="x")
    with django_capture_on_commit_callbacks(execute=True):
        assert deliver_alert(alert.pk) == "retry scheduled"
    alert.refresh_from_db()
    assert not alert.delivered and "Slack answered 503" in alert.error
    assert Schedule.objects.filter(func="exceptions_queue.tasks.deliver_alert", args=f"{alert.pk},2").exists()
    respx.post(SLACK_URL).mock(return_value=httpx.Response(410, text="channel_is_archived"))
    assert deliver_alert(alert.pk, 2) == "failed"


@pytest.mark.django_db
def test_the_pagerduty_receiver_accepts_pagerdutys_example_and_refuses_invalid_events(client, settings):
    settings.SANDBOX_ENABLED = True
    response = client.post("/sandbox/pagerduty/v2/enqueue", PD_TRIGGER, content_type="application/json")
    assert response.status_code == 202 and response.json() == PD_ACCEPTED
    bad = {**PD_TRIGGER, "routing_key": "short", "payload": {**PD_TRIGGER["payload"], "severity": "loud"}}
    response = client.post("/sandbox/pagerduty/v2/enqueue", bad, content_type="application/json")
    assert response.status_code == 400 and response.json()["status"] == "invalid event"
    assert len(response.json()["errors"]) == 2
    incident = client.get("/sandbox/pagerduty/_state").json()["incidents"][0]
    assert (incident["dedup_key"], incident["status"]) == ("srv01/mysql", "triggered")


@pytest.mark.django_db
def test_the_slack_receiver_answers_ok_or_slacks_plain_text_errors(client, settings):
    settings.SANDBOX_ENABLED = True
    url = "/sandbox/slack/services/T1234567/AAAAAAAA/ZZZZZZ"
    ok = client.post(url, SLACK_SAMPLE, content_type="application/json")
    assert (ok.status_code, ok.content) == (200, b"ok")
    assert client.post(url, {"text": ""}, content_type="application/json").content == b"no_text"
    assert client.post(url, "not json", content_type="application/json").content == b"invalid_payload"
    assert client.post("/sandbox/slack/_control", {"mode": "down"}, content_type="application/json").status_code == 200
    assert client.post(url, SLACK_SAMPLE, content_type="application/json").status_code == 503
    assert [m["message"] for m in client.get("/sandbox/slack/_state").json()["messages"]] == [SLACK_SAMPLE]
