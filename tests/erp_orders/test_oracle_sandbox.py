"""The Oracle adapter against the Order Hub emulator through the real HTTP path (/sandbox/oracle/ on a live server)."""

from __future__ import annotations

import base64
import datetime as dt
import json
from concurrent.futures import ThreadPoolExecutor
from decimal import Decimal
from pathlib import Path

import httpx
import pytest
from django.db import connections
from django.utils import timezone

from erp_orders.connectors.oracle import mappers
from erp_orders.connectors.oracle.adapter import OracleAdapter
from erp_orders.connectors.oracle.client import API_ROOT, ORDERS, OracleClient
from erp_orders.connectors.oracle.sandbox import seed_master_data
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
from handoff_project.integration.models import Event

FIXTURES = Path(mappers.__file__).resolve().parent / "fixtures"
SOON = timezone.localdate() + dt.timedelta(days=10)


@pytest.fixture
def oracle(sandbox_urls):
    seed_master_data(erp_world.master_data("oracle", reset=True))
    return sandbox_urls.url + "/sandbox/oracle"


def line(number=1, **overrides) -> OrderLine:
    values = dict(line_number=number, material="AS-SEAT-PRO", description="Pro Seat, annual", quantity=Decimal("3"),
                  unit="Ea", unit_price=Money("900.00", "USD"), discount_percent=Decimal("10"), tax_code="US_SALES_TAX")
    return OrderLine(**{**values, **overrides})


def order(reference="SF-006TEST0001", **overrides) -> OrderRequest:
    values = dict(reference=reference, sold_to="1006", ship_to="1006", ship_to_address=Address(), currency="USD",
                  lines=(line(),), payment_terms_key="30 NET", requested_delivery_date=SOON,
                  customer_reference="Acme seats")
    return OrderRequest(**{**values, **overrides})


def state(oracle: str) -> dict:
    return httpx.get(f"{oracle}/_state").json()


def set_fault(oracle: str, **mode):
    assert httpx.post(f"{oracle}/_control", json=mode).status_code == 200


def auth(settings) -> tuple[str, str]:
    return settings.ORACLE_USER, settings.ORACLE_PASSWORD


def rejected(bad: OrderRequest, oracle: str, kind=RemoteValidationError):
    with pytest.raises(kind) as caught:
        OracleAdapter().create_order(bad)
    assert state(oracle)["sales_orders"] == []
    return caught.value


def test_created_order_is_found_by_its_reference(oracle):
    created = OracleAdapter().create_order(order())
    found = OracleAdapter().find_order_by_reference("SF-006TEST0001")
    assert created.order_number.isdigit() and not created.found_existing
    assert (found.order_number, found.reference, found.found_existing) == (created.order_number, "SF-006TEST0001", True)
    assert found.total == created.total == Money("2430.00", "USD")  # 3 × 900.00 − 10 %
    assert OracleAdapter().find_order_by_reference("SF-006NOTHERE") is None


def test_created_order_holds_the_lines_prices_and_parties_as_sent(oracle):
    OracleAdapter().create_order(order(ship_to="1007", lines=(line(), line(2, material="AS-TRN-DAY", unit="HR",
                                                                          quantity=Decimal("1.5"), discount_percent=0))))
    (saved,) = state(oracle)["sales_orders"]
    assert (saved["SourceTransactionNumber"], saved["BuyingPartyNumber"], saved["StatusCode"]) == (
        "SF-006TEST0001", "1006", "OPEN")
    assert saved["shipToCustomer"][0]["PartyNumber"] == "1007" and saved["CustomerPONumber"] == "Acme seats"
    assert [(x["UnitListPrice"], x["UnitSellingPrice"], x["ExtendedAmount"]) for x in saved["lines"]] == [
        ("900", "810", "2430.00"), ("900", "900", "1350.00")]
    assert saved["lines"][1]["OrderedQuantity"] == "1.5"  # hours take two decimals


def test_create_answers_201_with_location_and_the_documented_shape(oracle, settings):
    body = mappers.order_to_payload(order(), source_system="HANDOFF", business_unit=settings.ORACLE_BUSINESS_UNIT,
                                    ordered_at=timezone.now())
    reply = httpx.post(f"{oracle}{API_ROOT}/{ORDERS}", content=mappers.to_json(body), auth=auth(settings),
                       headers={"Content-Type": "application/vnd.oracle.adf.resourceitem+json",
                                "REST-Framework-Version": "4"})
    assert reply.status_code == 201, reply.text
    ours, real = reply.json(), json.loads((FIXTURES / "create_sales_order_response.json").read_text())
    assert reply.headers["location"].endswith(f"/{ORDERS}/{ours['HeaderId']}")
    assert set(real) - {"BuyingPartyContactNumber"} <= set(ours)
    assert set(real["lines"]) == set(ours["lines"]) and set(real["lines"]["items"][0]) <= set(ours["lines"]["items"][0])
    assert {link["rel"] for link in ours["links"]} == {"self", "canonical", "child"}
    assert isinstance(ours["HeaderId"], int) and ours["OrderKey"] == "HANDOFF:SF-006TEST0001"


def test_order_can_be_read_by_header_id_or_by_source_order_key(oracle, settings):
    OracleAdapter().create_order(order())
    (saved,) = state(oracle)["sales_orders"]
    for key in (saved["HeaderId"], "HANDOFF:SF-006TEST0001"):
        reply = httpx.get(f"{oracle}{API_ROOT}/{ORDERS}/{key}", auth=auth(settings), params={"expand": "lines"})
        assert reply.json()["OrderNumber"] == saved["OrderNumber"] and len(reply.json()["lines"]) == 1
    assert httpx.get(f"{oracle}{API_ROOT}/{ORDERS}/HANDOFF:NOPE", auth=auth(settings)).status_code == 404


def test_a_second_create_of_the_same_source_order_is_refused_as_a_duplicate(oracle):
    OracleAdapter().create_order(order())
    with pytest.raises(DuplicateError) as caught:
        OracleAdapter().create_order(order())
    assert (caught.value.vendor_code, caught.value.reason) == ("FOM-1072040", Reason.DUPLICATE_REFERENCE)
    assert len(state(oracle)["sales_orders"]) == 1


def test_a_higher_revision_number_revises_the_order_instead(oracle, settings):
    body = mappers.order_to_payload(order(), source_system="HANDOFF", business_unit=settings.ORACLE_BUSINESS_UNIT,
                                    ordered_at=timezone.now())
    with OracleClient() as client:
        first = client.post(ORDERS, body, action="create the sales order")
        second = client.post(ORDERS, {**body, "SourceTransactionRevisionNumber": 2}, action="create the sales order")
    assert second["OrderNumber"] == first["OrderNumber"] and second["ChangeVersionNumber"] == 2
    assert len(state(oracle)["sales_orders"]) == 1


def test_several_orders_with_one_reference_the_oldest_is_found(oracle, settings):
    body = mappers.order_to_payload(order(), source_system="HANDOFF", business_unit=settings.ORACLE_BUSINESS_UNIT,
                                    ordered_at=timezone.now())
    with OracleClient() as client:  # one source order number under two source transaction ids
        numbers = [client.post(ORDERS, {**body, "SourceTransactionId": tid}, action="create the sales order")["OrderNumber"]
                   for tid in ("SF-006TEST0001", "SF-006TEST0001-2")]
    assert OracleAdapter().find_order_by_reference("SF-006TEST0001").order_number == numbers[0]


def test_lost_response_order_is_committed_and_found_and_not_created_twice(oracle):
    set_fault(oracle, mode="lose_response", how="gateway", count=1)
    with pytest.raises(TransientError) as caught:
        OracleAdapter().create_order(order())
    assert caught.value.http_status == 504
    found = OracleAdapter().find_order_by_reference("SF-006TEST0001")
    assert found is not None and found.found_existing
    assert [o["OrderNumber"] for o in state(oracle)["sales_orders"]] == [found.order_number]


def test_price_is_the_customers_own_list_price_else_the_general_one(oracle):
    adapter = OracleAdapter()
    price = dict(material="AS-PLAT-ENT", quantity=Decimal(1), currency="USD")
    assert adapter.get_price(customer="1006", **price) == Money("45600.00", "USD")  # ACME's negotiated price
    assert adapter.get_price(customer="1007", **price) == Money("48000.00", "USD")
    assert adapter.get_price(customer="1006", material="AS-NOTHING", quantity=Decimal(1), currency="USD") is None


def test_unit_cost_is_read_from_item_costs(oracle):
    assert OracleAdapter().get_unit_cost(material="AS-PLAT-ENT", currency="USD") == Money("9600.00", "USD")
    assert OracleAdapter().get_unit_cost(material="AS-NOTHING", currency="USD") is None


def test_ping_reads_once_and_a_wrong_password_is_an_authentication_error(oracle):
    OracleAdapter().ping()
    adapter = OracleAdapter(client_factory=lambda: OracleClient(password="not-the-password"))
    with pytest.raises(AuthenticationError, match="ORACLE_USER / ORACLE_PASSWORD"):
        adapter.ping()


def test_request_without_credentials_gets_401_with_a_basic_challenge(oracle):
    reply = httpx.get(f"{oracle}{API_ROOT}/{ORDERS}")
    assert reply.status_code == 401 and reply.headers["www-authenticate"].startswith("Basic")


def test_the_basic_credentials_never_reach_the_event_log(oracle, settings):
    OracleAdapter().create_order(order())
    OracleAdapter().find_order_by_reference("SF-006TEST0001")
    token = base64.b64encode(f"{settings.ORACLE_USER}:{settings.ORACLE_PASSWORD}".encode()).decode()
    events = Event.objects.filter(system="oracle")
    assert events.count() >= 2
    blob = "\n".join(f"{e.endpoint}{e.request_body}{e.body}{e.message}{json.dumps(e.data)}" for e in events)
    assert settings.ORACLE_PASSWORD not in blob and token not in blob and "SF-006TEST0001" in blob


@pytest.mark.parametrize("bad, reason, code", [
    (dict(sold_to="9999"), Reason.UNKNOWN_CUSTOMER, "FOM-1072001"),
    (dict(ship_to="9998"), Reason.UNKNOWN_CUSTOMER, "FOM-1072002"),
    (dict(lines=(line(material="AS-NOTHING"),)), Reason.UNKNOWN_ITEM, "FOM-1072010"),
    (dict(payment_terms_key="99 NET"), Reason.INVALID_PAYMENT_TERMS, "FOM-1072020"),
    (dict(lines=(line(quantity=Decimal("2.5")),)), Reason.UNIT_NO_DECIMALS, "FOM-1072012"),
    (dict(requested_delivery_date=dt.date(2026, 1, 5)), Reason.DATE_IN_PAST, "FOM-1072030"),
])
def test_healable_rejections_carry_their_reason_and_oracles_code(oracle, bad, reason, code):
    error = rejected(order(**bad), oracle)
    assert (error.reason, error.vendor_code) == (reason, code)
    assert f"(Oracle {code})" in error.message and "re-queue" in error.message


def test_every_finding_is_listed_and_the_message_says_what_to_fix(oracle):
    error = rejected(order(sold_to="9999", payment_terms_key="99 NET"), oracle)
    assert [e["code"] for e in error.detail["errors"]] == ["FOM-1072001", "FOM-1072020"]
    assert "party number 9999" in error.message and "customer crosswalk" in error.recommended_resolution


def test_unknown_tax_classification_is_a_plain_validation_error(oracle):
    error = rejected(order(lines=(line(tax_code="XX_TAX"),)), oracle)
    assert (error.vendor_code, error.reason) == ("FOM-1072021", "")
    assert "tax code crosswalk" in error.message


def test_an_attribute_the_resource_does_not_have_is_refused(oracle, settings):
    body = {**mappers.order_to_payload(order(), source_system="HANDOFF", business_unit=settings.ORACLE_BUSINESS_UNIT,
                                       ordered_at=timezone.now()), "DealName": "Acme renewal"}
    with OracleClient() as client, pytest.raises(RemoteValidationError, match="DealName"):
        client.post(ORDERS, body, action="create the sales order")


def test_locked_mode_answers_adfs_lock_error_and_is_transient(oracle):
    set_fault(oracle, mode="locked", count=1)
    with pytest.raises(LockedRecordError) as caught:
        OracleAdapter().create_order(order())
    assert (caught.value.vendor_code, caught.value.reason, caught.value.http_status) == (
        "JBO-26030", Reason.RECORD_LOCKED, 409)
    assert OracleAdapter().create_order(order()).order_number  # the lock is gone


def test_oracle_down_is_transient_and_creates_nothing(oracle):
    set_fault(oracle, mode="down", status=503)
    with pytest.raises(TransientError) as caught:
        OracleAdapter().create_order(order())
    assert caught.value.http_status == 503
    set_fault(oracle, mode="up")
    assert state(oracle)["sales_orders"] == []


def test_errors_are_adf_json_under_framework_version_4_and_plain_text_before(oracle, settings):
    url, query = f"{oracle}{API_ROOT}/{ORDERS}", {"q": "Nope='x'"}
    v4 = httpx.get(url, params=query, auth=auth(settings), headers={"REST-Framework-Version": "4"})
    assert v4.headers["content-type"] == "application/vnd.oracle.adf.error+json"
    assert v4.json()["status"] == "400" and "Nope" in v4.json()["o:errorDetails"][0]["detail"]
    v1 = httpx.get(url, params=query, auth=auth(settings))
    assert v1.status_code == 400 and v1.headers["content-type"].startswith("text/plain") and "Nope" in v1.text


def test_q_takes_expressions_from_version_2_and_query_by_example_before(oracle, settings):
    OracleAdapter().create_order(order())
    url = f"{oracle}{API_ROOT}/{ORDERS}"
    qbe = httpx.get(url, auth=auth(settings), params={"q": "SourceTransactionNumber=SF-006TEST0001;BuyingPartyNumber=1006"})
    assert qbe.json()["count"] == 1
    refused = httpx.get(url, auth=auth(settings), headers={"REST-Framework-Version": "4"},
                        params={"q": "SourceTransactionNumber='SF-006TEST0001';BuyingPartyNumber='1006'"})
    assert refused.status_code == 400
    paged = httpx.get(url, auth=auth(settings), headers={"REST-Framework-Version": "4"},
                      params={"q": "OrderNumber>'0' and (BuyingPartyNumber='1006' or BuyingPartyNumber='x')",
                              "fields": "OrderNumber", "limit": "1", "totalResults": "true"}).json()
    assert (paged["count"], paged["totalResults"], paged["hasMore"], set(paged["items"][0])) == (1, 1, False,
                                                                                             {"OrderNumber", "links"})


def test_concurrent_creates_get_distinct_order_numbers(oracle):
    def create(n: int) -> str:
        try:
            return OracleAdapter().create_order(order(reference=f"SF-006PAR{n:04d}")).order_number
        finally:
            connections.close_all()

    with ThreadPoolExecutor(max_workers=6) as pool:
        numbers = list(pool.map(create, range(12)))
    assert len(set(numbers)) == 12
    assert sorted(numbers) == sorted(o["OrderNumber"] for o in state(oracle)["sales_orders"])


def test_seed_endpoint_loads_master_data_idempotently(oracle):
    before = state(oracle)
    reply = httpx.post(f"{oracle}/_seed", json=erp_world.master_data("oracle"))
    assert reply.status_code == 200 and reply.json()["loaded"]["parties"] == 5
    after = state(oracle)
    assert [p["PartyId"] for p in after["parties"]] == [p["PartyId"] for p in before["parties"]]
    assert [p["PriceListId"] for p in after["price_lists"]] == [p["PriceListId"] for p in before["price_lists"]]
    assert "30 NET" in after["payment_terms"] and {"UOMCode": "HR", "UnitOfMeasure": "Hour", "DecimalPrecision": 2} in \
        after["units_of_measure"]
    assert httpx.post(f"{oracle}/_seed", json={"customer": []}).status_code == 400
