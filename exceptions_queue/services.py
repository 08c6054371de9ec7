"""Open and close exceptions and dead letters; every change is also an event, every DLQ arrival an alert.

Resolving exceptions by a person lives in `resolving.py`, dead-letter actions in `dead_letters.py`.
"""

from __future__ import annotations

import re

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

from .alerts import page, resolve_page, send_alert
from .escalation import escalate, escalation_plan
from .models import TEAM_FOR_TYPE, DeadLetter, ExceptionType, HandoffException


def open_exception(*, handoff, type: str, message: str, field: str = "", detail: dict | None = None, team: str = "") -> HandoffException:
    escalate_at, escalate_now = escalation_plan(type=type, handoff=handoff, detail=detail or {}, now=timezone.now())
    exc = HandoffException.objects.create(
        handoff=handoff,
        type=type,
        team=team or TEAM_FOR_TYPE[ExceptionType(type)],
        field=field,
        message=message,
        detail=detail or {},
        escalate_at=escalate_at,
        escalation_reason=escalate_now[:255],
    )
    record_event(
        "exception_opened",
        outcome=Outcome.VALIDATION_FAILURE,
        message=f"{exc.get_type_display()} → {exc.get_team_display()}: {message}",
        data={"exception_id": exc.pk, "type": type, "field": field},
    )
    if escalate_now:
        escalate(exc, escalate_now)
    return exc


def close_open_items(*, handoff, user=None, note: str = "") -> int:
    """Close the handoff's open exceptions and dead letters (a person fixed the cause and re-queued)."""
    now = timezone.now()
    with transaction.atomic():
        closed = handoff.exceptions.filter(state=HandoffException.State.OPEN).update(
            state=HandoffException.State.RESOLVED, resolved_at=now, resolved_by=user, resolution_note=note,
            resolution_kind="requeue",
        )
        letters = handoff.dead_letters.filter(state=DeadLetter.State.OPEN).update(
            state=DeadLetter.State.REQUEUED, closed_at=now, closed_by=user, close_reason=note
        )
        if letters:
            who = getattr(user, "username", "") or "system"
            resolve_page(dedup_key=dead_letter_dedup_key(handoff), summary=f"{who} re-queued handoff {handoff.pk}")
    return closed + letters


def dead_letter_dedup_key(handoff) -> str:
    return f"dead-letter/handoff-{handoff.pk}"


def dead_letter(*, handoff, step: str, error: IntegrationError, retries_exhausted: bool) -> DeadLetter:
    letter = DeadLetter.objects.create(
        handoff=handoff,
        step=step,
        reason=str(error),
        error_detail=error.as_dict(),
        recommended_resolution=error.recommended_resolution or recommend_resolution(error, retries_exhausted),
        retries_exhausted=retries_exhausted,
    )
    detail = error.as_dict()
    erp_error = " ".join(p for p in [f"{(detail.get('system') or '').upper()} {detail.get('vendor_code') or ''}".strip(),
                                     f"HTTP {detail['http_status']}" if detail.get("http_status") else ""] if p)
    send_alert(
        title=f"Dead letter: {handoff.deal_name or handoff.crm_record_id} ({step})",
        text=f"Deal {handoff.deal_name or handoff.crm_record_id} ({handoff.crm_system} {handoff.crm_record_id}) stopped at {step}.\n"
        f"Error: {letter.reason}{' [' + erp_error + ']' if erp_error else ''}\n"
        f"Recommended: {letter.recommended_resolution}",
        severity="error",
        handoff=handoff,
        link_path=f"/ops/dead-letters/{letter.pk}/",
    )
    if retries_exhausted:
        page(
            dedup_key=dead_letter_dedup_key(handoff), priority="P2", event_class="retries-exhausted", handoff=handoff,
            summary=f"Retries exhausted: {handoff.deal_name or handoff.crm_record_id} dead-lettered at {step}",
            details=f"{letter.reason}\nRecommended: {letter.recommended_resolution}", link_path=f"/ops/dead-letters/{letter.pk}/",
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
    specific = _specific_recommendation(error, system)
    if specific:
        return specific
    if isinstance(error, NotFoundError):
        return f"{system} does not know a record we referred to. Create it in {system} or correct the crosswalk, then re-queue."
    if isinstance(error, RemoteValidationError):
        return (
            f"{system} rejected the data. Correct the field it names (in the CRM deal or the crosswalk entry), "
            "or edit the payload here, then re-queue."
        )
    return "Read the error detail, correct the cause, then re-queue."


# What the ERP's words point at → what a person does about it (first match wins; whole words, so
# "PurchaseOrderByCustomer is mandatory" is a missing field, not an unknown customer).
_RECOMMENDATIONS = (
    (r"\b(required|mandatory|missing|must not be empty|is initial)\b",
     "{system} needs a field the order lacks. Add the missing field (in the CRM deal or by editing the payload), then re-queue."),
    (r"\b(business partner|customer|sold-to|soldtoparty)\b",
     "{system} does not know the customer. Create the customer (business partner) in {system}, map it in Crosswalk › "
     "Customers, then re-queue."),
    (r"\b(postal|address|region|street|zip)",
     "{system} rejected the address. Correct the address format (postal code, region, country) in the payload or on "
     "the CRM account, then re-queue."),
    (r"\b(payment terms|zterm|terms)\b",
     "{system} does not accept the payment terms. Fix the Crosswalk › Payment terms entry or edit the payload's "
     "terms key, then re-queue."),
    (r"\b(material|product)\b",
     "{system} does not know a material. Correct the Crosswalk › Products entry or edit the payload's material, then re-queue."),
)


def _specific_recommendation(error: IntegrationError, system: str) -> str:
    if not isinstance(error, (NotFoundError, RemoteValidationError)):
        return ""
    text = f"{error.message} {error.detail}".lower()
    for pattern, advice in _RECOMMENDATIONS:
        if re.search(pattern, text):
            return advice.format(system=system)
    return ""
