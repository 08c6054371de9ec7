"""Each risk level of the seed table takes its route, from a real deal through the real pipeline steps (live
Salesforce and SAP sandboxes): low goes straight to SAP, medium waits for its intervention window with the approver
notified, high waits in the approval queue; the factor that set the level says why."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import Group

from erp_orders.models import Approval, HandoffState
from exceptions_queue.models import Alert
from handoff_project.demo import seed
from handoff_project.sandbox import store
from tests.factories import UserFactory
from tests.flows.world import create_opportunity, world  # noqa: F401 - fixture

from .pipeline_driver import open_and_drive

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture(autouse=True)
def approver(settings):
    settings.HANDOFF_INTERVENTION_WINDOW_SECONDS = 600
    Group.objects.get_or_create(name="approver")
    return UserFactory(username="ada", roles=["approver"], email="ada@example.test")


def deciding(handoff) -> set[str]:
    return {f["factor"] for f in handoff.risk_factors if f["level"] == handoff.risk_level}


def orders_for(handoff) -> list[dict]:
    return [o for o in store.all_of("sap", "sales_orders") if o["PurchaseOrderByCustomer"] == handoff.erp_reference]


def test_low_risk_goes_straight_through(world):
    handoff = open_and_drive(create_opportunity(world, "Globex Industries", [("Edge Gateway G200", "4", "1250.00", "0")]))
    assert (handoff.risk_level, handoff.state) == ("low", HandoffState.WRITTEN_BACK)
    assert not Approval.objects.filter(handoff=handoff).exists() and len(orders_for(handoff)) == 1


@pytest.mark.parametrize(("why", "account", "lines"), [
    ("deal_value", "Globex Industries", [("Edge Gateway G200", "60", "1250.00", "0")]),  # 75K
    ("discount", "Globex Industries", [("Pro Seat - Annual Subscription", "10", "960.00", "15")]),  # 15 % off
], ids=["deal value 50-250K", "discount 10-25 %"])
def test_medium_risk_waits_for_its_window_and_notifies_the_approver(world, why, account, lines):
    handoff = open_and_drive(create_opportunity(world, account, lines))
    assert (handoff.risk_level, handoff.state) == ("medium", HandoffState.AWAITING_APPROVAL)
    assert why in deciding(handoff)
    approval = Approval.objects.get(handoff=handoff)
    assert approval.state == "pending" and approval.window_ends_at is not None
    assert Alert.objects.filter(handoff=handoff, title__startswith="Medium-risk handoff needs an approver",
                                recipients="ada@example.test").exists()
    assert orders_for(handoff) == [], "nothing is created before the window passes"


def test_medium_risk_by_customer_credit_30_to_60_days_outstanding(world):
    seed.seed_credit()  # Umbrella's oldest open item is 38 days past due
    handoff = open_and_drive(create_opportunity(world, "Umbrella Health Ltd", [("Remote Training Day", "2", "1800.00", "0")]))
    assert (handoff.risk_level, handoff.state) == ("medium", HandoffState.AWAITING_APPROVAL)
    assert deciding(handoff) == {"credit"}


@pytest.mark.parametrize(("why", "account", "lines"), [
    ("deal_value", "Globex Industries", [("Edge Gateway G200", "250", "1250.00", "0")]),  # 312.5K
    ("discount", "Globex Industries", [("Pro Seat - Annual Subscription", "10", "960.00", "30")]),  # 30 % off
], ids=["deal value above 250K", "discount above 25 %"])
def test_high_risk_waits_in_the_approval_queue(world, why, account, lines):
    handoff = open_and_drive(create_opportunity(world, account, lines))
    assert (handoff.risk_level, handoff.state) == ("high", HandoffState.AWAITING_APPROVAL)
    assert why in deciding(handoff)
    approval = Approval.objects.get(handoff=handoff)
    assert approval.level == "high" and approval.window_ends_at is None, "no window: an approver must decide"
    assert Alert.objects.filter(handoff=handoff, title__startswith="High-risk handoff needs an approver").exists()
    assert orders_for(handoff) == []


def test_modified_terms_make_a_deal_medium_risk(world):
    from crosswalk.models import PaymentTermsMapping

    PaymentTermsMapping.objects.filter(erp_system="sap", crm_terms="Net 60").update(is_standard=False)
    handoff = open_and_drive(create_opportunity(world, "Globex Industries", [("Edge Gateway G200", "2", "1250.00", "0")],
                                                terms="Net 60"))
    assert (handoff.risk_level, handoff.state) == ("medium", HandoffState.AWAITING_APPROVAL)
    assert deciding(handoff) == {"terms"}
