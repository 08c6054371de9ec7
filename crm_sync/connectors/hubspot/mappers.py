"""HubSpot CRM v3 records → the canonical `Deal`. Pure functions over the API's JSON, no I/O, no settings.

Records are {"id", "properties": {name: string or null}, "createdAt", "updatedAt", "archived", "associations"?}.
Every property value is a string ("25", "960.00", "2026-11-24T00:00:00Z") or null; numbers become `Decimal`
(never float), datetimes aware. The property names a portal defines itself (payment terms, business unit, selling
company, VAT number) are passed in by the adapter. Free-text countries and states are read with the same tables as
Salesforce's (crm_sync.connectors.salesforce.mappers), never guessed.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

from crm_sync.connectors.base import WonDeal
from crm_sync.connectors.salesforce.mappers import (
    country_code,
    currency_code,
    domain_of,
    order_key,
    region_code,
    required_id,
    to_decimal,
)
from handoff_project.integration.canonical import Address, Contact, Deal, LineItem, Money, Party, Terms

SYSTEM = "hubspot"
PRIMARY_COMPANY = "deal_to_company"  # the association type of the deal's primary company (type id 5)
PERCENT_PLACES = Decimal("0.0001")


@dataclass(frozen=True)
class PortalProperties:
    """The portal's own (custom) property names the mapping reads; empty: the portal has none."""

    payment_terms: str = "payment_terms"
    business_unit: str = "business_unit"
    selling_company: str = "selling_company"
    contract_reference: str = "contract_reference"
    vat_number: str = "vat_number"


def deal_from_hubspot(
    deal: dict,
    line_items: list[dict],
    company: dict,
    contact: dict | None = None,
    *,
    names: PortalProperties = PortalProperties(),
    default_currency: str = "USD",
) -> Deal:
    """The canonical Deal of a HubSpot deal with its line items, primary company and contact."""
    props = deal.get("properties") or {}
    currency = deal_currency(props, line_items, default_currency)
    party = party_from_company(company, vat_property=names.vat_number)
    amount = to_decimal(props.get("amount"))
    return Deal(
        crm_system=SYSTEM,
        crm_id=required_id(deal, "id", "HubSpot deal"),
        name=_text(props.get("dealname")),
        account=party,
        lines=lines_from_hubspot(line_items, currency),
        currency=currency,
        closed_on=parse_date(props.get("closedate")),
        amount=Money(amount, currency) if amount is not None else None,
        ship_to=party.shipping_address,
        primary_contact=contact_from_hubspot(contact) if contact else None,
        payment_terms=_terms(_property(props, names.payment_terms)),
        contract_reference=_property(props, names.contract_reference),
        stage=_text(props.get("dealstage")),
        last_modified=parse_datetime(props.get("hs_lastmodifieddate") or deal.get("updatedAt")),
        business_unit=_property(props, names.business_unit),
        selling_company=_property(props, names.selling_company),
    )


def deal_currency(props: dict, line_items: list[dict], default: str) -> str:
    """deal_currency_code; else the lines' hs_line_item_currency_code; else the portal's default currency."""
    line_codes = [_text((li.get("properties") or {}).get("hs_line_item_currency_code")) for li in line_items]
    return currency_code(_text(props.get("deal_currency_code")) or next((c for c in line_codes if c), "") or default)


def _terms(text: str) -> Terms | None:
    return Terms(text) if text else None


# ---- lines -----------------------------------------------------------------------------------------------------------


def lines_from_hubspot(line_items: list[dict], currency: str) -> tuple[LineItem, ...]:
    """Lines numbered 1..n in the order the rep arranged them (hs_position_on_quote), then by id."""

    def order(record: dict):
        record_id = _text(record.get("id"))
        return (order_key((record.get("properties") or {}).get("hs_position_on_quote")),
                int(record_id) if record_id.isascii() and record_id.isdigit() else 0)

    return tuple(line_item_from_hubspot(r, n, currency) for n, r in enumerate(sorted(line_items, key=order), 1))


def line_item_from_hubspot(record: dict, line_number: int, currency: str) -> LineItem:
    props = record.get("properties") or {}
    quantity, price = to_decimal(props.get("quantity")), to_decimal(props.get("price"))
    if quantity is None or price is None:
        raise ValueError(f"HubSpot line item {record.get('id')} has no quantity or price")
    return LineItem(
        line_number=line_number,
        crm_line_id=required_id(record, "id", "HubSpot line item"),
        description=_text(props.get("name")) or _text(props.get("description")),
        quantity=quantity,
        unit_price=Money(price, currency),
        product_code=_text(props.get("hs_sku")),
        crm_product_id=_text(props.get("hs_product_id")),
        discount_percent=discount_percent(props, price),
    )


def discount_percent(props: dict, price: Decimal) -> Decimal:
    """hs_discount_percentage as given; else the per-unit `discount` amount as a share of the price (4 places)."""
    percentage = to_decimal(props.get("hs_discount_percentage"))
    if percentage:
        return percentage
    per_unit = to_decimal(props.get("discount"))
    if not per_unit or not price:
        return Decimal("0")
    return (per_unit / price * 100).quantize(PERCENT_PLACES, rounding=ROUND_HALF_UP).normalize()


# ---- company and contact ---------------------------------------------------------------------------------------------


def party_from_company(company: dict, *, vat_property: str = "vat_number") -> Party:
    """A HubSpot company has one address (address, address2, city, zip, state, country): billing and shipping."""
    props = company.get("properties") or {}
    country = country_code(props.get("country"))
    address = Address(
        street=", ".join(p for p in (_text(props.get("address")), _text(props.get("address2"))) if p),
        city=_text(props.get("city")),
        postal_code=_text(props.get("zip")),
        region=region_code(props.get("state"), country),
        country=country,
        name=_text(props.get("name")),
    )
    return Party(
        crm_id=str(company.get("id", "")),
        name=_text(props.get("name")),
        vat_id=_property(props, vat_property),
        email_domain=domain_of(props.get("domain") or props.get("website")),
        billing_address=address,
        shipping_address=address,
    )


def contact_from_hubspot(contact: dict) -> Contact:
    props = contact.get("properties") or {}
    return Contact(
        crm_id=str(contact.get("id", "")),
        first_name=_text(props.get("firstname")),
        last_name=_text(props.get("lastname")),
        email=_text(props.get("email")),
        phone=_text(props.get("phone")) or _text(props.get("mobilephone")),
    )


# ---- associations and search results ---------------------------------------------------------------------------------


def associated_ids(record: dict, *keys: str) -> list[str]:
    """Distinct associated ids under `associations[key].results`, in HubSpot's order. HubSpot lists a record once
    per association type (deal_to_company and deal_to_company_unlabeled), hence the de-duplication."""
    associations = record.get("associations") or {}
    seen: dict[str, None] = {}
    for key in keys:
        for entry in (associations.get(key) or {}).get("results") or []:
            if entry.get("id") is not None:
                seen.setdefault(str(entry["id"]), None)
    return list(seen)


def primary_company_id(record: dict) -> str:
    """The company associated as primary; else the first associated company; "" when none."""
    results = ((record.get("associations") or {}).get("companies") or {}).get("results") or []
    primary = next((str(e["id"]) for e in results if e.get("type") == PRIMARY_COMPANY and e.get("id")), "")
    return primary or next(iter(associated_ids(record, "companies")), "")


def won_deal_from_search_result(record: dict) -> WonDeal:
    props = record.get("properties") or {}
    return WonDeal(crm_id=str(record["id"]), name=_text(props.get("dealname")),
                   changed_at=parse_datetime(props.get("hs_lastmodifieddate") or record.get("updatedAt")))  # fmt: skip


# ---- values ----------------------------------------------------------------------------------------------------------


def parse_datetime(value) -> dt.datetime | None:
    """An ISO 8601 datetime ("2026-11-24T10:15:00.123Z") or epoch milliseconds ("1764000000000"), aware."""
    text = _text(value)
    if not text:
        return None
    if text.isdigit():
        return dt.datetime.fromtimestamp(int(text) / 1000, tz=dt.timezone.utc)
    if len(text) == 10:  # a bare date
        return dt.datetime.fromisoformat(text).replace(tzinfo=dt.timezone.utc)
    parsed = dt.datetime.fromisoformat(text.replace("Z", "+00:00"))
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=dt.timezone.utc)


def parse_date(value) -> dt.date | None:
    """closedate is a datetime HubSpot stores in UTC; the deal closes on its UTC calendar day."""
    moment = parse_datetime(value)
    return moment.astimezone(dt.timezone.utc).date() if moment else None


def to_epoch_ms(moment: dt.datetime) -> str:
    """A datetime as HubSpot's search filters take it (milliseconds since the epoch, as text)."""
    aware = moment if moment.tzinfo else moment.replace(tzinfo=dt.timezone.utc)
    return str(int(aware.timestamp() * 1000))


def _property(props: dict, name: str) -> str:
    return _text(props.get(name)) if name else ""


def _text(value) -> str:
    return "" if value is None else str(value).strip()
