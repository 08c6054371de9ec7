"""What the Salesforce sandbox knows about its objects: key prefixes, fields and their types, and the REST errors.

Field names are case-insensitive in Salesforce's API; `ObjectSpec.canonical` gives the declared spelling. Values
are checked the way the REST API checks them (numbers, dates, booleans, ids of the right object, text length),
and a refusal is a `SandboxApiError` carrying Salesforce's own error code and message.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation

from .ids import is_record_id, to_18

SYSTEM = "salesforce"
CLOSED_WON = "Closed Won"
CLOSED_LOST = "Closed Lost"


class SandboxApiError(Exception):
    """A REST error answer: HTTP status and the error array [{"message", "errorCode", "fields"?}]."""

    def __init__(self, status: int, code: str, message: str, fields: list[str] | None = None):
        super().__init__(message)
        self.status = status
        self.code = code
        self.message = message
        self.fields = fields

    def as_list(self) -> list[dict]:
        error = {"message": self.message, "errorCode": self.code}
        if self.fields is not None:
            error["fields"] = self.fields
        return [error]


def not_found() -> SandboxApiError:
    return SandboxApiError(404, "NOT_FOUND", "The requested resource does not exist")


# Types: text, number, date, datetime, bool, id, ref:<Object>
_SYSTEM_FIELDS = {"Id": "id", "CreatedDate": "datetime", "LastModifiedDate": "datetime", "SystemModstamp": "datetime"}
_ADDRESS = ("Street", "City", "State", "PostalCode", "Country")


@dataclass(frozen=True)
class ObjectSpec:
    name: str
    prefix: str
    collection: str  # the store collection, also the key in /_state
    fields: dict[str, str]
    required: tuple[str, ...] = ()
    derived: frozenset[str] = field(default_factory=frozenset)  # computed by the sandbox; read-only to clients
    max_length: dict[str, int] = field(default_factory=dict)

    def canonical(self, name: str) -> str | None:
        lowered = name.lower()
        return next((f for f in self.fields if f.lower() == lowered), None)

    @property
    def read_only(self) -> frozenset[str]:
        return frozenset(_SYSTEM_FIELDS) | self.derived


def _spec(name, prefix, collection, fields, required=(), derived=(), max_length=None) -> ObjectSpec:
    return ObjectSpec(
        name=name,
        prefix=prefix,
        collection=collection,
        fields={**_SYSTEM_FIELDS, **fields},
        required=tuple(required),
        derived=frozenset(derived),
        max_length=max_length or {},
    )


def _address(prefix: str) -> dict[str, str]:
    return {f"{prefix}{part}": "text" for part in _ADDRESS}


OBJECTS: dict[str, ObjectSpec] = {
    spec.name: spec
    for spec in [
        _spec(
            "Account", "001", "accounts",
            {"Name": "text", "AccountNumber": "text", "Type": "text", "Industry": "text", "Phone": "text",
             "Website": "text", "DunsNumber": "text", "VAT_Number__c": "text", "Description": "text",
             **_address("Billing"), **_address("Shipping")},
            required=["Name"], max_length={"DunsNumber": 9, "Description": 32000},
        ),
        _spec(
            "Contact", "003", "contacts",
            {"AccountId": "ref:Account", "FirstName": "text", "LastName": "text", "Name": "text", "Email": "text",
             "Phone": "text", "Title": "text", **_address("Mailing")},
            required=["LastName"], derived=["Name"], max_length={"FirstName": 40, "LastName": 80, "Email": 80},
        ),
        _spec(
            "Product2", "01t", "products",
            {"Name": "text", "ProductCode": "text", "Description": "text", "Family": "text", "IsActive": "bool",
             "QuantityUnitOfMeasure": "text"},
            required=["Name"], max_length={"Description": 4000},
        ),
        _spec(
            "Opportunity", "006", "opportunities",
            {"Name": "text", "AccountId": "ref:Account", "StageName": "text", "CloseDate": "date",
             "Amount": "number", "CurrencyIsoCode": "text", "Probability": "number", "Type": "text",
             "LeadSource": "text", "Description": "text", "IsWon": "bool", "IsClosed": "bool", "ContractId": "id",
             "Contract_Reference__c": "text", "Payment_Terms__c": "text", "ERP_Order_Number__c": "text",
             "Business_Unit__c": "text", "Selling_Company__c": "text",
             "ERP_Sync_Status__c": "text", "ERP_Sync_Error__c": "text"},
            required=["Name", "StageName", "CloseDate"], derived=["IsWon", "IsClosed"],
            max_length={"Name": 120, "CurrencyIsoCode": 3, "Description": 32000, "ERP_Order_Number__c": 40},
        ),
        _spec(
            "OpportunityLineItem", "00k", "line_items",
            {"OpportunityId": "ref:Opportunity", "Product2Id": "ref:Product2", "PricebookEntryId": "id",
             "ProductCode": "text", "Name": "text", "Quantity": "number", "UnitPrice": "number",
             "ListPrice": "number", "TotalPrice": "number", "Discount": "number", "Description": "text",
             "SortOrder": "number", "ServiceDate": "date"},
            required=["OpportunityId", "Quantity", "UnitPrice"], derived=["Name", "ProductCode", "TotalPrice"],
        ),
        _spec(
            "OpportunityContactRole", "00K", "contact_roles",
            {"OpportunityId": "ref:Opportunity", "ContactId": "ref:Contact", "Role": "text", "IsPrimary": "bool"},
            required=["OpportunityId", "ContactId"],
        ),
    ]
}  # fmt: skip

OBJECTS_BY_PREFIX = {spec.prefix: spec for spec in OBJECTS.values()}


def object_spec(name: str) -> ObjectSpec:
    """The spec of an sObject by API name (case-insensitive); 404 NOT_FOUND for one the sandbox does not have."""
    spec = OBJECTS.get(name) or next((s for n, s in OBJECTS.items() if n.lower() == name.lower()), None)
    if spec is None:
        raise not_found()
    return spec


def relationship(spec: ObjectSpec, name: str) -> tuple[str, ObjectSpec] | None:
    """`Account` on Opportunity → ("AccountId", Account spec): the parent behind a relationship name."""
    for field_name, kind in spec.fields.items():
        if kind.startswith("ref:") and field_name.lower() == f"{name.lower()}id":
            return field_name, OBJECTS[kind[4:]]
    return None


def now_timestamp() -> str:
    """A Salesforce datetime: 2024-05-02T09:15:00.000+0000."""
    now = dt.datetime.now(dt.timezone.utc)
    return now.strftime("%Y-%m-%dT%H:%M:%S.") + f"{now.microsecond // 1000:03d}+0000"


# ---- incoming values -----------------------------------------------------------------------------------------------------


def clean_fields(spec: ObjectSpec, payload, *, creating: bool) -> dict:
    """Check a create/update body field by field; return it with declared names and stored value types."""
    if not isinstance(payload, dict):
        raise SandboxApiError(400, "JSON_PARSER_ERROR", "The request body must be a JSON object of field values")
    cleaned = {}
    for raw_name, value in payload.items():
        if raw_name == "attributes":
            continue
        name = spec.canonical(raw_name)
        if name == "Id":
            raise SandboxApiError(400, "INVALID_FIELD", "The Id field should not be specified in the sobject data.")
        if name is None:
            raise SandboxApiError(400, "INVALID_FIELD", f"No such column '{raw_name}' on sobject of type {spec.name}")
        if name in spec.read_only:
            raise SandboxApiError(
                400,
                "INVALID_FIELD_FOR_INSERT_UPDATE",
                f"Unable to create/update fields: {name}. Please check the security settings of this field and "
                "verify that it is read/write for your profile or permission set.",
                [name],
            )
        cleaned[name] = clean_value(spec, name, value)
    if creating:
        missing = [f for f in spec.required if cleaned.get(f) in (None, "")]
        if missing:
            raise SandboxApiError(
                400, "REQUIRED_FIELD_MISSING", f"Required fields are missing: [{', '.join(missing)}]", missing
            )
    return cleaned


def clean_value(spec: ObjectSpec, name: str, value):
    kind = spec.fields[name]
    if value is None or value == "":
        return None
    if isinstance(value, (dict, list)):
        raise _cannot_deserialize(kind, value)
    if kind == "number":
        return _number(value)
    if kind == "bool":
        if not isinstance(value, bool):
            raise _cannot_deserialize("boolean", value)
        return value
    if kind == "date":
        try:
            return dt.date.fromisoformat(str(value)).isoformat()
        except ValueError:
            raise _cannot_deserialize("date", value) from None
    if kind == "id" or kind.startswith("ref:"):
        return _reference_id(spec, name, kind, str(value))
    text = value if isinstance(value, str) else str(value).lower() if isinstance(value, bool) else str(value)
    limit = spec.max_length.get(name, 255)
    if len(text) > limit:
        raise SandboxApiError(
            400, "STRING_TOO_LONG", f"{name}: data value too large: {text[:40]}… (max length={limit})", [name]
        )
    return text


def _number(value):
    if isinstance(value, bool):
        raise _cannot_deserialize("double", value)
    try:
        number = Decimal(str(value))
    except InvalidOperation:
        raise _cannot_deserialize("double", value) from None
    if not number.is_finite():
        raise _cannot_deserialize("double", value)
    # Stored as JSON numbers; float's shortest repr keeps the digits a client sent.
    return int(number) if number == number.to_integral_value() and "." not in str(value) else float(number)


def _reference_id(spec: ObjectSpec, name: str, kind: str, value: str) -> str:
    target = OBJECTS.get(kind[4:]) if kind.startswith("ref:") else None
    if not is_record_id(value) or (target and not value.startswith(target.prefix)):
        label = target.name if target else name
        raise SandboxApiError(
            400, "MALFORMED_ID", f"{label} ID: id value of incorrect type: {value}", [name]
        )
    return to_18(value)


def _cannot_deserialize(kind: str, value) -> SandboxApiError:
    kind = {"text": "string", "number": "double"}.get(kind, kind)
    return SandboxApiError(
        400,
        "JSON_PARSER_ERROR",
        f"Cannot deserialize instance of {kind} from VALUE_STRING value {value} or request may be missing a "
        "required field",
    )
