"""SapClient and SapAdapter at the HTTP boundary (respx): CSRF handshake, SAP's errors mapped onto the error tree."""

from __future__ import annotations

import json
from decimal import Decimal
from pathlib import Path

import httpx
import pytest
import respx

from erp_orders.connectors.sap import mappers
from erp_orders.connectors.sap.adapter import SapAdapter
from erp_orders.connectors.sap.client import SALES_ORDER_SERVICE, SapClient
from handoff_project.integration.canonical import Money
from handoff_project.integration.errors import (
    AuthenticationError,
    LockedRecordError,
    NotFoundError,
    RateLimitedError,
    RemoteValidationError,
    TransientError,
)
from handoff_project.integration.models import Event

pytestmark = pytest.mark.django_db

HOST = "https://s4hana.example.com"
ROOT = f"{HOST}{SALES_ORDER_SERVICE}/"
ORDERS = f"{HOST}{SALES_ORDER_SERVICE}/A_SalesOrder"
FIXTURES = Path(mappers.__file__).resolve().parent / "fixtures"
TOKEN = "vaFlDie9NhOOKy9EBRLXjw=="


def sample(name: str) -> dict:
    return json.loads((FIXTURES / name).read_text())


@pytest.fixture(autouse=True)
def sap_host(settings):
    settings.SAP_BASE_URL = HOST


def token_response(token=TOKEN, session="s1"):
    return httpx.Response(200, json={"d": {"EntitySets": ["A_SalesOrder"]}},
                          headers={"x-csrf-token": token, "set-cookie": f"SAP_SESSIONID_S4H_100={session}; path=/"})


def csrf_required():
    return httpx.Response(403, text="CSRF token validation failed", headers={"x-csrf-token": "Required"})


def created():
    return httpx.Response(201, json=sample("sales_order_expand_to_item_response.json"),
                          headers={"location": f"{ORDERS}('1')"})


def post(sap: SapClient | None = None):
    """One create through `sap`, or through a client of its own."""
    if sap is None:
        with SapClient() as own:
            return post(own)
    return sap.post_json(SALES_ORDER_SERVICE, "A_SalesOrder", {"SoldToParty": "17100001"}, action="create the sales order")


@respx.mock
def test_post_fetches_a_csrf_token_and_sends_it_with_the_session_cookie():
    fetch = respx.get(ROOT).mock(return_value=token_response())
    create = respx.post(ORDERS).mock(return_value=created())
    assert post()["d"]["SalesOrder"] == "1"
    assert fetch.calls.last.request.headers["X-CSRF-Token"] == "Fetch"
    sent = create.calls.last.request
    assert sent.headers["X-CSRF-Token"] == TOKEN
    assert "SAP_SESSIONID_S4H_100=s1" in sent.headers["Cookie"]
    assert sent.headers["Authorization"].startswith("Basic ")
    assert json.loads(sent.content) == {"SoldToParty": "17100001"}


@respx.mock
def test_expired_csrf_token_is_fetched_again_and_the_post_repeated_once():
    fetch = respx.get(ROOT).mock(side_effect=[token_response("old-token-0000000000000=", "s1"),
                                              token_response("new-token-0000000000000=", "s2")])
    create = respx.post(ORDERS).mock(side_effect=[csrf_required(), created()])
    assert post()["d"]["SalesOrder"] == "1"
    assert fetch.call_count == 2 and create.call_count == 2
    assert create.calls[1].request.headers["X-CSRF-Token"] == "new-token-0000000000000="
    assert "SAP_SESSIONID_S4H_100=s2" in create.calls[1].request.headers["Cookie"]


@respx.mock
def test_csrf_refused_again_after_a_fresh_token_is_an_authentication_error_without_a_third_try():
    respx.get(ROOT).mock(return_value=token_response())
    create = respx.post(ORDERS).mock(return_value=csrf_required())
    with pytest.raises(AuthenticationError, match="CSRF token twice"):
        post()
    assert create.call_count == 2


@respx.mock
def test_token_is_reused_for_the_next_post_in_the_same_session():
    fetch = respx.get(ROOT).mock(return_value=token_response())
    respx.post(ORDERS).mock(return_value=created())
    with SapClient() as sap:
        post(sap)
        post(sap)
    assert fetch.call_count == 1


@respx.mock
def test_sap_validation_error_keeps_sap_code_message_and_details():
    respx.get(ROOT).mock(return_value=token_response())
    respx.post(ORDERS).mock(return_value=httpx.Response(400, json=sample("odata_v2_error_response.json")))
    with pytest.raises(RemoteValidationError) as caught:
        post()
    error = caught.value
    assert error.vendor_code == "XX/123" and error.http_status == 400 and error.system == "sap"
    assert error.message.startswith("SAP rejected the order: Account 12345678 does not exist in chart of accounts XXXX.")
    assert error.recommended_resolution and error.recommended_resolution in error.message
    assert error.detail["errordetails"][0]["code"] == "XX/123"
    assert error.detail["transactionid"] == "XXXXXXXXXXXXXXXX"
    assert str(error).endswith("(SAP XX/123)")


@respx.mock
def test_rejected_payment_terms_tell_a_person_to_fix_the_terms_crosswalk():
    body = {"error": {"code": "V1/123", "message": {"lang": "en", "value": "Payment terms ZB99 do not exist"}}}
    respx.get(ROOT).mock(return_value=token_response())
    respx.post(ORDERS).mock(return_value=httpx.Response(400, json=body))
    with pytest.raises(RemoteValidationError, match="payment terms crosswalk") as caught:
        post()
    assert str(caught.value).startswith("SAP rejected the order: Payment terms ZB99 do not exist.")


@pytest.mark.parametrize("status", [500, 502, 503, 504, 408])
@respx.mock
def test_server_errors_and_request_timeouts_are_transient(status):
    respx.get(ROOT).mock(return_value=token_response())
    respx.post(ORDERS).mock(return_value=httpx.Response(status, text="Service Unavailable"))
    with pytest.raises(TransientError) as caught:
        post()
    assert caught.value.http_status == status


@respx.mock
def test_throttling_is_rate_limited():
    respx.get(ROOT).mock(return_value=token_response())
    respx.post(ORDERS).mock(return_value=httpx.Response(429, headers={"retry-after": "30"}))
    with pytest.raises(RateLimitedError) as caught:
        post()
    assert caught.value.detail["retry_after"] == "30"


@respx.mock
def test_locked_record_is_a_transient_locked_error_whether_423_or_sap_message():
    being_processed = {"error": {"code": "V1/042", "message": {
        "lang": "en", "value": "Sales document 4711 is currently being processed by user BATCH_01"}}}
    respx.get(ROOT).mock(return_value=token_response())
    respx.post(ORDERS).mock(side_effect=[httpx.Response(423, text="Locked"), httpx.Response(400, json=being_processed)])
    with SapClient() as sap:
        for _ in range(2):
            with pytest.raises(LockedRecordError) as caught:
                post(sap)
            assert isinstance(caught.value, TransientError)
    assert caught.value.vendor_code == "V1/042"


@respx.mock
def test_timeout_is_transient():
    respx.get(ROOT).mock(side_effect=httpx.ReadTimeout("timed out"))
    with pytest.raises(TransientError, match="did not answer in time"):
        post()


@respx.mock
def test_rejected_credentials_are_an_authentication_error_and_missing_entities_not_found():
    respx.get(ROOT).mock(return_value=httpx.Response(401, text="Logon failed"))
    with pytest.raises(AuthenticationError, match="SAP_USER"):
        post()
    respx.get(f"{ORDERS}('99')").mock(return_value=httpx.Response(404, json={
        "error": {"code": "/IWBEP/CM_MGW_RT/020", "message": {"lang": "en", "value": "Resource not found"}}}))
    with SapClient() as sap, pytest.raises(NotFoundError):
        sap.get(SALES_ORDER_SERVICE, "A_SalesOrder('99')", action="read order 99")


@respx.mock
def test_every_exchange_is_logged_without_credentials_or_tokens(settings):
    respx.get(ROOT).mock(return_value=token_response())
    respx.post(ORDERS).mock(return_value=created())
    post()
    events = list(Event.objects.filter(system="sap").order_by("id"))
    assert [(e.method, e.http_status) for e in events] == [("GET", 200), ("POST", 201)]
    logged = " ".join(f"{e.endpoint} {e.request_body} {e.body} {e.message}" for e in events)
    assert settings.SAP_PASSWORD not in logged and TOKEN not in logged


@respx.mock
def test_find_order_by_reference_filters_on_purchase_order_by_customer_with_quotes_escaped():
    route = respx.get(url__startswith=ORDERS).mock(return_value=httpx.Response(200, json={"d": {"results": [
        {"SalesOrder": "12", "PurchaseOrderByCustomer": "O'Brien-1", "TotalNetAmount": "10.00",
         "TransactionCurrency": "EUR"},
        {"SalesOrder": "9", "PurchaseOrderByCustomer": "O'Brien-1", "TotalNetAmount": "10.00",
         "TransactionCurrency": "EUR"}]}}))
    found = SapAdapter().find_order_by_reference("O'Brien-1")
    query = route.calls.last.request.url.params
    assert query["$filter"] == "PurchaseOrderByCustomer eq 'O''Brien-1'"
    assert query["$format"] == "json"
    assert (found.order_number, found.found_existing, found.total) == ("9", True, Money("10.00", "EUR"))


@respx.mock
def test_find_order_by_reference_gives_none_when_sap_has_no_such_order():
    respx.get(url__startswith=ORDERS).mock(return_value=httpx.Response(200, json={"d": {"results": []}}))
    assert SapAdapter().find_order_by_reference("HO-1") is None


@respx.mock
def test_get_price_asks_for_pr00_records_of_customer_and_material_valid_today():
    route = respx.get(url__startswith=f"{HOST}/sap/opu/odata/sap/API_SLSPRICINGCONDITIONRECORD_SRV/"
                                      "A_SlsPrcgCndnRecdValidity").mock(
        return_value=httpx.Response(200, json={"d": {"results": [
            {"Customer": "", "Material": "TG11", "to_SlsPrcgConditionRecord": {
                "ConditionRateValue": "20.000000000", "ConditionCurrency": "USD", "ConditionQuantity": "1"}}]}}))
    price = SapAdapter().get_price(customer="17100001", material="TG11", quantity=Decimal("3"), currency="USD")
    assert price == Money("20", "USD")
    query = route.calls.last.request.url.params
    assert query["$expand"] == "to_SlsPrcgConditionRecord"
    for term in ("ConditionType eq 'PR00'", "Material eq 'TG11'", "(Customer eq '17100001' or Customer eq '')",
                 "SalesOrganization eq '1710'", "ConditionValidityStartDate le datetime'"):
        assert term in query["$filter"]
