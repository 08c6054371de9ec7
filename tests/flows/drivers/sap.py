"""SAP sandbox driver: master data through the emulator's seed, orders read from what it holds."""

from __future__ import annotations

from handoff_project.demo import erp_world
from handoff_project.sandbox import store


class SapDriver:
    system = "sap"

    def seed(self) -> None:
        erp_world.seed_crosswalks(self.system)
        erp_world.seed_erp(self.system)

    def orders_with_reference(self, reference):
        return [o for o in store.all_of("sap", "sales_orders") if o.get("PurchaseOrderByCustomer") == reference]

    def order_number(self, order):
        return order["SalesOrder"]


driver = SapDriver()
