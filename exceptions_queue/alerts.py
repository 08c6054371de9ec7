"""Alerts to people: Slack, email and PagerDuty, delivered by the worker, recorded either way.

* `send_alert` — a message for people (every DLQ arrival, writeback failures, approvals, escalations): one `Alert` row
  per configured channel (Slack with SLACK_WEBHOOK_URL; email to `recipients` or ALERT_EMAILS), delivered by a task.
* `page` / `resolve_page` — PagerDuty incidents with a dedup key (P2 when retries are exhausted, P1 when a flow is
  silent in business hours), triggered once and resolved when the cause is gone.

Without any channel configured the alert is still recorded (channel "log") and written to the log. Delivery happens
in a task so a slow Slack never holds up a handoff; a transient failure is retried on the kernel's schedule, and a
failed alert shows its error in the ops UI, never raised into the flow.
"""

from __future__ import annotations

import logging
from urllib.parse import urlparse

from django.conf import settings

from handoff_project.integration.errors import IntegrationError, TransientError
from handoff_project.integration.events import record_event
from handoff_project.integration.steps import enqueue, retry_delay

from .channels import email, pagerduty, slack
from .models import Alert

log = logging.getLogger("handoff.alerts")
DELIVER_TASK = "exceptions_queue.tasks.deliver_alert"


def ops_link(path: str) -> str:
    return f"{settings.PUBLIC_BASE_URL.rstrip('/')}{path}" if path else ""


def send_alert(*, title: str, text: str, severity: str = "warning", handoff=None, link_path: str = "",
               recipients: list[str] | None = None) -> list[Alert]:
    link = ops_link(link_path or (f"/ops/handoffs/{handoff.pk}/" if handoff is not None else ""))
    emails = list(recipients or settings.ALERT_EMAILS)
    channels = (["slack"] if settings.SLACK_WEBHOOK_URL else []) + (["email"] if emails else [])
    alerts = [
        Alert.objects.create(channel=channel, severity=severity, title=title[:255], text=text, handoff=handoff, link=link,
                             recipients=",".join(emails) if channel == "email" else "")
        for channel in channels or ["log"]
    ]
    record_event("alert", message=f"[{severity}] {title}", data={"channels": channels or ["log"], "recipients": emails})
    _dispatch(alerts)
    return alerts


def page(*, dedup_key: str, summary: str, priority: str, details: str = "", handoff=None, link_path: str = "",
         event_class: str = "") -> Alert | None:
    """Trigger a PagerDuty incident, unless one with this dedup key is already open (PagerDuty would dedupe it too)."""
    if incident_open(dedup_key):
        return None
    alert = Alert.objects.create(
        channel="pagerduty" if settings.PAGERDUTY_ROUTING_KEY else "log", severity=pagerduty.PRIORITY_SEVERITY[priority],
        title=f"{priority}: {summary}"[:255], text=details or summary, handoff=handoff, dedup_key=dedup_key,
        event_action="trigger", link=ops_link(link_path or (f"/ops/handoffs/{handoff.pk}/" if handoff is not None else "")),
    )
    record_event("alert", message=f"[{priority}] {summary}", data={"channels": [alert.channel], "dedup_key": dedup_key, "class": event_class})
    _dispatch([alert])
    return alert


def resolve_page(*, dedup_key: str, summary: str) -> Alert | None:
    """Resolve the open incident with this dedup key (a person acted, or the flow is healthy again)."""
    if not incident_open(dedup_key):
        return None
    alert = Alert.objects.create(
        channel="pagerduty" if settings.PAGERDUTY_ROUTING_KEY else "log", severity="info", title=f"Resolved: {summary}"[:255],
        text=summary, dedup_key=dedup_key, event_action="resolve",
    )
    record_event("alert", message=f"[resolved] {summary}", data={"dedup_key": dedup_key})
    _dispatch([alert])
    return alert


def incident_open(dedup_key: str) -> bool:
    last = Alert.objects.filter(dedup_key=dedup_key).exclude(event_action="").order_by("-created_at", "-id").first()
    return last is not None and last.event_action == "trigger"


def _dispatch(alerts: list[Alert]) -> None:
    for alert in alerts:
        if alert.channel == "log":
            log.warning("ALERT [%s] %s — %s %s", alert.severity, alert.title, alert.text, alert.link)
        else:
            enqueue(DELIVER_TASK, alert.pk)


def deliver_alert(alert_id: int, attempt: int = 1) -> str:
    alert = Alert.objects.select_related("handoff").get(pk=alert_id)
    try:
        if alert.channel == "slack":
            slack.post_message(settings.SLACK_WEBHOOK_URL, slack.build_message(
                title=alert.title, text=alert.text, severity=alert.severity, link=alert.link))
        elif alert.channel == "email":
            subject, body = email.build_email(title=alert.title, text=alert.text, severity=alert.severity, link=alert.link)
            email.send(subject=subject, body=body, recipients=[r for r in alert.recipients.split(",") if r])
        elif alert.channel == "pagerduty":
            pagerduty.send_event(pagerduty_event(alert))
    except IntegrationError as exc:
        delay = retry_delay(attempt) if isinstance(exc, TransientError) else None
        Alert.objects.filter(pk=alert.pk).update(error=str(exc)[:2000])
        log.error("alert %s via %s failed (attempt %s): %s", alert.pk, alert.channel, attempt, exc)
        if delay is not None:
            enqueue(DELIVER_TASK, alert.pk, attempt + 1, delay_s=delay)
            return "retry scheduled"
        return "failed"
    Alert.objects.filter(pk=alert.pk).update(delivered=True, error="")
    return "delivered"


def pagerduty_event(alert: Alert) -> dict:
    key = settings.PAGERDUTY_ROUTING_KEY
    if alert.event_action == "resolve":
        return pagerduty.resolve_event(routing_key=key, dedup_key=alert.dedup_key)
    handoff = alert.handoff
    details = {"details": alert.text, "priority": alert.title.split(":", 1)[0]}
    if handoff is not None:
        details.update(deal=handoff.deal_name, crm_record_id=handoff.crm_record_id, handoff_id=handoff.pk, state=handoff.state)
    return pagerduty.trigger_event(
        routing_key=key, dedup_key=alert.dedup_key, summary=alert.title, severity=alert.severity,
        source=urlparse(settings.PUBLIC_BASE_URL).hostname or "handoff", component=handoff.erp_system if handoff else "handoff",
        group=handoff.crm_system if handoff else "", event_class=alert.dedup_key.split("/", 1)[0],
        custom_details=details, link=alert.link, timestamp=alert.created_at,
    )
