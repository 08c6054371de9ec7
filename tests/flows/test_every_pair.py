"""Every CRM × every ERP, end to end: a deal won in the CRM's sandbox (its real webhook), routed to the ERP by a
routing rule, becomes exactly one order in that ERP's sandbox, and the ERP's order number is written back to the
CRM. Live sandboxes, a real django-q2 worker, PostgreSQL."""

from __future__ import annotations

import pytest

from erp_orders.models import ErpRoute, Handoff, HandoffState, WritebackStatus
from handoff_project.integration.models import Event
from tests.conftest import wait_for

from .drivers import CRMS, ERPS, available, crm_driver, erp_driver

pytestmark = [pytest.mark.worker, pytest.mark.django_db(transaction=True)]

PAIRS = [(crm, erp) for crm in available(CRMS) for erp in available(ERPS)]
# Low risk, priced at every ERP's list price: the deal flows straight through.
LINES = [("Edge Gateway G200", "4", "1250.00", "0"), ("Sensor Kit S10 (10-pack)", "5", "420.00", "0")]


def settled(crm: str, crm_id: str):
    def check():
        handoff = Handoff.objects.filter(crm_system=crm, crm_record_id=crm_id).first()
        if handoff is None:
            return None
        done = handoff.state in (HandoffState.WRITTEN_BACK, HandoffState.EXCEPTION, HandoffState.DEAD, HandoffState.CLOSED)
        failed_writeback = handoff.state == HandoffState.CREATED and handoff.writeback_status == WritebackStatus.FAILED
        return handoff if done or failed_writeback else None

    return check


@pytest.mark.parametrize(("crm", "erp"), PAIRS, ids=[f"{c}-to-{e}" for c, e in PAIRS])
def test_won_deal_becomes_one_order_in_the_routed_erp_and_the_number_is_written_back(crm, erp, sandbox_urls, worker):
    crm_side, erp_side = crm_driver(crm), erp_driver(erp)
    erp_side.seed()
    crm_side.seed()
    ErpRoute.objects.create(priority=1, name=f"{crm} deals go to {erp}", crm_system=crm, erp_system=erp)

    deal = crm_side.create_deal("Globex Industries", LINES, terms="Net 45", name=f"Globex — {crm} to {erp}")
    crm_side.mark_won(deal)

    handoff = wait_for(settled(crm, deal), timeout=150, pump=True, message=f"the {crm} → {erp} handoff to settle")
    assert handoff.state == HandoffState.WRITTEN_BACK, (handoff.last_error, list(
        Event.objects.filter(handoff_id=handoff.pk).exclude(outcome="success").values_list("message", flat=True)))
    assert (handoff.erp_system, handoff.routing_rule) == (erp, f"{crm} deals go to {erp}")
    orders = erp_side.orders_with_reference(crm_side.reference(deal))
    assert len(orders) == 1, f"{erp} holds {len(orders)} orders for the deal"
    assert erp_side.order_number(orders[0]) == handoff.erp_order_number
    assert crm_side.written_order_number(deal) == handoff.erp_order_number
    assert Event.objects.filter(handoff_id=handoff.pk, event_type="erp_routed", system=erp).exists()
