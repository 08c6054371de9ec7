"""/webhooks/pipedrive/: HTTP Basic verified → stored → queued on commit → 200. Refusals are kept for inspection."""

from __future__ import annotations

import base64
import copy
import json
import threading
from pathlib import Path

import httpx
import pytest
from django_q.models import OrmQ

from crm_sync.inbound import process_inbound_event
from erp_orders.models import Handoff
from handoff_project.integration.models import Event, InboundEvent

pytestmark = pytest.mark.django_db

FIXTURES = Path(__file__).resolve().parents[2] / "crm_sync" / "connectors" / "pipedrive" / "fixtures"
URL = "/webhooks/pipedrive/"


def fixture(name: str) -> dict:
    return json.loads((FIXTURES / name).read_text())


def won() -> dict:
    return fixture("webhook_v2_change_deal_won.json")


def basic(user: str, password: str) -> str:
    return "Basic " + base64.b64encode(f"{user}:{password}".encode()).decode()


@pytest.fixture
def good_auth(settings) -> str:
    return basic(settings.PIPEDRIVE_WEBHOOK_USER, settings.PIPEDRIVE_WEBHOOK_PASSWORD)


@pytest.fixture
def post(client, django_capture_on_commit_callbacks):
    """POST a delivery as Pipedrive does; what the view queues on commit is run, as after a real commit."""

    def send(payload, authorization: str | None):
        body = payload if isinstance(payload, bytes) else json.dumps(payload).encode()
        extra = {"HTTP_AUTHORIZATION": authorization} if authorization is not None else {}
        with django_capture_on_commit_callbacks(execute=True):
            return client.post(URL, data=body, content_type="application/json", **extra)

    return send


# ---- verification ---------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("authorization", [
    None,
    "Bearer pipedrive-test-webhook-password",
    basic("handoff-webhook", "wrong-password"),
    basic("someone-else", "pipedrive-test-webhook-password"),
    "Basic not-base64!!",
    "Basic " + base64.b64encode(b"no-colon-at-all").decode(),
])  # fmt: skip
def test_missing_or_wrong_basic_credentials_are_401_with_a_challenge_and_nothing_queued(post, authorization):
    response = post(won(), authorization)

    assert response.status_code == 401
    assert response["WWW-Authenticate"].startswith("Basic realm=")
    inbound = InboundEvent.objects.get()
    assert inbound.status == "rejected" and inbound.error
    assert OrmQ.objects.count() == 0 and Handoff.objects.count() == 0


def test_without_a_configured_password_every_delivery_is_refused(post, settings):
    settings.PIPEDRIVE_WEBHOOK_PASSWORD = ""
    response = post(won(), basic(settings.PIPEDRIVE_WEBHOOK_USER, ""))

    assert response.status_code == 401
    assert "PIPEDRIVE_WEBHOOK_PASSWORD is not configured" in InboundEvent.objects.get().error


def test_credentials_are_checked_before_the_body_is_read(post):
    response = post(b"{not json", None)
    assert response.status_code == 401  # an unauthenticated sender learns nothing about the format


# ---- malformed ------------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("body, says", [
    (b"{not json", "not JSON"),
    (b"[1, 2]", "meta"),
    (json.dumps({"data": {}}).encode(), "meta"),
    (json.dumps({"meta": {"v": 1, "action": "updated", "object": "deal", "id": 11}, "current": {}}).encode(),
     "webhooks v2 only"),
    (json.dumps({"meta": {"version": "2.0", "action": "change", "entity": "deal"}, "data": {}}).encode(), "meta lacks id"),
    (json.dumps({"meta": {"version": "2.0", "action": "change", "entity": "deal", "id": "e1"}, "data": [1]}).encode(),
     "`data` is a list"),
])  # fmt: skip
def test_malformed_delivery_is_400_with_what_is_wrong_and_stored(post, good_auth, body, says):
    response = post(body, good_auth)

    assert response.status_code == 400
    assert says in response.json()["error"]
    inbound = InboundEvent.objects.get()
    assert inbound.status == "rejected" and says in inbound.error
    assert OrmQ.objects.count() == 0


# ---- ignored --------------------------------------------------------------------------------------------------------


def _not_won_payloads():
    person = fixture("webhook_v2_change_person.json")
    still_open = won()
    still_open["data"]["status"], still_open["previous"] = "open", {"title": "old title"}
    resaved = won()
    resaved["previous"] = {"title": "Initech — seats", "update_time": "2026-03-12T14:00:00Z"}  # no status change
    won_before = won()
    won_before["previous"]["status"] = "won"
    created_won = won()
    created_won["meta"]["action"], created_won["previous"] = "create", None
    deleted = won()
    deleted["meta"]["action"], deleted["data"] = "delete", None
    return [
        (person, "not a deal"),
        (still_open, "status 'open' is not won"),
        (resaved, "already won"),
        (won_before, "previous status was won too"),
        (created_won, "only a change of a deal to won"),
        (deleted, "only a change of a deal to won"),
    ]


@pytest.mark.parametrize("payload, reason", _not_won_payloads())
def test_a_delivery_announcing_no_new_win_is_200_stored_as_ignored_with_the_reason(post, good_auth, payload, reason):
    response = post(payload, good_auth)

    assert response.status_code == 200
    inbound = InboundEvent.objects.get()
    assert inbound.status == "ignored" and reason in inbound.error
    assert inbound.dedup_key == f"pdwh:{payload['meta']['id']}"
    assert OrmQ.objects.count() == 0 and Handoff.objects.count() == 0
    assert Event.objects.filter(event_type="inbound_ignored", message__contains=reason).exists()


# ---- won ------------------------------------------------------------------------------------------------------------


def test_a_deal_changed_to_won_is_stored_and_queued_once_and_the_basic_credentials_are_not_kept(post, good_auth, settings):
    response = post(won(), good_auth)

    assert response.status_code == 200
    assert response.json() == {"status": "received", "event_id": won()["meta"]["id"]}
    inbound = InboundEvent.objects.get()
    assert inbound.status == "accepted" and inbound.dedup_key == "pdwh:0f9e8d7c-6b5a-4c3d-8e2f-1a0b9c8d7e6f"
    assert OrmQ.objects.count() == 1
    stored = inbound.body + json.dumps(inbound.headers)
    assert settings.PIPEDRIVE_WEBHOOK_PASSWORD not in stored and good_auth.split()[1] not in stored


def test_retries_of_one_event_are_acknowledged_counted_and_queue_nothing_more(post, good_auth):
    for attempt in (1, 2, 3):
        payload = won()
        payload["meta"]["attempt"] = attempt  # Pipedrive's retries: same meta.id, the next attempt
        assert post(payload, good_auth).status_code == 200

    inbound = InboundEvent.objects.get()
    assert inbound.deliveries == 3
    assert OrmQ.objects.count() == 1


@pytest.mark.django_db(transaction=True)
def test_a_won_deal_delivered_three_times_and_twice_at_once_opens_exactly_one_handoff(live_server, settings):
    url = f"{live_server.url}{URL}"
    auth = (settings.PIPEDRIVE_WEBHOOK_USER, settings.PIPEDRIVE_WEBHOOK_PASSWORD)
    first = won()
    for attempt in (1, 2, 3):
        first["meta"]["attempt"] = attempt
        assert httpx.post(url, json=first, auth=auth).status_code == 200
    # a second, distinct event about the same deal (a later flip open → won), twice at the same moment
    second = copy.deepcopy(first)
    second["meta"]["id"], second["meta"]["attempt"] = "6a5b4c3d-2e1f-4a0b-9c8d-7e6f5a4b3c2d", 1
    answers = []
    threads = [threading.Thread(target=lambda: answers.append(httpx.post(url, json=second, auth=auth))) for _ in range(2)]
    [t.start() for t in threads]
    [t.join() for t in threads]
    assert [a.status_code for a in answers] == [200, 200]

    for inbound in InboundEvent.objects.all():
        process_inbound_event(inbound_event_id=inbound.pk)

    assert InboundEvent.objects.count() == 2
    assert sorted(InboundEvent.objects.values_list("deliveries", flat=True)) == [2, 3]
    handoff = Handoff.objects.get(crm_system="pipedrive")
    assert handoff.crm_record_id == "1187" and handoff.deal_name == "Initech — Seats and integration workshop"
    assert Event.objects.filter(event_type="duplicate_trigger", crm_record_id="1187").count() == 1


def test_get_is_not_allowed(client):
    assert client.get(URL).status_code == 405
