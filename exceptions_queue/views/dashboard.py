"""The health dashboard (charts for a time range, refreshed in place) and the records behind each target metric."""

from __future__ import annotations

from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.views.generic import TemplateView

from ..business_units import user_units
from ..health import dashboard as health
from ..health import target_records, targets
from .base import OpsPageMixin

TREND_WEEKS = 6


class DashboardView(OpsPageMixin, TemplateView):
    """GET ?range=24h|7d|30d. The range buttons and the minute refresh swap only the panel (#dashboard-panel)."""

    template_name = "ops/dashboard.html"
    partial_template_name = "ops/_dashboard_panel.html"
    partial_target = "dashboard-panel"
    section = "dashboard"

    def get_context_data(self, **kwargs):
        board = health.dashboard(self.request.GET.get("range"))
        context = {"board": board, "ranges": [(key, label) for key, (label, _s, _g) in health.RANGES.items()]}
        if not self.is_partial_request():
            context["trends"] = targets.trends(targets.recent_weeks(TREND_WEEKS))
        return super().get_context_data(**context, **kwargs)


class MetricRecordsView(OpsPageMixin, TemplateView):
    """GET /ops/dashboard/metrics/<key>/?week=YYYY-MM-DD: the records one week's number was counted from."""

    template_name = "ops/metric_records.html"
    section = "dashboard"

    def get_context_data(self, **kwargs):
        if user_units(self.request.user) is not None:
            # The numbers are the whole operation's; the records behind them name every unit's deals.
            raise PermissionDenied("The records behind a metric span every business unit; your account is limited to "
                                   "some units. The dashboard's numbers stay visible; ask an unrestricted user for the records.")
        metric = targets.METRICS_BY_KEY.get(kwargs["key"])
        if metric is None:
            raise Http404("No such metric.")
        week = targets.parse_week(self.request.GET.get("week"))
        reading = metric.measure(week)
        return super().get_context_data(metric=metric, week=week, next_week=targets.Week(week.end), reading=reading,
                                         status=metric.status(reading),
                                         table=target_records.RECORDS[metric.key](week), **kwargs)
