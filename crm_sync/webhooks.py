"""What every CRM webhook view does, in Zulip's order: verify → store raw → enqueue on commit → answer.

A connector's webhook.py verifies the request in its vendor's way and then calls one of these:
  `accept`  — store the delivery (secrets redacted) and queue its processing after commit; a redelivery of a known
              dedup key is counted on the first and queues nothing (answer it like the first, so the sender stops);
  `reject`  — store the request as rejected with the reason (bad signature → 401, malformed → 400), so nothing that
              arrived is lost from view, and log it.
Processing (`crm_sync.inbound.process_inbound_event`) reads the stored delivery through the connector's `triggers`.

Every view is wrapped in `refuse_oversized`: a body larger than DATA_UPLOAD_MAX_MEMORY_SIZE (2.5 MB by default;
HubSpot's 100-event batch and Salesforce's 100-notification message are a few hundred KB at most) is answered 413
before anything reads it whole, and kept as rejected with its head (256 KB) and its announced size. Left to Django,
`request.body` would raise RequestDataTooBig, answered 400 with nothing stored.
"""

from __future__ import annotations

import functools

from django.conf import settings
from django.db import transaction

from handoff_project.integration.events import record_event
from handoff_project.integration.models import InboundEvent, Outcome
from handoff_project.integration.steps import enqueue

from .services import REJECTED_BODY_LIMIT, store_inbound_event

PROCESS_TASK = "crm_sync.tasks.process_inbound_event"


def accept(*, system: str, request, dedup_key: str | None) -> tuple[InboundEvent, bool]:
    """Store an accepted delivery and queue it; returns (event, created). Not created = a redelivery, ignored."""
    with transaction.atomic():
        inbound, created = store_inbound_event(system=system, request=request, dedup_key=dedup_key)
        if created:
            enqueue(PROCESS_TASK, inbound.pk)
    if not created:
        record_event("webhook_duplicate", system=system,
                     message=f"redelivery of inbound event {inbound.pk} acknowledged and ignored")
    return inbound, created


def reject(*, system: str, request, reason: str, status: int, body: bytes | None = None,
           body_bytes: int | None = None) -> InboundEvent:
    """Keep a refused request for inspection (401 signature / 400 malformed / 413 too large) and log why.
    `body`/`body_bytes`: the head and announced size of a body too large to read whole."""
    inbound, _ = store_inbound_event(system=system, request=request, dedup_key=None, body=body, body_bytes=body_bytes,
                                     status=InboundEvent.Status.REJECTED, error=reason)
    record_event("webhook_rejected", outcome=Outcome.VALIDATION_FAILURE, system=system,
                 message=f"HTTP {status}: {reason}", data={"inbound_event_id": inbound.pk, "status": status})
    return inbound


def ignore(*, system: str, request, reason: str, dedup_key: str | None = None) -> InboundEvent:
    """Store a well-formed, authentic delivery that announces nothing we handle (answered 200)."""
    inbound, _ = store_inbound_event(system=system, request=request, dedup_key=dedup_key,
                                     status=InboundEvent.Status.IGNORED, error=reason)
    record_event("inbound_ignored", system=system, message=reason, data={"inbound_event_id": inbound.pk})
    return inbound


def refuse_oversized(*, system: str, answer):
    """Decorate a webhook view: a body over the upload limit gets `answer(413, message)` and is kept as rejected."""

    def decorate(view):
        @functools.wraps(view)
        def wrapped(request, *args, **kwargs):
            size = announced_size(request)
            limit = settings.DATA_UPLOAD_MAX_MEMORY_SIZE
            if limit is None or size <= limit:
                return view(request, *args, **kwargs)
            head = request.read(REJECTED_BODY_LIMIT)  # the stream, not request.body: that would refuse to read it
            reason = (f"the request body is {size:,} bytes; this endpoint accepts at most {limit:,} bytes "
                      "(DATA_UPLOAD_MAX_MEMORY_SIZE)")
            inbound = reject(system=system, request=request, reason=reason, status=413, body=head, body_bytes=size)
            return answer(413, f"Payload too large: {reason}. Nothing was processed; its first "
                               f"{min(size, REJECTED_BODY_LIMIT):,} bytes are kept as rejected inbound event {inbound.pk}.")

        return wrapped

    return decorate


def announced_size(request) -> int:
    """The Content-Length the sender announced (0 when absent or unreadable: then Django reads no body at all)."""
    try:
        return max(int(request.META.get("CONTENT_LENGTH") or 0), 0)
    except ValueError:
        return 0
