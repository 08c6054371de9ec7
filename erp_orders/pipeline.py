"""The handoff state machine: which step runs in which state, and what success, retry and failure do.

    received ─resolve─▶ resolved ─validate─▶ validated ─route─▶ pushing ─push─▶ created ─write back─▶ written_back
        │                   │                       │  ▲            │                │
        └──── exception ◀───┘   awaiting_approval ◀─┘  └ approved / window passed    └──▶ flagged (writeback failed)
                                 (erp_orders.approvals)               └──▶ dead

The resolve step routes the deal to its ERP (erp_orders.routing). The route step scores the risk (erp_orders.risk):
low goes straight on, medium and high wait for an approver. Steps that talk to the ERP (validate, push) respect its
availability (erp_orders.outage: while it is down they wait in order, without spending retries) and push keeps each
customer's orders in order (erp_orders.customer_queue); push heals what it can (erp_orders.healing).

`advance_handoff` runs one step under a lease (one worker per deal at a time; a killed worker's lease expires and
the watchdog re-drives), classifies the outcome through the kernel's `run_step` and queues the next step on commit.
"""

from __future__ import annotations

import datetime as dt
import uuid
from dataclasses import dataclass
from typing import Callable

from django.conf import settings
from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from crm_sync import services as crm
from exceptions_queue.services import dead_letter, open_exception
from handoff_project.integration.canonical import Deal, OrderRequest, from_dict, to_dict
from handoff_project.integration.errors import IntegrationError, LockedRecordError
from handoff_project.integration.events import bind_external_ref, event_context, record_event
from handoff_project.integration.models import Outcome
from handoff_project.integration.steps import StepStatus, enqueue, run_step

from . import approvals, customer_queue, outage
from .connectors.base import erp_label, get_erp_adapter
from .models import Handoff, HandoffState, WritebackStatus
from .healing import create_with_healing
from .resolution import Failure, resolve_deal
from .risk import LOW, assess_risk, default_rules, risk_inputs
from .routing import route_deal
from .validation import check_credit, check_minimum_order, check_prices, unit_costs

ADVANCE_TASK = "erp_orders.tasks.advance_handoff"


# ---- steps: each takes the handoff, does its work, returns the next state ---------------------------------------------


def step_resolve(handoff: Handoff) -> str:
    if handoff.deal is None:
        deal = crm.fetch_deal(crm_system=handoff.crm_system, crm_record_id=handoff.crm_record_id)
        _save(handoff, **crm.deal_summary(deal))
        record_event("deal_fetched", outcome=Outcome.SUCCESS, system=handoff.crm_system, message=f"{deal.name}: {len(deal.lines)} line(s), {deal.total}")
    deal = from_dict(Deal, handoff.deal)
    if not handoff.erp_order_number:  # once an order exists, the ERP that holds it stays the handoff's ERP
        route = route_deal(deal)
        if (route.erp_system, route.rule) != (handoff.erp_system, handoff.routing_rule):
            _save(handoff, erp_system=route.erp_system, routing_rule=route.rule[:120])
            record_event("erp_routed", outcome=Outcome.SUCCESS, system=route.erp_system,
                         message=f"to {erp_label(route.erp_system)}: {route.why}", data={"rule": route.rule})
    adapter = get_erp_adapter(handoff.erp_system)
    order, failures = resolve_deal(deal, handoff_id=handoff.pk, erp_system=handoff.erp_system,
                                   reference_max_length=adapter.reference_max_length,
                                   overridden=set((handoff.decisions or {}).get("overrides", {})))
    if failures:
        return _to_exception(handoff, failures)
    _save(handoff, order_request=to_dict(order), erp_reference=order.reference, erp_customer=order.sold_to)
    return HandoffState.RESOLVED


def step_validate(handoff: Handoff) -> str:
    order = from_dict(OrderRequest, handoff.order_request)
    overridden = set((handoff.decisions or {}).get("overrides", {}))
    total = from_dict(Deal, handoff.deal).total.amount
    seen: dict[str, str] = {}
    adapter = get_erp_adapter(handoff.erp_system)
    failures = check_prices(order, adapter, overridden=overridden, observed=seen)
    failures += check_minimum_order(order, total, overridden=overridden)
    failures += check_credit(order, total, erp_system=handoff.erp_system, overridden=overridden)
    _save(handoff, erp_prices=seen, erp_costs=unit_costs(order, adapter))
    if failures:
        return _to_exception(handoff, failures)
    return HandoffState.VALIDATED


def step_route(handoff: Handoff) -> str:
    """Score the risk; low goes on to the ERP, medium and high wait for an approver (erp_orders.approvals)."""
    assessment = assess_risk(risk_inputs(handoff), default_rules())
    _save(handoff, risk_level=assessment.level, risk_factors=assessment.as_list())
    record_event("risk_assessed", outcome=Outcome.SUCCESS, message=assessment.summary(),
                 data={"level": assessment.level, "factors": assessment.as_list()})
    if assessment.level == LOW:
        return HandoffState.PUSHING
    return approvals.request_approval(handoff, assessment)


def step_push(handoff: Handoff) -> str:
    """Create the order exactly once: ask the ERP for the reference first, then create (a lost answer is found next
    time), correcting what the ERP refuses for a healable reason."""
    if handoff.state != HandoffState.PUSHING:
        before = handoff.state
        _save(handoff, state=HandoffState.PUSHING)
        record_event("state_changed", outcome=Outcome.SUCCESS, message=f"{before} → pushing")
    order = from_dict(OrderRequest, handoff.order_request)
    adapter = get_erp_adapter(handoff.erp_system)
    created = adapter.find_order_by_reference(order.reference)
    if created is not None:
        record_event("erp_order_found", outcome=Outcome.SUCCESS, system=adapter.system,
                     message=f"{erp_label(adapter.system)} already has order {created.order_number} for reference {order.reference}; not creating another")
    else:
        created = create_with_healing(adapter, order, handoff_id=handoff.pk,
                                      on_correction=lambda corrected: _save(handoff, order_request=to_dict(corrected)))
    with transaction.atomic():
        _save(handoff, erp_order_number=created.order_number, created_in_erp_at=timezone.now())
        bind_external_ref(system=adapter.system, object_type="sales_order", external_id=created.order_number, obj=handoff)
    return HandoffState.CREATED


def step_write_back(handoff: Handoff) -> str:
    crm.write_back_order_number(
        crm_system=handoff.crm_system, crm_record_id=handoff.crm_record_id, order_number=handoff.erp_order_number
    )
    _save(handoff, writeback_status=WritebackStatus.DONE, completed_at=timezone.now())
    return HandoffState.WRITTEN_BACK


@dataclass(frozen=True)
class Step:
    name: str
    run: Callable[[Handoff], str]
    system: Callable[[Handoff], str]
    on_dead: Callable[[Handoff, IntegrationError, bool], None]
    needs_erp: bool = False  # talks to the handoff's ERP: waits while it is down (erp_orders.outage)


def _dead_letter_handoff(handoff: Handoff, error: IntegrationError, exhausted: bool, step: str) -> None:
    with transaction.atomic():
        dead_letter(handoff=handoff, step=step, error=error, retries_exhausted=exhausted)
        _save(handoff, state=HandoffState.DEAD, last_error=str(error))


def _writeback_failed(handoff: Handoff, error: IntegrationError, exhausted: bool) -> None:
    """The order exists; only the CRM does not know it. Flag, alert, keep the handoff in `created`."""
    from exceptions_queue.alerts import send_alert
    from exceptions_queue.models import ExceptionType

    reason = f"The ERP order {handoff.erp_order_number} was created but writing it back to the CRM failed: {error}"
    flagged_in_crm = crm.flag_deal_in_crm(crm_system=handoff.crm_system, crm_record_id=handoff.crm_record_id, message=reason)
    with transaction.atomic():  # the flag, the exception and the alert appear together
        open_exception(handoff=handoff, type=ExceptionType.WRITEBACK_FAILED, field="erp_order_number", detail=error.as_dict(),
                       message=reason + " Fix the CRM side and re-queue the writeback.")
        send_alert(title=f"Writeback failed: {handoff.deal_name or handoff.crm_record_id}", severity="error", handoff=handoff,
                   text=reason + ("" if flagged_in_crm else " (the deal could not be flagged in the CRM either)"))
        _save(handoff, writeback_status=WritebackStatus.FAILED, flagged=True, flag_reason=reason, last_error=str(error))


STEPS: dict[str, Step] = {
    HandoffState.RECEIVED: Step("resolve", step_resolve, lambda h: h.crm_system, lambda h, e, x: _dead_letter_handoff(h, e, x, "resolve")),
    HandoffState.RESOLVED: Step("validate", step_validate, lambda h: h.erp_system, lambda h, e, x: _dead_letter_handoff(h, e, x, "validate"),
                                needs_erp=True),
    HandoffState.VALIDATED: Step("route", step_route, lambda h: h.erp_system, lambda h, e, x: _dead_letter_handoff(h, e, x, "route")),
    HandoffState.PUSHING: Step("push", step_push, lambda h: h.erp_system, lambda h, e, x: _dead_letter_handoff(h, e, x, "push"),
                               needs_erp=True),
    HandoffState.CREATED: Step("write_back", step_write_back, lambda h: h.crm_system, _writeback_failed),
}
# After this many failed attempts of the push step (the third retry failed), the ERP creation error is escalated.
ESCALATE_PUSH_AFTER_ATTEMPTS = 4
# The state a handoff resumes from when a person re-queues a dead step.
# A dead push resumes at pushing: the order was already routed (and, if it needed one, approved); its content is unchanged.
RESUME_STATE = {
    "resolve": HandoffState.RECEIVED,
    "validate": HandoffState.RESOLVED,
    "route": HandoffState.VALIDATED,
    "push": HandoffState.PUSHING,
    "write_back": HandoffState.CREATED,
}


# ---- running one step ---------------------------------------------------------------------------------------------------


def advance_handoff(handoff_id: int) -> str:
    lease = claim(handoff_id)
    if lease is None:
        return "busy: another worker holds this handoff"
    try:
        handoff = Handoff.objects.get(pk=handoff_id)
        step = STEPS.get(handoff.state)
        if step is None or (handoff.state == HandoffState.CREATED and handoff.writeback_status != WritebackStatus.PENDING):
            return f"nothing to do in state {handoff.state}"
        if handoff.next_attempt_at and handoff.next_attempt_at > timezone.now():
            return f"retry not due until {handoff.next_attempt_at.isoformat()}"
        with event_context(handoff_id=handoff.pk, crm_record_id=handoff.crm_record_id, erp_order_number=handoff.erp_order_number or None):
            return _run(handoff, step, lease)
    finally:
        release(handoff_id, lease)


def _run(handoff: Handoff, step: Step, lease: str) -> str:
    before = handoff.state
    if step.needs_erp and outage.is_down(handoff.erp_system):
        outage.buffer(handoff, f"{erp_label(handoff.erp_system)} is unavailable")
        return f"{step.name}: buffered until {handoff.erp_system} answers"
    if step.name == "push" and (older := customer_queue.older_order_pending(handoff)) is not None:
        release(handoff.pk, lease)  # park may queue this handoff again at once: it must find the lease free
        customer_queue.park(handoff, older)  # not a failure: nothing is spent, it is woken when its turn comes
        return f"{step.name}: waiting behind handoff {older.pk} of the same customer"
    result = run_step(step.name, lambda: step.run(handoff), attempt=handoff.attempts + 1, system=step.system(handoff))
    if result.status is StepStatus.SUCCEEDED:
        new_state = result.value
        if step.needs_erp:
            outage.note_success(handoff.erp_system)
        with transaction.atomic():
            _save(handoff, state=new_state, attempts=0, next_attempt_at=None, last_error="", waiting_for_erp_since=None,
                  wait_reason="")
            # Free the lease with the new state: the next step's task, sent on commit, may start on another worker
            # at once, and finding the lease still held it would return "busy" and be gone.
            release(handoff.pk, lease)
            if new_state in STEPS:
                enqueue(ADVANCE_TASK, handoff.pk)
        record_event("state_changed", outcome=Outcome.SUCCESS if new_state != HandoffState.EXCEPTION else Outcome.VALIDATION_FAILURE,
                     message=f"{before} → {new_state}", erp_order_number=handoff.erp_order_number or None)
        if new_state not in customer_queue.ERP_BOUND_STATES:
            customer_queue.wake_next(handoff)
        return f"{before} → {new_state}"
    if result.status is StepStatus.RETRY:
        if step.needs_erp and _is_erp_outage(handoff, result.error) and outage.note_transient_failure(handoff.erp_system, result.error):
            outage.buffer(handoff, str(result.error)[:200])
            return f"{step.name}: {handoff.erp_system} is down; buffered"
        delay = (result.retry_at - timezone.now()).total_seconds()
        with transaction.atomic():
            _save(handoff, attempts=handoff.attempts + 1, next_attempt_at=result.retry_at, last_error=str(result.error))
            release(handoff.pk, lease)
            enqueue(ADVANCE_TASK, handoff.pk, delay_s=max(delay, 0.0))
        if step.name == "push" and result.attempt == ESCALATE_PUSH_AFTER_ATTEMPTS:
            _escalate_push(handoff, result.error, result.attempt)
        return f"{step.name}: retry {result.attempt} at {result.retry_at.isoformat()}"
    step.on_dead(handoff, result.error, result.exhausted)
    customer_queue.wake_next(handoff)
    return f"{step.name}: failed permanently: {result.error}"


def _is_erp_outage(handoff: Handoff, error: IntegrationError) -> bool:
    """A transient failure of the ERP itself (not a locked record or a bug of ours) counts towards an outage."""
    return (error.system in ("", handoff.erp_system) and not isinstance(error, LockedRecordError)
            and not str(error).startswith("internal error"))


def _escalate_push(handoff: Handoff, error: IntegrationError, attempt: int) -> None:
    """The seed's "ERP creation error: escalate when the third retry fails"."""
    from exceptions_queue.alerts import send_alert
    from exceptions_queue.escalation import escalation_owner

    owners = escalation_owner("ops")
    text = (f"Creating the order for {handoff.deal_name or handoff.crm_record_id} in {erp_label(handoff.erp_system)} "
            f"failed {attempt} times (the third retry failed): {error}. The pipeline keeps retrying on its schedule; "
            "look at the ERP error before it reaches the dead-letter queue.")
    record_event("push_escalated", outcome=Outcome.TRANSIENT_ERROR, message=text, data={"attempt": attempt, "owners": owners})
    send_alert(title=f"Escalated: ERP creation keeps failing — {handoff.deal_name or handoff.crm_record_id}", text=text,
               severity="error", handoff=handoff, recipients=owners or None)


def _to_exception(handoff: Handoff, failures: list[Failure]) -> str:
    with transaction.atomic():
        for failure in failures:
            open_exception(handoff=handoff, type=failure.type, message=failure.message, field=failure.field, detail=failure.detail, team=failure.team)
    return HandoffState.EXCEPTION


def _save(handoff: Handoff, **fields) -> None:
    """Save the given fields (never the lease, which only `claim`/`release` touch)."""
    for name, value in fields.items():
        setattr(handoff, name, value)
    handoff.save(update_fields=[*fields, "updated_at"])


# ---- one worker per deal ---------------------------------------------------------------------------------------------------


def claim(handoff_id: int) -> str | None:
    token = uuid.uuid4().hex
    now = timezone.now()
    taken = (
        Handoff.objects.filter(pk=handoff_id)
        .filter(Q(lease_until__isnull=True) | Q(lease_until__lt=now))
        .update(lease_owner=token, lease_until=now + dt.timedelta(seconds=settings.HANDOFF_LEASE_SECONDS))
    )
    return token if taken else None


def release(handoff_id: int, token: str) -> None:
    Handoff.objects.filter(pk=handoff_id, lease_owner=token).update(lease_owner="", lease_until=None)
