"""Oracle Fusion sandbox driver: master data through the emulator's seed, orders read from what it holds."""

from __future__ import annotations

from handoff_project.demo import erp_world
from handoff_project.sandbox import store


class OracleDriver:
    system = "oracle"

    def seed(self) -> None:
        erp_world.seed_crosswalks(self.system)
        erp_world.seed_erp(self.system)

    def orders_with_reference(self, reference):
        orders = [o for o in store.all_of("oracle", "sales_orders") if o.get("SourceTransactionNumber") == reference]
        return sorted(orders, key=lambda o: int(o["HeaderId"]))

    def order_number(self, order):
        return order["OrderNumber"]


driver = OracleDriver()
