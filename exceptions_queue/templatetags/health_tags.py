"""Display helpers of the health dashboard and the SLA report: durations, target readings, status tones."""

from __future__ import annotations

from django import template

from exceptions_queue.health.targets import format_value

register = template.Library()

STATUS_TONES = {"met": "ok", "missed": "bad", "no data": "neutral"}


@register.filter
def seconds(value) -> str:
    """42.4 → '42 s', 250 → '4.2 min', 7300 → '2.0 h'; '—' without a value."""
    if value in (None, ""):
        return "—"
    value = float(value)
    if value < 120:
        return f"{value:.0f} s" if value >= 10 else f"{value:.1f} s"
    if value < 7200:
        return f"{value / 60:.1f} min"
    return f"{value / 3600:.1f} h"


@register.filter
def milliseconds(value) -> str:
    return "—" if value in (None, "") else f"{float(value):.0f} ms"


@register.simple_tag
def reading_text(metric, reading) -> str:
    return format_value(reading.value, metric.unit)


@register.simple_tag
def reading_status(metric, reading) -> str:
    return metric.status(reading)


@register.filter
def status_tone(status: str) -> str:
    return STATUS_TONES.get(str(status), "neutral")
