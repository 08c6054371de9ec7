"""Open and close exceptions and dead letters; every change is also an event."""

from __future__ import annotations

import datetime as dt

from django.db import transaction
from django.utils import timezone

from handoff_project.integration.errors import (
    AuthenticationError,
    ConfigurationError,
    IntegrationError,
    NotFoundError,
    RemoteValidationError,
    TransientError,
)
from handoff_project.integration.events import record_event
from handoff_project.integration.models import Outcome

from .alerts import send_alert
from .models import TEAM_FOR_TYPE, DeadLetter, ExceptionType, HandoffException

# Unresolved customers escalate after 4 h (requirements.md); others get a working-day default until issue 6.
ESCALATE_AFTER = {ExceptionType.CUSTOMER_NOT_FOUND: dt.timedelta(hours=4)}
DEFAULT_ESCALATION = dt.timedelta(hours=8)


def open_exception(*, handoff, type: str, message: str, field: str = "", detail: dict | None = None, team: str = "") -> HandoffException:
    exc = HandoffException.objects.create(
        handoff=handoff,
        type=type,
        team=team or TEAM_FOR_TYPE[ExceptionType(type)],
        field=field,
        message=message,
        detail=detail or {},
        escalate_at=timezone.now() + ESCALATE_AFTER.get(type, DEFAULT_ESCALATION),
    )
    record_event(
        "exception_opened",
        outcome=Outcome.VALIDATION_FAILURE,
        message=f"{exc.get_type_display()} → {exc.get_team_display()}: {message}",
        data={"exception_id": exc.pk, "type": type, "field": field},
    )
    return exc


def close_open_items(*, handoff, user=None, note: str = "") -> int:
    """Close the handoff's open exceptions and dead letters (a person fixed the cause and re-queued)."""
    now = timezone.now()
    with transaction.atomic():
        closed = handoff.exceptions.filter(state=HandoffException.State.OPEN).update(
            state=HandoffException.State.RESOLVED, resolved_at=now, resolved_by=user, resolution_note=note
        )
        closed += handoff.dead_letters.filter(state=DeadLetter.State.OPEN).update(
            state=DeadLetter.State.REQUEUED, closed_at=now, closed_by=user
        )
    return closed


def dead_letter(*, handoff, step: str, error: IntegrationError, retries_exhausted: bool) -> DeadLetter:
    letter = DeadLetter.objects.create(
        handoff=handoff,
        step=step,
        reason=str(error),
        error_detail=error.as_dict(),
        recommended_resolution=error.recommended_resolution or recommend_resolution(error, retries_exhausted),
        retries_exhausted=retries_exhausted,
    )
    send_alert(
        title=f"Dead letter: {handoff.deal_name or handoff.crm_record_id} ({step})",
        text=f"{letter.reason}\nRecommended: {letter.recommended_resolution}",
        severity="error",
        handoff=handoff,
    )
    return letter


def recommend_resolution(error: IntegrationError, retries_exhausted: bool) -> str:
    system = (error.system or "the remote system").upper() if len(error.system or "") <= 4 else error.system
    if retries_exhausted or isinstance(error, TransientError):
        return (
            f"{system} kept failing with a temporary error through every retry. Check that {system} is up "
            "(the event log shows each attempt), then re-queue."
        )
    if isinstance(error, AuthenticationError):
        return f"{system} refused our credentials. Fix the {system} credentials in the environment, then re-queue."
    if isinstance(error, ConfigurationError):
        return f"The integration is not configured for this: {error.message}. Fix the setting, then re-queue."
    if isinstance(error, NotFoundError):
        return f"{system} does not know a record we referred to. Create it in {system} or correct the crosswalk, then re-queue."
    if isinstance(error, RemoteValidationError):
        return (
            f"{system} rejected the data. Correct the field it names (in the CRM deal or the crosswalk entry), "
            "then re-queue."
        )
    return "Read the error detail, correct the cause, then re-queue."
