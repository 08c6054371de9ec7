"""Helpers of the monitoring tests (test_monitoring_*): a past week to put history in, and handoffs received in it."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from erp_orders.models import HandoffState
from exceptions_queue.health.targets import Week, week_of
from tests.factories import HandoffFactory, backdate


@pytest.fixture
def week() -> Week:
    """The last complete week (Monday to Monday)."""
    return week_of(timezone.now()).previous()


def handoff_at(received: dt.datetime, *, created_after: float | None = None, state: str = HandoffState.WRITTEN_BACK, **fields):
    """A handoff received at `received`; with `created_after` (seconds) its ERP order was created that much later."""
    handoff = HandoffFactory(state=state, **fields)
    stamps = {"received_at": received}
    if created_after is not None:
        stamps["created_in_erp_at"] = received + dt.timedelta(seconds=created_after)
    return backdate(handoff, **stamps)
