"""The contract every ERP connector implements, and the registry that maps a system name to its adapter.

Adding an ERP = one folder under erp_orders/connectors/ and one line in ADAPTERS.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Protocol

from handoff_project.integration.canonical import CreatedOrder, Money, OrderRequest
from handoff_project.integration.registry import load_adapter


class ERPAdapter(Protocol):
    system: str

    def find_order_by_reference(self, reference: str) -> CreatedOrder | None:
        """The order carrying this idempotency reference, if the ERP has one (asked before every create)."""

    def create_order(self, order: OrderRequest) -> CreatedOrder:
        """Create the whole order atomically (header, lines, partners, pricing) or nothing."""

    def get_price(self, *, customer: str, material: str, quantity: Decimal, currency: str) -> Money | None:
        """The ERP's net unit price for this customer and material, or None when the ERP has no price."""


ADAPTERS = {
    "sap": "erp_orders.connectors.sap.adapter.SapAdapter",
}


def get_erp_adapter(system: str) -> ERPAdapter:
    return load_adapter(ADAPTERS, system, "ERP")
