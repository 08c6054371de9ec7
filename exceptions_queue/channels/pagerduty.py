"""PagerDuty Events API v2: the only code that speaks HTTP to PagerDuty.

Wire format (../shared/wire/pagerduty/): POST JSON to PAGERDUTY_EVENTS_URL (https://events.pagerduty.com/v2/enqueue),
no auth header; `routing_key`, `event_action` (trigger / acknowledge / resolve), `dedup_key`, and for a trigger a
`payload` with `summary` (≤ 1024), `source`, `severity` (critical / error / warning / info). 202
`{"status": "success", "message": "Event processed", "dedup_key": ...}`; 400 `{"status": "invalid event", "errors":
[...]}`; 429 and 5xx: try again later.
"""

from __future__ import annotations

import datetime as dt
import time

import httpx
from django.conf import settings

from handoff_project.integration.errors import PermanentError, RateLimitedError, TransientError
from handoff_project.integration.events import record_event
from handoff_project.integration.models import Outcome

SYSTEM = "pagerduty"
CLIENT = "Handoff ops"
# Our priorities as PagerDuty severities: P1 pages someone now, P2 is urgent in business hours.
PRIORITY_SEVERITY = {"P1": "critical", "P2": "error", "P3": "warning"}


def trigger_event(*, routing_key: str, dedup_key: str, summary: str, severity: str, source: str, component: str = "",
                  group: str = "", event_class: str = "", custom_details: dict | None = None, link: str = "",
                  timestamp: dt.datetime | None = None) -> dict:
    payload = {
        "summary": summary[:1024],
        "timestamp": (timestamp or dt.datetime.now(dt.UTC)).isoformat(timespec="milliseconds"),
        "severity": severity,
        "source": source,
        "component": component,
        "group": group,
        "class": event_class,
        "custom_details": custom_details or {},
    }
    event = {
        "payload": {k: v for k, v in payload.items() if v not in ("", None)},
        "routing_key": routing_key,
        "dedup_key": dedup_key[:255],
        "event_action": "trigger",
        "client": CLIENT,
        "client_url": settings.PUBLIC_BASE_URL,
    }
    if link:
        event["links"] = [{"href": link, "text": "Open in ops"}]
    return event


def resolve_event(*, routing_key: str, dedup_key: str) -> dict:
    return {"routing_key": routing_key, "dedup_key": dedup_key[:255], "event_action": "resolve"}


def send_event(event: dict) -> str:
    """Send one event; returns the dedup key PagerDuty answers with."""
    url = settings.PAGERDUTY_EVENTS_URL
    started = time.monotonic()
    try:
        response = httpx.post(url, json=event, timeout=settings.HTTP_TIMEOUT_SECONDS)
    except httpx.TimeoutException as exc:
        raise TransientError(f"PagerDuty did not answer in time ({type(exc).__name__})", system=SYSTEM) from exc
    except httpx.TransportError as exc:
        raise TransientError(f"PagerDuty could not be reached: {exc}", system=SYSTEM) from exc
    ok = response.status_code == 202
    logged = {**event, "routing_key": "[REDACTED]"}  # the integration key is a secret
    record_event("alert_delivery", outcome=Outcome.SUCCESS if ok else Outcome.ERP_ERROR, system=SYSTEM, method="POST",
                 endpoint=url, http_status=response.status_code, duration_ms=int((time.monotonic() - started) * 1000),
                 request_body=_json(logged), body=response.text[:2000])
    if ok:
        return _body(response).get("dedup_key") or event.get("dedup_key", "")
    if response.status_code == 429:
        raise RateLimitedError("PagerDuty rate-limited the event", system=SYSTEM, http_status=429)
    if response.status_code >= 500:
        raise TransientError(f"PagerDuty answered {response.status_code}", system=SYSTEM, http_status=response.status_code)
    body = _body(response)
    errors = "; ".join(body.get("errors") or []) or response.text[:200]
    raise PermanentError(
        f"PagerDuty refused the event: {body.get('message') or 'invalid event'}: {errors}", system=SYSTEM,
        vendor_code=str(body.get("status", "")), http_status=response.status_code, detail=body,
        recommended_resolution="Check PAGERDUTY_ROUTING_KEY (the 32-character integration key of an Events API v2 integration).",
    )


def _body(response: httpx.Response) -> dict:
    try:
        data = response.json()
    except ValueError:
        return {}
    return data if isinstance(data, dict) else {}


def _json(data) -> str:
    import json

    return json.dumps(data, default=str)
