"""OracleClient and OracleAdapter at the HTTP boundary (respx): headers, payloads, Oracle's answers on the error tree."""

from __future__ import annotations

import json
from decimal import Decimal
from pathlib import Path

import httpx
import pytest
import respx

from erp_orders.connectors.oracle import mappers
from erp_orders.connectors.oracle.adapter import OracleAdapter
from erp_orders.connectors.oracle.client import API_ROOT, ERROR_CODES, ORDERS, OracleClient, oracle_reason
from handoff_project.integration.canonical import Money
from handoff_project.integration.errors import (
    AuthenticationError,
    ConfigurationError,
    DuplicateError,
    LockedRecordError,
    NotFoundError,
    PermanentError,
    RateLimitedError,
    Reason,
    RemoteValidationError,
    TransientError,
)
from handoff_project.integration.models import Event

from .test_oracle_mappers import order

pytestmark = pytest.mark.django_db

HOST = "https://fa-abcd-saasfaprod1.fa.ocs.oraclecloud.com"
ORDERS_URL = f"{HOST}{API_ROOT}/{ORDERS}"
FIXTURES = Path(mappers.__file__).resolve().parent / "fixtures"
ADF_ERROR = "application/vnd.oracle.adf.error+json"


@pytest.fixture(autouse=True)
def oracle_host(settings):
    settings.ORACLE_BASE_URL = HOST


def sample(name: str) -> str:
    return (FIXTURES / name).read_text()


def adf_error(status: int, *details: tuple[str, str]) -> httpx.Response:
    body = {"title": "Bad Request", "status": str(status),
            "o:errorDetails": [{"detail": detail, "o:errorCode": code} for code, detail in details]}
    return httpx.Response(status, json=body, headers={"content-type": ADF_ERROR})


def create(response: httpx.Response):
    respx.post(ORDERS_URL).mock(return_value=response)
    return OracleAdapter().create_order(order())


@respx.mock
def test_create_posts_one_resource_item_with_basic_auth_and_framework_version_4(settings):
    route = respx.post(ORDERS_URL).mock(return_value=httpx.Response(201, text=sample("create_sales_order_response.json")))
    created = OracleAdapter().create_order(order())
    sent = route.calls.last.request
    assert sent.headers["Content-Type"] == "application/vnd.oracle.adf.resourceitem+json"
    assert sent.headers["REST-Framework-Version"] == "4" and sent.headers["Authorization"].startswith("Basic ")
    body = json.loads(sent.content, parse_float=Decimal)
    assert body["SourceTransactionNumber"] == body["SourceTransactionId"] == "SF-0065g00000XyZ12AAF"
    assert body["SourceTransactionSystem"] == settings.ORACLE_SOURCE_SYSTEM
    assert body["BusinessUnitName"] == settings.ORACLE_BUSINESS_UNIT
    assert body["lines"][1]["UnitSellingPrice"] == Decimal("864")
    assert (created.order_number, created.total) == ("104501", Money("67200.00", "USD"))


@respx.mock
def test_find_asks_by_source_order_number_and_system_and_takes_the_oldest():
    route = respx.get(url__startswith=ORDERS_URL).mock(
        return_value=httpx.Response(200, text=sample("sales_orders_by_reference_response.json")))
    found = OracleAdapter().find_order_by_reference("SF-0065g00000XyZ12AAF")
    query = route.calls.last.request.url.params
    assert query["q"] == "SourceTransactionNumber='SF-0065g00000XyZ12AAF' and SourceTransactionSystem='HANDOFF'"
    assert query["fields"].endswith(";lines:ExtendedAmount") and query["onlyData"] == "true"
    assert (found.order_number, found.total, found.found_existing) == ("104503", Money("67200.00", "USD"), True)


@respx.mock
def test_query_stays_readable_in_the_event_log():
    respx.get(url__startswith=ORDERS_URL).mock(return_value=httpx.Response(200, json={"items": [], "count": 0}))
    assert OracleAdapter().find_order_by_reference("SF-1") is None
    event = Event.objects.get(system="oracle")
    assert "q=SourceTransactionNumber='SF-1'%20and%20SourceTransactionSystem='HANDOFF'" in event.endpoint


@respx.mock
def test_price_reads_the_customers_list_first_then_the_general_one():
    lists = respx.get(f"{HOST}{API_ROOT}/priceLists").mock(return_value=httpx.Response(200, json={"items": [
        {"PriceListId": 11, "PriceListName": mappers.GENERAL_PRICE_LIST, "CurrencyCode": "USD"},
        {"PriceListId": 22, "PriceListName": "1006 Customer Price List", "CurrencyCode": "USD"}]}))
    customer_items = respx.get(url__startswith=f"{HOST}{API_ROOT}/priceLists/22/child/items").mock(
        return_value=httpx.Response(200, json={"items": [], "count": 0}))
    general_items = respx.get(url__startswith=f"{HOST}{API_ROOT}/priceLists/11/child/items").mock(
        return_value=httpx.Response(200, text=sample("price_list_items_response.json")))
    price = OracleAdapter().get_price(customer="1006", material="AS-PLAT-ENT", quantity=Decimal(1), currency="USD")
    assert price == Money("48000", "USD")
    assert "PriceListName='1006 Customer Price List'" in lists.calls.last.request.url.params["q"]
    assert customer_items.called and general_items.calls.last.request.url.params["expand"] == "charges"


@respx.mock
def test_cost_is_read_from_item_costs_by_item_number():
    route = respx.get(url__startswith=f"{HOST}{API_ROOT}/itemCosts").mock(
        return_value=httpx.Response(200, text=sample("item_costs_response.json")))
    assert OracleAdapter().get_unit_cost(material="AS-PLAT-ENT", currency="USD") == Money("9600", "USD")
    assert route.calls.last.request.url.params["q"] == "ItemNumber='AS-PLAT-ENT'"


# ---- Oracle's answers on the error tree ------------------------------------------------------------------------------

@pytest.mark.parametrize("code, kind, reason", [
    ("JBO-26030", LockedRecordError, Reason.RECORD_LOCKED),
    ("JBO-25014", LockedRecordError, Reason.RECORD_LOCKED),
    ("ORA-00054", LockedRecordError, Reason.RECORD_LOCKED),
    ("FOM-1072001", RemoteValidationError, Reason.UNKNOWN_CUSTOMER),
    ("FOM-1072002", RemoteValidationError, Reason.UNKNOWN_CUSTOMER),
    ("FOM-1072010", RemoteValidationError, Reason.UNKNOWN_ITEM),
    ("FOM-1072011", RemoteValidationError, ""),
    ("FOM-1072012", RemoteValidationError, Reason.UNIT_NO_DECIMALS),
    ("FOM-1072020", RemoteValidationError, Reason.INVALID_PAYMENT_TERMS),
    ("FOM-1072021", RemoteValidationError, ""),
    ("FOM-1072030", RemoteValidationError, Reason.DATE_IN_PAST),
    ("FOM-1072040", DuplicateError, Reason.DUPLICATE_REFERENCE),
    ("JBO-27014", RemoteValidationError, ""),
])
def test_each_oracle_code_is_classified(code, kind, reason):
    assert oracle_reason(code, "") == (kind, reason) == ERROR_CODES[code]


@pytest.mark.parametrize("text, kind, reason", [
    ("Failed to lock the record, another user holds the lock.", LockedRecordError, Reason.RECORD_LOCKED),
    ("Another user has changed the row with primary key oracle.jbo.Key[300000210000001 ]", LockedRecordError,
     Reason.RECORD_LOCKED),
    ("The requested ship date 01/05/2026 is in the past.", RemoteValidationError, Reason.DATE_IN_PAST),
    ("The quantity 2.5 must be an integer for the unit of measure Ea.", RemoteValidationError, Reason.UNIT_NO_DECIMALS),
    ("The payment terms 99 NET aren't valid.", RemoteValidationError, Reason.INVALID_PAYMENT_TERMS),
    ("The buying party isn't valid.", RemoteValidationError, Reason.UNKNOWN_CUSTOMER),
    ("The item AS-X isn't valid for the business unit.", RemoteValidationError, Reason.UNKNOWN_ITEM),
    ("The source order SF-1 already exists.", DuplicateError, Reason.DUPLICATE_REFERENCE),
    ("The freight terms aren't valid.", RemoteValidationError, ""),
])
def test_oracles_own_wording_is_classified_when_the_code_is_unknown(text, kind, reason):
    assert oracle_reason("", text) == (kind, reason)


@respx.mock
@pytest.mark.parametrize("response, kind, reason", [
    (adf_error(400, ("FOM-1072001", "The buying party with party number 9999 doesn't exist.")), RemoteValidationError,
     Reason.UNKNOWN_CUSTOMER),
    (adf_error(400, ("FOM-1072013", "The ordered quantity must be greater than zero."),
               ("FOM-1072030", "The requested ship date 01/05/2026 is in the past.")), RemoteValidationError,
     Reason.DATE_IN_PAST),
    (adf_error(400, ("FOM-1072040", "The source order SF-1 already exists.")), DuplicateError,
     Reason.DUPLICATE_REFERENCE),
    (adf_error(409, ("JBO-26030", "Failed to lock the record, another user holds the lock.")), LockedRecordError,
     Reason.RECORD_LOCKED),
    (httpx.Response(400, text="JBO-25014: Another user has changed the row with primary key oracle.jbo.Key[1 ]",
                    headers={"content-type": "text/plain"}), LockedRecordError, Reason.RECORD_LOCKED),
    (httpx.Response(400, text="The payment terms 99 NET aren't valid.", headers={"content-type": "text/plain"}),
     RemoteValidationError, Reason.INVALID_PAYMENT_TERMS),
    (httpx.Response(429, text="Too Many Requests"), RateLimitedError, ""),
    (httpx.Response(503, text="Service Unavailable"), TransientError, ""),
    (httpx.Response(408, text=""), TransientError, ""),
    (httpx.Response(401, text=""), AuthenticationError, ""),
    (httpx.Response(403, text="User not authorized"), AuthenticationError, ""),
    (httpx.Response(404, text="Not Found"), NotFoundError, ""),
    (httpx.Response(415, text="Unsupported Media Type"), PermanentError, ""),
])
def test_create_answers_land_on_the_error_tree_with_their_reason(response, kind, reason):
    with pytest.raises(kind) as caught:
        create(response)
    assert type(caught.value) is kind and caught.value.reason == reason
    assert caught.value.http_status == response.status_code and caught.value.system == "oracle"


@respx.mock
def test_the_code_named_is_the_one_behind_the_reason():
    with pytest.raises(RemoteValidationError) as caught:
        create(adf_error(400, ("FOM-1072013", "The ordered quantity must be greater than zero."),
                         ("FOM-1072030", "The requested ship date 01/05/2026 is in the past.")))
    assert caught.value.vendor_code == "FOM-1072030" and "(Oracle FOM-1072030)" in caught.value.message
    assert len(caught.value.detail["errors"]) == 2


@respx.mock
def test_rejection_message_names_oracles_code_and_what_to_fix():
    with pytest.raises(RemoteValidationError) as caught:
        create(adf_error(400, ("FOM-1072020", "The payment terms 99 NET aren't valid.")))
    assert caught.value.message == ("Oracle rejected the order: The payment terms 99 NET aren't valid (Oracle FOM-1072020). "
                                    "Fix the payment terms crosswalk entry (an Oracle payment terms name), then re-queue.")


@respx.mock
def test_gateway_timeout_after_a_create_is_transient_and_says_the_order_may_exist():
    with pytest.raises(TransientError, match="may still have been created"):
        create(httpx.Response(504, text="Gateway Timeout"))


@respx.mock
def test_a_rejected_query_is_the_connectors_fault_not_the_deals():
    respx.get(url__startswith=ORDERS_URL).mock(return_value=adf_error(400, ("", "The q parameter can't be parsed.")))
    with pytest.raises(RemoteValidationError, match="fault in the connector's query"):
        OracleAdapter().find_order_by_reference("SF-1")


@respx.mock
def test_an_answer_that_is_not_json_points_at_the_base_url():
    respx.get(url__startswith=ORDERS_URL).mock(return_value=httpx.Response(200, text="<html>sign in</html>"))
    with pytest.raises(ConfigurationError, match="ORACLE_BASE_URL"):
        OracleAdapter().ping()


@respx.mock
def test_created_answer_without_an_order_number_is_a_permanent_error():
    with pytest.raises(PermanentError, match="without a readable sales order"):
        create(httpx.Response(201, json={"HeaderId": 1}))


def test_missing_base_url_is_a_configuration_error(settings):
    settings.ORACLE_BASE_URL = ""
    with pytest.raises(ConfigurationError, match="ORACLE_BASE_URL"):
        OracleClient()


@respx.mock
def test_timeouts_are_transient():
    respx.get(url__startswith=ORDERS_URL).mock(side_effect=httpx.ReadTimeout("slow"))
    with pytest.raises(TransientError, match="did not answer in time"):
        OracleAdapter().ping()
