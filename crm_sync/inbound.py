"""Turn a stored inbound delivery into handoffs: one per won deal, however often it is delivered.

The CRM's webhook module (crm_sync.connectors.base.WEBHOOKS) reads the delivery (`triggers`); this module opens a
handoff for every won deal and records why the rest were ignored.
"""

from __future__ import annotations

from handoff_project.integration.events import event_context, record_event
from handoff_project.integration.models import InboundEvent, Outcome

from .connectors.base import MalformedDelivery, webhook_module
from .services import mark_inbound


def process_inbound_event(*, inbound_event_id: int) -> str:
    from erp_orders.services import open_handoff

    inbound = InboundEvent.objects.get(pk=inbound_event_id)
    if inbound.status != InboundEvent.Status.ACCEPTED:
        return f"already {inbound.status}"
    try:
        found = webhook_module(inbound.system).triggers(inbound)
    except MalformedDelivery as exc:
        mark_inbound(inbound, InboundEvent.Status.FAILED, str(exc))
        record_event("inbound_failed", outcome=Outcome.VALIDATION_FAILURE, system=inbound.system, message=str(exc),
                     data={"inbound_event_id": inbound.pk})
        return "failed"

    opened, ignored = 0, []
    for trigger in found:
        with event_context(crm_record_id=trigger.crm_id or None, system=inbound.system):
            if not trigger.won:
                ignored.append(trigger.ignored_because or f"{trigger.crm_id}: not a won deal")
                continue
            _handoff, created = open_handoff(crm_system=inbound.system, crm_record_id=trigger.crm_id,
                                             inbound_event=inbound, deal_name=trigger.name)
            opened += created
    for reason in ignored:
        record_event("inbound_ignored", system=inbound.system, message=reason, data={"inbound_event_id": inbound.pk})
    status = InboundEvent.Status.PROCESSED if opened or len(ignored) < len(found) else InboundEvent.Status.IGNORED
    mark_inbound(inbound, status, "; ".join(ignored)[:4000])
    return f"{opened} handoff(s) opened, {len(ignored)} notification(s) ignored"
