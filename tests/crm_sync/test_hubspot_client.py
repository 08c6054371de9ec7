"""The HubSpot client against respx: Bearer auth, the v3 calls it makes, HubSpot's errors → the kernel's error tree."""

from __future__ import annotations

import json
from decimal import Decimal
from pathlib import Path

import httpx
import pytest
import respx

from crm_sync.connectors.hubspot.client import HubSpotClient
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

FIXTURES = Path(__file__).resolve().parents[2] / "crm_sync" / "connectors" / "hubspot" / "fixtures"
BASE = "https://api.hubapi.com"
TOKEN = "pat-na1-test-access-token-value"

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def hubspot_settings(settings):
    settings.HUBSPOT_BASE_URL = BASE
    return settings


@pytest.fixture
def api():
    with respx.mock(base_url=BASE, assert_all_called=False) as mock:
        yield mock


@pytest.fixture
def hubspot():
    with HubSpotClient() as client:
        yield client


def error(status: int, category: str = "", message: str = "went wrong", **extra) -> httpx.Response:
    body = {"status": "error", "message": message, "correlationId": "6519ebb7-9fa1-41ad-a12a-228f806539cb", **extra}
    if category:
        body["category"] = category
    return httpx.Response(status, json=body)


def test_a_record_is_read_with_the_bearer_token_its_properties_and_associations(api, hubspot):
    route = api.get("/crm/v3/objects/deals/33108462948").mock(
        return_value=httpx.Response(200, content=(FIXTURES / "deal_with_associations.json").read_bytes()))
    deal = hubspot.get("deals", "33108462948", properties=["dealname", "amount"],
                       associations=["companies", "line_items"])  # fmt: skip

    request = route.calls[0].request
    assert request.headers["Authorization"] == f"Bearer {TOKEN}"
    assert dict(request.url.params) == {"properties": "dealname,amount", "associations": "companies,line_items",
                                        "archived": "false"}  # fmt: skip
    assert deal["properties"]["amount"] == "67560.00"


def test_json_numbers_are_read_as_decimal_never_float(api, hubspot):
    api.post("/crm/v3/objects/deals/search").mock(return_value=httpx.Response(200, json={"total": 1.5, "results": []}))
    assert hubspot.search("deals", {})["total"] == Decimal("1.5")


def test_batch_read_sends_at_most_100_ids_a_call(api, hubspot):
    route = api.post("/crm/v3/objects/line_items/batch/read").mock(side_effect=lambda request: httpx.Response(
        200, json={"status": "COMPLETE", "results": [{"id": i["id"]} for i in json.loads(request.content)["inputs"]]}))
    ids = [str(n) for n in range(1, 251)]
    records = hubspot.batch_read("line_items", ids, properties=["name", "price"])

    assert [r["id"] for r in records] == ids
    sent = [json.loads(c.request.content) for c in route.calls]
    assert [len(body["inputs"]) for body in sent] == [100, 100, 50]
    assert sent[0]["properties"] == ["name", "price"]


def test_a_batch_read_that_cannot_find_an_id_is_not_found_naming_it(api, hubspot):
    api.post("/crm/v3/objects/line_items/batch/read").mock(return_value=httpx.Response(207, json={
        "status": "COMPLETE", "results": [{"id": "1"}], "numErrors": 1,
        "errors": [{"status": "error", "category": "OBJECT_NOT_FOUND", "context": {"ids": ["2"]},
                    "message": "Could not get some LINE_ITEM objects, they may be deleted or not exist."}]}))
    with pytest.raises(NotFoundError, match="could not read line_items 2"):
        hubspot.batch_read("line_items", ["1", "2"], properties=["name"])


def test_the_v4_association_list_is_followed_through_its_pages(api, hubspot):
    route = api.get("/crm/v4/objects/deals/7/associations/line_items").mock(side_effect=[
        httpx.Response(200, json={"results": [{"toObjectId": 1, "associationTypes": []}],
                                  "paging": {"next": {"after": "abc"}}}),
        httpx.Response(200, json={"results": [{"toObjectId": 2, "associationTypes": []}]}),
    ])  # fmt: skip
    assert [a["toObjectId"] for a in hubspot.associated_ids("deals", "7", "line_items")] == [1, 2]
    assert route.calls[1].request.url.params["after"] == "abc"


def test_an_update_patches_the_properties_object(api, hubspot):
    route = api.patch("/crm/v3/objects/deals/7").mock(return_value=httpx.Response(200, json={"id": "7"}))
    hubspot.update("deals", "7", {"erp_order_number": "4711"})
    assert json.loads(route.calls[0].request.content) == {"properties": {"erp_order_number": "4711"}}


def test_the_documented_validation_error_names_the_property_and_keeps_code_and_correlation_id(api, hubspot):
    api.patch("/crm/v3/objects/deals/7").mock(
        return_value=httpx.Response(400, content=(FIXTURES / "error_validation.json").read_bytes()))
    with pytest.raises(RemoteValidationError) as caught:
        hubspot.update("deals", "7", {"erp_order_number": "4711"})

    error = caught.value
    assert (error.vendor_code, error.http_status, error.system) == ("PROPERTY_DOESNT_EXIST", 400, "hubspot")
    assert 'erp_order_number: Property "erp_order_number" does not exist' in error.message
    assert "HubSpot VALIDATION_ERROR PROPERTY_DOESNT_EXIST" in error.message
    assert error.detail["correlation_id"] == "697e0079-fb56-44af-8386-951b6003a7ed"
    assert error.detail["property_errors"][0]["name"] == "erp_order_number"


def test_the_documented_rate_limit_answer_is_rate_limited_with_its_policy_and_retry_after(api, hubspot):
    api.get("/crm/v3/objects/deals/7").mock(return_value=httpx.Response(
        429, content=(FIXTURES / "error_rate_limit.json").read_bytes(), headers={"Retry-After": "10"}))
    with pytest.raises(RateLimitedError) as caught:
        hubspot.get("deals", "7", properties=["dealname"])
    assert caught.value.detail["policy_name"] == "TEN_SECONDLY_ROLLING"
    assert caught.value.detail["retry_after"] == "10"
    assert "TEN_SECONDLY_ROLLING limit is reached" in caught.value.message
    assert caught.value.vendor_code == "RATE_LIMIT"


def test_the_documented_authentication_answer_says_to_check_the_token(api, hubspot):
    api.get("/crm/v3/objects/deals/7").mock(
        return_value=httpx.Response(401, content=(FIXTURES / "error_authentication.json").read_bytes()))
    with pytest.raises(AuthenticationError) as caught:
        hubspot.get("deals", "7", properties=["dealname"])
    assert caught.value.vendor_code == "INVALID_AUTHENTICATION"
    assert "check HUBSPOT_ACCESS_TOKEN" in caught.value.message
    assert "f0ee980f-a446-4189-b004-ff06d08bf4e3" in caught.value.message


# The classification table (client.py docstring): HubSpot status / category → the kernel's error and reason.
@pytest.mark.parametrize("status, category, error_class, reason", [
    (429, "RATE_LIMITS", RateLimitedError, ""),
    (423, "", LockedRecordError, Reason.RECORD_LOCKED),
    (408, "", TransientError, ""),
    (477, "", TransientError, ""),
    (500, "", TransientError, ""),
    (502, "", TransientError, ""),
    (503, "", TransientError, ""),
    (504, "", TransientError, ""),
    (521, "", TransientError, ""),
    (401, "EXPIRED_AUTHENTICATION", AuthenticationError, ""),
    (403, "MISSING_SCOPES", AuthenticationError, ""),
    (404, "OBJECT_NOT_FOUND", NotFoundError, ""),
    (404, "", NotFoundError, ""),
    (409, "CONFLICT", DuplicateError, ""),
    (400, "OBJECT_ALREADY_EXISTS", DuplicateError, ""),
    (400, "VALIDATION_ERROR", RemoteValidationError, ""),
    (414, "", RemoteValidationError, ""),
    (399, "", PermanentError, ""),
])  # fmt: skip
def test_each_hubspot_answer_becomes_the_kernels_error(api, hubspot, status, category, error_class, reason):
    api.get("/crm/v3/objects/deals/7").mock(return_value=error(status, category))
    with pytest.raises(error_class) as caught:
        hubspot.get("deals", "7", properties=["dealname"])
    assert type(caught.value) is error_class
    assert caught.value.reason == reason and caught.value.http_status == status
    assert caught.value.detail["correlation_id"] == "6519ebb7-9fa1-41ad-a12a-228f806539cb"


def test_transient_errors_are_not_permanent_and_a_404_without_a_body_is_still_not_found(api, hubspot):
    api.get("/crm/v3/objects/deals/8").mock(return_value=httpx.Response(404))
    with pytest.raises(NotFoundError, match="deleted or merged"):
        hubspot.get("deals", "8", properties=["dealname"])
    assert not issubclass(RateLimitedError, PermanentError)


def test_an_html_error_page_in_front_of_hubspot_is_transient(api, hubspot):
    api.get("/crm/v3/objects/deals/7").mock(return_value=httpx.Response(502, text="<html>Bad gateway</html>"))
    with pytest.raises(TransientError, match="Bad gateway"):
        hubspot.get("deals", "7", properties=["dealname"])


def test_a_success_that_is_not_json_is_transient(api, hubspot):
    api.get("/crm/v3/objects/deals/7").mock(return_value=httpx.Response(200, text="<html>maintenance</html>"))
    with pytest.raises(TransientError, match="not JSON"):
        hubspot.get("deals", "7", properties=["dealname"])


def test_no_token_or_base_url_is_a_configuration_error_naming_the_setting(settings):
    settings.HUBSPOT_ACCESS_TOKEN = ""
    with pytest.raises(ConfigurationError, match="HUBSPOT_ACCESS_TOKEN"):
        HubSpotClient()
    settings.HUBSPOT_ACCESS_TOKEN, settings.HUBSPOT_BASE_URL = TOKEN, ""
    with pytest.raises(ConfigurationError, match="HUBSPOT_BASE_URL"):
        HubSpotClient()


def test_each_call_is_logged_without_the_token(api, hubspot):
    api.get("/crm/v3/objects/deals/7").mock(return_value=httpx.Response(200, json={"id": "7", "properties": {}}))
    hubspot.get("deals", "7", properties=["dealname"])
    event = Event.objects.get(system="hubspot")
    assert (event.event_type, event.http_status, event.method) == ("hubspot.get", 200, "GET")
    assert TOKEN not in json.dumps([event.endpoint, event.request_body, event.body, event.message, event.data])
