"""/webhooks/hubspot/: v3 signature → store raw → queue on commit → 200. Rejections are kept for inspection."""

from __future__ import annotations

import json
import threading
from pathlib import Path

import httpx
import pytest
from django.conf import settings
from django.test import TestCase
from django_q.models import OrmQ

from crm_sync.connectors.hubspot.sandbox_outbound import signed_request
from crm_sync.connectors.hubspot.signature import now_ms, v3_signature
from crm_sync.connectors.hubspot.webhook import classify, parse_batch
from crm_sync.inbound import process_inbound_event
from erp_orders.models import Handoff
from handoff_project.integration.models import InboundEvent

pytestmark = pytest.mark.django_db

FIXTURES = Path(__file__).resolve().parents[2] / "crm_sync" / "connectors" / "hubspot" / "fixtures"
URL = "/webhooks/hubspot/"
SIGNED_FOR = "http://testserver/webhooks/hubspot/"  # what the Django test client's requests arrive at
DEAL = "33108462948"


def fixture_events(name: str) -> list[dict]:
    return json.loads((FIXTURES / name).read_text())


def stage_event(deal_id=DEAL, stage="closedwon", event_id=3816279451, **extra) -> dict:
    return {"eventId": event_id, "subscriptionId": 1240733, "portalId": 62515, "appId": 1234567,
            "occurredAt": now_ms(), "subscriptionType": "deal.propertyChange", "attemptNumber": 0,
            "objectId": int(deal_id), "propertyName": "dealstage", "propertyValue": stage, "changeSource": "CRM_UI",
            **extra}  # fmt: skip


def deliver(client, events, *, secret=None, uri=SIGNED_FOR, timestamp=None, path=URL, tamper=None, drop=()):
    body, headers = signed_request(uri, events, secret=secret or settings.HUBSPOT_CLIENT_SECRET, timestamp=timestamp)
    if tamper:
        body = tamper(body)
    headers = {k: v for k, v in headers.items() if k not in drop and k != "Content-Type"}
    return _post(client, path, body, headers)


def _post(client, path, body, headers):
    with TestCase.captureOnCommitCallbacks(execute=True):  # the queueing happens on commit
        return client.post(path, data=body, content_type="application/json", headers=headers)


def post_raw(client, body: bytes):
    """A body HubSpot's signing would accept, whatever it holds (to test what happens after verification)."""
    _ignored, headers = signed_request(SIGNED_FOR, [], secret=settings.HUBSPOT_CLIENT_SECRET)
    headers["X-HubSpot-Signature-v3"] = v3_signature(settings.HUBSPOT_CLIENT_SECRET, "POST", SIGNED_FOR, body,
                                                     headers["X-HubSpot-Request-Timestamp"])  # fmt: skip
    headers.pop("Content-Type")
    return _post(client, URL, body, headers)


def test_a_signed_batch_with_a_won_deal_is_stored_queued_and_answered_200(client):
    response = deliver(client, fixture_events("webhook_deal_stage_won.json"))

    assert response.status_code == 200 and response.json()["status"] == "accepted"
    inbound = InboundEvent.objects.get()
    assert inbound.status == "accepted" and DEAL in inbound.body and inbound.dedup_key.startswith("hubspot:")
    assert inbound.headers["X-Hubspot-Signature-V3"] == "[REDACTED]"
    assert inbound.headers["X-Hubspot-Request-Timestamp"].isdigit()  # not secret, kept for inspection
    assert OrmQ.objects.count() == 1


@pytest.mark.parametrize("how, fragment", [
    ("wrong secret", "does not match"),
    ("body changed", "does not match"),
    ("signed for another URL", "does not match"),
    ("no signature", "X-HubSpot-Signature-v3 header is missing"),
    ("no timestamp", "Timestamp header is missing"),
    ("stale timestamp", "s old"),
    ("future timestamp", "in the future"),
])  # fmt: skip
def test_a_request_hubspot_did_not_sign_now_is_401_kept_as_rejected_and_not_queued(client, how, fragment):
    minutes = 60 * 1000
    kwargs = {
        "wrong secret": {"secret": "not-the-app-secret"},
        "body changed": {"tamper": lambda body: body.replace(b"closedwon", b"closedwon ")},
        "signed for another URL": {"uri": "https://evil.example.com/webhooks/hubspot/"},
        "no signature": {"drop": ("X-HubSpot-Signature-v3",)},
        "no timestamp": {"drop": ("X-HubSpot-Request-Timestamp",)},
        "stale timestamp": {"timestamp": str(now_ms() - 6 * minutes)},
        "future timestamp": {"timestamp": str(now_ms() + 6 * minutes)},
    }[how]
    response = deliver(client, [stage_event()], **kwargs)

    assert response.status_code == 401
    assert fragment in response.json()["message"]
    inbound = InboundEvent.objects.get()
    assert inbound.status == "rejected" and fragment in inbound.error
    assert OrmQ.objects.count() == 0 and Handoff.objects.count() == 0


@pytest.mark.parametrize("body, fragment", ids=["not json", "object", "empty", "101 events", "no eventId", "no type",
                                                "not an object", "bad objectId"], argvalues=[
    (b"not json", "not JSON"),
    (b'{"eventId": 1}', "HubSpot sends an array"),
    (b"[]", "no events"),
    (json.dumps([stage_event(event_id=i) for i in range(101)]).encode(), "at most 100"),
    (json.dumps([{"subscriptionType": "deal.propertyChange", "objectId": 1, "portalId": 2}]).encode(), "lacks eventId"),
    (json.dumps([{"eventId": 1, "objectId": 1, "portalId": 2}]).encode(), "lacks subscriptionType"),
    (json.dumps([stage_event(), "x"]).encode(), "event 1 is not a JSON object"),
    (json.dumps([{**stage_event(), "objectId": "../../x"}]).encode(), "not a HubSpot record id"),
])  # fmt: skip
def test_an_authentic_but_malformed_batch_is_400_with_a_message_and_kept_as_rejected(client, body, fragment):
    response = post_raw(client, body)

    assert response.status_code == 400
    assert response["Content-Type"] == "application/json" and fragment in response.json()["message"]
    inbound = InboundEvent.objects.get()
    assert inbound.status == "rejected" and fragment in inbound.error
    assert OrmQ.objects.count() == 0


@pytest.mark.parametrize("events, fragment", ids=["contact events", "other property", "open stage", "creation",
                                                  "deletion"], argvalues=[
    (fixture_events("webhook_batch_docs_example.json"), "contact.creation of object 1246978: not a deal event"),
    ([stage_event(propertyName="amount", propertyValue="100")], "property amount changed, not dealstage"),
    ([stage_event(stage="contractsent")], "dealstage is now 'contractsent', not a won stage (closedwon)"),
    ([{**stage_event(), "subscriptionType": "deal.creation", "propertyName": None}], "does not say the stage"),
    ([{**stage_event(), "subscriptionType": "deal.deletion"}], "deal.deletion is not a stage change"),
])  # fmt: skip
def test_an_authentic_batch_with_nothing_we_handle_is_200_stored_and_ignored_with_the_reason(client, events, fragment):
    response = deliver(client, events)

    assert response.status_code == 200 and response.json()["status"] == "ignored"
    inbound = InboundEvent.objects.get()
    assert inbound.status == "ignored" and fragment in inbound.error
    assert OrmQ.objects.count() == 0 and Handoff.objects.count() == 0


def test_the_docs_example_using_eventtype_is_read_like_a_real_delivery():
    events = parse_batch((FIXTURES / "webhook_batch_docs_example.json").read_bytes())
    assert [e.subscription_type for e in events] == ["contact.propertyChange", "contact.creation"]
    assert all(not t.won for t in classify(events, {"closedwon"}))


def test_several_events_about_one_deal_give_one_won_trigger_and_other_objects_are_ignored():
    events = parse_batch((FIXTURES / "webhook_deal_stage_won.json").read_bytes())
    found = classify(events, {"closedwon"})
    assert [(t.crm_id, t.won) for t in found] == [(DEAL, True), ("", False)]
    assert "contact.creation of object 97132179531" in found[1].ignored_because


def test_a_generic_object_subscription_on_deals_counts_too():
    generic = {**stage_event(), "subscriptionType": "object.propertyChange", "objectTypeId": "0-3"}
    contact = {**generic, "objectTypeId": "0-1", "eventId": 2}
    found = classify(parse_batch(json.dumps([generic, contact]).encode()), {"closedwon"})
    assert [(t.crm_id, t.won) for t in found] == [(DEAL, True), ("", False)]


def test_a_custom_won_stage_counts_as_won(client, settings):
    settings.HUBSPOT_WON_STAGES = ["closedwon", "1283746"]
    assert deliver(client, [stage_event(stage="1283746")]).json()["status"] == "accepted"


def test_a_redelivery_with_the_same_event_ids_is_acknowledged_counted_and_not_queued_again(client):
    assert deliver(client, [stage_event()]).json()["status"] == "accepted"
    # HubSpot's retry: the same eventId, the next attemptNumber, a fresh timestamp and signature
    response = deliver(client, [stage_event(attemptNumber=1)])

    assert response.status_code == 200 and response.json()["status"] == "duplicate"
    inbound = InboundEvent.objects.get()
    assert inbound.deliveries == 2
    assert OrmQ.objects.count() == 1


def test_the_configured_public_url_verifies_a_request_that_a_proxy_forwarded(client, settings):
    settings.HUBSPOT_WEBHOOK_URL = "https://hooks.handoff.example/webhooks/hubspot/"
    response = deliver(client, [stage_event()], uri="https://hooks.handoff.example/webhooks/hubspot/")
    assert response.status_code == 200

    settings.HUBSPOT_WEBHOOK_URL = ""
    response = deliver(client, [stage_event(event_id=2)], uri="https://hooks.handoff.example/webhooks/hubspot/")
    assert response.status_code == 401


def test_a_query_string_is_signed_the_way_hubspot_decodes_it(client):
    path = "/webhooks/hubspot/?portal=62515&state=a%3Ab%2Fc&note=x%20y"
    response = deliver(client, [stage_event()], path=path,
                       uri="http://testserver/webhooks/hubspot/?portal=62515&state=a:b/c&note=x%20y")
    assert response.status_code == 200, response.content


def test_processing_a_won_batch_opens_exactly_one_handoff_per_deal(client):
    deliver(client, fixture_events("webhook_deal_stage_won.json"))
    deliver(client, [stage_event(event_id=99)])  # another batch (other eventIds) about the same deal
    for inbound in InboundEvent.objects.all():
        process_inbound_event(inbound_event_id=inbound.pk)

    assert Handoff.objects.filter(crm_system="hubspot", crm_record_id=DEAL).count() == 1
    assert set(InboundEvent.objects.values_list("status", flat=True)) == {"processed"}
    first = InboundEvent.objects.order_by("pk").first()
    assert "contact.creation of object 97132179531" in first.error  # the batch's other event, ignored with why


@pytest.mark.django_db(transaction=True)
def test_a_batch_delivered_three_times_and_twice_at_the_same_moment_opens_one_handoff(live_server):
    url = f"{live_server.url}{URL}"
    events = [stage_event(event_id=5551), stage_event(event_id=5552, propertyName="amount", propertyValue="1")]
    for attempt in range(3):
        body, headers = signed_request(url, [{**e, "attemptNumber": attempt} for e in events],
                                       secret=settings.HUBSPOT_CLIENT_SECRET)  # fmt: skip
        assert httpx.post(url, content=body, headers=headers).status_code == 200

    answers = []

    def send():
        body, headers = signed_request(url, [{**e, "attemptNumber": 3} for e in events],
                                       secret=settings.HUBSPOT_CLIENT_SECRET)  # fmt: skip
        answers.append(httpx.post(url, content=body, headers=headers).status_code)

    threads = [threading.Thread(target=send) for _ in range(2)]
    [t.start() for t in threads]
    [t.join() for t in threads]
    assert answers == [200, 200]

    inbound = InboundEvent.objects.get(system="hubspot")
    assert inbound.deliveries == 5
    process_inbound_event(inbound_event_id=inbound.pk)
    process_inbound_event(inbound_event_id=inbound.pk)  # a second run of the task changes nothing
    assert Handoff.objects.filter(crm_system="hubspot", crm_record_id=DEAL).count() == 1
    assert OrmQ.objects.count() == 2  # the inbound task once, the handoff's first step once


def test_get_is_not_allowed(client):
    assert client.get(URL).status_code == 405
