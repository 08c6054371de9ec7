"""Sandbox receivers for the alert channels, served under /sandbox/slack/ and /sandbox/pagerduty/ (SANDBOX_ENABLED).

They answer like the vendors (../shared/wire/), so the same channel clients run against them and the real services:

  /sandbox/slack/services/<T>/<B>/<token>   POST a Slack incoming-webhook message → 200 "ok"; 400 "invalid_payload" /
                                            "no_text" as Slack answers them
  /sandbox/pagerduty/v2/enqueue             POST a PagerDuty Events v2 event → 202 {"status": "success", "message":
                                            "Event processed", "dedup_key"}; 400 {"status": "invalid event", "errors"}
  …/_state, …/_control                      what arrived ({"messages"} / {"events", "incidents"}); fault injection
  (the roots)                               a page listing what arrived, for the demo

Point SLACK_WEBHOOK_URL at <server>/sandbox/slack/services/T000/B000/XXXX and PAGERDUTY_EVENTS_URL at
<server>/sandbox/pagerduty/v2/enqueue (with any 32-character PAGERDUTY_ROUTING_KEY) to watch alerts arrive.
"""

from __future__ import annotations

import json
import uuid

from django.http import HttpResponse, JsonResponse
from django.shortcuts import render
from django.urls import path
from django.utils import timezone
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from handoff_project.sandbox import faults, store

PD_SEVERITIES = {"critical", "error", "warning", "info"}
PD_ACTIONS = {"trigger", "acknowledge", "resolve"}


def _json_body(request):
    try:
        return json.loads(request.body or b"")
    except (ValueError, UnicodeDecodeError):
        return None


# ---- Slack ----------------------------------------------------------------------------------------------------------


@csrf_exempt
@require_POST
def slack_webhook(request, hook: str):
    blocked, _lose = faults.gate("slack", modifying=True)
    if blocked is not None:
        return blocked
    message = _json_body(request)
    if not isinstance(message, dict):
        return HttpResponse("invalid_payload", status=400, content_type="text/plain")
    if not str(message.get("text") or "").strip() and not message.get("blocks"):
        return HttpResponse("no_text", status=400, content_type="text/plain")
    if "blocks" in message and not isinstance(message["blocks"], list):
        return HttpResponse("invalid_blocks", status=400, content_type="text/plain")
    key = uuid.uuid4().hex
    store.put("slack", "messages", key, {"id": key, "webhook": hook, "received_at": timezone.now().isoformat(), "message": message})
    return HttpResponse("ok", content_type="text/plain")


@require_GET
def slack_state(request):
    return JsonResponse({"messages": store.all_of("slack", "messages")})


@csrf_exempt
@require_http_methods(["GET", "POST"])
def slack_control(request):
    return faults.control(request, "slack")


@require_GET
def slack_page(request):
    messages = list(reversed(store.all_of("slack", "messages")))[:100]
    return render(request, "sandbox/alerts.html", {"system": "Slack", "slack_messages": messages})


# ---- PagerDuty ------------------------------------------------------------------------------------------------------


def validate_event(event) -> list[str]:
    """The checks PagerDuty's Events API v2 makes before it accepts an event (its 400 "invalid event" errors)."""
    if not isinstance(event, dict):
        return ["Event object is not a JSON object"]
    errors = []
    if len(str(event.get("routing_key") or "")) != 32:
        errors.append("'routing_key' must be the 32-character integration key")
    action = event.get("event_action")
    if action not in PD_ACTIONS:
        errors.append("'event_action' must be one of trigger, acknowledge, resolve")
    if len(str(event.get("dedup_key") or "")) > 255:
        errors.append("'dedup_key' must be at most 255 characters")
    if action in ("acknowledge", "resolve") and not event.get("dedup_key"):
        errors.append(f"'dedup_key' is required to {action}")
    if action == "trigger":
        payload = event.get("payload")
        if not isinstance(payload, dict):
            errors.append("'payload' is missing or not an object")
        else:
            if not str(payload.get("summary") or "").strip():
                errors.append("'payload.summary' is missing")
            elif len(payload["summary"]) > 1024:
                errors.append("'payload.summary' must be at most 1024 characters")
            if not str(payload.get("source") or "").strip():
                errors.append("'payload.source' is missing")
            if payload.get("severity") not in PD_SEVERITIES:
                errors.append("'payload.severity' must be one of critical, error, warning, info")
    return errors


@csrf_exempt
@require_POST
def pagerduty_enqueue(request):
    blocked, _lose = faults.gate("pagerduty", modifying=True)
    if blocked is not None:
        return blocked
    event = _json_body(request)
    errors = validate_event(event)
    if errors:
        return JsonResponse({"status": "invalid event", "message": "Event object is invalid", "errors": errors}, status=400)
    dedup_key = event.get("dedup_key") or uuid.uuid4().hex
    now = timezone.now().isoformat()
    key = uuid.uuid4().hex
    store.put("pagerduty", "events", key, {"id": key, "received_at": now, "event": {**event, "routing_key": "…" + event["routing_key"][-4:]}})
    incident = store.get("pagerduty", "incidents", dedup_key)
    status = {"trigger": "triggered", "acknowledge": "acknowledged", "resolve": "resolved"}[event["event_action"]]
    if incident is not None or event["event_action"] == "trigger":
        summary = (event.get("payload") or {}).get("summary") or (incident or {}).get("summary", "")
        severity = (event.get("payload") or {}).get("severity") or (incident or {}).get("severity", "")
        store.put("pagerduty", "incidents", dedup_key, {
            "dedup_key": dedup_key, "status": status, "summary": summary, "severity": severity,
            "events": ((incident or {}).get("events") or 0) + 1, "updated_at": now,
        })
    return JsonResponse({"status": "success", "message": "Event processed", "dedup_key": dedup_key}, status=202)


@require_GET
def pagerduty_state(request):
    return JsonResponse({"events": store.all_of("pagerduty", "events"), "incidents": store.all_of("pagerduty", "incidents")})


@csrf_exempt
@require_http_methods(["GET", "POST"])
def pagerduty_control(request):
    return faults.control(request, "pagerduty")


@require_GET
def pagerduty_page(request):
    return render(request, "sandbox/alerts.html", {
        "system": "PagerDuty",
        "incidents": list(reversed(store.all_of("pagerduty", "incidents")))[:100],
        "pd_events": list(reversed(store.all_of("pagerduty", "events")))[:100],
    })


slack_urls = [
    path("", slack_page, name="sandbox-slack"),
    path("services/<path:hook>", slack_webhook, name="sandbox-slack-webhook"),
    path("_state", slack_state),
    path("_control", slack_control),
]
pagerduty_urls = [
    path("", pagerduty_page, name="sandbox-pagerduty"),
    path("v2/enqueue", pagerduty_enqueue, name="sandbox-pagerduty-enqueue"),
    path("_state", pagerduty_state),
    path("_control", pagerduty_control),
]
