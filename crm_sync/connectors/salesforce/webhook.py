"""/webhooks/salesforce/ — Outbound Messages (SOAP) in, `<Ack>true</Ack>` out, only after the message is stored.

Verification: the OrganizationId must be the configured org (401 otherwise; Outbound Messages carry no signature).
Unparseable: 400 with a SOAP fault. Salesforce redelivers a message with the same notification ids until it gets an
Ack, so their hash is the dedup key. `triggers` reads a stored message: each Opportunity notification whose stage is
won hands off that opportunity; anything else is ignored with the reason.
"""

from __future__ import annotations

import hashlib

from django.conf import settings
from django.http import HttpResponse
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST

from crm_sync import webhooks
from crm_sync.connectors.base import MalformedDelivery, Trigger

from .outbound import MalformedOutboundMessage, ack_response, is_from_organization, parse_outbound_message, soap_fault

SYSTEM = "salesforce"
SOAP = "text/xml; charset=utf-8"
WON_STAGES = {"closed won"}


def _too_large(status: int, message: str) -> HttpResponse:
    return HttpResponse(soap_fault(message), status=status, content_type=SOAP)


@csrf_exempt
@require_POST
@webhooks.refuse_oversized(system=SYSTEM, answer=_too_large)
def receive(request):
    try:
        message = parse_outbound_message(request.body)
    except MalformedOutboundMessage as exc:
        webhooks.reject(system=SYSTEM, request=request, reason=f"malformed Outbound Message: {exc}", status=400)
        return HttpResponse(soap_fault(f"Malformed Outbound Message: {exc}"), status=400, content_type=SOAP)

    expected = settings.SALESFORCE_ORGANIZATION_ID
    if not is_from_organization(message, expected):
        reason = (
            "SALESFORCE_ORGANIZATION_ID is not configured"
            if not expected
            else f"OrganizationId {message.organization_id} is not the configured organisation"
        )
        webhooks.reject(system=SYSTEM, request=request, reason=reason, status=401)
        return HttpResponse(soap_fault(f"Rejected: {reason}"), status=401, content_type=SOAP)

    ids = sorted(n.notification_id for n in message.notifications)
    webhooks.accept(system=SYSTEM, request=request, dedup_key="sfom:" + hashlib.sha256("|".join(ids).encode()).hexdigest())
    return HttpResponse(ack_response(True), content_type=SOAP)


def triggers(inbound) -> list[Trigger]:
    try:
        message = parse_outbound_message(inbound.body.encode("utf-8"))
    except MalformedOutboundMessage as exc:
        raise MalformedDelivery(str(exc)) from exc
    found = []
    for notification in message.notifications:
        fields = notification.fields
        record_id, name = fields.get("Id", ""), fields.get("Name", "")
        if notification.sobject_type != "Opportunity":
            found.append(Trigger(record_id, name, ignored_because=f"{notification.sobject_type} {record_id}: not an Opportunity"))
        elif not is_won(fields):
            found.append(Trigger(record_id, name, ignored_because=f"Opportunity {record_id}: stage {fields.get('StageName', '?')!r} is not won"))
        else:
            found.append(Trigger(record_id, name, won=True))
    return found


def is_won(fields: dict) -> bool:
    return str(fields.get("IsWon", "")).lower() == "true" or str(fields.get("StageName", "")).strip().lower() in WON_STAGES
