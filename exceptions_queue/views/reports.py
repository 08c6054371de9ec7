"""The weekly SLA report: the page, its CSV and its PDF (GET ?week=YYYY-MM-DD, default the last complete week)."""

from __future__ import annotations

from django.http import HttpResponse
from django.views import View
from django.views.generic import TemplateView

from ..health import export, report, targets
from ..permissions import RoleRequiredMixin
from .base import OpsPageMixin


class SlaReportView(OpsPageMixin, TemplateView):
    template_name = "ops/sla_report.html"
    section = "dashboard"

    def get_context_data(self, **kwargs):
        week = targets.parse_week(self.request.GET.get("week"))
        return super().get_context_data(report=report.weekly_report(week), previous=week.previous(),
                                        next=targets.Week(week.end), **kwargs)


class SlaReportFileView(RoleRequiredMixin, View):
    http_method_names = ["get"]
    kind = "csv"

    def get(self, request):
        week = targets.parse_week(request.GET.get("week"))
        weekly = report.weekly_report(week)
        if self.kind == "pdf":
            response = HttpResponse(export.report_pdf(weekly), content_type="application/pdf")
        else:
            response = HttpResponse(export.report_csv(weekly), content_type="text/csv; charset=utf-8")
        response["Content-Disposition"] = f'attachment; filename="handoff-sla-{week.iso}.{self.kind}"'
        return response
