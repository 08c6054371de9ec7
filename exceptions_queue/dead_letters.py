"""Dead-letter actions of ops: edit the payload and re-queue, re-queue in bulk (after an outage), discard with a reason.

The payload a person edits is what the failed step would send next: the resolved order request when there is one
(re-queued from validation, so prices and risk are checked again on the edited order), else the canonical deal
(re-queued from resolution). The ERP reference (the idempotency key) cannot be edited: it is what guarantees one
order per deal. Every action is an event naming the person.
"""

from __future__ import annotations

import json
from dataclasses import dataclass

from django.db import transaction
from django.utils import timezone

from handoff_project.integration.canonical import Deal, OrderRequest, from_dict
from handoff_project.integration.events import event_context, record_event

from .alerts import resolve_page
from .models import DeadLetter
from .services import dead_letter_dedup_key


class DeadLetterRefused(Exception):
    """The action does not fit this dead letter; the message says why."""


@dataclass(frozen=True)
class Payload:
    kind: str  # "order_request" | "deal" | ""
    data: dict | None

    @property
    def label(self) -> str:
        return {"order_request": "Resolved order request (what the ERP receives)", "deal": "Canonical deal (as fetched from the CRM)"}.get(self.kind, "")


def editable_payload(letter: DeadLetter) -> Payload:
    handoff = letter.handoff
    if handoff.order_request:
        return Payload("order_request", handoff.order_request)
    if handoff.deal:
        return Payload("deal", handoff.deal)
    return Payload("", None)


def edit_payload_and_requeue(*, dead_letter_id: int, user, payload_text: str, note: str = ""):
    from erp_orders.models import HandoffState
    from erp_orders.services import requeue_handoff

    with transaction.atomic():
        letter = _open_letter(dead_letter_id)
        current = editable_payload(letter)
        if not current.kind:
            raise DeadLetterRefused("There is no payload to edit yet (the deal was never fetched); re-queue it instead.")
        edited = parse_payload(current.kind, payload_text)
        if current.kind == "order_request" and edited.get("reference") != current.data.get("reference"):
            raise DeadLetterRefused(f"The reference {current.data.get('reference')!r} is the ERP's idempotency key and cannot change.")
        changed = changed_paths(current.data, edited)
        if not changed:
            raise DeadLetterRefused("The payload is unchanged; use Re-queue to send it again as it is.")
        handoff = letter.handoff
        setattr(handoff, current.kind, edited)
        handoff.save(update_fields=[current.kind, "updated_at"])
        who = user.get_username()
        with event_context(handoff_id=handoff.pk, crm_record_id=handoff.crm_record_id):
            record_event("payload_edited", message=f"{who} edited the {current.kind.replace('_', ' ')}: {', '.join(changed[:12])}"
                         f"{': ' + note if note else ''}", data={"user": who, "dead_letter_id": letter.pk, "paths": changed[:50]})
        resume = HandoffState.RESOLVED if current.kind == "order_request" else HandoffState.RECEIVED
        return requeue_handoff(handoff_id=handoff.pk, user=user, note=note or f"payload edited ({', '.join(changed[:5])})",
                               keep_deal=True, resume=resume)


def discard(*, dead_letter_id: int, user, reason: str):
    from erp_orders.models import HandoffState

    reason = (reason or "").strip()
    if len(reason) < 5:
        raise DeadLetterRefused("Say why it is discarded: the deal will never become an order.")
    with transaction.atomic():
        letter = _open_letter(dead_letter_id)
        handoff = letter.handoff
        who = user.get_username()
        letter.state, letter.closed_at, letter.closed_by, letter.close_reason = DeadLetter.State.DISCARDED, timezone.now(), user, reason
        letter.save(update_fields=["state", "closed_at", "closed_by", "close_reason"])
        handoff.state, handoff.closed_reason = HandoffState.CLOSED, f"Dead letter discarded by {who}: {reason}"
        handoff.save(update_fields=["state", "closed_reason", "updated_at"])
        with event_context(handoff_id=handoff.pk, crm_record_id=handoff.crm_record_id):
            record_event("dead_letter_discarded", message=f"{who} discarded the dead letter; no order will be created: {reason}",
                         data={"user": who, "dead_letter_id": letter.pk})
            record_event("state_changed", message=f"dead → closed (discarded by {who})")
        resolve_page(dedup_key=dead_letter_dedup_key(handoff), summary=f"{who} discarded the dead letter of handoff {handoff.pk}")
    return letter


def bulk_requeue(*, dead_letter_ids: list[int], user, note: str = "") -> tuple[list[int], list[str]]:
    """Re-queue the handoffs of these open dead letters (each in its own transaction, so one refusal stops none).
    Returns (re-queued handoff ids, refusals)."""
    from erp_orders.services import RequeueRefused, requeue_handoff

    done, refused = [], []
    handoff_ids = list(
        DeadLetter.objects.filter(pk__in=dead_letter_ids, state=DeadLetter.State.OPEN).values_list("handoff_id", flat=True).distinct()
    )
    for handoff_id in handoff_ids:
        try:
            requeue_handoff(handoff_id=handoff_id, user=user, note=note or "bulk re-queue")
            done.append(handoff_id)
        except RequeueRefused as error:
            refused.append(f"handoff {handoff_id}: {error}")
    return done, refused


def parse_payload(kind: str, text: str) -> dict:
    try:
        data = json.loads(text)
    except json.JSONDecodeError as error:
        raise DeadLetterRefused(f"The payload is not valid JSON: {error.msg} at line {error.lineno}, column {error.colno}.") from None
    if not isinstance(data, dict):
        raise DeadLetterRefused("The payload must be a JSON object.")
    try:
        from_dict(OrderRequest if kind == "order_request" else Deal, data)
    except (TypeError, ValueError, KeyError, ArithmeticError) as error:
        raise DeadLetterRefused(f"The payload does not fit the {kind.replace('_', ' ')} schema: {error}") from None
    return data


def changed_paths(before, after, prefix: str = "") -> list[str]:
    """Dotted paths that differ between two JSON values (lists by index)."""
    if isinstance(before, dict) and isinstance(after, dict):
        paths = []
        for key in sorted(set(before) | set(after), key=str):
            paths += changed_paths(before.get(key), after.get(key), f"{prefix}.{key}" if prefix else str(key))
        return paths
    if isinstance(before, list) and isinstance(after, list) and len(before) == len(after):
        paths = []
        for index, (b, a) in enumerate(zip(before, after)):
            paths += changed_paths(b, a, f"{prefix}[{index}]")
        return paths
    return [] if before == after else [prefix or "(root)"]


def _open_letter(dead_letter_id: int) -> DeadLetter:
    from erp_orders.models import HandoffState

    letter = DeadLetter.objects.select_for_update().select_related("handoff").filter(pk=dead_letter_id).first()
    if letter is None:
        raise DeadLetterRefused(f"There is no dead letter {dead_letter_id}.")
    if letter.state != DeadLetter.State.OPEN:
        raise DeadLetterRefused(f"This dead letter was already {letter.get_state_display().lower()}.")
    if letter.handoff.state != HandoffState.DEAD:
        raise DeadLetterRefused(f"The handoff is {letter.handoff.get_state_display().lower()}, not dead-lettered.")
    return letter
