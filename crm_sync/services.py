"""CRM side of the flow: store what arrives, turn won deals into handoffs, fetch deals, write order numbers back."""

from __future__ import annotations

import logging

from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone

from handoff_project.integration.canonical import Deal, to_dict
from handoff_project.integration.errors import PermanentError
from handoff_project.integration.events import record_event
from handoff_project.integration.models import InboundEvent, Outcome
from handoff_project.integration.redaction import redact_body, redact_headers, storable, truncate

from .connectors.base import get_crm_adapter

log = logging.getLogger("handoff.crm_sync")

# A rejected request may be anything, of any size: keep enough to inspect it, not a flood's worth.
REJECTED_BODY_LIMIT = 256 * 1024
ACCEPTED_BODY_LIMIT = 5 * 1024 * 1024
# What mapping a CRM record can raise: ValueError (a value it cannot read) and, for a record whose shape is not the
# API's (a list where an object belongs, a missing id), the errors of reading it as that shape.
UNREADABLE_RECORD = (ValueError, TypeError, KeyError, IndexError, AttributeError, ArithmeticError)


def store_inbound_event(
    *, system: str, request, dedup_key: str | None, status: str = InboundEvent.Status.ACCEPTED, error: str = "",
    body: bytes | None = None, body_bytes: int | None = None,
) -> tuple[InboundEvent, bool]:
    """Store a delivery as it arrived (secrets redacted). Returns (event, created); a redelivery of a known
    dedup_key is counted on the first one and not stored again.

    `body`/`body_bytes` are given for a request too large to read whole (its head, and its announced size).
    Two identical deliveries at the same moment: the unique (system, dedup_key) index makes the second INSERT wait
    for the first transaction; it then fails inside its savepoint and counts itself on the row the first one wrote.
    """
    body = request.body if body is None else body
    limit = ACCEPTED_BODY_LIMIT if status == InboundEvent.Status.ACCEPTED else REJECTED_BODY_LIMIT
    dedup_key = None if dedup_key is None else storable(dedup_key)
    fields = dict(
        system=system,
        status=status,
        dedup_key=dedup_key,
        method=storable(request.method or "")[:10],
        path=storable(request.get_full_path())[:500],
        remote_addr=request.META.get("REMOTE_ADDR") or None,
        headers=redact_headers({k: v for k, v in request.headers.items()}),
        content_type=storable(request.content_type or "")[:200],
        body=truncate(redact_body(body), limit),
        body_bytes=len(body) if body_bytes is None else body_bytes,
        error=storable(error),
    )
    if dedup_key is None:
        return InboundEvent.objects.create(**fields), True
    try:
        with transaction.atomic():
            return InboundEvent.objects.create(**fields), True
    except IntegrityError:
        InboundEvent.objects.filter(system=system, dedup_key=dedup_key).update(deliveries=F("deliveries") + 1)
        return InboundEvent.objects.get(system=system, dedup_key=dedup_key), False


def mark_inbound(inbound: InboundEvent, status: str, error: str = "") -> None:
    InboundEvent.objects.filter(pk=inbound.pk).update(status=status, error=error, processed_at=timezone.now())


def fetch_deal(*, crm_system: str, crm_record_id: str) -> Deal:
    """The won deal from the CRM, in canonical form (raises the kernel's errors on failure).

    The mappers raise ValueError for a record they cannot read (a price that is no number, a line without a
    quantity), and a record of a shape the API never sends ends in one of UNREADABLE_RECORD: asking again returns
    the same record, so that is a PermanentError a person fixes in the CRM (not a crash retried five times)."""
    try:
        return get_crm_adapter(crm_system).fetch_deal(crm_record_id)
    except UNREADABLE_RECORD as exc:
        what = str(exc) if isinstance(exc, ValueError) else f"{type(exc).__name__}: {exc}"
        raise PermanentError(
            f"The {crm_system} deal {crm_record_id} could not be read: {what}. Correct the deal in the CRM, then "
            "re-queue the handoff.", system=crm_system, reason="unreadable_crm_record",
        ) from exc


def deal_summary(deal: Deal) -> dict:
    """The fields of a deal a handoff keeps as columns for lists and search."""
    return {
        "deal": to_dict(deal),
        "deal_name": deal.name[:255],
        "customer_name": deal.account.name[:255],
        "business_unit": deal.business_unit[:100],
        "amount": deal.total.amount,
        "currency": deal.currency,
    }


def write_back_order_number(*, crm_system: str, crm_record_id: str, order_number: str) -> None:
    get_crm_adapter(crm_system).write_order_number(crm_record_id, order_number)


def flag_deal_in_crm(*, crm_system: str, crm_record_id: str, message: str) -> bool:
    """Best effort: the CRM may be the very thing that is failing. Returns whether the flag was set."""
    try:
        get_crm_adapter(crm_system).flag_deal(crm_record_id, message)
    except Exception as exc:  # noqa: BLE001 - flagging must never hide the original failure
        record_event("crm_flag", outcome=Outcome.PERMANENT_ERROR, system=crm_system, message=f"could not flag the deal: {exc}")
        return False
    return True
