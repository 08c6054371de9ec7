"""The watchdog's per-step deadlines: a handoff idle longer than its state's deadline is re-driven, with an event that
names the step and the deadline it overran; one within its deadline, leased, or with a retry due is left alone."""

import datetime as dt

import pytest
from django.test import override_settings
from django.urls import reverse
from django.utils import timezone
from django_q.models import OrmQ

from erp_orders.models import Handoff, HandoffState
from erp_orders.services import open_handoff, redrive_stuck_handoffs, step_deadlines
from handoff_project.integration.models import Event
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db(transaction=True)

DEADLINES = {"received": 60, "resolved": 60, "validated": 30, "pushing": 600, "created": 120}


def _handoff(crm_id: str, state: str, idle_s: float) -> Handoff:
    handoff, _ = open_handoff(crm_system="salesforce", crm_record_id=crm_id)
    Handoff.objects.filter(pk=handoff.pk).update(state=state, updated_at=timezone.now() - dt.timedelta(seconds=idle_s))
    return handoff


@override_settings(HANDOFF_STEP_DEADLINES=DEADLINES)
def test_each_state_is_judged_by_its_own_deadline():
    overdue_resolve = _handoff("006R1", HandoffState.RECEIVED, idle_s=90)  # 90 s > 60 s
    slow_push_in_time = _handoff("006P1", HandoffState.PUSHING, idle_s=300)  # 300 s < 600 s
    overdue_push = _handoff("006P2", HandoffState.PUSHING, idle_s=700)  # 700 s > 600 s
    fresh_route = _handoff("006V1", HandoffState.VALIDATED, idle_s=10)
    OrmQ.objects.all().delete()

    assert redrive_stuck_handoffs() == 2

    redriven = Event.objects.filter(event_type="redriven")
    assert set(redriven.values_list("handoff_id", flat=True)) == {overdue_resolve.pk, overdue_push.pk}
    assert not Event.objects.filter(event_type="redriven", handoff_id__in=[slow_push_in_time.pk, fresh_route.pk]).exists()
    assert OrmQ.objects.count() == 2


@override_settings(HANDOFF_STEP_DEADLINES=DEADLINES)
def test_the_redrive_event_says_which_step_overran_which_deadline():
    handoff = _handoff("006P3", HandoffState.PUSHING, idle_s=650)
    redrive_stuck_handoffs()
    event = Event.objects.get(event_type="redriven", handoff_id=handoff.pk)
    assert (event.data["state"], event.data["step"], event.data["deadline_s"]) == ("pushing", "push", 600)
    assert event.data["idle_s"] >= 650
    assert "push step (state pushing) overran its deadline of 600 s" in event.message
    assert event.crm_record_id == "006P3"


@override_settings(HANDOFF_STEP_DEADLINES=DEADLINES)
def test_an_overdue_handoff_with_a_live_lease_or_a_retry_due_is_left_alone():
    leased = _handoff("006L1", HandoffState.RESOLVED, idle_s=500)
    retrying = _handoff("006L2", HandoffState.RESOLVED, idle_s=500)
    later = timezone.now() + dt.timedelta(minutes=1)
    Handoff.objects.filter(pk=leased.pk).update(lease_until=later, lease_owner="w1")
    Handoff.objects.filter(pk=retrying.pk).update(next_attempt_at=later)
    assert redrive_stuck_handoffs() == 0


def test_deadlines_come_from_settings_and_a_caller_may_shorten_one():
    with override_settings(HANDOFF_STEP_DEADLINES=DEADLINES):
        limits = step_deadlines({"pushing": 5})
    assert limits[HandoffState.PUSHING] == dt.timedelta(seconds=5)
    assert limits[HandoffState.RECEIVED] == dt.timedelta(seconds=60)
    assert HandoffState.WRITTEN_BACK not in limits and HandoffState.AWAITING_APPROVAL not in limits


def test_the_default_deadlines_cover_every_state_a_worker_owes_a_step():
    from django.conf import settings

    from erp_orders.models import ACTIVE_STATES

    assert set(ACTIVE_STATES) <= set(settings.HANDOFF_STEP_DEADLINES)
    assert all(seconds > 0 for seconds in settings.HANDOFF_STEP_DEADLINES.values())


@override_settings(HANDOFF_STEP_DEADLINES=DEADLINES)
def test_ops_see_the_redrive_and_its_reason_on_the_handoff_page(client):
    handoff = _handoff("006U1", HandoffState.CREATED, idle_s=200)
    redrive_stuck_handoffs()
    client.force_login(UserFactory(roles=["ops"]))
    page = client.get(reverse("ops:handoff-detail", args=[handoff.pk]))
    assert page.status_code == 200
    assert "write_back step (state created) overran its deadline of 120 s" in page.content.decode()


@override_settings(HANDOFF_STEP_DEADLINES={**DEADLINES, "accepted": 30})
def test_a_stored_delivery_whose_processing_task_was_lost_is_queued_again_after_its_deadline():
    from handoff_project.integration.models import InboundEvent

    lost = InboundEvent.objects.create(system="salesforce", body="<soap/>", dedup_key="lost-1")
    fresh = InboundEvent.objects.create(system="salesforce", body="<soap/>", dedup_key="fresh-1")
    done = InboundEvent.objects.create(system="salesforce", body="<soap/>", dedup_key="done-1",
                                       status=InboundEvent.Status.PROCESSED)
    InboundEvent.objects.filter(pk__in=[lost.pk, done.pk]).update(received_at=timezone.now() - dt.timedelta(seconds=90))
    OrmQ.objects.all().delete()

    assert redrive_stuck_handoffs() == 1

    event = Event.objects.get(event_type="inbound_redriven")
    assert event.data == {"inbound_event_id": lost.pk, "deadline_s": 30}
    assert [task.func() for task in OrmQ.objects.all()] == ["crm_sync.tasks.process_inbound_event"]
    assert not Event.objects.filter(event_type="inbound_redriven", data__inbound_event_id=fresh.pk).exists()
