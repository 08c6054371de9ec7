"""The sandbox's outbound messaging: what a workflow rule on "Stage = Closed Won" does in a real org.

When an Opportunity is won, an Outbound Message is built, recorded in the `outbound_messages` collection as
pending, and — once the surrounding transaction commits — POSTed from a background thread, so the PATCH that won the
deal answers at once, as Salesforce answers before its queue delivers. A delivery counts only when the listener
answers 200 with <Ack>true</Ack>; otherwise it is retried a few times with a short backoff (Salesforce keeps trying
for 24 hours; a few seconds is enough here). Every attempt is recorded.
"""

from __future__ import annotations

import time

import httpx
from django.conf import settings

from handoff_project.integration.http import shared_ssl_context
from handoff_project.sandbox import store
from handoff_project.sandbox.deliveries import start_after_commit, wait_for_deliveries  # noqa: F401 (tests wait)

from .ids import to_18
from .outbound import build_outbound_message, is_ack, parse_outbound_message
from .sandbox_schema import SYSTEM, now_timestamp

COLLECTION = "outbound_messages"
# The sandbox's one outbound message definition ("Send won opportunity to the ERP handoff").
ACTION_ID = to_18("04k5g0000000Hnd")
MESSAGE_FIELDS = ["Id", "Name", "AccountId", "StageName", "Amount", "CloseDate", "IsWon", "LastModifiedDate"]
RETRY_DELAYS_S = (1.0, 3.0)  # after the first and the second failed attempt: three tries in all
TIMEOUT_S = 5.0



def queue_opportunity_won(opportunity: dict, *, url: str, base_url: str) -> dict:
    """Record an Outbound Message for a won opportunity; it is sent after the current transaction commits."""
    org_id = settings.SALESFORCE_ORGANIZATION_ID or "00D5g0000000Sbx"
    api = settings.SALESFORCE_API_VERSION.lstrip("v")
    body = build_outbound_message(
        org_id,
        ACTION_ID,
        "Opportunity",
        [{name: opportunity.get(name) for name in MESSAGE_FIELDS}],
        enterprise_url=f"{base_url}/services/Soap/c/{api}/{org_id[:15]}",
        partner_url=f"{base_url}/services/Soap/u/{api}/{org_id[:15]}",
    )
    notification_id = parse_outbound_message(body).notifications[0].notification_id
    message = {
        "notification_id": notification_id,
        "action_id": ACTION_ID,
        "organization_id": org_id,
        "sobject": "Opportunity",
        "record_id": opportunity["Id"],
        "url": url,
        "status": "pending",
        "http_status": None,
        "acked": False,
        "attempts": [],
        "created_at": now_timestamp(),
        "delivered_at": None,
        "body": body.decode("utf-8"),
    }
    store.put(SYSTEM, COLLECTION, notification_id, message)
    start_after_commit(_deliver, notification_id, name=f"sf-outbound-{notification_id}")
    return message


def _deliver(notification_id: str) -> None:
    message = store.get(SYSTEM, COLLECTION, notification_id)
    if message is None:
        return
    delays = list(getattr(settings, "SALESFORCE_SANDBOX_OUTBOUND_RETRY_DELAYS", RETRY_DELAYS_S))
    for attempt in range(1, len(delays) + 2):
        result = _post(message["url"], message["body"].encode("utf-8"))
        message["attempts"].append({"attempt": attempt, "at": now_timestamp(), **result})
        message["http_status"] = result["http_status"]
        message["acked"] = result["acked"]
        if result["acked"]:
            message["status"] = "delivered"
            message["delivered_at"] = now_timestamp()
        elif attempt > len(delays):
            message["status"] = "failed"
        else:
            message["status"] = "retrying"
        store.put(SYSTEM, COLLECTION, notification_id, message)
        if message["status"] != "retrying":
            break
        time.sleep(delays[attempt - 1])


def _post(url: str, body: bytes) -> dict:
    try:
        response = httpx.post(
            url,
            content=body,
            headers={"Content-Type": "text/xml; charset=utf-8", "SOAPAction": '""'},
            timeout=TIMEOUT_S,
            verify=shared_ssl_context(),
        )
    except httpx.HTTPError as exc:
        return {"http_status": None, "acked": False, "error": f"{type(exc).__name__}: {exc}"}
    acked = response.status_code == 200 and is_ack(response.content)
    error = "" if acked else f"no Ack=true in the answer: {response.text[:200]}"
    return {"http_status": response.status_code, "acked": acked, "error": error}
