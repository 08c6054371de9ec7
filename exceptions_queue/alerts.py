"""Alerts to people: Slack incoming webhook and email, delivered by the worker, recorded either way.

Every alert is an `Alert` row (what ops see in the UI) and an event; delivery happens in a task so a slow Slack never
holds up a handoff. Without SLACK_WEBHOOK_URL or ALERT_EMAILS, the alert is still recorded (channel "log").
"""

from __future__ import annotations

import logging

import httpx
from django.conf import settings
from django.core.mail import send_mail

from handoff_project.integration.events import record_event
from handoff_project.integration.steps import enqueue

from .models import Alert

log = logging.getLogger("handoff.alerts")


def send_alert(*, title: str, text: str, severity: str = "warning", handoff=None) -> list[Alert]:
    link = f"{settings.PUBLIC_BASE_URL}/ops/handoffs/{handoff.pk}/" if handoff is not None else ""
    body = f"{text}\n{link}".strip()
    channels = []
    if settings.SLACK_WEBHOOK_URL:
        channels.append("slack")
    if settings.ALERT_EMAILS:
        channels.append("email")
    alerts = [
        Alert.objects.create(channel=channel, severity=severity, title=title[:255], text=body, handoff=handoff)
        for channel in channels or ["log"]
    ]
    record_event("alert", message=f"[{severity}] {title}", data={"channels": channels or ["log"]})
    for alert in alerts:
        if alert.channel == "log":
            log.warning("ALERT [%s] %s — %s", severity, title, body)
        else:
            enqueue("exceptions_queue.tasks.deliver_alert", alert.pk)
    return alerts


def deliver_alert(alert_id: int) -> str:
    alert = Alert.objects.get(pk=alert_id)
    try:
        if alert.channel == "slack":
            response = httpx.post(
                settings.SLACK_WEBHOOK_URL, json={"text": f"*{alert.title}*\n{alert.text}"}, timeout=10
            )
            if response.status_code != 200:
                raise RuntimeError(f"Slack answered {response.status_code}: {response.text[:200]}")
        elif alert.channel == "email":
            send_mail(f"[handoff] {alert.title}", alert.text, settings.DEFAULT_FROM_EMAIL, settings.ALERT_EMAILS)
    except Exception as exc:  # noqa: BLE001 - a failed alert is recorded, never raised into the flow
        Alert.objects.filter(pk=alert.pk).update(error=str(exc)[:2000])
        log.error("alert %s via %s failed: %s", alert.pk, alert.channel, exc)
        return "failed"
    Alert.objects.filter(pk=alert.pk).update(delivered=True)
    return "delivered"
