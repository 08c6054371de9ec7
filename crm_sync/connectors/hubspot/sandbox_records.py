"""The HubSpot sandbox's records and associations: create, read, update, archive, with what HubSpot derives.

Plain Python, used by the API views, the "Mark won" page and `seed_demo`. Each record is stored as the v3 API shows
it — {"id", "properties", "createdAt", "updatedAt", "archived"} — in one collection per object type, keyed by its
numeric id (from a database sequence, so ids grow as records are created). Associations are one row per direction
in the `associations` collection ("deals:12:companies:34" → its type ids). Updates lock the row, so two concurrent
PATCHes cannot both see the stage change and send two webhooks.

Derived as HubSpot derives them: hs_object_id, createdate, hs_lastmodifieddate (and a contact's lastmodifieddate);
a line item created from a product copies its name, price and SKU, and its amount is quantity × price less the
discount; a deal with line items has the sum of their amounts as amount; hs_is_closed / hs_is_closed_won follow
dealstage. A deal moved into a won stage queues a signed webhook, sent after the transaction commits.
"""

from __future__ import annotations

import uuid
from decimal import Decimal

from django.db import transaction

from handoff_project.sandbox import store
from handoff_project.sandbox.models import SandboxRecord

from . import sandbox_outbound
from .sandbox_schema import (
    ASSOCIATION_TYPES,
    CLOSED_LOST,
    INVERSE,
    SYSTEM,
    ObjectSpec,
    SandboxApiError,
    clean_properties,
    default_type,
    not_found,
    now_iso,
    object_spec,
    primary_type,
    won_stages,
)

ASSOCIATIONS = "associations"
ID_SEQUENCE = "id_sequence"
FIRST_ID = 10_000_000_000


def create_record(object_type: str, properties: dict, *, associations: list[dict] | None = None,
                  change_source: str = "API") -> dict:
    """POST /crm/v3/objects/<type>: the new record with its id. Raises `SandboxApiError` as HubSpot would."""
    spec = object_spec(object_type)
    values = clean_properties(spec, properties)
    with transaction.atomic():
        record_id = _next_id()
        stamp = now_iso()
        record = {"id": record_id, "properties": {name: None for name in spec.properties}, "createdAt": stamp,
                  "updatedAt": stamp, "archived": False}  # fmt: skip
        record["properties"].update(values)
        record["properties"].update(hs_object_id=record_id, createdate=stamp, hs_lastmodifieddate=stamp)
        _derive(spec, record)
        store.put(SYSTEM, spec.name, record_id, record)
        for association in associations or []:
            _associate_from_body(spec, record_id, association)
        _after_write(spec, None, record, change_source=change_source)
    return get_record(spec.name, record_id)


def update_record(object_type: str, record_id: str, properties: dict, *, change_source: str = "API") -> dict:
    """PATCH /crm/v3/objects/<type>/<id>: the record as stored afterwards."""
    spec = object_spec(object_type)
    values = clean_properties(spec, properties)
    with transaction.atomic():
        row = _locked_row(spec, record_id)
        before = row.data
        record = {**before, "properties": {**before["properties"], **values}}
        record["updatedAt"] = record["properties"]["hs_lastmodifieddate"] = now_iso()
        _derive(spec, record)
        row.data = record
        row.save(update_fields=["data", "updated_at"])
        _after_write(spec, before, record, change_source=change_source)
    return record


def archive_record(object_type: str, record_id: str) -> None:
    """DELETE /crm/v3/objects/<type>/<id>: gone from reads and searches, its associations with it."""
    spec = object_spec(object_type)
    with transaction.atomic():
        _locked_row(spec, record_id).delete()
        deals = associated(spec.name, record_id, "deals") if spec.name == "line_items" else []
        for row in _association_rows(spec.name, record_id):
            inverse = f"{row.data['to_type']}:{row.data['to_id']}:{spec.name}:{record_id}"
            SandboxRecord.objects.filter(system=SYSTEM, collection=ASSOCIATIONS, key=inverse).delete()
            row.delete()
        for deal_id in deals:
            _roll_up_amount(deal_id)


def get_record(object_type: str, record_id: str) -> dict:
    spec = object_spec(object_type)
    record = store.get(SYSTEM, spec.name, str(record_id))
    if record is None:
        raise not_found(spec.name, str(record_id))
    return record


def records_of(object_type: str) -> list[dict]:
    return store.all_of(SYSTEM, object_spec(object_type).name)


# ---- associations ----------------------------------------------------------------------------------------------------


def associate(from_type: str, from_id: str, to_type: str, to_id: str, type_ids: list[int] | None = None) -> None:
    """Associate two records (both directions). Without type ids, the default (unlabeled) type; a deal's or a
    contact's first company is made primary too, as HubSpot's UI does."""
    source, target = object_spec(from_type), object_spec(to_type)
    get_record(source.name, from_id), get_record(target.name, to_id)
    if type_ids is None:
        type_ids = [default_type(source.name, target.name)]
        primary = primary_type(source.name, target.name)
        if primary and not any(primary in row.data["type_ids"]
                               for row in _association_rows(source.name, from_id, target.name)):
            type_ids.append(primary)
    for type_id in type_ids:
        if ASSOCIATION_TYPES.get(type_id, (None, None))[:2] != (source.name, target.name):
            raise SandboxApiError(400, "VALIDATION_ERROR",
                                  f"association type {type_id} does not go from {source.name} to {target.name}")
    with transaction.atomic():
        _add_types(source.name, str(from_id), target.name, str(to_id), type_ids)
        _add_types(target.name, str(to_id), source.name, str(from_id), [INVERSE[t] for t in type_ids])
        if {source.name, target.name} == {"deals", "line_items"}:
            _roll_up_amount(str(from_id) if source.name == "deals" else str(to_id))


def associations_of(from_type: str, from_id: str, to_type: str) -> list[dict]:
    """[{"to_id", "type_ids"}] in the order the associations were made."""
    return [{"to_id": row.data["to_id"], "type_ids": row.data["type_ids"]}
            for row in _association_rows(object_spec(from_type).name, str(from_id), object_spec(to_type).name)]


def associated(from_type: str, from_id: str, to_type: str) -> list[str]:
    return [a["to_id"] for a in associations_of(from_type, from_id, to_type)]


def _associate_from_body(spec: ObjectSpec, record_id: str, association) -> None:
    """One entry of a create body's "associations": {"to": {"id"}, "types": [{"associationCategory",
    "associationTypeId"}]}; the target object type follows from the type id."""
    try:
        to_id = str(association["to"]["id"])
        type_ids = [int(t["associationTypeId"]) for t in association["types"]]
    except (KeyError, TypeError, ValueError):
        raise SandboxApiError(400, "VALIDATION_ERROR", f"invalid association {association!r}: expected "
                              '{"to": {"id": …}, "types": [{"associationCategory", "associationTypeId"}]}') from None
    kinds = {ASSOCIATION_TYPES[t][:2] for t in type_ids if t in ASSOCIATION_TYPES}
    if len(kinds) != 1 or next(iter(kinds))[0] != spec.name:
        raise SandboxApiError(400, "VALIDATION_ERROR", f"association types {type_ids} do not start at {spec.name}")
    associate(spec.name, record_id, next(iter(kinds))[1], to_id, type_ids)


def _add_types(from_type: str, from_id: str, to_type: str, to_id: str, type_ids: list[int]) -> None:
    key = f"{from_type}:{from_id}:{to_type}:{to_id}"
    row, _ = SandboxRecord.objects.select_for_update().get_or_create(
        system=SYSTEM, collection=ASSOCIATIONS, key=key,
        defaults={"data": {"from_type": from_type, "from_id": from_id, "to_type": to_type, "to_id": to_id,
                           "type_ids": []}},
    )  # fmt: skip
    row.data = {**row.data, "type_ids": sorted({*row.data["type_ids"], *type_ids})}
    row.save(update_fields=["data", "updated_at"])


def _association_rows(from_type: str, from_id: str, to_type: str = ""):
    prefix = f"{from_type}:{from_id}:" + (f"{to_type}:" if to_type else "")
    return SandboxRecord.objects.filter(system=SYSTEM, collection=ASSOCIATIONS, key__startswith=prefix).order_by("id")


# ---- internals -------------------------------------------------------------------------------------------------------


def _next_id() -> str:
    row = SandboxRecord.objects.create(system=SYSTEM, collection=ID_SEQUENCE, key=uuid.uuid4().hex, data={})
    return str(FIRST_ID + row.pk)


def _locked_row(spec: ObjectSpec, record_id: str) -> SandboxRecord:
    row = SandboxRecord.objects.select_for_update().filter(system=SYSTEM, collection=spec.name,
                                                           key=str(record_id)).first()  # fmt: skip
    if row is None:
        raise not_found(spec.name, str(record_id))
    return row


def _derive(spec: ObjectSpec, record: dict) -> None:
    props = record["properties"]
    if spec.name == "deals":
        stage = props.get("dealstage")
        props["hs_is_closed_won"] = "true" if stage in won_stages() else "false"
        props["hs_is_closed"] = "true" if stage in won_stages() or stage == CLOSED_LOST else "false"
    elif spec.name == "contacts":
        props["lastmodifieddate"] = props["hs_lastmodifieddate"]
    elif spec.name == "line_items":
        product = store.get(SYSTEM, "products", props["hs_product_id"]) if props.get("hs_product_id") else None
        if props.get("hs_product_id") and product is None:
            raise SandboxApiError(400, "VALIDATION_ERROR", f"hs_product_id {props['hs_product_id']} is not a product")
        for name in ("name", "price", "hs_sku", "description"):
            if product and props.get(name) is None:
                props[name] = product["properties"].get(name)
        props["amount"] = _line_amount(props)


def _line_amount(props: dict) -> str:
    quantity = Decimal(props.get("quantity") or 0)
    price = Decimal(props.get("price") or 0)
    percent = Decimal(props.get("hs_discount_percentage") or 0)
    per_unit = Decimal(props.get("discount") or 0)
    net = quantity * price * (100 - percent) / 100 if percent else quantity * (price - per_unit)
    return str(net.quantize(Decimal("0.01")))


def _after_write(spec: ObjectSpec, before: dict | None, record: dict, *, change_source: str) -> None:
    if spec.name == "line_items":
        for deal_id in associated(spec.name, record["id"], "deals"):
            _roll_up_amount(deal_id)
    elif spec.name == "deals":
        was_won = bool(before) and before["properties"].get("dealstage") in won_stages()
        stage = record["properties"].get("dealstage")
        if before is not None and stage in won_stages() and not was_won:
            sandbox_outbound.queue_stage_change(record, change_source=change_source)


def _roll_up_amount(deal_id: str) -> None:
    """A deal's amount is the sum of its line items' amounts once it has line items."""
    row = SandboxRecord.objects.select_for_update().filter(system=SYSTEM, collection="deals", key=deal_id).first()
    lines = [store.get(SYSTEM, "line_items", line_id) for line_id in associated("deals", deal_id, "line_items")]
    lines = [line for line in lines if line]
    if row is None or not lines:
        return
    total = sum((Decimal(line["properties"].get("amount") or 0) for line in lines), Decimal("0"))
    row.data = {**row.data, "properties": {**row.data["properties"], "amount": str(total)}}
    row.save(update_fields=["data", "updated_at"])
