"""Worker tasks of the exceptions queue: thin, they call one service each."""

from . import alerts, escalation, monitoring
from .health import mailing


def deliver_alert(alert_id: int, attempt: int = 1) -> str:
    return alerts.deliver_alert(alert_id, attempt)


def escalate_overdue_exceptions() -> int:
    return escalation.escalate_overdue()


def check_flow_silence() -> dict:
    return monitoring.check_flow_silence()


def send_weekly_sla_report() -> int:
    return mailing.email_weekly_report()
