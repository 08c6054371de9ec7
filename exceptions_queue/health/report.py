"""The weekly SLA report's numbers: facts about one week (Monday to Monday), the same on the page, in the CSV and
in the PDF.

* the seven targets (targets.METRICS) for the week;
* success rate per flow (flows.FLOWS): units started that week, how many succeeded, failed, or
  neither (still in flight, or closed by a person's decision);
* dead-letter volume per category (the step that failed × the kind of error), and how many are still open;
* average resolution time of manual interventions: exceptions a person resolved that week (per team) and dead
  letters a person re-queued or discarded that week;
* top failure causes: exceptions opened that week by CRM field (line numbers folded: lines[3].product counts as
  lines[].product) and by crosswalk entry (the CRM text a crosswalk could not translate).
"""

from __future__ import annotations

import datetime as dt
import re
from collections import Counter
from dataclasses import dataclass

from django.db.models import Avg, Count, Q
from django.utils import timezone

from ..models import DeadLetter, HandoffException, Team
from .flows import FLOWS
from .sql import SecondsBetween
from .targets import METRICS, Metric, Reading, Week, format_value

TOP_CAUSES = 10
_LINE_INDEX = re.compile(r"\[\d+\]")


@dataclass(frozen=True)
class TargetLine:
    metric: Metric
    reading: Reading

    @property
    def value_text(self) -> str:
        return format_value(self.reading.value, self.metric.unit)

    @property
    def status(self) -> str:
        return self.metric.status(self.reading)


@dataclass(frozen=True)
class FlowLine:
    name: str
    label: str
    started: int
    succeeded: int
    failed: int

    @property
    def other(self) -> int:
        """Neither succeeded nor failed: still in flight, or closed by a person (rejected, discarded)."""
        return self.started - self.succeeded - self.failed

    @property
    def success_rate(self) -> float | None:
        settled = self.succeeded + self.failed
        return self.succeeded / settled if settled else None


@dataclass(frozen=True)
class ResolutionLine:
    what: str
    count: int
    average_hours: float | None


@dataclass(frozen=True)
class CauseLine:
    kind: str  # "CRM field" or "crosswalk entry"
    cause: str
    exception_type: str
    count: int


@dataclass(frozen=True)
class WeeklyReport:
    week: Week
    generated_at: dt.datetime
    targets: list[TargetLine]
    flows: list[FlowLine]
    dead_letters: list[tuple[str, str, int, int]]  # step, error kind, arrived, still open
    resolutions: list[ResolutionLine]
    causes: list[CauseLine]

    @property
    def dead_letter_total(self) -> int:
        return sum(row[2] for row in self.dead_letters)

    @property
    def targets_met(self) -> int:
        return sum(1 for line in self.targets if line.status == "met")


def weekly_report(week: Week) -> WeeklyReport:
    return WeeklyReport(
        week=week,
        generated_at=timezone.now(),
        targets=[TargetLine(metric, metric.measure(week)) for metric in METRICS],
        flows=flow_lines(week),
        dead_letters=dead_letter_categories(week),
        resolutions=resolution_times(week),
        causes=failure_causes(week),
    )


def flow_lines(week: Week) -> list[FlowLine]:
    lines = []
    for flow in FLOWS:
        units = flow.started_between(week.start, week.end)
        numbers = units.aggregate(started=Count("pk"), succeeded=Count("pk", filter=flow.succeeded),
                                  failed=Count("pk", filter=flow.failed))
        lines.append(FlowLine(flow.name, flow.label, numbers["started"], numbers["succeeded"], numbers["failed"]))
    return lines


def dead_letter_categories(week: Week) -> list[tuple[str, str, int, int]]:
    arrived = DeadLetter.objects.filter(created_at__gte=week.start, created_at__lt=week.end)
    rows = (arrived.values("step", "error_detail__kind")
            .annotate(n=Count("pk"), still_open=Count("pk", filter=Q(state=DeadLetter.State.OPEN))).order_by("-n", "step"))
    return [(row["step"], row["error_detail__kind"] or "unclassified", row["n"], row["still_open"]) for row in rows]


def resolution_times(week: Week) -> list[ResolutionLine]:
    """Average hours from opened to resolved, for what a person closed in the week (superseded invoice exceptions,
    closed by the matcher itself, are not a person's work and stay out)."""
    hours = SecondsBetween("resolved_at", "created_at") / 3600.0
    resolved = HandoffException.objects.filter(resolved_at__gte=week.start, resolved_at__lt=week.end, resolved_by__isnull=False)
    lines = []
    overall = resolved.aggregate(n=Count("pk"), hours=Avg(hours))
    lines.append(ResolutionLine("Exceptions, all teams", overall["n"], overall["hours"]))
    labels = dict(Team.choices)
    for row in resolved.values("team").annotate(n=Count("pk"), hours=Avg(hours)).order_by("-n", "team"):
        lines.append(ResolutionLine(f"Exceptions: {labels.get(row['team'], row['team'])}", row["n"], row["hours"]))
    letters = (DeadLetter.objects.filter(closed_at__gte=week.start, closed_at__lt=week.end, closed_by__isnull=False)
               .aggregate(n=Count("pk"), hours=Avg(SecondsBetween("closed_at", "created_at") / 3600.0)))
    lines.append(ResolutionLine("Dead letters re-queued or discarded", letters["n"], letters["hours"]))
    return lines


def failure_causes(week: Week) -> list[CauseLine]:
    opened = HandoffException.objects.filter(created_at__gte=week.start, created_at__lt=week.end)
    by_field: Counter = Counter()
    for exception_type, field_name, n in opened.exclude(field="").values_list("type", "field").annotate(n=Count("pk")).order_by():
        by_field[(exception_type, _LINE_INDEX.sub("[]", field_name))] += n
    entries = (opened.filter(detail__input__isnull=False).exclude(detail__input="")
               .values_list("type", "detail__kind", "detail__input").annotate(n=Count("pk")).order_by("-n")[:TOP_CAUSES])
    causes = [CauseLine("CRM field", field_name, exception_type, n)
              for (exception_type, field_name), n in by_field.most_common(TOP_CAUSES)]
    causes += [CauseLine("crosswalk entry", f"{kind or 'entry'}: {text}", exception_type, n)
               for exception_type, kind, text, n in entries]
    return causes
