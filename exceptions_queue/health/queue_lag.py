"""Queue lag during ERP outages: how long the oldest handoff has been waiting for its ERP, now and over time.

Now: per ERP, now − the oldest `waiting_for_erp_since` among handoffs still waiting (in a state that needs the ERP),
the same rule as erp_orders.outage's lag alert.

Over time, from waiting periods. A period starts when a handoff was buffered (its `erp_buffered` event; without
one, its `waiting_for_erp_since`) and ends at the first `erp_drained` event of its ERP after that, else when its
order was created, else now while it still waits (else its last update: the only trace left when neither event nor
order exists). The lag of an ERP in a time bucket is the longest any period had waited by the bucket's end.
"""

from __future__ import annotations

import bisect
import datetime as dt
from collections import defaultdict
from dataclasses import dataclass

from django.db.models import Count, Min

from erp_orders.customer_queue import ERP_BOUND_STATES  # states in which a waiting handoff still needs its ERP
from erp_orders.models import Handoff
from handoff_project.integration.models import Event

# Periods that started this long before a chart's range can still reach into it.
LOOKBACK = dt.timedelta(days=7)


@dataclass(frozen=True)
class QueueLag:
    erp_system: str
    waiting: int
    oldest_since: dt.datetime | None
    lag_seconds: float


@dataclass(frozen=True)
class WaitingPeriod:
    erp_system: str
    handoff_id: int
    start: dt.datetime
    end: dt.datetime


def still_waiting():
    return Handoff.objects.filter(waiting_for_erp_since__isnull=False, state__in=ERP_BOUND_STATES)


def current_lags(*, now: dt.datetime) -> list[QueueLag]:
    rows = (still_waiting().values("erp_system").annotate(waiting=Count("pk"), oldest=Min("waiting_for_erp_since"))
            .order_by("erp_system"))
    return [QueueLag(r["erp_system"], r["waiting"], r["oldest"], max((now - r["oldest"]).total_seconds(), 0.0))
            for r in rows]


def waiting_periods(*, since: dt.datetime, until: dt.datetime, now: dt.datetime) -> list[WaitingPeriod]:
    """Every waiting period that overlaps [since, until]."""
    earliest = since - LOOKBACK
    drains: dict[str, list[dt.datetime]] = defaultdict(list)
    for system, at in (Event.objects.filter(event_type="erp_drained", created_at__gte=earliest)
                       .values_list("system", "created_at").order_by("created_at")):
        drains[system].append(at)
    starts: dict[int, tuple[str, dt.datetime]] = {}
    for handoff_id, system, at in (Event.objects.filter(event_type="erp_buffered", created_at__gte=earliest,
                                                        created_at__lte=until, handoff_id__isnull=False)
                                   .values_list("handoff_id", "system", "created_at").order_by("created_at")):
        starts.setdefault(handoff_id, (system, at))
    # Handoffs whose buffering left no event (the lead's outage code writes them; older data may not have them).
    for handoff_id, system, at in (Handoff.objects.filter(waiting_for_erp_since__gte=earliest, waiting_for_erp_since__lte=until)
                                   .exclude(pk__in=list(starts)).values_list("pk", "erp_system", "waiting_for_erp_since")):
        starts[handoff_id] = (system, at)
    facts = {row["pk"]: row for row in Handoff.objects.filter(pk__in=list(starts))
             .values("pk", "erp_system", "state", "waiting_for_erp_since", "created_in_erp_at", "updated_at")}
    periods = []
    for handoff_id, (system, start) in starts.items():
        fact = facts.get(handoff_id)
        system = system or (fact or {}).get("erp_system", "")
        end = _period_end(start, drains.get(system, []), fact, now)
        if end >= since:
            periods.append(WaitingPeriod(system, handoff_id, start, max(end, start)))
    return sorted(periods, key=lambda p: (p.erp_system, p.start))


def _period_end(start: dt.datetime, drain_times: list[dt.datetime], fact: dict | None, now: dt.datetime) -> dt.datetime:
    index = bisect.bisect_right(drain_times, start)
    if index < len(drain_times):
        return drain_times[index]
    if fact is None:
        return now
    if fact["created_in_erp_at"] and fact["created_in_erp_at"] >= start:
        return fact["created_in_erp_at"]
    if fact["waiting_for_erp_since"] and fact["state"] in ERP_BOUND_STATES:
        return now
    return fact["updated_at"]


def lag_series(periods: list[WaitingPeriod], bucket_starts: list[dt.datetime], step: dt.timedelta,
               *, now: dt.datetime) -> dict[str, list[float]]:
    """{erp_system: [the longest wait reached in each bucket, seconds]}."""
    series: dict[str, list[float]] = {}
    for period in periods:
        values = series.setdefault(period.erp_system, [0.0] * len(bucket_starts))
        for index, bucket_start in enumerate(bucket_starts):
            bucket_end = min(bucket_start + step, now)
            if period.start < bucket_end and period.end > bucket_start:
                waited = (min(period.end, bucket_end) - period.start).total_seconds()
                values[index] = max(values[index], waited)
    return series
