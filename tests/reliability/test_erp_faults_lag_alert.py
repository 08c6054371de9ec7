"""The queue-lag alert under concurrency: two runs of `check_queue_lag` at the same moment (the worker's one-minute
schedule and a second timer, or two worker processes picking the schedule up) raise one alert and clear it once.

Found by the erp_down fault scenario (benchmarks/_erp_faults.py), whose lag timer runs beside the worker's schedule:
both runs read "not alerted yet" and both paged. The flag is now taken with a conditional update."""

from __future__ import annotations

import datetime as dt
import threading

import pytest
from django.db import connection
from django.utils import timezone

from erp_orders import outage
from erp_orders.models import ErpAvailability, Handoff, HandoffState
from exceptions_queue.models import Alert
from handoff_project.integration.models import Event
from tests.factories import HandoffFactory

pytestmark = pytest.mark.django_db(transaction=True)


def run_side_by_side(work, *, wait_after, monkeypatch) -> list:
    """Run `work` in two threads that both pass `outage.<wait_after>` before either goes on (the losing interleaving)."""
    barrier = threading.Barrier(2, timeout=10)
    real = getattr(outage, wait_after)

    def in_step(*args, **kwargs):
        value = real(*args, **kwargs)
        barrier.wait()
        return value

    monkeypatch.setattr(outage, wait_after, in_step)
    results, errors = [], []

    def one():
        try:
            results.append(work())
        except Exception as exc:  # noqa: BLE001 - surfaced by the assertion below
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=one) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    monkeypatch.setattr(outage, wait_after, real)
    assert not errors, errors
    return results


def test_two_lag_checks_at_the_same_moment_page_once_and_resolve_once(settings, monkeypatch):
    settings.ERP_QUEUE_LAG_ALERT_SECONDS = 60
    ErpAvailability.objects.create(erp_system="sap")
    old = timezone.now() - dt.timedelta(minutes=5)
    waiting = [HandoffFactory(state=HandoffState.RESOLVED, erp_system="sap", waiting_for_erp_since=old, wait_reason="erp_down")
               for _ in range(2)]

    said = run_side_by_side(outage.check_queue_lag, wait_after="availability", monkeypatch=monkeypatch)

    assert sorted(len(s) for s in said) == [0, 1], said
    assert Alert.objects.filter(dedup_key="erp-queue-lag/sap", event_action="trigger").count() == 1
    assert Event.objects.filter(event_type="erp_queue_lag", system="sap").count() == 1

    Handoff.objects.filter(pk__in=[h.pk for h in waiting]).update(waiting_for_erp_since=None, wait_reason="",
                                                                   state=HandoffState.WRITTEN_BACK)
    cleared = run_side_by_side(outage.check_queue_lag, wait_after="queue_lags", monkeypatch=monkeypatch)

    assert sorted(len(s) for s in cleared) == [0, 1], cleared
    assert Event.objects.filter(event_type="erp_queue_lag_cleared", system="sap").count() == 1
    assert Alert.objects.filter(dedup_key="erp-queue-lag/sap", event_action="resolve").count() == 1
    assert not ErpAvailability.objects.get(erp_system="sap").lag_alerted
