"""The health dashboard's series and tiles from known history, its HTMX partial, and who may see it."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from erp_orders.models import HandoffState
from exceptions_queue.health import dashboard as health
from exceptions_queue.health import queue_lag
from exceptions_queue.health.sql import SecondsBetween, bucket_key, percentile, summaries
from exceptions_queue.models import DeadLetter
from handoff_project.integration.models import Event
from payables.models import Invoice
from tests.factories import DeadLetterFactory, InvoiceFactory, backdate, event_at

from .monitoring_fixtures import handoff_at

pytestmark = pytest.mark.django_db


@pytest.fixture
def now():
    # Half past an hour that has passed, so every bucket of the test is known.
    return (timezone.now() - dt.timedelta(hours=1)).replace(minute=30, second=0, microsecond=0)


def hour_start(moment: dt.datetime) -> dt.datetime:
    return moment.replace(minute=0, second=0, microsecond=0)


def series_at(board, values, moment):
    return values[board.series["x"].index(bucket_key(hour_start(moment)))]


def test_events_success_rate_and_latency_per_flow_per_hour(now):
    three_hours_ago = now - dt.timedelta(hours=3)
    for seconds in (20, 40, 60, 80):
        handoff_at(three_hours_ago, created_after=seconds)
    handoff_at(three_hours_ago, state=HandoffState.EXCEPTION)
    handoff_at(three_hours_ago, state=HandoffState.PUSHING)  # still running: in no rate
    invoice = backdate(InvoiceFactory(status="on_hold", matched_at=three_hours_ago + dt.timedelta(seconds=30)),
                       received_at=three_hours_ago)
    for outcome in ("success", "success", "erp_error", "transient_error", "validation_failure"):
        event_at(None, "http", three_hours_ago + dt.timedelta(minutes=1), outcome=outcome)

    board = health.dashboard("24h", now=now)

    events = board.series["events"]
    assert series_at(board, events["total"], three_hours_ago) == 5
    assert series_at(board, events["failed"], three_hours_ago) == 2  # a validation failure is an exception, not a failure
    deals = board.series["flows"]["deal_to_order"]
    assert series_at(board, deals["started"], three_hours_ago) == 6
    assert series_at(board, deals["success_rate"], three_hours_ago) == 0.8
    assert series_at(board, deals["latency_avg"], three_hours_ago) == 50.0
    assert series_at(board, deals["latency_p95"], three_hours_ago) == 77.0  # 60 + 0.85 × 20
    assert series_at(board, deals["success_rate"], now - dt.timedelta(hours=2)) is None  # no data is a gap, not 0
    deal_tile = next(f for f in board.flows if f.flow.name == "deal_to_order")
    assert (deal_tile.started, deal_tile.succeeded, deal_tile.failed, deal_tile.success_rate) == (6, 4, 1, 0.8)
    invoices = board.series["flows"]["invoice"]
    assert series_at(board, invoices["success_rate"], three_hours_ago) == 0.0
    assert series_at(board, invoices["latency_avg"], three_hours_ago) == 30.0
    assert Invoice.objects.get(pk=invoice.pk).status == "on_hold"


def test_api_response_times_per_system_from_the_event_log(now):
    at = now - dt.timedelta(hours=1)
    for ms in (100, 200, 300, 400, 500):
        event_at(None, "http", at, system="sap", method="POST", duration_ms=ms, http_status=201, outcome="success")
    event_at(None, "http", at, system="salesforce", method="GET", duration_ms=80, http_status=503, outcome="transient_error")
    event_at(None, "state_changed", at, system="sap", duration_ms=99999)  # not an HTTP exchange

    board = health.dashboard("24h", now=now)

    rows = {row["system"]: row for row in board.api}
    assert [row["system"] for row in board.api] == ["sap", "salesforce"]  # ERPs first
    assert (rows["sap"]["calls"], rows["sap"]["average_ms"], rows["sap"]["p95_ms"]) == (5, 300.0, 480.0)
    assert rows["salesforce"]["errors"] == 1 and rows["salesforce"]["is_erp"] is False
    assert series_at(board, board.series["api"]["sap"]["p95_ms"], at) == 480.0


def test_dead_letter_depth_follows_arrivals_and_closures(now):
    def letter(opened_hours_ago, closed_hours_ago=None):
        closed = now - dt.timedelta(hours=closed_hours_ago) if closed_hours_ago is not None else None
        state = DeadLetter.State.REQUEUED if closed else DeadLetter.State.OPEN
        return backdate(DeadLetterFactory(state=state, closed_at=closed), created_at=now - dt.timedelta(hours=opened_hours_ago))

    letter(30)  # open since before the range
    letter(30, closed_hours_ago=10)  # closed inside the range
    letter(5, closed_hours_ago=2)
    letter(1)

    board = health.dashboard("24h", now=now)
    depth = board.series["dlq_depth"]

    assert depth[0] == 2  # both older ones were open when the range began
    assert series_at(board, depth, now - dt.timedelta(hours=10)) == 1
    assert series_at(board, depth, now - dt.timedelta(hours=5)) == 2
    assert series_at(board, depth, now - dt.timedelta(hours=2)) == 1
    assert depth[-1] == 2 == board.dead_letters_open


def test_queue_lag_now_and_during_an_outage_from_buffered_and_drained_events(now):
    down, back = now - dt.timedelta(hours=6, minutes=20), now - dt.timedelta(hours=5, minutes=10)
    first = handoff_at(down, created_after=75 * 60)
    event_at(first, "erp_buffered", down, system="sap")
    second = handoff_at(down + dt.timedelta(minutes=30), created_after=45 * 60)
    event_at(second, "erp_buffered", down + dt.timedelta(minutes=30), system="sap")
    event_at(None, "erp_drained", back, system="sap")
    # Waiting now, without a buffered event (derived from the handoff's fields alone).
    waiting = handoff_at(now - dt.timedelta(minutes=40), state=HandoffState.PUSHING, erp_system="netsuite")
    backdate(waiting, waiting_for_erp_since=now - dt.timedelta(minutes=40))

    board = health.dashboard("24h", now=now)

    [lag] = board.queue_lags
    assert (lag.erp_system, lag.waiting, round(lag.lag_seconds)) == ("netsuite", 1, 40 * 60)
    sap = board.series["queue_lag"]["sap"]["seconds"]
    assert series_at(board, sap, down) == 50 * 60  # buffered at :10, the first had waited 50 min when that hour ended
    assert series_at(board, sap, back) == 70 * 60  # drained 70 min after it was buffered
    assert series_at(board, sap, now - dt.timedelta(hours=3)) == 0.0
    netsuite = board.series["queue_lag"]["netsuite"]["seconds"]
    assert netsuite[-1] == 40 * 60


def test_waiting_period_without_events_ends_when_the_order_was_created(now):
    handoff = handoff_at(now - dt.timedelta(hours=3), created_after=20 * 60, erp_system="oracle")
    backdate(handoff, waiting_for_erp_since=now - dt.timedelta(hours=3))
    [period] = queue_lag.waiting_periods(since=now - dt.timedelta(hours=24), until=now, now=now)
    assert (period.erp_system, period.end - period.start) == ("oracle", dt.timedelta(minutes=20))


def test_python_percentile_matches_postgresql_percentile_cont():
    """The SQLite fallback must give the numbers PostgreSQL gives."""
    values = [3, 1, 4, 1, 5, 9, 2, 6, 5, 3, 5, 8, 9, 7, 9]
    for ms in values:
        event_at(None, "http", timezone.now(), method="GET", duration_ms=ms, system="sap")
    [(key, in_database)] = summaries(Event.objects.all(), "duration_ms", fractions=(0.5, 0.9, 0.95)).items()
    for fraction in (0.5, 0.9, 0.95):
        assert in_database.p(fraction) == pytest.approx(percentile([float(v) for v in values], fraction))
    assert percentile([], 0.5) is None


def test_seconds_between_two_timestamps_in_the_database(now):
    handoff_at(now - dt.timedelta(hours=1), created_after=93.25)
    from erp_orders.models import Handoff

    [seconds] = Handoff.objects.annotate(s=SecondsBetween("created_in_erp_at", "received_at")).values_list("s", flat=True)
    assert seconds == pytest.approx(93.25)


def test_unknown_range_falls_back_to_seven_days(now):
    span = health.time_range("forever", now=now)
    assert (span.key, span.granularity, span.until - span.since) == ("7d", "hour", dt.timedelta(days=7))
    assert health.time_range("30d", now=now).granularity == "day"
    assert len(health.time_range("24h", now=now).buckets) == 25  # the hour that began 24 h ago … this hour


@pytest.mark.parametrize("role", ["ops", "approver", "master_data", "viewer"])
def test_every_role_reads_the_dashboard(client_as, role):
    response = client_as(role).get("/ops/dashboard/")
    assert response.status_code == 200
    assert b'id="dashboard-series"' in response.content and b"Targets, week by week" in response.content


def test_no_role_no_dashboard(client, client_as):
    assert client.get("/ops/dashboard/").status_code == 302
    assert client_as().get("/ops/dashboard/").status_code == 403


def test_range_change_swaps_only_the_panel(client_as):
    handoff_at(timezone.now() - dt.timedelta(days=10), created_after=30)
    response = client_as("viewer").get("/ops/dashboard/?range=30d", HTTP_HX_REQUEST="true", HTTP_HX_TARGET="dashboard-panel")
    page = response.content.decode()
    assert response.status_code == 200 and "<html" not in page and "Targets, week by week" not in page
    assert 'data-range="30d"' in page and "(daily average)" in page
    assert response["Vary"].count("HX-Target") == 1
