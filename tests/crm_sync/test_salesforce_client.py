"""The Salesforce client against respx: the token flow, session refresh, error arrays → the kernel's error tree."""

from __future__ import annotations

import json
from decimal import Decimal
from pathlib import Path
from urllib.parse import parse_qs

import httpx
import pytest
import respx

from crm_sync.connectors.salesforce import client as client_module
from crm_sync.connectors.salesforce.client import SalesforceClient, clear_token_cache
from handoff_project.integration.errors import (
    AuthenticationError,
    ConfigurationError,
    DuplicateError,
    LockedRecordError,
    NotFoundError,
    RateLimitedError,
    RemoteValidationError,
    TransientError,
)
from handoff_project.integration.models import Event

FIXTURES = Path(__file__).resolve().parents[2] / "crm_sync" / "connectors" / "salesforce" / "fixtures"
LOGIN = "https://login.salesforce.com"
INSTANCE = "https://northwind.my.salesforce.com"
API = f"{INSTANCE}/services/data/v61.0"
TOKENS = ["00D5e000000TestOrg!AQ4AQFirstTokenValue1234567890", "00D5e000000TestOrg!AQ4AQSecondTokenValue0987654321"]

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def salesforce_settings(settings):
    settings.SALESFORCE_BASE_URL = LOGIN
    clear_token_cache()
    yield settings
    clear_token_cache()


def token_answer(token: str) -> httpx.Response:
    body = json.loads((FIXTURES / "oauth_token_response.json").read_text())
    body.update(access_token=token, instance_url=INSTANCE + "/", token_type="Bearer")
    return httpx.Response(200, json=body)


@pytest.fixture
def token_route(respx_mock):
    return respx_mock.post(f"{LOGIN}/services/oauth2/token").mock(side_effect=[token_answer(t) for t in TOKENS])


@pytest.fixture
def respx_mock():
    with respx.mock(assert_all_called=False) as mock:
        yield mock


def salesforce_error(status: int, code: str, message: str) -> httpx.Response:
    return httpx.Response(status, json=[{"message": message, "errorCode": code}])


def test_the_token_is_fetched_with_client_credentials_once_and_reused(token_route, respx_mock):
    query = respx_mock.get(f"{API}/query").mock(
        return_value=httpx.Response(200, json={"totalSize": 0, "done": True, "records": []})
    )
    with SalesforceClient() as sf:
        sf.query("SELECT Id FROM Account")
    with SalesforceClient() as sf:  # a new client in the same process reuses the cached token
        sf.query("SELECT Id FROM Contact")

    assert token_route.call_count == 1
    form = parse_qs(token_route.calls[0].request.content.decode())
    assert form == {
        "grant_type": ["client_credentials"],
        "client_id": ["test-client-id"],
        "client_secret": ["test-client-secret-value"],
    }
    assert token_route.calls[0].request.headers["Content-Type"] == "application/x-www-form-urlencoded"
    assert [c.request.headers["Authorization"] for c in query.calls] == [f"Bearer {TOKENS[0]}"] * 2
    assert [c.request.url.params["q"] for c in query.calls] == ["SELECT Id FROM Account", "SELECT Id FROM Contact"]


def test_an_expired_session_is_refreshed_once_and_the_call_repeated(token_route, respx_mock):
    record = respx_mock.get(f"{API}/sobjects/Account/0015g00000LmNoPAAV").mock(
        side_effect=[
            salesforce_error(401, "INVALID_SESSION_ID", "Session expired or invalid"),
            httpx.Response(200, json={"Id": "0015g00000LmNoPAAV", "Name": "Northwind"}),
        ]
    )
    with SalesforceClient() as sf:
        account = sf.get("Account", "0015g00000LmNoPAAV", fields=["Id", "Name"])

    assert account["Name"] == "Northwind"
    assert token_route.call_count == 2
    assert [c.request.headers["Authorization"] for c in record.calls] == [f"Bearer {t}" for t in TOKENS]
    assert record.calls[0].request.url.params["fields"] == "Id,Name"


def test_a_second_401_after_a_fresh_token_is_an_authentication_error(token_route, respx_mock):
    respx_mock.patch(f"{API}/sobjects/Opportunity/0065g00000Q1rAbAAJ").mock(
        return_value=salesforce_error(401, "INVALID_SESSION_ID", "Session expired or invalid")
    )
    with SalesforceClient() as sf, pytest.raises(AuthenticationError) as caught:
        sf.update("Opportunity", "0065g00000Q1rAbAAJ", {"ERP_Order_Number__c": "4711"})
    assert caught.value.vendor_code == "INVALID_SESSION_ID"
    assert token_route.call_count == 2


def test_refused_client_credentials_are_an_authentication_error_naming_the_settings(respx_mock):
    respx_mock.post(f"{LOGIN}/services/oauth2/token").mock(
        return_value=httpx.Response(400, json={"error": "invalid_client", "error_description": "invalid client credentials"})
    )
    with SalesforceClient() as sf, pytest.raises(AuthenticationError) as caught:
        sf.query("SELECT Id FROM Account")
    assert caught.value.vendor_code == "invalid_client"
    assert caught.value.http_status == 400
    assert "SALESFORCE_CLIENT_SECRET" in caught.value.message


def test_the_token_endpoint_being_down_is_transient_not_an_auth_failure(respx_mock):
    respx_mock.post(f"{LOGIN}/services/oauth2/token").mock(return_value=httpx.Response(503, text="Service Unavailable"))
    with SalesforceClient() as sf, pytest.raises(TransientError):
        sf.query("SELECT Id FROM Account")


def test_the_documented_invalid_field_error_becomes_a_remote_validation_error_keeping_code_and_message(
    token_route, respx_mock
):
    respx_mock.post(f"{API}/sobjects/Account/").mock(
        return_value=httpx.Response(400, content=(FIXTURES / "rest_error_invalid_field.json").read_bytes())
    )
    with SalesforceClient() as sf, pytest.raises(RemoteValidationError) as caught:
        sf.create("Account", {"Id": "001x", "Name": "Express Logistics and Transport"})

    error = caught.value
    assert error.vendor_code == "INVALID_FIELD"
    assert error.http_status == 400
    assert error.system == "salesforce"
    assert "The Id field should not be specified in the sobject data." in error.message
    assert error.detail["errors"][0]["errorCode"] == "INVALID_FIELD"


@pytest.mark.parametrize(
    "status, code, error_class",
    [
        (503, "SERVER_UNAVAILABLE", TransientError),
        (500, "UNKNOWN_EXCEPTION", TransientError),
        (429, "", RateLimitedError),
        (403, "REQUEST_LIMIT_EXCEEDED", RateLimitedError),
        (400, "UNABLE_TO_LOCK_ROW", LockedRecordError),
        (404, "NOT_FOUND", NotFoundError),
        (400, "DUPLICATE_VALUE", DuplicateError),
        (400, "STRING_TOO_LONG", RemoteValidationError),
        (400, "MALFORMED_QUERY", RemoteValidationError),
    ],
)
def test_salesforce_error_answers_map_onto_the_kernels_error_tree(token_route, respx_mock, status, code, error_class):
    respx_mock.get(f"{API}/query").mock(return_value=salesforce_error(status, code, f"the org says {code}"))
    with SalesforceClient() as sf, pytest.raises(error_class) as caught:
        sf.query("SELECT Id FROM Opportunity")
    assert caught.value.http_status == status
    assert caught.value.vendor_code == code
    assert f"the org says {code}" in caught.value.message


def test_a_plain_text_503_from_a_proxy_is_transient(token_route, respx_mock):
    respx_mock.get(f"{API}/query").mock(return_value=httpx.Response(503, text="<html>Maintenance</html>"))
    with SalesforceClient() as sf, pytest.raises(TransientError) as caught:
        sf.query("SELECT Id FROM Opportunity")
    assert caught.value.http_status == 503


def test_a_timeout_is_transient(token_route, respx_mock):
    respx_mock.get(f"{API}/query").mock(side_effect=httpx.ReadTimeout("read timed out"))
    with SalesforceClient() as sf, pytest.raises(TransientError, match="did not answer in time"):
        sf.query("SELECT Id FROM Opportunity")


def test_query_follows_next_records_url_until_done_and_reads_money_as_decimal(token_route, respx_mock):
    respx_mock.get(f"{API}/query").mock(
        return_value=httpx.Response(
            200,
            content=b'{"totalSize": 3, "done": false, "nextRecordsUrl": "/services/data/v61.0/query/01gD0000002HU6KIAW-2",'
            b' "records": [{"Id": "a", "Amount": 19.99}, {"Id": "b", "Amount": 0.1}]}',
        )
    )
    more = respx_mock.get(f"{API}/query/01gD0000002HU6KIAW-2").mock(
        return_value=httpx.Response(200, json={"totalSize": 3, "done": True, "records": [{"Id": "c", "Amount": 7}]})
    )
    with SalesforceClient() as sf:
        records = sf.query("SELECT Id, Amount FROM Opportunity", batch_size=200)

    assert [r["Id"] for r in records] == ["a", "b", "c"]
    assert records[0]["Amount"] == Decimal("19.99") and isinstance(records[1]["Amount"], Decimal)
    assert more.calls[0].request.headers["Sforce-Query-Options"] == "batchSize=200"


def test_create_returns_the_new_id_and_update_sends_a_json_patch(token_route, respx_mock):
    respx_mock.post(f"{API}/sobjects/Account/").mock(
        return_value=httpx.Response(201, content=(FIXTURES / "sobject_create_success.json").read_bytes())
    )
    patch = respx_mock.patch(f"{API}/sobjects/Account/001D000000IqhSLIAZ").mock(return_value=httpx.Response(204))
    with SalesforceClient() as sf:
        new_id = sf.create("Account", {"Name": "Express Logistics and Transport"})
        assert sf.update("Account", new_id, {"Phone": "+1 415 555 0100"}) is None

    assert new_id == "001D000000IqhSLIAZ"
    assert json.loads(patch.calls[0].request.content) == {"Phone": "+1 415 555 0100"}


def test_tokens_and_the_client_secret_never_reach_the_event_log(token_route, respx_mock):
    respx_mock.get(f"{API}/query").mock(
        side_effect=[
            salesforce_error(401, "INVALID_SESSION_ID", "Session expired or invalid"),
            httpx.Response(200, json={"totalSize": 0, "done": True, "records": []}),
        ]
    )
    with SalesforceClient() as sf:
        sf.query("SELECT Id FROM Account")

    events = list(Event.objects.filter(system="salesforce"))
    assert [e.event_type for e in events] == ["salesforce.oauth", "salesforce.query", "salesforce.oauth", "salesforce.query"]
    logged = json.dumps([[e.endpoint, e.message, e.request_body, e.body, e.data] for e in events])
    for secret in [*TOKENS, "test-client-secret-value", "0CmxinZir53Yex7nE0TD"]:
        assert secret not in logged
    assert "client_secret=[REDACTED]" in events[0].request_body
    assert '"access_token": "[REDACTED]"' in events[0].body


def test_missing_configuration_is_a_configuration_error(settings):
    settings.SALESFORCE_BASE_URL = ""
    with pytest.raises(ConfigurationError, match="SALESFORCE_BASE_URL"):
        SalesforceClient()
    settings.SALESFORCE_BASE_URL = LOGIN
    settings.SALESFORCE_CLIENT_SECRET = ""
    with SalesforceClient() as sf, pytest.raises(ConfigurationError, match="SALESFORCE_CLIENT_SECRET"):
        sf.query("SELECT Id FROM Account")


def test_the_token_cache_is_kept_per_login_host_so_two_orgs_never_share_a_session(token_route, respx_mock):
    sandbox_login = "https://test.salesforce.com"
    other = respx_mock.post(f"{sandbox_login}/services/oauth2/token").mock(return_value=token_answer("00Dother!XYZ12345678"))
    respx_mock.get(f"{API}/query").mock(return_value=httpx.Response(200, json={"totalSize": 0, "done": True, "records": []}))
    with SalesforceClient() as production, SalesforceClient(base_url=sandbox_login) as sandbox:
        production.query("SELECT Id FROM Account")
        sandbox.query("SELECT Id FROM Account")
        production.query("SELECT Id FROM Account")

    assert token_route.call_count == 1 and other.call_count == 1
    assert {s.access_token for s in client_module._sessions.values()} == {TOKENS[0], "00Dother!XYZ12345678"}
