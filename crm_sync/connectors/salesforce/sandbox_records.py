"""The Salesforce sandbox's records: create, read, update, delete, with the fields Salesforce derives.

Plain Python, used by the REST views and by `seed_demo` (no HTTP needed). Records live in the database through
`handoff_project.sandbox.store`, one collection per sObject, keyed by the 18-character id, each holding every
declared field (null when empty, as the REST API returns them). Updates lock the row, so two concurrent PATCHes
cannot both see the stage change and send two Outbound Messages.

Derived as Salesforce derives them: Contact.Name; Opportunity.IsWon / IsClosed from StageName, and Amount as the sum
of its lines once it has any; OpportunityLineItem.Name / ProductCode from its Product2 and TotalPrice; one primary
contact role per opportunity; CreatedDate / LastModifiedDate / SystemModstamp. An Opportunity reaching
'Closed Won' queues an Outbound Message, sent after the transaction commits (see sandbox_outbound).
"""

from __future__ import annotations

from decimal import Decimal

from django.conf import settings
from django.db import transaction

from handoff_project.sandbox import store
from handoff_project.sandbox.models import SandboxRecord

from . import sandbox_outbound
from .ids import is_record_id, new_id, to_18
from .sandbox_schema import (
    CLOSED_LOST,
    CLOSED_WON,
    OBJECTS,
    SYSTEM,
    ObjectSpec,
    SandboxApiError,
    clean_fields,
    not_found,
    now_timestamp,
    object_spec,
)


def create_record(sobject: str, fields: dict, *, outbound_url: str | None = None, base_url: str | None = None) -> dict:
    """Create a record as POST /sobjects/<sobject>/ does; returns it with its new Id. Raises `SandboxApiError`."""
    spec = object_spec(sobject)
    values = clean_fields(spec, fields, creating=True)
    with transaction.atomic():
        _check_references(spec, values)
        record = {name: None for name in spec.fields}
        record.update(values)
        record["Id"] = _unused_id(spec)
        record["CreatedDate"] = record["LastModifiedDate"] = record["SystemModstamp"] = now_timestamp()
        _derive(spec, record)
        store.put(SYSTEM, spec.collection, record["Id"], record)
        _after_write(spec, None, record, outbound_url=outbound_url, base_url=base_url)
    return record


def update_record(
    sobject: str, record_id: str, fields: dict, *, outbound_url: str | None = None, base_url: str | None = None
) -> dict:
    """Update a record as PATCH /sobjects/<sobject>/<id> does; returns the record as stored afterwards."""
    spec = object_spec(sobject)
    values = clean_fields(spec, fields, creating=False)
    with transaction.atomic():
        row = _locked_row(spec, record_id)
        _check_references(spec, values)
        before = dict(row.data)
        record = {**before, **values}
        _check_required_not_cleared(spec, record)
        record["LastModifiedDate"] = record["SystemModstamp"] = now_timestamp()
        _derive(spec, record)
        row.data = record
        row.save(update_fields=["data", "updated_at"])
        _after_write(spec, before, record, outbound_url=outbound_url, base_url=base_url)
    return record


def delete_record(sobject: str, record_id: str) -> None:
    """Delete a record; an Opportunity takes its line items and contact roles with it, as in Salesforce."""
    spec = object_spec(sobject)
    with transaction.atomic():
        row = _locked_row(spec, record_id)
        record = row.data
        row.delete()
        if spec.name == "Opportunity":
            for child in ("OpportunityLineItem", "OpportunityContactRole"):
                for line in records_where(child, OpportunityId=record["Id"]):
                    _rows(OBJECTS[child]).filter(key=line["Id"]).delete()
        if spec.name == "OpportunityLineItem":
            _roll_up_amount(record["OpportunityId"])


def get_record(sobject: str, record_id: str) -> dict:
    spec = object_spec(sobject)
    record = store.get(SYSTEM, spec.collection, _full_id(spec, record_id)) if is_record_id(record_id) else None
    if record is None:
        raise not_found()
    return record


def records_of(sobject: str) -> list[dict]:
    return store.all_of(SYSTEM, object_spec(sobject).collection)


def records_where(sobject: str, **equals) -> list[dict]:
    return [r for r in records_of(sobject) if all(r.get(k) == v for k, v in equals.items())]


def find_any(record_id: str) -> dict | None:
    """A record of any object by id (its key prefix names the object)."""
    spec = next((s for s in OBJECTS.values() if record_id.startswith(s.prefix)), None)
    if spec is None or not is_record_id(record_id):
        return None
    return store.get(SYSTEM, spec.collection, to_18(record_id))


def default_outbound_url() -> str:
    return settings.SALESFORCE_OUTBOUND_URL or settings.PUBLIC_BASE_URL.rstrip("/") + "/webhooks/salesforce/"


# ---- internals -----------------------------------------------------------------------------------------------------------


def _rows(spec: ObjectSpec):
    return SandboxRecord.objects.filter(system=SYSTEM, collection=spec.collection)


def _full_id(spec: ObjectSpec, record_id: str) -> str:
    return to_18(record_id) if is_record_id(record_id) and record_id.startswith(spec.prefix) else ""


def _locked_row(spec: ObjectSpec, record_id: str) -> SandboxRecord:
    key = _full_id(spec, record_id)
    row = _rows(spec).select_for_update().filter(key=key).first() if key else None
    if row is None:
        raise not_found()
    return row


def _unused_id(spec: ObjectSpec) -> str:
    while True:
        candidate = new_id(spec.prefix)
        if not _rows(spec).filter(key=candidate).exists():
            return candidate


def _check_references(spec: ObjectSpec, values: dict) -> None:
    for name, value in values.items():
        kind = spec.fields[name]
        if value and kind.startswith("ref:") and store.get(SYSTEM, OBJECTS[kind[4:]].collection, value) is None:
            raise SandboxApiError(
                400, "INVALID_CROSS_REFERENCE_KEY", f"invalid cross reference id: {name} = {value}", [name]
            )


def _check_required_not_cleared(spec: ObjectSpec, record: dict) -> None:
    missing = [f for f in spec.required if record.get(f) in (None, "")]
    if missing:
        raise SandboxApiError(
            400, "REQUIRED_FIELD_MISSING", f"Required fields are missing: [{', '.join(missing)}]", missing
        )


def _derive(spec: ObjectSpec, record: dict) -> None:
    if spec.name == "Contact":
        record["Name"] = " ".join(p for p in [record.get("FirstName"), record.get("LastName")] if p)
    elif spec.name == "Opportunity":
        record["IsWon"] = record.get("StageName") == CLOSED_WON
        record["IsClosed"] = record.get("StageName") in (CLOSED_WON, CLOSED_LOST)
    elif spec.name == "OpportunityLineItem":
        product = store.get(SYSTEM, "products", record["Product2Id"]) if record.get("Product2Id") else None
        record["Name"] = product["Name"] if product else record.get("Name")
        record["ProductCode"] = product.get("ProductCode") if product else record.get("ProductCode")
        record["TotalPrice"] = _total_price(record)


def _total_price(line: dict) -> float:
    quantity = Decimal(str(line.get("Quantity") or 0))
    unit_price = Decimal(str(line.get("UnitPrice") or 0))
    discount = Decimal(str(line.get("Discount") or 0))
    total = quantity * unit_price * (Decimal(100) - discount) / Decimal(100)
    return float(total.quantize(Decimal("0.01")))


def _after_write(spec: ObjectSpec, before: dict | None, record: dict, *, outbound_url, base_url) -> None:
    if spec.name == "OpportunityLineItem":
        _roll_up_amount(record["OpportunityId"])
        if before and before.get("OpportunityId") != record["OpportunityId"]:
            _roll_up_amount(before["OpportunityId"])
    elif spec.name == "OpportunityContactRole" and record.get("IsPrimary"):
        _demote_other_primary_roles(record)
    elif spec.name == "Opportunity":
        was_won = bool(before) and before.get("StageName") == CLOSED_WON
        if record.get("StageName") == CLOSED_WON and not was_won:
            sandbox_outbound.queue_opportunity_won(
                record, url=outbound_url or default_outbound_url(), base_url=base_url or _default_base_url()
            )


def _roll_up_amount(opportunity_id: str) -> None:
    """Opportunity.Amount is the sum of its lines' TotalPrice once it has lines (read-only in Salesforce then)."""
    row = _rows(OBJECTS["Opportunity"]).select_for_update().filter(key=opportunity_id).first()
    if row is None:
        return
    lines = records_where("OpportunityLineItem", OpportunityId=opportunity_id)
    if not lines:
        return
    total = sum((Decimal(str(line.get("TotalPrice") or 0)) for line in lines), Decimal("0"))
    row.data = {**row.data, "Amount": float(total), "SystemModstamp": now_timestamp()}
    row.save(update_fields=["data", "updated_at"])


def _demote_other_primary_roles(role: dict) -> None:
    spec = OBJECTS["OpportunityContactRole"]
    for other in records_where("OpportunityContactRole", OpportunityId=role["OpportunityId"], IsPrimary=True):
        if other["Id"] != role["Id"]:
            store.put(SYSTEM, spec.collection, other["Id"], {**other, "IsPrimary": False})


def _default_base_url() -> str:
    return settings.PUBLIC_BASE_URL.rstrip("/") + "/sandbox/salesforce"
