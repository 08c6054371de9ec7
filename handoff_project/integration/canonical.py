"""The canonical schema every connector maps to and from (never CRM → ERP directly).

Frozen dataclasses, Decimal money with an ISO 4217 currency, timezone-aware datetimes. `to_dict` / `from_dict`
give a JSON-safe form so a deal can be stored on a handoff and shown in the UI exactly as the pipeline saw it.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import types
import typing
from dataclasses import dataclass, field
from decimal import Decimal


@dataclass(frozen=True)
class Money:
    amount: Decimal
    currency: str

    def __post_init__(self):
        if isinstance(self.amount, float):
            raise TypeError("Money never takes a float; pass a Decimal or a string")
        if not isinstance(self.amount, Decimal):
            object.__setattr__(self, "amount", Decimal(str(self.amount)))
        if len(self.currency or "") != 3 or not self.currency.isalpha():
            raise ValueError(f"currency must be an ISO 4217 code, got {self.currency!r}")
        object.__setattr__(self, "currency", self.currency.upper())

    def __str__(self) -> str:
        return f"{self.amount:,.2f} {self.currency}"


@dataclass(frozen=True)
class Address:
    street: str = ""
    city: str = ""
    postal_code: str = ""
    region: str = ""  # state / province code where the country has one
    country: str = ""  # ISO 3166-1 alpha-2
    name: str = ""

    @property
    def is_empty(self) -> bool:
        return not any([self.street, self.city, self.postal_code, self.country])

    def one_line(self) -> str:
        return ", ".join(p for p in [self.street, self.city, self.region, self.postal_code, self.country] if p)


@dataclass(frozen=True)
class Contact:
    crm_id: str = ""
    first_name: str = ""
    last_name: str = ""
    email: str = ""
    phone: str = ""

    @property
    def full_name(self) -> str:
        return " ".join(p for p in [self.first_name, self.last_name] if p)


@dataclass(frozen=True)
class Party:
    """An organisation: the CRM account on the way in, the business partner once resolved."""

    crm_id: str
    name: str
    vat_id: str = ""
    duns: str = ""
    email_domain: str = ""
    billing_address: Address = field(default_factory=Address)
    shipping_address: Address = field(default_factory=Address)


@dataclass(frozen=True)
class Terms:
    """Payment terms as the CRM states them ("Net 45"); `is_default` when the CRM gave none and a default applied."""

    text: str
    is_default: bool = False


@dataclass(frozen=True)
class TaxClass:
    """Tax classification: the jurisdiction (ship-to country/region) and the material's tax class."""

    country: str
    region: str = ""
    material_tax_class: str = ""


@dataclass(frozen=True)
class LineItem:
    line_number: int
    crm_line_id: str
    description: str  # the CRM product name ("Enterprise License, annual")
    quantity: Decimal
    unit_price: Money
    product_code: str = ""
    crm_product_id: str = ""
    discount_percent: Decimal = Decimal("0")
    unit: str = ""
    list_price: Money | None = None

    @property
    def net_amount(self) -> Decimal:
        gross = self.quantity * self.unit_price.amount
        return (gross * (Decimal(100) - self.discount_percent) / Decimal(100)).quantize(Decimal("0.01"))


@dataclass(frozen=True)
class Deal:
    """A won deal as the CRM describes it, in canonical terms."""

    crm_system: str
    crm_id: str
    name: str
    account: Party
    lines: tuple[LineItem, ...]
    currency: str
    closed_on: dt.date | None = None
    amount: Money | None = None
    ship_to: Address = field(default_factory=Address)
    primary_contact: Contact | None = None
    payment_terms: Terms | None = None
    contract_reference: str = ""
    tax_classification: str = ""  # what the CRM says about tax (e.g. "exempt"), if anything
    stage: str = ""
    last_modified: dt.datetime | None = None
    # Which part of the seller the deal belongs to, as the CRM says it: ERP routing rules match on these
    # (erp_orders.routing) together with the ship-to country.
    business_unit: str = ""
    selling_company: str = ""
    owner_email: str = ""

    @property
    def total(self) -> Money:
        return Money(sum((line.net_amount for line in self.lines), Decimal("0")), self.currency)


# ---- resolved order: what an ERP adapter receives --------------------------------------------------------------------


@dataclass(frozen=True)
class OrderLine:
    line_number: int
    material: str
    description: str
    quantity: Decimal
    unit: str
    unit_price: Money
    discount_percent: Decimal = Decimal("0")
    tax_code: str = ""
    material_tax_class: str = ""
    material_group: str = ""
    requested_delivery_date: dt.date | None = None


@dataclass(frozen=True)
class OrderRequest:
    """A deal after crosswalk resolution, in ERP identifiers. `reference` is the idempotency key in the ERP."""

    reference: str
    sold_to: str
    ship_to: str
    ship_to_address: Address
    currency: str
    lines: tuple[OrderLine, ...]
    payment_terms_key: str
    requested_delivery_date: dt.date | None = None
    contact_person: str = ""
    contract_reference: str = ""
    customer_reference: str = ""  # text the customer will recognise (deal name)


@dataclass(frozen=True)
class CreatedOrder:
    order_number: str
    reference: str
    total: Money | None = None
    found_existing: bool = False  # True when the ERP already had an order with this reference


# ---- JSON round trip ---------------------------------------------------------------------------------------------------


def to_dict(obj) -> typing.Any:
    if dataclasses.is_dataclass(obj):
        return {f.name: to_dict(getattr(obj, f.name)) for f in dataclasses.fields(obj)}
    if isinstance(obj, (list, tuple)):
        return [to_dict(v) for v in obj]
    if isinstance(obj, Decimal):
        return str(obj)
    if isinstance(obj, (dt.date, dt.datetime)):
        return obj.isoformat()
    return obj


def from_dict(cls, data):
    """Rebuild a canonical dataclass from `to_dict` output."""
    hints = typing.get_type_hints(cls)
    kwargs = {}
    for f in dataclasses.fields(cls):
        if f.name in data:
            kwargs[f.name] = _coerce(hints[f.name], data[f.name])
    return cls(**kwargs)


def _coerce(tp, value):
    if value is None:
        return None
    origin = typing.get_origin(tp)
    if origin in (typing.Union, types.UnionType):
        inner = [a for a in typing.get_args(tp) if a is not type(None)]
        return _coerce(inner[0], value)
    if origin is tuple:
        (item_type, *_rest) = typing.get_args(tp)
        return tuple(_coerce(item_type, v) for v in value)
    if dataclasses.is_dataclass(tp):
        return from_dict(tp, value)
    if tp is Decimal:
        return Decimal(value)
    if tp is dt.datetime:
        return dt.datetime.fromisoformat(value)
    if tp is dt.date:
        return dt.date.fromisoformat(value)
    return value
