"""The Pipedrive client against respx: the token header, cursor paging, and error answers → the kernel's error tree."""

from __future__ import annotations

import json
from decimal import Decimal
from pathlib import Path

import httpx
import pytest
import respx

from crm_sync.connectors.pipedrive.client import PipedriveClient
from handoff_project.integration.errors import (
    AuthenticationError,
    ConfigurationError,
    LockedRecordError,
    NotFoundError,
    PermanentError,
    RateLimitedError,
    RemoteValidationError,
    TransientError,
)
from handoff_project.integration.models import Event

FIXTURES = Path(__file__).resolve().parents[2] / "crm_sync" / "connectors" / "pipedrive" / "fixtures"
BASE = "https://northwind.pipedrive.com"
TOKEN = "pipedrive-test-api-token-value"

pytestmark = pytest.mark.django_db


def fixture(name: str) -> dict:
    return json.loads((FIXTURES / name).read_text())


@pytest.fixture(autouse=True)
def pipedrive_settings(settings):
    settings.PIPEDRIVE_BASE_URL = BASE
    settings.PIPEDRIVE_API_TOKEN = TOKEN


@pytest.fixture
def api():
    with respx.mock(base_url=BASE, assert_all_called=False) as mock:
        yield mock


def test_the_token_goes_in_the_x_api_token_header_and_never_into_the_url_or_the_event_log(api):
    route = api.get("/api/v2/deals/1187").mock(return_value=httpx.Response(200, json=fixture("api_v2_deal.json")))
    with PipedriveClient() as pipedrive:
        deal = pipedrive.get("/api/v2/deals/1187")

    request = route.calls.last.request
    assert request.headers["x-api-token"] == TOKEN
    assert TOKEN not in str(request.url) and "api_token" not in str(request.url)
    event = Event.objects.get(system="pipedrive")
    assert event.endpoint == f"{BASE}/api/v2/deals/1187" and event.http_status == 200
    assert TOKEN not in json.dumps([event.endpoint, event.request_body, event.body, event.data])
    assert deal["value"] == 20520 and deal["custom_fields"]["5e1d9c3b7a2f4e6d8c0b1a3f5e7d9c2b4a6f8e0d"] == "Net 30"


def test_json_numbers_are_read_as_decimals_not_floats(api):
    api.get("/api/v2/deals/1").mock(return_value=httpx.Response(200, json={"success": True, "data": {"value": 399.9}}))
    with PipedriveClient() as pipedrive:
        value = pipedrive.get("/api/v2/deals/1")["value"]
    assert isinstance(value, Decimal) and value == Decimal("399.9")


def test_pages_follows_next_cursor_until_it_is_null_and_stops_at_the_limit(api):
    first = fixture("api_v2_deals_won_page.json")
    second = {"success": True, "data": [{"id": 1190, "title": "Later", "update_time": "2026-03-13T08:00:00Z"}],
              "additional_data": {"next_cursor": None}}  # fmt: skip
    route = api.get("/api/v2/deals").mock(side_effect=[httpx.Response(200, json=first), httpx.Response(200, json=second)])
    with PipedriveClient() as pipedrive:
        ids = [d["id"] for d in pipedrive.pages("/api/v2/deals", {"status": "won"})]

    assert ids == [1180, 1187, 1190]
    first_call, second_call = (call.request.url.params for call in route.calls)
    assert (first_call["status"], first_call["limit"], "cursor" in first_call) == ("won", "500", False)
    assert second_call["cursor"] == "eyJvZmZzZXQiOiAyfQ" and second_call["status"] == "won"

    route.side_effect = [httpx.Response(200, json=first)]
    with PipedriveClient() as pipedrive:
        assert [d["id"] for d in pipedrive.pages("/api/v2/deals", limit=1)] == [1180]
    assert route.calls.last.request.url.params["limit"] == "1"


def error(status: int, body=None, **headers) -> httpx.Response:
    default = {"success": False, "error": f"error {status}", "error_info": "Please check developers.pipedrive.com",
               "data": None, "additional_data": None}  # fmt: skip
    return httpx.Response(status, json=body if body is not None else default, headers=headers)


# The classification table (client.STATUS_ERRORS), row by row.
@pytest.mark.parametrize("status, error_class", [
    (400, RemoteValidationError),
    (401, AuthenticationError),
    (402, ConfigurationError),
    (403, AuthenticationError),
    (404, NotFoundError),
    (405, RemoteValidationError),
    (408, TransientError),
    (410, NotFoundError),
    (415, ConfigurationError),
    (422, RemoteValidationError),
    (423, LockedRecordError),
    (429, RateLimitedError),
    (500, TransientError),
    (501, TransientError),
    (502, TransientError),
    (503, TransientError),
])  # fmt: skip
def test_each_status_maps_to_its_error_class(api, status, error_class):
    api.patch("/api/v2/deals/5").mock(return_value=error(status))
    with pytest.raises(error_class) as caught, PipedriveClient() as pipedrive:
        pipedrive.patch("/api/v2/deals/5", {"title": "x"})

    assert type(caught.value) is error_class
    assert caught.value.http_status == status and caught.value.system == "pipedrive"
    assert f"error {status}" in caught.value.message and "PATCH /api/v2/deals/5" in caught.value.message
    transient = isinstance(caught.value, TransientError)
    assert transient == (status in (408, 423, 429) or status >= 500)
    assert transient != isinstance(caught.value, PermanentError)


def test_an_invalid_token_is_an_authentication_error_saying_what_to_check(api):
    api.get("/api/v2/deals/1").mock(return_value=error(401, fixture("error_unauthorized.json")))
    with pytest.raises(AuthenticationError) as caught, PipedriveClient() as pipedrive:
        pipedrive.get("/api/v2/deals/1")
    assert "unauthorized access (Pipedrive 401)" in caught.value.message
    assert "PIPEDRIVE_API_TOKEN" in caught.value.message and caught.value.vendor_code == "401"


def test_the_vendors_own_code_is_kept_in_the_message_and_on_the_error(api):
    api.post("/api/v2/deals").mock(return_value=error(403, fixture("error_limit_reached.json")))
    with pytest.raises(AuthenticationError) as caught, PipedriveClient() as pipedrive:
        pipedrive.post("/api/v2/deals", {"title": "x"})
    assert caught.value.vendor_code == "feature_capping_deals_limit"
    assert "Open deals limit reached. (Pipedrive feature_capping_deals_limit)" in caught.value.message


def test_rate_limiting_keeps_the_rate_limit_headers_for_whoever_reads_the_error(api):
    api.get("/api/v2/deals").mock(return_value=error(429, **{"x-ratelimit-remaining": "0", "x-ratelimit-reset": "2",
                                                               "retry-after": "2"}))  # fmt: skip
    with pytest.raises(RateLimitedError) as caught, PipedriveClient() as pipedrive:
        list(pipedrive.pages("/api/v2/deals"))
    assert caught.value.detail["rate_limit"] == {"x-ratelimit-remaining": "0", "x-ratelimit-reset": "2", "retry-after": "2"}


def test_a_non_json_answer_is_transient_and_an_error_page_without_json_is_classified_by_status(api):
    api.get("/api/v2/deals/1").mock(return_value=httpx.Response(200, text="<html>maintenance</html>"))
    api.get("/api/v2/deals/2").mock(return_value=httpx.Response(502, text="<html>Bad gateway</html>"))
    with PipedriveClient() as pipedrive:
        with pytest.raises(TransientError, match="not JSON"):
            pipedrive.get("/api/v2/deals/1")
        with pytest.raises(TransientError, match="Bad gateway"):
            pipedrive.get("/api/v2/deals/2")


def test_a_2xx_answer_saying_success_false_is_not_taken_for_success(api):
    api.get("/api/v2/deals/1").mock(return_value=httpx.Response(200, json={"success": False, "error": "Deal is hidden"}))
    with pytest.raises(RemoteValidationError, match="Deal is hidden"), PipedriveClient() as pipedrive:
        pipedrive.get("/api/v2/deals/1")


def test_a_connection_failure_is_transient(api):
    api.get("/api/v2/deals/1").mock(side_effect=httpx.ConnectError("connection refused"))
    with pytest.raises(TransientError, match="could not be reached"), PipedriveClient() as pipedrive:
        pipedrive.get("/api/v2/deals/1")


@pytest.mark.parametrize("setting, says", [("PIPEDRIVE_BASE_URL", "PIPEDRIVE_BASE_URL is not set"),
                                           ("PIPEDRIVE_API_TOKEN", "PIPEDRIVE_API_TOKEN is not set")])
def test_missing_configuration_is_said_before_any_request(settings, setting, says):
    setattr(settings, setting, "")
    with pytest.raises(ConfigurationError, match=says):
        PipedriveClient()


def test_an_api_token_in_a_url_would_not_reach_the_event_log_either(api):
    """The client never puts the token in a URL (v1's api_token parameter); should a caller pass a server-given
    URL that carries one, the kernel's redaction still keeps it out of the logged endpoint."""
    api.get("/api/v1/notes").mock(return_value=httpx.Response(200, json={"success": True, "data": []}))
    with PipedriveClient() as pipedrive:
        pipedrive.get(f"/api/v1/notes?deal_id=5&api_token={TOKEN}")
    endpoint = Event.objects.get(system="pipedrive").endpoint
    assert TOKEN not in endpoint and "api_token=[REDACTED]" in endpoint and "deal_id=5" in endpoint
