"""Odoo sandbox driver: master data through the emulator's seed, orders read from what it holds (sale.order)."""

from __future__ import annotations

from handoff_project.demo import erp_world
from handoff_project.sandbox import store


class OdooDriver:
    system = "odoo"

    def seed(self) -> None:
        erp_world.seed_crosswalks(self.system)
        erp_world.seed_erp(self.system)

    def orders_with_reference(self, reference):
        orders = [o for o in store.all_of("odoo", "sale.order") if o.get("client_order_ref") == reference]
        return sorted(orders, key=lambda o: o["id"])

    def order_number(self, order):
        return order["name"]


driver = OdooDriver()
