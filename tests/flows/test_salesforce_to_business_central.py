"""Deal won in Salesforce → one Business Central sales order, end to end: live sandboxes, the Outbound Message, a
real django-q2 worker, Entra ID sign-in, header + lines + completion against the BC emulator, writeback."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from crosswalk.models import MaterialGroupLeadTime
from erp_orders.models import ErpRoute, Handoff, HandoffState
from handoff_project.integration.models import Event
from tests.conftest import wait_for
from tests.flows.drivers.business_central import driver as business_central
from tests.flows.drivers.salesforce import driver as salesforce

pytestmark = [pytest.mark.worker, pytest.mark.django_db(transaction=True)]

LINES = [("Enterprise Platform License (Annual)", "1", "45600.00", "0"),
         ("Pro Seat - Annual Subscription", "25", "960.00", "10")]


@pytest.fixture
def routed_to_business_central(sandbox_urls, settings):
    """Salesforce deals route to Business Central. The Salesforce driver's close date (2026-11-24) lies in the past
    and BC's emulator refuses a past requested delivery date; self-healing (past date → next working day) is not in
    this branch, so the material groups get a lead time that lands the date in the future."""
    settings.HANDOFF_INTERVENTION_WINDOW_SECONDS = 0  # Acme's ~$67K deal is medium risk; no approver in this test
    salesforce.seed()
    business_central.seed()
    ErpRoute.objects.create(priority=1, name="Salesforce deals to Business Central", crm_system="salesforce",
                            erp_system="business_central")
    days = (timezone.localdate() - dt.date(2026, 11, 24)).days + 30
    MaterialGroupLeadTime.objects.filter(erp_system="business_central").update(lead_time_days=max(days, 30))
    yield
    from crm_sync.connectors.salesforce.sandbox_outbound import wait_for_deliveries

    wait_for_deliveries(timeout=30)  # no Outbound Message thread may write after the database is flushed


def written_back(crm_id):
    def check():
        handoff = Handoff.objects.filter(crm_system="salesforce", crm_record_id=crm_id).first()
        if handoff and handoff.state in (HandoffState.WRITTEN_BACK, HandoffState.EXCEPTION, HandoffState.DEAD):
            return handoff
        return None

    return check


def test_won_salesforce_deal_becomes_one_business_central_order_written_back(routed_to_business_central, worker):
    opp = salesforce.create_deal("Acme Corp", LINES, terms="Net 30")
    salesforce.mark_won(opp)

    handoff = wait_for(written_back(opp), timeout=120, pump=True, message="handoff to settle")
    assert handoff.state == HandoffState.WRITTEN_BACK, worker.log()
    assert handoff.erp_system == "business_central"
    [held] = business_central.orders_with_reference(f"SF-{opp}")
    number = business_central.order_number(held)
    assert number == handoff.erp_order_number and salesforce.written_order_number(opp) == number
    assert held["customerNumber"] == "C10000" and len(held["salesOrderLines"]) == 2
    assert [line["lineObjectNumber"] for line in held["salesOrderLines"]] == ["1000-PLAT", "1001-SEAT"]
    assert handoff.order_request["payment_terms_key"] == "30 DAYS"
    assert Event.objects.filter(handoff_id=handoff.pk, system="business_central", method="PATCH",
                                http_status=200).exists()  # the order was completed under the plain reference
