"""Test helpers for the HubSpot sandbox: records created over its REST API, as an integration or a rep would."""

from __future__ import annotations

import pytest

from crm_sync.connectors.hubspot.client import HubSpotClient
from crm_sync.connectors.hubspot.sandbox_outbound import wait_for_deliveries

# HubSpot-defined association type ids (sandbox_schema.ASSOCIATION_TYPES)
DEAL_TO_PRIMARY_COMPANY, DEAL_TO_CONTACT, LINE_ITEM_TO_DEAL = 5, 3, 20


@pytest.fixture
def hubspot_sandbox(sandbox_urls, settings):
    """The live server with every system on its sandbox; webhook retries fast; no delivery thread left running."""
    settings.HUBSPOT_SANDBOX_WEBHOOK_RETRY_DELAYS = [0.1, 0.1]
    yield sandbox_urls
    assert wait_for_deliveries(timeout=30)


@pytest.fixture
def hs(hubspot_sandbox):
    with HubSpotClient() as client:
        yield client


def to(record_id: str, type_id: int) -> dict:
    return {"to": {"id": record_id}, "types": [{"associationCategory": "HUBSPOT_DEFINED", "associationTypeId": type_id}]}


def create_deal(hs: HubSpotClient, *, stage: str = "contractsent", closedate: str = "2026-11-24") -> dict:
    """A deal as a rep builds it: two companies (one primary), two products, two lines, two contacts."""
    other = hs.create("companies", {"name": "Initech Holding", "city": "Austin", "country": "United States"})["id"]
    company = hs.create("companies", {
        "name": "Initech LLC", "domain": "initech.example", "address": "4120 Freidrich Lane", "city": "Austin",
        "state": "Texas", "zip": "78744", "country": "United States", "vat_number": "US-47-1234567",
    })["id"]  # fmt: skip
    license_product = hs.create("products", {"name": "Enterprise License, annual", "hs_sku": "ENT-LIC-Y",
                                             "price": "420.00"})["id"]  # fmt: skip
    support = hs.create("products", {"name": "Premium Support", "hs_sku": "SUP-PREM", "price": "12000"})["id"]
    primary = hs.create("contacts", {"email": "peter.gibbons@initech.example", "firstname": "Peter",
                                     "lastname": "Gibbons", "phone": "+1 512 555 0199"})["id"]  # fmt: skip
    second = hs.create("contacts", {"email": "bill@initech.example", "firstname": "Bill", "lastname": "Lumbergh"})["id"]
    deal = hs.create("deals", {
        "dealname": "Initech — platform rollout", "dealstage": stage, "pipeline": "default", "closedate": closedate,
        "deal_currency_code": "USD", "payment_terms": "Net 45", "business_unit": "Software",
        "contract_reference": "MSA-2024-009",
    }, associations=[to(company, DEAL_TO_PRIMARY_COMPANY), to(primary, DEAL_TO_CONTACT),
                     to(second, DEAL_TO_CONTACT)])["id"]  # fmt: skip
    hs.associate("deals", deal, "companies", other)  # a second, unlabeled company
    support_line = hs.create("line_items", {"hs_product_id": support, "quantity": "1", "hs_position_on_quote": "1"},
                             associations=[to(deal, LINE_ITEM_TO_DEAL)])["id"]  # fmt: skip
    license_line = hs.create("line_items", {
        "hs_product_id": license_product, "quantity": "150", "price": "399.90", "hs_discount_percentage": "10",
        "description": "Seats for all sites", "hs_position_on_quote": "0",
    }, associations=[to(deal, LINE_ITEM_TO_DEAL)])["id"]  # fmt: skip
    return {"deal": deal, "company": company, "other_company": other, "primary": primary, "support_line": support_line,
            "license_line": license_line, "license_product": license_product}  # fmt: skip
