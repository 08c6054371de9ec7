"""Deal won in HubSpot → one SAP sales order, end to end: live sandboxes, the signed webhook, a real django-q2 worker."""

from __future__ import annotations

import json

import pytest

from crm_sync.connectors.hubspot.sandbox_outbound import wait_for_deliveries
from erp_orders.models import Handoff, HandoffState, WritebackStatus
from handoff_project.integration.models import Event, InboundEvent
from handoff_project.sandbox import store
from tests.conftest import wait_for
from tests.flows.drivers.hubspot import driver as hubspot
from tests.flows.drivers.sap import driver as sap

pytestmark = [pytest.mark.worker, pytest.mark.django_db(transaction=True)]

LINES = [("Enterprise Platform License (Annual)", "1", "45600.00", "0"), ("Pro Seat - Annual Subscription", "25", "960.00", "10")]


@pytest.fixture
def hubspot_world(sandbox_urls, settings):
    """SAP master data and crosswalks, the catalogue in the HubSpot sandbox; no delivery thread outlives the test."""
    # Acme's $67K deal is medium risk by value (the seed table): no intervention window, no person in the loop here
    settings.HANDOFF_INTERVENTION_WINDOW_SECONDS = 0
    settings.HUBSPOT_SANDBOX_WEBHOOK_RETRY_DELAYS = [0.5, 1.0]
    sap.seed()
    hubspot.seed()
    yield hubspot
    assert wait_for_deliveries(timeout=30)


def settled(crm_id):
    def check():
        handoff = Handoff.objects.filter(crm_system="hubspot", crm_record_id=crm_id).first()
        if handoff and handoff.state in (HandoffState.WRITTEN_BACK, HandoffState.EXCEPTION, HandoffState.DEAD):
            return handoff
        if handoff and handoff.state == HandoffState.CREATED and handoff.writeback_status == WritebackStatus.FAILED:
            return handoff
        return None

    return check


def test_deal_marked_won_in_hubspot_becomes_one_sap_order_written_back_to_the_deal(hubspot_world, worker, settings):
    deal = hubspot_world.create_deal("Acme Corp", LINES, terms="Net 30")
    hubspot_world.mark_won(deal)

    handoff = wait_for(settled(deal), timeout=120, message="handoff to settle")
    assert handoff.state == HandoffState.WRITTEN_BACK, worker.log()
    orders = sap.orders_with_reference(f"HS-{deal}")
    assert len(orders) == 1 and sap.order_number(orders[0]) == handoff.erp_order_number
    assert orders[0]["SoldToParty"] == "17100001" and orders[0]["CustomerPaymentTerms"] == "NT30"
    assert hubspot_world.written_order_number(deal) == handoff.erp_order_number
    props = store.get("hubspot", "deals", deal)["properties"]
    assert props[settings.HUBSPOT_SYNC_STATUS_PROPERTY] == "Created"

    (inbound,) = InboundEvent.objects.filter(system="hubspot")
    assert inbound.status == "processed" and handoff.inbound_event_id == inbound.pk
    (delivery,) = store.all_of("hubspot", "webhook_deliveries")
    assert delivery["status"] == "delivered" and delivery["deal_id"] == deal
    assert {"handoff_opened", "deal_fetched", "hubspot.get", "hubspot.batch_read", "hubspot.update"} <= set(
        Event.objects.filter(crm_record_id=deal).values_list("event_type", flat=True))

    stored = [t for e in Event.objects.all() for t in (e.request_body, e.body, e.endpoint, e.message, json.dumps(e.data))]
    stored += [t for i in InboundEvent.objects.all() for t in (i.body, json.dumps(i.headers))]
    for secret in (settings.HUBSPOT_ACCESS_TOKEN, settings.HUBSPOT_CLIENT_SECRET):
        assert secret not in "\n".join(stored)
