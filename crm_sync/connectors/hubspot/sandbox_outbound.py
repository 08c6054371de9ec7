"""The sandbox's webhook subscription: what HubSpot does when a subscribed deal property changes.

A deal moved into a won stage gives a `deal.propertyChange` event for `dealstage`, recorded in the
`webhook_deliveries` collection as pending and — once the surrounding transaction commits — POSTed to
HUBSPOT_WEBHOOK_URL from a background thread, so the PATCH that won the deal answers at once, as HubSpot answers
before its webhook queue delivers. Each attempt is a JSON array signed the v3 way (signature.py) with a fresh
X-HubSpot-Request-Timestamp, the v1 header beside it, and `attemptNumber` counting up. Any 2xx counts as delivered;
otherwise it is retried a few times with a short backoff (HubSpot keeps trying 10 times over 24 hours; a few
seconds is enough here). Every attempt is recorded.
"""

from __future__ import annotations

import json
import secrets
import time
import uuid

import httpx
from django.conf import settings

from handoff_project.integration.http import shared_ssl_context
from handoff_project.sandbox import store
from handoff_project.sandbox.deliveries import start_after_commit, wait_for_deliveries  # noqa: F401 (tests wait)

from .sandbox_schema import SYSTEM, now_iso
from .signature import now_ms, v1_signature, v3_signature

COLLECTION = "webhook_deliveries"
PORTAL_ID = 62515  # the portal of HubSpot's own documentation examples
SUBSCRIPTION_ID = 1_240_733  # the sandbox app's one subscription: deal.propertyChange of dealstage
RETRY_DELAYS_S = (1.0, 3.0)  # after the first and the second failed attempt: three tries in all
TIMEOUT_S = 5.0  # HubSpot waits 5 s for an answer
USER_AGENT = "HubSpot Connect 2.0 (http://dev.hubspot.com/) - WebhooksExecutorDaemon (handoff sandbox)"


def queue_stage_change(deal: dict, *, change_source: str = "API") -> dict:
    """Record the webhook for a deal's new dealstage; it is sent after the current transaction commits."""
    event = {
        "eventId": 1_000_000_000 + secrets.randbelow(9_000_000_000),
        "subscriptionId": SUBSCRIPTION_ID,
        "portalId": PORTAL_ID,
        "appId": int(settings.HUBSPOT_APP_ID) if str(settings.HUBSPOT_APP_ID).isdigit() else 0,
        "occurredAt": now_ms(),
        "subscriptionType": "deal.propertyChange",
        "attemptNumber": 0,
        "objectId": int(deal["id"]),
        "propertyName": "dealstage",
        "propertyValue": deal["properties"]["dealstage"],
        "changeSource": change_source,
        "sourceId": "userId:1000001" if change_source == "CRM_UI" else f"{settings.HUBSPOT_APP_ID or 'app'}",
    }
    delivery = {
        "delivery_id": uuid.uuid4().hex,
        "deal_id": deal["id"],
        "url": webhook_url(),
        "events": [event],
        "status": "pending",
        "http_status": None,
        "attempts": [],
        "created_at": now_iso(),
        "delivered_at": None,
    }
    store.put(SYSTEM, COLLECTION, delivery["delivery_id"], delivery)
    start_after_commit(_deliver, delivery["delivery_id"], name=f"hubspot-webhook-{delivery['delivery_id']}")
    return delivery


def webhook_url() -> str:
    return settings.HUBSPOT_WEBHOOK_URL or settings.PUBLIC_BASE_URL.rstrip("/") + "/webhooks/hubspot/"


def signed_request(url: str, events: list[dict], *, secret: str, timestamp: str | None = None) -> tuple[bytes, dict]:
    """The body and headers HubSpot sends for a batch (also what tests use to play HubSpot)."""
    body = json.dumps(events, separators=(",", ":")).encode()
    timestamp = timestamp or str(now_ms())
    headers = {
        "Content-Type": "application/json",
        "User-Agent": USER_AGENT,
        "X-HubSpot-Request-Timestamp": timestamp,
        "X-HubSpot-Signature-v3": v3_signature(secret, "POST", url, body, timestamp),
        "X-HubSpot-Signature-Version": "v1",
        "X-HubSpot-Signature": v1_signature(secret, body),
        "X-HubSpot-Timeout-Millis": str(int(TIMEOUT_S * 1000)),
    }
    return body, headers


def _deliver(delivery_id: str) -> None:
    delivery = store.get(SYSTEM, COLLECTION, delivery_id)
    if delivery is None:
        return
    delays = list(getattr(settings, "HUBSPOT_SANDBOX_WEBHOOK_RETRY_DELAYS", RETRY_DELAYS_S))
    for attempt in range(len(delays) + 1):
        events = [{**event, "attemptNumber": attempt} for event in delivery["events"]]
        result = _post(delivery["url"], events)
        delivery["attempts"].append({"attempt": attempt, "at": now_iso(), **result})
        delivery["http_status"] = result["http_status"]
        if result["delivered"]:
            delivery.update(status="delivered", delivered_at=now_iso())
        else:
            delivery["status"] = "failed" if attempt == len(delays) else "retrying"
        store.put(SYSTEM, COLLECTION, delivery_id, delivery)
        if delivery["status"] != "retrying":
            return
        time.sleep(delays[attempt])


def _post(url: str, events: list[dict]) -> dict:
    body, headers = signed_request(url, events, secret=settings.HUBSPOT_CLIENT_SECRET)
    try:
        response = httpx.post(url, content=body, headers=headers, timeout=TIMEOUT_S, verify=shared_ssl_context())
    except httpx.HTTPError as exc:
        return {"http_status": None, "delivered": False, "error": f"{type(exc).__name__}: {exc}"}
    delivered = 200 <= response.status_code < 300
    return {"http_status": response.status_code, "delivered": delivered,
            "error": "" if delivered else response.text[:200]}  # fmt: skip
