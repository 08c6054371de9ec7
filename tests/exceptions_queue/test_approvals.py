"""Approvals of risky handoffs: approve / reject / request change, four-eyes, hold and cancel in the intervention window."""

from __future__ import annotations

import datetime as dt

import pytest
from django.urls import reverse
from django.utils import timezone
from django_q.models import OrmQ, Schedule

from erp_orders import approvals
from erp_orders.models import Approval, Handoff, HandoffState
from exceptions_queue import resolving
from exceptions_queue.models import Alert, ExceptionType, HandoffException
from handoff_project.integration.models import Event
from tests.factories import HandoffExceptionFactory, UserFactory, handoff_awaiting_approval, send_to_approval

pytestmark = pytest.mark.django_db


@pytest.fixture
def approver():
    return UserFactory(username="ada", roles=["approver"], email="ada@example.test")


def test_a_high_risk_handoff_waits_for_an_approver_who_is_notified(approver, settings):
    settings.ALERT_EMAILS = []
    handoff = handoff_awaiting_approval(level="high")
    approval = Approval.objects.get(handoff=handoff)
    assert (handoff.state, approval.level, approval.state, approval.window_ends_at) == ("awaiting_approval", "high", "pending", None)
    alert = Alert.objects.get(handoff=handoff)
    assert alert.channel == "email" and alert.recipients == "ada@example.test" and "deal value 312,500.00 USD" in alert.text
    assert alert.link.endswith(f"/ops/approvals/{handoff.pk}/")


def test_approving_sends_the_handoff_on_to_the_erp(approver, django_capture_on_commit_callbacks):
    handoff = handoff_awaiting_approval(level="high")
    with django_capture_on_commit_callbacks(execute=True):
        approvals.approve(handoff_id=handoff.pk, user=approver, comment="margin ok")
    handoff.refresh_from_db()
    assert handoff.state == HandoffState.PUSHING
    approval = Approval.objects.get(handoff=handoff)
    assert (approval.state, approval.decided_by, approval.comment) == ("approved", approver, "margin ok")
    assert OrmQ.objects.count() == 1  # the push step is queued
    assert Event.objects.filter(handoff_id=handoff.pk, event_type="approved", data__user="ada").exists()


def test_four_eyes_nobody_approves_a_handoff_they_changed(approver):
    changer = UserFactory(username="max", roles=["ops", "approver"])
    exc = HandoffExceptionFactory(type=ExceptionType.PRICE_VARIANCE, field="lines[1].unit_price", detail={})
    resolving.override_check(exception_id=exc.pk, user=changer, reason="contract price agreed in writing")
    handoff = send_to_approval(exc.handoff, level="high")  # the re-run found it risky

    with pytest.raises(approvals.ApprovalRefused, match="Four-eyes rule: you changed this handoff"):
        approvals.approve(handoff_id=handoff.pk, user=changer)
    assert Handoff.objects.get(pk=handoff.pk).state == HandoffState.AWAITING_APPROVAL
    approvals.approve(handoff_id=handoff.pk, user=approver)
    assert Handoff.objects.get(pk=handoff.pk).state == HandoffState.PUSHING


def test_rejecting_closes_the_handoff_with_the_reason_and_needs_a_comment(approver):
    handoff = handoff_awaiting_approval(level="high")
    with pytest.raises(approvals.ApprovalRefused, match="comment is required"):
        approvals.reject(handoff_id=handoff.pk, user=approver, comment="")
    approvals.reject(handoff_id=handoff.pk, user=approver, comment="discount not authorised")
    handoff.refresh_from_db()
    assert handoff.state == HandoffState.CLOSED and handoff.closed_reason == "Rejected by ada: discount not authorised"
    assert Approval.objects.get(handoff=handoff).state == "rejected"


def test_request_change_sends_the_deal_back_to_sales_ops_as_an_exception(approver):
    handoff = handoff_awaiting_approval(level="high")
    approvals.request_change(handoff_id=handoff.pk, user=approver, comment="split the fleet into two orders")
    handoff.refresh_from_db()
    exc = HandoffException.objects.get(handoff=handoff)
    assert handoff.state == HandoffState.EXCEPTION
    assert (exc.type, exc.team, exc.state) == ("change_requested", "sales_ops", "open")
    assert "split the fleet into two orders" in exc.message


def test_a_medium_handoff_is_released_when_its_window_passes(settings, django_capture_on_commit_callbacks):
    settings.HANDOFF_INTERVENTION_WINDOW_SECONDS = 600
    with django_capture_on_commit_callbacks(execute=True):
        handoff = handoff_awaiting_approval(level="medium", deal_value="76800")
    approval = Approval.objects.get(handoff=handoff)
    assert handoff.state == HandoffState.AWAITING_APPROVAL
    assert Schedule.objects.filter(func=approvals.RELEASE_TASK, args=repr(handoff.pk)).exists()  # the window's timer

    assert approvals.release_after_window(handoff.pk) == "window still open"
    Approval.objects.filter(pk=approval.pk).update(window_ends_at=timezone.now() - dt.timedelta(seconds=1))
    assert approvals.release_due_approvals() == 1
    handoff.refresh_from_db()
    assert handoff.state == HandoffState.PUSHING and Approval.objects.get(pk=approval.pk).state == "released"


def test_a_held_medium_handoff_is_not_released_and_can_then_be_approved_or_cancelled(approver):
    held = handoff_awaiting_approval(level="medium", deal_value="76800")
    approvals.hold(handoff_id=held.pk, user=approver, comment="checking the seat count")
    Approval.objects.filter(handoff=held).update(window_ends_at=timezone.now() - dt.timedelta(seconds=1))
    assert approvals.release_after_window(held.pk) == "approval held; not released"
    assert Handoff.objects.get(pk=held.pk).state == HandoffState.AWAITING_APPROVAL
    approvals.approve(handoff_id=held.pk, user=approver)
    assert Handoff.objects.get(pk=held.pk).state == HandoffState.PUSHING

    cancelled = handoff_awaiting_approval(level="medium", deal_value="76800")
    approvals.cancel(handoff_id=cancelled.pk, user=approver, comment="customer withdrew")
    cancelled.refresh_from_db()
    assert cancelled.state == HandoffState.CLOSED and "customer withdrew" in cancelled.closed_reason


def test_high_risk_cannot_be_held_or_cancelled(approver):
    handoff = handoff_awaiting_approval(level="high")
    with pytest.raises(approvals.ApprovalRefused, match="Only a medium-risk"):
        approvals.hold(handoff_id=handoff.pk, user=approver)
    with pytest.raises(approvals.ApprovalRefused, match="rejected, not cancelled"):
        approvals.cancel(handoff_id=handoff.pk, user=approver, comment="no")


def test_a_zero_window_sends_a_medium_handoff_straight_on(settings):
    settings.HANDOFF_INTERVENTION_WINDOW_SECONDS = 0
    handoff = handoff_awaiting_approval(level="medium", deal_value="76800")
    assert handoff.state == HandoffState.PUSHING and Approval.objects.get(handoff=handoff).state == "released"


def test_approval_pages_show_the_queue_the_factors_and_the_window(client_as):
    high = handoff_awaiting_approval(level="high", deal_name="Globex — Global fleet 2027")
    medium = handoff_awaiting_approval(level="medium", deal_value="76800", deal_name="Acme renewal")
    client = client_as("viewer")
    html = client.get(reverse("ops:approval-list")).content.decode()
    assert html.index("Globex — Global fleet 2027") < html.index("Acme renewal")  # high risk first
    detail = client.get(reverse("ops:approval-detail", args=[medium.pk])).content.decode()
    assert 'data-testid="intervention-window"' in detail and "deal value 76,800.00 USD is between 50,000 and 250,000" in detail
    assert "Only approvers decide here." in detail
    assert "Past orders" in client.get(reverse("ops:approval-detail", args=[high.pk])).content.decode()


def test_the_decide_view_is_for_approvers_and_reports_four_eyes(client_as):
    handoff = handoff_awaiting_approval(level="high")
    assert client_as("ops").post(reverse("ops:approval-decide", args=[handoff.pk]), {"decision": "approve"}).status_code == 403
    client = client_as("approver")
    from handoff_project.integration.events import event_context, record_event

    with event_context(handoff_id=handoff.pk):
        record_event("payload_edited", message="edited the order request", data={"user": client.user.username})
    response = client.post(reverse("ops:approval-decide", args=[handoff.pk]), {"decision": "approve"}, follow=True)
    assert "Four-eyes rule" in response.content.decode()
    assert Handoff.objects.get(pk=handoff.pk).state == HandoffState.AWAITING_APPROVAL
