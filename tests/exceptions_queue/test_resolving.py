"""A person resolves exceptions: pick a candidate (the crosswalk learns), correct a field, override a check; assign, bulk."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.urls import reverse
from django_q.models import OrmQ

from crosswalk.models import CustomerMapping, MappingStatus
from erp_orders.models import Handoff, HandoffState
from exceptions_queue import resolving
from exceptions_queue.models import ExceptionType, HandoffException
from handoff_project.integration.models import Event
from tests.factories import HandoffExceptionFactory, HandoffFactory, ProductMappingFactory, UserFactory

pytestmark = pytest.mark.django_db

CANDIDATES = [
    {"key": "TG-ENT-1Y", "label": "Enterprise License, 1 year", "confidence": 0.88, "reason": "fuzzy name"},
    {"key": "TG-ENT-3Y", "label": "Enterprise License, 3 years", "confidence": 0.71, "reason": "fuzzy name"},
]


@pytest.fixture
def ops():
    return UserFactory(username="olivia", roles=["ops"])


def product_exception(**fields):
    defaults = dict(type=ExceptionType.PRODUCT_NOT_MAPPED, field="lines[1].product",
                    detail={"input": "Enterprise License, annual", "candidates": CANDIDATES})
    return HandoffExceptionFactory(**{**defaults, **fields})


def price_exception(handoff=None):
    return HandoffExceptionFactory(
        handoff=handoff or HandoffFactory(state=HandoffState.EXCEPTION), type=ExceptionType.PRICE_VARIANCE, field="lines[2].unit_price",
        detail={"material": "SV-ONB", "quantity": "2", "crm_unit_price": "950.00", "erp_unit_price": "900.00", "currency": "EUR", "variance": "0.0556"},
    )


def test_picking_a_candidate_teaches_the_crosswalk_and_runs_the_handoff_again_on_the_same_deal(ops, django_capture_on_commit_callbacks):
    mapping = ProductMappingFactory(crm_product_name="Enterprise License 1Y", material="TG-ENT-1Y")
    exc = product_exception()
    deal_before = exc.handoff.deal

    with django_capture_on_commit_callbacks(execute=True):
        result = resolving.resolve_with_candidate(exception_id=exc.pk, user=ops, erp_key="TG-ENT-1Y", note="same product")

    mapping.refresh_from_db()
    assert mapping.aliases == ["Enterprise License, annual"] and result.learned == "alias_added"
    exc.refresh_from_db()
    assert (exc.state, exc.resolution_kind, exc.resolved_by) == ("resolved", "candidate", ops)
    handoff = Handoff.objects.get(pk=exc.handoff_id)
    assert result.requeued and handoff.state == HandoffState.RECEIVED and handoff.deal == deal_before
    assert OrmQ.objects.count() == 1
    event = Event.objects.get(handoff_id=handoff.pk, event_type="exception_resolved")
    assert event.data["user"] == "olivia" and "TG-ENT-1Y" in event.message
    assert "runs again" in result.message


def test_a_customer_key_nobody_mapped_is_proposed_to_master_data_and_the_exception_stays_open(ops):
    exc = HandoffExceptionFactory(type=ExceptionType.CUSTOMER_NOT_FOUND, field="account",
                                  detail={"input": "Acme Corporation", "candidates": []})
    result = resolving.resolve_with_candidate(exception_id=exc.pk, user=ops, erp_key="17100099")

    proposed = CustomerMapping.objects.get(business_partner="17100099")
    assert proposed.status == MappingStatus.PROPOSED and proposed.crm_account_name == "Acme Corporation"
    exc.refresh_from_db()
    assert exc.state == "open" and "waiting for master data" in exc.resolution_note
    assert not result.requeued and "stays open" in result.message
    handoff = Handoff.objects.get(pk=exc.handoff_id)
    assert handoff.state == HandoffState.EXCEPTION and handoff.decisions["customer_origin"] == "new"
    assert Event.objects.filter(handoff_id=handoff.pk, event_type="mapping_proposed", data__user="olivia").exists()


def test_a_handoff_with_two_open_exceptions_runs_again_only_when_both_are_resolved(ops):
    ProductMappingFactory(material="TG-ENT-1Y")
    first = product_exception()
    second = price_exception(handoff=first.handoff)

    result = resolving.resolve_with_candidate(exception_id=first.pk, user=ops, erp_key="TG-ENT-1Y")
    assert not result.requeued and "1 more open exception" in result.message
    assert Handoff.objects.get(pk=first.handoff_id).state == HandoffState.EXCEPTION

    result = resolving.override_check(exception_id=second.pk, user=ops, reason="price agreed with the customer's CFO")
    assert result.requeued and Handoff.objects.get(pk=first.handoff_id).state == HandoffState.RECEIVED


def test_correcting_a_price_changes_the_stored_deal_and_says_to_fix_the_crm_too(ops):
    exc = price_exception()
    resolving.correct_fields(exception_id=exc.pk, user=ops, values={"lines[2].unit_price": "900.00"})
    handoff = Handoff.objects.get(pk=exc.handoff_id)
    line = next(li for li in handoff.deal["lines"] if li["line_number"] == 2)
    assert Decimal(line["unit_price"]["amount"]) == Decimal("900.00") and handoff.state == HandoffState.RECEIVED
    event = Event.objects.get(handoff_id=handoff.pk, event_type="deal_corrected")
    assert event.data["changes"] == {"lines[2].unit_price": ["950.00", "900.00"]} and "in the CRM too" in event.message


def test_a_correction_outside_the_failing_field_or_not_a_number_is_refused(ops):
    exc = price_exception()
    with pytest.raises(resolving.ResolutionRefused, match="Enter a corrected value"):
        resolving.correct_fields(exception_id=exc.pk, user=ops, values={"lines[1].unit_price": "1.00"})
    with pytest.raises(resolving.ResolutionRefused, match="not a number"):
        resolving.correct_fields(exception_id=exc.pk, user=ops, values={"lines[2].unit_price": "cheap"})
    assert HandoffException.objects.get(pk=exc.pk).state == "open"


def test_an_override_is_remembered_for_the_field_with_who_and_why(ops):
    exc = price_exception()
    resolving.override_check(exception_id=exc.pk, user=ops, reason="contract price, see MSA 2026-11")
    override = Handoff.objects.get(pk=exc.handoff_id).decisions["overrides"]["lines[2].unit_price"]
    assert (override["user"], override["reason"], override["type"]) == ("olivia", "contract price, see MSA 2026-11", "price_variance")


def test_an_unmapped_product_cannot_be_overridden_and_an_override_needs_a_reason(ops):
    with pytest.raises(resolving.ResolutionRefused, match="cannot be overridden"):
        resolving.override_check(exception_id=product_exception().pk, user=ops, reason="ship it anyway")
    with pytest.raises(resolving.ResolutionRefused, match="reason"):
        resolving.override_check(exception_id=price_exception().pk, user=ops, reason=" ")


def test_bulk_assign_and_bulk_resolve_requeue_the_handoffs_left_without_open_exceptions(ops):
    lone, shared_a = product_exception(), price_exception()
    shared_b = product_exception(handoff=shared_a.handoff)
    colleague = UserFactory(username="mia", roles=["ops"])

    assert resolving.assign(exception_ids=[lone.pk, shared_a.pk], assignee=colleague, user=ops) == 2
    assert set(HandoffException.objects.filter(assignee=colleague).values_list("pk", flat=True)) == {lone.pk, shared_a.pk}

    closed, requeued = resolving.bulk_resolve(exception_ids=[lone.pk, shared_a.pk], user=ops, note="fixed in Salesforce")
    assert (closed, requeued) == (2, 1)
    assert Handoff.objects.get(pk=lone.handoff_id).state == HandoffState.RECEIVED
    assert Handoff.objects.get(pk=shared_b.handoff_id).state == HandoffState.EXCEPTION  # shared_b is still open
    assert Handoff.objects.get(pk=lone.handoff_id).deal is None  # fixed at the source: fetched again


def test_resolve_view_picks_a_candidate_for_master_data_but_only_ops_may_override(client_as):
    ProductMappingFactory(material="TG-ENT-1Y")
    exc = product_exception()
    client = client_as("master_data")
    response = client.post(reverse("ops:exception-resolve", args=[exc.pk]), {"how": "candidate", "erp_key": "TG-ENT-1Y"})
    assert response.status_code == 302 and response["Location"] == reverse("ops:handoff-detail", args=[exc.handoff_id])
    assert HandoffException.objects.get(pk=exc.pk).state == "resolved"

    price = price_exception()
    assert client.post(reverse("ops:exception-resolve", args=[price.pk]), {"how": "override", "reason": "agreed"}).status_code == 403
    assert HandoffException.objects.get(pk=price.pk).state == "open"


def test_a_refusal_is_shown_on_the_exception_page(client_as):
    exc = price_exception()
    response = client_as("ops").post(reverse("ops:exception-resolve", args=[exc.pk]), {"how": "override", "reason": ""}, follow=True)
    assert "Give the reason for the override" in response.content.decode()
    assert response.redirect_chain[-1][0] == reverse("ops:exception-detail", args=[exc.pk])
