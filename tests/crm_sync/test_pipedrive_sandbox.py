"""The Pipedrive sandbox over real HTTP (live server): the token, API v2 shapes and validation, cursor paging, fault
modes, the webhooks v2 delivery on a win, the page, and the demo seed."""

from __future__ import annotations

import datetime as dt
import threading

import httpx
import pytest

from crm_sync.connectors.pipedrive import sandbox_schema
from crm_sync.connectors.pipedrive.sandbox import seed_demo
from crm_sync.connectors.pipedrive.sandbox_webhooks import wait_for_deliveries
from handoff_project.demo import catalogue
from handoff_project.integration.models import InboundEvent
from handoff_project.sandbox import store
from tests.crm_sync.pipedrive_support import pipedrive_sandbox  # noqa: F401 - fixture (autouse)
from handoff_project.sandbox.wiring import sandbox_environment


@pytest.fixture
def base(pipedrive_sandbox) -> str:
    return f"{pipedrive_sandbox.url}/sandbox/pipedrive"


@pytest.fixture
def api(base, settings):
    with httpx.Client(base_url=f"{base}/api/v2/", headers={"x-api-token": settings.PIPEDRIVE_API_TOKEN}) as http:
        yield http


def ok(response: httpx.Response, status: int = 200):
    assert response.status_code == status, response.text
    body = response.json()
    assert body["success"] is True
    return body["data"]


def refused(response: httpx.Response, status: int, says: str) -> dict:
    assert response.status_code == status, response.text
    body = response.json()
    assert body["success"] is False and says in body["error"], body
    assert body["error_info"].startswith("Please check developers.pipedrive.com")
    return body


def deliveries() -> list[dict]:
    return store.all_of("pipedrive", "webhook_deliveries")


# ---- the token ----------------------------------------------------------------------------------------------------


def test_without_or_with_a_wrong_token_the_api_answers_401_in_pipedrives_format(base, settings):
    for headers in ({}, {"x-api-token": "not-the-token"}):
        answer = httpx.get(f"{base}/api/v2/deals", headers=headers)
        assert answer.status_code == 401
        assert answer.json() == {"success": False, "error": "unauthorized access", "errorCode": 401,
                                 "error_info": sandbox_schema.ERROR_INFO}  # fmt: skip
    assert httpx.get(f"{base}/api/v2/deals", params={"api_token": settings.PIPEDRIVE_API_TOKEN}).status_code == 200


def test_the_wiring_points_the_settings_at_the_sandboxs_own_custom_fields():
    env = sandbox_environment("http://x", {})
    assert env["PIPEDRIVE_ORDER_NUMBER_FIELD"] == sandbox_schema.ORDER_NUMBER_FIELD
    assert env["PIPEDRIVE_SYNC_STATUS_FIELD"] == sandbox_schema.SYNC_STATUS_FIELD
    assert env["PIPEDRIVE_PAYMENT_TERMS_FIELD"] == sandbox_schema.PAYMENT_TERMS_FIELD
    assert env["PIPEDRIVE_BUSINESS_UNIT_FIELD"] == sandbox_schema.BUSINESS_UNIT_FIELD
    assert env["PIPEDRIVE_VAT_NUMBER_FIELD"] == sandbox_schema.VAT_NUMBER_FIELD


# ---- shapes and validation ------------------------------------------------------------------------------------------


def test_a_deal_is_created_and_read_in_api_v2_shape_with_its_custom_fields(api):
    deal = ok(api.post("deals", json={"title": "New deal", "value": 1200, "currency": "EUR",
                                      "custom_fields": {sandbox_schema.PAYMENT_TERMS_FIELD: "Net 60"}}))  # fmt: skip
    read = ok(api.get(f"deals/{deal['id']}"))

    assert read == deal
    assert (read["status"], read["value"], read["currency"], read["is_deleted"]) == ("open", 1200, "EUR", False)
    assert read["add_time"].endswith("Z") and "T" in read["add_time"]
    assert read["custom_fields"] == {sandbox_schema.ORDER_NUMBER_FIELD: None, sandbox_schema.SYNC_STATUS_FIELD: None,
                                     sandbox_schema.PAYMENT_TERMS_FIELD: "Net 60",
                                     sandbox_schema.BUSINESS_UNIT_FIELD: None}  # fmt: skip


@pytest.mark.parametrize("body, says", [
    ({"value": 10}, "Parameter 'title' is required"),
    ({"title": "x", "value": "1200"}, "Parameter 'value' must be a number"),  # v2 does not coerce strings
    ({"title": "x", "status": "closed"}, "must be one of open, won, lost"),
    ({"title": "x", "stage": 3}, "Unknown parameter(s) for a deal: stage"),
    ({"title": "x", "currency": "euro"}, "3-letter currency code"),
    ({"title": "x", "org_id": 4242}, "Organization with id 4242 does not exist"),
    ({"title": "x", "expected_close_date": "31.03.2026"}, "a date (YYYY-MM-DD)"),
    ({"title": "x", "custom_fields": {"f" * 40: "x"}}, "does not exist on deals"),
    ({"title": "x", "custom_fields": {sandbox_schema.ORDER_NUMBER_FIELD: 4711}}, "is a Text field"),
])  # fmt: skip
def test_api_v2_validation_refuses_with_400_in_pipedrives_error_envelope(api, body, says):
    body = refused(api.post("deals", json=body), 400, says)
    assert body["data"] is None and body["additional_data"] is None


def test_an_unknown_deal_is_404_and_a_body_that_is_not_json_is_400(api):
    refused(api.get("deals/999"), 404, "Deal not found")
    refused(api.patch("deals/999", json={"title": "x"}), 404, "Deal not found")
    deal = ok(api.post("deals", json={"title": "x"}))
    garbled = api.patch(f"deals/{deal['id']}", content=b"{oops", headers={"Content-Type": "application/json"})
    refused(garbled, 400, "not valid JSON")


def test_deal_products_carry_name_currency_and_sum_and_keep_the_deal_value_in_step(api):
    deal = ok(api.post("deals", json={"title": "Lines", "currency": "USD"}))
    product = ok(api.post("products", json={"name": "Edge Gateway G200", "code": "GW-200"}))
    first = ok(api.post(f"deals/{deal['id']}/products", json={"product_id": product["id"], "quantity": 4,
                                                               "item_price": 1250, "discount": 10}), 201)  # fmt: skip
    second = ok(api.post(f"deals/{deal['id']}/products", json={"product_id": product["id"], "quantity": 1,
                                                                "item_price": 99.5, "discount": 9.5,
                                                                "discount_type": "amount"}), 201)  # fmt: skip

    assert (first["name"], first["currency"], first["sum"], first["order_nr"], first["deal_id"]) == (
        "Edge Gateway G200", "USD", 4500, 1, deal["id"])
    assert (second["sum"], second["order_nr"]) == (90, 2)
    assert ok(api.get(f"deals/{deal['id']}"))["value"] == 4590
    ok(api.patch(f"deals/{deal['id']}/products/{second['id']}", json={"is_enabled": False}))
    assert ok(api.get(f"deals/{deal['id']}"))["value"] == 4500  # disabled products do not count
    ok(api.delete(f"deals/{deal['id']}/products/{first['id']}"))
    assert ok(api.get(f"deals/{deal['id']}"))["value"] == 0
    refused(api.post(f"deals/{deal['id']}/products", json={"product_id": 999, "quantity": 1, "item_price": 1}), 400,
            "Product with id 999 does not exist")


def test_the_deals_list_filters_by_status_and_update_time_and_pages_with_a_cursor(api):
    ids = [ok(api.post("deals", json={"title": f"deal {n}"}))["id"] for n in range(5)]
    for deal_id in ids[1:]:
        ok(api.patch(f"deals/{deal_id}", json={"status": "won"}))
    ok(api.delete(f"deals/{ids[4]}"))

    seen, cursor, pages = [], None, 0
    while True:
        answer = api.get("deals", params={"status": "won", "limit": 2, **({"cursor": cursor} if cursor else {})}).json()
        seen += [d["id"] for d in answer["data"]]
        pages += 1
        cursor = answer["additional_data"]["next_cursor"]
        if not cursor:
            break
    assert (seen, pages) == (ids[1:4], 2)  # the deleted deal is left out unless asked for
    deleted = ok(api.get("deals", params={"status": "deleted"}))
    assert [d["id"] for d in deleted] == [ids[4]]

    later = (dt.datetime.now(dt.timezone.utc) + dt.timedelta(hours=1)).strftime("%Y-%m-%dT%H:%M:%SZ")
    assert ok(api.get("deals", params={"status": "won", "updated_since": later})) == []
    descending = ok(api.get("deals", params={"sort_by": "id", "sort_direction": "desc"}))
    assert [d["id"] for d in descending] == ids[3::-1]
    refused(api.get("deals", params={"limit": 501}), 400, "limit must be a whole number from 1 to 500")
    refused(api.get("deals", params={"cursor": "not-a-cursor"}), 400, "Invalid cursor")
    refused(api.get("deals", params={"updated_since": "yesterday"}), 400, "RFC 3339")


def test_persons_get_first_and_last_name_and_products_are_listed_by_ids(api):
    emails = [{"value": "dana@acme.example", "primary": True}]
    person = ok(api.post("persons", json={"name": "Dana Whitfield", "emails": emails}))
    assert (person["first_name"], person["last_name"]) == ("Dana", "Whitfield")
    products = [ok(api.post("products", json={"name": f"P{n}"}))["id"] for n in range(3)]
    listed = ok(api.get("products", params={"ids": f"{products[0]},{products[2]}"}))
    assert [p["id"] for p in listed] == [products[0], products[2]]


def test_notes_are_a_v1_entity_with_v1_timestamps(base, settings):
    headers = {"x-api-token": settings.PIPEDRIVE_API_TOKEN}
    deal = httpx.post(f"{base}/api/v2/deals", json={"title": "x"}, headers=headers).json()["data"]
    note = ok(httpx.post(f"{base}/api/v1/notes", json={"deal_id": deal["id"], "content": "hi"}, headers=headers), 201)
    assert note["deal_id"] == deal["id"] and "T" not in note["add_time"]
    listed = httpx.get(f"{base}/api/v1/notes", params={"deal_id": deal["id"]}, headers=headers).json()
    assert [n["id"] for n in listed["data"]] == [note["id"]]
    assert listed["additional_data"]["pagination"]["more_items_in_collection"] is False


# ---- fault modes ----------------------------------------------------------------------------------------------------


def control(base, **fault) -> dict:
    return httpx.post(f"{base}/_control", json=fault).json()


def test_down_flaky_and_slow_modes_answer_like_an_unwell_pipedrive(api, base):
    control(base, mode="down", status=503)
    answer = api.get("deals")
    assert answer.status_code == 503 and answer.headers["Retry-After"] == "1"
    control(base, mode="flaky", rate=1.0, status=502)
    assert api.get("deals").status_code == 502
    control(base, mode="slow", delay_s=0.3, count=1)
    assert api.get("deals").elapsed.total_seconds() >= 0.3
    assert control(base, mode="up")["mode"] == "up"
    assert api.get("deals").status_code == 200


def test_locked_mode_refuses_writes_in_the_error_envelope_and_lets_reads_through(api, base):
    deal = ok(api.post("deals", json={"title": "x"}))
    control(base, mode="locked")
    refused(api.patch(f"deals/{deal['id']}", json={"title": "y"}), 423, "being changed by another request")
    assert ok(api.get(f"deals/{deal['id']}"))["title"] == "x"


def test_a_lost_response_is_carried_out_and_committed_then_the_answer_is_lost(api, base):
    deal = ok(api.post("deals", json={"title": "x"}))
    control(base, mode="lose_response", how="gateway", count=1)
    assert api.patch(f"deals/{deal['id']}", json={"title": "changed"}).status_code == 504
    assert ok(api.get(f"deals/{deal['id']}"))["title"] == "changed"


# ---- the webhook on a win -------------------------------------------------------------------------------------------


def test_a_deal_patched_to_won_sends_one_webhooks_v2_delivery_our_receiver_accepts(api, settings):
    deal = ok(api.post("deals", json={"title": "Won one"}))
    won = ok(api.patch(f"deals/{deal['id']}", json={"status": "won"}))
    assert won["won_time"] == won["close_time"] == won["update_time"] and won["lost_time"] is None
    ok(api.patch(f"deals/{deal['id']}", json={"title": "Won one, renamed"}))  # a change of a won deal: no webhook
    assert wait_for_deliveries(timeout=30)

    (delivery,) = deliveries()
    assert (delivery["status"], delivery["http_status"], len(delivery["attempts"])) == ("delivered", 200, 1)
    meta, data, previous = (delivery["payload"][k] for k in ("meta", "data", "previous"))
    assert (meta["action"], meta["entity"], meta["entity_id"], meta["version"], meta["attempt"]) == (
        "change", "deal", str(deal["id"]), "2.0", 1)
    assert data["status"] == "won" and "custom_fields" not in data
    previous.pop("update_time", None)  # changed too, unless the win came within the same second
    assert previous == {"status": "open", "won_time": None, "close_time": None}  # the changed fields only
    inbound = InboundEvent.objects.get(system="pipedrive")  # the Basic credentials were right
    assert inbound.status == "accepted" and inbound.dedup_key == f"pdwh:{meta['id']}"
    assert inbound.headers["Authorization"] == "[REDACTED]"


def test_two_concurrent_patches_to_won_send_one_webhook(api):
    deal = ok(api.post("deals", json={"title": "Raced"}))
    threads = [threading.Thread(target=lambda: api.patch(f"deals/{deal['id']}", json={"status": "won"})) for _ in range(2)]
    [t.start() for t in threads]
    [t.join() for t in threads]
    assert wait_for_deliveries(timeout=30)
    assert len(deliveries()) == 1


def test_an_unanswered_webhook_is_retried_with_the_same_event_id_and_recorded_as_failed(api, settings, pipedrive_sandbox):
    settings.PIPEDRIVE_WEBHOOK_URL = f"{pipedrive_sandbox.url}/webhooks/nowhere/"  # answers 404
    deal = ok(api.post("deals", json={"title": "Unheard"}))
    ok(api.patch(f"deals/{deal['id']}", json={"status": "won"}))
    assert wait_for_deliveries(timeout=30)

    (delivery,) = deliveries()
    assert delivery["status"] == "failed" and [a["http_status"] for a in delivery["attempts"]] == [404, 404, 404]
    assert [a["attempt"] for a in delivery["attempts"]] == [1, 2, 3] and delivery["payload"]["meta"]["attempt"] == 3
    assert all("404" in a["error"] for a in delivery["attempts"])


def test_the_page_lists_deals_and_mark_won_sends_the_webhook(base, api, client):
    seed_demo()
    page = client.get("/sandbox/pipedrive/")
    assert page.status_code == 200
    text = page.content.decode()
    assert "Acme Corp — Platform renewal 2027" in text and text.count("Mark won</button>") == 5

    deal_id = next(d["id"] for d in store.all_of("pipedrive", "deals") if d["title"].startswith("Globex — Edge"))
    answer = client.post(f"/sandbox/pipedrive/deals/{deal_id}/mark-won")
    assert answer.status_code == 302 and answer["Location"] == "/sandbox/pipedrive/"
    assert ok(api.get(f"deals/{deal_id}"))["status"] == "won"
    assert wait_for_deliveries(timeout=30) and len(deliveries()) == 1
    assert client.get("/sandbox/pipedrive/").content.decode().count("Mark won</button>") == 4


# ---- demo seed, state -----------------------------------------------------------------------------------------------


def test_seed_demo_creates_the_catalogues_five_deals_once_with_their_lines_and_terms(base):
    close = dt.date.today() + dt.timedelta(days=7)
    assert seed_demo(close_date=close) == 5
    assert seed_demo() == 0  # idempotent

    state = httpx.get(f"{base}/_state").json()
    assert {d["title"] for d in state["deals"]} == {name for name, *_ in catalogue.SALESFORCE_OPPORTUNITIES}
    assert len(state["organizations"]) == len(catalogue.SALESFORCE_ACCOUNTS)
    assert len(state["persons"]) == len(catalogue.SALESFORCE_CONTACTS)
    assert len(state["products"]) == len(catalogue.SALESFORCE_PRODUCTS)
    acme = next(d for d in state["deals"] if d["title"] == "Acme Corp — Platform renewal 2027")
    assert acme["expected_close_date"] == close.isoformat() and acme["status"] == "open"
    assert acme["custom_fields"][sandbox_schema.PAYMENT_TERMS_FIELD] == "Net 30"
    lines = [p for p in state["deal_products"] if p["deal_id"] == acme["id"]]
    assert [(p["name"], p["quantity"], p["item_price"], p["discount"]) for p in lines] == [
        ("Enterprise Platform License (Annual)", 1, 45600, 0), ("Pro Seat - Annual Subscription", 25, 960, 10),
        ("Premium Support 24x7", 1, 9600, 0)]  # fmt: skip
    assert acme["value"] == 76800
    initech = next(o for o in state["organizations"] if o["name"] == "Initech GmbH")
    assert initech["custom_fields"][sandbox_schema.VAT_NUMBER_FIELD] == "DE811569869"
    assert initech["address"]["country"] == "Germany" and initech["address"]["locality"] == "München"
    assert set(state) >= {"deals", "deal_products", "organizations", "persons", "products", "notes", "webhook_deliveries"}
