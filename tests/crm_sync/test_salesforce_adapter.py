"""SalesforceAdapter end to end: records created through the sandbox's REST API, read back as a canonical Deal."""

from __future__ import annotations

import datetime as dt
import json
from decimal import Decimal

import httpx
import pytest

from crm_sync.connectors.base import get_crm_adapter
from crm_sync.connectors.salesforce import client as client_module
from crm_sync.connectors.salesforce.adapter import SalesforceAdapter
from crm_sync.connectors.salesforce.client import SalesforceClient, clear_token_cache
from crm_sync.connectors.salesforce.sandbox_outbound import wait_for_deliveries
from handoff_project.integration.canonical import Address, Money, Terms
from handoff_project.integration.errors import NotFoundError, PermanentError, RemoteValidationError, TransientError
from handoff_project.integration.models import Event


@pytest.fixture(autouse=True)
def salesforce_sandbox(sandbox_urls, settings):
    settings.SALESFORCE_SANDBOX_OUTBOUND_RETRY_DELAYS = [0.1, 0.1]
    clear_token_cache()
    yield sandbox_urls
    assert wait_for_deliveries(timeout=30)
    clear_token_cache()


@pytest.fixture
def sf():
    with SalesforceClient() as client:
        yield client


def create_won_deal(sf: SalesforceClient, *, stage: str = "Negotiation/Review", shipping: bool = True) -> dict:
    """An opportunity as a sales rep builds it: account, products, lines, a contact as primary role."""
    address = {"ShippingStreet": "500 Industrial Pkwy", "ShippingCity": "Austin", "ShippingState": "Texas",
               "ShippingPostalCode": "78701", "ShippingCountry": "United States"} if shipping else {}  # fmt: skip
    account = sf.create("Account", {
        "Name": "Initech LLC", "VAT_Number__c": "US-47-1234567", "DunsNumber": "081466849",
        "Website": "https://www.initech.com", "BillingStreet": "4120 Freidrich Lane", "BillingCity": "Austin",
        "BillingState": "TX", "BillingPostalCode": "78744", "BillingCountry": "USA", **address,
    })  # fmt: skip
    license_product = sf.create("Product2", {"Name": "Enterprise License, annual", "ProductCode": "ENT-LIC-Y",
                                             "QuantityUnitOfMeasure": "Seat"})  # fmt: skip
    support = sf.create("Product2", {"Name": "Premium Support", "ProductCode": "SUP-PREM"})
    opportunity = sf.create("Opportunity", {
        "Name": "Initech — platform rollout", "AccountId": account, "StageName": stage, "CloseDate": "2025-04-30",
        "CurrencyIsoCode": "USD", "Payment_Terms__c": "Net 45", "Contract_Reference__c": "MSA-2024-009",
    })  # fmt: skip
    support_line = sf.create("OpportunityLineItem", {"OpportunityId": opportunity, "Product2Id": support,
                                                     "Quantity": 1, "UnitPrice": 12000, "SortOrder": 2})  # fmt: skip
    license_line = sf.create("OpportunityLineItem", {
        "OpportunityId": opportunity, "Product2Id": license_product, "Quantity": 150, "UnitPrice": 399.9,
        "ListPrice": 420, "Discount": 10, "Description": "Seats for all sites", "SortOrder": 1,
    })  # fmt: skip
    other = sf.create("Contact", {"AccountId": account, "FirstName": "Bill", "LastName": "Lumbergh",
                                  "Email": "bill@initech.com"})  # fmt: skip
    primary = sf.create("Contact", {"AccountId": account, "FirstName": "Peter", "LastName": "Gibbons",
                                    "Email": "peter.gibbons@initech.com", "Phone": "+1 512 555 0199"})  # fmt: skip
    sf.create("OpportunityContactRole", {"OpportunityId": opportunity, "ContactId": other, "Role": "Decision Maker"})
    sf.create("OpportunityContactRole", {"OpportunityId": opportunity, "ContactId": primary, "Role": "Buyer",
                                         "IsPrimary": True})  # fmt: skip
    return {"account": account, "opportunity": opportunity, "license_line": license_line,
            "support_line": support_line, "primary": primary, "license_product": license_product}  # fmt: skip


def sandbox_state(live_server) -> dict:
    return httpx.get(f"{live_server.url}/sandbox/salesforce/_state").json()


def test_fetch_deal_maps_what_was_created_through_the_rest_api(sf):
    ids = create_won_deal(sf)
    deal = SalesforceAdapter().fetch_deal(ids["opportunity"])

    assert (deal.crm_system, deal.crm_id, deal.name) == ("salesforce", ids["opportunity"], "Initech — platform rollout")
    assert deal.stage == "Negotiation/Review"
    assert deal.currency == "USD"
    assert deal.closed_on == dt.date(2025, 4, 30)
    assert deal.payment_terms == Terms("Net 45")
    assert deal.contract_reference == "MSA-2024-009"
    assert deal.last_modified.tzinfo is not None
    # Amount is rolled up from the lines by the sandbox, as Salesforce does: 150 × 399.90 × 0.9 + 12 000
    assert deal.amount == Money(Decimal("65986.5"), "USD")
    assert deal.total == Money(Decimal("65986.50"), "USD")

    assert deal.account.crm_id == ids["account"]
    assert (deal.account.name, deal.account.vat_id, deal.account.duns) == ("Initech LLC", "US-47-1234567", "081466849")
    assert deal.account.email_domain == "initech.com"
    assert deal.account.billing_address == Address(
        street="4120 Freidrich Lane", city="Austin", postal_code="78744", region="TX", country="US", name="Initech LLC"
    )
    assert deal.ship_to == Address(
        street="500 Industrial Pkwy", city="Austin", postal_code="78701", region="TX", country="US", name="Initech LLC"
    )

    first, second = deal.lines
    assert (first.line_number, first.crm_line_id, first.crm_product_id) == (1, ids["license_line"], ids["license_product"])
    assert (first.description, first.product_code, first.unit) == ("Enterprise License, annual", "ENT-LIC-Y", "Seat")
    assert (first.quantity, first.unit_price, first.discount_percent) == (
        Decimal("150"), Money(Decimal("399.9"), "USD"), Decimal("10")
    )  # fmt: skip
    assert first.list_price == Money(Decimal("420"), "USD")
    assert (second.line_number, second.description, second.product_code) == (2, "Premium Support", "SUP-PREM")

    assert deal.primary_contact.crm_id == ids["primary"]
    assert (deal.primary_contact.full_name, deal.primary_contact.email) == ("Peter Gibbons", "peter.gibbons@initech.com")


def test_the_registry_gives_the_salesforce_adapter_and_a_fifteen_character_id_works_too(sf):
    ids = create_won_deal(sf, shipping=False)
    adapter = get_crm_adapter("salesforce")
    deal = adapter.fetch_deal(ids["opportunity"][:15])

    assert isinstance(adapter, SalesforceAdapter) and adapter.system == "salesforce"
    assert deal.crm_id == ids["opportunity"]
    assert deal.ship_to.street == "4120 Freidrich Lane"  # no shipping address: billing used


def test_fetching_a_deal_that_does_not_exist_is_not_found(sf):
    with pytest.raises(NotFoundError, match="no Opportunity 0065g000000Gone"):
        SalesforceAdapter().fetch_deal("0065g000000Gone")
    with pytest.raises(NotFoundError, match="not a Salesforce record id"):
        SalesforceAdapter().fetch_deal("006' OR Name != '")


def test_a_deal_without_account_is_a_permanent_error_telling_what_to_fix(sf, settings):
    opportunity = sf.create("Opportunity", {"Name": "No account", "StageName": "Prospecting", "CloseDate": "2025-05-01"})
    with pytest.raises(PermanentError, match="has no Account"):
        SalesforceAdapter().fetch_deal(opportunity)


def test_write_order_number_shows_in_the_sandbox_state(sf, live_server):
    ids = create_won_deal(sf)
    adapter = SalesforceAdapter()
    adapter.flag_deal(ids["opportunity"], "earlier failure")
    adapter.write_order_number(ids["opportunity"], "0000004711")

    (opportunity,) = sandbox_state(live_server)["opportunities"]
    assert opportunity["Id"] == ids["opportunity"]
    assert opportunity["ERP_Order_Number__c"] == "0000004711"
    assert opportunity["ERP_Sync_Status__c"] == "Created"
    assert opportunity["ERP_Sync_Error__c"] is None
    events = Event.objects.filter(system="salesforce", event_type="salesforce.update", erp_order_number="0000004711")
    assert events.get().crm_record_id == ids["opportunity"]


def test_flag_deal_marks_the_opportunity_failed_with_the_message_cut_to_255_characters(sf):
    ids = create_won_deal(sf)
    message = "SAP rejected the order: payment terms ZB99 do not exist (SAP V1/123). " * 6
    SalesforceAdapter().flag_deal(ids["opportunity"], message)

    opportunity = sf.get("Opportunity", ids["opportunity"], fields=["ERP_Sync_Status__c", "ERP_Sync_Error__c"])
    assert opportunity["ERP_Sync_Status__c"] == "Failed"
    assert opportunity["ERP_Sync_Error__c"] == message[:255]


def test_the_adapters_http_calls_are_logged_under_the_deal_without_the_token(sf):
    ids = create_won_deal(sf)
    SalesforceAdapter().fetch_deal(ids["opportunity"])

    events = Event.objects.filter(system="salesforce", crm_record_id=ids["opportunity"])
    assert [e.event_type for e in events] == ["salesforce.query", "salesforce.query", "salesforce.get",
                                              "salesforce.query", "salesforce.get"]  # fmt: skip
    assert all(e.http_status == 200 for e in events)
    tokens = [s.access_token for s in client_module._sessions.values()]
    logged = json.dumps([[e.endpoint, e.request_body, e.body] for e in Event.objects.all()])
    assert tokens and not any(token in logged for token in tokens)


def test_the_sandbox_being_down_makes_the_adapter_raise_a_transient_error(sf, live_server):
    ids = create_won_deal(sf)
    httpx.post(f"{live_server.url}/sandbox/salesforce/_control", json={"mode": "down", "status": 503})
    with pytest.raises(TransientError) as caught:
        SalesforceAdapter().write_order_number(ids["opportunity"], "0000004711")
    assert caught.value.http_status == 503

    httpx.post(f"{live_server.url}/sandbox/salesforce/_control", json={"mode": "up"})
    SalesforceAdapter().write_order_number(ids["opportunity"], "0000004711")
    assert sandbox_state(live_server)["opportunities"][0]["ERP_Order_Number__c"] == "0000004711"


def test_an_order_number_longer_than_the_field_is_a_remote_validation_error(sf):
    ids = create_won_deal(sf)
    with pytest.raises(RemoteValidationError) as caught:
        SalesforceAdapter().write_order_number(ids["opportunity"], "X" * 41)
    assert caught.value.vendor_code == "STRING_TOO_LONG"
