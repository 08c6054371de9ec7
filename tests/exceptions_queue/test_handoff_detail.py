"""The handoff detail page: progress, SAP order number, deal and order, resolutions, exceptions, dead letters, timeline."""

from __future__ import annotations

import re
from decimal import Decimal

import pytest
from django.urls import reverse

from erp_orders.models import Handoff, HandoffState
from handoff_project.integration.models import Outcome
from tests.factories import (
    DeadLetterFactory,
    HandoffExceptionFactory,
    HandoffFactory,
    TransformationLogFactory,
    handoff_event,
)

pytestmark = pytest.mark.django_db


def detail(client, handoff) -> str:
    response = client.get(reverse("ops:handoff-detail", args=[handoff.pk]))
    assert response.status_code == 200
    return response.content.decode()


def step_statuses(html: str) -> dict[str, str]:
    return {label: status for status, label in re.findall(r'class="step step-(\w+)".*?class="step-label">([^<]+)<', html, re.S)}


def test_detail_shows_the_sap_order_number_and_the_completed_progress(client_as):
    handoff = HandoffFactory(completed=True, erp_order_number="0000004711")
    html = detail(client_as("viewer"), handoff)
    assert re.search(r"SAP S/4HANA order number</dt><dd[^>]*>0000004711<", html)
    assert step_statuses(html) == {
        "Received": "done", "Resolved": "done", "Validated": "done", "Created in ERP": "done", "Written back": "current",
    }


def test_progress_highlights_the_current_state(client_as):
    html = detail(client_as("viewer"), HandoffFactory(state=HandoffState.RESOLVED))
    assert step_statuses(html) == {
        "Received": "done", "Resolved": "current", "Validated": "todo", "Created in ERP": "todo", "Written back": "todo",
    }


def test_pushing_shows_the_create_step_as_in_progress(client_as):
    html = detail(client_as("viewer"), HandoffFactory(state=HandoffState.PUSHING))
    assert step_statuses(html)["Created in ERP"] == "working"
    assert "Pushing to ERP" in html


def test_dead_handoff_marks_the_step_it_failed_on_and_shows_the_dead_letter(client_as):
    handoff = HandoffFactory(state=HandoffState.RECEIVED)
    for state in (HandoffState.RESOLVED, HandoffState.VALIDATED, HandoffState.PUSHING, HandoffState.DEAD):
        handoff.state = state
        handoff.save()  # each save is a history row: the page reads how far the handoff got from them
    DeadLetterFactory(handoff=handoff, reason="SAP kept answering 503", recommended_resolution="Check that SAP is up, then re-queue.")
    html = detail(client_as("viewer"), handoff)
    assert step_statuses(html) == {
        "Received": "done", "Resolved": "done", "Validated": "done", "Created in ERP": "failed", "Written back": "todo",
    }
    assert "Dead-lettered" in html and "banner-bad" in html
    assert "SAP kept answering 503" in html
    assert "Check that SAP is up, then re-queue." in html


def test_open_and_closed_exceptions_show_team_and_message(client_as):
    open_exc = HandoffExceptionFactory(message="No crosswalk entry for product 'Widget Pro'.")
    HandoffExceptionFactory(
        handoff=open_exc.handoff, type="price_variance", team="pricing", state="resolved",
        message="SAP price differs by 4 %.", resolution_note="price list updated",
    )
    html = detail(client_as("viewer"), open_exc.handoff)
    assert "1 open" in html
    assert "Product ops" in html and "No crosswalk entry for product &#x27;Widget Pro&#x27;." in html
    assert "Pricing" in html and "SAP price differs by 4 %." in html and "price list updated" in html
    assert html.index("Widget Pro") < html.index("SAP price differs")  # open first


def test_resolutions_show_input_output_rule_and_confidence_coloured_by_acceptance(client_as):
    handoff = HandoffFactory(state=HandoffState.EXCEPTION)
    TransformationLogFactory(handoff_id=handoff.pk, input_text="Enterprise License, annual", output="TG-ENT-1Y",
                             rule="exact_name", confidence=Decimal("0.98"), accepted=True)
    TransformationLogFactory(
        handoff_id=handoff.pk, kind="customer", input_text="Acme Corp", output="", rule="fuzzy_name",
        confidence=Decimal("0.7650"), accepted=False,
        candidates=[{"key": "17100002", "label": "ACME Corporation (NJ)", "confidence": 0.765, "reason": "similar name (85 %)"}],
    )
    TransformationLogFactory(handoff_id=HandoffFactory().pk, input_text="Someone else's product")
    html = detail(client_as("viewer"), handoff)
    rows = re.findall(r'<tr data-accepted="(true|false)">(.*?)</tr>', html, re.S)
    assert [accepted for accepted, _ in rows] == ["true", "false"]
    accepted_row, rejected_row = rows[0][1], rows[1][1]
    assert "Enterprise License, annual" in accepted_row and "TG-ENT-1Y" in accepted_row and "exact_name" in accepted_row
    assert "98 %" in accepted_row and "tone-ok" in accepted_row
    assert "76.5 %" in rejected_row and "tone-warn" in rejected_row and "no match" in rejected_row
    assert "17100002" in rejected_row and "ACME Corporation (NJ)" in rejected_row
    assert "Someone else" not in html


def test_deal_and_resolved_order_are_shown_readably(client_as):
    html = detail(client_as("viewer"), HandoffFactory(completed=True))
    # deal: account, lines with quantity / unit price / discount / net, ship-to, terms, contact
    assert "Acme Corporation" in html and "DE811907980" in html
    assert "Enterprise License, annual" in html and "1,200.00 EUR" in html and "5 %" in html and "11,400.00 EUR" in html
    assert "Hauptstrasse 5, Walldorf 69190, DE" in html
    assert "Net 45" in html and "Jane Doe" in html and "jane.doe@acme.example" in html
    # resolved order: ERP identifiers
    assert "17100001" in html and "TG-ENT-1Y" in html and "NT45" in html


def test_timeline_lists_this_handoffs_events_in_order_with_type_outcome_status_and_duration(client_as):
    handoff = HandoffFactory(completed=True)
    handoff_event(handoff, "handoff_opened", outcome=Outcome.SUCCESS, system="salesforce", message="deal won")
    handoff_event(handoff, "sap_create_order", outcome=Outcome.SUCCESS, system="sap", method="POST",
                  endpoint="/sap/opu/odata/sap/API_SALES_ORDER_SRV/A_SalesOrder", http_status=201, duration_ms=412,
                  request_body='{"SalesOrderType": "OR"}', body='{"d": {"SalesOrder": "4711"}}')
    handoff_event(HandoffFactory(), "other_handoffs_event")
    html = detail(client_as("viewer"), handoff)
    timeline = html[html.index('id="timeline-h"'):]
    assert "2 events" in timeline
    assert timeline.index("handoff_opened") < timeline.index("sap_create_order")
    assert "201" in timeline and "412" in timeline and "POST" in timeline and "Success" in timeline
    assert "other_handoffs_event" not in html
    assert "SalesOrderType" not in html  # bodies load when a person expands the event


def test_expanding_an_event_loads_its_request_and_response_bodies(client_as):
    handoff = HandoffFactory()
    event = handoff_event(handoff, "sap_create_order", request_body='{"SalesOrderType": "OR"}', body='{"d": {"SalesOrder": "4711"}}')
    client = client_as("viewer")
    html = detail(client, handoff)
    assert f'hx-get="{reverse("ops:event-bodies", args=[event.pk])}"' in html and 'hx-trigger="toggle once"' in html
    bodies = client.get(reverse("ops:event-bodies", args=[event.pk])).content.decode()
    assert "&quot;SalesOrderType&quot;: &quot;OR&quot;" in bodies
    assert "&quot;SalesOrder&quot;: &quot;4711&quot;" in bodies


def test_active_handoff_page_refreshes_itself_and_a_finished_one_does_not(client_as):
    client = client_as("viewer")
    assert 'hx-trigger="every 3s' in detail(client, HandoffFactory(state=HandoffState.VALIDATED))
    assert 'hx-trigger="every 3s' not in detail(client, HandoffFactory(completed=True))
    assert 'hx-trigger="every 3s' not in detail(client, HandoffFactory(state=HandoffState.DEAD))


def test_htmx_refresh_of_the_detail_returns_only_the_live_part(client_as):
    handoff = HandoffFactory(state=HandoffState.VALIDATED)
    Handoff.objects.filter(pk=handoff.pk).update(state=HandoffState.CREATED, erp_order_number="0000009999")
    response = client_as("viewer").get(
        reverse("ops:handoff-detail", args=[handoff.pk]), HTTP_HX_REQUEST="true", HTTP_HX_TARGET="handoff-live"
    )
    html = response.content.decode()
    assert html.lstrip().startswith('<div id="handoff-live"') and "<html" not in html
    assert "0000009999" in html


def test_writeback_status_and_flag_are_shown(client_as):
    handoff = HandoffFactory(state=HandoffState.CREATED, erp_order_number="0000004711", writeback_status="failed",
                             flagged=True, flag_reason="Salesforce refused the update: field is read-only")
    html = detail(client_as("ops"), handoff)
    assert re.search(r'data-testid="writeback">Failed<', html)
    assert "Salesforce refused the update: field is read-only" in html
    assert reverse("ops:handoff-requeue", args=[handoff.pk]) in html  # a failed writeback can be re-queued


def test_unknown_handoff_is_404(client_as):
    assert client_as("viewer").get(reverse("ops:handoff-detail", args=[999999])).status_code == 404


def test_detail_query_count_is_bounded(client_as, django_assert_max_num_queries):
    client = client_as("viewer")
    handoff = HandoffFactory(completed=True)
    for n in range(10):
        handoff_event(handoff, f"step_{n}")
        TransformationLogFactory(handoff_id=handoff.pk)
        HandoffExceptionFactory(handoff=handoff)
    with django_assert_max_num_queries(15):
        client.get(reverse("ops:handoff-detail", args=[handoff.pk]))
