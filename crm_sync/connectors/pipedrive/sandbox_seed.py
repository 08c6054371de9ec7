"""The demo world in the Pipedrive sandbox: the catalogue's organisations, products, persons and its five open deals.

The same companies, people, products, deal names, lines and payment terms as the Salesforce demo
(handoff_project/demo/catalogue.py), stored the way Pipedrive holds them: an organisation's one address as
components, a person's e-mails as a list, product list prices per currency, payment terms in the deal's Text custom
field. Idempotent: what exists (by name, or e-mail for persons) is kept.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from handoff_project.demo import catalogue

from . import sandbox_records as records
from .sandbox_schema import BUSINESS_UNIT_FIELD, PAYMENT_TERMS_FIELD, VAT_NUMBER_FIELD, json_number

# The country names Pipedrive's address lookup writes, for the catalogue's ISO codes.
COUNTRY_NAMES = {"US": "United States", "DE": "Germany", "GB": "United Kingdom"}
CURRENCY = "USD"


@dataclass(frozen=True)
class Catalogue:
    """Ids of the catalogue's records in the sandbox, by their catalogue names."""

    organizations: dict[str, int]  # account name → organization id
    products: dict[str, int]  # product name → product id
    persons: dict[str, int]  # account name → its contact's person id


def seed_demo(close_date: dt.date | None = None) -> int:
    """Create what is missing; returns how many deals were created. `close_date`: the deals' expected close date
    (today when None: the ERP emulators refuse requested delivery dates in the past)."""
    close_date = close_date or dt.date.today()
    ids = seed_catalogue()
    created = 0
    for title, account, terms, lines, _shows in catalogue.SALESFORCE_OPPORTUNITIES:
        if records.find("deal", title=title, is_deleted=False):
            continue
        create_deal(title, ids.organizations[account], ids.persons.get(account), terms, close_date,
                    [(ids.products[name], quantity, price, discount) for name, quantity, price, discount in lines])
        created += 1
    return created


def seed_catalogue() -> Catalogue:
    """The catalogue's organizations, products and persons (those missing are created)."""
    organizations = {a["Name"]: _organization(a)["id"] for a in catalogue.SALESFORCE_ACCOUNTS}
    products = {name: _product(name, code)["id"] for name, code in catalogue.SALESFORCE_PRODUCTS}
    persons = {account: _person(organizations[account], first, last, email)["id"]
               for account, first, last, email in catalogue.SALESFORCE_CONTACTS}  # fmt: skip
    return Catalogue(organizations, products, persons)


def create_deal(title: str, org_id: int, person_id: int | None, terms: str, close_date: dt.date,
                lines: list[tuple[int, str, str, str]]) -> dict:
    """An open deal with its products, as a rep builds it (lines: product id, quantity, unit price, discount %)."""
    deal = records.create("deal", deal_body(title, org_id, person_id, terms, close_date))
    for line in lines:
        records.create("deal product", deal_product_body(*line), parent=deal)
    return records.get("deal", deal["id"])


def deal_body(title: str, org_id: int, person_id: int | None, terms: str, close_date: dt.date,
              business_unit: str = "") -> dict:
    """The POST /api/v2/deals body of an open deal (payment terms and business unit in their Text custom fields)."""
    custom_fields = {PAYMENT_TERMS_FIELD: terms, **({BUSINESS_UNIT_FIELD: business_unit} if business_unit else {})}
    return {"title": title, "org_id": org_id, "person_id": person_id, "currency": CURRENCY, "status": "open",
            "expected_close_date": close_date.isoformat(), "custom_fields": custom_fields}  # fmt: skip


def deal_product_body(product_id: int, quantity: str, price: str, discount: str) -> dict:
    """The POST /api/v2/deals/{id}/products body of one line (catalogue amounts are text)."""
    return {"product_id": product_id, "quantity": json_number(quantity), "item_price": json_number(price),
            "discount": json_number(discount), "discount_type": "percentage"}  # fmt: skip


def _organization(account: dict) -> dict:
    existing = records.find("organization", name=account["Name"])
    if existing:
        return existing
    country = account.get("ShippingCountry", "")
    parts = [account.get("ShippingStreet"), account.get("ShippingCity"), account.get("ShippingPostalCode"),
             COUNTRY_NAMES.get(country, country)]  # fmt: skip
    address = {
        "value": ", ".join(p for p in parts if p),
        "route": account.get("ShippingStreet"),
        "locality": account.get("ShippingCity"),
        "admin_area_level_1": account.get("ShippingState"),
        "postal_code": account.get("ShippingPostalCode"),
        "country": COUNTRY_NAMES.get(country, country),
    }
    vat = account.get("VAT_Number__c")
    return records.create("organization", {"name": account["Name"], "address": address,
                                            "custom_fields": {VAT_NUMBER_FIELD: vat} if vat else {}})  # fmt: skip


def _product(name: str, code: str) -> dict:
    existing = records.find("product", name=name)
    if existing:
        return existing
    list_prices = {crm_name: price for crm_name, _code, material, _tax in catalogue.PRODUCT_CROSSWALK
                   for m, _d, _g, _u, price in catalogue.SAP_MATERIALS if m == material}  # fmt: skip
    prices = [{"price": json_number(list_prices[name]), "currency": CURRENCY, "cost": 0, "direct_cost": 0, "notes": ""}
              ] if name in list_prices else []  # fmt: skip
    return records.create("product", {"name": name, "code": code, "prices": prices})


def _person(org_id: int, first: str, last: str, email: str) -> dict:
    existing = next((p for p in records.records_of("person")
                     if any(e.get("value") == email for e in p.get("emails") or [])), None)  # fmt: skip
    if existing:
        return existing
    return records.create("person", {"name": f"{first} {last}", "org_id": org_id,
                                      "emails": [{"value": email, "primary": True, "label": "work"}]})  # fmt: skip
