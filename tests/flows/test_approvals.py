"""Risk-based routing end to end (live sandboxes, the webhook, a real worker): a medium-risk deal is created when its
intervention window passes unless an approver holds it; a high-risk deal waits for an approver, then is created once."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import Group

from erp_orders import approvals
from erp_orders.models import Approval, HandoffState
from handoff_project.integration.models import Event
from tests.conftest import wait_for
from tests.factories import UserFactory

from .world import create_opportunity, handoff_for, mark_won, sap_orders

pytestmark = [pytest.mark.worker, pytest.mark.django_db(transaction=True)]

MEDIUM_LINES = [("Enterprise Platform License (Annual)", "1", "45600.00", "0"), ("Pro Seat - Annual Subscription", "25", "960.00", "10")]
HIGH_LINES = [("Edge Gateway G200", "250", "1250.00", "0")]


@pytest.fixture(autouse=True)
def short_window(settings):
    settings.HANDOFF_INTERVENTION_WINDOW_SECONDS = 6  # the worker gets it through its environment


@pytest.fixture
def approver():
    Group.objects.get_or_create(name="approver")
    return UserFactory(username="ada", roles=["approver"])


def in_state(crm_id, *states):
    return lambda: (h := handoff_for(crm_id)) is not None and h.state in states and h


def test_medium_risk_deal_is_created_after_its_window_and_a_held_one_waits_for_an_approver(world, worker, approver):
    held_opp = create_opportunity(world, "Acme Corp", MEDIUM_LINES, name="Acme — held")
    mark_won(world, held_opp)
    held = wait_for(in_state(held_opp, HandoffState.AWAITING_APPROVAL), timeout=60, message="held deal awaiting approval")
    approvals.hold(handoff_id=held.pk, user=approver, comment="checking the seat count with the rep")

    released_opp = create_opportunity(world, "Acme Corp", MEDIUM_LINES, name="Acme — released")
    mark_won(world, released_opp)
    waiting = wait_for(in_state(released_opp, HandoffState.AWAITING_APPROVAL), timeout=60, message="medium deal in its window")
    assert waiting.risk_level == "medium" and sap_orders(reference=f"SF-{released_opp}") == []
    assert [f["factor"] for f in waiting.risk_factors if f["level"] == "medium"] == ["deal_value"]

    done = wait_for(in_state(released_opp, HandoffState.WRITTEN_BACK), timeout=90, pump=True, message="released after the window")
    assert len(sap_orders(reference=f"SF-{released_opp}")) == 1, worker.log()
    assert Approval.objects.get(handoff=done).state == "released"
    assert handoff_for(held_opp).state == HandoffState.AWAITING_APPROVAL  # the window passed for it too, but it is held
    assert sap_orders(reference=f"SF-{held_opp}") == []

    approvals.approve(handoff_id=held.pk, user=approver, comment="seat count confirmed")
    wait_for(in_state(held_opp, HandoffState.WRITTEN_BACK), timeout=60, message="held deal created after approval")
    assert len(sap_orders(reference=f"SF-{held_opp}")) == 1


def test_high_risk_deal_waits_in_the_queue_until_approved_then_is_created_once(world, worker, approver):
    opp = create_opportunity(world, "Globex Industries", HIGH_LINES, terms="Net 45", name="Globex — Global fleet")
    mark_won(world, opp)
    handoff = wait_for(in_state(opp, HandoffState.AWAITING_APPROVAL), timeout=60, message="high-risk deal awaiting approval")
    approval = Approval.objects.get(handoff=handoff)
    assert (handoff.risk_level, approval.level, approval.window_ends_at) == ("high", "high", None)
    assert Event.objects.filter(handoff_id=handoff.pk, event_type="risk_assessed", message__contains="312,500.00 USD is above 250,000").exists()

    approvals.approve(handoff_id=handoff.pk, user=approver, comment="fleet deal signed off by the CFO")
    handoff = wait_for(in_state(opp, HandoffState.WRITTEN_BACK), timeout=60, message="approved deal written back")
    assert len(sap_orders(reference=f"SF-{opp}")) == 1, worker.log()
    walked = list(handoff.history.order_by("history_date").values_list("state", flat=True))
    assert walked.index("awaiting_approval") < walked.index("pushing") < walked.index("created")
