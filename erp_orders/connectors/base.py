"""The contract every ERP connector implements, and the registry that maps a system name to its adapter.

Adding an ERP = one folder under erp_orders/connectors/ and one line in ADAPTERS. docs/connectors.md walks through it.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Protocol

from handoff_project.integration.canonical import CreatedOrder, Money, OrderRequest
from handoff_project.integration.registry import load_adapter
from handoff_project.integration.systems import ERP_LABELS


class ERPAdapter(Protocol):
    system: str
    # Longest idempotency reference the ERP keeps (SAP PurchaseOrderByCustomer: 35 characters).
    reference_max_length: int

    def find_order_by_reference(self, reference: str) -> CreatedOrder | None:
        """The order carrying this idempotency reference, if the ERP has one (asked before every create)."""

    def create_order(self, order: OrderRequest) -> CreatedOrder:
        """Create the whole order atomically (header, lines, partners, pricing) or nothing.

        An ERP that creates header and lines in separate calls must remove what it created when a later call fails
        (and log the compensation), so the caller never sees a partial order."""

    def get_price(self, *, customer: str, material: str, quantity: Decimal, currency: str) -> Money | None:
        """The ERP's net unit price for this customer and material, or None when the ERP has no price."""

    def get_unit_cost(self, *, material: str, currency: str) -> Money | None:
        """What one unit of the material costs the seller (standard cost), for the margin an approver sees; None when
        the ERP keeps no cost for it."""

    def ping(self) -> None:
        """One cheap read that proves the ERP answers (the outage probe); raises the kernel's errors when it does not."""


ADAPTERS = {
    "sap": "erp_orders.connectors.sap.adapter.SapAdapter",
    "netsuite": "erp_orders.connectors.netsuite.adapter.NetSuiteAdapter",
    "business_central": "erp_orders.connectors.business_central.adapter.BusinessCentralAdapter",
    "oracle": "erp_orders.connectors.oracle.adapter.OracleAdapter",
    "odoo": "erp_orders.connectors.odoo.adapter.OdooAdapter",
}
LABELS = ERP_LABELS  # how people read the names (UI, messages)


def get_erp_adapter(system: str) -> ERPAdapter:
    return load_adapter(ADAPTERS, system, "ERP")


def erp_label(system: str) -> str:
    return LABELS.get(system, system.upper() if len(system) <= 4 else system.replace("_", " ").title())
