"""Deal won in Salesforce → one NetSuite sales order, end to end: live sandboxes, the Outbound Message, a real
django-q2 worker, an ERP routing rule that sends Salesforce deals to NetSuite."""

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
# The Salesforce driver's deals close on this day (CloseDate), which lies in the past by now.
CLOSE_DATE = dt.date(2026, 11, 24)


@pytest.fixture
def salesforce_and_netsuite(sandbox_urls, settings):
    settings.HANDOFF_INTERVENTION_WINDOW_SECONDS = 0  # Acme's deal is medium risk by value; nobody waits here
    ErpRoute.objects.create(priority=1, name="Salesforce deals to NetSuite", crm_system="salesforce", erp_system="netsuite")
    netsuite, salesforce = erp_driver("netsuite"), crm_driver("salesforce")
    netsuite.seed()
    salesforce.seed()
    # NetSuite refuses a ship date before today. Until the pipeline heals a past date itself, the lead times of the
    # material groups put the requested date (close date + lead time) safely in the future.
    days_ahead = (timezone.localdate() - CLOSE_DATE).days + 30
    MaterialGroupLeadTime.objects.filter(erp_system="netsuite").update(lead_time_days=days_ahead)
    yield salesforce, netsuite
    from crm_sync.connectors.salesforce.sandbox_outbound import wait_for_deliveries

    wait_for_deliveries(timeout=30)  # no Outbound Message thread may write after the test database is flushed


def written_back(crm_id):
    def check():
        handoff = Handoff.objects.filter(crm_system="salesforce", crm_record_id=crm_id).first()
        if handoff and handoff.state in (HandoffState.WRITTEN_BACK, HandoffState.EXCEPTION, HandoffState.DEAD):
            return handoff
        return None

    return check


def test_deal_won_in_salesforce_becomes_one_netsuite_sales_order_written_back(salesforce_and_netsuite, worker):
    salesforce, netsuite = salesforce_and_netsuite
    deal = salesforce.create_deal("Acme Corp", LINES, terms="Net 30")
    salesforce.mark_won(deal)

    handoff = wait_for(written_back(deal), timeout=120, message="handoff to settle")
    assert handoff.state == HandoffState.WRITTEN_BACK, (handoff.last_error, worker.log())
    assert handoff.erp_system == "netsuite"
    orders = netsuite.orders_with_reference(f"SF-{deal}")
    assert len(orders) == 1
    number = netsuite.order_number(orders[0])
    assert number == handoff.erp_order_number == salesforce.written_order_number(deal)
    assert (orders[0]["entity"]["id"], orders[0]["terms"]["id"]) == ("1201", "2")  # ACME and Net 30, NetSuite's ids
    assert [line["item"]["id"] for line in orders[0]["lines"]] == ["501", "502"]
    assert Event.objects.filter(handoff_id=handoff.pk, system="netsuite", event_type="http").exists()
