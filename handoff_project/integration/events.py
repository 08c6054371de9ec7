"""Writing to the event log. Every step and every HTTP exchange goes through `record_event`.

A context (handoff id, CRM record id, ERP order number) is set around a step with `event_context`, so clients deep
in a connector log their HTTP calls against the right deal without passing ids around.
"""

from __future__ import annotations

import contextlib
import contextvars
import logging

from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.db import IntegrityError, transaction

from .models import Event, ExternalRef, Outcome
from .redaction import redact_body, redact_data, redact_text, truncate

log = logging.getLogger("handoff.events")

_context: contextvars.ContextVar[dict] = contextvars.ContextVar("handoff_event_context", default={})


@contextlib.contextmanager
def event_context(**values):
    merged = {**_context.get(), **{k: v for k, v in values.items() if v is not None}}
    token = _context.set(merged)
    try:
        yield merged
    finally:
        _context.reset(token)


def current_context() -> dict:
    return dict(_context.get())


def record_event(
    event_type: str,
    *,
    outcome: str = Outcome.INFO,
    system: str = "",
    message: str = "",
    method: str = "",
    endpoint: str = "",
    http_status: int | None = None,
    duration_ms: int | None = None,
    request_body: str | bytes | None = None,
    body: str | bytes | None = None,
    data: dict | None = None,
    **ids,
) -> Event:
    """Append one event. Bodies are redacted and cut at 10 KB; ids default to the surrounding `event_context`."""
    ctx = {**_context.get(), **{k: v for k, v in ids.items() if v is not None}}
    limit = settings.EVENT_BODY_LIMIT
    event = Event(
        event_type=event_type,
        outcome=outcome,
        system=system or ctx.get("system", ""),
        message=redact_text(message)[:4000],
        method=method,
        endpoint=redact_text(endpoint)[:500],
        http_status=http_status,
        duration_ms=duration_ms,
        request_body=truncate(redact_body(request_body), limit) if request_body else "",
        body=truncate(redact_body(body), limit) if body else "",
        data=redact_data(data or {}),
        handoff_id=ctx.get("handoff_id"),
        crm_record_id=ctx.get("crm_record_id", "") or "",
        erp_order_number=ctx.get("erp_order_number", "") or "",
    )
    # The event survives a rollback of the surrounding work only if written outside it; steps write events after
    # their own transaction, so a plain save is right here.
    event.save()
    log.info("%s %s %s %s", event_type, outcome, event.system, event.message[:200])
    return event


def bind_external_ref(*, system: str, object_type: str, external_id: str, obj) -> ExternalRef:
    """Bind an external id to a local object; binding the same id twice to the same object is a no-op."""
    content_type = ContentType.objects.get_for_model(obj)
    try:
        with transaction.atomic():
            return ExternalRef.objects.create(
                system=system,
                object_type=object_type,
                external_id=external_id,
                content_type=content_type,
                object_id=str(obj.pk),
            )
    except IntegrityError:
        existing = ExternalRef.objects.get(system=system, object_type=object_type, external_id=external_id)
        if (existing.content_type_id, existing.object_id) != (content_type.id, str(obj.pk)):
            raise
        return existing


def find_by_external_ref(*, system: str, object_type: str, external_id: str):
    ref = ExternalRef.objects.filter(system=system, object_type=object_type, external_id=external_id).first()
    return ref.local_object if ref else None
