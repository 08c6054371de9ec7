"""Business Central sandbox driver: master data through the emulator's seed, orders read from what it holds."""

from __future__ import annotations

from erp_orders.connectors.business_central.mappers import number_sort_key
from erp_orders.connectors.business_central.sandbox_data import ORDERS, SYSTEM
from handoff_project.demo import erp_world
from handoff_project.sandbox import store


class BusinessCentralDriver:
    system = SYSTEM

    def seed(self) -> None:
        erp_world.seed_crosswalks(self.system)
        erp_world.seed_erp(self.system)

    def orders_with_reference(self, reference):
        held = [o for o in store.all_of(SYSTEM, ORDERS) if o.get("externalDocumentNumber") == reference]
        return sorted(held, key=lambda o: number_sort_key(o["number"]))

    def order_number(self, order):
        return order["number"]


driver = BusinessCentralDriver()
