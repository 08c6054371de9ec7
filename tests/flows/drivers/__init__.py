"""Drivers that let one end-to-end test speak to every CRM and ERP sandbox the same way.

A CRM driver (`CrmDriver`) seeds the demo accounts, products and contacts into its sandbox, creates an open deal
from catalogue names, marks it won the way a rep would (so the sandbox sends its real webhook), and reads what the
CRM holds in its writeback field. An ERP driver (`ErpDriver`) seeds the demo master data and lists the orders the
ERP holds for an idempotency reference. Each system's driver is `tests/flows/drivers/<system>.py` with a module
attribute `driver` (an instance); `crm_driver(name)` / `erp_driver(name)` load them.
"""

from __future__ import annotations

from importlib import import_module
from typing import Protocol

CRMS = ("salesforce", "hubspot", "pipedrive")
ERPS = ("sap", "netsuite", "business_central", "oracle", "odoo")
# (product name, quantity, unit price, discount %) — names from handoff_project.demo.catalogue
Line = tuple[str, str, str, str]


class CrmDriver(Protocol):
    system: str

    def seed(self) -> None:
        """Load the catalogue's accounts, products and contacts into the CRM sandbox (idempotent)."""

    def create_deal(self, account: str, lines: list[Line], *, terms: str = "Net 30", name: str = "",
                    business_unit: str = "", close_date=None) -> str:
        """An open deal for `account` (a catalogue account name) with `lines`, closing on `close_date` (default
        today); returns the CRM's deal id."""

    def mark_won(self, crm_id: str) -> None:
        """Move the deal to won through the sandbox's API, so the sandbox sends its webhook."""

    def written_order_number(self, crm_id: str) -> str:
        """The ERP order number the CRM holds on the deal ("" when none)."""

    def reference(self, crm_id: str) -> str:
        """The idempotency reference the ERP gets for this deal (erp_orders.resolution.erp_reference)."""


class ErpDriver(Protocol):
    system: str

    def seed(self) -> None:
        """Load the demo master data (handoff_project.demo.erp_world) into the ERP sandbox and its crosswalks."""

    def orders_with_reference(self, reference: str) -> list[dict]:
        """Every order the ERP sandbox holds with this idempotency reference, oldest first."""

    def order_number(self, order: dict) -> str:
        """The ERP's number of an order from `orders_with_reference` (what is written back)."""


def crm_driver(system: str) -> CrmDriver:
    return import_module(f"tests.flows.drivers.{system}").driver


def erp_driver(system: str) -> ErpDriver:
    return import_module(f"tests.flows.drivers.{system}").driver


def available(systems) -> list[str]:
    """The systems whose driver module exists (a connector not built yet is simply not listed)."""
    found = []
    for system in systems:
        try:
            import_module(f"tests.flows.drivers.{system}")
        except ModuleNotFoundError:
            continue
        found.append(system)
    return found
