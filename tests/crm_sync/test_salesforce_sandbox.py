"""The Salesforce sandbox over real HTTP (live server): OAuth, REST shapes and errors, derived fields, paging."""

from __future__ import annotations

import json
from pathlib import Path

import httpx
import pytest

from crm_sync.connectors.salesforce.client import SalesforceClient, clear_token_cache
from crm_sync.connectors.salesforce.ids import to_18
from crm_sync.connectors.salesforce.sandbox import create_record, expire_sessions
from crm_sync.connectors.salesforce.sandbox_outbound import wait_for_deliveries
from handoff_project.integration.errors import RemoteValidationError
from handoff_project.integration.models import Event

FIXTURES = Path(__file__).resolve().parents[2] / "crm_sync" / "connectors" / "salesforce" / "fixtures"


@pytest.fixture(autouse=True)
def salesforce_sandbox(sandbox_urls, settings):
    settings.SALESFORCE_SANDBOX_OUTBOUND_RETRY_DELAYS = [0.1, 0.1]
    clear_token_cache()
    yield sandbox_urls
    assert wait_for_deliveries(timeout=30)
    clear_token_cache()


@pytest.fixture
def base(salesforce_sandbox) -> str:
    return f"{salesforce_sandbox.url}/sandbox/salesforce"


@pytest.fixture
def token(base) -> str:
    answer = httpx.post(
        f"{base}/services/oauth2/token",
        data={"grant_type": "client_credentials", "client_id": "test-client-id",
              "client_secret": "test-client-secret-value"},
    )  # fmt: skip
    return answer.json()["access_token"]


@pytest.fixture
def rest(base, token):
    with httpx.Client(base_url=f"{base}/services/data/v61.0/", headers={"Authorization": f"Bearer {token}"}) as http:
        yield http


@pytest.fixture
def sf():
    with SalesforceClient() as client:
        yield client


def test_the_token_endpoint_answers_in_salesforces_shape_with_the_sandbox_as_instance(base):
    answer = httpx.post(
        f"{base}/services/oauth2/token",
        data={"grant_type": "client_credentials", "client_id": "test-client-id",
              "client_secret": "test-client-secret-value"},
    )  # fmt: skip
    body = answer.json()

    documented = json.loads((FIXTURES / "oauth_token_response.json").read_text())
    assert answer.status_code == 200
    assert set(documented) <= set(body)
    assert body["instance_url"] == base
    assert body["token_type"] == "Bearer"
    assert body["access_token"].startswith("00D5e000000Test!")
    assert body["issued_at"].isdigit()
    assert body["id"].startswith(f"{base}/id/00D5e000000TestOrg/005")


@pytest.mark.parametrize(
    "form, error",
    [
        ({"grant_type": "client_credentials", "client_id": "test-client-id", "client_secret": "wrong"}, "invalid_client"),
        ({"grant_type": "client_credentials", "client_id": "someone-else", "client_secret": "x"}, "invalid_client"),
        ({"grant_type": "client_credentials", "client_id": "test-client-id", "client_secret": "gehéim"}, "invalid_client"),
        ({"grant_type": "password", "client_id": "test-client-id", "client_secret": "x"}, "unsupported_grant_type"),
    ],
)
def test_the_token_endpoint_refuses_wrong_credentials_as_salesforce_does(base, form, error):
    answer = httpx.post(f"{base}/services/oauth2/token", data=form)
    assert answer.status_code == 400
    assert answer.json()["error"] == error
    assert "access_token" not in answer.json()


def test_rest_calls_without_a_valid_bearer_token_get_invalid_session_id(base):
    for headers in ({}, {"Authorization": "Bearer 00D5e000000Test!not-issued"}):
        answer = httpx.get(f"{base}/services/data/v61.0/query", params={"q": "SELECT Id FROM Account"}, headers=headers)
        assert answer.status_code == 401
        assert answer.json() == [{"message": "Session expired or invalid", "errorCode": "INVALID_SESSION_ID"}]


def test_create_answers_201_in_the_documented_shape_with_a_real_looking_id(rest):
    answer = rest.post("sobjects/Account/", json={"Name": "Express Logistics and Transport"})
    body = answer.json()

    assert answer.status_code == 201
    assert set(body) == set(json.loads((FIXTURES / "sobject_create_success.json").read_text()))
    assert body["success"] is True and body["errors"] == []
    assert len(body["id"]) == 18 and body["id"].startswith("001") and to_18(body["id"][:15]) == body["id"]


def test_key_prefixes_are_salesforces_own(rest):
    account = rest.post("sobjects/Account", json={"Name": "A"}).json()["id"]
    prefixes = {
        "Account": account,
        "Contact": rest.post("sobjects/Contact", json={"LastName": "L"}).json()["id"],
        "Product2": rest.post("sobjects/Product2", json={"Name": "P"}).json()["id"],
        "Opportunity": rest.post(
            "sobjects/Opportunity", json={"Name": "O", "StageName": "Prospecting", "CloseDate": "2025-01-01"}
        ).json()["id"],
    }
    prefixes["OpportunityLineItem"] = rest.post(
        "sobjects/OpportunityLineItem", json={"OpportunityId": prefixes["Opportunity"], "Quantity": 1, "UnitPrice": 1}
    ).json()["id"]
    prefixes["OpportunityContactRole"] = rest.post(
        "sobjects/OpportunityContactRole",
        json={"OpportunityId": prefixes["Opportunity"], "ContactId": prefixes["Contact"]},
    ).json()["id"]
    assert {name: value[:3] for name, value in prefixes.items()} == {
        "Account": "001", "Contact": "003", "Product2": "01t", "Opportunity": "006",
        "OpportunityLineItem": "00k", "OpportunityContactRole": "00K",
    }  # fmt: skip


def test_an_id_in_the_create_body_gets_exactly_the_documented_error(rest):
    answer = rest.post("sobjects/Account/", json={"id": "001D000000IqhSLIAZ", "Name": "Express Logistics"})
    assert answer.status_code == 400
    assert answer.json() == json.loads((FIXTURES / "rest_error_invalid_field.json").read_text())


@pytest.mark.parametrize(
    "sobject, body, code, fields",
    [
        ("Account", {"Name": "A", "Colour__c": "red"}, "INVALID_FIELD", None),
        ("Account", {"Website": "acme.com"}, "REQUIRED_FIELD_MISSING", ["Name"]),
        ("Opportunity", {"Name": "O", "StageName": "Prospecting", "CloseDate": "2025-01-01", "IsWon": True},
         "INVALID_FIELD_FOR_INSERT_UPDATE", ["IsWon"]),
        ("Opportunity", {"Name": "O", "StageName": "P", "CloseDate": "2025-13-45"}, "JSON_PARSER_ERROR", None),
        ("Opportunity", {"Name": "O", "StageName": "P", "CloseDate": "2025-01-01", "Amount": "lots"},
         "JSON_PARSER_ERROR", None),
        ("Opportunity", {"Name": "O", "StageName": "P", "CloseDate": "2025-01-01", "AccountId": "0035g000000Nope"},
         "MALFORMED_ID", ["AccountId"]),
        ("Opportunity", {"Name": "O", "StageName": "P", "CloseDate": "2025-01-01", "AccountId": "0015g000000Gone"},
         "INVALID_CROSS_REFERENCE_KEY", ["AccountId"]),
        ("Opportunity", {"Name": "O" * 121, "StageName": "P", "CloseDate": "2025-01-01"}, "STRING_TOO_LONG", ["Name"]),
    ],
)  # fmt: skip
def test_bad_writes_are_refused_with_salesforces_error_array(rest, sobject, body, code, fields):
    answer = rest.post(f"sobjects/{sobject}/", json=body)
    (error,) = answer.json()
    assert answer.status_code == 400
    assert error["errorCode"] == code
    assert error["message"]
    assert error.get("fields") == fields


def test_an_unknown_field_reaches_our_client_as_a_remote_validation_error_with_the_vendor_code(sf):
    account = sf.create("Account", {"Name": "Acme"})
    with pytest.raises(RemoteValidationError) as caught:
        sf.update("Account", account, {"Colour__c": "red"})
    assert caught.value.vendor_code == "INVALID_FIELD"
    assert "No such column 'Colour__c' on sobject of type Account" in caught.value.message


def test_get_patch_and_delete_a_record(rest, sf):
    account = sf.create("Account", {"Name": "Acme", "Website": "acme.com"})
    full = rest.get(f"sobjects/Account/{account}").json()
    some = rest.get(f"sobjects/Account/{account[:15]}", params={"fields": "name,Website"}).json()

    assert full["attributes"] == {"type": "Account", "url": f"/services/data/v61.0/sobjects/Account/{account}"}
    assert full["Name"] == "Acme" and full["ShippingCity"] is None and full["CreatedDate"].endswith("+0000")
    assert some == {"attributes": full["attributes"], "Name": "Acme", "Website": "acme.com"}

    patched = rest.patch(f"sobjects/Account/{account}", json={"Website": "acme.example"})
    assert (patched.status_code, patched.content) == (204, b"")
    assert sf.get("Account", account)["Website"] == "acme.example"

    assert rest.delete(f"sobjects/Account/{account}").status_code == 204
    missing = rest.get(f"sobjects/Account/{account}")
    assert missing.status_code == 404
    assert missing.json() == [{"message": "The requested resource does not exist", "errorCode": "NOT_FOUND"}]
    assert rest.get("sobjects/Invoice__c/a005g000000AbCd").status_code == 404


def test_line_items_derive_name_code_and_total_and_roll_up_the_opportunity_amount(sf):
    account = sf.create("Account", {"Name": "Acme"})
    product = sf.create("Product2", {"Name": "Widget XL", "ProductCode": "W-XL"})
    opportunity = sf.create("Opportunity", {"Name": "Widgets", "AccountId": account, "StageName": "Prospecting",
                                            "CloseDate": "2025-02-01", "Amount": 1})  # fmt: skip
    line = sf.create("OpportunityLineItem", {"OpportunityId": opportunity, "Product2Id": product, "Quantity": 3,
                                             "UnitPrice": 19.99, "Discount": 10})  # fmt: skip
    sf.create("OpportunityLineItem", {"OpportunityId": opportunity, "Quantity": 2, "UnitPrice": 5})

    stored = sf.get("OpportunityLineItem", line)
    assert (stored["Name"], stored["ProductCode"], str(stored["TotalPrice"])) == ("Widget XL", "W-XL", "53.97")
    assert str(sf.get("Opportunity", opportunity)["Amount"]) == "63.97"

    sf.update("OpportunityLineItem", line, {"Quantity": 1})
    assert str(sf.get("Opportunity", opportunity)["Amount"]) == "27.99"


def test_stage_drives_is_won_and_is_closed(sf):
    opportunity = sf.create("Opportunity", {"Name": "O", "StageName": "Prospecting", "CloseDate": "2025-01-01"})
    stages = {}
    for stage in ("Closed Lost", "Prospecting", "Closed Won"):
        sf.update("Opportunity", opportunity, {"StageName": stage})
        record = sf.get("Opportunity", opportunity, fields=["IsWon", "IsClosed", "LastModifiedDate"])
        stages[stage] = (record["IsWon"], record["IsClosed"])
    assert stages == {"Closed Lost": (False, True), "Prospecting": (False, False), "Closed Won": (True, True)}


def test_only_one_contact_role_stays_primary(sf):
    opportunity = sf.create("Opportunity", {"Name": "O", "StageName": "Prospecting", "CloseDate": "2025-01-01"})
    contacts = [sf.create("Contact", {"LastName": name}) for name in ("First", "Second")]
    for contact in contacts:
        sf.create("OpportunityContactRole", {"OpportunityId": opportunity, "ContactId": contact, "IsPrimary": True})

    primary = sf.query(f"SELECT ContactId FROM OpportunityContactRole WHERE OpportunityId = '{opportunity}' "
                       "AND IsPrimary = true")  # fmt: skip
    assert [r["ContactId"] for r in primary] == [contacts[1]]


def test_deleting_an_opportunity_takes_its_lines_and_roles_along(sf, base):
    opportunity = sf.create("Opportunity", {"Name": "O", "StageName": "Prospecting", "CloseDate": "2025-01-01"})
    sf.create("OpportunityLineItem", {"OpportunityId": opportunity, "Quantity": 1, "UnitPrice": 1})
    sf.create("OpportunityContactRole", {"OpportunityId": opportunity, "ContactId": sf.create("Contact", {"LastName": "X"})})
    sf.delete("Opportunity", opportunity)

    state = httpx.get(f"{base}/_state").json()
    assert (state["opportunities"], state["line_items"], state["contact_roles"]) == ([], [], [])
    assert len(state["contacts"]) == 1


def test_query_answers_in_the_rest_shape_with_nested_parents(rest, sf):
    product = sf.create("Product2", {"Name": "Widget", "QuantityUnitOfMeasure": "Each"})
    opportunity = sf.create("Opportunity", {"Name": "O", "StageName": "Prospecting", "CloseDate": "2025-01-01"})
    line = sf.create("OpportunityLineItem", {"OpportunityId": opportunity, "Product2Id": product, "Quantity": 2,
                                             "UnitPrice": 7.5})  # fmt: skip
    answer = rest.get("query", params={"q": "SELECT Id, TotalPrice, Product2.QuantityUnitOfMeasure FROM "
                                             f"OpportunityLineItem WHERE OpportunityId = '{opportunity[:15]}'"})  # fmt: skip

    assert answer.json() == {
        "totalSize": 1,
        "done": True,
        "records": [{
            "attributes": {"type": "OpportunityLineItem", "url": f"/services/data/v61.0/sobjects/OpportunityLineItem/{line}"},
            "Id": line,
            "TotalPrice": 15.0,
            "Product2": {"attributes": {"type": "Product2", "url": f"/services/data/v61.0/sobjects/Product2/{product}"},
                         "QuantityUnitOfMeasure": "Each"},
        }],
    }  # fmt: skip


def test_a_query_the_sandbox_cannot_parse_is_a_400_malformed_query(rest):
    answer = rest.get("query", params={"q": "SELECT Id FROM Account WHERE Name = 'a' OR Name = 'b'"})
    assert answer.status_code == 400
    assert answer.json()[0]["errorCode"] == "MALFORMED_QUERY"


def test_large_query_results_come_in_pages_that_the_client_follows(sf):
    for n in range(205):
        create_record("Product2", {"Name": f"Part {n:03d}", "ProductCode": f"P-{n:03d}"})
    records = sf.query("SELECT Id, ProductCode FROM Product2 ORDER BY ProductCode", batch_size=200)

    assert [r["ProductCode"] for r in records] == [f"P-{n:03d}" for n in range(205)]
    assert Event.objects.filter(event_type="salesforce.query").count() == 2


def test_an_expired_session_is_refreshed_by_our_client_transparently(sf):
    first = sf.create("Account", {"Name": "Before expiry"})
    expire_sessions()
    second = sf.create("Account", {"Name": "After expiry"})

    assert first != second
    statuses = list(Event.objects.filter(event_type__startswith="salesforce.").values_list("event_type", "http_status"))
    assert statuses == [("salesforce.oauth", 200), ("salesforce.create", 201), ("salesforce.create", 401),
                        ("salesforce.oauth", 200), ("salesforce.create", 201)]  # fmt: skip


def test_fault_control_takes_the_sandbox_down_and_up(rest, base):
    assert httpx.post(f"{base}/_control", json={"mode": "down", "status": 503, "count": 1}).json()["mode"] == "down"
    assert rest.get("query", params={"q": "SELECT Id FROM Account"}).status_code == 503
    assert rest.get("query", params={"q": "SELECT Id FROM Account"}).status_code == 200


def test_a_lost_response_still_commits_the_write(rest, base):
    httpx.post(f"{base}/_control", json={"mode": "lose_response", "how": "gateway", "count": 1})
    answer = rest.post("sobjects/Account/", json={"Name": "Committed anyway"})

    assert answer.status_code == 504
    assert [a["Name"] for a in httpx.get(f"{base}/_state").json()["accounts"]] == ["Committed anyway"]


def test_state_lists_every_collection(base, sf):
    sf.create("Account", {"Name": "Acme"})
    state = httpx.get(f"{base}/_state").json()
    assert set(state) == {"opportunities", "accounts", "line_items", "products", "contacts", "contact_roles",
                          "outbound_messages"}  # fmt: skip
    assert state["accounts"][0]["Name"] == "Acme"
