"""NetSuite sandbox driver: master data through the emulator's seed, orders read from what it holds."""

from __future__ import annotations

from erp_orders.connectors.netsuite import sandbox_records
from handoff_project.demo import erp_world
from handoff_project.sandbox import store


class NetSuiteDriver:
    system = "netsuite"

    def seed(self) -> None:
        erp_world.seed_crosswalks(self.system)
        erp_world.seed_erp(self.system)

    def orders_with_reference(self, reference):
        # NetSuite keeps the reference in externalId; internal ids grow with creation, so this is oldest first
        orders = [o for o in store.all_of(self.system, sandbox_records.ORDERS) if o.get("externalId") == reference]
        return sorted(orders, key=lambda o: int(o["id"]))

    def order_number(self, order):
        return order["tranId"]


driver = NetSuiteDriver()
