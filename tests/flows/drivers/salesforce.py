"""Salesforce sandbox driver: records created over the REST API, "won" by a PATCH of StageName (Outbound Message)."""

from __future__ import annotations

from django.utils import timezone

from crm_sync.connectors.salesforce.client import SalesforceClient
from erp_orders.resolution import erp_reference
from handoff_project.demo import catalogue
from handoff_project.sandbox import store


class SalesforceDriver:
    system = "salesforce"

    def __init__(self):
        self.accounts: dict[str, str] = {}
        self.products: dict[str, str] = {}
        self.contacts: dict[str, str] = {}

    def _client(self) -> SalesforceClient:
        return SalesforceClient()

    def seed(self) -> None:
        with self._client() as client:
            self.accounts = {a["Name"]: client.create("Account", a) for a in catalogue.SALESFORCE_ACCOUNTS}
            self.products = {name: client.create("Product2", {"Name": name, "ProductCode": code, "IsActive": True})
                             for name, code in catalogue.SALESFORCE_PRODUCTS}
            self.contacts = {account: client.create("Contact", {"AccountId": self.accounts[account], "FirstName": first,
                                                                "LastName": last, "Email": email})
                             for account, first, last, email in catalogue.SALESFORCE_CONTACTS}

    def create_deal(self, account, lines, *, terms="Net 30", name="", business_unit="", close_date=None):
        with self._client() as client:
            fields = {"Name": name or f"{account} — test deal", "AccountId": self.accounts[account],
                      "StageName": "Negotiation/Review", "CloseDate": (close_date or timezone.localdate()).isoformat(),
                      "Payment_Terms__c": terms,
                      "CurrencyIsoCode": "USD"}
            if business_unit:
                fields["Business_Unit__c"] = business_unit
            opp = client.create("Opportunity", fields)
            for product, quantity, price, discount in lines:
                client.create("OpportunityLineItem", {
                    "OpportunityId": opp, "Product2Id": self.products[product], "Quantity": float(quantity),
                    "UnitPrice": float(price), "Discount": float(discount)})
            client.create("OpportunityContactRole", {"OpportunityId": opp, "ContactId": self.contacts[account], "IsPrimary": True})
        return opp

    def mark_won(self, crm_id):
        with self._client() as client:
            client.update("Opportunity", crm_id, {"StageName": "Closed Won"})

    def written_order_number(self, crm_id):
        return (store.get("salesforce", "opportunities", crm_id) or {}).get("ERP_Order_Number__c") or ""

    def reference(self, crm_id):
        return erp_reference("salesforce", crm_id)


driver = SalesforceDriver()
