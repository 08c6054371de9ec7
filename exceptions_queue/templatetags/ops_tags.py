"""Small display helpers for the ops templates: state badges, confidences as percentages, ages, JSON bodies."""

from __future__ import annotations

import datetime as dt
import json
from decimal import Decimal, InvalidOperation

from django import template
from django.utils import timezone

register = template.Library()

STATE_TONES = {
    "received": "neutral",
    "resolved": "info",
    "validated": "info",
    "awaiting_approval": "warn",
    "pushing": "info",
    "created": "ok",
    "written_back": "ok",
    "exception": "warn",
    "dead": "bad",
    "closed": "neutral",
}
SLA_TONES = {"on_time": "ok", "due_soon": "warn", "overdue": "bad", "escalated": "bad", "closed": "neutral"}
RISK_TONES = {"low": "ok", "medium": "warn", "high": "bad"}
OUTCOME_TONES = {
    "success": "ok",
    "info": "neutral",
    "retry_scheduled": "warn",
    "transient_error": "warn",
    "validation_failure": "warn",
    "erp_error": "bad",
    "permanent_error": "bad",
    "dead_lettered": "bad",
}


@register.filter
def state_tone(state: str) -> str:
    return STATE_TONES.get(str(state), "neutral")


@register.filter
def outcome_tone(outcome: str) -> str:
    return OUTCOME_TONES.get(str(outcome), "neutral")


@register.filter
def percent(value) -> str:
    """0.9634 → '96.3 %', 1 → '100 %'; empty for missing values."""
    if value in (None, ""):
        return ""
    try:
        number = Decimal(str(value)) * 100
    except InvalidOperation:
        return ""
    rounded = number.quantize(Decimal("0.1"))
    text = f"{rounded:.0f}" if rounded == rounded.to_integral() else f"{rounded:.1f}"
    return f"{text} %"


@register.filter
def confidence_tone(resolution) -> str:
    """Accepted → ok; rejected but with candidates a person can pick from → warn; nothing found → bad."""
    if getattr(resolution, "accepted", False):
        return "ok"
    return "warn" if getattr(resolution, "candidates", None) else "bad"


@register.filter
def age(value) -> str:
    """How long ago, short: '12 s', '4 min', '3 h', '2 d'."""
    if not isinstance(value, dt.datetime):
        return ""
    seconds = max(0, int((timezone.now() - value).total_seconds()))
    for unit, size in (("d", 86400), ("h", 3600), ("min", 60)):
        if seconds >= size:
            return f"{seconds // size} {unit}"
    return f"{seconds} s"


@register.filter
def pretty_json(value) -> str:
    return json.dumps(value, indent=2, ensure_ascii=False, sort_keys=False, default=str)


@register.filter
def pretty_body(text: str) -> str:
    """Indent a JSON body for reading; anything else (XML, plain text) is shown as it is."""
    if not text:
        return ""
    try:
        return json.dumps(json.loads(text), indent=2, ensure_ascii=False)
    except (TypeError, ValueError):
        return text


@register.filter
def money(amount, currency: str = "") -> str:
    """1234.5, 'EUR' → '1,234.50 EUR'."""
    if amount in (None, ""):
        return ""
    try:
        number = Decimal(str(amount))
    except InvalidOperation:
        return str(amount)
    return f"{number:,.2f} {currency}".strip()


@register.filter
def get(mapping, key):
    """dict lookup with a key held in a variable: {{ row|get:name }}."""
    if isinstance(mapping, dict):
        return mapping.get(key)
    return None


@register.filter
def line_net(line) -> str:
    """Net amount of a canonical deal line (quantity × unit price less the discount), from its stored JSON."""
    try:
        quantity = Decimal(str(line["quantity"]))
        price = Decimal(str(line["unit_price"]["amount"]))
        discount = Decimal(str(line.get("discount_percent") or "0"))
    except (KeyError, TypeError, InvalidOperation):
        return ""
    return str((quantity * price * (Decimal(100) - discount) / Decimal(100)).quantize(Decimal("0.01")))


@register.simple_tag
def sla_of(exception):
    """{% sla_of exc as sla %} → the exception's SLA state and label (exceptions_queue.inbox.sla_status)."""
    from exceptions_queue.inbox import sla_status

    return sla_status(exception)


@register.filter
def sla_tone(state: str) -> str:
    return SLA_TONES.get(str(state), "neutral")


@register.filter
def risk_tone(level: str) -> str:
    return RISK_TONES.get(str(level), "neutral")


@register.filter
def signed_percent(value) -> str:
    """Decimal('-4.2') → '−4.2 %', 3 → '+3.0 %'; empty for None."""
    if value in (None, ""):
        return ""
    number = Decimal(str(value))
    return f"{'+' if number > 0 else '−' if number < 0 else ''}{abs(number):.1f} %"


@register.filter
def words(value: str) -> str:
    """payment_terms → payment terms."""
    return str(value or "").replace("_", " ")


@register.filter
def countdown(seconds) -> str:
    """905 → '15:05' (minutes:seconds of an intervention window)."""
    if seconds in (None, ""):
        return ""
    seconds = max(0, int(seconds))
    return f"{seconds // 60}:{seconds % 60:02d}"


@register.filter
def system_label(value) -> str:
    """How people read a system's name: business_central → Business Central, sap → SAP S/4HANA."""
    from crm_sync.connectors.base import LABELS as CRM_LABELS
    from erp_orders.connectors.base import erp_label

    value = str(value or "")
    return CRM_LABELS.get(value) or erp_label(value) if value else ""
