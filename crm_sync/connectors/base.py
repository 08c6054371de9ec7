"""The contract every CRM connector implements, and the registry of connectors."""

from __future__ import annotations

from typing import Protocol

from handoff_project.integration.canonical import Deal
from handoff_project.integration.registry import load_adapter


class CRMAdapter(Protocol):
    system: str

    def fetch_deal(self, crm_id: str) -> Deal:
        """The deal with its lines, account, primary contact, mapped to the canonical Deal."""

    def write_order_number(self, crm_id: str, order_number: str) -> None:
        """Write the ERP order number back onto the deal."""

    def flag_deal(self, crm_id: str, message: str) -> None:
        """Mark the deal in the CRM as needing attention (best effort)."""


ADAPTERS = {
    "salesforce": "crm_sync.connectors.salesforce.adapter.SalesforceAdapter",
}


def get_crm_adapter(system: str) -> CRMAdapter:
    return load_adapter(ADAPTERS, system, "CRM")
