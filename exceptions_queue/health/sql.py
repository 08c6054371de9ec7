"""The few expressions PostgreSQL and SQLite spell differently, so every monitoring aggregate runs on both.

* `SecondsBetween(end, start)`: seconds from one timestamp column to another (EXTRACT(EPOCH …) / julianday).
* `summaries(...)`: count, average and percentiles of a value, optionally grouped. PostgreSQL computes the
  percentiles itself (percentile_cont); SQLite has no percentile function, so there the values are fetched and the
  same interpolation is done in Python — the demo's volumes are small, production runs on PostgreSQL.
* `Bucket` / `bucket_starts`: hour, day or week buckets in the current time zone (Django's Trunc, which both
  backends support), with the Python list of bucket starts to line them up.
"""

from __future__ import annotations

import datetime as dt
import math
from collections import defaultdict
from dataclasses import dataclass

from django.db import connection
from django.db.models import Aggregate, Avg, Count, DateTimeField, Expression, F, FloatField, Func, QuerySet
from django.db.models.functions import Trunc
from django.utils import timezone

GRANULARITIES = {"hour": dt.timedelta(hours=1), "day": dt.timedelta(days=1), "week": dt.timedelta(weeks=1)}


class SecondsBetween(Func):
    """Seconds from `start` to `end` (two timestamp columns or expressions), as a float."""

    arity = 2
    output_field = FloatField()

    def __init__(self, end, start, **extra):
        super().__init__(_ref(end), _ref(start), **extra)

    def as_postgresql(self, compiler, connection, **extra):
        return self.as_sql(compiler, connection, template="EXTRACT(EPOCH FROM (%(expressions)s))::double precision",
                           arg_joiner=" - ", **extra)

    def as_sqlite(self, compiler, connection, **extra):
        # Django stores SQLite timestamps as UTC text, which julianday() reads (fractional seconds included).
        return self.as_sql(compiler, connection, template="((julianday(%(expressions)s)) * 86400.0)",
                           arg_joiner=") - julianday(", **extra)


class PercentileCont(Aggregate):
    """PostgreSQL's ordered-set aggregate: the continuous percentile `fraction` (0–1) of the expression."""

    function = "PERCENTILE_CONT"
    template = "%(function)s(%(fraction)s) WITHIN GROUP (ORDER BY %(expressions)s)"
    output_field = FloatField()

    def __init__(self, expression, fraction: float, **extra):
        super().__init__(expression, fraction=float(fraction), **extra)


def _ref(value):
    return F(value) if isinstance(value, str) else value


def percentile(values: list[float], fraction: float) -> float | None:
    """The same interpolation as percentile_cont: between the two nearest ranks of the sorted values."""
    if not values:
        return None
    ordered = sorted(values)
    position = fraction * (len(ordered) - 1)
    lower = math.floor(position)
    upper = min(lower + 1, len(ordered) - 1)
    return ordered[lower] + (ordered[upper] - ordered[lower]) * (position - lower)


@dataclass(frozen=True)
class Summary:
    count: int
    average: float | None
    percentiles: dict[float, float | None]

    def p(self, fraction: float) -> float | None:
        return self.percentiles.get(fraction)


EMPTY = Summary(0, None, {})


def summaries(queryset: QuerySet, value: Expression | str, *, group_by: dict[str, Expression] | None = None,
              fractions: tuple[float, ...] = (0.5, 0.95)) -> dict[tuple, Summary]:
    """{(group values…): Summary} of `value` over `queryset` (nulls left out); one group () without `group_by`."""
    # Annotations get their own names: a group may be a model field itself ("system").
    group_by = {f"_group_{name}": _ref(expression) for name, expression in (group_by or {}).items()}
    rows = queryset.annotate(_value=_ref(value), **group_by).filter(_value__isnull=False)
    names = list(group_by)
    if connection.vendor == "postgresql":
        aggregates = {"_n": Count("_value"), "_avg": Avg("_value"),
                      **{f"_p{i}": PercentileCont("_value", f) for i, f in enumerate(fractions)}}
        # values() without names would group by every column: one group is an aggregate().
        grouped_rows = rows.values(*names).annotate(**aggregates).order_by() if names else [rows.aggregate(**aggregates)]
        result = {}
        for row in grouped_rows:
            if not row["_n"]:
                continue
            key = tuple(row[name] for name in names)
            result[key] = Summary(row["_n"], row["_avg"], {f: row[f"_p{i}"] for i, f in enumerate(fractions)})
        return result
    grouped: dict[tuple, list[float]] = defaultdict(list)
    for *key, number in rows.values_list(*names, "_value").order_by():
        grouped[tuple(key)].append(float(number))
    return {key: Summary(len(values), sum(values) / len(values), {f: percentile(values, f) for f in fractions})
            for key, values in grouped.items()}


def summary(queryset: QuerySet, value: Expression | str, *, fractions: tuple[float, ...] = (0.5, 0.95)) -> Summary:
    return summaries(queryset, value, fractions=fractions).get((), EMPTY)


# ---- time buckets -------------------------------------------------------------------------------------------------


def Bucket(field: str, granularity: str) -> Trunc:  # noqa: N802 - reads like the expression it builds
    return Trunc(field, granularity, output_field=DateTimeField())


def floor_to(moment: dt.datetime, granularity: str) -> dt.datetime:
    """The start of the bucket `moment` falls in, in the current time zone (as Trunc computes it)."""
    local = timezone.localtime(moment)
    if granularity == "hour":
        local = local.replace(minute=0, second=0, microsecond=0)
    elif granularity == "day":
        local = local.replace(hour=0, minute=0, second=0, microsecond=0)
    elif granularity == "week":
        local = (local - dt.timedelta(days=local.weekday())).replace(hour=0, minute=0, second=0, microsecond=0)
    else:
        raise ValueError(f"unknown granularity {granularity!r}: hour, day or week")
    return local


def bucket_starts(since: dt.datetime, until: dt.datetime, granularity: str) -> list[dt.datetime]:
    """Every bucket start from the bucket holding `since` up to the one holding `until`."""
    step = GRANULARITIES[granularity]
    current, last, starts = floor_to(since, granularity), floor_to(until, granularity), []
    while current <= last:
        starts.append(current)
        if granularity == "hour":  # an hour is an hour in UTC, also on the night the clocks change
            current = floor_to(current.astimezone(dt.timezone.utc) + step, granularity)
        else:  # days and weeks step in wall-clock time (a day may have 23 or 25 hours), then floor again
            current = floor_to(current + step + dt.timedelta(hours=2), granularity)
    return starts


def bucket_key(moment: dt.datetime) -> int:
    """Bucket starts from Python and from the database compare by their instant."""
    return int(moment.timestamp())
