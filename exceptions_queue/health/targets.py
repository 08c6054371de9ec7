"""The seed's seven metrics ("Targets the product reports", requirements.md), per week, from the event log and the
handoffs. Targets come from settings.MONITORING_TARGETS (each overridable from the environment).

Deal metrics count the week's *cohort*: the handoffs received that week, except those a worker is still processing
(received, resolved, validated, pushing). A person *intervened* when the event log holds one of their actions on the
handoff (INTERVENTION_EVENTS: a resolution, a correction, an override, a re-queue, an approval decision…).

| metric | value | target |
|---|---|---|
| handoff automation rate | cohort handoffs with an ERP order and no exception, dead letter or intervention / cohort | > 85 % |
| field-level data accuracy | 1 − fields people corrected later / fields the pipeline translated (cohort) | > 98 % |
| order creation latency | p95 of received → created in the ERP, orders created that week without a person or an approval wait | < 2 min |
| manual intervention rate | cohort handoffs with an intervention / cohort | < 15 % |
| 3-way auto-match rate | invoices received that week whose first match approved them / invoices matched | > 90 % |
| price-variance exceptions | cohort handoffs with a pricing-mismatch exception / cohort | < 10 % |
| confidence distribution | crosswalk resolutions that week at or above 0.90 / all resolutions | > 95 % |

A *corrected field* is one path a person changed: each path of a `deal_corrected` or `payload_edited` event, and the
field of an exception resolved by picking the right crosswalk candidate (`exception_resolved`, how = candidate).
An override accepts the pipeline's value and is not a correction. The records behind each number are in
`target_records`.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Callable

from django.conf import settings
from django.db.models import CharField, Count, Exists, OuterRef, Q, QuerySet, Subquery, Value
from django.db.models.functions import Cast, Concat
from django.utils import timezone

from crosswalk.models import TransformationLog
from erp_orders.models import Approval, Handoff, HandoffState
from handoff_project.integration.models import Event
from payables.models import Invoice, MatchOutcome, MatchRun

from ..models import DeadLetter, ExceptionType, HandoffException
from .sql import SecondsBetween, floor_to, summary

# A person acted on the handoff (each of these events names the user in data["user"]).
INTERVENTION_EVENTS = (
    "exception_resolved", "mapping_proposed", "deal_corrected", "check_overridden", "exception_closed", "payload_edited",
    "requeued", "dead_letter_discarded", "approved", "rejected", "change_requested", "approval_held", "approval_cancelled",
)
CORRECTION_EVENTS = ("deal_corrected", "payload_edited", "exception_resolved")
IN_FLIGHT_STATES = (HandoffState.RECEIVED, HandoffState.RESOLVED, HandoffState.VALIDATED, HandoffState.PUSHING)


@dataclass(frozen=True)
class Week:
    """Monday 00:00 to the next Monday 00:00, in the current time zone."""

    start: dt.datetime

    @property
    def end(self) -> dt.datetime:
        return floor_to(self.start + dt.timedelta(days=7, hours=2), "week")

    @property
    def label(self) -> str:
        return f"{timezone.localtime(self.start):%d %b}"

    @property
    def iso(self) -> str:
        return f"{timezone.localtime(self.start):%Y-%m-%d}"

    def previous(self) -> Week:
        return Week(floor_to(self.start - dt.timedelta(days=3), "week"))


def week_of(moment: dt.datetime) -> Week:
    return Week(floor_to(moment, "week"))


def recent_weeks(count: int, *, now: dt.datetime | None = None) -> list[Week]:
    """The last `count` weeks, oldest first; the last one is the current (still running) week."""
    weeks = [week_of(now or timezone.now())]
    while len(weeks) < count:
        weeks.insert(0, weeks[0].previous())
    return weeks


def parse_week(text: str | None, *, now: dt.datetime | None = None) -> Week:
    """A week from its Monday (YYYY-MM-DD, any day of the week works); default: the last complete week."""
    try:
        day = dt.date.fromisoformat((text or "").strip())
    except ValueError:
        return week_of(now or timezone.now()).previous()
    return week_of(timezone.make_aware(dt.datetime.combine(day, dt.time(12))))


@dataclass(frozen=True)
class Reading:
    value: float | None  # a ratio (0–1) or seconds; None without data
    denominator: int
    numerator: int | None = None
    detail: str = ""


@dataclass(frozen=True)
class Metric:
    key: str
    label: str
    unit: str  # "ratio" or "seconds"
    definition: str
    measure: Callable[[Week], Reading]

    @property
    def direction(self) -> str:
        return settings.MONITORING_TARGETS[self.key][0]

    @property
    def target(self) -> float:
        return float(settings.MONITORING_TARGETS[self.key][1])

    @property
    def target_text(self) -> str:
        sign = ">" if self.direction == "above" else "<"
        return f"{sign} {format_value(self.target, self.unit)}"

    def status(self, reading: Reading) -> str:
        """met / missed / no data."""
        if reading.value is None:
            return "no data"
        met = reading.value > self.target if self.direction == "above" else reading.value < self.target
        return "met" if met else "missed"


def format_value(value: float | None, unit: str) -> str:
    if value is None:
        return "—"
    if unit == "seconds":
        return f"{value:.0f} s" if value < 120 else f"{value / 60:.1f} min"
    return f"{value * 100:.1f} %"


# ---- the handoff cohort --------------------------------------------------------------------------------------------


def cohort(week: Week) -> QuerySet[Handoff]:
    return Handoff.objects.filter(received_at__gte=week.start, received_at__lt=week.end).exclude(state__in=IN_FLIGHT_STATES)


def intervened() -> Exists:
    return Exists(Event.objects.filter(handoff_id=OuterRef("pk"), event_type__in=INTERVENTION_EVENTS))


def annotated_cohort(week: Week) -> QuerySet[Handoff]:
    """The cohort with what happened to each handoff: an intervention, an exception, a dead letter, a price variance."""
    return cohort(week).annotate(
        intervened=intervened(),
        had_exception=Exists(HandoffException.objects.filter(handoff_id=OuterRef("pk"))),
        had_dead_letter=Exists(DeadLetter.objects.filter(handoff_id=OuterRef("pk"))),
        had_price_variance=Exists(HandoffException.objects.filter(handoff_id=OuterRef("pk"), type=ExceptionType.PRICE_VARIANCE)),
    )


AUTOMATED = Q(created_in_erp_at__isnull=False, intervened=False, had_exception=False, had_dead_letter=False)


def _share(week: Week, counted: Q, what: str) -> Reading:
    numbers = annotated_cohort(week).aggregate(total=Count("pk"), counted=Count("pk", filter=counted))
    total, hits = numbers["total"], numbers["counted"]
    return Reading(hits / total if total else None, total, hits, f"{hits} of {total} handoffs {what}")


def automation_rate(week: Week) -> Reading:
    return _share(week, AUTOMATED, "became orders without a person")


def manual_intervention_rate(week: Week) -> Reading:
    return _share(week, Q(intervened=True), "needed a person")


def price_variance_rate(week: Week) -> Reading:
    return _share(week, Q(had_price_variance=True), "had a pricing-mismatch exception")


# ---- field accuracy --------------------------------------------------------------------------------------------------


def translated_fields(handoffs: QuerySet[Handoff]) -> QuerySet[TransformationLog]:
    return TransformationLog.objects.filter(handoff_id__in=handoffs.values("pk"))


def corrected_fields(handoffs: QuerySet[Handoff]) -> dict[tuple[int, str], Event]:
    """{(handoff id, field path): the event in which a person corrected it} (first correction of each path)."""
    events = list(Event.objects.filter(handoff_id__in=handoffs.values("pk"), event_type__in=CORRECTION_EVENTS)
                  .only("pk", "handoff_id", "event_type", "data", "created_at", "message").order_by("created_at", "pk"))
    picked_ids = [e.data.get("exception_id") for e in events if e.event_type == "exception_resolved" and e.data.get("how") == "candidate"]
    exception_fields = dict(HandoffException.objects.filter(pk__in=[i for i in picked_ids if i]).values_list("pk", "field"))
    corrected: dict[tuple[int, str], Event] = {}
    for event in events:
        if event.event_type == "deal_corrected":
            paths = list((event.data.get("changes") or {}).keys())
        elif event.event_type == "payload_edited":
            paths = list(event.data.get("paths") or [])
        elif event.data.get("how") == "candidate":
            paths = [exception_fields.get(event.data.get("exception_id")) or event.data.get("type", "candidate")]
        else:
            paths = []
        for path in paths:
            corrected.setdefault((event.handoff_id, str(path)), event)
    return corrected


def field_accuracy(week: Week) -> Reading:
    handoffs = cohort(week)
    fields = translated_fields(handoffs).aggregate(
        n=Count(Concat(Cast("handoff_id", CharField()), Value(":"), "field"), distinct=True))["n"]
    corrected = len(corrected_fields(handoffs))
    if not fields:
        return Reading(None, 0, corrected, "no translated fields")
    return Reading(max(0.0, 1 - corrected / fields), fields, corrected,
                   f"{corrected} of {fields} translated fields corrected by people")


# ---- latency, invoices, confidences -----------------------------------------------------------------------------------


def unattended_orders(week: Week) -> QuerySet[Handoff]:
    """Orders created that week that waited for nobody: no intervention, no approval (and so no intervention window)."""
    return (Handoff.objects.filter(created_in_erp_at__gte=week.start, created_in_erp_at__lt=week.end)
            .annotate(intervened=intervened(), had_approval=Exists(Approval.objects.filter(handoff_id=OuterRef("pk"))))
            .filter(intervened=False, had_approval=False))


def creation_seconds():
    return SecondsBetween("created_in_erp_at", "received_at")


def order_creation_latency(week: Week) -> Reading:
    numbers = summary(unattended_orders(week), creation_seconds())
    if not numbers.count:
        return Reading(None, 0, None, "no order created without a person")
    return Reading(numbers.p(0.95), numbers.count, None,
                   f"p95 of {numbers.count} orders; median {numbers.p(0.5):.0f} s, average {numbers.average:.0f} s")


def first_match_outcome() -> Subquery:
    return Subquery(MatchRun.objects.filter(invoice_id=OuterRef("pk")).order_by("created_at", "pk").values("outcome")[:1])


def matched_invoices(week: Week) -> QuerySet[Invoice]:
    return (Invoice.objects.filter(received_at__gte=week.start, received_at__lt=week.end)
            .annotate(first_outcome=first_match_outcome()).filter(first_outcome__isnull=False))


def three_way_auto_match_rate(week: Week) -> Reading:
    numbers = matched_invoices(week).aggregate(
        total=Count("pk"), auto=Count("pk", filter=Q(first_outcome=MatchOutcome.AUTO_APPROVED)))
    total, auto = numbers["total"], numbers["auto"]
    return Reading(auto / total if total else None, total, auto, f"{auto} of {total} invoices approved by their first match")


def resolutions(week: Week) -> QuerySet[TransformationLog]:
    return TransformationLog.objects.filter(created_at__gte=week.start, created_at__lt=week.end)


def high_confidence_share(week: Week) -> Reading:
    threshold = settings.MONITORING_CONFIDENCE_THRESHOLD
    numbers = resolutions(week).aggregate(total=Count("pk"), confident=Count("pk", filter=Q(confidence__gte=threshold)))
    total, confident = numbers["total"], numbers["confident"]
    return Reading(confident / total if total else None, total, confident,
                   f"{confident} of {total} resolutions at or above {threshold:.2f}")


METRICS: tuple[Metric, ...] = (
    Metric("automation_rate", "Handoff automation rate", "ratio",
           "Handoffs received in the week that became ERP orders with no exception, dead letter or person's action.",
           automation_rate),
    Metric("field_accuracy", "Field-level data accuracy", "ratio",
           "1 − fields that people corrected later (deal corrections, payload edits, crosswalk candidates picked) "
           "/ fields the pipeline translated, for the week's handoffs.", field_accuracy),
    Metric("order_creation_latency", "Order creation latency (p95)", "seconds",
           "95th percentile of received → created in the ERP, over orders created in the week without a person "
           "or an approval wait.", order_creation_latency),
    Metric("manual_intervention_rate", "Manual intervention rate", "ratio",
           "Handoffs received in the week on which a person acted (resolved, corrected, overrode, re-queued, "
           "approved or rejected).", manual_intervention_rate),
    Metric("three_way_auto_match_rate", "3-way auto-match rate", "ratio",
           "Supplier invoices received in the week whose first 3-way match approved them for payment.",
           three_way_auto_match_rate),
    Metric("price_variance_rate", "Price-variance exceptions", "ratio",
           "Handoffs received in the week that stopped on a pricing mismatch (CRM vs ERP price beyond tolerance).",
           price_variance_rate),
    Metric("high_confidence_share", "Confidence distribution (≥ 0.90)", "ratio",
           "Crosswalk resolutions made in the week with a confidence at or above the threshold.", high_confidence_share),
)
METRICS_BY_KEY = {metric.key: metric for metric in METRICS}


@dataclass(frozen=True)
class MetricTrend:
    metric: Metric
    readings: list[tuple[Week, Reading]]

    @property
    def latest(self) -> tuple[Week, Reading]:
        return self.readings[-1]


def trends(weeks: list[Week]) -> list[MetricTrend]:
    return [MetricTrend(metric, [(week, metric.measure(week)) for week in weeks]) for metric in METRICS]
