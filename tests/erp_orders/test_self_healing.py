"""ERP creation errors heal themselves where a rule knows the cause (erp_orders/healing.py), each correction logged
as a transformation with its rule; what no rule fixes retries on the schedule and escalates when the third retry
fails. Real pipeline steps against the live Salesforce and SAP sandboxes."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.utils import timezone

from crosswalk.models import PaymentTermsMapping, TransformationLog
from erp_orders.healing import next_working_day
from erp_orders.models import Handoff, HandoffState
from exceptions_queue.models import Alert
from handoff_project.integration.errors import Reason
from handoff_project.integration.models import Event
from handoff_project.sandbox import store
from handoff_project.sandbox.faults import set_fault
from tests.flows.world import create_opportunity, world  # noqa: F401 - fixture

from .pipeline_driver import drive, open_and_drive

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture(autouse=True)
def rules(settings):
    settings.HANDOFF_INTERVENTION_WINDOW_SECONDS = 0
    settings.ERP_OUTAGE_THRESHOLD = 1000  # these are one handoff's errors, not an outage


def the_order(handoff: Handoff) -> dict:
    [order] = [o for o in store.all_of("sap", "sales_orders") if o["PurchaseOrderByCustomer"] == handoff.erp_reference]
    return order


def healed(handoff: Handoff, reason: str) -> TransformationLog:
    return TransformationLog.objects.get(handoff_id=handoff.pk, kind="self_healing", rule=f"self_healing:{reason}")


def test_a_requested_date_in_the_past_moves_to_the_next_working_day(world):
    last_week = timezone.localdate() - dt.timedelta(days=7)
    handoff = open_and_drive(create_opportunity(world, "Globex Industries", [("Pro Seat - Annual Subscription", "3", "960.00", "0")],
                                                close_date=last_week))
    assert handoff.state == HandoffState.WRITTEN_BACK
    correction = healed(handoff, Reason.DATE_IN_PAST)
    target = next_working_day(timezone.localdate())
    assert (correction.input_text, correction.output) == (last_week.isoformat(), target.isoformat())
    assert handoff.order_request["requested_delivery_date"] == target.isoformat(), "the handoff keeps what SAP holds"
    assert Event.objects.filter(handoff_id=handoff.pk, event_type="self_healed", message__contains="next working day").exists()
    assert Event.objects.filter(handoff_id=handoff.pk, event_type="http", http_status=400).count() == 1


def test_a_fractional_quantity_of_a_whole_unit_is_rounded_up_with_the_rule_logged(world):
    handoff = open_and_drive(create_opportunity(world, "Globex Industries", [("Remote Training Day", "2.5", "1800.00", "0")]))
    assert handoff.state == HandoffState.WRITTEN_BACK
    correction = healed(handoff, Reason.UNIT_NO_DECIMALS)
    assert "2.5 → 3 EA" in correction.input_text
    assert Decimal(the_order(handoff)["items"][0]["RequestedQuantity"]) == Decimal("3")


def test_invalid_payment_terms_fall_back_to_the_crosswalk_default(world):
    PaymentTermsMapping.objects.filter(erp_system="sap", crm_terms="Net 60").update(terms_key="ZB99")  # SAP has no ZB99
    handoff = open_and_drive(create_opportunity(world, "Globex Industries", [("Edge Gateway G200", "2", "1250.00", "0")],
                                                terms="Net 60"))
    assert handoff.state == HandoffState.WRITTEN_BACK
    correction = healed(handoff, Reason.INVALID_PAYMENT_TERMS)
    assert (correction.input_text, correction.output) == ("ZB99", "NT30")
    assert the_order(handoff)["CustomerPaymentTerms"] == "NT30"


def test_a_locked_record_is_waited_for_and_tried_again(world):
    set_fault("sap", "locked", count=1)
    handoff = open_and_drive(create_opportunity(world, "Globex Industries", [("Edge Gateway G200", "2", "1250.00", "0")]))
    assert handoff.state == HandoffState.WRITTEN_BACK
    assert healed(handoff, Reason.RECORD_LOCKED).output == "retried"
    assert the_order(handoff)


def test_an_error_no_rule_fixes_retries_and_escalates_to_ops_when_the_third_retry_fails(world, settings):
    settings.ESCALATION_OWNERS = {"ops": "ops-lead@example.test"}
    set_fault("sap", "down", only_modifying=True)  # reads work (prices), every create fails
    handoff = open_and_drive(create_opportunity(world, "Globex Industries", [("Edge Gateway G200", "2", "1250.00", "0")]),
                             max_steps=4)
    assert handoff.state == HandoffState.PUSHING and handoff.attempts == 1
    handoff = drive(handoff.pk, until=lambda h: h.attempts >= 3)
    assert not Event.objects.filter(handoff_id=handoff.pk, event_type="push_escalated").exists()
    handoff = drive(handoff.pk, until=lambda h: h.attempts >= 4)
    escalated = Event.objects.get(handoff_id=handoff.pk, event_type="push_escalated")
    assert "the third retry failed" in escalated.message
    assert Alert.objects.filter(title__startswith="Escalated: ERP creation", recipients="ops-lead@example.test").exists()

    set_fault("sap", "up")
    handoff = drive(handoff.pk)
    assert handoff.state == HandoffState.WRITTEN_BACK and the_order(handoff)
