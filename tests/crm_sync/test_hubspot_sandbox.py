"""The HubSpot sandbox over real HTTP (live server): auth, v3 shapes and errors, search, faults, signed webhooks,
the page, the demo seed."""

from __future__ import annotations

import json
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import httpx
import pytest

from crm_sync.connectors.hubspot.sandbox import seed_demo
from crm_sync.connectors.hubspot.sandbox_outbound import wait_for_deliveries
from crm_sync.connectors.hubspot.signature import verification_problem
from handoff_project.demo import catalogue
from handoff_project.sandbox import store

from .hubspot_world import create_deal, hs, hubspot_sandbox  # noqa: F401 - fixtures

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def base(hubspot_sandbox) -> str:
    return f"{hubspot_sandbox.url}/sandbox/hubspot"


@pytest.fixture
def api(base, settings):
    with httpx.Client(base_url=f"{base}/crm/v3/objects/",
                      headers={"Authorization": f"Bearer {settings.HUBSPOT_ACCESS_TOKEN}"}) as http:
        yield http


class Listener:
    """A real HTTP endpoint standing in for our webhook: answers from a script, records what it received."""

    def __init__(self, statuses: list[int]):
        self.statuses, self.received = list(statuses), []
        listener = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):
                body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
                listener.received.append((dict(self.headers), body))
                self.send_response(listener.statuses[min(len(listener.received), len(listener.statuses)) - 1])
                self.send_header("Content-Length", "0")
                self.end_headers()

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_port}/webhooks/hubspot/"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()


@pytest.fixture
def listen(settings):
    started = []

    def start(statuses) -> Listener:
        listener = Listener(statuses)
        started.append(listener)
        settings.HUBSPOT_WEBHOOK_URL = listener.url
        return listener

    yield start
    assert wait_for_deliveries(timeout=30)
    for listener in started:
        listener.server.shutdown()
        listener.server.server_close()


def open_deal(api, name="Deal", stage="contractsent") -> str:
    return api.post("deals", json={"properties": {"dealname": name, "dealstage": stage}}).json()["id"]


# ---- API shapes and errors ----------------------------------------------------------------------------------------


@pytest.mark.parametrize("authorization", [None, "Bearer pat-na1-wrong-token", "Basic dXNlcjpwYXNz"])
def test_api_calls_without_the_private_app_token_get_hubspots_401(base, authorization):
    headers = {"Authorization": authorization} if authorization else {}
    answer = httpx.get(f"{base}/crm/v3/objects/deals", headers=headers)
    assert answer.status_code == 401
    body = answer.json()
    assert body["status"] == "error" and body["category"] == "INVALID_AUTHENTICATION"
    assert body["message"].startswith("Authentication credentials not found") and body["correlationId"]


def test_create_read_update_answer_in_the_v3_shape_with_properties_as_text(api):
    created = api.post("deals", json={"properties": {"dealname": "Big one", "dealstage": "contractsent",
                                                     "amount": 1250.5, "closedate": "2026-11-24"}})  # fmt: skip
    assert created.status_code == 201
    deal = created.json()
    assert deal["id"].isdigit() and deal["archived"] is False and deal["createdAt"].endswith("Z")
    assert deal["properties"]["amount"] == "1250.5" and deal["properties"]["hs_object_id"] == deal["id"]

    read = api.get(f"deals/{deal['id']}", params={"properties": "dealname,closedate,payment_terms,no_such"}).json()
    assert read["properties"]["closedate"] == "2026-11-24T00:00:00Z"
    assert read["properties"]["payment_terms"] is None and "no_such" not in read["properties"]
    assert set(read["properties"]) == {"dealname", "closedate", "payment_terms", "hs_object_id", "createdate",
                                       "hs_lastmodifieddate"}  # fmt: skip

    updated = api.patch(f"deals/{deal['id']}", json={"properties": {"dealname": "Bigger one"}}).json()
    assert updated["properties"]["dealname"] == "Bigger one" and updated["updatedAt"] >= deal["updatedAt"]
    defaults = api.get(f"deals/{deal['id']}").json()["properties"]
    assert set(defaults) == {"amount", "closedate", "createdate", "dealname", "dealstage", "hs_lastmodifieddate",
                             "hs_object_id", "pipeline"}  # fmt: skip


@pytest.mark.parametrize("properties, code, fragment", [
    ({"no_such_property": "x"}, "PROPERTY_DOESNT_EXIST", 'Property \\"no_such_property\\" does not exist'),
    ({"dealstage": "won"}, "INVALID_OPTION", "won was not one of the allowed options"),
    ({"amount": "12,50"}, "INVALID_NUMBER", "not a valid number"),
    ({"closedate": "next week"}, "INVALID_DATE", "not a valid date"),
    ({"hs_is_closed_won": "true"}, "READ_ONLY_VALUE", "read only"),
])  # fmt: skip
def test_bad_property_values_are_refused_in_hubspots_validation_format(api, properties, code, fragment):
    answer = api.post("deals", json={"properties": {"dealname": "x", **properties}})
    assert answer.status_code == 400
    body = answer.json()
    assert body["category"] == "VALIDATION_ERROR" and body["message"].startswith("Property values were not valid: [")
    problems = json.loads(body["message"].partition(": ")[2])
    assert problems[0]["error"] == code and fragment in json.dumps(problems[0]["message"])


def test_a_record_that_does_not_exist_is_404_object_not_found(api):
    answer = api.get("deals/12345")
    assert answer.status_code == 404 and answer.json()["category"] == "OBJECT_NOT_FOUND"
    assert api.patch("deals/12345", json={"properties": {}}).status_code == 404


def test_associations_come_with_a_read_keyed_by_label_and_the_first_company_is_primary(hs, api, base):
    ids = create_deal(hs)
    read = api.get(f"deals/{ids['deal']}", params={"associations": "companies,line_items,contacts"}).json()
    companies = read["associations"]["companies"]["results"]
    assert {"id": ids["company"], "type": "deal_to_company"} in companies
    assert {"id": ids["other_company"], "type": "deal_to_company_unlabeled"} in companies
    assert {"id": ids["other_company"], "type": "deal_to_company"} not in companies
    assert [a["id"] for a in read["associations"]["line items"]["results"]] == [ids["support_line"], ids["license_line"]]
    listed = httpx.get(f"{base}/crm/v4/objects/deals/{ids['deal']}/associations/companies",
                       headers=api.headers).json()["results"]
    assert {a["toObjectId"] for a in listed} == {int(ids["company"]), int(ids["other_company"])}
    back = api.get(f"companies/{ids['company']}", params={"associations": "deals"}).json()["associations"]
    assert {"id": ids["deal"], "type": "company_to_deal"} in back["deals"]["results"]


def test_a_line_item_takes_its_products_details_and_the_deal_sums_the_lines(hs, api):
    ids = create_deal(hs)
    line = api.get(f"line_items/{ids['support_line']}", params={"properties": "name,price,hs_sku,amount"}).json()
    assert (line["properties"]["name"], line["properties"]["price"], line["properties"]["hs_sku"]) == (
        "Premium Support", "12000", "SUP-PREM")
    assert api.get(f"deals/{ids['deal']}").json()["properties"]["amount"] == "65986.50"
    api.delete(f"line_items/{ids['support_line']}")
    assert api.get(f"deals/{ids['deal']}").json()["properties"]["amount"] == "53986.50"
    assert api.get(f"line_items/{ids['support_line']}").status_code == 404


def test_batch_read_answers_207_naming_the_ids_it_cannot_find(hs, api):
    ids = create_deal(hs)
    answer = api.post("line_items/batch/read", json={"properties": ["name"], "inputs": [
        {"id": ids["license_line"]}, {"id": "424242"}]})  # fmt: skip
    assert answer.status_code == 207
    body = answer.json()
    assert [r["id"] for r in body["results"]] == [ids["license_line"]] and body["numErrors"] == 1
    assert body["errors"][0]["category"] == "OBJECT_NOT_FOUND" and body["errors"][0]["context"]["ids"] == ["424242"]
    too_many = api.post("line_items/batch/read", json={"inputs": [{"id": str(n)} for n in range(101)]})
    assert too_many.status_code == 400


def test_search_filters_sorts_and_pages(api):
    for n, stage in enumerate(["contractsent", "closedwon", "closedwon", "closedlost", "closedwon"]):
        api.post("deals", json={"properties": {"dealname": f"Deal {n}", "dealstage": stage, "amount": str(n * 100)}})
    body = {"filterGroups": [{"filters": [{"propertyName": "dealstage", "operator": "IN", "values": ["closedwon"]},
                                          {"propertyName": "amount", "operator": "GTE", "value": "150"}]},
                             {"filters": [{"propertyName": "dealname", "operator": "EQ", "value": "deal 0"}]}],
            "sorts": [{"propertyName": "amount", "direction": "DESCENDING"}], "properties": ["dealname"], "limit": 2}
    first = api.post("deals/search", json=body).json()
    assert first["total"] == 3 and [r["properties"]["dealname"] for r in first["results"]] == ["Deal 4", "Deal 2"]
    second = api.post("deals/search", json={**body, "after": first["paging"]["next"]["after"]}).json()
    assert [r["properties"]["dealname"] for r in second["results"]] == ["Deal 0"] and "paging" not in second

    assert api.post("deals/search", json={"limit": 201}).status_code == 400
    unknown = api.post("deals/search", json={"filterGroups": [{"filters": [{"propertyName": "nope", "value": "1"}]}]})
    assert unknown.status_code == 400 and unknown.json()["category"] == "VALIDATION_ERROR"


# ---- faults -------------------------------------------------------------------------------------------------------


def control(base, **mode):
    assert httpx.post(f"{base}/_control", json=mode).status_code == 200


def test_down_slow_and_flaky_apply_to_every_call(base, api):
    control(base, mode="down", status=503, count=1)
    assert api.get("deals").status_code == 503
    assert api.get("deals").status_code == 200
    control(base, mode="flaky", rate=1.0, count=1)
    assert api.get("deals").status_code == 503
    control(base, mode="slow", delay_s=0.3, count=1)
    started = time.monotonic()
    assert api.get("deals").status_code == 200 and time.monotonic() - started >= 0.3


def test_lose_response_commits_the_write_and_loses_the_answer(base, api):
    deal = open_deal(api)
    control(base, mode="lose_response", how="gateway", count=1)
    assert api.patch(f"deals/{deal}", json={"properties": {"dealname": "Renamed"}}).status_code == 504
    assert api.get(f"deals/{deal}").json()["properties"]["dealname"] == "Renamed"


def test_locked_refuses_writes_with_423_and_lets_reads_and_searches_through(base, api):
    deal = open_deal(api)
    control(base, mode="locked")
    refused = api.patch(f"deals/{deal}", json={"properties": {"dealname": "Renamed"}})
    assert refused.status_code == 423 and refused.json()["status"] == "error"
    assert api.get(f"deals/{deal}").status_code == 200
    assert api.post("deals/search", json={}).status_code == 200
    control(base, mode="up")


# ---- the won-deal webhook -------------------------------------------------------------------------------------------


def test_moving_a_deal_to_won_sends_one_signed_webhook_after_commit(api, listen, settings):
    listener = listen([200])
    deal = open_deal(api)
    api.patch(f"deals/{deal}", json={"properties": {"dealname": "Renamed"}})  # not a stage change: nothing sent
    api.patch(f"deals/{deal}", json={"properties": {"dealstage": "closedwon"}})
    api.patch(f"deals/{deal}", json={"properties": {"amount": "5"}})  # already won: nothing more
    assert wait_for_deliveries(timeout=30)

    (headers, body), = listener.received
    events = json.loads(body)
    assert events == [{**events[0], "subscriptionType": "deal.propertyChange", "objectId": int(deal),
                       "propertyName": "dealstage", "propertyValue": "closedwon", "attemptNumber": 0,
                       "portalId": 62515, "appId": 1234567}]  # fmt: skip
    assert verification_problem(secret=settings.HUBSPOT_CLIENT_SECRET, method="POST", uris=[listener.url], body=body,
                                timestamp=headers["X-HubSpot-Request-Timestamp"],
                                signature=headers["X-HubSpot-Signature-v3"]) == ""  # fmt: skip
    (delivery,) = store.all_of("hubspot", "webhook_deliveries")
    assert delivery["status"] == "delivered" and delivery["http_status"] == 200 and delivery["deal_id"] == deal


def test_a_failed_delivery_is_retried_with_the_next_attempt_number_and_a_fresh_signature(api, listen):
    listener = listen([500, 503, 204])
    api.patch(f"deals/{open_deal(api)}", json={"properties": {"dealstage": "closedwon"}})
    assert wait_for_deliveries(timeout=30)

    attempts = [json.loads(body)[0]["attemptNumber"] for _headers, body in listener.received]
    assert attempts == [0, 1, 2]
    assert len({json.loads(body)[0]["eventId"] for _h, body in listener.received}) == 1  # the same event
    (delivery,) = store.all_of("hubspot", "webhook_deliveries")
    assert delivery["status"] == "delivered" and [a["http_status"] for a in delivery["attempts"]] == [500, 503, 204]


def test_a_listener_that_never_answers_2xx_leaves_the_delivery_failed(api, listen):
    listen([500])
    api.patch(f"deals/{open_deal(api)}", json={"properties": {"dealstage": "closedwon"}})
    assert wait_for_deliveries(timeout=30)
    (delivery,) = store.all_of("hubspot", "webhook_deliveries")
    assert delivery["status"] == "failed" and len(delivery["attempts"]) == 3


def test_two_concurrent_patches_to_won_send_one_webhook(api, listen):
    listener = listen([200])
    deal = open_deal(api)
    threads = [threading.Thread(target=lambda: api.patch(f"deals/{deal}", json={"properties": {
        "dealstage": "closedwon"}})) for _ in range(2)]  # fmt: skip
    [t.start() for t in threads]
    [t.join() for t in threads]
    assert wait_for_deliveries(timeout=30)
    assert len(listener.received) == 1


# ---- the page, state and the demo seed --------------------------------------------------------------------------------


def test_the_page_lists_open_deals_and_mark_won_sends_the_webhook(client, api, listen):
    listener = listen([200])
    deal = open_deal(api, name="Umbrella renewal")
    page = client.get("/sandbox/hubspot/")
    button = f'action="/sandbox/hubspot/deals/{deal}/mark-won"'.encode()
    assert page.status_code == 200 and b"Umbrella renewal" in page.content and button in page.content

    assert client.post(f"/sandbox/hubspot/deals/{deal}/mark-won").status_code == 302
    assert api.get(f"deals/{deal}").json()["properties"]["dealstage"] == "closedwon"
    assert wait_for_deliveries(timeout=30)
    assert json.loads(listener.received[0][1])[0]["changeSource"] == "CRM_UI"
    assert button not in client.get("/sandbox/hubspot/").content  # won: no button any more


def test_state_lists_what_the_sandbox_holds(base, hs):
    ids = create_deal(hs)
    held = httpx.get(f"{base}/_state").json()
    assert set(held) >= {"deals", "line_items", "companies", "contacts", "products", "associations",
                         "webhook_deliveries"}  # fmt: skip
    assert [d["id"] for d in held["deals"]] == [ids["deal"]] and len(held["line_items"]) == 2


def test_seed_demo_loads_the_catalogue_once(hubspot_sandbox, hs):
    assert seed_demo() == len(catalogue.SALESFORCE_OPPORTUNITIES) == 5
    assert seed_demo() == 0
    deals = {d["properties"]["dealname"]: d for d in store.all_of("hubspot", "deals")}
    assert set(deals) == {name for name, *_rest in catalogue.SALESFORCE_OPPORTUNITIES}
    assert len(store.all_of("hubspot", "companies")) == len(catalogue.SALESFORCE_ACCOUNTS)
    assert len(store.all_of("hubspot", "products")) == len(catalogue.SALESFORCE_PRODUCTS)

    from crm_sync.connectors.hubspot.adapter import HubSpotAdapter

    acme = HubSpotAdapter().fetch_deal(deals["Acme Corp — Platform renewal 2027"]["id"])
    assert acme.account.name == "Acme Corp" and acme.payment_terms.text == "Net 30"
    assert [(line.description, str(line.quantity), str(line.discount_percent)) for line in acme.lines] == [
        ("Enterprise Platform License (Annual)", "1", "0"), ("Pro Seat - Annual Subscription", "25", "10"),
        ("Premium Support 24x7", "1", "0")]
    assert acme.primary_contact.email == "dana.whitfield@acme.example"
    initech = HubSpotAdapter().fetch_deal(deals["Initech — Seats and integration workshop"]["id"])
    assert initech.account.vat_id == "DE811569869" and initech.ship_to.country == "DE"
