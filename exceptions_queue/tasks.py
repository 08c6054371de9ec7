"""Worker tasks of the exceptions queue."""

from .alerts import deliver_alert as _deliver


def deliver_alert(alert_id: int) -> str:
    return _deliver(alert_id)
