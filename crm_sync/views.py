"""Inbound webhooks: verify → store raw → enqueue on commit → answer (Zulip's order).

Bad signature or wrong sender: 401. Unparseable: 400. Unsupported event: 200, stored and ignored.
Every request, including the rejected ones, is stored for inspection before anything else happens to it.
"""

from __future__ import annotations

import hashlib

from django.conf import settings
from django.db import transaction
from django.http import HttpResponse
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST

from handoff_project.integration.events import record_event
from handoff_project.integration.models import InboundEvent, Outcome
from handoff_project.integration.steps import enqueue

from .connectors.salesforce.outbound import (
    MalformedOutboundMessage,
    ack_response,
    is_from_organization,
    parse_outbound_message,
    soap_fault,
)
from .services import store_inbound_event

SOAP = "text/xml; charset=utf-8"


@csrf_exempt
@require_POST
def salesforce_outbound_message(request):
    try:
        message = parse_outbound_message(request.body)
    except MalformedOutboundMessage as exc:
        store_inbound_event(system="salesforce", request=request, dedup_key=None, status=InboundEvent.Status.REJECTED, error=str(exc))
        record_event("webhook_rejected", outcome=Outcome.VALIDATION_FAILURE, system="salesforce", message=f"malformed Outbound Message: {exc}")
        return HttpResponse(soap_fault(f"Malformed Outbound Message: {exc}"), status=400, content_type=SOAP)

    expected = settings.SALESFORCE_ORGANIZATION_ID
    if not is_from_organization(message, expected):
        reason = (
            "SALESFORCE_ORGANIZATION_ID is not configured"
            if not expected
            else f"OrganizationId {message.organization_id} is not the configured organisation"
        )
        store_inbound_event(system="salesforce", request=request, dedup_key=None, status=InboundEvent.Status.REJECTED, error=reason)
        record_event("webhook_rejected", outcome=Outcome.VALIDATION_FAILURE, system="salesforce", message=reason)
        return HttpResponse(soap_fault(f"Rejected: {reason}"), status=401, content_type=SOAP)

    # Salesforce redelivers a message with the same notification ids until it gets an Ack.
    ids = sorted(n.notification_id for n in message.notifications)
    dedup_key = "sfom:" + hashlib.sha256("|".join(ids).encode()).hexdigest()
    with transaction.atomic():
        inbound, created = store_inbound_event(system="salesforce", request=request, dedup_key=dedup_key)
        if created:
            enqueue("crm_sync.tasks.process_inbound_event", inbound.pk)
    if not created:
        record_event(
            "webhook_duplicate", system="salesforce", message=f"redelivery of inbound event {inbound.pk} acknowledged and ignored"
        )
    return HttpResponse(ack_response(True), content_type=SOAP)
