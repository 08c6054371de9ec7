"""Services that change handoffs from outside the pipeline: open one for a won deal, re-queue one a person fixed, and
the watchdog that re-drives handoffs whose step overran its deadline (a lost task, a killed worker)."""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils import timezone

from exceptions_queue.services import close_open_items
from handoff_project.integration.events import event_context, record_event
from handoff_project.integration.models import Outcome
from handoff_project.integration.steps import enqueue

from . import customer_queue
from .models import ACTIVE_STATES, Handoff, HandoffState, WritebackStatus
from .pipeline import ADVANCE_TASK, RESUME_STATE, STEPS


class RequeueRefused(Exception):
    pass


def open_handoff(*, crm_system: str, crm_record_id: str, inbound_event=None, deal_name: str = "",
                 via: str = "") -> tuple[Handoff, bool]:
    """One handoff per CRM deal, however many times (or how concurrently) the deal is announced.

    `via` says how it was announced when not by webhook (e.g. "found by the reconciliation poll")."""
    try:
        with transaction.atomic():
            handoff = Handoff.objects.create(
                crm_system=crm_system,
                crm_record_id=crm_record_id,
                erp_system=settings.DEFAULT_ERP_SYSTEM,  # until the routing rules have read the deal
                inbound_event=inbound_event,
                deal_name=deal_name[:255],
            )
            with event_context(handoff_id=handoff.pk, crm_record_id=crm_record_id):
                record_event("handoff_opened", outcome=Outcome.SUCCESS, system=crm_system,
                             message=f"deal won in {crm_system}{' (' + via + ')' if via else ''}; handoff {handoff.pk} opened")
            enqueue(ADVANCE_TASK, handoff.pk)
            return handoff, True
    except IntegrityError:
        handoff = Handoff.objects.get(crm_system=crm_system, crm_record_id=crm_record_id)
        with event_context(handoff_id=handoff.pk, crm_record_id=crm_record_id):
            record_event("duplicate_trigger", system=crm_system, message=f"deal announced again; handoff {handoff.pk} is {handoff.state}, nothing new started")
        return handoff, False


def requeue_handoff(*, handoff_id: int, user=None, note: str = "", keep_deal: bool = False, resume: str | None = None) -> Handoff:
    """Send a handoff in exception, dead-lettered or with a failed writeback through the pipeline again.

    `keep_deal`: a person corrected or decided on this version of the deal; resolve it again without fetching it
    from the CRM. `resume`: start from this state instead of the one the failure implies (an edited payload).
    """
    with transaction.atomic():
        handoff = Handoff.objects.select_for_update().get(pk=handoff_id)
        if handoff.state == HandoffState.EXCEPTION:
            # The cause may have been fixed in the CRM (fetch the deal again) or in the crosswalks (resolve again).
            fields = {"order_request": None} if keep_deal and handoff.deal else {"deal": None, "order_request": None}
            resume = resume or HandoffState.RECEIVED
        elif handoff.state == HandoffState.DEAD:
            letter = handoff.dead_letters.order_by("-created_at").first()
            resume, fields = resume or RESUME_STATE.get(letter.step if letter else "resolve", HandoffState.RECEIVED), {}
        elif handoff.state == HandoffState.CREATED and handoff.writeback_status == WritebackStatus.FAILED:
            if resume not in (None, HandoffState.CREATED):
                raise RequeueRefused("the order exists in the ERP; only its writeback can be re-queued")
            resume, fields = HandoffState.CREATED, {"writeback_status": WritebackStatus.PENDING, "flagged": False, "flag_reason": ""}
        else:
            raise RequeueRefused(f"handoff {handoff.pk} is {handoff.get_state_display().lower()}; only exceptions, dead letters and failed writebacks can be re-queued")
        before = handoff.state
        for name, value in {**fields, "state": resume, "attempts": 0, "next_attempt_at": None, "last_error": ""}.items():
            setattr(handoff, name, value)
        handoff.save()
        close_open_items(handoff=handoff, user=user, note=note)
        with event_context(handoff_id=handoff.pk, crm_record_id=handoff.crm_record_id):
            who = getattr(user, "username", "") or "system"
            record_event("requeued", message=f"{who} re-queued ({before} → {resume}){': ' + note if note else ''}", data={"user": who})
        enqueue(ADVANCE_TASK, handoff.pk)
    return handoff


def step_deadlines(overrides: dict | None = None) -> dict[str, dt.timedelta]:
    """How long a handoff may sit in each intermediate state without progress (settings.HANDOFF_STEP_DEADLINES)."""
    seconds = _deadline_seconds(overrides)
    return {state: dt.timedelta(seconds=float(seconds[state])) for state in ACTIVE_STATES if state in seconds}


def _deadline_seconds(overrides: dict | None) -> dict:
    return {**settings.HANDOFF_STEP_DEADLINES, **(overrides or {})}


def redrive_stuck_handoffs(*, deadlines: dict | None = None) -> int:
    """Find handoffs a worker owes a step but nobody is working on (lost task, killed worker) and queue them again.

    A handoff is stuck when it has sat in its state longer than that step's deadline (`step_deadlines`) with no lease
    held and no retry due; each re-drive records which step overran its deadline and by how much."""
    from .models import ErpAvailability

    now = timezone.now()
    limits = step_deadlines(deadlines)
    overdue = Q()
    for state, limit in limits.items():
        overdue |= Q(state=state, updated_at__lt=now - limit)
    down = ErpAvailability.objects.filter(state=ErpAvailability.State.DOWN).values_list("erp_system", flat=True)
    stuck = (
        Handoff.objects.filter(overdue)
        .exclude(lease_until__gt=now)
        .exclude(next_attempt_at__gt=now)
        .exclude(state=HandoffState.CREATED, writeback_status__in=[WritebackStatus.DONE, WritebackStatus.FAILED])
        .exclude(wait_reason="erp_down", erp_system__in=list(down))  # buffered on purpose; the drain queues them
        .exclude(wait_reason="customer_queue")  # parked behind an older order; woken by it (or wake_stalled below)
    )
    count = 0
    for handoff_id, crm_record_id, state, updated_at in stuck.values_list("pk", "crm_record_id", "state", "updated_at")[:500]:
        step, idle_s, limit_s = STEPS[state].name, (now - updated_at).total_seconds(), limits[state].total_seconds()
        with event_context(handoff_id=handoff_id, crm_record_id=crm_record_id):
            record_event("redriven", outcome=Outcome.RETRY_SCHEDULED,
                         message=f"the {step} step (state {state}) overran its deadline of {limit_s:.0f} s: no worker "
                                 f"progressed this handoff for {idle_s:.0f} s; queued again by the watchdog",
                         data={"state": state, "step": step, "deadline_s": limit_s, "idle_s": round(idle_s, 1)})
        enqueue(ADVANCE_TASK, handoff_id)
        count += 1
    return count + customer_queue.wake_stalled() + redrive_unprocessed_deliveries(now=now, deadlines=deadlines)


def redrive_unprocessed_deliveries(*, now, deadlines: dict | None = None) -> int:
    """A stored webhook delivery whose processing task was lost (a worker killed, its database connection dropped)
    would never open its handoffs: queue it again once it is older than the "accepted" deadline (processing is
    idempotent: a delivery is processed once, a deal opens one handoff)."""
    from crm_sync.webhooks import PROCESS_TASK
    from handoff_project.integration.models import InboundEvent

    limit = float(_deadline_seconds(deadlines).get("accepted", 120))
    waiting = (InboundEvent.objects.filter(status=InboundEvent.Status.ACCEPTED, received_at__lt=now - dt.timedelta(seconds=limit))
               .order_by("received_at").values_list("pk", "system", "received_at")[:500])
    for inbound_id, system, received_at in waiting:
        record_event("inbound_redriven", outcome=Outcome.RETRY_SCHEDULED, system=system,
                     message=f"{system} delivery {inbound_id} was stored {(now - received_at).total_seconds():.0f} s ago and "
                             f"not processed within its deadline of {limit:.0f} s; queued again by the watchdog",
                     data={"inbound_event_id": inbound_id, "deadline_s": limit})
        enqueue(PROCESS_TASK, inbound_id)
    return len(waiting)
