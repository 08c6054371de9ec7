"""/api/events/ filters and /api/crosswalk/resolve/."""

from __future__ import annotations

import time

import pytest
from django.utils import timezone

from handoff_project.integration.models import Outcome
from tests.factories import CustomerMappingFactory, HandoffFactory, ProductMappingFactory, handoff_event

pytestmark = pytest.mark.django_db


@pytest.fixture
def events():
    first = HandoffFactory(crm_record_id="006AAA")
    second = HandoffFactory(crm_record_id="006BBB", erp_order_number="0000004711")
    opened = handoff_event(first, "handoff_opened", outcome=Outcome.SUCCESS)
    time.sleep(0.02)
    boundary = timezone.now()
    time.sleep(0.02)
    retry = handoff_event(first, "sap_create_order", outcome=Outcome.RETRY_SCHEDULED, http_status=503)
    created = handoff_event(second, "sap_create_order", outcome=Outcome.SUCCESS, http_status=201, body='{"d": {}}')
    return {"opened": opened, "retry": retry, "created": created, "boundary": boundary}


def ids(response) -> list[int]:
    assert response.status_code == 200, response.content
    return [row["id"] for row in response.json()["results"]]


def test_events_are_listed_newest_first_with_their_fields(api_as, events):
    response = api_as("viewer").get("/api/events/")
    assert ids(response) == [events["created"].pk, events["retry"].pk, events["opened"].pk]
    row = response.json()["results"][0]
    assert row["event_type"] == "sap_create_order" and row["outcome"] == "success" and row["http_status"] == 201
    assert row["erp_order_number"] == "0000004711" and row["body"] == '{"d": {}}'


def test_events_filter_by_crm_id_erp_order_type_and_outcome(api_as, events):
    client = api_as("viewer")
    assert ids(client.get("/api/events/", {"crm_id": "006AAA"})) == [events["retry"].pk, events["opened"].pk]
    assert ids(client.get("/api/events/", {"erp_order": "0000004711"})) == [events["created"].pk]
    assert ids(client.get("/api/events/", {"type": "sap_create_order"})) == [events["created"].pk, events["retry"].pk]
    assert ids(client.get("/api/events/", {"outcome": "retry_scheduled"})) == [events["retry"].pk]


def test_events_filter_by_since_and_until_iso_datetimes(api_as, events):
    client = api_as("viewer")
    boundary = events["boundary"].isoformat()
    assert ids(client.get("/api/events/", {"since": boundary})) == [events["created"].pk, events["retry"].pk]
    assert ids(client.get("/api/events/", {"until": boundary})) == [events["opened"].pk]
    assert ids(client.get("/api/events/", {"since": boundary, "crm_id": "006AAA"})) == [events["retry"].pk]


def test_events_reject_a_malformed_datetime(api_as, events):
    response = api_as("viewer").get("/api/events/", {"since": "yesterday"})
    assert response.status_code == 400 and "since" in response.json()


def test_events_can_be_read_oldest_first(api_as, events):
    response = api_as("viewer").get("/api/events/", {"ordering": "created_at"})
    assert ids(response) == [events["opened"].pk, events["retry"].pk, events["created"].pk]


def resolve(client, **body):
    return client.post("/api/crosswalk/resolve/", body, format="json")


def test_resolve_finds_an_exact_product_by_name(api_as):
    ProductMappingFactory(crm_product_name="Enterprise License, annual", material="TG-ENT-1Y", unit="EA")
    response = resolve(api_as("master_data"), kind="product", text="Enterprise License, annual")
    assert response.status_code == 200
    body = response.json()
    assert body["match"]["key"] == "TG-ENT-1Y" and body["match"]["unit"] == "EA"
    assert body["confidence"] == 0.98 and body["rule"] == "exact_name" and body["accepted"] is True
    assert [c["key"] for c in body["candidates"]] == ["TG-ENT-1Y"]


def test_resolve_uses_context_keys_such_as_the_product_code(api_as):
    ProductMappingFactory(crm_product_name="Widget", crm_product_code="W-1", material="MAT-W1")
    body = resolve(api_as("ops"), kind="product", text="Some other name", context={"product_code": "W-1"}).json()
    assert body["match"]["key"] == "MAT-W1" and body["confidence"] == 1.0 and body["rule"] == "exact_crm_product_code"


def test_resolve_confirms_a_customer_by_vat_id(api_as):
    CustomerMappingFactory(crm_account_name="Acme Corporation", business_partner="17100001", vat_id="DE811907980")
    body = resolve(api_as("ops"), kind="customer", text="ACME Corp.", context={"vat_id": "DE 811 907 980"}).json()
    assert body["match"]["key"] == "17100001" and body["confidence"] == 0.99


def test_resolve_of_an_unknown_product_returns_no_match(api_as):
    ProductMappingFactory(crm_product_name="Enterprise License, annual", material="TG-ENT-1Y")
    body = resolve(api_as("ops"), kind="product", text="Quantum flux capacitor").json()
    assert body["match"] is None and body["accepted"] is False
    assert body["confidence"] < 0.95
    assert body["kind"] == "product" and body["input"] == "Quantum flux capacitor"


def test_resolve_of_a_similar_name_returns_candidates_but_no_match(api_as):
    ProductMappingFactory(crm_product_name="Enterprise License annual plan", material="TG-ENT-1Y")
    body = resolve(api_as("ops"), kind="product", text="Enterprise Licence annual plans").json()
    assert body["match"] is None and body["rule"] == "matching_engine"
    assert body["candidates"][0]["key"] == "TG-ENT-1Y" and body["candidates"][0]["confidence"] <= 0.90


def test_resolve_with_an_unknown_kind_is_a_400_listing_the_kinds(api_as):
    response = resolve(api_as("ops"), kind="planet", text="Mars")
    assert response.status_code == 400
    message = response.json()["kind"][0]
    assert 'unknown kind "planet"' in message and "product" in message and "payment_terms" in message


def test_resolve_without_a_kind_is_a_400(api_as):
    response = resolve(api_as("ops"), text="Mars")
    assert response.status_code == 400 and "kind" in response.json()
