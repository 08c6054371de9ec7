"""One customer's orders reach the ERP in the order the deals arrived (requirements.md, "ERP downtime").

Before a handoff creates its order it asks `older_order_pending`: is an older handoff of the same ERP customer still
on its way to the ERP (resolved, validated or pushing — not waiting for a person, not dead)? If so it is *parked*
(`wait_reason = customer_queue`, no timer, nothing spent) and the older one wakes it: whenever a handoff leaves the
ERP-bound states (created, exception, approval, dead), `wake_next` queues the oldest parked handoff of its customer.
Parking re-checks once after it is recorded, so a wake that happened in between is never lost; the watchdog's
`wake_stalled` catches what a crash lost. After an ERP outage `drain_in_order` queues the oldest waiting handoff of
each customer and parks the rest, so each customer's line moves one at a time while customers move side by side.

Handoffs whose customer is not resolved yet (still being fetched from the CRM) are not in any customer's line.
"""

from __future__ import annotations

from django.db.models import Min
from django.utils import timezone

from handoff_project.integration.events import record_event
from handoff_project.integration.models import Outcome
from handoff_project.integration.steps import enqueue

from .models import Handoff

ADVANCE_TASK = "erp_orders.tasks.advance_handoff"
CUSTOMER_QUEUE = "customer_queue"
# States in which a handoff still needs its ERP (validate asks prices, push creates).
ERP_BOUND_STATES = ("resolved", "validated", "pushing")


def _line(erp_system: str, erp_customer: str):
    return Handoff.objects.filter(erp_system=erp_system, erp_customer=erp_customer, state__in=ERP_BOUND_STATES)


def older_order_pending(handoff: Handoff) -> Handoff | None:
    """The oldest handoff ahead of this one in its customer's line, if any."""
    if not handoff.erp_customer:
        return None
    return (_line(handoff.erp_system, handoff.erp_customer).filter(pk__lt=handoff.pk)
            .order_by("pk").only("pk", "state", "deal_name").first())


def park(handoff: Handoff, older: Handoff) -> None:
    """Wait for the older handoff of the customer to leave the line; it wakes this one."""
    first = handoff.wait_reason != CUSTOMER_QUEUE
    Handoff.objects.filter(pk=handoff.pk).update(
        wait_reason=CUSTOMER_QUEUE, next_attempt_at=None, updated_at=timezone.now(),
        waiting_for_erp_since=handoff.waiting_for_erp_since or timezone.now())
    if first:
        record_event("customer_queue_wait", outcome=Outcome.INFO,
                     message=f"waits behind handoff {older.pk} ({older.deal_name or 'an older deal'}, {older.state}) of the "
                     f"same customer {handoff.erp_customer}, so the ERP receives the customer's orders in order")
    if older_order_pending(handoff) is None:  # the older one left while we parked: its wake may have missed us
        enqueue(ADVANCE_TASK, handoff.pk)


def wake_next(handoff: Handoff) -> None:
    """`handoff` left the ERP-bound states: queue the oldest parked handoff of its customer now."""
    if not handoff.erp_customer:
        return
    nxt = (_line(handoff.erp_system, handoff.erp_customer).filter(wait_reason=CUSTOMER_QUEUE)
           .order_by("pk").values_list("pk", flat=True).first())
    if nxt is not None:
        enqueue(ADVANCE_TASK, nxt)


def drain_in_order(erp_system: str) -> int:
    """After an outage: queue the oldest ERP-bound handoff of every customer (and every handoff without one yet),
    park the others behind it. Returns how many were queued now."""
    waiting = Handoff.objects.filter(erp_system=erp_system, state__in=ERP_BOUND_STATES)
    heads = list(waiting.exclude(erp_customer="").values("erp_customer").annotate(head=Min("pk")).values_list("head", flat=True))
    loose = list(waiting.filter(erp_customer="").values_list("pk", flat=True))
    first = sorted({*heads, *loose})
    waiting.exclude(pk__in=first).update(wait_reason=CUSTOMER_QUEUE, next_attempt_at=None, attempts=0)
    Handoff.objects.filter(pk__in=first).update(wait_reason="", next_attempt_at=None, attempts=0)
    for handoff_id in first:
        enqueue(ADVANCE_TASK, handoff_id)
    return len(first)


def wake_stalled() -> int:
    """The watchdog's part: a line whose head is parked with nobody ahead of it (a wake lost to a crash) moves on."""
    heads = (Handoff.objects.filter(wait_reason=CUSTOMER_QUEUE, state__in=ERP_BOUND_STATES)
             .values("erp_system", "erp_customer").annotate(head=Min("pk")))
    woken = 0
    for row in heads[:500]:
        ahead = _line(row["erp_system"], row["erp_customer"]).filter(pk__lt=row["head"]).exclude(wait_reason=CUSTOMER_QUEUE)
        if not ahead.exists():
            enqueue(ADVANCE_TASK, row["head"])
            woken += 1
    return woken
