"""NetSuiteClient at the HTTP boundary (respx): TBA on every request, 204 + Location, NetSuite's errors classified."""

from __future__ import annotations

import json
from decimal import Decimal
from pathlib import Path

import httpx
import pytest
import respx

from erp_orders.connectors.netsuite import mappers, oauth
from erp_orders.connectors.netsuite.client import ERROR_CODES, NetSuiteClient
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
from handoff_project.integration.redaction import redact_body, redact_text

pytestmark = pytest.mark.django_db

HOST = "https://1234567-sb1.suitetalk.api.netsuite.com"
RECORDS = f"{HOST}/services/rest/record/v1"
FIXTURES = Path(mappers.__file__).resolve().parent / "fixtures"
ERROR_TYPE = "application/vnd.oracle.resource+json; type=error"


@pytest.fixture(autouse=True)
def netsuite_host(settings):
    settings.NETSUITE_BASE_URL = HOST


def sample(name: str) -> dict:
    return json.loads((FIXTURES / name).read_text())


def netsuite_error(status: int, code: str, detail: str, path: str = "") -> httpx.Response:
    entry = {"detail": detail, "o:errorCode": code, **({"o:errorPath": path} if path else {})}
    body = {"type": "https://www.w3.org/Protocols/rfc2616/rfc2616-sec10.html", "title": "x", "status": status,
            "o:errorDetails": [entry]}
    return httpx.Response(status, json=body, headers={"content-type": ERROR_TYPE})


def create(answer: httpx.Response, action="create the sales order"):
    with respx.mock:
        respx.post(f"{RECORDS}/salesOrder").mock(return_value=answer)
        with NetSuiteClient() as client:
            return client.create("salesOrder", {"externalId": "SF-1", "item": {"items": []}}, action=action)


# (status, o:errorCode, o:errorPath, detail) → (error class, reason)
CLASSIFICATION = [
    (401, "INVALID_LOGIN", "", "Invalid login attempt.", AuthenticationError, ""),
    (403, "INSUFFICIENT_PERMISSION", "", "Permission Violation", AuthenticationError, ""),
    (404, "NONEXISTENT_ID", "", "The record instance does not exist.", NotFoundError, ""),
    (429, "CONCURRENCY_LIMIT_EXCEEDED", "", "Concurrent request limit exceeded. Request blocked.", RateLimitedError, ""),
    (400, "RCRD_HAS_BEEN_CHANGED", "", "Record has been changed", LockedRecordError, Reason.RECORD_LOCKED),
    (400, "RCRD_LOCKED_BY_WF", "", "This record has been locked by a user defined workflow.", LockedRecordError,
     Reason.RECORD_LOCKED),
    (400, "USER_ERROR", "", "Error while accessing a resource. The record is being edited by another user.",
     LockedRecordError, Reason.RECORD_LOCKED),
    (400, "DUP_RCRD", "", "Error while accessing a resource. This record already exists.", DuplicateError,
     Reason.DUPLICATE_REFERENCE),
    (400, "INVALID_CONTENT", "entity", "You have entered an Invalid Field Value 99 for the following field: entity",
     RemoteValidationError, Reason.UNKNOWN_CUSTOMER),
    (400, "INVALID_CONTENT", "item.items[2].item", "You have entered an Invalid Field Value 9999 for the following "
     "field: item", RemoteValidationError, Reason.UNKNOWN_ITEM),
    (400, "INVALID_CONTENT", "terms", "You have entered an Invalid Field Value 99 for the following field: terms",
     RemoteValidationError, Reason.INVALID_PAYMENT_TERMS),
    (400, "INVALID_KEY_OR_REF", "", "Invalid terms reference key 99.", RemoteValidationError,
     Reason.INVALID_PAYMENT_TERMS),
    (400, "USER_ERROR", "shipDate", "The ship date 2026-11-24 lies in the past; enter today or a later date.",
     RemoteValidationError, Reason.DATE_IN_PAST),
    (400, "USER_ERROR", "item.items[0].quantity", "The quantity 1.5 is not valid for the unit Each: it takes whole "
     "numbers only.", RemoteValidationError, Reason.UNIT_NO_DECIMALS),
    (400, "FIELD_PARAM_REQD", "entity", "Please enter a value for [entity]", RemoteValidationError,
     Reason.UNKNOWN_CUSTOMER),
    (400, "SOMETHING_NEW", "", "A rule of this account refused the order.", RemoteValidationError, ""),
    (500, "UNEXPECTED_ERROR", "", "An unexpected error occurred.", TransientError, ""),
    (503, "", "", "Service Unavailable", TransientError, ""),
    (408, "", "", "Request Timeout", TransientError, ""),
    (409, "", "", "Conflict", DuplicateError, ""),
    (415, "", "", "Unsupported Media Type", PermanentError, ""),
]


@pytest.mark.parametrize("status,code,path,detail,kind,reason", CLASSIFICATION,
                         ids=[f"{c[0]}-{c[1] or 'none'}-{c[2] or 'nopath'}" for c in CLASSIFICATION])
def test_netsuite_answers_are_classified_transient_or_permanent_with_the_shared_reason(status, code, path, detail,
                                                                                        kind, reason):
    with pytest.raises(kind) as raised:
        create(netsuite_error(status, code, detail, path))
    assert type(raised.value) is kind
    assert raised.value.reason == reason and raised.value.vendor_code == code and raised.value.http_status == status


def test_every_code_in_the_table_is_either_transient_or_permanent():
    assert all(issubclass(kind, (TransientError, PermanentError)) for kind, _reason in ERROR_CODES.values())


def test_created_record_id_is_read_from_the_location_of_the_204():
    answer = httpx.Response(204, headers={"location": f"{RECORDS}/salesOrder/7001"})
    assert create(answer) == "7001"


def test_204_without_location_is_transient_so_the_next_attempt_looks_the_order_up():
    with pytest.raises(TransientError, match="looks the order up by its reference"):
        create(httpx.Response(204))


def test_rejected_order_message_names_netsuites_code_and_what_to_fix():
    with pytest.raises(RemoteValidationError) as raised:
        create(httpx.Response(400, json=sample("error_invalid_item_reference.json")))
    message = str(raised.value)
    assert message.startswith("NetSuite rejected the order: Error while accessing resource: You have entered an "
                              "Invalid Field Value 9999 for the following field: item (NetSuite INVALID_CONTENT).")
    assert "Crosswalk › Product entry for NetSuite" in message and message.endswith("then re-queue.")
    assert raised.value.detail["o:errorDetails"][0]["o:errorPath"] == "item.items[0].item"


def test_healable_finding_is_not_hidden_behind_another_detail():
    body = {"status": 400, "o:errorDetails": [
        {"detail": "Please enter a value for [memo]", "o:errorCode": "FIELD_PARAM_REQD", "o:errorPath": "memo"},
        {"detail": "The ship date 2026-11-24 lies in the past.", "o:errorCode": "USER_ERROR", "o:errorPath": "shipDate"}]}
    with pytest.raises(RemoteValidationError) as raised:
        create(httpx.Response(400, json=body))
    assert raised.value.reason == Reason.DATE_IN_PAST and "[memo]; The ship date" in str(raised.value)


def test_refused_login_says_which_settings_to_check():
    with respx.mock:
        respx.get(f"{RECORDS}/salesOrder").mock(return_value=httpx.Response(401, json=sample("error_invalid_login.json")))
        with NetSuiteClient() as client, pytest.raises(AuthenticationError) as raised:
            client.get("salesOrder", {"limit": "1"}, action="check that NetSuite answers")
    assert "NETSUITE_ACCOUNT_ID" in str(raised.value) and "; NetSuite INVALID_LOGIN)" in str(raised.value)


def test_a_query_refused_is_a_fault_of_the_connector_not_of_the_deal():
    with respx.mock:
        respx.get(f"{RECORDS}/currency").mock(return_value=netsuite_error(400, "INVALID_PARAMETER", "Invalid query"))
        with NetSuiteClient() as client, pytest.raises(RemoteValidationError, match="fault in the connector"):
            client.get("currency", {"q": "nonsense"}, action="look up currency USD")


def test_timeout_is_transient():
    with respx.mock:
        respx.get(f"{RECORDS}/salesOrder").mock(side_effect=httpx.ReadTimeout("slow"))
        with NetSuiteClient() as client, pytest.raises(TransientError):
            client.get("salesOrder", action="check that NetSuite answers")


def test_every_request_is_signed_for_the_account_and_the_body_sent_with_exact_numbers(settings):
    with respx.mock:
        route = respx.post(f"{RECORDS}/salesOrder").mock(
            return_value=httpx.Response(204, headers={"location": f"{RECORDS}/salesOrder/7002"}))
        with NetSuiteClient() as client:
            client.create("salesOrder", {"item": {"items": [{"rate": Decimal("1156.25")}]}}, action="create")
    request = route.calls.last.request
    params = oauth.parse_authorization(request.headers["Authorization"])
    assert params["realm"] == settings.NETSUITE_ACCOUNT_ID and params["oauth_token"] == settings.NETSUITE_TOKEN_ID
    base = oauth.signature_base_string("POST", str(request.url), params)
    assert params["oauth_signature"] == oauth.sign(base, settings.NETSUITE_CONSUMER_SECRET, settings.NETSUITE_TOKEN_SECRET)
    assert request.content == b'{"item": {"items": [{"rate": 1156.25}]}}'


def test_responses_are_read_with_decimal_numbers():
    with respx.mock:
        respx.get(f"{RECORDS}/salesOrder/7001").mock(return_value=httpx.Response(200, json=sample("sales_order_record.json")))
        with NetSuiteClient() as client:
            record = client.get("salesOrder/7001", action="read")
    assert record["total"] == Decimal("48906.0") and isinstance(record["exchangeRate"], Decimal)


def test_missing_credentials_are_a_configuration_error(settings):
    settings.NETSUITE_TOKEN_SECRET = ""
    with pytest.raises(ConfigurationError, match="token_secret"):
        NetSuiteClient()


def test_exchanges_are_logged_without_the_oauth_header_or_any_credential(settings):
    with respx.mock:
        respx.get(f"{RECORDS}/salesOrder").mock(return_value=httpx.Response(401, json=sample("error_invalid_login.json")))
        with NetSuiteClient() as client, pytest.raises(AuthenticationError):
            client.get("salesOrder", {"limit": "1"}, action="check that NetSuite answers")
    event = Event.objects.get(system="netsuite")
    stored = " ".join([event.endpoint, event.request_body, event.body, event.message, json.dumps(event.data)])
    assert event.http_status == 401 and "INVALID_LOGIN" in event.body
    for secret in (settings.NETSUITE_CONSUMER_KEY, settings.NETSUITE_CONSUMER_SECRET, settings.NETSUITE_TOKEN_ID,
                   settings.NETSUITE_TOKEN_SECRET, "oauth_signature"):
        assert secret not in stored


def test_an_oauth_header_or_consumer_key_quoted_in_text_is_redacted():
    header = oauth.authorization_header(method="GET", url=f"{RECORDS}/salesOrder", realm="1234567_SB1",
                                        consumer_key="ck-value", consumer_secret="cs", token_id="tk-value",
                                        token_secret="ts")
    text = redact_text(f"sent Authorization: {header}\nnext line")
    assert text == "sent Authorization: OAuth [REDACTED]\nnext line"
    assert "ck-value" not in redact_body('{"consumer_key": "ck-value"}')
    assert redact_text("oauth_consumer_key=ck-value&limit=1") == "oauth_consumer_key=[REDACTED]&limit=1"
