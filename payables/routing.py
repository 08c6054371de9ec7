"""The seed's "Invoice 3-way match" table as data: what each discrepancy does to the invoice and who gets it.

| Condition                   | Action | Route (exceptions queue team)   |
| all within tolerance        | approve| payment queue                   |
| price variance > 2 %        | hold   | procurement                     |
| quantity variance > 5 %     | hold   | receiving                       |
| no goods receipt            | block  | warehouse manager               |
| vendor differs from PO      | block  | AP supervisor                   |
| duplicate invoice           | block  | AP team                         |
| payment terms differ        | flag   | AP analyst                      |
Beyond the table: an item not on the PO, a substituted material or another currency hold for procurement; no PO
or an unreadable invoice block for the AP team. The strongest action over all findings decides the invoice's status.
"""

from __future__ import annotations

from dataclasses import dataclass

from exceptions_queue.models import ExceptionType, Team
from matching.threeway import Discrepancy

from .models import InvoiceStatus, MatchOutcome

HOLD, BLOCK, FLAG = MatchOutcome.HOLD, MatchOutcome.BLOCK, MatchOutcome.FLAG
# Stronger first: an invoice with a block and a hold is blocked.
SEVERITY = [BLOCK, HOLD, FLAG]
STATUS_FOR_OUTCOME = {
    MatchOutcome.AUTO_APPROVED: InvoiceStatus.APPROVED,
    BLOCK: InvoiceStatus.BLOCKED,
    HOLD: InvoiceStatus.ON_HOLD,
    FLAG: InvoiceStatus.FLAGGED,
    MatchOutcome.CONFIRM: InvoiceStatus.NEEDS_CONFIRMATION,
}


@dataclass(frozen=True)
class Route:
    action: str
    exception_type: str
    team: str


ROUTES = {
    Discrepancy.PRICE_VARIANCE: Route(HOLD, ExceptionType.INVOICE_PRICE_VARIANCE, Team.PROCUREMENT),
    Discrepancy.QUANTITY_VARIANCE: Route(HOLD, ExceptionType.INVOICE_QUANTITY_VARIANCE, Team.RECEIVING),
    Discrepancy.NO_RECEIPT: Route(BLOCK, ExceptionType.NO_GOODS_RECEIPT, Team.WAREHOUSE),
    Discrepancy.VENDOR_MISMATCH: Route(BLOCK, ExceptionType.VENDOR_MISMATCH, Team.AP_SUPERVISOR),
    Discrepancy.DUPLICATE: Route(BLOCK, ExceptionType.DUPLICATE_INVOICE, Team.AP_TEAM),
    Discrepancy.PAYMENT_TERMS_DIFFER: Route(FLAG, ExceptionType.PAYMENT_TERMS_DIFFER, Team.AP_ANALYST),
    Discrepancy.UNORDERED_ITEM: Route(HOLD, ExceptionType.INVOICE_UNORDERED_ITEM, Team.PROCUREMENT),
    Discrepancy.SUBSTITUTION: Route(HOLD, ExceptionType.INVOICE_SUBSTITUTION, Team.PROCUREMENT),
    Discrepancy.CURRENCY_MISMATCH: Route(HOLD, ExceptionType.INVOICE_CURRENCY, Team.PROCUREMENT),
    Discrepancy.NO_PURCHASE_ORDER: Route(BLOCK, ExceptionType.NO_PURCHASE_ORDER, Team.AP_TEAM),
    Discrepancy.INCOMPLETE_INVOICE: Route(BLOCK, ExceptionType.INVOICE_INCOMPLETE, Team.AP_TEAM),
}


def route_for(kind: Discrepancy) -> Route:
    return ROUTES[Discrepancy(kind)]


def outcome_for(kinds) -> str:
    """The strongest action among the findings' routes; auto-approval only when there are none."""
    actions = {route_for(kind).action for kind in kinds}
    for action in SEVERITY:
        if action in actions:
            return action
    return MatchOutcome.AUTO_APPROVED
