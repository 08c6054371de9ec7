"""Pipedrive sandbox driver: deals created over API v2, "won" by a PATCH of status (the webhooks v2 delivery)."""

from __future__ import annotations

import datetime as dt

from django.conf import settings

from crm_sync.connectors.pipedrive.client import PipedriveClient
from crm_sync.connectors.pipedrive.sandbox_seed import deal_body, deal_product_body, seed_catalogue
from erp_orders.resolution import erp_reference
from handoff_project.sandbox import store


class PipedriveDriver:
    system = "pipedrive"

    def __init__(self):
        self.catalogue = None

    def seed(self) -> None:
        self.catalogue = seed_catalogue()

    def create_deal(self, account, lines, *, terms="Net 30", name="", business_unit=""):
        ids = self.catalogue
        # Expected close date (the requested delivery date's base) today: the ERP emulators refuse past dates.
        body = deal_body(name or f"{account} — test deal", ids.organizations[account], ids.persons.get(account), terms,
                         dt.date.today(), business_unit)  # fmt: skip
        with PipedriveClient() as pipedrive:
            deal = pipedrive.post("/api/v2/deals", body)
            for product, quantity, price, discount in lines:
                pipedrive.post(f"/api/v2/deals/{deal['id']}/products",
                               deal_product_body(ids.products[product], quantity, price, discount))  # fmt: skip
        return str(deal["id"])

    def mark_won(self, crm_id):
        with PipedriveClient() as pipedrive:
            pipedrive.patch(f"/api/v2/deals/{crm_id}", {"status": "won"})

    def written_order_number(self, crm_id):
        deal = store.get("pipedrive", "deals", str(crm_id)) or {}
        return (deal.get("custom_fields") or {}).get(settings.PIPEDRIVE_ORDER_NUMBER_FIELD) or ""

    def reference(self, crm_id):
        return erp_reference("pipedrive", crm_id)


driver = PipedriveDriver()
