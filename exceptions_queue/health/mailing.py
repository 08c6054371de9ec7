"""Email the weekly SLA report (CSV and PDF attached) to settings.SLA_REPORT_EMAILS.

Run every Monday by the django-q2 schedule "weekly-sla-report" (migration 0005) for the week that just ended.
Without recipients nothing is sent and the log says how to configure them. Each sending is an event.
"""

from __future__ import annotations

import datetime as dt
import logging

from django.conf import settings
from django.core.mail import EmailMessage
from django.utils import timezone

from handoff_project.integration.events import record_event
from handoff_project.integration.models import Outcome

from .export import report_csv, report_pdf
from .report import WeeklyReport, weekly_report
from .targets import Week, week_of

log = logging.getLogger("handoff.monitoring")


def report_body(report: WeeklyReport) -> str:
    lines = [f"Handoff weekly SLA report, week of {report.week.iso}", "",
             f"Targets met: {report.targets_met} of {len(report.targets)}"]
    lines += [f"  {t.metric.label}: {t.value_text} (target {t.metric.target_text}, {t.status}) — {t.reading.detail}"
              for t in report.targets]
    lines += ["", "Success rate per flow:"]
    lines += [f"  {f.label}: {f'{f.success_rate:.1%}' if f.success_rate is not None else 'no data'} "
              f"({f.succeeded} succeeded, {f.failed} failed, {f.other} in flight or closed)" for f in report.flows]
    lines += ["", f"Dead letters this week: {report.dead_letter_total}", "",
              "The CSV and PDF are attached; the report page is "
              f"{settings.PUBLIC_BASE_URL.rstrip('/')}/ops/reports/sla/?week={report.week.iso}"]
    return "\n".join(lines)


def email_weekly_report(*, week: Week | None = None, now: dt.datetime | None = None) -> int:
    """Send the report of `week` (default: the last complete week); returns how many recipients it went to."""
    recipients = list(settings.SLA_REPORT_EMAILS)
    week = week or week_of(now or timezone.now()).previous()
    if not recipients:
        log.warning("The weekly SLA report of %s was not sent: no recipients. Set SLA_REPORT_EMAILS "
                    "(comma-separated addresses) to receive it.", week.iso)
        return 0
    report = weekly_report(week)
    message = EmailMessage(subject=f"Handoff weekly SLA report, week of {week.iso}: "
                                   f"{report.targets_met}/{len(report.targets)} targets met",
                           body=report_body(report), from_email=settings.DEFAULT_FROM_EMAIL, to=recipients)
    message.attach(f"handoff-sla-{week.iso}.csv", report_csv(report), "text/csv")
    message.attach(f"handoff-sla-{week.iso}.pdf", report_pdf(report), "application/pdf")
    message.send()
    record_event("sla_report_sent", outcome=Outcome.SUCCESS, system="email",
                 message=f"weekly SLA report of {week.iso} sent to {len(recipients)} recipient(s)",
                 data={"week": week.iso, "recipients": len(recipients)})
    return len(recipients)
