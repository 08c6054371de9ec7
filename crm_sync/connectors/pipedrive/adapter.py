"""Pipedrive as a CRM: fetch a won deal as a canonical Deal, write the ERP order number back, flag failures, list won
deals for the reconciliation poll.

Implements `crm_sync.connectors.base.CRMAdapter` over API v2 (GET /api/v2/deals/{id}, its /products, the products
they point at, the organization and the person). HTTP goes through `client.PipedriveClient`, mapping through
`mappers`. Every call runs inside `event_context(crm_record_id=…)` so its HTTP events are filed under the deal.

Writeback: PATCH /api/v2/deals/{id} with the two custom fields PIPEDRIVE_ORDER_NUMBER_FIELD (the order number) and
PIPEDRIVE_SYNC_STATUS_FIELD ("Created"), both Text fields the Pipedrive admin creates. A failure is flagged as sync
status "Failed" and its reason is written as a note on the deal (POST /api/v1/notes — notes have no v2 endpoint):
a Text field would cut a long reason, and a note keeps every failure in the deal's history where the rep sees it.
"""

from __future__ import annotations

import datetime as dt
from html import escape

from django.conf import settings

from handoff_project.integration.canonical import Deal
from handoff_project.integration.errors import ConfigurationError, NotFoundError, PermanentError
from handoff_project.integration.events import event_context

from ..base import WonDeal
from .client import SYSTEM, PipedriveClient
from .mappers import deal_from_pipedrive, won_deal_from_pipedrive

PRODUCT_IDS_PER_CALL = 100  # GET /api/v2/products?ids= takes up to 100


class PipedriveAdapter:
    system = SYSTEM

    def __init__(self, client_factory=PipedriveClient):
        self._client_factory = client_factory

    def fetch_deal(self, crm_id: str) -> Deal:
        deal_id = _checked_id(crm_id)
        with event_context(crm_record_id=str(deal_id)), self._client_factory() as pipedrive:
            deal = pipedrive.get(f"/api/v2/deals/{deal_id}")
            if deal.get("is_deleted"):
                raise NotFoundError(f"Pipedrive deal {deal_id} is deleted; restore it in Pipedrive, then re-queue.",
                                    system=SYSTEM, vendor_code="deleted")
            if not deal.get("org_id"):
                raise PermanentError(
                    f"Pipedrive deal {deal_id} ({deal.get('title')}) has no organization. Link the customer's "
                    "organization to the deal in Pipedrive, then re-queue the handoff.",
                    system=SYSTEM,
                )
            deal_products = list(pipedrive.pages(f"/api/v2/deals/{deal_id}/products", {"sort_by": "order_nr"}))
            products = self._products(pipedrive, {p["product_id"] for p in deal_products if p.get("product_id")})
            organization = pipedrive.get(f"/api/v2/organizations/{deal['org_id']}")
            person = pipedrive.get(f"/api/v2/persons/{deal['person_id']}") if deal.get("person_id") else None
        return deal_from_pipedrive(
            deal,
            deal_products,
            products,
            organization,
            person,
            default_currency=getattr(settings, "PIPEDRIVE_DEFAULT_CURRENCY", "USD"),
            payment_terms_field=settings.PIPEDRIVE_PAYMENT_TERMS_FIELD,
            business_unit_field=settings.PIPEDRIVE_BUSINESS_UNIT_FIELD,
            vat_number_field=settings.PIPEDRIVE_VAT_NUMBER_FIELD,
        )

    def _products(self, pipedrive: PipedriveClient, ids: set[int]) -> dict:
        ordered = sorted(ids)
        found = {}
        for start in range(0, len(ordered), PRODUCT_IDS_PER_CALL):
            chunk = ",".join(str(i) for i in ordered[start : start + PRODUCT_IDS_PER_CALL])
            for product in pipedrive.pages("/api/v2/products", {"ids": chunk}):
                found[product["id"]] = product
        return found

    def write_order_number(self, crm_id: str, order_number: str) -> None:
        deal_id = _checked_id(crm_id)
        fields = {_required_field("PIPEDRIVE_ORDER_NUMBER_FIELD"): order_number,
                  _required_field("PIPEDRIVE_SYNC_STATUS_FIELD"): "Created"}  # fmt: skip
        with event_context(crm_record_id=str(deal_id), erp_order_number=order_number[:64]), self._client_factory() as pd:
            pd.patch(f"/api/v2/deals/{deal_id}", {"custom_fields": fields})

    def flag_deal(self, crm_id: str, message: str) -> None:
        """Sync status "Failed", and the reason as a note on the deal; raises the kernel's errors like every call."""
        deal_id = _checked_id(crm_id)
        with event_context(crm_record_id=str(deal_id)), self._client_factory() as pipedrive:
            pipedrive.patch(f"/api/v2/deals/{deal_id}",
                            {"custom_fields": {_required_field("PIPEDRIVE_SYNC_STATUS_FIELD"): "Failed"}})
            pipedrive.post("/api/v1/notes", {"deal_id": deal_id, "content": failure_note(message)})

    def list_won_deals(self, *, since: dt.datetime | None, limit: int = 200) -> list[WonDeal]:
        """Won deals changed at or after `since`, oldest change first. "At": Pipedrive's `updated_since` includes
        the moment itself, so a deal changed in the cursor's own second is not missed (handoffs are idempotent)."""
        params = {"status": "won", "sort_by": "update_time", "sort_direction": "asc"}
        if since is not None:
            params["updated_since"] = rfc3339(since)
        with self._client_factory() as pipedrive:
            return [won_deal_from_pipedrive(d) for d in pipedrive.pages("/api/v2/deals", params, limit=limit)]


def failure_note(message: str) -> str:
    """Note content is HTML in Pipedrive: the reason is escaped so it shows as written."""
    return f"<b>ERP handoff failed</b><br>{escape(message or 'no reason given')}"


def rfc3339(moment: dt.datetime) -> str:
    moment = moment if moment.tzinfo else moment.replace(tzinfo=dt.timezone.utc)
    return moment.astimezone(dt.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


def _required_field(setting: str) -> str:
    key = getattr(settings, setting, "")
    if not key:
        raise ConfigurationError(
            f"{setting} is not set: create the Text field on Pipedrive deals and put its 40-character key "
            "(Company settings › Data fields › Deal) into the setting.",
            system=SYSTEM,
        )
    return key


def _checked_id(crm_id) -> int:
    text = str(crm_id).strip()
    if not (text.isascii() and text.isdigit()) or int(text) <= 0:
        raise NotFoundError(f"{crm_id!r} is not a Pipedrive deal id (a positive whole number); check the webhook payload",
                            system=SYSTEM)
    return int(text)
