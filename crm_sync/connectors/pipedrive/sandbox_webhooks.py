"""The sandbox's webhook subscription: what a Pipedrive webhook v2 on change.deal sends when a deal is won.

When a deal's status becomes "won", a delivery is built in the webhooks v2 format (Guide for Webhooks v2 › Webhook
format: meta / data / previous), recorded in the `webhook_deliveries` collection as pending, and — once the
surrounding transaction commits — POSTed from a background thread with the webhook's HTTP Basic credentials
(PIPEDRIVE_WEBHOOK_USER / PIPEDRIVE_WEBHOOK_PASSWORD, as `http_auth_user` / `http_auth_password` of the subscription),
so the PATCH that won the deal answers at once. Any 2xx counts as delivered; otherwise it is retried, as Pipedrive
retries (after 3, 30 and 150 s; a few short delays here), each retry carrying the same `meta.id` and the next
`meta.attempt`. Every attempt is recorded; the password never is.

Only the change to won is delivered (the sandbox's subscription stands for "deal won"); other changes send nothing.
`data` is the deal's standard fields and `previous` the values of those that changed; custom fields are left out
(the receiver reads the status only).
"""

from __future__ import annotations

import json
import time
import uuid

import httpx
from django.conf import settings

from handoff_project.integration.http import shared_ssl_context
from handoff_project.sandbox import store
from handoff_project.sandbox.deliveries import start_after_commit, wait_for_deliveries  # noqa: F401 (tests wait)

from .sandbox_schema import SYSTEM, now_timestamp

COLLECTION = "webhook_deliveries"
COMPANY_ID = 7654321
WEBHOOK_ID = 884
RETRY_DELAYS_S = (1.0, 3.0)  # after the first and the second failed attempt: three tries in all
TIMEOUT_S = 10.0  # Pipedrive waits 10 seconds for an answer


def queue_deal_won(before: dict, deal: dict, *, url: str | None = None, host: str = "") -> dict:
    """Record a change.deal delivery for a deal just won; it is sent after the current transaction commits."""
    data = {k: v for k, v in deal.items() if k != "custom_fields"}
    previous = {k: before.get(k) for k in data if before.get(k) != data[k]}
    event_id = str(uuid.uuid4())
    meta = {
        "action": "change",
        "entity": "deal",
        "company_id": str(COMPANY_ID),
        "correlation_id": str(uuid.uuid4()),
        "entity_id": str(deal["id"]),
        "id": event_id,
        "is_bulk_edit": False,
        "timestamp": deal["update_time"],
        "type": "general",
        "user_id": str(deal["owner_id"]),
        "version": "2.0",
        "webhook_id": str(WEBHOOK_ID),
        "webhook_owner_id": str(deal["owner_id"]),
        "change_source": "api",
        "attempt": 1,
        "host": host or "sandbox.pipedrive.com",
        "permitted_user_ids": [str(deal["owner_id"])],
    }
    delivery = {
        "event_id": event_id,
        "deal_id": deal["id"],
        "url": url or settings.PIPEDRIVE_WEBHOOK_URL or settings.PUBLIC_BASE_URL.rstrip("/") + "/webhooks/pipedrive/",
        "status": "pending",
        "http_status": None,
        "attempts": [],
        "created_at": now_timestamp(),
        "delivered_at": None,
        "payload": {"meta": meta, "data": data, "previous": previous},
    }
    store.put(SYSTEM, COLLECTION, event_id, delivery)
    start_after_commit(_deliver, event_id, name=f"pd-webhook-{event_id}")
    return delivery


def _deliver(event_id: str) -> None:
    delivery = store.get(SYSTEM, COLLECTION, event_id)
    delays = list(getattr(settings, "PIPEDRIVE_SANDBOX_WEBHOOK_RETRY_DELAYS", RETRY_DELAYS_S))
    for attempt in range(1, len(delays) + 2):
        delivery["payload"]["meta"]["attempt"] = attempt
        result = _post(delivery["url"], json.dumps(delivery["payload"]).encode())
        delivery["attempts"].append({"attempt": attempt, "at": now_timestamp(), **result})
        delivery["http_status"] = result["http_status"]
        if result["delivered"]:
            delivery["status"], delivery["delivered_at"] = "delivered", now_timestamp()
        else:
            delivery["status"] = "failed" if attempt > len(delays) else "retrying"
        store.put(SYSTEM, COLLECTION, event_id, delivery)
        if delivery["status"] != "retrying":
            return
        time.sleep(delays[attempt - 1])


def _post(url: str, body: bytes) -> dict:
    try:
        response = httpx.post(
            url,
            content=body,
            headers={"Content-Type": "application/json", "User-Agent": "Pipedrive-Webhooks"},
            auth=(settings.PIPEDRIVE_WEBHOOK_USER, settings.PIPEDRIVE_WEBHOOK_PASSWORD),
            timeout=TIMEOUT_S,
            verify=shared_ssl_context(),
        )
    except httpx.HTTPError as exc:
        return {"http_status": None, "delivered": False, "error": f"{type(exc).__name__}: {exc}"}
    delivered = 200 <= response.status_code < 300
    return {"http_status": response.status_code, "delivered": delivered,
            "error": "" if delivered else f"HTTP {response.status_code}: {response.text[:200]}"}  # fmt: skip
