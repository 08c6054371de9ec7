"""HubSpot sandbox driver: records created over the CRM v3 API, "won" by a PATCH of dealstage (signed webhook)."""

from __future__ import annotations

from django.conf import settings
from django.utils import timezone

from crm_sync.connectors.hubspot.client import HubSpotClient
from crm_sync.connectors.hubspot.sandbox_seed import company_properties, line_item_properties
from erp_orders.resolution import erp_reference
from handoff_project.demo import catalogue
from handoff_project.sandbox import store

# HubSpot-defined association types: deal → primary company, deal → contact, line item → deal
DEAL_TO_PRIMARY_COMPANY, DEAL_TO_CONTACT, LINE_ITEM_TO_DEAL = 5, 3, 20


def _to(record_id: str, type_id: int) -> dict:
    return {"to": {"id": record_id}, "types": [{"associationCategory": "HUBSPOT_DEFINED", "associationTypeId": type_id}]}


class HubSpotDriver:
    system = "hubspot"

    def __init__(self):
        self.companies: dict[str, str] = {}
        self.products: dict[str, str] = {}
        self.contacts: dict[str, str] = {}

    def seed(self) -> None:
        with HubSpotClient() as client:
            self.companies = {a["Name"]: client.create("companies", company_properties(a))["id"]
                              for a in catalogue.SALESFORCE_ACCOUNTS}  # fmt: skip
            self.products = {name: client.create("products", {"name": name, "hs_sku": code})["id"]
                             for name, code in catalogue.SALESFORCE_PRODUCTS}  # fmt: skip
            self.contacts = {}
            for account, first, last, email in catalogue.SALESFORCE_CONTACTS:
                self.contacts[account] = client.create("contacts", {"email": email, "firstname": first,
                                                                    "lastname": last})["id"]  # fmt: skip
                client.associate("contacts", self.contacts[account], "companies", self.companies[account])

    def create_deal(self, account, lines, *, terms="Net 30", name="", business_unit=""):
        # today: the SAP sandbox refuses requested delivery dates in the past
        properties = {"dealname": name or f"{account} — test deal", "dealstage": "contractsent", "pipeline": "default",
                      "closedate": timezone.localdate().isoformat(), "payment_terms": terms,
                      "deal_currency_code": "USD"}  # fmt: skip
        if business_unit:
            properties["business_unit"] = business_unit
        with HubSpotClient() as client:
            deal = client.create("deals", properties, associations=[
                _to(self.companies[account], DEAL_TO_PRIMARY_COMPANY), _to(self.contacts[account], DEAL_TO_CONTACT)])
            for position, (product, quantity, price, discount) in enumerate(lines):
                line = line_item_properties(self.products[product], quantity, price, discount, position)
                client.create("line_items", line, associations=[_to(deal["id"], LINE_ITEM_TO_DEAL)])
        return deal["id"]

    def mark_won(self, crm_id):
        with HubSpotClient() as client:
            client.update("deals", crm_id, {"dealstage": settings.HUBSPOT_WON_STAGES[0]})

    def written_order_number(self, crm_id):
        deal = store.get("hubspot", "deals", crm_id) or {"properties": {}}
        return deal["properties"].get(settings.HUBSPOT_ORDER_NUMBER_PROPERTY) or ""

    def reference(self, crm_id):
        return erp_reference("hubspot", crm_id)


driver = HubSpotDriver()
