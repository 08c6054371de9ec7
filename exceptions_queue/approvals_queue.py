"""Reads of the approval queue and of one approval with its full context (selectors; nothing here changes data).

The context is what an approver needs to sign off a risky order without opening another system: the deal and its
lines priced against the ERP (discount against list price, net against the ERP price), the risk factors that set the
level, who changed the handoff (four-eyes), and the customer's history across systems — past orders, open invoices
(AR summary), exceptions, and every record linked through ExternalRef.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation

from django.contrib.contenttypes.models import ContentType
from django.db.models import Q, QuerySet
from django.utils import timezone

from erp_orders.approvals import CHANGE_EVENTS
from erp_orders.models import OPEN_APPROVAL_STATES, Approval, CustomerCredit, Handoff
from handoff_project.integration.models import Event, ExternalRef

from .business_units import through_handoff, visible_handoffs
from .inbox import customer_credit, sold_to
from .models import HandoffException


def approval_queue(*, level: str = "", open_only: bool = True) -> QuerySet[Approval]:
    """Open approvals, high risk first, then the window that ends soonest, then the oldest."""
    approvals = Approval.objects.select_related("handoff", "held_by", "decided_by").defer(
        "handoff__deal", "handoff__order_request", "handoff__erp_prices", "handoff__erp_costs"
    )
    if open_only:
        approvals = approvals.filter(state__in=OPEN_APPROVAL_STATES)
    if level:
        approvals = approvals.filter(level=level)
    return approvals.order_by("level", "window_ends_at", "requested_at")  # "high" sorts before "medium"


def open_approval_count(user=None) -> int:
    """Open approvals (of the user's business units, when a user is given)."""
    approvals = Approval.objects.filter(state__in=OPEN_APPROVAL_STATES)
    return (through_handoff(approvals, user) if user is not None else approvals).count()


@dataclass(frozen=True)
class PricedLine:
    number: int
    description: str
    material: str
    quantity: Decimal
    currency: str
    unit_price: Decimal
    list_price: Decimal | None
    erp_price: Decimal | None
    discount_percent: Decimal
    net: Decimal
    unit_cost: Decimal | None = None

    @property
    def cost(self) -> Decimal | None:
        return (self.unit_cost * self.quantity).quantize(Decimal("0.01")) if self.unit_cost is not None else None

    @property
    def margin(self) -> Decimal | None:
        """Gross margin of the line in %: (net − cost) / net."""
        if self.cost is None or not self.net:
            return None
        return ((self.net - self.cost) / self.net * 100).quantize(Decimal("0.1"))

    @property
    def discount_vs_list(self) -> Decimal | None:
        reference = self.list_price or self.erp_price
        if not reference:
            return None
        return ((reference * self.quantity - self.net) / (reference * self.quantity) * 100).quantize(Decimal("0.1"))

    @property
    def net_vs_erp(self) -> Decimal | None:
        """Net price per unit against the ERP's price for this customer, in % (negative: sold below it)."""
        if not self.erp_price or not self.quantity:
            return None
        return ((self.net / self.quantity - self.erp_price) / self.erp_price * 100).quantize(Decimal("0.1"))


@dataclass
class CustomerHistory:
    business_partner: str
    orders: list[Handoff] = field(default_factory=list)
    exceptions: list[HandoffException] = field(default_factory=list)
    credit: CustomerCredit | None = None
    links: list[ExternalRef] = field(default_factory=list)


@dataclass
class ApprovalContext:
    handoff: Handoff
    approval: Approval | None
    history: list[Approval]
    lines: list[PricedLine]
    changes: list[Event]
    customer: CustomerHistory

    @property
    def seconds_left(self) -> int | None:
        if self.approval is None or self.approval.window_ends_at is None or not self.approval.is_open:
            return None
        return max(0, int((self.approval.window_ends_at - timezone.now()).total_seconds()))

    @property
    def deal_total(self) -> Decimal:
        return sum((line.net for line in self.lines), Decimal("0"))

    @property
    def deal_margin(self) -> Decimal | None:
        """Gross margin of the whole deal in %, when the ERP gave a cost for every line."""
        if not self.lines or any(line.cost is None for line in self.lines) or not self.deal_total:
            return None
        cost = sum((line.cost for line in self.lines), Decimal("0"))
        return ((self.deal_total - cost) / self.deal_total * 100).quantize(Decimal("0.1"))


def approval_context(handoff_id: int, *, user=None) -> ApprovalContext:
    """`user`: the customer's history then shows only handoffs of that user's business units."""
    handoff = Handoff.objects.get(pk=handoff_id)
    history = list(handoff.approvals.select_related("decided_by", "held_by").order_by("-requested_at", "-id"))
    approval = next((a for a in history if a.is_open), history[0] if history else None)
    return ApprovalContext(
        handoff=handoff,
        approval=approval,
        history=history,
        lines=priced_lines(handoff),
        changes=list(Event.objects.filter(handoff_id=handoff.pk, event_type__in=CHANGE_EVENTS).order_by("created_at")),
        customer=customer_history(handoff, user=user),
    )


def priced_lines(handoff: Handoff) -> list[PricedLine]:
    deal = handoff.deal or {}
    materials = {line["line_number"]: line["material"] for line in (handoff.order_request or {}).get("lines") or []}
    prices, costs = handoff.erp_prices or {}, handoff.erp_costs or {}
    lines = []
    for line in deal.get("lines") or []:
        try:
            quantity = Decimal(str(line["quantity"]))
            unit = Decimal(str(line["unit_price"]["amount"]))
            discount = Decimal(str(line.get("discount_percent") or "0"))
        except (KeyError, TypeError, InvalidOperation):
            continue
        number = int(line.get("line_number", 0))
        list_price = _decimal((line.get("list_price") or {}).get("amount"))
        lines.append(PricedLine(
            number=number, description=line.get("description", ""), material=materials.get(number, ""), quantity=quantity,
            currency=line["unit_price"].get("currency", ""), unit_price=unit, list_price=list_price,
            erp_price=_decimal(prices.get(str(number))), discount_percent=discount,
            net=(quantity * unit * (100 - discount) / 100).quantize(Decimal("0.01")),
            unit_cost=_decimal(costs.get(str(number))),
        ))
    return lines


def customer_history(handoff: Handoff, *, user=None) -> CustomerHistory:
    """Everything we know about this customer across the CRM, the ERP and our own records."""
    business_partner = sold_to(handoff)
    same_customer = Q(order_request__sold_to=business_partner) if business_partner else Q(customer_name=handoff.customer_name)
    others = Handoff.objects.filter(same_customer).exclude(pk=handoff.pk).defer("deal", "order_request", "erp_prices", "erp_costs")
    if user is not None:
        others = visible_handoffs(others, user)  # another unit's orders of the same customer are not this user's to see
    orders = list(others.exclude(erp_order_number="").order_by("-received_at")[:10])
    related_ids = [handoff.pk, *others.values_list("pk", flat=True)[:200]]
    exceptions = list(
        HandoffException.objects.filter(handoff_id__in=related_ids).select_related("handoff").order_by("-created_at")[:10]
    )
    links = list(ExternalRef.objects.filter(
        content_type=ContentType.objects.get_for_model(Handoff), object_id__in=[str(pk) for pk in related_ids]
    ).order_by("-created_at")[:20])
    return CustomerHistory(business_partner, orders, exceptions, customer_credit(handoff), links)


def _decimal(value) -> Decimal | None:
    try:
        return Decimal(str(value)) if value not in (None, "") else None
    except InvalidOperation:
        return None
