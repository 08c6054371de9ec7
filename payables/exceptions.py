"""Invoice exceptions in the shared exceptions queue (exceptions_queue.HandoffException with `invoice` set).

The queue's own services open exceptions for handoffs; invoices get theirs here, with the same event on the log.
"""

from __future__ import annotations

import datetime as dt

from django.utils import timezone

from exceptions_queue.models import HandoffException
from handoff_project.integration.events import record_event
from handoff_project.integration.models import Outcome

from .routing import route_for

# Blocks stop a payment that may be due soon: they escalate sooner than holds and flags.
ESCALATE_AFTER = {"block": dt.timedelta(hours=4), "hold": dt.timedelta(hours=8), "flag": dt.timedelta(hours=24)}


def open_invoice_exception(*, invoice, finding) -> HandoffException:
    route = route_for(finding.kind)
    field = f"lines[{finding.line_id}]" if finding.line_id else ""
    exception = HandoffException.objects.create(
        invoice=invoice,
        type=route.exception_type,
        team=route.team,
        field=field,
        message=finding.message,
        detail={"action": route.action, "discrepancy": str(finding.kind), "po_item": finding.po_item,
                **{k: v for k, v in finding.detail.items()}},
        escalate_at=timezone.now() + ESCALATE_AFTER[route.action],
    )
    record_event(
        "invoice_exception_opened",
        outcome=Outcome.VALIDATION_FAILURE,
        system="payables",
        message=f"Invoice {invoice.invoice_number or invoice.pk}: {exception.get_type_display()} → "
                f"{exception.get_team_display()} ({route.action}): {finding.message}",
        data={"invoice_id": invoice.pk, "exception_id": exception.pk, "type": route.exception_type},
    )
    return exception


def close_invoice_exceptions(*, invoice, note: str, user=None) -> int:
    """Close the invoice's open exceptions (a new match supersedes them, or a person resolved the cause)."""
    return invoice.exceptions.filter(state=HandoffException.State.OPEN).update(
        state=HandoffException.State.RESOLVED, resolved_at=timezone.now(), resolved_by=user, resolution_note=note
    )
