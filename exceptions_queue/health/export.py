"""The weekly SLA report as files: CSV (one table, a `section` column, numbers as plain numbers) and PDF (fpdf2).

Both carry exactly what the report page shows (report.WeeklyReport); nothing is computed here.
"""

from __future__ import annotations

import csv
import io

from django.utils import timezone
from fpdf import FPDF
from fpdf.fonts import FontFace

from .report import WeeklyReport

CSV_COLUMNS = ["section", "item", "value", "unit", "target", "status", "count", "detail"]


def _percent(ratio: float | None) -> str:
    return "" if ratio is None else f"{ratio * 100:.1f}"


def _number(value: float | None, digits: int = 1) -> str:
    return "" if value is None else f"{value:.{digits}f}"


def report_rows(report: WeeklyReport) -> list[list[str]]:
    """The report as rows of CSV_COLUMNS."""
    rows = []
    for line in report.targets:
        metric, reading = line.metric, line.reading
        is_ratio = metric.unit == "ratio"
        rows.append(["target", metric.label, _percent(reading.value) if is_ratio else _number(reading.value),
                     "%" if is_ratio else "s", _percent(metric.target) if is_ratio else _number(metric.target),
                     line.status, str(reading.denominator), reading.detail])
    for flow in report.flows:
        rows.append(["flow success rate", flow.label, _percent(flow.success_rate), "%", "", "", str(flow.started),
                     f"succeeded {flow.succeeded}, failed {flow.failed}, in flight or closed {flow.other}"])
    for step, kind, arrived, still_open in report.dead_letters:
        rows.append(["dead letters", f"{step} / {kind}", str(arrived), "dead letters", "", "", str(arrived),
                     f"{still_open} still open"])
    for line in report.resolutions:
        rows.append(["resolution time", line.what, _number(line.average_hours, 2), "h", "", "", str(line.count), ""])
    for cause in report.causes:
        rows.append(["failure cause", cause.cause, str(cause.count), "exceptions", "", "", str(cause.count),
                     f"{cause.kind}, {cause.exception_type}"])
    return rows


def report_csv(report: WeeklyReport) -> str:
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(CSV_COLUMNS)
    writer.writerows(report_rows(report))
    return out.getvalue()


# ---- PDF ---------------------------------------------------------------------------------------------------------

# The PDF's built-in fonts speak Latin-1; a few typographic characters of our labels are spelled out.
_PLAIN = str.maketrans({"→": "->", "≥": ">=", "≤": "<=", "—": "-", "–": "-", "…": "...", "×": "x", "’": "'"})


def _text(value) -> str:
    return str(value).translate(_PLAIN).encode("latin-1", "replace").decode("latin-1")


class _ReportPdf(FPDF):
    def __init__(self, title: str):
        super().__init__(orientation="portrait", unit="mm", format="A4")
        self.report_title = title
        self.set_auto_page_break(auto=True, margin=15)
        self.set_title(title)
        self.set_creator("Handoff")

    def footer(self):
        self.set_y(-12)
        self.set_font("Helvetica", size=8)
        self.set_text_color(110)
        self.cell(0, 6, _text(f"{self.report_title} - page {self.page_no()}"), align="C")

    def section(self, title: str):
        self.ln(3)
        self.set_font("Helvetica", style="B", size=12)
        self.set_text_color(20)
        self.cell(0, 8, _text(title), new_x="LMARGIN", new_y="NEXT")
        self.set_font("Helvetica", size=9)

    def grid(self, header: list[str], rows: list[list], widths: tuple[int, ...]):
        if not rows:
            self.set_text_color(110)
            self.cell(0, 6, "Nothing this week.", new_x="LMARGIN", new_y="NEXT")
            self.set_text_color(20)
            return
        with self.table(col_widths=widths, text_align="LEFT", line_height=5.5,
                        headings_style=FontFace(emphasis="BOLD", fill_color=(232, 236, 242))) as table:
            for cells in [header, *rows]:
                row = table.row()
                for cell in cells:
                    row.cell(_text(cell))


def report_pdf(report: WeeklyReport) -> bytes:
    week = report.week
    title = f"Handoff weekly SLA report, week of {week.iso}"
    pdf = _ReportPdf(title)
    pdf.add_page()
    pdf.set_font("Helvetica", style="B", size=16)
    pdf.cell(0, 10, _text(title), new_x="LMARGIN", new_y="NEXT")
    pdf.set_font("Helvetica", size=9)
    pdf.set_text_color(90)
    pdf.cell(0, 5, _text(f"{timezone.localtime(week.start):%a %d %b %Y} to {timezone.localtime(week.end):%a %d %b %Y}; "
                         f"generated {timezone.localtime(report.generated_at):%Y-%m-%d %H:%M %Z}. "
                         f"{report.targets_met} of {len(report.targets)} targets met."), new_x="LMARGIN", new_y="NEXT")
    pdf.set_text_color(20)

    pdf.section("Targets")
    pdf.grid(["Metric", "Value", "Target", "Status", "Basis"],
             [[t.metric.label, t.value_text, t.metric.target_text, t.status, t.reading.detail] for t in report.targets],
             (52, 20, 20, 18, 80))
    pdf.section("Success rate per flow")
    pdf.grid(["Flow", "Success rate", "Started", "Succeeded", "Failed", "In flight/closed"],
             [[f.label, f"{_percent(f.success_rate) or '-'} %", f.started, f.succeeded, f.failed, f.other] for f in report.flows],
             (60, 26, 26, 26, 26, 26))
    pdf.section(f"Dead letters by category ({report.dead_letter_total} this week)")
    pdf.grid(["Step", "Error", "Arrived", "Still open"], [list(row) for row in report.dead_letters], (40, 90, 30, 30))
    pdf.section("Average resolution time of manual interventions")
    pdf.grid(["What", "Resolved", "Average hours"],
             [[r.what, r.count, _number(r.average_hours, 2) or "-"] for r in report.resolutions], (110, 40, 40))
    pdf.section("Top failure causes")
    pdf.grid(["Cause", "By", "Exception type", "Count"],
             [[c.cause, c.kind, c.exception_type, c.count] for c in report.causes], (90, 30, 50, 20))
    return bytes(pdf.output())
