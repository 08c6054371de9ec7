"""Handoff services outside the pipeline: one handoff per deal, leases, re-queue rules, the watchdog."""

import datetime as dt

import pytest
from django.utils import timezone
from django_q.models import OrmQ

from erp_orders.models import Handoff, HandoffState, WritebackStatus
from erp_orders.pipeline import claim, release
from erp_orders.services import RequeueRefused, open_handoff, redrive_stuck_handoffs, requeue_handoff

pytestmark = pytest.mark.django_db(transaction=True)


def test_a_deal_announced_twice_has_one_handoff_and_one_queued_step():
    first, created_first = open_handoff(crm_system="salesforce", crm_record_id="006A")
    second, created_second = open_handoff(crm_system="salesforce", crm_record_id="006A")
    assert first.pk == second.pk and (created_first, created_second) == (True, False)
    assert OrmQ.objects.count() == 1


def test_only_one_worker_holds_a_handoff_until_it_releases_or_the_lease_expires():
    handoff, _ = open_handoff(crm_system="salesforce", crm_record_id="006B")
    token = claim(handoff.pk)
    assert token and claim(handoff.pk) is None
    release(handoff.pk, token)
    token = claim(handoff.pk)
    Handoff.objects.filter(pk=handoff.pk).update(lease_until=timezone.now() - dt.timedelta(seconds=1))  # worker died
    assert claim(handoff.pk) not in (None, token)


def test_requeue_is_refused_for_a_handoff_that_is_still_moving():
    handoff, _ = open_handoff(crm_system="salesforce", crm_record_id="006C")
    with pytest.raises(RequeueRefused):
        requeue_handoff(handoff_id=handoff.pk)


def test_requeue_of_a_failed_writeback_retries_only_the_writeback():
    handoff, _ = open_handoff(crm_system="salesforce", crm_record_id="006D")
    Handoff.objects.filter(pk=handoff.pk).update(state=HandoffState.CREATED, erp_order_number="42", writeback_status=WritebackStatus.FAILED, flagged=True)
    handoff = requeue_handoff(handoff_id=handoff.pk)
    assert (handoff.state, handoff.writeback_status, handoff.flagged) == (HandoffState.CREATED, WritebackStatus.PENDING, False)


def test_watchdog_requeues_handoffs_nobody_is_progressing_and_leaves_the_others():
    stuck, _ = open_handoff(crm_system="salesforce", crm_record_id="006E")
    leased, _ = open_handoff(crm_system="salesforce", crm_record_id="006F")
    waiting, _ = open_handoff(crm_system="salesforce", crm_record_id="006G")
    done, _ = open_handoff(crm_system="salesforce", crm_record_id="006H")
    old = timezone.now() - dt.timedelta(minutes=10)
    Handoff.objects.update(updated_at=old)
    Handoff.objects.filter(pk=leased.pk).update(lease_until=timezone.now() + dt.timedelta(minutes=1))
    Handoff.objects.filter(pk=waiting.pk).update(next_attempt_at=timezone.now() + dt.timedelta(minutes=5))
    Handoff.objects.filter(pk=done.pk).update(state=HandoffState.WRITTEN_BACK)
    OrmQ.objects.all().delete()
    assert redrive_stuck_handoffs() == 1
    assert OrmQ.objects.count() == 1
