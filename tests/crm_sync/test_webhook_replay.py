"""Replays and redeliveries at the webhook door, per CRM, with what each vendor offers against them.

* HubSpot signs METHOD + URI + body + X-HubSpot-Request-Timestamp (v3) and says to refuse a timestamp older than five
  minutes: a captured request replayed later is 401 even though its signature is genuine; moving its timestamp
  breaks the signature. Within the window a redelivery (same eventIds) is 200, stored once, queued once.
* Pipedrive (webhooks v2) sends HTTP Basic credentials, and a meta.timestamp that nothing signs, so the timestamp
  cannot tell a replay from a retry; the replay protection is the event id (meta.id, the same on every attempt):
  stored once, acknowledged every time.
* Salesforce Outbound Messages carry neither a signature nor a timestamp; the OrganizationId is checked and the
  Notification Ids (the same on every retry) are the dedup key.
Every secret comparison on these paths goes through hmac.compare_digest (spied here, not replaced).
"""

from __future__ import annotations

import base64
import hmac
import json
import threading
from pathlib import Path

import httpx
import pytest
from django.conf import settings
from django.test import TestCase
from django_q.models import OrmQ

from crm_sync.connectors.hubspot.sandbox_outbound import signed_request
from crm_sync.connectors.hubspot.signature import MAX_SKEW_MS, now_ms
from crm_sync.connectors.salesforce.outbound import build_outbound_message
from handoff_project.integration.models import InboundEvent

pytestmark = pytest.mark.django_db

HUBSPOT_URL = "/webhooks/hubspot/"
SIGNED_FOR = "http://testserver/webhooks/hubspot/"
PIPEDRIVE_FIXTURE = (Path(__file__).resolve().parents[2] / "crm_sync" / "connectors" / "pipedrive" / "fixtures"
                     / "webhook_v2_change_deal_won.json")


def won_event(event_id=7001, deal_id=33108462948, attempt=0) -> dict:
    return {"eventId": event_id, "subscriptionId": 1240733, "portalId": 62515, "occurredAt": now_ms(),
            "subscriptionType": "deal.propertyChange", "attemptNumber": attempt, "objectId": deal_id,
            "propertyName": "dealstage", "propertyValue": "closedwon"}


def post(client, path, body, headers, content_type="application/json"):
    with TestCase.captureOnCommitCallbacks(execute=True):  # queueing happens on commit, as after a real request
        return client.post(path, data=body, content_type=content_type, headers=headers)


def hubspot_request(events, *, timestamp=None):
    body, headers = signed_request(SIGNED_FOR, events, secret=settings.HUBSPOT_CLIENT_SECRET, timestamp=timestamp)
    headers.pop("Content-Type", None)
    return body, headers


def pipedrive_auth() -> dict:
    token = base64.b64encode(f"{settings.PIPEDRIVE_WEBHOOK_USER}:{settings.PIPEDRIVE_WEBHOOK_PASSWORD}".encode())
    return {"Authorization": "Basic " + token.decode()}


def salesforce_message(opportunity_id="0065g00000AbCdEAAZ") -> bytes:
    return build_outbound_message(settings.SALESFORCE_ORGANIZATION_ID, "04k000000000001AAA", "Opportunity",
                                  [{"Id": opportunity_id, "StageName": "Closed Won", "IsWon": True}])


# ---- HubSpot: the five-minute window ---------------------------------------------------------------------------------


def test_a_captured_hubspot_request_replayed_after_five_minutes_is_401_though_its_signature_is_genuine(client):
    captured_at = str(now_ms() - MAX_SKEW_MS - 60_000)
    body, headers = hubspot_request([won_event()], timestamp=captured_at)

    response = post(client, HUBSPOT_URL, body, headers)

    assert response.status_code == 401 and "s old" in response.json()["message"]
    inbound = InboundEvent.objects.get()
    assert inbound.status == InboundEvent.Status.REJECTED and "5 minutes" in inbound.error
    assert OrmQ.objects.count() == 0


def test_moving_the_timestamp_of_a_captured_hubspot_request_into_the_window_breaks_its_signature(client):
    body, headers = hubspot_request([won_event()], timestamp=str(now_ms() - MAX_SKEW_MS - 60_000))
    headers["X-HubSpot-Request-Timestamp"] = str(now_ms())

    response = post(client, HUBSPOT_URL, body, headers)

    assert response.status_code == 401 and "does not match" in response.json()["message"]
    assert OrmQ.objects.count() == 0


def test_a_hubspot_timestamp_more_than_five_minutes_ahead_is_401(client):
    body, headers = hubspot_request([won_event()], timestamp=str(now_ms() + MAX_SKEW_MS + 60_000))

    response = post(client, HUBSPOT_URL, body, headers)

    assert response.status_code == 401 and "future" in response.json()["message"]


def test_a_hubspot_request_replayed_byte_for_byte_within_the_window_is_200_stored_once_and_queued_once(client):
    body, headers = hubspot_request([won_event()])

    first, second = post(client, HUBSPOT_URL, body, headers), post(client, HUBSPOT_URL, body, headers)

    assert (first.status_code, first.json()["status"]) == (200, "accepted")
    assert (second.status_code, second.json()["status"]) == (200, "duplicate")
    assert InboundEvent.objects.get().deliveries == 2
    assert OrmQ.objects.count() == 1


def test_a_hubspot_retry_re_signed_with_the_same_event_ids_is_200_and_stored_once(client):
    for attempt in range(3):  # HubSpot's retry: same eventIds, attemptNumber up, a fresh timestamp and signature
        body, headers = hubspot_request([won_event(attempt=attempt)])
        assert post(client, HUBSPOT_URL, body, headers).status_code == 200

    assert InboundEvent.objects.get().deliveries == 3
    assert OrmQ.objects.count() == 1


# ---- Pipedrive: meta.id --------------------------------------------------------------------------------------------


def test_a_pipedrive_delivery_replayed_with_the_same_meta_id_is_acknowledged_and_stored_once(client):
    payload = json.loads(PIPEDRIVE_FIXTURE.read_text())
    for attempt in (1, 2, 2):  # two retries, the second replayed as it was
        payload["meta"]["attempt"] = attempt
        response = post(client, "/webhooks/pipedrive/", json.dumps(payload).encode(), pipedrive_auth())
        assert response.status_code == 200 and response.json()["event_id"] == payload["meta"]["id"]

    inbound = InboundEvent.objects.get()
    assert inbound.deliveries == 3 and inbound.dedup_key == f"pdwh:{payload['meta']['id']}"
    assert OrmQ.objects.count() == 1


def test_a_pipedrive_replay_without_the_credentials_is_401_whatever_its_meta_id(client):
    payload = json.loads(PIPEDRIVE_FIXTURE.read_text())
    post(client, "/webhooks/pipedrive/", json.dumps(payload).encode(), pipedrive_auth())

    replay = post(client, "/webhooks/pipedrive/", json.dumps(payload).encode(), {})

    assert replay.status_code == 401
    assert InboundEvent.objects.filter(status=InboundEvent.Status.REJECTED).count() == 1
    assert OrmQ.objects.count() == 1


# ---- Salesforce: notification ids --------------------------------------------------------------------------------------


def test_a_salesforce_message_resent_byte_for_byte_is_acked_every_time_and_stored_once(client):
    body = salesforce_message()
    for _ in range(3):
        response = post(client, "/webhooks/salesforce/", body, {}, content_type="text/xml; charset=utf-8")
        assert response.status_code == 200 and b"<Ack>true</Ack>" in response.content

    assert InboundEvent.objects.get().deliveries == 3
    assert OrmQ.objects.count() == 1


# ---- the same delivery at the same moment -----------------------------------------------------------------------------


@pytest.mark.django_db(transaction=True)  # the live server's threads must see committed rows; ordered with its kind
@pytest.mark.parametrize("crm", ["pipedrive", "salesforce"])
def test_the_same_delivery_sent_six_times_at_once_is_stored_once_and_every_copy_answered_200(live_server, crm):
    if crm == "pipedrive":
        body, headers = PIPEDRIVE_FIXTURE.read_bytes(), {**pipedrive_auth(), "Content-Type": "application/json"}
    else:
        body, headers = salesforce_message(), {"Content-Type": "text/xml; charset=utf-8"}
    url = f"{live_server.url}/webhooks/{crm}/"
    barrier, statuses = threading.Barrier(6), []

    def send():
        barrier.wait()
        statuses.append(httpx.post(url, content=body, headers=headers, timeout=30).status_code)

    threads = [threading.Thread(target=send) for _ in range(6)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert statuses == [200] * 6
    inbound = InboundEvent.objects.get(system=crm)
    assert inbound.deliveries == 6 and inbound.status == InboundEvent.Status.ACCEPTED
    assert OrmQ.objects.count() == 1


# ---- constant-time comparisons ----------------------------------------------------------------------------------------


@pytest.fixture
def compared(monkeypatch):
    """Every hmac.compare_digest call on the request path, recorded; the real function still decides."""
    calls = []
    real = hmac.compare_digest

    def spy(a, b):
        calls.append((a, b))
        return real(a, b)

    monkeypatch.setattr(hmac, "compare_digest", spy)
    return calls


def test_the_hubspot_signature_is_compared_in_constant_time(client, compared):
    body, headers = hubspot_request([won_event()])
    post(client, HUBSPOT_URL, body, headers)

    assert any(b == headers["X-HubSpot-Signature-v3"].encode() for _, b in compared)


def test_the_pipedrive_user_and_password_are_both_compared_in_constant_time_even_when_the_user_is_wrong(client, compared):
    wrong_user = "Basic " + base64.b64encode(f"intruder:{settings.PIPEDRIVE_WEBHOOK_PASSWORD}".encode()).decode()
    post(client, "/webhooks/pipedrive/", PIPEDRIVE_FIXTURE.read_bytes(), {"Authorization": wrong_user})

    expected = {settings.PIPEDRIVE_WEBHOOK_USER.encode(), settings.PIPEDRIVE_WEBHOOK_PASSWORD.encode()}
    assert expected <= {b for _, b in compared}


def test_the_salesforce_organization_id_is_compared_in_constant_time(client, compared):
    post(client, "/webhooks/salesforce/", salesforce_message(), {}, content_type="text/xml; charset=utf-8")

    assert any(b == settings.SALESFORCE_ORGANIZATION_ID[:15].encode() for _, b in compared)
