"""Slack incoming webhooks: the only code that speaks HTTP to Slack.

Wire format (../shared/wire/slack/): POST JSON `{"text": "...", "blocks": [...]}` to the webhook URL; success is HTTP
200 with the plain-text body "ok"; errors are plain text too ("invalid_payload", "no_text", "channel_not_found"…).
`text` is always sent: Slack shows it in notifications and where blocks cannot be drawn.
"""

from __future__ import annotations

import time

import httpx
from django.conf import settings

from handoff_project.integration.errors import PermanentError, RateLimitedError, TransientError
from handoff_project.integration.events import record_event
from handoff_project.integration.models import Outcome

SYSTEM = "slack"
SEVERITY_EMOJI = {"critical": ":rotating_light:", "error": ":red_circle:", "warning": ":warning:", "info": ":information_source:"}


def build_message(*, title: str, text: str, severity: str, link: str = "") -> dict:
    """The JSON body for one alert: a fallback `text` plus blocks (header, the details, a button to the ops UI)."""
    emoji = SEVERITY_EMOJI.get(severity, ":bell:")
    fallback = f"{emoji} *{title}*\n{text}" + (f"\n<{link}|Open in ops>" if link else "")
    blocks: list[dict] = [
        {"type": "header", "text": {"type": "plain_text", "text": title[:150], "emoji": True}},
        {"type": "section", "text": {"type": "mrkdwn", "text": text[:2900] or title}},
        {"type": "context", "elements": [{"type": "mrkdwn", "text": f"{emoji} severity *{severity}*"}]},
    ]
    if link:
        blocks.append({"type": "actions", "elements": [
            {"type": "button", "text": {"type": "plain_text", "text": "Open in ops"}, "url": link},
        ]})
    return {"text": fallback[:3000], "blocks": blocks}


def post_message(webhook_url: str, message: dict) -> None:
    started = time.monotonic()
    # The webhook URL is a secret (its path is the token): the event log only names the host.
    endpoint = f"{httpx.URL(webhook_url).scheme}://{httpx.URL(webhook_url).host}/…"
    try:
        response = httpx.post(webhook_url, json=message, timeout=settings.HTTP_TIMEOUT_SECONDS)
    except httpx.TimeoutException as exc:
        raise TransientError(f"Slack did not answer in time ({type(exc).__name__})", system=SYSTEM) from exc
    except httpx.TransportError as exc:
        raise TransientError(f"Slack could not be reached: {exc}", system=SYSTEM) from exc
    ok = response.status_code == 200
    record_event("alert_delivery", outcome=Outcome.SUCCESS if ok else Outcome.ERP_ERROR, system=SYSTEM, method="POST",
                 endpoint=endpoint, http_status=response.status_code, duration_ms=int((time.monotonic() - started) * 1000),
                 body=response.text[:500])
    if ok:
        return
    error = response.text.strip()[:200] or f"HTTP {response.status_code}"
    if response.status_code == 429:
        raise RateLimitedError(f"Slack rate-limited the webhook: {error}", system=SYSTEM, http_status=429)
    if response.status_code >= 500:
        raise TransientError(f"Slack answered {response.status_code}: {error}", system=SYSTEM, http_status=response.status_code)
    raise PermanentError(
        f"Slack refused the message: {error} (HTTP {response.status_code})", system=SYSTEM, vendor_code=error,
        http_status=response.status_code,
        recommended_resolution="Check SLACK_WEBHOOK_URL (a revoked or archived channel's webhook answers 403/404/410).",
    )
