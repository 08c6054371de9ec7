"""Turn a stored inbound delivery into handoffs: one per won deal, however often it is delivered."""

from __future__ import annotations

from handoff_project.integration.events import event_context, record_event
from handoff_project.integration.models import InboundEvent, Outcome

from .connectors.salesforce.outbound import MalformedOutboundMessage, parse_outbound_message
from .services import mark_inbound

WON_STAGES = {"closed won"}


def process_inbound_event(*, inbound_event_id: int) -> str:
    from erp_orders.services import open_handoff

    inbound = InboundEvent.objects.get(pk=inbound_event_id)
    if inbound.status != InboundEvent.Status.ACCEPTED:
        return f"already {inbound.status}"
    try:
        message = parse_outbound_message(inbound.body.encode("utf-8"))
    except MalformedOutboundMessage as exc:
        mark_inbound(inbound, InboundEvent.Status.FAILED, str(exc))
        record_event("inbound_failed", outcome=Outcome.VALIDATION_FAILURE, system=inbound.system, message=str(exc))
        return "failed"

    opened, ignored = 0, []
    for notification in message.notifications:
        fields = notification.fields
        record_id = fields.get("Id", "")
        with event_context(crm_record_id=record_id, system="salesforce"):
            if notification.sobject_type != "Opportunity":
                ignored.append(f"{notification.sobject_type} {record_id}: not an Opportunity")
                continue
            if not _is_won(fields):
                ignored.append(f"Opportunity {record_id}: stage {fields.get('StageName', '?')!r} is not won")
                continue
            _handoff, created = open_handoff(
                crm_system="salesforce", crm_record_id=record_id, inbound_event=inbound, deal_name=fields.get("Name", "")
            )
            opened += created
    for reason in ignored:
        record_event("inbound_ignored", system=inbound.system, message=reason, data={"inbound_event_id": inbound.pk})
    status = InboundEvent.Status.PROCESSED if opened or len(ignored) < len(message.notifications) else InboundEvent.Status.IGNORED
    mark_inbound(inbound, status, "; ".join(ignored))
    return f"{opened} handoff(s) opened, {len(ignored)} notification(s) ignored"


def _is_won(fields: dict) -> bool:
    return fields.get("IsWon", "").lower() == "true" or fields.get("StageName", "").strip().lower() in WON_STAGES

