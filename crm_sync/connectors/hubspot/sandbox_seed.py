"""The demo catalogue in the HubSpot sandbox: companies, products, contacts and the five open demo deals.

The same world as the Salesforce sandbox (handoff_project.demo.catalogue): the accounts become companies (one
address each, the shipping address; the VAT number in the portal's `vat_number` property), the products carry their
code as `hs_sku`, and each demo deal gets its line items, its company as primary and the account's contact.
Idempotent: what already exists (by deal name, company name, product name, contact email) is reused, not copied.
"""

from __future__ import annotations

import datetime as dt
from urllib.parse import urlsplit

from django.db import transaction

from handoff_project.demo import catalogue

from .sandbox_records import associate, create_record, records_of
from .sandbox_schema import OPEN_STAGES

OPEN_STAGE = OPEN_STAGES[-1]  # contractsent: the last open stage before won


def company_properties(account: dict) -> dict:
    """A catalogue account (Salesforce field names) as HubSpot company properties."""
    return {
        "name": account["Name"],
        "domain": urlsplit(account.get("Website", "")).hostname or "",
        "address": account.get("ShippingStreet", ""),
        "city": account.get("ShippingCity", ""),
        "state": account.get("ShippingState", ""),
        "zip": account.get("ShippingPostalCode", ""),
        "country": account.get("ShippingCountry", ""),
        "vat_number": account.get("VAT_Number__c", ""),
    }


def line_item_properties(product_id: str, quantity: str, price: str, discount: str, position: int) -> dict:
    return {"hs_product_id": product_id, "quantity": quantity, "price": price, "hs_discount_percentage": discount,
            "hs_position_on_quote": str(position)}  # fmt: skip


@transaction.atomic
def seed_demo(close_date: dt.date | None = None) -> int:
    """Load the catalogue into the sandbox; returns how many demo deals it created (0 when all were there)."""
    close_date = close_date or dt.date.today()
    companies = _existing("companies", "name")
    for account in catalogue.SALESFORCE_ACCOUNTS:
        if account["Name"] not in companies:
            companies[account["Name"]] = create_record("companies", company_properties(account))["id"]
    products = _existing("products", "name")
    prices = {name: price for _deal, _account, _terms, lines, _shows in catalogue.SALESFORCE_OPPORTUNITIES
              for name, _quantity, price, _discount in lines}  # fmt: skip
    for name, code in catalogue.SALESFORCE_PRODUCTS:
        if name not in products:
            products[name] = create_record("products", {"name": name, "hs_sku": code,
                                                        "price": prices.get(name)})["id"]  # fmt: skip
    contacts = _existing("contacts", "email")
    by_account = {}
    for account, first, last, email in catalogue.SALESFORCE_CONTACTS:
        if email not in contacts:
            contacts[email] = create_record("contacts", {"email": email, "firstname": first, "lastname": last})["id"]
            associate("contacts", contacts[email], "companies", companies[account])
        by_account[account] = contacts[email]

    deals = _existing("deals", "dealname")
    created = 0
    for name, account, terms, lines, _shows in catalogue.SALESFORCE_OPPORTUNITIES:
        if name in deals:
            continue
        deal = create_record("deals", {"dealname": name, "dealstage": OPEN_STAGE, "pipeline": "default",
                                       "closedate": close_date.isoformat(), "payment_terms": terms,
                                       "deal_currency_code": "USD"})  # fmt: skip
        associate("deals", deal["id"], "companies", companies[account])
        associate("deals", deal["id"], "contacts", by_account[account])
        for position, (product, quantity, price, discount) in enumerate(lines, 1):
            line = create_record("line_items", line_item_properties(products[product], quantity, price, discount,
                                                                    position))  # fmt: skip
            associate("deals", deal["id"], "line_items", line["id"])
        created += 1
    return created


def _existing(object_type: str, key: str) -> dict[str, str]:
    return {r["properties"].get(key): r["id"] for r in records_of(object_type) if r["properties"].get(key)}
