"""Deal won in Pipedrive → one SAP sales order, end to end: live sandboxes, the webhooks v2 delivery with HTTP Basic,
a real django-q2 worker, the order number written back into the deal's custom field."""

from __future__ import annotations

import base64
import json

import pytest
from django.conf import settings

from crm_sync.connectors.pipedrive.sandbox_webhooks import wait_for_deliveries
from erp_orders.models import Handoff, HandoffState, WritebackStatus
from handoff_project.integration.models import Event, InboundEvent
from handoff_project.sandbox import store
from tests.conftest import wait_for
from tests.flows.drivers.pipedrive import driver as pipedrive
from tests.flows.drivers.sap import driver as sap

pytestmark = [pytest.mark.worker, pytest.mark.django_db(transaction=True)]

ACME_LINES = [("Enterprise Platform License (Annual)", "1", "45600.00", "0"),
              ("Pro Seat - Annual Subscription", "25", "960.00", "10")]  # fmt: skip


@pytest.fixture
def world(sandbox_urls, settings):
    """SAP master data and crosswalks, the Pipedrive catalogue; Acme's $67K deal is medium risk by value, so the
    intervention window is zero here (tests/flows/test_approvals.py covers the window)."""
    settings.HANDOFF_INTERVENTION_WINDOW_SECONDS = 0
    settings.PIPEDRIVE_SANDBOX_WEBHOOK_RETRY_DELAYS = [0.2, 0.2]
    sap.seed()
    pipedrive.seed()
    yield
    assert wait_for_deliveries(timeout=30)  # no delivery thread may write after the test database is flushed


def settled(crm_id: str):
    def check():
        handoff = Handoff.objects.filter(crm_system="pipedrive", crm_record_id=crm_id).first()
        done = (HandoffState.WRITTEN_BACK, HandoffState.EXCEPTION, HandoffState.DEAD)
        if handoff and (handoff.state in done or handoff.writeback_status == WritebackStatus.FAILED):
            return handoff
        return None

    return check


def test_deal_marked_won_in_pipedrive_becomes_one_sap_order_written_back_to_the_deal(world, worker):
    deal_id = pipedrive.create_deal("Acme Corp", ACME_LINES, terms="Net 30")
    pipedrive.mark_won(deal_id)

    handoff = wait_for(settled(deal_id), timeout=120, message="handoff to settle")
    assert handoff.state == HandoffState.WRITTEN_BACK, worker.log()
    orders = sap.orders_with_reference(f"PD-{deal_id}")
    assert len(orders) == 1 and sap.order_number(orders[0]) == handoff.erp_order_number
    assert orders[0]["SoldToParty"] == "17100001" and orders[0]["CustomerPaymentTerms"] == "NT30"
    assert pipedrive.written_order_number(deal_id) == handoff.erp_order_number
    deal = store.get("pipedrive", "deals", deal_id)
    assert deal["custom_fields"][settings.PIPEDRIVE_SYNC_STATUS_FIELD] == "Created"

    (delivery,) = store.all_of("pipedrive", "webhook_deliveries")
    assert delivery["status"] == "delivered" and delivery["http_status"] == 200
    assert InboundEvent.objects.get(system="pipedrive").status == "processed"
    assert handoff.deal["lines"][1]["discount_percent"] == "10"
    fetched = Event.objects.filter(handoff_id=handoff.pk, system="pipedrive", event_type="pipedrive.get")
    acme = (pipedrive.catalogue.organizations["Acme Corp"], pipedrive.catalogue.persons["Acme Corp"])
    assert {e.endpoint.split("/api/", 1)[1] for e in fetched} >= {
        f"v2/deals/{deal_id}", f"v2/organizations/{acme[0]}", f"v2/persons/{acme[1]}"}


def test_neither_the_api_token_nor_the_webhook_password_reaches_the_event_log_or_the_raw_store(world, worker):
    deal_id = pipedrive.create_deal("Acme Corp", ACME_LINES)
    pipedrive.mark_won(deal_id)
    handoff = wait_for(settled(deal_id), timeout=120, message="handoff to settle")
    assert handoff.state == HandoffState.WRITTEN_BACK, worker.log()

    basic = base64.b64encode(f"{settings.PIPEDRIVE_WEBHOOK_USER}:{settings.PIPEDRIVE_WEBHOOK_PASSWORD}".encode()).decode()
    secrets = [settings.PIPEDRIVE_API_TOKEN, settings.PIPEDRIVE_WEBHOOK_PASSWORD, basic]
    stored = []
    for event in Event.objects.all():
        stored += [event.request_body, event.body, event.endpoint, event.message, json.dumps(event.data)]
    for inbound in InboundEvent.objects.all():
        stored += [inbound.body, inbound.path, json.dumps(inbound.headers), inbound.error]
    blob = "\n".join(stored)
    assert Event.objects.filter(system="pipedrive", event_type="pipedrive.update").exists()
    inbound = InboundEvent.objects.get(system="pipedrive")
    assert inbound.headers.get("Authorization") == "[REDACTED]"
    for secret in secrets:
        assert secret not in blob
    # nor the sandbox's own records (it keeps what it delivered, never the credentials it delivered them with)
    sandbox = json.dumps(store.all_of("pipedrive", "webhook_deliveries"))
    assert all(secret not in sandbox for secret in secrets)
