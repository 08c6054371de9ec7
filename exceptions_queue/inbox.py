"""Reads of the exception inbox and the exception detail: per-team queues, SLA state, and what a person needs to decide.

Selectors only: nothing here changes data. The detail gathers, in a few queries, the deal, the failing field, both
price calculations for a pricing mismatch, the nearest candidates with confidence and reasons, the customer's AR
aging, and the handoff's other exceptions.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from decimal import Decimal

from django.contrib.auth import get_user_model
from django.db.models import Count, Q, QuerySet
from django.utils import timezone

from crosswalk.models import TransformationLog
from erp_orders.models import CustomerCredit, Handoff

from .models import ExceptionType, HandoffException, Team
from .permissions import MASTER_DATA, OPS
from .resolving import OVERRIDABLE, correctable_fields, learn_kind

# The inbox tabs: the teams of the seed exception table, in the order people work them.
INBOX_TEAMS = (Team.MASTER_DATA, Team.PRICING, Team.CREDIT, Team.PRODUCT_OPS, Team.LOGISTICS, Team.SALES_OPS, Team.OPS)
DUE_SOON = dt.timedelta(hours=1)
SLA_FILTERS = {"escalated": "Escalated", "overdue": "Past its deadline", "due_soon": "Due within 1 h", "on_time": "On time"}


@dataclass(frozen=True)
class SlaStatus:
    state: str  # on_time / due_soon / overdue / escalated / closed
    label: str
    seconds_left: int | None = None


def sla_status(exception: HandoffException, now: dt.datetime | None = None) -> SlaStatus:
    now = now or timezone.now()
    if exception.state != HandoffException.State.OPEN:
        return SlaStatus("closed", "resolved")
    if exception.escalated_at:
        return SlaStatus("escalated", f"escalated {_span(now - exception.escalated_at)} ago: {exception.escalation_reason}")
    if exception.escalate_at is None:
        return SlaStatus("on_time", "no deadline")
    left = exception.escalate_at - now
    seconds = int(left.total_seconds())
    if seconds <= 0:
        return SlaStatus("overdue", f"overdue by {_span(-left)}", seconds)
    return SlaStatus("due_soon" if left <= DUE_SOON else "on_time", f"escalates in {_span(left)}", seconds)


def _span(delta: dt.timedelta) -> str:
    minutes = max(0, int(delta.total_seconds() // 60))
    if minutes >= 48 * 60:
        return f"{minutes // 1440} d"
    if minutes >= 60:
        return f"{minutes // 60} h {minutes % 60:02d} min"
    return f"{minutes} min"


def inbox(*, team: str = "", type: str = "", assignee: str = "", user=None, query: str = "", sla: str = "",
          state: str = HandoffException.State.OPEN) -> QuerySet[HandoffException]:
    """Exceptions of one team (or all), filtered and searched; those closest to escalation first."""
    exceptions = HandoffException.objects.select_related("handoff", "assignee").defer(
        "handoff__deal", "handoff__order_request", "handoff__last_error", "handoff__risk_factors", "handoff__erp_prices"
    )
    if state:
        exceptions = exceptions.filter(state=state)
    if team:
        exceptions = exceptions.filter(team=team)
    if type:
        exceptions = exceptions.filter(type=type)
    if assignee == "me" and user is not None:
        exceptions = exceptions.filter(assignee=user)
    elif assignee == "none":
        exceptions = exceptions.filter(assignee__isnull=True)
    elif assignee.isdigit():
        exceptions = exceptions.filter(assignee_id=int(assignee))
    query = (query or "").strip()
    if query:
        exceptions = exceptions.filter(
            Q(handoff__crm_record_id__icontains=query) | Q(handoff__deal_name__icontains=query)
            | Q(handoff__customer_name__icontains=query) | Q(message__icontains=query) | Q(field__icontains=query)
        )
    now = timezone.now()
    if sla == "escalated":
        exceptions = exceptions.filter(escalated_at__isnull=False)
    elif sla == "overdue":
        exceptions = exceptions.filter(escalated_at__isnull=True, escalate_at__lte=now)
    elif sla == "due_soon":
        exceptions = exceptions.filter(escalated_at__isnull=True, escalate_at__gt=now, escalate_at__lte=now + DUE_SOON)
    elif sla == "on_time":
        exceptions = exceptions.filter(escalated_at__isnull=True).filter(Q(escalate_at__gt=now + DUE_SOON) | Q(escalate_at__isnull=True))
    return exceptions.order_by("escalated_at", "escalate_at", "-created_at", "-id")


def team_counts() -> dict[str, int]:
    rows = HandoffException.objects.filter(state=HandoffException.State.OPEN).values("team").annotate(n=Count("id"))
    return {row["team"]: row["n"] for row in rows}


def assignable_users():
    """People who work exceptions: the ops and master-data roles, and superusers."""
    return (
        get_user_model().objects.filter(is_active=True)
        .filter(Q(groups__name__in=[OPS, MASTER_DATA]) | Q(is_superuser=True)).distinct().order_by("username")
    )


# ---- one exception --------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Correctable:
    path: str
    label: str
    current: str
    suggestion: str = ""


@dataclass
class ExceptionContext:
    exception: HandoffException
    handoff: Handoff
    sla: SlaStatus
    learn_kind: str
    candidates: list[dict]
    correctable: list[Correctable]
    can_override: bool
    pricing: dict | None
    credit: CustomerCredit | None
    others: list[HandoffException] = field(default_factory=list)
    resolutions: list[TransformationLog] = field(default_factory=list)

    @property
    def deal(self) -> dict:
        return self.handoff.deal or {}

    @property
    def failing_line(self) -> dict | None:
        number = _line_number(self.exception.field)
        return next((li for li in self.deal.get("lines") or [] if int(li.get("line_number", 0)) == number), None) if number else None


def exception_context(exception_id: int) -> ExceptionContext:
    exception = HandoffException.objects.select_related("handoff", "assignee", "resolved_by").get(pk=exception_id)
    handoff = exception.handoff
    detail = exception.detail or {}
    candidates = sorted((c for c in detail.get("candidates") or [] if isinstance(c, dict)), key=lambda c: -float(c.get("confidence") or 0))
    return ExceptionContext(
        exception=exception,
        handoff=handoff,
        sla=sla_status(exception),
        learn_kind=learn_kind(exception) if handoff is not None else "",
        candidates=candidates[:8],
        correctable=_correctable(exception),
        can_override=exception.type in OVERRIDABLE,
        pricing=_pricing(detail) if exception.type == ExceptionType.PRICE_VARIANCE else None,
        credit=customer_credit(handoff) if handoff is not None else None,
        others=list(HandoffException.objects.filter(handoff=handoff).exclude(pk=exception.pk).order_by("state", "-created_at")) if handoff else [],
        resolutions=list(TransformationLog.objects.filter(handoff_id=getattr(handoff, "pk", None), field=exception.field).order_by("-created_at")[:3]),
    )


def customer_credit(handoff: Handoff) -> CustomerCredit | None:
    business_partner = sold_to(handoff)
    if not business_partner:
        return None
    return CustomerCredit.objects.filter(erp_system=handoff.erp_system, business_partner=business_partner).first()


def sold_to(handoff: Handoff) -> str:
    """The ERP customer of a handoff: from its resolved order, else from the latest accepted customer resolution."""
    if handoff.order_request and handoff.order_request.get("sold_to"):
        return handoff.order_request["sold_to"]
    log = TransformationLog.objects.filter(handoff_id=handoff.pk, kind="customer", accepted=True).order_by("-created_at").first()
    return log.output if log else ""


def _correctable(exception: HandoffException) -> list[Correctable]:
    if exception.handoff is None or not exception.handoff.deal:
        return []
    deal = exception.handoff.deal
    result = []
    for path in correctable_fields(exception):
        if path.startswith("ship_to."):
            part = path.split(".", 1)[1]
            result.append(Correctable(path, part.replace("_", " ").capitalize(), (deal.get("ship_to") or {}).get(part, "")))
        elif path == "payment_terms":
            result.append(Correctable(path, "Payment terms", (deal.get("payment_terms") or {}).get("text", "")))
        else:
            number, name = _line_number(path), path.rsplit(".", 1)[1]
            line = next((li for li in deal.get("lines") or [] if int(li.get("line_number", 0)) == number), {})
            current = (line.get("unit_price") or {}).get("amount", "") if name == "unit_price" else line.get(name, "")
            suggestion = (exception.detail or {}).get("erp_unit_price", "") if name == "unit_price" else ""
            result.append(Correctable(path, f"Line {number} {name.replace('_', ' ')}", str(current), str(suggestion)))
    return result


def _pricing(detail: dict) -> dict | None:
    """Both calculations of a pricing mismatch, as numbers the template can lay side by side."""
    try:
        quantity = Decimal(detail["quantity"])
        crm, erp = Decimal(detail["crm_unit_price"]), Decimal(detail["erp_unit_price"])
    except (KeyError, ArithmeticError, TypeError, ValueError):
        return None
    return {
        "quantity": quantity, "currency": detail.get("currency", ""), "material": detail.get("material", ""),
        "crm_unit": crm, "erp_unit": erp, "crm_total": (crm * quantity).quantize(Decimal("0.01")),
        "erp_total": (erp * quantity).quantize(Decimal("0.01")), "difference": ((crm - erp) * quantity).quantize(Decimal("0.01")),
        "variance": detail.get("variance", ""),
    }


def _line_number(path: str) -> int | None:
    if path and path.startswith("lines[") and "]" in path:
        try:
            return int(path[6:path.index("]")])
        except ValueError:
            return None
    return None
