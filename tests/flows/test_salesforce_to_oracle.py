"""A deal won in Salesforce routed to Oracle Fusion: one Order Hub sales order, its number written back — live
sandboxes, Salesforce's Outbound Message, a real django-q2 worker."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from crosswalk.models import MaterialGroupLeadTime
from erp_orders.models import ErpRoute, Handoff, HandoffState
from handoff_project.integration.models import Event
from tests.conftest import wait_for
from tests.flows.drivers import crm_driver, erp_driver

pytestmark = [pytest.mark.worker, pytest.mark.django_db(transaction=True)]

LINES = [("Enterprise Platform License (Annual)", "1", "45600.00", "0"), ("Pro Seat - Annual Subscription", "25", "960.00", "10")]
SALESFORCE_CLOSE_DATE = dt.date(2026, 11, 24)  # the Salesforce driver's CloseDate


@pytest.fixture
def salesforce_to_oracle(sandbox_urls, settings):
    settings.HANDOFF_INTERVENTION_WINDOW_SECONDS = 0  # Acme's deal is medium risk by value; no one waits for it here
    salesforce, oracle = crm_driver("salesforce"), erp_driver("oracle")
    salesforce.seed()
    oracle.seed()
    ErpRoute.objects.create(priority=1, name="Salesforce deals to Oracle", crm_system="salesforce", erp_system="oracle")
    # Oracle refuses a requested ship date before today and the driver's close date has passed; until the pipeline
    # heals a past date itself, a lead time that lands two weeks from today keeps the order valid.
    days = (timezone.localdate() - SALESFORCE_CLOSE_DATE).days + 14
    MaterialGroupLeadTime.objects.filter(erp_system="oracle").update(lead_time_days=days)
    return salesforce, oracle


def written_back(crm_id):
    def check():
        handoff = Handoff.objects.filter(crm_system="salesforce", crm_record_id=crm_id).first()
        if handoff and handoff.state in (HandoffState.WRITTEN_BACK, HandoffState.EXCEPTION, HandoffState.DEAD):
            return handoff
        return None

    return check


def test_deal_won_in_salesforce_becomes_one_oracle_order_written_back(salesforce_to_oracle, worker):
    salesforce, oracle = salesforce_to_oracle
    opportunity = salesforce.create_deal("Acme Corp", LINES, terms="Net 30")
    salesforce.mark_won(opportunity)

    handoff = wait_for(written_back(opportunity), timeout=120, message="handoff to settle")
    assert handoff.state == HandoffState.WRITTEN_BACK, worker.log()
    assert handoff.erp_system == "oracle"
    (order,) = oracle.orders_with_reference(f"SF-{opportunity}")
    assert oracle.order_number(order) == handoff.erp_order_number
    assert salesforce.written_order_number(opportunity) == handoff.erp_order_number
    assert (order["BuyingPartyNumber"], order["SourceTransactionSystem"]) == ("1006", "HANDOFF")
    assert [(x["ProductNumber"], x["PaymentTerms"], x["ExtendedAmount"]) for x in order["lines"]] == [
        ("AS-PLAT-ENT", "30 NET", "45600.00"), ("AS-SEAT-PRO", "30 NET", "21600.00")]
    assert Event.objects.filter(handoff_id=handoff.pk, system="oracle", method="POST", http_status=201).count() == 1
