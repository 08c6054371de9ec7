"""Every exception of the seed table (requirements.md, "Validation exceptions"), from a real deal through the real
pipeline against the live Salesforce and SAP sandboxes: what detects it, which team it goes to with what, and when
it escalates. The pipeline steps run in the test process (tests/erp_orders/pipeline_driver.py)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.utils import timezone

from crm_sync.connectors.salesforce.sandbox_records import update_record
from erp_orders.models import CustomerCredit, HandoffState
from exceptions_queue import escalation
from exceptions_queue.models import Alert, HandoffException
from handoff_project.demo import seed
from handoff_project.sandbox import store
from tests.flows.world import create_opportunity, world  # noqa: F401 - fixture

from .pipeline_driver import open_and_drive

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture(autouse=True)
def rules(settings):
    settings.HANDOFF_INTERVENTION_WINDOW_SECONDS = 0
    settings.ESCALATION_OWNERS = {"master_data": "md-lead@example.test", "pricing": "pricing-lead@example.test",
                                  "credit": "credit-manager@example.test", "logistics": "logistics-lead@example.test",
                                  "product_ops": "po-lead@example.test", "sales_ops": "so-lead@example.test",
                                  "ops": "ops-lead@example.test"}


def the_exception(handoff) -> HandoffException:
    [exception] = HandoffException.objects.filter(handoff=handoff)
    return exception


def escalation_alert_to(owner: str) -> bool:
    return Alert.objects.filter(title__startswith="Escalated", recipients__contains=owner).exists()


def sap_orders(reference: str) -> list[dict]:
    return [o for o in store.all_of("sap", "sales_orders") if o["PurchaseOrderByCustomer"] == reference]


def test_customer_not_in_erp_goes_to_master_data_with_candidates_and_escalates_after_4_hours(world):
    account = world.create("Account", {"Name": "Acme Corporation Holdings", "ShippingStreet": "1 Main St",
                                       "ShippingCity": "Boston", "ShippingState": "MA", "ShippingPostalCode": "02108",
                                       "ShippingCountry": "US"})
    world.accounts["Acme Corporation Holdings"] = account
    world.contacts["Acme Corporation Holdings"] = world.contacts["Acme Corp"]
    handoff = open_and_drive(create_opportunity(world, "Acme Corporation Holdings", [("Edge Gateway G200", "2", "1250.00", "0")]))

    assert handoff.state == HandoffState.EXCEPTION
    exception = the_exception(handoff)
    assert (exception.type, exception.team, exception.field) == ("customer_not_found", "master_data", "account")
    assert exception.detail["confidence"] < 0.85 and exception.detail["candidates"], "nearest business partners offered"
    assert abs(exception.escalate_at - exception.created_at - dt.timedelta(hours=4)) < dt.timedelta(seconds=2)
    assert escalation.escalate_overdue(now=timezone.now() + dt.timedelta(hours=3)) == 0
    assert escalation.escalate_overdue(now=timezone.now() + dt.timedelta(hours=4, minutes=1)) == 1
    assert escalation_alert_to("md-lead@example.test")


def test_pricing_mismatch_goes_to_pricing_with_both_calculations_and_escalates_above_10_percent(world):
    five = open_and_drive(create_opportunity(world, "Umbrella Health Ltd", [("Remote Training Day", "5", "1890.00", "0")]))
    exception = the_exception(five)
    assert (exception.type, exception.team) == ("price_variance", "pricing")
    assert exception.detail["crm_total"] == "9450.00" and exception.detail["erp_total"] == "9000.00"
    assert exception.escalated_at is None, "5 % on a small deal waits for its SLA"

    twelve = open_and_drive(create_opportunity(world, "Umbrella Health Ltd", [("Remote Training Day", "5", "2016.00", "0")]))
    exception = the_exception(twelve)
    assert exception.escalated_at is not None and "above 10%" in exception.escalation_reason
    assert escalation_alert_to("pricing-lead@example.test")


def test_pricing_mismatch_on_a_deal_above_100k_escalates_at_once(world):
    handoff = open_and_drive(create_opportunity(world, "Globex Industries", [("Edge Gateway G200", "100", "1300.00", "0")]))
    exception = the_exception(handoff)
    assert exception.type == "price_variance" and Decimal(exception.detail["variance"]) == Decimal("0.04")
    assert exception.escalated_at is not None and "deal value" in exception.escalation_reason


def test_credit_check_goes_to_credit_management_with_ar_aging_and_escalates_for_a_strategic_account(world):
    seed.seed_credit()  # the AR summary of the demo customers
    # Umbrella: 9,450 open (31-60 days), limit 60,000 — a 54,000 order goes over
    over = open_and_drive(create_opportunity(world, "Umbrella Health Ltd", [("Remote Training Day", "30", "1800.00", "0")]))
    exception = the_exception(over)
    assert (exception.type, exception.team, exception.field) == ("credit_check", "credit", "credit_limit")
    assert exception.detail["exposure"] == "63450.00" and exception.detail["aging"]["31-60"] == "9450.00"
    assert "31-60: 9,450.00" in exception.message and exception.escalated_at is None

    # Acme is a strategic account: 18,400 open, limit 250,000 — a 240,000 order escalates at once
    CustomerCredit.objects.filter(erp_system="sap", business_partner="17100001").update(strategic_account=True)
    strategic = open_and_drive(create_opportunity(world, "Acme Corp", [("Edge Gateway G200", "192", "1250.00", "0")]))
    exception = the_exception(strategic)
    assert exception.type == "credit_check" and exception.escalated_at is not None
    assert "strategic account" in exception.escalation_reason
    assert escalation_alert_to("credit-manager@example.test")


def test_unmapped_product_blocks_the_order_and_more_than_five_waiting_escalate(world):
    handoffs = [open_and_drive(create_opportunity(world, "Initech GmbH", [("Custom Integration Workshop", "1", "12000.00", "0")],
                                                  name=f"Initech workshop {n}")) for n in range(6)]
    exceptions = [the_exception(h) for h in handoffs]
    assert {(e.type, e.team) for e in exceptions} == {("product_not_mapped", "product_ops")}
    assert not any(sap_orders(h.erp_reference) for h in handoffs), "the order is blocked"
    assert escalation.escalate_overdue() == 6
    assert escalation_alert_to("po-lead@example.test")


def test_address_that_does_not_validate_goes_to_logistics_and_an_international_one_escalates(world):
    update_record("Account", world.accounts["Acme Corp"], {"ShippingPostalCode": "1O1X8"})  # not a US ZIP code
    domestic = open_and_drive(create_opportunity(world, "Acme Corp", [("Edge Gateway G200", "2", "1250.00", "0")]))
    exception = the_exception(domestic)
    assert (exception.type, exception.team, exception.field) == ("address_validation", "logistics", "ship_to")
    assert exception.detail["confidence"] < 0.90 and "postal code" in exception.message
    assert exception.escalated_at is None

    update_record("Account", world.accounts["Initech GmbH"], {"ShippingPostalCode": "8O8O2"})  # not a German PLZ
    international = open_and_drive(create_opportunity(world, "Initech GmbH", [("Remote Training Day", "1", "1800.00", "0")]))
    exception = the_exception(international)
    assert exception.type == "address_validation" and "international shipment to DE" in exception.escalation_reason
    assert escalation_alert_to("logistics-lead@example.test")


def test_order_below_the_minimum_value_goes_to_sales_ops(world, settings):
    settings.MINIMUM_ORDER_VALUE = "1000"
    handoff = open_and_drive(create_opportunity(world, "Globex Industries", [("Sensor Kit S10 (10-pack)", "1", "420.00", "0")]))
    exception = the_exception(handoff)
    assert (exception.type, exception.team, exception.field) == ("below_minimum", "sales_ops", "order_value")
    assert "420.00 USD is below the minimum order value of 1,000.00 USD" in exception.message
    assert not sap_orders(handoff.erp_reference)
