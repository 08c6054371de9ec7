"""The contract every CRM connector implements, and the registries of connectors.

A CRM connector is one folder under crm_sync/connectors/ (docs/connectors.md):
  adapter.py  — `CRMAdapter` below: fetch a won deal as a canonical Deal, write the ERP order number back, flag a
                deal, list deals won since a moment (the reconciliation poll that finds missed webhooks);
  webhook.py  — the view behind /webhooks/<crm>/ (verify → store raw → enqueue → answer, crm_sync.webhooks) and
                `triggers(inbound)`, which reads a stored delivery and says which deals it announces as won.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from importlib import import_module
from typing import Protocol

from handoff_project.integration.canonical import Deal
from handoff_project.integration.registry import load_adapter
from handoff_project.integration.systems import CRM_LABELS


@dataclass(frozen=True)
class WonDeal:
    """A deal the CRM shows as won (from a webhook or the reconciliation poll)."""

    crm_id: str
    name: str = ""
    changed_at: dt.datetime | None = None  # when the CRM last changed it: the poll's cursor moves along this


@dataclass(frozen=True)
class Trigger:
    """What one notification inside a webhook delivery says: a won deal to hand off, or why it is ignored."""

    crm_id: str
    name: str = ""
    won: bool = False
    ignored_because: str = ""  # set when not won (or not a deal at all)


class MalformedDelivery(ValueError):
    """A stored delivery that cannot be read (the webhook view answers 400 for these before storing as accepted)."""


class CRMAdapter(Protocol):
    system: str

    def fetch_deal(self, crm_id: str) -> Deal:
        """The deal with its lines, account, primary contact, mapped to the canonical Deal."""

    def write_order_number(self, crm_id: str, order_number: str) -> None:
        """Write the ERP order number back onto the deal."""

    def flag_deal(self, crm_id: str, message: str) -> None:
        """Mark the deal in the CRM as needing attention (best effort)."""

    def list_won_deals(self, *, since: dt.datetime | None, limit: int = 200) -> list[WonDeal]:
        """Deals won and changed after `since` (all won deals when None), oldest change first, at most `limit`."""


ADAPTERS = {
    "salesforce": "crm_sync.connectors.salesforce.adapter.SalesforceAdapter",
    "hubspot": "crm_sync.connectors.hubspot.adapter.HubSpotAdapter",
    "pipedrive": "crm_sync.connectors.pipedrive.adapter.PipedriveAdapter",
}
# The module of each CRM's webhook (`receive` view and `triggers(inbound)`).
WEBHOOKS = {
    "salesforce": "crm_sync.connectors.salesforce.webhook",
    "hubspot": "crm_sync.connectors.hubspot.webhook",
    "pipedrive": "crm_sync.connectors.pipedrive.webhook",
}
LABELS = CRM_LABELS


def get_crm_adapter(system: str) -> CRMAdapter:
    return load_adapter(ADAPTERS, system, "CRM")


def webhook_module(system: str):
    if system not in WEBHOOKS:
        raise LookupError(f"no webhook for CRM {system!r}; known: {', '.join(sorted(WEBHOOKS))}")
    return import_module(WEBHOOKS[system])


def crm_label(system: str) -> str:
    return LABELS.get(system, system.title())
