"""A customer's orders reach the ERP in the order the deals arrived: a younger handoff parks behind an older one of
the same customer (no timer, nothing spent) and is woken when the older one leaves the line; after an outage each
customer's line starts with its oldest; a wake lost to a crash is found by the watchdog."""

from __future__ import annotations

import pytest
from django_q.models import OrmQ

from erp_orders import customer_queue
from erp_orders.models import Handoff
from erp_orders.services import redrive_stuck_handoffs
from tests.factories import HandoffFactory

pytestmark = pytest.mark.django_db


def line(customer: str, count: int, state: str = "pushing") -> list[Handoff]:
    return [HandoffFactory(state=state, erp_system="sap", erp_customer=customer) for _ in range(count)]


def queued(callbacks) -> list[int]:
    """The handoff ids the captured on-commit callbacks queued (each is one django-q2 task)."""
    before = set(OrmQ.objects.values_list("id", flat=True))
    for callback in callbacks:
        callback()
    return sorted(q.task["args"][0] for q in OrmQ.objects.exclude(id__in=before))


def test_a_younger_handoff_parks_behind_the_older_one_and_is_woken_when_it_leaves(django_capture_on_commit_callbacks):
    older, younger = line("17100001", 2)
    assert customer_queue.older_order_pending(younger) == older
    assert customer_queue.older_order_pending(older) is None
    with django_capture_on_commit_callbacks() as callbacks:
        customer_queue.park(younger, older)
    assert queued(callbacks) == [], "parked: no timer, nothing queued"
    younger.refresh_from_db()
    assert (younger.wait_reason, younger.next_attempt_at) == ("customer_queue", None)

    Handoff.objects.filter(pk=older.pk).update(state="created")
    with django_capture_on_commit_callbacks() as callbacks:
        customer_queue.wake_next(older)
    assert queued(callbacks) == [younger.pk]


def test_parking_after_the_older_one_already_left_queues_itself(django_capture_on_commit_callbacks):
    older, younger = line("17100001", 2)
    Handoff.objects.filter(pk=older.pk).update(state="written_back")  # it left between the check and the park
    with django_capture_on_commit_callbacks() as callbacks:
        customer_queue.park(younger, older)
    assert queued(callbacks) == [younger.pk], "the wake it missed is not lost"


def test_other_customers_and_people_held_handoffs_do_not_block(django_capture_on_commit_callbacks):
    [acme] = line("17100001", 1)
    [globex] = line("17100002", 1)
    held = HandoffFactory(state="awaiting_approval", erp_system="sap", erp_customer="17100003")
    [initech] = line("17100003", 1)
    assert customer_queue.older_order_pending(globex) is None and acme.pk < globex.pk
    assert customer_queue.older_order_pending(initech) is None and held.pk < initech.pk


def test_after_an_outage_each_customers_oldest_goes_first_and_the_rest_wait_their_turn(django_capture_on_commit_callbacks):
    acme = line("17100001", 3, state="resolved")
    globex = line("17100002", 2, state="validated")
    with django_capture_on_commit_callbacks() as callbacks:
        assert customer_queue.drain_in_order("sap") == 2
    assert queued(callbacks) == sorted([acme[0].pk, globex[0].pk])
    parked = set(Handoff.objects.filter(wait_reason="customer_queue").values_list("pk", flat=True))
    assert parked == {acme[1].pk, acme[2].pk, globex[1].pk}


def test_the_watchdog_moves_a_line_whose_head_was_never_woken(django_capture_on_commit_callbacks):
    head, behind = line("17100001", 2)
    Handoff.objects.filter(pk__in=[head.pk, behind.pk]).update(wait_reason="customer_queue")  # both parked, nobody awake
    with django_capture_on_commit_callbacks() as callbacks:
        redrive_stuck_handoffs()
    assert queued(callbacks) == [head.pk], "only the head; the one behind it waits for the head"
