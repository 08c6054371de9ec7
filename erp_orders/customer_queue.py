"""One customer's orders reach the ERP in the order the deals arrived (requirements.md, "ERP downtime").

Before a handoff creates its order it asks `older_order_pending`: is an older handoff of the same ERP customer still
on its way to the ERP (resolved, validated or pushing — not waiting for a person, not dead)? If so it waits
(`wait_reason = customer_queue`) and looks again after CUSTOMER_QUEUE_RECHECK_SECONDS; when the older one leaves the
ERP-bound states (created, exception, approval, dead) `wake_next` queues the next waiting handoff of that customer at
once. Handoffs whose customer is not resolved yet (still being fetched from the CRM) are not in the queue.
"""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.utils import timezone

from handoff_project.integration.events import record_event
from handoff_project.integration.models import Outcome
from handoff_project.integration.steps import enqueue

from .models import Handoff
from .outage import ADVANCE_TASK, ERP_BOUND_STATES

CUSTOMER_QUEUE = "customer_queue"


def older_order_pending(handoff: Handoff) -> Handoff | None:
    if not handoff.erp_customer:
        return None
    return (Handoff.objects.filter(erp_system=handoff.erp_system, erp_customer=handoff.erp_customer,
                                   state__in=ERP_BOUND_STATES, pk__lt=handoff.pk)
            .order_by("pk").only("pk", "state", "deal_name").first())


def wait_behind(handoff: Handoff, older: Handoff) -> None:
    first = handoff.wait_reason != CUSTOMER_QUEUE
    recheck = settings.CUSTOMER_QUEUE_RECHECK_SECONDS
    Handoff.objects.filter(pk=handoff.pk).update(
        wait_reason=CUSTOMER_QUEUE, waiting_for_erp_since=handoff.waiting_for_erp_since or timezone.now(),
        next_attempt_at=timezone.now() + dt.timedelta(seconds=recheck), updated_at=timezone.now())
    if first:
        record_event("customer_queue_wait", outcome=Outcome.INFO,
                     message=f"waits behind handoff {older.pk} ({older.deal_name or 'an older deal'}, {older.state}) of the "
                     f"same customer {handoff.erp_customer}, so the ERP receives the customer's orders in order")
    enqueue(ADVANCE_TASK, handoff.pk, delay_s=recheck)


def wake_next(handoff: Handoff) -> None:
    """`handoff` left the ERP-bound states: queue the next waiting handoff of its customer now."""
    if not handoff.erp_customer:
        return
    nxt = (Handoff.objects.filter(erp_system=handoff.erp_system, erp_customer=handoff.erp_customer,
                                  state__in=ERP_BOUND_STATES, wait_reason=CUSTOMER_QUEUE, pk__gt=handoff.pk)
           .order_by("pk").values_list("pk", flat=True).first())
    if nxt is not None:
        Handoff.objects.filter(pk=nxt).update(next_attempt_at=None)
        enqueue(ADVANCE_TASK, nxt)
