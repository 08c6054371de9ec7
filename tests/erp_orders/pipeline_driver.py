"""Drive the real pipeline in the test process against the live sandboxes: the same steps a worker runs, one after
another, without waiting for queue round trips or retry timers (for tests about what the steps decide)."""

from __future__ import annotations

from erp_orders.models import Handoff, HandoffState, WritebackStatus
from erp_orders.pipeline import STEPS, advance_handoff
from erp_orders.services import open_handoff


def open_and_drive(crm_id: str, *, crm_system: str = "salesforce", max_steps: int = 15) -> Handoff:
    handoff, _ = open_handoff(crm_system=crm_system, crm_record_id=crm_id)
    return drive(handoff.pk, max_steps=max_steps)


def drive(handoff_id: int, *, max_steps: int = 15, until=None) -> Handoff:
    """Run steps until the handoff rests (needs a person, is done, or is dead) or `until(handoff)` is true.
    A due retry is run at once (its timer is skipped)."""
    handoff = Handoff.objects.get(pk=handoff_id)
    for _ in range(max_steps):
        if until is not None and until(handoff):
            return handoff
        resting = handoff.state not in STEPS or (
            handoff.state == HandoffState.CREATED and handoff.writeback_status != WritebackStatus.PENDING)
        if resting or handoff.wait_reason == "erp_down":
            return handoff
        Handoff.objects.filter(pk=handoff_id).update(next_attempt_at=None)
        advance_handoff(handoff_id)
        handoff.refresh_from_db()
    return handoff
