"""The Pipedrive sandbox's records: create, read, update, delete, with the fields Pipedrive derives.

Plain Python, used by the API views and by `seed_demo` (no HTTP needed). Records live in the database through
`handoff_project.sandbox.store`, one collection per entity, keyed by their integer id (as text), each holding the
fields API v2 returns. Ids come from a per-collection counter row locked in the creating transaction, so concurrent
creates never share an id; deal updates lock the deal's row, so two concurrent PATCHes cannot both see the change to
won and send two webhooks.

Derived as Pipedrive derives them: a deal's won_time / lost_time / close_time from its status; stage_change_time;
update_time; a deal product's name (from its product), currency (the deal's) and sum (quantity × item price less the
discount: a percentage of the line, or an amount off it); the deal's value as the sum of its enabled products once it
has any; a person's first_name / last_name from the name. A deal reaching status "won" queues a webhooks v2 delivery,
sent after the transaction commits (sandbox_webhooks).
"""

from __future__ import annotations

from decimal import Decimal

from django.db import transaction

from handoff_project.sandbox import store
from handoff_project.sandbox.models import SandboxRecord

from . import sandbox_webhooks
from .sandbox_schema import (
    DEAL,
    DEAL_PRODUCT,
    NOTE,
    PERSON,
    SPECS,
    SYSTEM,
    EntitySpec,
    SandboxApiError,
    checked_fields,
    json_number,
    not_found,
    now_timestamp,
    v1_timestamp,
)

OWNER_ID = 13293848  # the sandbox's one user, who owns everything
DEFAULTS = {
    "deal": {"owner_id": OWNER_ID, "person_id": None, "org_id": None, "pipeline_id": 1, "stage_id": 1, "value": 0,
             "currency": "USD", "status": "open", "probability": None, "lost_reason": None, "visible_to": 3,
             "expected_close_date": None, "label_ids": [], "is_deleted": False, "is_archived": False,
             "close_time": None, "won_time": None, "lost_time": None, "stage_change_time": None, "origin": "API",
             "origin_id": None, "channel": None, "channel_id": None, "custom_fields": {}},
    "deal product": {"discount": 0, "discount_type": "percentage", "tax": 0, "tax_method": "none", "comments": None,
                     "is_enabled": True, "product_variation_id": None, "billing_frequency": "one-time",
                     "billing_frequency_cycles": None, "billing_start_date": None},
    "product": {"code": None, "unit": None, "tax": 0, "description": None, "is_linkable": True, "is_deleted": False,
                "visible_to": 3, "owner_id": OWNER_ID, "prices": [], "custom_fields": {},
                "billing_frequency": "one-time", "billing_frequency_cycles": None},
    "organization": {"owner_id": OWNER_ID, "address": None, "visible_to": 3, "label_ids": [], "is_deleted": False,
                     "custom_fields": {}},
    "person": {"owner_id": OWNER_ID, "org_id": None, "emails": [], "phones": [], "visible_to": 3, "label_ids": [],
               "is_deleted": False, "custom_fields": {}},
    "note": {"deal_id": None, "person_id": None, "org_id": None, "user_id": OWNER_ID, "active_flag": True,
             "pinned_to_deal_flag": False},
}  # fmt: skip


def create(entity: str, body, *, parent: dict | None = None) -> dict:
    """Create a record as POST /api/v2/<entity>s does (a deal product under its `parent` deal)."""
    spec = SPECS[entity]
    values = checked_fields(spec, body, creating=True)
    with transaction.atomic():
        _check_references(spec, values)
        record = {"id": _next_id(spec), **DEFAULTS[entity]}
        record.update({k: v for k, v in values.items() if k != "custom_fields"})
        record["custom_fields"] = {**{k: None for k in spec.custom_fields or {}}, **(values.get("custom_fields") or {})}
        if spec.custom_fields is None:
            del record["custom_fields"]
        record["add_time"] = record["update_time"] = now_timestamp()
        if parent is not None:
            record["deal_id"] = parent["id"]
        _derive(spec, None, record)
        store.put(SYSTEM, spec.collection, str(record["id"]), record)
        if spec is DEAL_PRODUCT:
            _roll_up_value(record["deal_id"])
    return record


def update(entity: str, record_id, body, *, webhook_url: str | None = None, host: str = "") -> dict:
    """Update a record as PATCH /api/v2/<entity>s/{id} does; returns it as stored afterwards."""
    spec = SPECS[entity]
    values = checked_fields(spec, body, creating=False)
    with transaction.atomic():
        row = _locked_row(spec, record_id)
        _check_references(spec, values)
        before = row.data
        record = {**before, **{k: v for k, v in values.items() if k != "custom_fields"}}
        if "custom_fields" in values:
            record["custom_fields"] = {**before.get("custom_fields", {}), **(values["custom_fields"] or {})}
        record["update_time"] = now_timestamp()
        _derive(spec, before, record)
        row.data = record
        row.save(update_fields=["data", "updated_at"])
        if spec is DEAL and record["status"] == "won" and before["status"] != "won":
            sandbox_webhooks.queue_deal_won(before, record, url=webhook_url, host=host)
        if spec is DEAL_PRODUCT:
            _roll_up_value(record["deal_id"])
    return record


def delete(entity: str, record_id) -> dict:
    """DELETE marks a deal, organization, person or product deleted (Pipedrive purges after 30 days); a deal
    product or note is removed at once."""
    spec = SPECS[entity]
    with transaction.atomic():
        row = _locked_row(spec, record_id)
        if "is_deleted" in row.data:
            row.data = {**row.data, "is_deleted": True, "update_time": now_timestamp()}
            row.save(update_fields=["data", "updated_at"])
        else:
            row.delete()
            if spec is DEAL_PRODUCT:
                _roll_up_value(row.data["deal_id"])
    return {"id": int(record_id)}


def get(entity: str, record_id) -> dict:
    spec = SPECS[entity]
    record = store.get(SYSTEM, spec.collection, str(record_id)) if _is_id(str(record_id)) else None
    if record is None:
        raise not_found(spec.name)
    return record


def records_of(entity: str) -> list[dict]:
    return store.all_of(SYSTEM, SPECS[entity].collection)


def find(entity: str, **match) -> dict | None:
    """The first record whose fields equal `match` (seed_demo's "does it exist yet")."""
    return next((r for r in records_of(entity) if all(r.get(k) == v for k, v in match.items())), None)


def deal_products_of(deal_id: int) -> list[dict]:
    return sorted((p for p in records_of("deal product") if p["deal_id"] == deal_id), key=lambda p: p["order_nr"])


# ---- internals --------------------------------------------------------------------------------------------------


def _derive(spec: EntitySpec, before: dict | None, record: dict) -> None:
    if spec is DEAL:
        _derive_deal(before, record)
    elif spec is DEAL_PRODUCT:
        deal = get("deal", record["deal_id"])
        product = get("product", record["product_id"])
        record["name"] = product["name"]
        record["currency"] = deal["currency"]
        record["sum"] = json_number(line_sum(record))
        if before is None:
            record["order_nr"] = len(deal_products_of(deal["id"])) + 1
    elif spec is PERSON:
        first, _, last = (record.get("name") or "").strip().partition(" ")
        record["first_name"], record["last_name"] = first, last.strip()
    elif spec is NOTE:
        record["add_time"], record["update_time"] = v1_timestamp(record["add_time"]), v1_timestamp(record["update_time"])


def _derive_deal(before: dict | None, record: dict) -> None:
    now = record["update_time"]
    if before is None or before["status"] != record["status"]:
        status = record["status"]
        record["won_time"] = now if status == "won" else None
        record["lost_time"] = now if status == "lost" else None
        record["close_time"] = now if status in ("won", "lost") else None
    if before is not None and before.get("stage_id") != record.get("stage_id"):
        record["stage_change_time"] = now


def line_sum(item: dict) -> Decimal:
    gross = Decimal(str(item["quantity"])) * Decimal(str(item["item_price"]))
    discount = Decimal(str(item.get("discount") or 0))
    net = gross - discount if item.get("discount_type") == "amount" else gross * (100 - discount) / 100
    return net.quantize(Decimal("0.01"))


def _roll_up_value(deal_id: int) -> None:
    """A deal with products is worth the sum of its enabled products (Pipedrive keeps the value in step)."""
    row = _locked_row(DEAL, deal_id)
    products = [p for p in deal_products_of(deal_id) if p.get("is_enabled", True)]
    total = sum((Decimal(str(p["sum"])) for p in products), Decimal("0"))
    row.data = {**row.data, "value": json_number(total), "update_time": now_timestamp()}
    row.save(update_fields=["data", "updated_at"])


def _check_references(spec: EntitySpec, values: dict) -> None:
    for name, entity in (spec.references or {}).items():
        if values.get(name) is not None:
            try:
                get(entity, values[name])
            except SandboxApiError:
                raise SandboxApiError(400, f"{entity.capitalize()} with id {values[name]} does not exist") from None


def _locked_row(spec: EntitySpec, record_id) -> SandboxRecord:
    row = (SandboxRecord.objects.select_for_update()
           .filter(system=SYSTEM, collection=spec.collection, key=str(record_id)).first())  # fmt: skip
    if row is None:
        raise not_found(spec.name)
    return row


def _is_id(text: str) -> bool:
    return text.isascii() and text.isdigit()


def _next_id(spec: EntitySpec) -> int:
    return store.next_number(SYSTEM, spec.collection, 1)
