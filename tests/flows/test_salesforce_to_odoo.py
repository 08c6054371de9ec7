"""Deal won in Salesforce → one confirmed Odoo sales order, end to end: live sandboxes, the Outbound Message, a routing
rule that sends Salesforce deals to Odoo, and a real django-q2 worker."""

from __future__ import annotations

import datetime as dt
import json

import pytest
from django.utils import timezone

from crosswalk.models import MaterialGroupLeadTime
from erp_orders.models import ErpRoute, Handoff, HandoffState
from handoff_project.integration.models import Event
from tests.conftest import wait_for
from tests.flows.drivers.odoo import driver as odoo
from tests.flows.drivers.salesforce import driver as salesforce

pytestmark = [pytest.mark.worker, pytest.mark.django_db(transaction=True)]

CLOSE_DATE = dt.date(2026, 11, 24)  # the Salesforce driver's CloseDate
LINES = [("Enterprise Platform License (Annual)", "1", "45600.00", "0"), ("Pro Seat - Annual Subscription", "25", "960.00", "10")]


@pytest.fixture(autouse=True)
def no_intervention_window(settings):
    """Acme's $67K deal is medium risk by value; no approver waits here (tests/flows/test_approvals.py covers that)."""
    settings.HANDOFF_INTERVENTION_WINDOW_SECONDS = 0


@pytest.fixture
def odoo_world(sandbox_urls):
    odoo.seed()
    salesforce.seed()
    ErpRoute.objects.create(priority=1, name="Salesforce deals go to Odoo", crm_system="salesforce", erp_system="odoo")
    # The driver's close date lies in the past and this worktree's pipeline does not yet move a past delivery date
    # (self-healing is being wired in the core): a lead time that lands two weeks from today keeps the requested date
    # ahead of the Odoo emulator's check.
    days = (timezone.localdate() - CLOSE_DATE).days + 14
    MaterialGroupLeadTime.objects.filter(erp_system="odoo").update(lead_time_days=max(days, 0))
    yield
    from crm_sync.connectors.salesforce.sandbox_outbound import wait_for_deliveries

    wait_for_deliveries(timeout=30)


def written_back(crm_id: str):
    def check():
        handoff = Handoff.objects.filter(crm_system="salesforce", crm_record_id=crm_id).first()
        done = (HandoffState.WRITTEN_BACK, HandoffState.EXCEPTION, HandoffState.DEAD)
        return handoff if handoff and handoff.state in done else None

    return check


def test_deal_won_in_salesforce_becomes_one_confirmed_odoo_sales_order_written_back(odoo_world, worker, settings):
    opportunity = salesforce.create_deal("Acme Corp", LINES, terms="Net 30")
    salesforce.mark_won(opportunity)

    handoff = wait_for(written_back(opportunity), timeout=120, message="handoff to settle")
    assert handoff.state == HandoffState.WRITTEN_BACK, worker.log()
    assert handoff.erp_system == "odoo"
    [order] = odoo.orders_with_reference(f"SF-{opportunity}")
    assert odoo.order_number(order) == handoff.erp_order_number and order["name"].startswith("S")
    assert order["state"] == "sale" and order["partner_id"] == 7 and order["payment_term_id"] == 4
    assert order["commitment_date"] > timezone.localdate().isoformat()
    assert salesforce.written_order_number(opportunity) == handoff.erp_order_number

    stored = "\n".join(e.request_body + e.body + e.message + json.dumps(e.data) for e in Event.objects.filter(system="odoo"))
    assert '"execute_kw"' in stored and settings.ODOO_API_KEY not in stored
