"""Self-healing: rules that read why an ERP refused an order, correct the order and try again.

Each ERP's client.py says *why* in shared words (`errors.Reason`), so one rule serves every ERP:

  record_locked            another user or job holds a record → wait a moment and try again (then the backoff)
  requested_date_in_past   the requested delivery date lies before today → the next working day
  unit_no_decimals         a fractional quantity for a unit that takes whole numbers → rounded up to a whole unit
  invalid_payment_terms    the ERP does not know the terms key → the crosswalk's default terms for this ERP

`create_with_healing` creates the order; when the ERP refuses it for a healable reason it applies the rule and tries
again, at most SELF_HEALING_MAX_CORRECTIONS times. Every correction is logged as a transformation (crosswalk's
TransformationLog, rule "self_healing:<reason>") and an event, and the corrected order is kept on the handoff, so
what the ERP finally holds is explained field by field. A refusal no rule can fix is raised as it came.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import time
from dataclasses import dataclass
from decimal import ROUND_CEILING, Decimal
from typing import Callable

from django.conf import settings
from django.utils import timezone

from crosswalk.models import TransformationLog
from handoff_project.integration.canonical import CreatedOrder, OrderRequest
from handoff_project.integration.errors import IntegrationError, Reason
from handoff_project.integration.events import record_event
from handoff_project.integration.models import Outcome


@dataclass(frozen=True)
class Correction:
    order: OrderRequest
    field: str
    before: str
    after: str
    explanation: str


@dataclass(frozen=True)
class HealingRule:
    reason: str
    name: str
    correct: Callable[[OrderRequest, IntegrationError, str], Correction | None]


# ---- the rules --------------------------------------------------------------------------------------------------------


def next_working_day(after: dt.date) -> dt.date:
    """The first business day (weekday, not a public holiday of the business calendar) after `after`."""
    from exceptions_queue.business_calendar import business_calendar

    calendar = business_calendar()
    day = after + dt.timedelta(days=1)
    while not calendar.is_business_day(day):
        day += dt.timedelta(days=1)
    return day


def move_past_dates(order: OrderRequest, error: IntegrationError, erp_system: str) -> Correction | None:
    today = timezone.localdate()
    target = next_working_day(today)
    dates = [order.requested_delivery_date, *(line.requested_delivery_date for line in order.lines)]
    if not any(d is not None and d <= today for d in dates):
        return None  # nothing of ours is in the past: the ERP complains about something else

    def moved(value):
        return target if value is not None and value <= today else value

    lines = tuple(dataclasses.replace(line, requested_delivery_date=moved(line.requested_delivery_date)) for line in order.lines)
    before = order.requested_delivery_date
    return Correction(
        dataclasses.replace(order, requested_delivery_date=moved(order.requested_delivery_date), lines=lines),
        "requested_delivery_date", before.isoformat() if before else "", target.isoformat(),
        f"the requested delivery date {before} lies in the past; moved to the next working day {target}",
    )


def round_quantities(order: OrderRequest, error: IntegrationError, erp_system: str) -> Correction | None:
    changed, lines = [], []
    for line in order.lines:
        if line.quantity != line.quantity.to_integral_value():
            whole = max(line.quantity.to_integral_value(rounding=ROUND_CEILING), Decimal(1))
            changed.append(f"line {line.line_number}: {line.quantity.normalize():f} → {whole:f} {line.unit}")
            line = dataclasses.replace(line, quantity=whole)
        lines.append(line)
    if not changed:
        return None
    return Correction(
        dataclasses.replace(order, lines=tuple(lines)), "lines[].quantity", "; ".join(changed), "whole units",
        "the unit takes whole quantities only; rounded up (" + "; ".join(changed) + ")",
    )


def default_terms(order: OrderRequest, error: IntegrationError, erp_system: str) -> Correction | None:
    from crosswalk.resolvers import resolve

    default = settings.HANDOFF_RULES["default_payment_terms"]
    resolution = resolve("payment_terms", default, {"erp_system": erp_system})
    if not resolution.accepted or resolution.match.key == order.payment_terms_key:
        return None  # no default known, or the default itself is what the ERP refuses: a person decides
    return Correction(
        dataclasses.replace(order, payment_terms_key=resolution.match.key), "payment_terms_key",
        order.payment_terms_key, resolution.match.key,
        f"the ERP does not know terms {order.payment_terms_key!r}; fell back to the crosswalk default {default!r} "
        f"({resolution.match.key})",
    )


def wait_for_lock(order: OrderRequest, error: IntegrationError, erp_system: str) -> Correction | None:
    seconds = settings.SELF_HEALING_LOCK_WAIT_SECONDS
    time.sleep(seconds)
    return Correction(order, "(record lock)", "locked", "retried",
                      f"a record was locked in the ERP; waited {seconds:g} s and tried again")


RULES = {
    Reason.RECORD_LOCKED: HealingRule(Reason.RECORD_LOCKED, "wait for the lock", wait_for_lock),
    Reason.DATE_IN_PAST: HealingRule(Reason.DATE_IN_PAST, "next working day", move_past_dates),
    Reason.UNIT_NO_DECIMALS: HealingRule(Reason.UNIT_NO_DECIMALS, "round to whole units", round_quantities),
    Reason.INVALID_PAYMENT_TERMS: HealingRule(Reason.INVALID_PAYMENT_TERMS, "default payment terms", default_terms),
}


# ---- applying them ------------------------------------------------------------------------------------------------------


def create_with_healing(adapter, order: OrderRequest, *, handoff_id: int | None,
                        on_correction: Callable[[OrderRequest], None] = lambda order: None) -> CreatedOrder:
    """`adapter.create_order(order)`, correcting and retrying on healable refusals (see the module docstring).

    `on_correction(order)` is called with each corrected order (the pipeline stores it on the handoff)."""
    corrections = 0
    while True:
        try:
            return adapter.create_order(order)
        except IntegrationError as error:
            rule = RULES.get(error.reason)
            if rule is None or corrections >= settings.SELF_HEALING_MAX_CORRECTIONS:
                raise
            correction = rule.correct(order, error, adapter.system)
            if correction is None:
                raise
            corrections += 1
            _log(correction, rule, error, handoff_id=handoff_id, attempt=corrections, erp_system=adapter.system)
            order = correction.order
            on_correction(order)


def _log(correction: Correction, rule: HealingRule, error: IntegrationError, *, handoff_id, attempt: int, erp_system: str):
    TransformationLog.objects.create(
        handoff_id=handoff_id, kind="self_healing", field=correction.field, input_text=correction.before[:2000],
        output=correction.after[:255], rule=f"self_healing:{rule.reason}", confidence=Decimal("1"), accepted=True,
        candidates=[{"error": str(error)[:500], "vendor_code": error.vendor_code}],
    )
    record_event(
        "self_healed", outcome=Outcome.SUCCESS, system=erp_system,
        message=f"correction {attempt} ({rule.name}): {correction.explanation}; trying the create again",
        data={"reason": rule.reason, "field": correction.field, "before": correction.before, "after": correction.after,
              "vendor_code": error.vendor_code, "attempt": attempt},
    )
