"""The demo's weeks of history (handoff_project.demo.history): believable, in the past, and written only once."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db.models import Max
from django.utils import timezone

from crosswalk.models import TransformationLog
from erp_orders.models import Handoff
from exceptions_queue.health import dashboard, targets
from exceptions_queue.models import DeadLetter, HandoffException
from handoff_project.demo.history import seed_history
from handoff_project.integration.models import Event
from payables.models import Invoice, MatchRun

pytestmark = pytest.mark.django_db


def counts() -> dict:
    return {model.__name__: model.objects.count()
            for model in (Handoff, Event, TransformationLog, HandoffException, DeadLetter, Invoice, MatchRun)}


@pytest.fixture
def now():
    return timezone.now() - dt.timedelta(minutes=1)


def test_history_fills_the_dashboard_and_a_second_run_adds_nothing(now):
    added = seed_history(weeks=2, now=now)
    first = counts()

    assert added["handoffs"] > 150 and added["invoices"] > 30 and added["outages"] >= 1
    assert first["Event"] > 8 * first["Handoff"]  # every step and HTTP exchange is an event
    assert seed_history(weeks=2, now=now) == {}
    assert counts() == first
    # Everything happened before `now`.
    assert Event.objects.aggregate(last=Max("created_at"))["last"] <= now
    assert Handoff.objects.aggregate(last=Max("created_in_erp_at"))["last"] <= now
    assert HandoffException.objects.aggregate(last=Max("resolved_at"))["last"] <= now
    # Five ERPs, three CRMs, people's resolutions, dead letters, buffering during an outage.
    assert set(Handoff.objects.values_list("erp_system", flat=True)) == {"sap", "netsuite", "business_central", "oracle", "odoo"}
    assert set(Handoff.objects.values_list("crm_system", flat=True)) == {"salesforce", "hubspot", "pipedrive"}
    assert HandoffException.objects.filter(resolved_by__isnull=False).exists()
    assert DeadLetter.objects.exists()
    assert Event.objects.filter(event_type="erp_buffered").exists() and Event.objects.filter(event_type="erp_drained").exists()

    last_week = targets.week_of(now).previous()
    for metric in targets.METRICS:
        reading = metric.measure(last_week)
        assert reading.value is not None, metric.key
    automation = targets.automation_rate(last_week).value
    assert 0.7 < automation < 0.95  # near the 85 % target, as a real installation would be

    board = dashboard.dashboard("7d", now=now)
    assert board.events_total > 1000
    assert all(f.started for f in board.flows)
    assert any(v for v in board.series["api"]["sap"]["p95_ms"])


def test_later_runs_add_only_the_days_since(now):
    seed_history(weeks=1, now=now - dt.timedelta(days=2))
    before = Handoff.objects.count()
    added = seed_history(weeks=1, now=now)
    assert added["handoffs"] > 0
    assert Handoff.objects.count() == before + added["handoffs"]
    assert Handoff.objects.values("crm_record_id").distinct().count() == Handoff.objects.count()


def test_a_generated_handoff_opens_in_the_ops_ui(client_as, now):
    seed_history(weeks=1, now=now)
    handoff = Handoff.objects.filter(exceptions__resolved_by__isnull=False).first()
    response = client_as("viewer").get(f"/ops/handoffs/{handoff.pk}/")
    assert response.status_code == 200 and handoff.deal_name.encode() in response.content
