"""The seed's seven metrics computed from known fixtures (one past week), and the records behind each number."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from erp_orders.models import Approval, ApprovalState, HandoffState
from exceptions_queue.health import target_records, targets
from exceptions_queue.models import DeadLetter, ExceptionType, HandoffException
from tests.factories import (
    DeadLetterFactory,
    HandoffExceptionFactory,
    InvoiceFactory,
    MatchRunFactory,
    TransformationLogFactory,
    backdate,
    event_at,
)

from .monitoring_fixtures import handoff_at, week  # noqa: F401 - fixture

pytestmark = pytest.mark.django_db
HOUR = dt.timedelta(hours=1)


def day(week, n: int, hour: int = 10) -> dt.datetime:
    return week.start + dt.timedelta(days=n, hours=hour)


@pytest.fixture
def cohort(week):
    """Eleven handoffs of the week's cohort, one in flight, one from the week before and one from the week after."""
    t = day(week, 1)
    made = {f"auto{i}": handoff_at(t + i * HOUR, created_after=60) for i in range(5)}
    made["window"] = handoff_at(t, created_after=900)  # medium risk, released when its intervention window passed
    Approval.objects.create(handoff=made["window"], level="medium", state=ApprovalState.RELEASED)
    event_at(made["window"], "approval_released", t + 900 * dt.timedelta(seconds=1))
    made["override"] = handoff_at(t, created_after=4000)
    HandoffExceptionFactory(handoff=made["override"], type=ExceptionType.PRICE_VARIANCE, field="lines[1].unit_price",
                            state=HandoffException.State.RESOLVED)
    event_at(made["override"], "check_overridden", t + HOUR, data={"user": "ops", "field": "lines[1].unit_price"})
    made["approved"] = handoff_at(t, created_after=3000)
    Approval.objects.create(handoff=made["approved"], level="high", state=ApprovalState.APPROVED)
    event_at(made["approved"], "approved", t + HOUR, data={"user": "approver"})
    made["dead"] = handoff_at(t, state=HandoffState.DEAD)
    DeadLetterFactory(handoff=made["dead"])
    made["exception"] = handoff_at(t, state=HandoffState.EXCEPTION)
    HandoffExceptionFactory(handoff=made["exception"])
    made["rejected"] = handoff_at(t, state=HandoffState.CLOSED)
    event_at(made["rejected"], "rejected", t + HOUR, data={"user": "approver"})
    # Not in the cohort: still being processed, received the week before, received the week after.
    made["in_flight"] = handoff_at(t, state=HandoffState.PUSHING)
    made["before"] = handoff_at(week.start - HOUR, created_after=30)
    event_at(made["before"], "requeued", week.start + HOUR, data={"user": "ops"})
    made["after"] = handoff_at(week.end + HOUR, created_after=30)
    # Assigning an exception is not an intervention on the data.
    event_at(made["auto0"], "exception_assigned", t + HOUR, data={"user": "ops"})
    return made


def test_automation_rate_counts_orders_made_without_exception_dead_letter_or_a_person(week, cohort):
    reading = targets.automation_rate(week)
    assert (reading.numerator, reading.denominator) == (6, 11)  # five plain ones and the released medium-risk one
    assert reading.value == pytest.approx(6 / 11)
    assert targets.METRICS_BY_KEY["automation_rate"].status(reading) == "missed"  # 54.5 % is not above 85 %


def test_manual_intervention_rate_counts_handoffs_a_person_acted_on(week, cohort):
    reading = targets.manual_intervention_rate(week)
    assert (reading.numerator, reading.denominator) == (3, 11)  # the override, the approval and the rejection
    assert reading.value == pytest.approx(3 / 11)


def test_price_variance_rate_counts_handoffs_with_a_pricing_mismatch(week, cohort):
    reading = targets.price_variance_rate(week)
    assert (reading.numerator, reading.denominator) == (1, 11)
    assert targets.METRICS_BY_KEY["price_variance_rate"].status(reading) == "met"  # 9.1 % < 10 %


def test_field_accuracy_is_one_minus_fields_people_corrected_over_fields_translated(week):
    first, second = handoff_at(day(week, 2), created_after=50), handoff_at(day(week, 3), created_after=50)
    earlier = handoff_at(week.start - HOUR, created_after=50)
    for name in ("account", "ship_to", "payment_terms", "lines[1].product", "lines[1].tax_code", "lines[2].product"):
        TransformationLogFactory(handoff_id=first.pk, field=name)
    TransformationLogFactory(handoff_id=first.pk, field="lines[2].product")  # resolved again after the person's pick
    for name in ("account", "ship_to", "payment_terms", "lines[1].product"):
        TransformationLogFactory(handoff_id=second.pk, field=name)
    TransformationLogFactory(handoff_id=earlier.pk, field="account")
    picked = HandoffExceptionFactory(handoff=first, field="lines[2].product", state=HandoffException.State.RESOLVED)
    t = day(week, 4)
    event_at(first, "deal_corrected", t, data={"user": "ops", "changes": {"lines[1].unit_price": ["1", "2"], "ship_to.postal_code": ["1", "2"]}})
    event_at(first, "exception_resolved", t, data={"user": "ops", "how": "candidate", "exception_id": picked.pk})
    event_at(second, "payload_edited", t, data={"user": "ops", "paths": ["lines[1].material"]})
    event_at(second, "payload_edited", t + HOUR, data={"user": "ops", "paths": ["lines[1].material"]})  # same field again
    event_at(second, "check_overridden", t, data={"user": "ops", "field": "lines[1].unit_price"})  # accepted, not corrected
    event_at(earlier, "deal_corrected", t, data={"user": "ops", "changes": {"payment_terms": ["a", "b"]}})

    reading = targets.field_accuracy(week)

    assert (reading.numerator, reading.denominator) == (4, 10)
    assert reading.value == pytest.approx(0.6)
    rows = target_records.field_accuracy(week).rows
    assert sorted(row.cells[0] for row in rows) == sorted([
        f"handoff {first.pk}: lines[1].unit_price", f"handoff {first.pk}: ship_to.postal_code",
        f"handoff {first.pk}: lines[2].product", f"handoff {second.pk}: lines[1].material"])


def test_order_creation_latency_is_the_p95_of_orders_that_waited_for_nobody(week):
    for i, seconds in enumerate((30, 60, 90, 100, 300)):
        handoff_at(day(week, 1) + i * HOUR, created_after=seconds)
    waited = handoff_at(day(week, 2), created_after=5000)
    Approval.objects.create(handoff=waited, level="medium", state=ApprovalState.RELEASED)
    touched = handoff_at(day(week, 2), created_after=9000)
    event_at(touched, "requeued", day(week, 2) + HOUR, data={"user": "ops"})
    handoff_at(week.start - dt.timedelta(minutes=5), created_after=10 * 60)  # created this week, but waited for nobody
    handoff_at(week.start - dt.timedelta(days=2), created_after=10)  # created the week before

    reading = targets.order_creation_latency(week)

    assert reading.denominator == 6
    # percentile_cont over 30, 60, 90, 100, 300, 600: rank 0.95 × 5 = 4.75 → 300 + 0.75 × 300
    assert reading.value == pytest.approx(525)
    assert "median 95 s" in reading.detail
    assert targets.METRICS_BY_KEY["order_creation_latency"].status(reading) == "missed"
    slow = [row for row in target_records.order_creation_latency(week).rows if row.counts_against]
    assert [row.cells[-1] for row in slow] == [600.0, 300.0]


def test_three_way_auto_match_rate_judges_each_invoice_by_its_first_match(week):
    t = day(week, 2)
    for _ in range(4):
        invoice = backdate(InvoiceFactory(), received_at=t)
        backdate(MatchRunFactory(invoice=invoice, outcome="auto_approved"), created_at=t + HOUR)
    held = backdate(InvoiceFactory(status="approved"), received_at=t)
    backdate(MatchRunFactory(invoice=held, outcome="hold"), created_at=t + HOUR)
    backdate(MatchRunFactory(invoice=held, outcome="auto_approved"), created_at=t + 5 * HOUR)  # after a person fixed it
    backdate(InvoiceFactory(status="received"), received_at=t)  # not matched yet
    earlier = backdate(InvoiceFactory(), received_at=week.start - HOUR)
    MatchRunFactory(invoice=earlier, outcome="hold")

    reading = targets.three_way_auto_match_rate(week)

    assert (reading.numerator, reading.denominator) == (4, 5)
    assert targets.METRICS_BY_KEY["three_way_auto_match_rate"].status(reading) == "missed"
    against = [row for row in target_records.three_way_auto_match_rate(week).rows if row.counts_against]
    assert [row.cells[0] for row in against] == [held.invoice_number]


def test_confidence_share_counts_resolutions_at_or_above_the_threshold(week, settings):
    t = day(week, 3)
    for confidence in ["0.9000"] + ["0.97"] * 18 + ["0.85"]:
        backdate(TransformationLogFactory(confidence=Decimal(confidence)), created_at=t)
    backdate(TransformationLogFactory(confidence=Decimal("0.10")), created_at=week.start - HOUR)

    reading = targets.high_confidence_share(week)
    metric = targets.METRICS_BY_KEY["high_confidence_share"]

    assert (reading.numerator, reading.denominator) == (19, 20)
    assert reading.value == pytest.approx(0.95)
    assert metric.status(reading) == "missed"  # the target is *more than* 95 %
    settings.MONITORING_TARGETS = {**settings.MONITORING_TARGETS, "high_confidence_share": ("above", 0.9)}
    assert metric.status(reading) == "met" and metric.target_text == "> 90.0 %"
    assert [row.cells[-1] for row in target_records.high_confidence_share(week).rows] == ["0.85"]


def test_a_week_without_data_reads_no_data_not_zero(week):
    for metric in targets.METRICS:
        reading = metric.measure(week)
        assert reading.value is None and metric.status(reading) == "no data", metric.key


def test_records_list_exactly_what_the_number_counts(week, cohort):
    not_automated = [r for r in target_records.automation_rate(week).rows if r.counts_against]
    intervened = [r for r in target_records.manual_intervention_rate(week).rows if r.counts_against]
    assert len(target_records.automation_rate(week).rows) == 11
    assert len(not_automated) == 11 - 6
    assert {r.link for r in intervened} == {f"/ops/handoffs/{cohort[k].pk}/" for k in ("override", "approved", "rejected")}


def test_trends_give_every_metric_one_reading_per_week(week, cohort):
    weeks = targets.recent_weeks(4)
    trends = targets.trends(weeks)
    assert [t.metric.key for t in trends] == [m.key for m in targets.METRICS]
    automation = next(t for t in trends if t.metric.key == "automation_rate")
    by_week = {w.iso: r for w, r in automation.readings}
    assert by_week[week.iso].denominator == 11
    assert weeks[-2] == week and len(automation.readings) == 4


def test_metric_records_page_shows_the_number_and_its_handoffs(client_as, week, cohort):
    response = client_as("viewer").get(f"/ops/dashboard/metrics/manual_intervention_rate/?week={week.iso}")
    assert response.status_code == 200
    page = response.content.decode()
    assert "27.3 %" in page and "3 of 11 handoffs needed a person" in page
    assert page.count('data-counts-against="true"') == 3
    assert client_as("viewer").get("/ops/dashboard/metrics/no_such_metric/").status_code == 404


def test_dead_letters_and_exceptions_outside_handoffs_do_not_break_the_cohort(week):
    """Invoice exceptions (handoff empty) and a dead letter re-queued later leave the deal metrics alone."""
    handoff = handoff_at(day(week, 1), created_after=40)
    DeadLetterFactory(handoff=handoff, state=DeadLetter.State.REQUEUED)
    HandoffException.objects.create(invoice=InvoiceFactory(), type=ExceptionType.DUPLICATE_INVOICE, team="ap_team", message="dup")
    assert targets.automation_rate(week).value == 0.0  # its dead letter means it was not automatic
    assert targets.manual_intervention_rate(week).value == 0.0
