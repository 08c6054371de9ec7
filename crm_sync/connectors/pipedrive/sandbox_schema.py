"""What the Pipedrive sandbox knows about its entities: the fields a client may write, their types, its custom
fields, and Pipedrive's error envelope.

Values are checked the way API v2 checks them ("significantly stricter input validation": numbers are not coerced
from strings, booleans are true/false, enums take their listed values, referenced records must exist), and a
refusal is a `SandboxApiError` rendered as {"success": false, "error", "error_info", "data": null,
"additional_data": null} (Core API concepts › Responses). Custom fields are Text fields keyed by 40-character hashes;
`handoff_project/sandbox/wiring.py` points the PIPEDRIVE_*_FIELD settings at these keys.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal

SYSTEM = "pipedrive"
ERROR_INFO = "Please check developers.pipedrive.com for more information about Pipedrive API."
TEXT_MAX = 255  # a Text custom field holds up to 255 characters

# The sandbox company's custom fields (key → name). Same keys as handoff_project/sandbox/wiring.py.
ORDER_NUMBER_FIELD = "8f4b27ce6a1d2e9b0c3f5a7d9e1b3c5f7a9d1e3b"
SYNC_STATUS_FIELD = "2c4e6a8b0d2f4a6c8e0b2d4f6a8c0e2b4d6f8a0c"
PAYMENT_TERMS_FIELD = "5e1d9c3b7a2f4e6d8c0b1a3f5e7d9c2b4a6f8e0d"
BUSINESS_UNIT_FIELD = "9a7c5e3b1d2f4a6c8e0d2b4f6a8c1e3d5b7f9a2c"
VAT_NUMBER_FIELD = "3f6b9e2d5a8c1f4e7b0d3a6c9f2e5b8d1a4c7e0f"
DEAL_CUSTOM_FIELDS = {
    ORDER_NUMBER_FIELD: "ERP order number",
    SYNC_STATUS_FIELD: "ERP sync status",
    PAYMENT_TERMS_FIELD: "Payment terms",
    BUSINESS_UNIT_FIELD: "Business unit",
}
ORGANIZATION_CUSTOM_FIELDS = {VAT_NUMBER_FIELD: "VAT number"}


class SandboxApiError(Exception):
    def __init__(self, status: int, message: str):
        super().__init__(message)
        self.status = status
        self.message = message

    def as_body(self) -> dict:
        return {"success": False, "error": self.message, "error_info": ERROR_INFO, "data": None, "additional_data": None}


def not_found(entity: str) -> SandboxApiError:
    return SandboxApiError(404, f"{entity.capitalize()} not found")


@dataclass(frozen=True)
class EntitySpec:
    name: str  # "deal"
    collection: str  # the store collection, also the key in /_state
    fields: dict  # writable field → type: str, int, number, bool, date, ints, dict, dicts, or a tuple of allowed values
    required: tuple[str, ...] = ()
    custom_fields: dict | None = None
    references: dict | None = None  # field → the spec name of the record it points at


DEAL = EntitySpec(
    "deal", "deals",
    {"title": "str", "owner_id": "int", "person_id": "int", "org_id": "int", "pipeline_id": "int",
     "stage_id": "int", "value": "number", "currency": "str", "status": ("open", "won", "lost"),
     "probability": "number", "lost_reason": "str", "visible_to": "int", "expected_close_date": "date",
     "label_ids": "ints", "custom_fields": "dict"},
    required=("title",), custom_fields=DEAL_CUSTOM_FIELDS,
    references={"person_id": "person", "org_id": "organization"},
)  # fmt: skip
DEAL_PRODUCT = EntitySpec(
    "deal product", "deal_products",
    {"product_id": "int", "item_price": "number", "quantity": "number", "discount": "number",
     "discount_type": ("percentage", "amount"), "tax": "number", "tax_method": ("inclusive", "exclusive", "none"),
     "comments": "str", "is_enabled": "bool", "product_variation_id": "int"},
    required=("product_id", "item_price", "quantity"), references={"product_id": "product"},
)  # fmt: skip
PRODUCT = EntitySpec(
    "product", "products",
    {"name": "str", "code": "str", "unit": "str", "tax": "number", "description": "str", "is_linkable": "bool",
     "visible_to": "int", "owner_id": "int", "prices": "dicts", "custom_fields": "dict"},
    required=("name",), custom_fields={},
)  # fmt: skip
ORGANIZATION = EntitySpec(
    "organization", "organizations",
    {"name": "str", "owner_id": "int", "address": "dict", "visible_to": "int", "label_ids": "ints",
     "custom_fields": "dict"},
    required=("name",), custom_fields=ORGANIZATION_CUSTOM_FIELDS,
)  # fmt: skip
PERSON = EntitySpec(
    "person", "persons",
    {"name": "str", "owner_id": "int", "org_id": "int", "emails": "dicts", "phones": "dicts", "visible_to": "int",
     "label_ids": "ints", "custom_fields": "dict"},
    required=("name",), custom_fields={}, references={"org_id": "organization"},
)  # fmt: skip
NOTE = EntitySpec(
    "note", "notes", {"content": "str", "deal_id": "int", "person_id": "int", "org_id": "int"}, required=("content",),
    references={"deal_id": "deal", "person_id": "person", "org_id": "organization"},
)  # fmt: skip
SPECS = {spec.name: spec for spec in (DEAL, DEAL_PRODUCT, PRODUCT, ORGANIZATION, PERSON, NOTE)}


def checked_fields(spec: EntitySpec, body, *, creating: bool) -> dict:
    """The body's fields after API v2's checks; raises `SandboxApiError` (400) naming the first problem."""
    if not isinstance(body, dict):
        raise SandboxApiError(400, "The request body must be a JSON object")
    unknown = sorted(set(body) - set(spec.fields))
    if unknown:
        raise SandboxApiError(400, f"Unknown parameter(s) for a {spec.name}: {', '.join(unknown)}")
    if creating:
        for name in spec.required:
            if body.get(name) in (None, ""):
                raise SandboxApiError(400, f"Parameter '{name}' is required for a {spec.name}")
    for name, value in body.items():
        if value is not None and not _is_type(value, spec.fields[name]):
            raise SandboxApiError(400, f"Parameter '{name}' must be {_describe(spec.fields[name])}, got {value!r}")
    if "currency" in body and body["currency"] is not None and not _is_currency(body["currency"]):
        raise SandboxApiError(400, f"Parameter 'currency' must be a 3-letter currency code, got {body['currency']!r}")
    if "custom_fields" in body:
        _check_custom_fields(spec, body["custom_fields"] or {})
    return dict(body)


def _check_custom_fields(spec: EntitySpec, values: dict) -> None:
    known = spec.custom_fields or {}
    for key, value in values.items():
        if key not in known:
            raise SandboxApiError(400, f"Custom field '{key}' does not exist on {spec.name}s")
        if value is not None and not isinstance(value, str):
            raise SandboxApiError(400, f"Custom field '{known[key]}' ({key}) is a Text field; got {value!r}")
        if value is not None and len(value) > TEXT_MAX:
            raise SandboxApiError(400, f"Custom field '{known[key]}' ({key}) takes at most {TEXT_MAX} characters, "
                                       f"got {len(value)}")  # fmt: skip


def _is_type(value, kind) -> bool:
    if isinstance(kind, tuple):
        return value in kind
    number = isinstance(value, (int, float)) and not isinstance(value, bool)
    return {
        "str": isinstance(value, str),
        "int": isinstance(value, int) and not isinstance(value, bool),
        "number": number,
        "bool": isinstance(value, bool),
        "date": isinstance(value, str) and _is_date(value),
        "ints": isinstance(value, list) and all(isinstance(v, int) and not isinstance(v, bool) for v in value),
        "dict": isinstance(value, dict),
        "dicts": isinstance(value, list) and all(isinstance(v, dict) for v in value),
    }[kind]


def _describe(kind) -> str:
    if isinstance(kind, tuple):
        return "one of " + ", ".join(kind)
    return {"str": "a string", "int": "an integer", "number": "a number", "bool": "true or false",
            "date": "a date (YYYY-MM-DD)", "ints": "an array of integers", "dict": "an object",
            "dicts": "an array of objects"}[kind]  # fmt: skip


def _is_date(text: str) -> bool:
    try:
        dt.date.fromisoformat(text)
    except ValueError:
        return False
    return len(text) == 10


def _is_currency(value) -> bool:
    return isinstance(value, str) and len(value) == 3 and value.isalpha() and value.isupper()


def now_timestamp() -> str:
    """API v2 timestamps: RFC 3339 in UTC, to the second."""
    return dt.datetime.now(dt.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


def v1_timestamp(v2: str) -> str:
    """The v1 API's "YYYY-MM-DD HH:MM:SS" (UTC) form of a v2 timestamp (notes are a v1 entity)."""
    return v2.replace("T", " ").removesuffix("Z")


def json_number(value):
    """An amount (Decimal, or text such as "960.00") as the JSON number API v2 writes and wants: whole amounts
    without a fraction (v2 does not take numbers as strings)."""
    number = Decimal(str(value))
    return int(number) if number == number.to_integral_value() else float(number)
