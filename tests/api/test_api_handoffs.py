"""/api/handoffs/ and /api/exceptions/: fields, detail with resolutions, exceptions and event count, filters."""

from __future__ import annotations

from decimal import Decimal

import pytest

from erp_orders.models import HandoffState
from tests.factories import (
    HandoffExceptionFactory,
    HandoffFactory,
    TransformationLogFactory,
    handoff_event,
)

pytestmark = pytest.mark.django_db


def result_ids(response) -> list[int]:
    assert response.status_code == 200, response.content
    return [row["id"] for row in response.json()["results"]]


def test_handoff_list_has_the_contract_fields(api_as):
    handoff = HandoffFactory(completed=True, erp_order_number="0000004711", risk_level="low")
    row = api_as("viewer").get("/api/handoffs/").json()["results"][0]
    assert set(row) == {
        "id", "crm_system", "crm_record_id", "state", "risk_level", "erp_system", "erp_order_number", "deal_name",
        "customer_name", "amount", "currency", "flagged", "writeback_status", "received_at", "updated_at",
    }
    assert row["id"] == handoff.pk
    assert row["state"] == "written_back" and row["erp_order_number"] == "0000004711" and row["risk_level"] == "low"
    assert row["amount"] == "13300.00" and row["currency"] == "EUR"


def test_handoff_list_is_newest_first(api_as):
    first, second = HandoffFactory(), HandoffFactory()
    assert result_ids(api_as("viewer").get("/api/handoffs/")) == [second.pk, first.pk]


def test_handoffs_filter_by_crm_id_and_state(api_as):
    wanted = HandoffFactory(crm_record_id="006WANTED", state=HandoffState.DEAD)
    other_dead = HandoffFactory(crm_record_id="006OTHER", state=HandoffState.DEAD)
    HandoffFactory(state=HandoffState.RECEIVED)
    client = api_as("viewer")
    assert result_ids(client.get("/api/handoffs/", {"crm_id": "006WANTED"})) == [wanted.pk]
    assert result_ids(client.get("/api/handoffs/", {"state": "dead"})) == [other_dead.pk, wanted.pk]
    assert result_ids(client.get("/api/handoffs/", {"crm_id": "006WANTED", "state": "received"})) == []


def test_an_unknown_state_filter_is_a_400_naming_the_problem(api_as):
    response = api_as("viewer").get("/api/handoffs/", {"state": "nonsense"})
    assert response.status_code == 400
    assert "state" in response.json()


def test_handoff_detail_adds_resolutions_exceptions_and_event_count(api_as):
    handoff = HandoffFactory(state=HandoffState.EXCEPTION)
    TransformationLogFactory(handoff_id=handoff.pk, confidence=Decimal("0.9800"))
    TransformationLogFactory(handoff_id=handoff.pk, kind="customer", output="", accepted=False, confidence=Decimal("0.7650"),
                             candidates=[{"key": "17100002", "label": "ACME NJ", "confidence": 0.765, "reason": "similar"}])
    exc = HandoffExceptionFactory(handoff=handoff)
    handoff_event(handoff, "handoff_opened")
    handoff_event(handoff, "exception_opened")
    handoff_event(HandoffFactory(), "someone_else")
    body = api_as("viewer").get(f"/api/handoffs/{handoff.pk}/").json()
    assert [(r["kind"], r["confidence"], r["accepted"]) for r in body["resolutions"]] == [
        ("product", 0.98, True), ("customer", 0.765, False),
    ]
    assert body["resolutions"][1]["candidates"][0]["key"] == "17100002"
    assert [e["id"] for e in body["exceptions"]] == [exc.pk]
    assert body["exceptions"][0]["team"] == "product_ops" and body["exceptions"][0]["crm_record_id"] == handoff.crm_record_id
    assert body["events_count"] == 2


def test_unknown_handoff_is_404(api_as):
    assert api_as("viewer").get("/api/handoffs/999999/").status_code == 404


def test_exception_rows_have_the_contract_fields(api_as):
    exc = HandoffExceptionFactory(detail={"candidates": []})
    row = api_as("viewer").get("/api/exceptions/").json()["results"][0]
    assert {"id", "handoff", "crm_record_id", "type", "team", "state", "field", "message", "detail", "created_at"} <= set(row)
    assert row["id"] == exc.pk and row["handoff"] == exc.handoff_id
    assert row["crm_record_id"] == exc.handoff.crm_record_id
    assert (row["type"], row["team"], row["state"]) == ("product_not_mapped", "product_ops", "open")


def test_exceptions_filter_by_crm_id_type_team_and_state(api_as):
    product = HandoffExceptionFactory(type="product_not_mapped", handoff__crm_record_id="006PROD")
    customer = HandoffExceptionFactory(type="customer_not_found", handoff__crm_record_id="006CUST")
    closed = HandoffExceptionFactory(type="customer_not_found", state="resolved")
    client = api_as("viewer")
    assert result_ids(client.get("/api/exceptions/", {"crm_id": "006PROD"})) == [product.pk]
    assert result_ids(client.get("/api/exceptions/", {"type": "customer_not_found"})) == [closed.pk, customer.pk]
    assert result_ids(client.get("/api/exceptions/", {"team": "product_ops"})) == [product.pk]
    assert result_ids(client.get("/api/exceptions/", {"state": "resolved"})) == [closed.pk]
    assert result_ids(client.get("/api/exceptions/", {"team": "master_data", "state": "open"})) == [customer.pk]
