"""Pipedrive API v2 records → the canonical `Deal`. Pure functions over the JSON (dicts), no I/O, no settings.

Inputs are records as GET /api/v2/… returns them: a deal (custom fields in its `custom_fields` object, keyed by the
40-character field hashes the caller names), its deal products, the products they point at (for code, unit and list
price), the organization (address as an object of components) and the person. Numbers arrive as `Decimal` (our client
parses JSON that way) or int/float from elsewhere; all go through `to_decimal`. Country names become ISO codes through
the Salesforce connector's table, never by guessing; timestamps (v2's RFC 3339 "2024-09-27T14:25:28Z", v1's
"2024-09-27 14:25:28", both UTC) are read by its `parse_datetime` too.

Deal products: `discount_type` "percentage" is a percentage of the line; "amount" is taken off the line total
(quantity × item price) and becomes the equivalent percentage. With `tax_method` "inclusive" the item price contains
the tax; the canonical unit price is net (as ERPs price), so the tax is taken out. Disabled products (`is_enabled`
false) are not part of the deal's value and are left out.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from crm_sync.connectors.base import WonDeal
from crm_sync.connectors.salesforce.mappers import (
    country_code,
    currency_code,
    domain_of,
    order_key,
    parse_date,
    parse_datetime,
    region_code,
    required_id,
    to_decimal,
)
from handoff_project.integration.canonical import Address, Contact, Deal, LineItem, Money, Party, Terms

SYSTEM = "pipedrive"
HUNDRED = Decimal(100)
# Countries whose street addresses put the house number before the street name ("350 Fifth Avenue").
NUMBER_FIRST = {"US", "CA", "GB", "IE", "AU", "NZ", "FR", "IN", "SG", "ZA", "PH", "MY", "TH"}


# ---- the deal ---------------------------------------------------------------------------------------------------------


def deal_from_pipedrive(
    deal: dict,
    deal_products: list[dict],
    products: dict,
    organization: dict,
    person: dict | None = None,
    *,
    default_currency: str = "USD",
    payment_terms_field: str = "",
    business_unit_field: str = "",
    vat_number_field: str = "",
) -> Deal:
    """The canonical Deal of a Pipedrive deal. `products` maps product id → product record; the custom-field keys
    say where this company keeps payment terms, business unit (deal) and VAT number (organization)."""
    currency = currency_code(_text(deal.get("currency")) or default_currency)
    party = party_from_organization(organization, vat_number_field=vat_number_field, person=person)
    amount = to_decimal(deal.get("value"))
    terms = custom_field_text(deal, payment_terms_field)
    return Deal(
        crm_system=SYSTEM,
        crm_id=required_id(deal, "id", "Pipedrive deal"),
        name=_text(deal.get("title")),
        account=party,
        lines=lines_from_pipedrive(deal_products, products, currency),
        currency=currency,
        closed_on=closed_on(deal),
        amount=Money(amount, currency) if amount is not None else None,
        ship_to=party.shipping_address,
        primary_contact=contact_from_person(person) if person else None,
        payment_terms=Terms(terms) if terms else None,
        stage=_text(deal.get("status")),
        last_modified=parse_datetime(deal.get("update_time")),
        business_unit=custom_field_text(deal, business_unit_field),
    )


def closed_on(deal: dict) -> dt.date | None:
    """The expected close date the rep keeps on the deal (what Salesforce calls CloseDate); when empty, the day the
    deal was won or closed."""
    return (
        parse_date(deal.get("expected_close_date"))
        or _date_of(deal.get("won_time"))
        or _date_of(deal.get("close_time"))
    )


def won_deal_from_pipedrive(deal: dict) -> WonDeal:
    return WonDeal(crm_id=str(deal["id"]), name=_text(deal.get("title")), changed_at=parse_datetime(deal.get("update_time")))


# ---- lines --------------------------------------------------------------------------------------------------------------


def lines_from_pipedrive(deal_products: list[dict], products: dict, currency: str) -> tuple[LineItem, ...]:
    """Enabled deal products numbered 1..n in the order the user arranged them (order_nr, then id)."""
    enabled = [p for p in deal_products if p.get("is_enabled", True) is not False]
    ordered = sorted(enabled, key=lambda p: (order_key(p.get("order_nr")), order_key(p.get("id"))))
    return tuple(
        line_item_from_pipedrive(item, products.get(item.get("product_id")) or {}, number, currency)
        for number, item in enumerate(ordered, 1)
    )


def line_item_from_pipedrive(item: dict, product: dict, line_number: int, currency: str) -> LineItem:
    quantity = to_decimal(item.get("quantity"))
    item_price = to_decimal(item.get("item_price"))
    if quantity is None or item_price is None:
        raise ValueError(f"deal product {item.get('id')} has no quantity or item_price")
    list_price = product_price(product, currency)
    return LineItem(
        line_number=line_number,
        crm_line_id=_text(item.get("id")),
        # The product's own name is what the crosswalk knows; the deal product repeats it unless renamed.
        description=_text(product.get("name")) or _text(item.get("name")),
        quantity=quantity,
        unit_price=Money(net_item_price(item, item_price), currency),
        product_code=_text(product.get("code")),
        crm_product_id=_text(item.get("product_id")),
        discount_percent=discount_percent(item, quantity, item_price),
        unit=_text(product.get("unit")),
        list_price=Money(list_price, currency) if list_price is not None else None,
    )


def discount_percent(item: dict, quantity: Decimal, item_price: Decimal) -> Decimal:
    """The line's discount as a percentage; an amount discount is that share of quantity × item price."""
    discount = to_decimal(item.get("discount")) or Decimal("0")
    if not discount:
        return Decimal("0")
    if _text(item.get("discount_type")).lower() == "amount":
        gross = quantity * item_price
        if not gross:
            return Decimal("0")
        return discount * HUNDRED / gross
    return discount


def net_item_price(item: dict, item_price: Decimal) -> Decimal:
    """The item price without tax: with tax_method "inclusive" Pipedrive's price contains the tax percentage."""
    tax = to_decimal(item.get("tax")) or Decimal("0")
    if _text(item.get("tax_method")).lower() != "inclusive" or not tax:
        return item_price
    return (item_price * HUNDRED / (HUNDRED + tax)).quantize(Decimal("0.0001"))


def product_price(product: dict, currency: str) -> Decimal | None:
    """The product's list price in the deal's currency (Pipedrive keeps one price per currency)."""
    for price in product.get("prices") or []:
        if _text(price.get("currency")).upper() == currency:
            return to_decimal(price.get("price"))
    return None


# ---- organization, address, person -----------------------------------------------------------------------------------


def party_from_organization(organization: dict, *, vat_number_field: str = "", person: dict | None = None) -> Party:
    """Pipedrive keeps one address per organization: it is both the billing and the shipping address."""
    name = _text(organization.get("name"))
    address = address_from_pipedrive(organization, name=name)
    email = primary_of(person.get("emails")) if person else ""
    return Party(
        crm_id=_text(organization.get("id")),
        name=name,
        vat_id=custom_field_text(organization, vat_number_field),
        email_domain=domain_of(organization.get("website")) or _email_domain(email),
        billing_address=address,
        shipping_address=address,
    )


def address_from_pipedrive(record: dict, *, name: str = "") -> Address:
    """The organization's address: v2's `address` object of components, or v1's flat `address_*` fields."""
    parts = record.get("address")
    if not isinstance(parts, dict):
        parts = {"value": parts, **{k.removeprefix("address_"): v for k, v in record.items() if k.startswith("address_")}}
    country = country_code(parts.get("country"))
    street = _street(_text(parts.get("route")), _text(parts.get("street_number")), country)
    if not street and not _text(parts.get("locality")):
        street = _text(parts.get("value"))  # typed as one line and not broken into components
    return Address(
        street=street,
        city=_text(parts.get("locality")) or _text(parts.get("sublocality")),
        postal_code=_text(parts.get("postal_code")),
        region=region_code(parts.get("admin_area_level_1"), country),
        country=country,
        name=name,
    )


def contact_from_person(person: dict) -> Contact:
    first, last = _text(person.get("first_name")), _text(person.get("last_name"))
    if not (first or last):
        first, _, last = _text(person.get("name")).partition(" ")
    return Contact(
        crm_id=_text(person.get("id")),
        first_name=first,
        last_name=last,
        email=primary_of(person.get("emails")),
        phone=primary_of(person.get("phones")),
    )


def primary_of(entries) -> str:
    """The primary value of a person's emails / phones ([{"value", "primary", "label"}]); else the first."""
    entries = [e for e in entries or [] if isinstance(e, dict) and _text(e.get("value"))]
    chosen = next((e for e in entries if e.get("primary")), entries[0] if entries else None)
    return _text(chosen.get("value")) if chosen else ""


# ---- values -----------------------------------------------------------------------------------------------------------


def custom_field_text(record: dict, key: str) -> str:
    """A custom field as text; empty when the key is not configured or the field is empty. Typed values (monetary,
    address) are objects with a `value`."""
    if not key:
        return ""
    value = (record.get("custom_fields") or {}).get(key)
    if isinstance(value, dict):
        value = value.get("value")
    return _text(value)


def _date_of(value) -> dt.date | None:
    moment = parse_datetime(value)
    return moment.date() if moment else None


def _street(route: str, number: str, country: str) -> str:
    if not (route and number):
        return route or number
    return f"{number} {route}" if country in NUMBER_FIRST else f"{route} {number}"


def _email_domain(email: str) -> str:
    return email.rpartition("@")[2].lower() if "@" in email else ""


def _text(value) -> str:
    return "" if value is None else str(value).strip()
