"""The demo world as a test sets it up: crosswalks and SAP master data loaded, Salesforce records created via REST."""

from __future__ import annotations

import pytest
from django.utils import timezone

from crm_sync.connectors.salesforce.client import SalesforceClient
from erp_orders.models import Handoff
from handoff_project.demo import catalogue, seed
from handoff_project.sandbox import store


def sf_client() -> SalesforceClient:
    return SalesforceClient()


@pytest.fixture
def world(sandbox_urls):
    """A Salesforce client on the sandbox, with accounts, products and contacts of the demo catalogue."""
    seed.seed_crosswalks(("sap",))  # the other ERPs seed their own (tests/flows/drivers)
    seed.seed_sap()
    client = sf_client()
    client.accounts = {a["Name"]: client.create("Account", a) for a in catalogue.SALESFORCE_ACCOUNTS}
    client.products = {
        name: client.create("Product2", {"Name": name, "ProductCode": code, "IsActive": True})
        for name, code in catalogue.SALESFORCE_PRODUCTS
    }
    client.contacts = {
        account: client.create("Contact", {"AccountId": client.accounts[account], "FirstName": first, "LastName": last, "Email": email})
        for account, first, last, email in catalogue.SALESFORCE_CONTACTS
    }
    yield client
    client.close()
    # no Outbound Message thread may write after the test database is flushed
    from crm_sync.connectors.salesforce.sandbox_outbound import wait_for_deliveries

    wait_for_deliveries(timeout=30)


def create_opportunity(client, account: str, lines, *, terms: str = "Net 30", name: str = "", close_date=None,
                       business_unit: str = "") -> str:
    opp = client.create("Opportunity", {
        "Name": name or f"{account} — test deal", "AccountId": client.accounts[account], "StageName": "Negotiation/Review",
        "CloseDate": (close_date or timezone.localdate()).isoformat(), "Payment_Terms__c": terms, "CurrencyIsoCode": "USD",
        **({"Business_Unit__c": business_unit} if business_unit else {}),
    })
    for product, quantity, price, discount in lines:
        client.create("OpportunityLineItem", {
            "OpportunityId": opp, "Product2Id": client.products[product], "Quantity": float(quantity),
            "UnitPrice": float(price), "Discount": float(discount),
        })
    client.create("OpportunityContactRole", {"OpportunityId": opp, "ContactId": client.contacts[account], "IsPrimary": True})
    return opp


def mark_won(client, opportunity_id: str) -> None:
    client.update("Opportunity", opportunity_id, {"StageName": "Closed Won"})


def handoff_for(crm_id: str) -> Handoff | None:
    return Handoff.objects.filter(crm_system="salesforce", crm_record_id=crm_id).first()


def sap_orders(*, reference: str) -> list[dict]:
    return [o for o in store.all_of("sap", "sales_orders") if o.get("PurchaseOrderByCustomer") == reference]


def sf_opportunity(opportunity_id: str) -> dict:
    return store.get("salesforce", "opportunities", opportunity_id) or {}
