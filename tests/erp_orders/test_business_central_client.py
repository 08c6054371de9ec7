"""BusinessCentralClient and the adapter at the HTTP boundary (respx): Entra ID sign-in, BC's errors mapped onto the
error tree, and the compensation when Business Central cannot remove an incomplete order."""

from __future__ import annotations

import json
import re
from decimal import Decimal
from pathlib import Path

import httpx
import pytest
import respx

from erp_orders.connectors.business_central import client as bc
from erp_orders.connectors.business_central import mappers
from erp_orders.connectors.business_central.adapter import BusinessCentralAdapter
from erp_orders.connectors.business_central.client import BusinessCentralClient, classify
from handoff_project.integration.canonical import Address, Money, OrderLine, OrderRequest
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

pytestmark = pytest.mark.django_db

HOST = "https://api.businesscentral.dynamics.com"
FIXTURES = Path(mappers.__file__).resolve().parent / "fixtures"
TOKEN_VALUE = json.loads((FIXTURES / "entra_token_response.json").read_text())["access_token"]


def sample(name: str) -> dict:
    return json.loads((FIXTURES / name).read_text())


@pytest.fixture(autouse=True)
def real_hosts(settings):
    settings.BUSINESS_CENTRAL_BASE_URL = HOST
    settings.BUSINESS_CENTRAL_TOKEN_URL = ""
    bc.forget_tokens()
    yield
    bc.forget_tokens()


@pytest.fixture
def company(settings) -> str:
    return (f"{HOST}/v2.0/{settings.BUSINESS_CENTRAL_TENANT_ID}/production/api/v2.0/"
            f"companies({settings.BUSINESS_CENTRAL_COMPANY_ID})")


@pytest.fixture
def login(settings):
    url = f"https://login.microsoftonline.com/{settings.BUSINESS_CENTRAL_TENANT_ID}/oauth2/v2.0/token"
    return respx.post(url).mock(return_value=httpx.Response(200, json=sample("entra_token_response.json")))


def bc_error(status: int, code: str, message: str, **headers) -> httpx.Response:
    return httpx.Response(status, headers=headers, json={"error": {
        "code": code, "message": f"{message}  CorrelationId:  0f1e2d3c-4b5a-6978-8a9b-0c1d2e3f4a5b."}})


def read(path="items") -> dict:
    with BusinessCentralClient() as client:
        return client.get(path, {"$filter": "number eq '1000-PLAT'"}, action="read item 1000-PLAT")


# ---- sign-in ---------------------------------------------------------------------------------------------------------


@respx.mock
def test_client_credentials_are_posted_as_a_form_with_the_business_central_scope(company, login, settings):
    api = respx.get(url__startswith=f"{company}/items").mock(return_value=httpx.Response(200, json={"value": []}))
    assert read() == {"value": []}
    form = dict(item.split("=", 1) for item in login.calls.last.request.content.decode().split("&"))
    assert form["grant_type"] == "client_credentials" and form["client_id"] == settings.BUSINESS_CENTRAL_CLIENT_ID
    assert form["scope"] == "https%3A%2F%2Fapi.businesscentral.dynamics.com%2F.default"
    assert api.calls.last.request.headers["Authorization"] == f"Bearer {TOKEN_VALUE}"
    assert "$filter=number%20eq%20'1000-PLAT'" in str(api.calls.last.request.url)


@respx.mock
def test_token_is_cached_per_process_until_shortly_before_it_expires(company, login):
    respx.get(url__startswith=company).mock(return_value=httpx.Response(200, json={"value": []}))
    read(), read()
    assert login.call_count == 1  # two clients, one token
    login.mock(return_value=httpx.Response(200, json={**sample("entra_token_response.json"), "expires_in": 100}))
    bc.forget_tokens()
    read(), read()
    assert login.call_count == 3  # 100 s left is inside the refresh margin: each use fetches a new one


@respx.mock
def test_401_from_the_api_fetches_a_new_token_and_repeats_the_request_once(company, login):
    api = respx.get(url__startswith=company).mock(side_effect=[
        bc_error(401, "Authentication_InvalidCredentials", "The server has rejected the client credentials."),
        httpx.Response(200, json={"value": []})])
    assert read() == {"value": []}
    assert login.call_count == 2 and api.call_count == 2


@respx.mock
def test_401_twice_is_an_authentication_error_that_names_the_app_registration(company, login):
    api = respx.get(url__startswith=company).mock(return_value=bc_error(
        401, "Authentication_InvalidCredentials", "The server has rejected the client credentials."))
    with pytest.raises(AuthenticationError, match="Microsoft Entra Applications page") as caught:
        read()
    assert api.call_count == 2 and caught.value.vendor_code == "Authentication_InvalidCredentials"


@respx.mock
def test_entra_refusing_the_secret_is_an_authentication_error_with_aadsts_text(company, login):
    login.mock(return_value=httpx.Response(401, json=sample("entra_invalid_client.json")))
    with pytest.raises(AuthenticationError, match="AADSTS7000215: Invalid client secret provided") as caught:
        read()
    assert "BUSINESS_CENTRAL_CLIENT_SECRET" in caught.value.message and caught.value.vendor_code == "invalid_client"


@respx.mock
def test_entra_unavailable_is_transient(company, login):
    login.mock(return_value=httpx.Response(503, text="Service Unavailable"))
    with pytest.raises(TransientError, match="Entra ID could not issue"):
        read()


def test_missing_configuration_is_a_configuration_error(settings):
    settings.BUSINESS_CENTRAL_COMPANY_ID = ""
    with pytest.raises(ConfigurationError, match="BUSINESS_CENTRAL_COMPANY_ID"):
        BusinessCentralClient()


@respx.mock
def test_secret_and_token_never_reach_the_event_log(company, login, settings):
    respx.get(url__startswith=company).mock(return_value=httpx.Response(200, json={"value": []}))
    read()
    events = list(Event.objects.filter(system="business_central"))
    assert [(e.method, e.http_status) for e in events] == [("POST", 200), ("GET", 200)]
    logged = " ".join(f"{e.endpoint} {e.request_body} {e.body} {e.message} {e.data}" for e in events)
    assert settings.BUSINESS_CENTRAL_CLIENT_SECRET not in logged and TOKEN_VALUE not in logged
    assert "client_secret=[REDACTED]" in logged and '"access_token": "[REDACTED]"' in logged


# ---- error classification ----------------------------------------------------------------------------------------------

LOCK = "The operation could not complete because a record in the Sales Header table was locked by another user."
CLASSIFICATION = [
    # status, code, message, writing → error class, reason
    (429, "", "", True, RateLimitedError, ""),
    (409, "Unknown", LOCK, True, LockedRecordError, Reason.RECORD_LOCKED),
    (400, "Unknown", "We can't save your changes right now, because a record in table 'Sales Line' is being updated "
                     "in a transaction done by another session.", True, LockedRecordError, Reason.RECORD_LOCKED),
    (503, "", "", True, TransientError, ""),
    (504, "", "", True, TransientError, ""),
    (502, "", "", False, TransientError, ""),
    (408, "", "", True, TransientError, ""),
    (500, "Internal_ServerError", "Cannot establish a connection to the SQL Server/Database.", True, TransientError, ""),
    (409, "Request_EntityChanged", "Another user has already changed the record.", True, TransientError, ""),
    (400, "Internal_TenantUnavailable", "The tenant 'x' is not accessible", False, TransientError, ""),
    (401, "Authentication_InvalidCredentials", "The server has rejected the client credentials", False,
     AuthenticationError, ""),
    (403, "Authorization_Failed", "", True, AuthenticationError, ""),
    (400, "Internal_RecordNotFound", "The Customer does not exist. Identification fields and values: No.='C9'", True,
     RemoteValidationError, Reason.UNKNOWN_CUSTOMER),
    (400, "Application_DialogException", "A customerNumber or a customerID must be provided.", True,
     RemoteValidationError, Reason.UNKNOWN_CUSTOMER),
    (400, "Internal_RecordNotFound", "The Item does not exist. Identification fields and values: No.='X'", True,
     RemoteValidationError, Reason.UNKNOWN_ITEM),
    (400, "Internal_RecordNotFound", "The Payment Terms does not exist. Identification fields and values: "
                                     "SystemId='{0}'", True, RemoteValidationError, Reason.INVALID_PAYMENT_TERMS),
    (400, "Application_DialogException", "Requested Delivery Date 11/24/2026 is before the work date 12/02/2026.",
     True, RemoteValidationError, Reason.DATE_IN_PAST),
    (400, "Application_DialogException", "The value 2.5 in field Quantity is of lower precision than expected.",
     True, RemoteValidationError, Reason.UNIT_NO_DECIMALS),
    (400, "Application_StringExceededLength", "The length of the string is 40, but it must be less than or equal to "
                                              "35 characters.", True, RemoteValidationError, ""),
    (400, "BadRequest", "Invalid Request Body", True, RemoteValidationError, ""),
    (400, "Internal_EntityWithSameKeyExists", "The Sales Header already exists.", True, DuplicateError, ""),
    (404, "Internal_RecordNotFound", "The Sales Header does not exist.", False, NotFoundError, ""),
    (404, "BadRequest_ResourceNotFound", "Resource not found for the segment 'SalesPriceListLines'.", False,
     NotFoundError, ""),
    (400, "BadRequest_NotFound", "Bad Request - Error in query syntax.", False, PermanentError, ""),
    (400, "Application_DialogException", "A customerNumber or a customerID must be provided.", False, PermanentError,
     ""),
    (400, "BadRequest_InvalidToken", "Could not validate the client concurrency token", True, PermanentError, ""),
    (400, "Internal_CompanyNotFound", "Cannot process the request because the default company cannot be found.",
     False, ConfigurationError, ""),
    (418, "", "", True, PermanentError, ""),
]


@pytest.mark.parametrize(("status", "code", "message", "writing", "kind", "reason"), CLASSIFICATION)
def test_business_central_answers_are_classified_by_status_code_and_text(status, code, message, writing, kind, reason):
    assert classify(status, code, message, writing=writing) == (kind, reason)


@pytest.mark.parametrize("row", CLASSIFICATION, ids=lambda row: f"{row[0]}-{row[1] or 'none'}")
@respx.mock
def test_every_classified_answer_raises_that_error_with_code_and_correlation_id(company, login, row):
    status, code, message, writing, kind, reason = row
    answer = bc_error(status, code, message) if code else httpx.Response(status, text="upstream says no")
    respx.post(f"{company}/salesOrders").mock(return_value=answer)
    respx.get(url__startswith=company).mock(return_value=answer)
    with BusinessCentralClient() as client, pytest.raises(kind) as caught:
        if writing:
            client.post("salesOrders", {"customerNumber": "C10000"}, action="create the sales order")
        else:
            client.get("salesOrders", action="look up orders")
    error = caught.value
    assert type(error) is kind and error.reason == reason and error.system == "business_central"
    assert error.http_status == status and error.vendor_code == code
    if code:
        assert error.detail["correlation_id"] == "0f1e2d3c-4b5a-6978-8a9b-0c1d2e3f4a5b"
        assert f"Business Central {code}" in error.message or kind is AuthenticationError
    assert "CorrelationId" not in error.message


@respx.mock
def test_throttling_keeps_retry_after(company, login):
    respx.get(url__startswith=company).mock(return_value=httpx.Response(429, headers={"Retry-After": "17"}))
    with pytest.raises(RateLimitedError, match="retry after 17 s") as caught:
        read()
    assert caught.value.detail["retry_after"] == "17"


@respx.mock
def test_rejected_order_message_says_what_to_fix(company, login):
    respx.post(f"{company}/salesOrders").mock(return_value=httpx.Response(400, json=sample("error_record_not_found.json")))
    with BusinessCentralClient() as client, pytest.raises(RemoteValidationError) as caught:
        client.post("salesOrders", {}, action="create the sales order")
    assert str(caught.value) == (
        "Business Central rejected the order: The Item does not exist. Identification fields and values: "
        "No.='9999-XX' (Business Central Internal_RecordNotFound). Fix the Crosswalk › Products entry for this line "
        "(the item number must exist in Business Central), then re-queue.")


@respx.mock
def test_unknown_company_is_a_configuration_error_naming_the_setting(company, login):
    respx.get(company).mock(return_value=bc_error(404, "BadRequest_ResourceNotFound",
                                                  "Resource not found for the segment 'companies'."))
    with pytest.raises(ConfigurationError, match="BUSINESS_CENTRAL_COMPANY_ID"):
        BusinessCentralAdapter().ping()


@respx.mock
def test_amounts_are_sent_as_exact_json_numbers(company, login):
    route = respx.post(f"{company}/salesOrders(abc)/salesOrderLines").mock(return_value=httpx.Response(201, json={}))
    with BusinessCentralClient() as client:
        client.post("salesOrders(abc)/salesOrderLines", {"quantity": Decimal("2.50"), "unitPrice": Decimal("0.10")},
                    action="add a line")
    assert route.calls.last.request.content == b'{"quantity": 2.50, "unitPrice": 0.10}'


# ---- compensation when Business Central cannot remove the incomplete order ---------------------------------------------

ORDER_ID = "b6f4017a-b749-ee11-ad0b-a1422c0f7f1f"


def two_line_order() -> OrderRequest:
    lines = tuple(OrderLine(line_number=n, material=m, description=m, quantity=Decimal(1), unit="PCS",
                            unit_price=Money("10.00", "USD")) for n, m in ((1, "1000-PLAT"), (2, "9999-XX")))
    return OrderRequest(reference="SF-1", sold_to="C10000", ship_to="C10000", ship_to_address=Address(),
                        currency="USD", lines=lines, payment_terms_key="30 DAYS")


def mock_until_second_line(company: str):
    respx.get(url__startswith=f"{company}/paymentTerms").mock(
        return_value=httpx.Response(200, json={"value": [{"id": "3bb5b4b6-ea4c-43ca-ba1c-3b69e29a6668",
                                                          "code": "30 DAYS"}]}))
    respx.get(url__regex=re.escape(company) + r"/salesOrders\?").mock(return_value=httpx.Response(200, json={"value": []}))
    respx.post(f"{company}/salesOrders").mock(return_value=httpx.Response(201, json={
        **sample("sales_order_create_response.json"), "id": ORDER_ID, "number": "S-ORD101009"}))
    respx.post(f"{company}/salesOrders({ORDER_ID})/salesOrderLines").mock(side_effect=[
        httpx.Response(201, json={"id": "l1", "sequence": 10000}),
        httpx.Response(400, json=sample("error_record_not_found.json"))])


@respx.mock
def test_compensation_that_fails_says_which_partial_order_may_remain_and_to_delete_it_by_hand(company, login):
    mock_until_second_line(company)
    respx.get(f"{company}/salesOrders({ORDER_ID})").mock(return_value=httpx.Response(503, text="down"))
    with pytest.raises(PermanentError) as caught:
        BusinessCentralAdapter().create_order(two_line_order())
    error = caught.value
    assert "partial order S-ORD101009 may remain" in error.message and "line 2 of 2 failed" in error.message
    assert "S-ORD101009" in error.recommended_resolution and "by hand" in error.recommended_resolution
    assert "SF-1~" in error.recommended_resolution
    assert isinstance(error.__cause__, RemoteValidationError) and error.__cause__.reason == Reason.UNKNOWN_ITEM
    assert error.detail["original_error"]["vendor_code"] == "Internal_RecordNotFound"
    [failed] = Event.objects.filter(event_type="erp_compensation_failed")
    assert failed.data["removed_order"] == "S-ORD101009" and failed.outcome == "erp_error"
    assert not Event.objects.filter(event_type="erp_compensated").exists()


@respx.mock
def test_compensation_reads_the_etag_again_when_the_order_changed_meanwhile(company, login):
    mock_until_second_line(company)
    etags = iter(['W/"first"', 'W/"second"'])
    respx.get(f"{company}/salesOrders({ORDER_ID})").mock(
        side_effect=lambda request: httpx.Response(200, json={"@odata.etag": next(etags), "id": ORDER_ID}))
    delete = respx.delete(f"{company}/salesOrders({ORDER_ID})").mock(side_effect=[
        bc_error(409, "Request_EntityChanged", "Another user has already changed the record."),
        httpx.Response(204)])
    with pytest.raises(RemoteValidationError):
        BusinessCentralAdapter().create_order(two_line_order())
    assert [call.request.headers["If-Match"] for call in delete.calls] == ['W/"first"', 'W/"second"']
    assert Event.objects.get(event_type="erp_compensated").data["lines_created"] == 1
