"""/webhooks/pipedrive/ — Pipedrive webhooks v2 in, verified by HTTP Basic, stored, answered 200.

The format (Guide for Webhooks v2): {"meta": {"action": "create"|"change"|"delete", "entity": "deal", "entity_id",
"id" (the event's id), "version": "2.0", "attempt", "webhook_id", "correlation_id", "timestamp", …}, "data": the
object now (null on delete), "previous": the previous values of the changed fields only (null on create)}.

Verification: Pipedrive sends the webhook's http_auth_user / http_auth_password as HTTP Basic credentials; they must
be PIPEDRIVE_WEBHOOK_USER / PIPEDRIVE_WEBHOOK_PASSWORD (compared in constant time). Wrong, missing, or no password
configured → 401 with WWW-Authenticate. Verified first, so nothing about an unauthenticated body is answered.
Unreadable, or not v2 → 400 with what is wrong. Retries of one event carry the same `meta.id` (only `attempt`
grows), so it is the dedup key.

Handed off: a change.deal whose data.status is "won" while previous.status was something else. A re-save of a deal
that was already won has no status in `previous` (or "won" there) and is not a new win; everything else is
acknowledged and stored as ignored, with the reason.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import json
from dataclasses import dataclass

from django.conf import settings
from django.http import JsonResponse
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST

from crm_sync import webhooks
from crm_sync.connectors.base import MalformedDelivery, Trigger
from handoff_project.integration.redaction import storable

SYSTEM = "pipedrive"
WWW_AUTHENTICATE = 'Basic realm="Handoff Pipedrive webhook", charset="UTF-8"'
WON = "won"


@dataclass(frozen=True)
class Delivery:
    """One webhooks v2 notification, read from its JSON."""

    event_id: str
    action: str
    entity: str
    entity_id: str
    data: dict | None
    previous: dict | None

    @property
    def dedup_key(self) -> str:
        # InboundEvent.dedup_key holds 200 characters; an id longer than any Pipedrive sends is hashed to fit.
        if len(self.event_id) <= 190:
            return f"pdwh:{self.event_id}"
        return "pdwh:sha256:" + hashlib.sha256(self.event_id.encode()).hexdigest()


def _too_large(status: int, message: str) -> JsonResponse:
    return JsonResponse({"error": message}, status=status)


@csrf_exempt
@require_POST
@webhooks.refuse_oversized(system=SYSTEM, answer=_too_large)
def receive(request):
    refused = credentials_refused(request.headers.get("Authorization", ""))
    if refused:
        webhooks.reject(system=SYSTEM, request=request, reason=refused, status=401)
        response = JsonResponse({"error": f"Rejected: {refused}"}, status=401)
        response["WWW-Authenticate"] = WWW_AUTHENTICATE
        return response
    try:
        delivery = parse_delivery(request.body)
    except MalformedDelivery as exc:
        reason = f"malformed Pipedrive webhook: {exc}"
        webhooks.reject(system=SYSTEM, request=request, reason=reason, status=400)
        return JsonResponse({"error": reason}, status=400)

    trigger = trigger_of(delivery)
    if trigger.won:
        webhooks.accept(system=SYSTEM, request=request, dedup_key=delivery.dedup_key)
    else:
        webhooks.ignore(system=SYSTEM, request=request, reason=trigger.ignored_because, dedup_key=delivery.dedup_key)
    return JsonResponse({"status": "received", "event_id": delivery.event_id})


def triggers(inbound) -> list[Trigger]:
    return [trigger_of(parse_delivery(inbound.body.encode("utf-8")))]


# ---- verification -------------------------------------------------------------------------------------------------


def credentials_refused(authorization: str) -> str:
    """Why the request's Basic credentials are refused, or "" when they are the configured ones."""
    expected_password = settings.PIPEDRIVE_WEBHOOK_PASSWORD
    if not expected_password:
        return "PIPEDRIVE_WEBHOOK_PASSWORD is not configured, so no Pipedrive webhook can be verified"
    scheme, _, encoded = authorization.strip().partition(" ")
    if scheme.lower() != "basic" or not encoded.strip():
        return "no HTTP Basic credentials; set the webhook's HTTP auth user and password in Pipedrive"
    try:
        user, separator, password = base64.b64decode(encoded.strip(), validate=True).decode("utf-8").partition(":")
    except (binascii.Error, UnicodeDecodeError):
        return "the HTTP Basic credentials are not base64 of user:password"
    # Both compared every time (no early exit), each in constant time.
    user_ok = hmac.compare_digest(user.encode(), settings.PIPEDRIVE_WEBHOOK_USER.encode())
    password_ok = hmac.compare_digest(password.encode(), expected_password.encode())
    if not (separator and user_ok and password_ok):
        return "the HTTP Basic user or password is not the configured PIPEDRIVE_WEBHOOK_USER / PIPEDRIVE_WEBHOOK_PASSWORD"
    return ""


# ---- reading a delivery -------------------------------------------------------------------------------------------


def parse_delivery(body: bytes) -> Delivery:
    try:
        # Pipedrive sends UTF-8; json.loads would also take UTF-16/32 bytes, which the raw store could not give back.
        payload = json.loads((body or b"").decode("utf-8"))
    except UnicodeDecodeError as exc:
        raise MalformedDelivery(f"the body is not UTF-8 text (byte {exc.start}: {exc.reason})") from None
    except ValueError as exc:
        raise MalformedDelivery(f"the body is not JSON ({exc})") from None
    except RecursionError:
        raise MalformedDelivery("the JSON is nested deeper than the reader allows (about 1,000 levels)") from None
    if not isinstance(payload, dict) or not isinstance(payload.get("meta"), dict):
        raise MalformedDelivery("the body is not a webhooks v2 object with a `meta` block")
    meta = payload["meta"]
    version = str(meta.get("version") or meta.get("v") or "")
    if not version.startswith("2"):
        raise MalformedDelivery(
            f"meta.version is {version or 'missing'!r}, not 2.0: this endpoint reads webhooks v2 only; create the "
            "Pipedrive webhook with version 2.0"
        )
    missing = [name for name in ("id", "action", "entity") if not _text(meta.get(name))]
    if missing:
        raise MalformedDelivery(f"meta lacks {', '.join(missing)}")
    data, previous = payload.get("data"), payload.get("previous")
    for name, value in (("data", data), ("previous", previous)):
        if value is not None and not isinstance(value, dict):
            raise MalformedDelivery(f"`{name}` is a {type(value).__name__}, not an object or null")
    entity_id = _text(meta.get("entity_id")) or _text((data or previous or {}).get("id"))
    return Delivery(_text(meta["id"]), _text(meta["action"]).lower(), _text(meta["entity"]).lower(), entity_id,
                    data, previous)  # fmt: skip


def trigger_of(delivery: Delivery) -> Trigger:
    """Won, or ignored with the reason a person reads in the inbound log."""
    what = f"{delivery.action}.{delivery.entity} {delivery.entity_id or '?'}"
    data, previous = delivery.data or {}, delivery.previous or {}
    name = _text(data.get("title") or previous.get("title"))
    if delivery.entity != "deal":
        return Trigger(delivery.entity_id, name, ignored_because=f"{what}: not a deal")
    if delivery.action != "change":
        return Trigger(delivery.entity_id, name, ignored_because=f"{what}: only a change of a deal to won is handed off")
    status = _text(data.get("status")).lower()
    if status != WON:
        return Trigger(delivery.entity_id, name, ignored_because=f"{what}: status {status or '?'!r} is not won")
    if "status" not in previous:
        return Trigger(delivery.entity_id, name,
                       ignored_because=f"{what}: the deal was already won (its status did not change)")
    if _text(previous.get("status")).lower() == WON:
        return Trigger(delivery.entity_id, name, ignored_because=f"{what}: previous status was won too, not a new win")
    if not (delivery.entity_id.isascii() and delivery.entity_id.isdigit()):
        return Trigger(delivery.entity_id, name, ignored_because=f"{what}: no deal id in the delivery")
    return Trigger(delivery.entity_id, name, won=True)


def _text(value) -> str:
    # storable(): JSON may carry "\\u0000" or a lone surrogate, which neither PostgreSQL nor UTF-8 can hold
    return "" if value is None else storable(str(value)).strip()
