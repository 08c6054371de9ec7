"""Approvals of medium- and high-risk handoffs (requirements.md, "Risk-based routing"), as transitions of the pipeline.

    validated ─route─▶ pushing                                                      low
              └──────▶ awaiting_approval ─window passes, or approve─▶ pushing        medium (hold stops the window,
                                                                                     cancel closes the handoff)
              └──────▶ awaiting_approval ─approve─▶ pushing                          high
                                          ─reject─▶ closed
                                          ─request change─▶ exception (sales ops)

Four-eyes: nobody approves a handoff they changed (picked a candidate, corrected a field or overrode a check on one of
its exceptions, edited its payload). The event log is the record of who changed what, so the rule reads it.
Every decision is an event; approvers are notified through the alert channels.
"""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.contrib.auth.models import Group
from django.db import transaction
from django.utils import timezone

from handoff_project.integration.events import event_context, record_event
from handoff_project.integration.models import Event, Outcome
from handoff_project.integration.steps import enqueue

from .models import OPEN_APPROVAL_STATES, Approval, ApprovalState, Handoff, HandoffState
from .risk import MEDIUM, RiskAssessment

RELEASE_TASK = "erp_orders.tasks.release_after_window"
# Events that change what a handoff will create in the ERP, each with data["user"] (see exceptions_queue.resolving).
CHANGE_EVENTS = ("exception_resolved", "mapping_proposed", "deal_corrected", "check_overridden", "payload_edited")


class ApprovalRefused(Exception):
    """The decision is not possible now (wrong state, four-eyes, missing comment); the message says why."""


# ---- from the pipeline ----------------------------------------------------------------------------------------------


def request_approval(handoff: Handoff, assessment: RiskAssessment) -> str:
    """Open an approval for a medium or high handoff; returns the state the handoff moves to."""
    now = timezone.now()
    window = settings.HANDOFF_INTERVENTION_WINDOW_SECONDS
    medium = assessment.level == MEDIUM
    with transaction.atomic():
        handoff.approvals.filter(state__in=OPEN_APPROVAL_STATES).update(
            state=ApprovalState.CANCELLED, decided_at=now, comment="superseded: the handoff was assessed again"
        )
        approval = Approval.objects.create(
            handoff=handoff, level=assessment.level, factors=assessment.as_list(),
            window_ends_at=now + dt.timedelta(seconds=max(window, 0)) if medium else None,
        )
        if medium and window <= 0:
            _decide(approval, ApprovalState.RELEASED, comment="no intervention window configured")
            record_event("approval_released", outcome=Outcome.SUCCESS,
                         message=f"{assessment.summary()}; the intervention window is 0 s, so the order is created at once")
            return HandoffState.PUSHING
        if medium:
            enqueue(RELEASE_TASK, handoff.pk, delay_s=window)
            what = (f"Created automatically at {timezone.localtime(approval.window_ends_at):%H:%M} "
                    f"({window // 60 or window} {'min' if window >= 60 else 's'} from now) unless an approver holds or cancels it.")
        else:
            what = "Waits in the approval queue until an approver approves, rejects or asks for a change."
        record_event("approval_requested", outcome=Outcome.INFO, message=f"{assessment.summary()}. {what}",
                     data={"approval_id": approval.pk, "level": assessment.level})
        _notify_approvers(handoff, assessment, what)
    return HandoffState.AWAITING_APPROVAL


def _notify_approvers(handoff: Handoff, assessment: RiskAssessment, what: str) -> None:
    from exceptions_queue.alerts import send_alert

    emails = list(
        Group.objects.filter(name="approver").values_list("user__email", flat=True).exclude(user__email__isnull=True).exclude(user__email="")
    )
    send_alert(
        title=f"{assessment.level.title()}-risk handoff needs an approver: {handoff.deal_name or handoff.crm_record_id}",
        text=f"{assessment.summary()}.\n{what}",
        severity="warning" if assessment.level == MEDIUM else "error",
        handoff=handoff,
        link_path=f"/ops/approvals/{handoff.pk}/",
        recipients=emails or None,
    )


def release_after_window(handoff_id: int) -> str:
    """A medium-risk handoff whose intervention window passed without a hold goes on to the ERP."""
    now = timezone.now()
    with transaction.atomic():
        handoff = Handoff.objects.select_for_update().get(pk=handoff_id)
        approval = handoff.approvals.filter(state__in=OPEN_APPROVAL_STATES).first()
        if handoff.state != HandoffState.AWAITING_APPROVAL or approval is None or approval.level != MEDIUM:
            return "nothing to release"
        if approval.state != ApprovalState.PENDING:
            return f"approval {approval.get_state_display().lower()}; not released"
        if approval.window_ends_at and approval.window_ends_at > now:
            enqueue(RELEASE_TASK, handoff.pk, delay_s=(approval.window_ends_at - now).total_seconds())
            return "window still open"
        _decide(approval, ApprovalState.RELEASED, comment="intervention window passed without a hold")
        with event_context(handoff_id=handoff.pk, crm_record_id=handoff.crm_record_id):
            _move(handoff, HandoffState.PUSHING, "the intervention window passed without a hold")
    return "released"


def release_due_approvals() -> int:
    """Safety net run every minute: release medium handoffs whose window passed (a lost timer never blocks a deal)."""
    due = Approval.objects.filter(state=ApprovalState.PENDING, level=MEDIUM, window_ends_at__lte=timezone.now())
    return sum(release_after_window(pk) == "released" for pk in due.values_list("handoff_id", flat=True)[:200])


# ---- decisions of approvers -----------------------------------------------------------------------------------------


def changes_by(handoff_id: int, user) -> list[Event]:
    """The events in which `user` changed this handoff (what four-eyes forbids them to approve)."""
    return list(Event.objects.filter(handoff_id=handoff_id, event_type__in=CHANGE_EVENTS, data__user=user.get_username()))


def approve(*, handoff_id: int, user, comment: str = "") -> Handoff:
    with transaction.atomic():
        handoff, approval = _open(handoff_id)
        changed = changes_by(handoff.pk, user)
        if changed:
            raise ApprovalRefused(
                f"Four-eyes rule: you changed this handoff ({changed[0].message[:160]}), so another approver must approve it."
            )
        _decide(approval, ApprovalState.APPROVED, user=user, comment=comment)
        with event_context(handoff_id=handoff.pk, crm_record_id=handoff.crm_record_id):
            _record(handoff, "approved", user, f"approved the {approval.level}-risk handoff", comment)
            _move(handoff, HandoffState.PUSHING, f"approved by {user.get_username()}")
    return handoff


def reject(*, handoff_id: int, user, comment: str) -> Handoff:
    _require(comment, "Say why you reject it: the sales team reads this.")
    with transaction.atomic():
        handoff, approval = _open(handoff_id)
        _decide(approval, ApprovalState.REJECTED, user=user, comment=comment)
        with event_context(handoff_id=handoff.pk, crm_record_id=handoff.crm_record_id):
            _record(handoff, "rejected", user, "rejected the handoff; no order will be created", comment)
            _move(handoff, HandoffState.CLOSED, f"rejected by {user.get_username()}", closed_reason=f"Rejected by {user.get_username()}: {comment}")
    return handoff


def request_change(*, handoff_id: int, user, comment: str) -> Handoff:
    from exceptions_queue.models import ExceptionType
    from exceptions_queue.services import open_exception

    _require(comment, "Say what has to change: sales ops reads this.")
    with transaction.atomic():
        handoff, approval = _open(handoff_id)
        _decide(approval, ApprovalState.CHANGES_REQUESTED, user=user, comment=comment)
        with event_context(handoff_id=handoff.pk, crm_record_id=handoff.crm_record_id):
            _record(handoff, "change_requested", user, "asked for a change before approving", comment)
            open_exception(
                handoff=handoff, type=ExceptionType.CHANGE_REQUESTED, field="deal",
                message=f"Approver {user.get_username()} asked for a change before approving: {comment} "
                "Change the deal in the CRM, then re-queue; it comes back for approval.",
                detail={"approval_id": approval.pk, "level": approval.level, "factors": approval.factors},
            )
            _move(handoff, HandoffState.EXCEPTION, f"change requested by {user.get_username()}")
    return handoff


def hold(*, handoff_id: int, user, comment: str = "") -> Handoff:
    with transaction.atomic():
        handoff, approval = _open(handoff_id)
        if approval.level != MEDIUM or approval.state != ApprovalState.PENDING:
            raise ApprovalRefused("Only a medium-risk handoff in its intervention window can be held.")
        approval.state, approval.held_by = ApprovalState.HELD, user
        approval.comment = comment
        approval.save(update_fields=["state", "held_by", "comment"])
        with event_context(handoff_id=handoff.pk, crm_record_id=handoff.crm_record_id):
            _record(handoff, "approval_held", user, "held the handoff: it waits for an approver's decision", comment)
    return handoff


def cancel(*, handoff_id: int, user, comment: str) -> Handoff:
    _require(comment, "Say why you cancel it: the sales team reads this.")
    with transaction.atomic():
        handoff, approval = _open(handoff_id)
        if approval.level != MEDIUM:
            raise ApprovalRefused("A high-risk handoff is rejected, not cancelled.")
        _decide(approval, ApprovalState.CANCELLED, user=user, comment=comment)
        with event_context(handoff_id=handoff.pk, crm_record_id=handoff.crm_record_id):
            _record(handoff, "approval_cancelled", user, "cancelled the handoff in its intervention window", comment)
            _move(handoff, HandoffState.CLOSED, f"cancelled by {user.get_username()}", closed_reason=f"Cancelled by {user.get_username()}: {comment}")
    return handoff


# ---- helpers --------------------------------------------------------------------------------------------------------


def _open(handoff_id: int) -> tuple[Handoff, Approval]:
    handoff = Handoff.objects.select_for_update().filter(pk=handoff_id).first()
    if handoff is None:
        raise ApprovalRefused(f"There is no handoff {handoff_id}.")
    approval = handoff.approvals.filter(state__in=OPEN_APPROVAL_STATES).first()
    if handoff.state != HandoffState.AWAITING_APPROVAL or approval is None:
        raise ApprovalRefused(f"Handoff {handoff.pk} is {handoff.get_state_display().lower()}, not awaiting approval.")
    return handoff, approval


def _require(comment: str, why: str) -> None:
    if not (comment or "").strip():
        raise ApprovalRefused(f"A comment is required. {why}")


def _decide(approval: Approval, state: str, *, user=None, comment: str = "") -> None:
    approval.state, approval.decided_at, approval.decided_by = state, timezone.now(), user
    approval.comment = comment or approval.comment
    approval.save(update_fields=["state", "decided_at", "decided_by", "comment"])


def _record(handoff: Handoff, event_type: str, user, what: str, comment: str) -> None:
    who = user.get_username()
    record_event(event_type, message=f"{who} {what}{': ' + comment if comment else ''}", data={"user": who, "comment": comment})


def _move(handoff: Handoff, state: str, why: str, **fields) -> None:
    from .pipeline import ADVANCE_TASK

    before = handoff.state
    handoff.state = state
    for name, value in fields.items():
        setattr(handoff, name, value)
    handoff.save(update_fields=["state", *fields, "updated_at"])
    record_event("state_changed", outcome=Outcome.SUCCESS, message=f"{before} → {state} ({why})")
    if state == HandoffState.PUSHING:
        enqueue(ADVANCE_TASK, handoff.pk)
