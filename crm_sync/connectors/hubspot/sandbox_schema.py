"""What the HubSpot sandbox knows about its objects: property names and types, pipeline stages, association types,
and HubSpot's error answers.

Property values are kept as HubSpot returns them: text ("25", "960.00", "2026-11-24T00:00:00Z") or null. A write
is checked property by property the way the v3 API checks it, and a refusal is a `SandboxApiError` rendered in
HubSpot's shape ({"status": "error", "message", "correlationId", "category", …}). The inner codes
PROPERTY_DOESNT_EXIST and INVALID_OPTION, and the "Property values were not valid: [...]" message that embeds them,
follow captured HubSpot answers (see fixtures/error_validation.source); READ_ONLY_VALUE, INVALID_NUMBER,
INVALID_DATE and MAX_LENGTH_EXCEEDED are the sandbox's own labels for HubSpot's other refusals.
"""

from __future__ import annotations

import datetime as dt
import json
import uuid
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation

from django.conf import settings
from django.http import JsonResponse

SYSTEM = "hubspot"
TEXT_MAX = 65_536
DEFAULT_PIPELINE = "default"
# The stages of HubSpot's default sales pipeline (internal ids).
OPEN_STAGES = ["appointmentscheduled", "qualifiedtobuy", "presentationscheduled", "decisionmakerboughtin",
               "contractsent"]  # fmt: skip
CLOSED_LOST = "closedlost"
ALWAYS_RETURNED = ("hs_object_id", "createdate", "hs_lastmodifieddate")


class SandboxApiError(Exception):
    def __init__(self, status: int, category: str, message: str, **extra):
        super().__init__(message)
        self.status, self.category, self.message, self.extra = status, category, message, extra

    def response(self) -> JsonResponse:
        return error_response(self.status, self.category, self.message, **self.extra)


def error_response(status: int, category: str | None, message: str, **extra) -> JsonResponse:
    body = {"status": "error", "message": message, "correlationId": str(uuid.uuid4())}
    if category:
        body["category"] = category
    return JsonResponse({**body, **extra}, status=status)


def not_found(object_type: str = "", object_id: str = "") -> SandboxApiError:
    return SandboxApiError(404, "OBJECT_NOT_FOUND", "resource not found",
                           **({"context": {"id": [object_id]}} if object_id else {}))  # fmt: skip


def invalid_properties(problems: list[dict]) -> SandboxApiError:
    """HubSpot's answer to bad property values: the problems embedded as JSON text in the message."""
    return SandboxApiError(400, "VALIDATION_ERROR", f"Property values were not valid: {json.dumps(problems)}")


def problem(name: str, code: str, message: str) -> dict:
    return {"isValid": False, "message": message, "error": code, "name": name, "localizedErrorMessage": message}


# ---- objects ---------------------------------------------------------------------------------------------------------

# Types: string, number, datetime, enumeration:<option list name>, bool
@dataclass(frozen=True)
class ObjectSpec:
    name: str  # the path segment: deals, line_items, …
    type_id: str  # HubSpot's objectTypeId
    label: str  # the key of this type in an embedded associations map ("line items")
    properties: dict[str, str]
    defaults: tuple[str, ...]  # returned when a read names no properties
    read_only: frozenset[str] = field(default_factory=frozenset)


_SYSTEM = {"hs_object_id": "number", "createdate": "datetime", "hs_lastmodifieddate": "datetime"}


def _spec(name, type_id, label, properties, defaults, read_only=()) -> ObjectSpec:
    return ObjectSpec(name, type_id, label, {**_SYSTEM, **properties}, tuple(defaults),
                      frozenset(read_only) | frozenset(_SYSTEM))  # fmt: skip


def _deal_properties() -> dict[str, str]:
    custom = {settings.HUBSPOT_ORDER_NUMBER_PROPERTY: "string", settings.HUBSPOT_SYNC_STATUS_PROPERTY: "string",
              settings.HUBSPOT_SYNC_ERROR_PROPERTY: "string"}  # fmt: skip
    return {"dealname": "string", "dealstage": "enumeration:stages", "pipeline": "enumeration:pipelines",
            "amount": "number", "closedate": "datetime", "deal_currency_code": "string", "dealtype": "string",
            "description": "string", "hubspot_owner_id": "string", "hs_is_closed_won": "bool", "hs_is_closed": "bool",
            "payment_terms": "string", "business_unit": "string", "selling_company": "string",
            "contract_reference": "string", **custom}  # fmt: skip


def object_specs() -> dict[str, ObjectSpec]:
    """Built per call: the deal's writeback property names come from settings, which tests change."""
    specs = [
        _spec("deals", "0-3", "deals", _deal_properties(),
              ["amount", "closedate", "createdate", "dealname", "dealstage", "hs_lastmodifieddate", "hs_object_id",
               "pipeline"], read_only=["hs_is_closed_won", "hs_is_closed"]),
        _spec("line_items", "0-8", "line items",
              {"name": "string", "description": "string", "quantity": "number", "price": "number", "amount": "number",
               "hs_discount_percentage": "number", "discount": "number", "hs_sku": "string", "hs_product_id": "string",
               "hs_line_item_currency_code": "string", "hs_position_on_quote": "number",
               "recurringbillingfrequency": "string"},
              ["createdate", "hs_lastmodifieddate", "hs_object_id", "name", "price", "quantity"], read_only=["amount"]),
        _spec("companies", "0-2", "companies",
              {"name": "string", "domain": "string", "website": "string", "address": "string", "address2": "string",
               "city": "string", "zip": "string", "state": "string", "country": "string", "phone": "string",
               "industry": "string", "vat_number": "string"},
              ["createdate", "domain", "hs_lastmodifieddate", "hs_object_id", "name"]),
        _spec("contacts", "0-1", "contacts",
              {"email": "string", "firstname": "string", "lastname": "string", "phone": "string",
               "mobilephone": "string", "company": "string", "jobtitle": "string", "lastmodifieddate": "datetime"},
              ["createdate", "email", "firstname", "hs_object_id", "lastmodifieddate", "lastname"],
              read_only=["lastmodifieddate"]),
        _spec("products", "0-7", "products",
              {"name": "string", "description": "string", "price": "number", "hs_sku": "string",
               "hs_cost_of_goods_sold": "number", "hs_recurring_billing_period": "string"},
              ["createdate", "description", "hs_lastmodifieddate", "hs_object_id", "name", "price"]),
    ]  # fmt: skip
    return {spec.name: spec for spec in specs}


def object_spec(name: str) -> ObjectSpec:
    """By path name or objectTypeId (deals / 0-3); 400 for an object type the sandbox does not hold."""
    specs = object_specs()
    spec = specs.get(name.lower()) or next((s for s in specs.values() if s.type_id == name), None)
    if spec is None:
        raise SandboxApiError(400, "VALIDATION_ERROR", f"Unable to infer object type from: {name}")
    return spec


def won_stages() -> list[str]:
    return [stage for stage in settings.HUBSPOT_WON_STAGES if stage]


def options(kind: str) -> list[str]:
    if kind == "stages":
        return [*OPEN_STAGES, *won_stages(), CLOSED_LOST]
    return [DEFAULT_PIPELINE]


# ---- associations ----------------------------------------------------------------------------------------------------

# typeId → (from, to, name in v3 answers, v4 label). Primary company / unlabeled pairs as HubSpot defines them.
ASSOCIATION_TYPES = {
    5: ("deals", "companies", "deal_to_company", "Primary"),
    341: ("deals", "companies", "deal_to_company_unlabeled", None),
    6: ("companies", "deals", "company_to_deal", "Primary"),
    342: ("companies", "deals", "company_to_deal_unlabeled", None),
    3: ("deals", "contacts", "deal_to_contact", None),
    4: ("contacts", "deals", "contact_to_deal", None),
    19: ("deals", "line_items", "deal_to_line_item", None),
    20: ("line_items", "deals", "line_item_to_deal", None),
    1: ("contacts", "companies", "contact_to_company", "Primary"),
    279: ("contacts", "companies", "contact_to_company_unlabeled", None),
    2: ("companies", "contacts", "company_to_contact", "Primary"),
    280: ("companies", "contacts", "company_to_contact_unlabeled", None),
}  # fmt: skip
INVERSE = {5: 6, 6: 5, 341: 342, 342: 341, 3: 4, 4: 3, 19: 20, 20: 19, 1: 2, 2: 1, 279: 280, 280: 279}


def _type_between(from_type: str, to_type: str, label: str | None) -> int | None:
    return next((type_id for type_id, (source, target, _name, type_label) in ASSOCIATION_TYPES.items()
                 if (source, target, type_label) == (from_type, to_type, label)), None)  # fmt: skip


def default_type(from_type: str, to_type: str) -> int:
    """The unlabeled type a v4 "default" association creates between two object types."""
    type_id = _type_between(from_type, to_type, None)
    if type_id is None:
        raise SandboxApiError(400, "VALIDATION_ERROR", f"No default association between {from_type} and {to_type}")
    return type_id


def primary_type(from_type: str, to_type: str) -> int | None:
    """The "Primary" type between two object types, where HubSpot has one (deal → company, contact → company)."""
    return _type_between(from_type, to_type, "Primary")


# ---- values ----------------------------------------------------------------------------------------------------------


def now_iso() -> str:
    now = dt.datetime.now(dt.timezone.utc)
    return now.strftime("%Y-%m-%dT%H:%M:%S.") + f"{now.microsecond // 1000:03d}Z"


def clean_properties(spec: ObjectSpec, payload) -> dict[str, str | None]:
    """A create/update `properties` object checked as HubSpot checks it; values as stored (text, None = cleared)."""
    if not isinstance(payload, dict):
        raise SandboxApiError(400, "VALIDATION_ERROR", "Invalid input JSON: properties must be an object")
    cleaned, problems = {}, []
    for name, value in payload.items():
        kind = spec.properties.get(name)
        if kind is None:
            problems.append(problem(name, "PROPERTY_DOESNT_EXIST", f'Property "{name}" does not exist'))
        elif name in spec.read_only:
            problems.append(problem(name, "READ_ONLY_VALUE",
                                    f"{name} is a read only property; its value cannot be set."))
        else:
            try:
                cleaned[name] = clean_value(name, kind, value)
            except ValueError as exc:
                problems.append(exc.args[0])
    if problems:
        raise invalid_properties(problems)
    return cleaned


def clean_value(name: str, kind: str, value) -> str | None:
    if value is None or value == "":
        return None
    text = str(value).lower() if isinstance(value, bool) else str(value)
    if isinstance(value, (dict, list)):
        raise ValueError(problem(name, "INVALID_STRING", f"{text[:60]} is not a valid value for {name}"))
    if kind == "number":
        return _number(name, text)
    if kind == "datetime":
        return _datetime(name, text)
    if kind.startswith("enumeration:") and text not in options(kind.partition(":")[2]):
        allowed = ", ".join(options(kind.partition(":")[2]))
        raise ValueError(problem(name, "INVALID_OPTION", f"{text} was not one of the allowed options: [{allowed}]"))
    if len(text) > TEXT_MAX:
        raise ValueError(problem(name, "MAX_LENGTH_EXCEEDED",
                                 f"{name} is {len(text)} characters long; the limit is {TEXT_MAX}"))  # fmt: skip
    return text


def _number(name: str, text: str) -> str:
    try:
        number = Decimal(text.strip())
    except InvalidOperation:
        number = None
    if number is None or not number.is_finite() or text != text.strip():
        raise ValueError(problem(name, "INVALID_NUMBER", f"{text[:60]} was not a valid number"))
    return text


def _datetime(name: str, text: str) -> str:
    """Epoch milliseconds, a date or an ISO datetime in; ISO UTC out (as HubSpot returns datetimes)."""
    try:
        if text.isdigit():
            moment = dt.datetime.fromtimestamp(int(text) / 1000, tz=dt.timezone.utc)
        else:
            moment = dt.datetime.fromisoformat(text.replace("Z", "+00:00"))
            moment = moment if moment.tzinfo else moment.replace(tzinfo=dt.timezone.utc)
    except ValueError:
        raise ValueError(problem(name, "INVALID_DATE", f"{text[:60]} is not a valid date or datetime")) from None
    moment = moment.astimezone(dt.timezone.utc)
    millis = f".{moment.microsecond // 1000:03d}" if moment.microsecond else ""
    return moment.strftime("%Y-%m-%dT%H:%M:%S") + millis + "Z"


def epoch_ms(iso_or_ms: str) -> int:
    """A datetime property or a search filter value as milliseconds (both forms are accepted by HubSpot)."""
    text = str(iso_or_ms).strip()
    if text.lstrip("-").isdigit():
        return int(text)
    return int(dt.datetime.fromisoformat(_datetime("value", text).replace("Z", "+00:00")).timestamp() * 1000)
