"""The full history of one deal end to end, found by its CRM record id or its ERP order number."""

from __future__ import annotations

import re

import pytest
from django.urls import reverse

from handoff_project.integration.events import bind_external_ref, record_event
from handoff_project.integration.models import Outcome
from tests.factories import HandoffFactory, handoff_event

pytestmark = pytest.mark.django_db


def event_ids(html: str) -> list[int]:
    return [int(pk) for pk in re.findall(r'data-event="(\d+)"', html)]


def test_the_history_by_erp_order_number_includes_what_happened_before_the_order_existed(client_as):
    handoff = HandoffFactory(crm_record_id="006HIST", erp_order_number="")
    inbound = record_event("webhook_received", system="salesforce", crm_record_id="006HIST", message="Outbound Message stored")
    opened = handoff_event(handoff, "handoff_opened")
    created = handoff_event(handoff, "sap_create_order", outcome=Outcome.SUCCESS, erp_order_number="0000004711")
    bind_external_ref(system="sap", object_type="sales_order", external_id="0000004711", obj=handoff)
    other = handoff_event(HandoffFactory(), "handoff_opened")

    client = client_as("viewer")
    html = client.get(reverse("ops:deal-history"), {"erp_order": "0000004711"}).content.decode()
    assert event_ids(html) == [inbound.pk, opened.pk, created.pk]  # oldest first, nothing of the other deal
    assert other.pk not in event_ids(client.get(reverse("ops:deal-history"), {"crm_id": "006HIST"}).content.decode())
    search = client.get(reverse("ops:event-search"), {"erp_order": "0000004711"}).content.decode()
    assert 'data-testid="deal-history-link"' in search


def test_the_history_without_a_key_is_empty(client_as):
    handoff_event(HandoffFactory(), "handoff_opened")
    assert event_ids(client_as("viewer").get(reverse("ops:deal-history")).content.decode()) == []
