"""/webhooks/hubspot/ — HubSpot webhook batches in: verify the v3 signature, store, queue, answer within HubSpot's 5 s.

A delivery is a JSON array of up to 100 events ({"eventId", "subscriptionType", "objectId", "portalId",
"occurredAt", "propertyName"?, "propertyValue"?, "attemptNumber", …}; the docs example calls the type `eventType`,
real deliveries `subscriptionType`: both are read).

  wrong, missing or stale signature (signature.py)   → 401, kept as rejected
  not JSON, not an array, an event without its keys   → 400, kept as rejected, with a JSON message saying what
  authentic, but nothing in it announces a won deal    → 200, kept as ignored with the reason per event
  a deal moved to a won stage                          → 200, stored and queued once (`triggers` reads it later)

Which URI was signed: HubSpot signs the URL it called. We check the URL the request arrived at (scheme and host as
Django sees them, so behind a TLS proxy set SECURE_PROXY_SSL_HEADER / USE_X_FORWARDED_HOST) and, when
HUBSPOT_WEBHOOK_URL is set, that public URL too (with the request's query string when it has none of its own):
a proxy that rewrites host or scheme then still verifies, and either candidate needs the client secret.

Won: `deal.propertyChange` (or generic `object.propertyChange` with objectTypeId 0-3) of `dealstage` to one of
HUBSPOT_WON_STAGES. A `deal.creation` event carries no property values, so it is ignored unless it names the
stage; a deal created directly in a won stage is found by the reconciliation poll (`list_won_deals`).
Dedup: HubSpot retries a batch with the same eventIds (attemptNumber changes, so the body does): the key is a hash
of the portal and the sorted eventIds. Several events about one deal in a batch give one trigger.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass

from django.conf import settings
from django.http import JsonResponse
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST

from crm_sync import webhooks
from crm_sync.connectors.base import MalformedDelivery, Trigger
from handoff_project.integration.redaction import storable

from .adapter import won_stages
from .signature import verification_problem

SYSTEM = "hubspot"
MAX_EVENTS = 100
DEAL_OBJECT_TYPE_ID = "0-3"  # the deal object in generic object.* subscriptions
REQUIRED_KEYS = ("eventId", "objectId", "portalId")
MAX_DEPTH_HINT = "Python's JSON reader allows (about 1,000 levels)"


@dataclass(frozen=True)
class WebhookEvent:
    event_id: str
    subscription_type: str
    object_id: str
    portal_id: str
    object_type_id: str = ""
    property_name: str = ""
    property_value: str = ""

    @property
    def is_about_a_deal(self) -> bool:
        kind = self.subscription_type.partition(".")[0]
        return kind == "deal" or (kind == "object" and self.object_type_id == DEAL_OBJECT_TYPE_ID)

    @property
    def action(self) -> str:
        return self.subscription_type.partition(".")[2]


def _too_large(status: int, message: str) -> JsonResponse:
    return _answer(status, "rejected", message)


@csrf_exempt
@require_POST
@webhooks.refuse_oversized(system=SYSTEM, answer=_too_large)
def receive(request):
    problem = verification_problem(
        secret=settings.HUBSPOT_CLIENT_SECRET,
        method=request.method,
        uris=signed_uri_candidates(request),
        body=request.body,
        timestamp=request.headers.get("X-HubSpot-Request-Timestamp"),
        signature=request.headers.get("X-HubSpot-Signature-v3"),
    )
    if problem:
        webhooks.reject(system=SYSTEM, request=request, reason=problem, status=401)
        return _answer(401, "rejected", f"Not a request signed by HubSpot: {problem}.")
    try:
        events = parse_batch(request.body)
    except MalformedDelivery as exc:
        webhooks.reject(system=SYSTEM, request=request, reason=f"malformed HubSpot webhook batch: {exc}", status=400)
        return _answer(400, "rejected", f"Malformed HubSpot webhook batch: {exc}.")

    found = classify(events, won_stages())
    key = dedup_key(events)
    if not any(trigger.won for trigger in found):
        reason = "; ".join(t.ignored_because for t in found)[:4000]
        webhooks.ignore(system=SYSTEM, request=request, reason=reason, dedup_key=key)
        return _answer(200, "ignored", reason)
    inbound, created = webhooks.accept(system=SYSTEM, request=request, dedup_key=key)
    return _answer(200, "accepted" if created else "duplicate", f"stored as inbound event {inbound.pk}")


def triggers(inbound) -> list[Trigger]:
    return classify(parse_batch(inbound.body.encode("utf-8")), won_stages())


# ---- reading a batch -------------------------------------------------------------------------------------------------


def parse_batch(body: bytes) -> list[WebhookEvent]:
    """The events of a delivery; `MalformedDelivery` says what is wrong with one that is not HubSpot's shape."""
    try:
        data = json.loads(_utf8(body))
    except ValueError as exc:
        raise MalformedDelivery(f"the body is not JSON ({exc})") from None
    except RecursionError:
        raise MalformedDelivery(f"the JSON is nested deeper than {MAX_DEPTH_HINT}; HubSpot sends a flat array") from None
    if not isinstance(data, list):
        raise MalformedDelivery(f"the body is a JSON {type(data).__name__}, HubSpot sends an array of events")
    if not data:
        raise MalformedDelivery("the array holds no events")
    if len(data) > MAX_EVENTS:
        raise MalformedDelivery(f"{len(data)} events in one request; HubSpot sends at most {MAX_EVENTS}")
    try:
        return [_event(position, raw) for position, raw in enumerate(data)]
    except RecursionError:  # str() of a value nested nearly as deep as the reader allows
        raise MalformedDelivery("an event holds values nested too deep to read; HubSpot sends flat values") from None


def _utf8(body: bytes) -> str:
    """HubSpot sends UTF-8; json.loads would also take UTF-16/32 bytes, which the raw store could not give back."""
    try:
        return (body or b"").decode("utf-8")
    except UnicodeDecodeError as exc:
        raise MalformedDelivery(f"the body is not UTF-8 text (byte {exc.start}: {exc.reason})") from None


def _event(position: int, raw) -> WebhookEvent:
    where = f"event {position}"
    if not isinstance(raw, dict):
        raise MalformedDelivery(f"{where} is not a JSON object")
    kind = raw.get("subscriptionType", raw.get("eventType"))
    missing = [key for key in REQUIRED_KEYS if raw.get(key) in (None, "")] + ([] if kind else ["subscriptionType"])
    if missing:
        raise MalformedDelivery(f"{where} lacks {', '.join(missing)}")
    object_id = str(raw["objectId"])
    if not object_id.isdigit():
        raise MalformedDelivery(f"{where}: objectId {object_id[:40]!r} is not a HubSpot record id")
    if not isinstance(kind, str):
        raise MalformedDelivery(f"{where}: subscriptionType is not a text")
    # storable(): JSON may carry "\\u0000" or a lone surrogate, which neither PostgreSQL nor UTF-8 can hold
    return WebhookEvent(
        event_id=storable(str(raw["eventId"])),
        subscription_type=storable(kind),
        object_id=object_id,
        portal_id=storable(str(raw["portalId"])),
        object_type_id=storable(str(raw.get("objectTypeId") or "")),
        property_name=storable(str(raw.get("propertyName") or "")),
        property_value="" if raw.get("propertyValue") is None else storable(str(raw["propertyValue"])),
    )


def dedup_key(events: list[WebhookEvent]) -> str:
    ids = sorted(f"{event.portal_id}:{event.event_id}" for event in events)
    return "hubspot:" + hashlib.sha256("|".join(ids).encode()).hexdigest()


def classify(events: list[WebhookEvent], won: set[str]) -> list[Trigger]:
    """One trigger per deal (won if any of its events moved it to a won stage), one per other event, ignored."""
    deals: dict[str, list[WebhookEvent]] = {}
    others = []
    for event in events:
        if event.is_about_a_deal:
            deals.setdefault(event.object_id, []).append(event)
        else:
            others.append(Trigger("", ignored_because=(
                f"{event.subscription_type} of object {event.object_id}: not a deal event")))
    found = []
    for deal_id, about in deals.items():
        if any(_moves_to_won(event, won) for event in about):
            found.append(Trigger(deal_id, won=True))
        else:
            found.append(Trigger(deal_id, ignored_because="; ".join(_why_not_won(event, won) for event in about)))
    return found + others


def _moves_to_won(event: WebhookEvent, won: set[str]) -> bool:
    return (event.action in ("propertyChange", "creation") and event.property_name == "dealstage"
            and event.property_value in won)  # fmt: skip


def _why_not_won(event: WebhookEvent, won: set[str]) -> str:
    deal = f"deal {event.object_id}"
    if event.action == "creation":
        return f"{deal}: {event.subscription_type} does not say the stage (a deal created won is found by the poll)"
    if event.action != "propertyChange":
        return f"{deal}: {event.subscription_type} is not a stage change"
    if event.property_name != "dealstage":
        return f"{deal}: property {event.property_name or '?'} changed, not dealstage"
    return f"{deal}: dealstage is now {event.property_value!r}, not a won stage ({', '.join(sorted(won))})"


# ---- the request -----------------------------------------------------------------------------------------------------


def signed_uri_candidates(request) -> list[str]:
    """The URIs HubSpot may have signed: the one this request arrived at, and the configured public one."""
    target = request.META.get("RAW_URI") or request.META.get("REQUEST_URI") or request.get_full_path()
    # An absolute-form request target (a proxy's) already is the whole URI.
    if not target.startswith(("http://", "https://")):
        target = f"{request.scheme}://{request.get_host()}{target}"
    candidates = [target]
    configured = (settings.HUBSPOT_WEBHOOK_URL or "").strip()
    if configured:
        query = request.META.get("QUERY_STRING", "")
        if query and "?" not in configured:
            configured = f"{configured}?{query}"
        if configured not in candidates:
            candidates.append(configured)
    return candidates


def _answer(status: int, outcome: str, message: str) -> JsonResponse:
    return JsonResponse({"status": outcome, "message": message}, status=status)
