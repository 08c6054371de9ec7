"""SLA and escalation of exceptions (requirements.md, "Validation exceptions", column "Escalate when").

When an exception opens, `escalation_plan` sets its deadline: the team's SLA (customer not in ERP: 4 h; others
HANDOFF_RULES["escalation"]["sla_hours"]["default"]), or *now* when the seed table escalates at once:
a pricing mismatch with variance > 10 % or a deal > 100K, a credit-check failure on a strategic account, an address
problem on an international shipment.
`escalate_overdue` (every minute, django-q2 schedule) escalates what passed its deadline, and every waiting
product-not-mapped exception once more than 5 wait. Escalating sends an alert to the team's escalation owner
(ESCALATION_OWNERS) and is an event; an exception escalates once.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal, InvalidOperation

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from handoff_project.integration.events import event_context, record_event

from .alerts import send_alert
from .models import ExceptionType, HandoffException


def rules() -> dict:
    return settings.HANDOFF_RULES["escalation"]


def sla(type: str) -> dt.timedelta:
    hours = rules()["sla_hours"]
    return dt.timedelta(hours=float(hours.get(type, hours["default"])))


def escalation_plan(*, type: str, handoff, detail: dict, now: dt.datetime) -> tuple[dt.datetime, str]:
    """(escalate at, reason to escalate at once or "")."""
    reason = ""
    if type == ExceptionType.PRICE_VARIANCE:
        variance = _decimal(detail.get("variance"))
        amount = getattr(handoff, "amount", None)
        if variance is not None and variance > Decimal(str(rules()["pricing_variance"])):
            reason = f"price variance {variance:.1%} is above {Decimal(str(rules()['pricing_variance'])):.0%}"
        elif amount is not None and amount > Decimal(str(rules()["pricing_deal_value"])):
            reason = f"deal value {amount:,.2f} is above {Decimal(str(rules()['pricing_deal_value'])):,.0f}"
    elif type == ExceptionType.CREDIT_CHECK and detail.get("strategic_account"):
        reason = "strategic account: credit decisions on it go to the credit manager at once"
    elif type == ExceptionType.ADDRESS_VALIDATION:
        country = ((getattr(handoff, "deal", None) or {}).get("ship_to") or {}).get("country", "")
        home = settings.BUSINESS_HOLIDAYS_COUNTRY.upper()
        if country and home and country.upper() != home:
            reason = f"international shipment to {country}"
    return (now if reason else now + sla(type)), reason


def escalation_owner(team: str) -> list[str]:
    owner = settings.ESCALATION_OWNERS.get(team, "")
    return [owner] if owner else list(settings.ALERT_EMAILS)


def escalate(exception: HandoffException, reason: str) -> bool:
    """Escalate once: mark it, tell the owner. False when it was already escalated or closed."""
    now = timezone.now()
    with transaction.atomic():
        marked = HandoffException.objects.filter(pk=exception.pk, escalated_at__isnull=True, state=HandoffException.State.OPEN).update(
            escalated_at=now, escalation_reason=reason[:255]
        )
        if not marked:
            return False
        owners = escalation_owner(exception.team)
        handoff = exception.handoff
        with event_context(handoff_id=exception.handoff_id, crm_record_id=getattr(handoff, "crm_record_id", None)):
            record_event("exception_escalated", message=f"{exception.get_type_display()} escalated to "
                         f"{', '.join(owners) or exception.get_team_display()}: {reason}",
                         data={"exception_id": exception.pk, "owners": owners, "reason": reason})
            send_alert(
                title=f"Escalated ({exception.get_team_display()}): {exception.get_type_display()} — "
                f"{getattr(handoff, 'deal_name', '') or exception.field}",
                text=f"{reason}.\n{exception.message}\nEscalation owner: {', '.join(owners) or 'not configured (ESCALATION_OWNERS)'}",
                severity="error", handoff=handoff, link_path=f"/ops/exceptions/{exception.pk}/", recipients=owners or None,
            )
    return True


def escalate_overdue(*, now: dt.datetime | None = None) -> int:
    now = now or timezone.now()
    open_exceptions = HandoffException.objects.filter(state=HandoffException.State.OPEN, escalated_at__isnull=True)
    count = 0
    for exception in open_exceptions.filter(escalate_at__lte=now).select_related("handoff")[:200]:
        hours = sla(exception.type).total_seconds() / 3600
        count += escalate(exception, exception.escalation_reason or f"unresolved after {hours:g} h")
    waiting = HandoffException.objects.filter(state=HandoffException.State.OPEN, type=ExceptionType.PRODUCT_NOT_MAPPED)
    limit = rules()["unmapped_products_waiting"]
    if waiting.count() > limit:
        for exception in open_exceptions.filter(type=ExceptionType.PRODUCT_NOT_MAPPED).select_related("handoff")[:200]:
            count += escalate(exception, f"more than {limit} unmapped products are waiting")
    return count


def _decimal(value) -> Decimal | None:
    try:
        return Decimal(str(value)) if value not in (None, "") else None
    except InvalidOperation:
        return None
