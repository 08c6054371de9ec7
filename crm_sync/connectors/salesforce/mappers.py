"""Salesforce records → the canonical `Deal`. Pure functions over the REST JSON (dicts), no I/O.

Inputs are records as the REST API returns them: an Opportunity, its OpportunityLineItems (optionally with the
parent `Product2` nested, as SOQL returns `Product2.Name`), the Account and the primary Contact. Numbers may arrive
as `Decimal` (our client parses JSON that way) or as int/float from elsewhere; both go through `Decimal(str(x))`.
Countries become ISO 3166 alpha-2 codes only through the small table below, never by guessing.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal, InvalidOperation
from urllib.parse import urlsplit

from handoff_project.integration.canonical import Address, Contact, Deal, LineItem, Money, Party, Terms

SYSTEM = "salesforce"

# Country names as people type them in Salesforce's free-text BillingCountry / ShippingCountry.
COUNTRY_CODES = {
    "united states": "US", "united states of america": "US", "usa": "US", "u.s.": "US", "u.s.a.": "US",
    "america": "US", "canada": "CA", "mexico": "MX", "brazil": "BR",
    "united kingdom": "GB", "uk": "GB", "u.k.": "GB", "great britain": "GB", "england": "GB", "scotland": "GB",
    "wales": "GB", "ireland": "IE", "germany": "DE", "deutschland": "DE", "france": "FR", "spain": "ES",
    "italy": "IT", "portugal": "PT", "netherlands": "NL", "the netherlands": "NL", "holland": "NL",
    "belgium": "BE", "luxembourg": "LU", "switzerland": "CH", "austria": "AT", "denmark": "DK", "sweden": "SE",
    "norway": "NO", "finland": "FI", "poland": "PL", "czech republic": "CZ", "czechia": "CZ",
    "australia": "AU", "new zealand": "NZ", "japan": "JP", "china": "CN", "india": "IN", "singapore": "SG",
    "south korea": "KR", "korea, republic of": "KR",
}  # fmt: skip

# State / province names where the country uses codes (US, CA); a two-letter entry is taken as a code already.
REGION_CODES = {
    "US": {
        "alabama": "AL", "alaska": "AK", "arizona": "AZ", "arkansas": "AR", "california": "CA", "colorado": "CO",
        "connecticut": "CT", "delaware": "DE", "district of columbia": "DC", "florida": "FL", "georgia": "GA",
        "hawaii": "HI", "idaho": "ID", "illinois": "IL", "indiana": "IN", "iowa": "IA", "kansas": "KS",
        "kentucky": "KY", "louisiana": "LA", "maine": "ME", "maryland": "MD", "massachusetts": "MA",
        "michigan": "MI", "minnesota": "MN", "mississippi": "MS", "missouri": "MO", "montana": "MT",
        "nebraska": "NE", "nevada": "NV", "new hampshire": "NH", "new jersey": "NJ", "new mexico": "NM",
        "new york": "NY", "north carolina": "NC", "north dakota": "ND", "ohio": "OH", "oklahoma": "OK",
        "oregon": "OR", "pennsylvania": "PA", "rhode island": "RI", "south carolina": "SC", "south dakota": "SD",
        "tennessee": "TN", "texas": "TX", "utah": "UT", "vermont": "VT", "virginia": "VA", "washington": "WA",
        "west virginia": "WV", "wisconsin": "WI", "wyoming": "WY", "puerto rico": "PR",
    },
    "CA": {
        "alberta": "AB", "british columbia": "BC", "manitoba": "MB", "new brunswick": "NB",
        "newfoundland and labrador": "NL", "nova scotia": "NS", "ontario": "ON", "prince edward island": "PE",
        "quebec": "QC", "québec": "QC", "saskatchewan": "SK", "northwest territories": "NT", "nunavut": "NU",
        "yukon": "YT",
    },
}  # fmt: skip


# ---- the deal ---------------------------------------------------------------------------------------------------------


def deal_from_salesforce(
    opportunity: dict,
    line_items: list[dict],
    account: dict,
    contact: dict | None = None,
    *,
    default_currency: str = "USD",
    business_unit_field: str = "",
    selling_company_field: str = "",
) -> Deal:
    """The canonical Deal of an Opportunity with its lines, Account and primary Contact. The business unit and
    selling company come from the org's custom fields named by the caller (ERP routing reads them)."""
    currency = currency_code(_text(opportunity.get("CurrencyIsoCode")) or default_currency)
    party = party_from_account(account)
    amount = to_decimal(opportunity.get("Amount"))
    return Deal(
        crm_system=SYSTEM,
        crm_id=required_id(opportunity, "Id", "Opportunity"),
        name=_text(opportunity.get("Name")),
        account=party,
        lines=lines_from_salesforce(line_items, currency),
        currency=currency,
        closed_on=parse_date(opportunity.get("CloseDate")),
        amount=Money(amount, currency) if amount is not None else None,
        ship_to=ship_to_address(party),
        primary_contact=contact_from_salesforce(contact) if contact else None,
        payment_terms=payment_terms(opportunity),
        contract_reference=_text(opportunity.get("Contract_Reference__c")) or _text(opportunity.get("ContractId")),
        stage=_text(opportunity.get("StageName")),
        last_modified=parse_datetime(opportunity.get("LastModifiedDate")),
        business_unit=_text(opportunity.get(business_unit_field)) if business_unit_field else "",
        selling_company=_text(opportunity.get(selling_company_field)) if selling_company_field else "",
    )


def payment_terms(opportunity: dict) -> Terms | None:
    """Payment_Terms__c as stated; None when empty (the pipeline applies the default and logs that it did)."""
    text = _text(opportunity.get("Payment_Terms__c"))
    return Terms(text) if text else None


def lines_from_salesforce(line_items: list[dict], currency: str) -> tuple[LineItem, ...]:
    """Lines numbered 1..n by SortOrder (as the user arranged them), then Id for a stable order."""
    ordered = sorted(line_items, key=lambda r: (order_key(r.get("SortOrder")), _text(r.get("Id"))))
    return tuple(line_item_from_salesforce(record, number, currency) for number, record in enumerate(ordered, 1))


def line_item_from_salesforce(record: dict, line_number: int, currency: str) -> LineItem:
    product = record.get("Product2") or {}
    quantity = to_decimal(record.get("Quantity"))
    unit_price = to_decimal(record.get("UnitPrice"))
    if quantity is None or unit_price is None:
        raise ValueError(f"OpportunityLineItem {record.get('Id')} has no Quantity or UnitPrice")
    list_price = to_decimal(record.get("ListPrice"))
    return LineItem(
        line_number=line_number,
        crm_line_id=_text(record.get("Id")),
        # The product's own name is what the crosswalk knows; the line's Name is derived from it.
        description=_text(product.get("Name")) or _text(record.get("Name")) or _text(record.get("Description")),
        quantity=quantity,
        unit_price=Money(unit_price, currency),
        product_code=_text(record.get("ProductCode")) or _text(product.get("ProductCode")),
        crm_product_id=_text(record.get("Product2Id")),
        discount_percent=to_decimal(record.get("Discount")) or Decimal("0"),
        unit=_text(product.get("QuantityUnitOfMeasure")) or _text(record.get("QuantityUnitOfMeasure")),
        list_price=Money(list_price, currency) if list_price is not None else None,
    )


# ---- account, addresses, contact ----------------------------------------------------------------------------------------


def party_from_account(account: dict) -> Party:
    return Party(
        crm_id=_text(account.get("Id")),
        name=_text(account.get("Name")),
        vat_id=_text(account.get("VAT_Number__c")),
        duns=_text(account.get("DunsNumber")),
        email_domain=domain_of(account.get("Website")),
        billing_address=address_from_salesforce(account, "Billing"),
        shipping_address=address_from_salesforce(account, "Shipping"),
    )


def address_from_salesforce(record: dict, prefix: str, *, name: str | None = None) -> Address:
    """The compound address `<prefix>Street/City/State/PostalCode/Country` (Billing, Shipping, Mailing)."""
    country = _text(record.get(f"{prefix}CountryCode")) or country_code(record.get(f"{prefix}Country"))
    region = _text(record.get(f"{prefix}StateCode")) or region_code(record.get(f"{prefix}State"), country)
    return Address(
        street=_text(record.get(f"{prefix}Street")),
        city=_text(record.get(f"{prefix}City")),
        postal_code=_text(record.get(f"{prefix}PostalCode")),
        region=region,
        country=country.upper(),
        name=_text(record.get("Name")) if name is None else name,
    )


def ship_to_address(party: Party) -> Address:
    """The Account's shipping address; its billing address when no shipping address is filled in."""
    return party.billing_address if party.shipping_address.is_empty else party.shipping_address


def ship_to_is_billing_fallback(deal: Deal) -> bool:
    """True when the deal's ship-to is the billing address because the Account had no shipping address."""
    return deal.account.shipping_address.is_empty and not deal.ship_to.is_empty


def contact_from_salesforce(contact: dict) -> Contact:
    return Contact(
        crm_id=_text(contact.get("Id")),
        first_name=_text(contact.get("FirstName")),
        last_name=_text(contact.get("LastName")),
        email=_text(contact.get("Email")),
        phone=_text(contact.get("Phone")),
    )


def country_code(value) -> str:
    """ISO alpha-2 for a country as typed; "" when the table does not know it (left for address validation)."""
    text = _text(value)
    if text.lower() in COUNTRY_CODES:  # first: "UK" is typed often but is not the ISO code (GB)
        return COUNTRY_CODES[text.lower()]
    return text.upper() if len(text) == 2 and text.isalpha() else ""


def region_code(value, country: str) -> str:
    """A state/province code: kept when given as a code, looked up when given as a name, else the text as is."""
    text = _text(value)
    if not text:
        return ""
    compact = text.replace(".", "")
    if len(compact) <= 3 and compact.isalnum():
        return compact.upper()
    return REGION_CODES.get(country.upper(), {}).get(text.lower(), text)


def domain_of(website) -> str:
    """ "https://www.Acme.com/about" → "acme.com" """
    text = _text(website).lower()
    if not text:
        return ""
    host = urlsplit(text if "//" in text else f"//{text}").hostname or ""
    return host.removeprefix("www.")


# ---- values -----------------------------------------------------------------------------------------------------------


# No quantity, price or amount a CRM holds comes near this; beyond it a value is junk, and arithmetic on it could
# overflow the decimal context.
LARGEST_NUMBER = Decimal("1e15")


def to_decimal(value) -> Decimal | None:
    """A CRM number as Decimal; None when empty. ValueError for what is not a finite, plausible number."""
    if value is None or value == "":
        return None
    if isinstance(value, bool) or isinstance(value, (dict, list)):
        raise ValueError(f"{_shown(value)} is not a number")
    try:
        number = value if isinstance(value, Decimal) else Decimal(str(value).strip())
    except (InvalidOperation, ValueError) as exc:
        raise ValueError(f"{_shown(value)} is not a number") from exc
    if not number.is_finite() or abs(number) >= LARGEST_NUMBER:
        raise ValueError(f"{_shown(value)} is not a plausible number (finite, below {LARGEST_NUMBER:,.0f})")
    return number


def currency_code(text: str) -> str:
    """An ISO 4217 code, upper-cased; ValueError for anything else (a deal without lines would carry it unchecked)."""
    code = _text(text).upper()
    if len(code) != 3 or not (code.isascii() and code.isalpha()):
        raise ValueError(f"currency {_shown(text)} is not an ISO 4217 code")
    return code


def order_key(value) -> Decimal:
    """A sort position (SortOrder, order_nr, hs_position_on_quote) as a number; missing ones sort last."""
    number = to_decimal(value)
    return LARGEST_NUMBER if number is None else number


def required_id(record: dict, key: str, what: str) -> str:
    """The record's id as text; ValueError when the record has none (every record the API returns has one)."""
    value = _text(record.get(key))
    if not value:
        raise ValueError(f"the {what} has no {key}")
    return value


def _shown(value) -> str:
    text = repr(value)
    return text if len(text) <= 60 else text[:57] + "..."


def parse_date(value) -> dt.date | None:
    text = _text(value)
    return dt.date.fromisoformat(text[:10]) if text else None


def parse_datetime(value) -> dt.datetime | None:
    """Salesforce datetimes ("2024-05-02T09:15:00.000+0000") as timezone-aware datetimes."""
    text = _text(value)
    if not text:
        return None
    parsed = dt.datetime.fromisoformat(text.replace("Z", "+00:00"))
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=dt.timezone.utc)


def _text(value) -> str:
    return "" if value is None else str(value).strip()
