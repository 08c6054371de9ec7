"""The weekly SLA report: its numbers from known fixtures, the page, the CSV and PDF, and the scheduled email."""

from __future__ import annotations

import csv
import datetime as dt
import io
from zoneinfo import ZoneInfo

import pdfplumber
import pytest
from django.core import mail
from django_q.models import Schedule

from erp_orders.models import HandoffState
from exceptions_queue import tasks
from exceptions_queue.health import export, report
from exceptions_queue.models import DeadLetter, ExceptionType, HandoffException
from handoff_project.integration.models import Event
from tests.factories import DeadLetterFactory, HandoffExceptionFactory, InvoiceFactory, UserFactory, backdate

from .monitoring_fixtures import handoff_at, week  # noqa: F401 - fixture

pytestmark = pytest.mark.django_db
HOUR = dt.timedelta(hours=1)


@pytest.fixture
def history(week):
    """A week with orders, failures, dead letters of two kinds, and exceptions people resolved."""
    ops = UserFactory(roles=["ops"])
    t = week.start + dt.timedelta(days=1, hours=9)
    for _ in range(7):
        handoff_at(t, created_after=45)
    dead = [handoff_at(t, state=HandoffState.DEAD) for _ in range(3)]
    backdate(DeadLetterFactory(handoff=dead[0], error_detail={"kind": "RemoteValidationError"}), created_at=t)
    backdate(DeadLetterFactory(handoff=dead[1], error_detail={"kind": "RemoteValidationError"}), created_at=t)
    backdate(DeadLetterFactory(handoff=dead[2], step="push", error_detail={"kind": "TransientError"}, state=DeadLetter.State.REQUEUED,
                               closed_at=t + 6 * HOUR, closed_by=ops), created_at=t)
    backdate(DeadLetterFactory(error_detail={"kind": "TransientError"}), created_at=week.start - HOUR)  # the week before
    stopped = handoff_at(t, state=HandoffState.EXCEPTION)
    for line, hours in ((1, 2), (3, 4)):  # two unmapped products, resolved after 2 h and 4 h
        exception = HandoffExceptionFactory(handoff=stopped, field=f"lines[{line}].product", state=HandoffException.State.RESOLVED,
                                            detail={"kind": "product", "input": "Custom Integration Workshop"},
                                            resolved_at=t + hours * HOUR, resolved_by=ops)
        backdate(exception, created_at=t)
    price = HandoffExceptionFactory(handoff=handoff_at(t, created_after=7200), type=ExceptionType.PRICE_VARIANCE,
                                    field="lines[1].unit_price", state=HandoffException.State.RESOLVED,
                                    resolved_at=t + 9 * HOUR, resolved_by=ops)
    backdate(price, created_at=t)
    # Closed by the matcher (a new match superseded it), not by a person: no resolution time.
    superseded = HandoffException.objects.create(invoice=InvoiceFactory(), type=ExceptionType.INVOICE_PRICE_VARIANCE,
                                                 team="procurement", message="superseded", state="resolved", resolved_at=t + HOUR)
    backdate(superseded, created_at=t)
    for status in ("approved", "approved", "approved", "blocked"):
        backdate(InvoiceFactory(status=status), received_at=t)
    return week


def test_weekly_report_numbers(history):
    weekly = report.weekly_report(history)

    flows = {f.name: f for f in weekly.flows}
    deals = flows["deal_to_order"]
    assert (deals.started, deals.succeeded, deals.failed, deals.other) == (12, 8, 4, 0)
    assert deals.success_rate == pytest.approx(8 / 12)
    assert (flows["invoice"].started, flows["invoice"].succeeded, flows["invoice"].failed) == (4, 3, 1)
    assert weekly.dead_letters == [("push", "RemoteValidationError", 2, 2), ("push", "TransientError", 1, 0)]
    assert weekly.dead_letter_total == 3
    resolutions = {r.what: r for r in weekly.resolutions}
    assert resolutions["Exceptions, all teams"].count == 3
    assert resolutions["Exceptions, all teams"].average_hours == pytest.approx(5.0)  # (2 + 4 + 9) / 3
    assert resolutions["Exceptions: Product ops"].average_hours == pytest.approx(3.0)
    assert resolutions["Exceptions: Pricing"].average_hours == pytest.approx(9.0)
    assert resolutions["Dead letters re-queued or discarded"].count == 1
    assert resolutions["Dead letters re-queued or discarded"].average_hours == pytest.approx(6.0)
    causes = {(c.kind, c.cause): c.count for c in weekly.causes}
    assert causes[("CRM field", "lines[].product")] == 2  # lines[1] and lines[3] fold together
    assert causes[("CRM field", "lines[].unit_price")] == 1
    assert causes[("crosswalk entry", "product: Custom Integration Workshop")] == 2
    assert [t.metric.key for t in weekly.targets][0] == "automation_rate"
    automation = weekly.targets[0]
    assert (automation.reading.numerator, automation.reading.denominator) == (7, 12)


def test_report_csv_has_every_number(history):
    weekly = report.weekly_report(history)
    rows = list(csv.DictReader(io.StringIO(export.report_csv(weekly))))

    by_item = {(r["section"], r["item"]): r for r in rows}
    assert by_item[("flow success rate", "Deal to order")]["value"] == "66.7"
    assert by_item[("dead letters", "push / RemoteValidationError")]["value"] == "2"
    assert by_item[("resolution time", "Exceptions, all teams")]["value"] == "5.00"
    assert by_item[("target", "Handoff automation rate")]["value"] == "58.3"
    assert by_item[("target", "Handoff automation rate")]["status"] == "missed"
    assert by_item[("failure cause", "lines[].product")]["count"] == "2"
    assert len([r for r in rows if r["section"] == "target"]) == 7


def test_report_pdf_is_a_pdf_with_the_numbers(history):
    pdf = export.report_pdf(report.weekly_report(history))

    assert pdf.startswith(b"%PDF")
    with pdfplumber.open(io.BytesIO(pdf)) as document:
        text = "\n".join(page.extract_text() or "" for page in document.pages)
    assert f"week of {history.iso}" in text
    assert "Handoff automation rate 58.3 % > 85.0 % missed" in text
    assert "Deal to order 66.7 % 12 8 4 0" in text
    assert "push RemoteValidationError 2 2" in text
    assert "Exceptions, all teams 3 5.00" in text
    assert "lines[].product CRM field product_not_mapped 2" in text


def test_report_page_and_files_for_every_role(client_as, history):
    client = client_as("viewer")
    page = client.get(f"/ops/reports/sla/?week={history.iso}")
    assert page.status_code == 200 and b"66.7 %" in page.content and b"RemoteValidationError" in page.content
    csv_file = client.get(f"/ops/reports/sla.csv?week={history.iso}")
    assert csv_file["Content-Type"].startswith("text/csv")
    assert f'filename="handoff-sla-{history.iso}.csv"' in csv_file["Content-Disposition"]
    pdf_file = client.get(f"/ops/reports/sla.pdf?week={history.iso}")
    assert pdf_file["Content-Type"] == "application/pdf" and pdf_file.content.startswith(b"%PDF")


def test_the_scheduled_task_emails_last_week_to_the_configured_recipients(history, settings):
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    settings.SLA_REPORT_EMAILS = ["ops-lead@example.test", "cfo@example.test"]

    assert tasks.send_weekly_sla_report() == 2

    [message] = mail.outbox
    assert message.to == ["ops-lead@example.test", "cfo@example.test"]
    assert f"week of {history.iso}" in message.subject and "targets met" in message.subject
    assert "Deal to order: 66.7%" in message.body
    names = [name for name, _content, _type in message.attachments]
    assert names == [f"handoff-sla-{history.iso}.csv", f"handoff-sla-{history.iso}.pdf"]
    assert message.attachments[1][1].startswith(b"%PDF")
    assert Event.objects.filter(event_type="sla_report_sent", data__recipients=2).exists()


def test_without_recipients_nothing_is_sent_and_the_log_says_how_to_fix_it(history, settings, caplog):
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    settings.SLA_REPORT_EMAILS = []
    assert tasks.send_weekly_sla_report() == 0
    assert mail.outbox == []
    assert "Set SLA_REPORT_EMAILS" in caplog.text


def test_the_weekly_schedule_is_installed_by_a_migration(settings):
    schedule = Schedule.objects.get(name="weekly-sla-report")
    assert schedule.func == "exceptions_queue.tasks.send_weekly_sla_report"
    assert schedule.schedule_type == Schedule.WEEKLY and schedule.repeats == -1
    local = schedule.next_run.astimezone(ZoneInfo(settings.BUSINESS_TIMEZONE))
    assert (local.weekday(), local.hour, local.minute) == (0, 7, 0)  # Monday 07:00 in the business time zone
