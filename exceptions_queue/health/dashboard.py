"""The health dashboard's numbers for one time range: tiles for "now" and series for the charts.

Series share one x axis (bucket starts, hour or day): events processed, success rate and latency per flow (units
bucketed by when they started), CRM/ERP API response times per system (the event log's HTTP exchanges), dead-letter
queue depth at the end of each bucket, and queue lag per ERP during outages (queue_lag). A bucket without data is
null in a series (a gap in the chart), never a made-up zero — except counts, which are zero.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from django.db.models import Count, Q
from django.utils import timezone

from crm_sync.connectors.base import crm_label
from erp_orders.connectors.base import ADAPTERS as ERP_ADAPTERS
from erp_orders.connectors.base import erp_label
from handoff_project.integration.models import Event, Outcome

from ..models import DeadLetter
from . import queue_lag
from .flows import FLOWS, Flow
from .sql import GRANULARITIES, Bucket, bucket_key, bucket_starts, summaries, summary

RANGES = {
    "24h": ("Last 24 hours", dt.timedelta(hours=24), "hour"),
    "7d": ("Last 7 days", dt.timedelta(days=7), "hour"),
    "30d": ("Last 30 days", dt.timedelta(days=30), "day"),
}
DEFAULT_RANGE = "7d"
# Outcomes that mean a step or an HTTP exchange failed (validation failures are business exceptions, not failures).
FAILED_OUTCOMES = (Outcome.ERP_ERROR, Outcome.TRANSIENT_ERROR, Outcome.PERMANENT_ERROR, Outcome.DEAD_LETTERED)


@dataclass(frozen=True)
class TimeRange:
    key: str
    label: str
    since: dt.datetime
    until: dt.datetime
    granularity: str

    @property
    def step(self) -> dt.timedelta:
        return GRANULARITIES[self.granularity]

    @property
    def buckets(self) -> list[dt.datetime]:
        return bucket_starts(self.since, self.until, self.granularity)


def time_range(key: str | None, *, now: dt.datetime | None = None) -> TimeRange:
    key = key if key in RANGES else DEFAULT_RANGE
    label, span, granularity = RANGES[key]
    now = now or timezone.now()
    return TimeRange(key, label, now - span, now, granularity)


def system_label(system: str) -> str:
    return erp_label(system) if system in ERP_ADAPTERS else crm_label(system)


@dataclass
class FlowHealth:
    flow: Flow
    started: int
    succeeded: int
    failed: int
    average_seconds: float | None
    p95_seconds: float | None

    @property
    def success_rate(self) -> float | None:
        settled = self.succeeded + self.failed
        return self.succeeded / settled if settled else None


@dataclass
class Dashboard:
    range: TimeRange
    events_total: int
    events_failed: int
    flows: list[FlowHealth]
    dead_letters_open: int
    dead_letters_by_step: dict[str, int]
    queue_lags: list[queue_lag.QueueLag]
    api: list[dict]
    series: dict = field(default_factory=dict)


def dashboard(range_key: str | None = None, *, now: dt.datetime | None = None) -> Dashboard:
    now = now or timezone.now()
    span = time_range(range_key, now=now)
    buckets = span.buckets
    x = [bucket_key(b) for b in buckets]
    events = _event_counts(span, x)
    flows, flow_series = _flows(span, x)
    api, api_series = _api(span, x)
    open_letters = DeadLetter.objects.filter(state=DeadLetter.State.OPEN)
    periods = queue_lag.waiting_periods(since=span.since, until=span.until, now=now)
    series = {
        "x": x,
        "granularity": span.granularity,
        "events": events,
        "flows": flow_series,
        "api": api_series,
        "dlq_depth": dead_letter_depth(span, x),
        "queue_lag": {erp: {"label": system_label(erp), "seconds": values}
                      for erp, values in queue_lag.lag_series(periods, buckets, span.step, now=now).items()},
    }
    return Dashboard(
        range=span,
        events_total=sum(events["total"]),
        events_failed=sum(events["failed"]),
        flows=flows,
        dead_letters_open=open_letters.count(),
        dead_letters_by_step=dict(open_letters.values_list("step").annotate(n=Count("pk")).order_by("-n", "step")),
        queue_lags=queue_lag.current_lags(now=now),
        api=api,
        series=series,
    )


def _index(rows, key_name: str = "bucket") -> dict[int, dict]:
    return {bucket_key(row[key_name]): row for row in rows}


def _event_counts(span: TimeRange, x: list[int]) -> dict:
    rows = _index(
        Event.objects.filter(created_at__gte=span.since, created_at__lte=span.until)
        .annotate(bucket=Bucket("created_at", span.granularity)).values("bucket")
        .annotate(total=Count("pk"), failed=Count("pk", filter=Q(outcome__in=FAILED_OUTCOMES))).order_by()
    )
    hours = span.step / dt.timedelta(hours=1)  # a day bucket shows its hourly average
    return {
        "total": [rows.get(k, {}).get("total", 0) for k in x],
        "failed": [rows.get(k, {}).get("failed", 0) for k in x],
        "per_hour": [round(rows.get(k, {}).get("total", 0) / hours, 2) for k in x],
        "failed_per_hour": [round(rows.get(k, {}).get("failed", 0) / hours, 2) for k in x],
    }


def _flows(span: TimeRange, x: list[int]) -> tuple[list[FlowHealth], dict]:
    health, series = [], {}
    for flow in FLOWS:
        units = flow.started_between(span.since, span.until)
        counted = _index(
            units.annotate(bucket=Bucket(flow.started, span.granularity)).values("bucket")
            .annotate(started=Count("pk"), succeeded=Count("pk", filter=flow.succeeded),
                      failed=Count("pk", filter=flow.failed)).order_by()
        )
        latency = {bucket_key(key[0]): s for key, s in
                   summaries(units, flow.latency(), group_by={"bucket": Bucket(flow.started, span.granularity)}).items()}
        overall = summary(units, flow.latency())
        totals = {name: sum(row[name] for row in counted.values()) for name in ("started", "succeeded", "failed")}
        health.append(FlowHealth(flow, totals["started"], totals["succeeded"], totals["failed"], overall.average, overall.p(0.95)))

        def rate(row):
            settled = row["succeeded"] + row["failed"] if row else 0
            return round(row["succeeded"] / settled, 4) if settled else None

        series[flow.name] = {
            "label": flow.label,
            "success_rate": [rate(counted.get(k)) for k in x],
            "started": [counted.get(k, {}).get("started", 0) for k in x],
            "latency_avg": [_round(latency[k].average) if k in latency else None for k in x],
            "latency_p95": [_round(latency[k].p(0.95)) if k in latency else None for k in x],
        }
    return health, series


def http_exchanges():
    """The event log's HTTP exchanges with a CRM or an ERP (every connector call goes through LoggedHttp)."""
    return Event.objects.exclude(method="").filter(duration_ms__isnull=False)


def _api(span: TimeRange, x: list[int]) -> tuple[list[dict], dict]:
    exchanges = http_exchanges().filter(created_at__gte=span.since, created_at__lte=span.until)
    by_bucket = summaries(exchanges, "duration_ms", group_by={"system": "system", "bucket": Bucket("created_at", span.granularity)})
    overall = summaries(exchanges, "duration_ms", group_by={"system": "system"})
    errors = dict(exchanges.values_list("system").annotate(n=Count("pk", filter=Q(outcome__in=FAILED_OUTCOMES))).order_by())
    api, series = [], {}
    for (system,), total in sorted(overall.items()):
        api.append({"system": system, "label": system_label(system), "is_erp": system in ERP_ADAPTERS,
                    "calls": total.count, "average_ms": total.average, "p95_ms": total.p(0.95), "errors": errors.get(system, 0)})
        mine = {bucket_key(bucket): s for (sys_name, bucket), s in by_bucket.items() if sys_name == system}
        series[system] = {
            "label": system_label(system),
            "is_erp": system in ERP_ADAPTERS,
            "average_ms": [_round(mine[k].average) if k in mine else None for k in x],
            "p95_ms": [_round(mine[k].p(0.95)) if k in mine else None for k in x],
        }
    # ERPs first: the chart is about the ERPs' response times; CRMs follow for comparison.
    api.sort(key=lambda row: (not row["is_erp"], row["system"]))
    return api, series


def dead_letter_depth(span: TimeRange, x: list[int]) -> list[int]:
    """Open dead letters at the end of each bucket: those open at the start of the range, plus arrivals, minus
    closures, bucket by bucket (two grouped counts, then a running sum)."""
    letters = DeadLetter.objects.all()
    depth = letters.filter(created_at__lt=span.since).exclude(closed_at__lt=span.since).count()
    opened = _count_by_bucket(letters.filter(created_at__gte=span.since, created_at__lte=span.until), "created_at", span)
    closed = _count_by_bucket(letters.filter(closed_at__gte=span.since, closed_at__lte=span.until), "closed_at", span)
    values = []
    for key in x:
        depth += opened.get(key, 0) - closed.get(key, 0)
        values.append(depth)
    return values


def _count_by_bucket(queryset, field_name: str, span: TimeRange) -> dict[int, int]:
    rows = queryset.annotate(bucket=Bucket(field_name, span.granularity)).values("bucket").annotate(n=Count("pk")).order_by()
    return {bucket_key(row["bucket"]): row["n"] for row in rows}


def _round(value: float | None) -> float | None:
    return None if value is None else round(value, 1)
