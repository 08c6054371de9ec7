"""The NetSuite adapter against the emulator through the real HTTP path (/sandbox/netsuite/ on a live server)."""

from __future__ import annotations

import datetime as dt
import json
import time
from concurrent.futures import ThreadPoolExecutor
from decimal import Decimal
from pathlib import Path

import httpx
import pytest
from django.db import connections
from django.utils import timezone

from erp_orders.connectors.netsuite import mappers, oauth
from erp_orders.connectors.netsuite.adapter import NetSuiteAdapter
from erp_orders.connectors.netsuite.client import NetSuiteClient
from erp_orders.connectors.netsuite.sandbox import seed_master_data
from handoff_project.demo import erp_world
from handoff_project.integration.canonical import Address, Money, OrderLine, OrderRequest
from handoff_project.integration.errors import (
    AuthenticationError,
    DuplicateError,
    LockedRecordError,
    Reason,
    RemoteValidationError,
    TransientError,
)

FIXTURES = Path(mappers.__file__).resolve().parent / "fixtures"
ACME, GLOBEX = "1201", "1202"  # erp_world IDS["netsuite"]: ACME has its own platform price
PLATFORM, SEATS, GATEWAY = "501", "502", "505"
EACH, HOUR = "1", "3"


@pytest.fixture
def netsuite(sandbox_urls):
    seed_master_data(erp_world.master_data("netsuite", reset=True))
    return sandbox_urls.url + "/sandbox/netsuite"


def line(material=PLATFORM, quantity="1", price="45600.00", unit=EACH, discount="0", number=1) -> OrderLine:
    return OrderLine(line_number=number, material=material, description="line", quantity=Decimal(quantity),
                     unit=unit, unit_price=Money(price, "USD"), discount_percent=Decimal(discount))


def order(reference="SF-0065e00000A1bCdEAF", *lines, **overrides) -> OrderRequest:
    values = dict(reference=reference, sold_to=ACME, ship_to=ACME, ship_to_address=Address(), currency="USD",
                  lines=lines or (line(), line(SEATS, "25", "960.00", discount="10", number=2)),
                  payment_terms_key="2", requested_delivery_date=timezone.localdate() + dt.timedelta(days=30),
                  customer_reference="Acme Corp — platform renewal")
    return OrderRequest(**{**values, **overrides})


def state(netsuite: str) -> dict:
    return httpx.get(f"{netsuite}/_state").json()


def set_fault(netsuite: str, **mode):
    assert httpx.post(f"{netsuite}/_control", json=mode).status_code == 200


def signed_get(netsuite: str, path: str, settings, **overrides) -> httpx.Response:
    url = f"{netsuite}/services/rest/record/v1/{path}"
    credentials = dict(realm=settings.NETSUITE_ACCOUNT_ID, consumer_key=settings.NETSUITE_CONSUMER_KEY,
                       consumer_secret=settings.NETSUITE_CONSUMER_SECRET, token_id=settings.NETSUITE_TOKEN_ID,
                       token_secret=settings.NETSUITE_TOKEN_SECRET)
    header = oauth.authorization_header(method="GET", url=url, **{**credentials, **overrides})
    return httpx.get(url, headers={"Authorization": header})


# ---- orders ----------------------------------------------------------------------------------------------------


def test_created_order_is_found_by_its_external_id_with_netsuites_number_and_total(netsuite):
    created = NetSuiteAdapter().create_order(order())
    found = NetSuiteAdapter().find_order_by_reference("SF-0065e00000A1bCdEAF")
    assert created.order_number.startswith("SO") and not created.found_existing
    assert (found.order_number, found.reference, found.found_existing) == (created.order_number, "SF-0065e00000A1bCdEAF", True)
    # 45600 + 25 × 864 (960 less 10 %) = 67200, and the SuiteTax-determined 7.25 % for a New York customer
    assert created.total == found.total == Money("72072.00", "USD")
    assert NetSuiteAdapter().find_order_by_reference("SF-0065e00000ZZZZZZZZ") is None


def test_the_order_netsuite_holds_carries_the_header_and_every_line(netsuite):
    NetSuiteAdapter().create_order(order())
    saved = state(netsuite)["sales_orders"][0]
    assert (saved["externalId"], saved["otherRefNum"], saved["entity"]["id"], saved["terms"]["id"]) == \
        ("SF-0065e00000A1bCdEAF", "SF-0065e00000A1bCdEAF", ACME, "2")
    assert saved["memo"] == "Acme Corp — platform renewal" and saved["shipDate"] > timezone.localdate().isoformat()
    assert [(x["item"]["id"], x["quantity"], x["rate"], x["amount"]) for x in saved["lines"]] == \
        [(PLATFORM, "1", "45600.00", "45600.00"), (SEATS, "25", "864.00", "21600.00")]


def test_create_answers_204_with_the_location_and_the_record_has_the_documented_shape(netsuite, settings):
    body = mappers.sales_order_body(order(), currency_id="1")
    with NetSuiteClient() as client:
        response = client.http.request("POST", "/services/rest/record/v1/salesOrder", content=mappers.to_json(body),
                                       headers={"Content-Type": "application/json"})
        internal_id = response.headers["location"].rpartition("/")[2]
        record = client.get(f"salesOrder/{internal_id}", action="read")
    assert response.status_code == 204 and response.content == b""
    assert response.headers["location"] == f"{netsuite}/services/rest/record/v1/salesOrder/{internal_id}"
    documented = json.loads((FIXTURES / "sales_order_record.json").read_text())
    assert set(documented) <= set(record)
    assert record["entity"]["refName"].endswith("ACME Corporation") and isinstance(record["total"], Decimal)
    assert set(record["item"]) == {"links"}  # sublists are links unless expandSubResources=true
    reply = signed_get(netsuite, f"salesOrder/{internal_id}?expandSubResources=true", settings)
    assert reply.headers["content-type"] == "application/vnd.oracle.resource+json; type=singular"
    assert len(reply.json()["item"]["items"]) == 2


def test_netsuite_refuses_a_second_order_with_the_same_external_id(netsuite):
    NetSuiteAdapter().create_order(order())
    with NetSuiteClient() as client, pytest.raises(DuplicateError) as raised:
        client.create("salesOrder", mappers.sales_order_body(order(), currency_id="1"), action="create the sales order")
    assert raised.value.vendor_code == "DUP_RCRD" and raised.value.reason == Reason.DUPLICATE_REFERENCE
    assert len(state(netsuite)["sales_orders"]) == 1


def test_create_after_a_lost_answer_returns_the_order_netsuite_already_has(netsuite):
    set_fault(netsuite, mode="lose_response", how="gateway", count=1)
    with pytest.raises(TransientError, match="may have been created"):
        NetSuiteAdapter().create_order(order())
    assert len(state(netsuite)["sales_orders"]) == 1  # carried out and committed, only the answer was lost
    found = NetSuiteAdapter().find_order_by_reference("SF-0065e00000A1bCdEAF")
    again = NetSuiteAdapter().create_order(order())  # a retry that skipped the look-up still makes no second order
    assert found.found_existing and again.found_existing and again.order_number == found.order_number
    assert len(state(netsuite)["sales_orders"]) == 1


def test_concurrent_creates_of_one_reference_make_one_order(netsuite):
    def create(_):
        try:
            return NetSuiteAdapter().create_order(order()).order_number
        finally:
            connections.close_all()

    with ThreadPoolExecutor(max_workers=3) as pool:
        numbers = set(pool.map(create, range(3)))
    assert len(numbers) == 1 and len(state(netsuite)["sales_orders"]) == 1


def test_orders_are_numbered_in_netsuites_style(netsuite):
    first = NetSuiteAdapter().create_order(order("SF-A1"))
    second = NetSuiteAdapter().create_order(order("SF-A2"))
    assert int(second.order_number[2:]) == int(first.order_number[2:]) + 1
    ids = [o["id"] for o in state(netsuite)["sales_orders"]]
    assert ids == sorted(ids, key=int) and all(i.isdigit() for i in ids)


# ---- healable and other refusals ---------------------------------------------------------------------------------


def test_ship_date_in_the_past_is_refused_with_the_date_reason(netsuite):
    with pytest.raises(RemoteValidationError) as raised:
        NetSuiteAdapter().create_order(order(requested_delivery_date=dt.date(2026, 11, 24)))
    assert raised.value.reason == Reason.DATE_IN_PAST and raised.value.vendor_code == "USER_ERROR"
    assert "2026-11-24 lies in the past" in str(raised.value) and state(netsuite)["sales_orders"] == []


def test_fractional_quantity_of_a_whole_number_unit_is_refused_but_hours_take_decimals(netsuite):
    with pytest.raises(RemoteValidationError) as raised:
        NetSuiteAdapter().create_order(order("SF-B1", line(SEATS, "2.5", "960.00")))
    assert raised.value.reason == Reason.UNIT_NO_DECIMALS and "whole numbers" in str(raised.value)
    created = NetSuiteAdapter().create_order(order("SF-B2", line("504", "1.5", "1800.00", unit=HOUR)))
    assert created.order_number


def test_unknown_terms_customer_and_item_each_carry_their_reason(netsuite):
    cases = [(dict(payment_terms_key="99"), Reason.INVALID_PAYMENT_TERMS, "terms"),
             (dict(sold_to="9999"), Reason.UNKNOWN_CUSTOMER, "entity"),
             (dict(lines=(line("9999"),)), Reason.UNKNOWN_ITEM, "item.items[0].item")]
    for overrides, reason, path in cases:
        with pytest.raises(RemoteValidationError) as raised:
            NetSuiteAdapter().create_order(order(**overrides))
        assert raised.value.reason == reason and raised.value.vendor_code == "INVALID_CONTENT"
        assert raised.value.detail["o:errorDetails"][0]["o:errorPath"] == path
    assert state(netsuite)["sales_orders"] == []


def test_every_finding_of_one_submit_is_listed(netsuite):
    with pytest.raises(RemoteValidationError) as raised:
        NetSuiteAdapter().create_order(order(payment_terms_key="99", lines=(line("9999"), line(unit="77", number=2))))
    paths = [d.get("o:errorPath") for d in raised.value.detail["o:errorDetails"]]
    assert paths == ["terms", "item.items[0].item", "item.items[1].units"]


def test_locked_netsuite_is_a_transient_locked_error_and_reads_still_work(netsuite):
    set_fault(netsuite, mode="locked")
    with pytest.raises(LockedRecordError) as raised:
        NetSuiteAdapter().create_order(order())
    assert raised.value.reason == Reason.RECORD_LOCKED and raised.value.vendor_code == "RCRD_HAS_BEEN_CHANGED"
    assert NetSuiteAdapter().find_order_by_reference("SF-0065e00000A1bCdEAF") is None
    set_fault(netsuite, mode="up")
    assert NetSuiteAdapter().create_order(order()).order_number


def test_netsuite_down_is_transient_for_ping(netsuite):
    NetSuiteAdapter().ping()
    set_fault(netsuite, mode="down", status=503)
    with pytest.raises(TransientError):
        NetSuiteAdapter().ping()


# ---- prices and costs --------------------------------------------------------------------------------------------


def test_price_is_the_customers_own_else_the_items_base_price(netsuite):
    adapter = NetSuiteAdapter()
    ask = dict(material=PLATFORM, quantity=Decimal("1"), currency="USD")
    assert adapter.get_price(customer=ACME, **ask) == Money("45600.00", "USD")
    assert adapter.get_price(customer=GLOBEX, **ask) == Money("48000.00", "USD")
    assert adapter.get_price(customer=ACME, material=GATEWAY, quantity=Decimal("4"), currency="USD") == \
        Money("1250.00", "USD")
    assert adapter.get_price(customer=ACME, material=PLATFORM, quantity=Decimal("1"), currency="JPY") is None
    assert adapter.get_price(customer=ACME, material="9999", quantity=Decimal("1"), currency="USD") is None


def test_cost_is_the_average_cost_of_inventory_items_else_the_purchase_price_in_the_base_currency(netsuite):
    adapter = NetSuiteAdapter()
    assert adapter.get_unit_cost(material=GATEWAY, currency="USD") == Money("610.00", "USD")
    assert adapter.get_unit_cost(material=PLATFORM, currency="USD") == Money("9600.00", "USD")
    assert adapter.get_unit_cost(material=PLATFORM, currency="EUR") is None  # kept in USD only; no conversion
    assert adapter.get_unit_cost(material="9999", currency="USD") is None


# ---- authentication ----------------------------------------------------------------------------------------------


def test_request_without_token_based_authentication_gets_netsuites_401(netsuite, settings):
    reply = httpx.get(f"{netsuite}/services/rest/record/v1/salesOrder")
    assert reply.status_code == 401 and reply.headers["content-type"].endswith("type=error")
    assert reply.json()["o:errorDetails"][0]["o:errorCode"] == "INVALID_LOGIN"
    assert reply.headers["www-authenticate"] == (f'OAuth realm="{settings.NETSUITE_ACCOUNT_ID}", error="token_rejected", '
                                                 'error_description="Invalid login attempt."')
    assert signed_get(netsuite, "salesOrder", settings).status_code == 200


def test_wrong_secret_replayed_nonce_and_stale_timestamp_are_refused(netsuite, settings):
    assert signed_get(netsuite, "salesOrder", settings, token_secret="wrong").status_code == 401
    assert signed_get(netsuite, "salesOrder", settings, realm="7654321").status_code == 401
    assert signed_get(netsuite, "salesOrder", settings, nonce="n0nce-once").status_code == 200
    assert signed_get(netsuite, "salesOrder", settings, nonce="n0nce-once").status_code == 401
    assert signed_get(netsuite, "salesOrder", settings, timestamp=int(time.time()) - 3600).status_code == 401
    wrong_secret = NetSuiteAdapter(client_factory=lambda: NetSuiteClient(token_secret="not-what-netsuite-holds"))
    with pytest.raises(AuthenticationError, match="NETSUITE_TOKEN_ID/SECRET"):
        wrong_secret.ping()


def test_unknown_record_type_and_missing_record_are_netsuites_404(netsuite, settings):
    assert signed_get(netsuite, "salesOrder/424242", settings).json()["o:errorDetails"][0]["o:errorCode"] == \
        "NONEXISTENT_ID"
    reply = signed_get(netsuite, "widget/1", settings)
    assert reply.status_code == 404 and "Record type 'widget' does not exist" in reply.text


def test_currencies_are_found_by_their_iso_symbol(netsuite, settings):
    reply = signed_get(netsuite, 'currency?q=symbol IS "EUR"', settings)
    assert reply.headers["content-type"].endswith("type=collection")
    [found] = reply.json()["items"]
    assert signed_get(netsuite, f"currency/{found['id']}", settings).json()["symbol"] == "EUR"


# ---- seed and state ----------------------------------------------------------------------------------------------


def test_seeding_twice_updates_instead_of_adding_and_state_shows_netsuites_shapes(netsuite):
    again = httpx.post(f"{netsuite}/_seed", json=erp_world.master_data("netsuite")).json()["loaded"]
    held = state(netsuite)
    assert again["customers"] == 5 and again["items"] == 7 and len(held["items"]) == 7
    acme = next(c for c in held["customers"] if c["id"] == ACME)
    assert acme["itemPricing"] == [{"item": {"id": PLATFORM}, "level": {"id": "-1", "refName": "Custom"},
                                    "currency": {"id": "1"}, "price": "45600.00"}]
    assert {i["id"]: i["recordType"] for i in held["items"]}[GATEWAY] == "inventoryItem"
