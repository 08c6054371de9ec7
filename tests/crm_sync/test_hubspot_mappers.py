"""HubSpot CRM v3 records → canonical Deal, with the fixture payloads (strings in, Decimal and aware datetimes out)."""

from __future__ import annotations

import datetime as dt
import json
from decimal import Decimal
from pathlib import Path

import pytest

from crm_sync.connectors.hubspot import mappers
from crm_sync.connectors.hubspot.mappers import PortalProperties, deal_from_hubspot
from handoff_project.integration.canonical import Address, Money, Terms

FIXTURES = Path(__file__).resolve().parents[2] / "crm_sync" / "connectors" / "hubspot" / "fixtures"


def load(name: str):
    return json.loads((FIXTURES / name).read_text())


@pytest.fixture
def deal():
    return deal_from_hubspot(load("deal_with_associations.json"), load("line_items_batch_read.json")["results"],
                             load("company.json"), load("contact.json"))  # fmt: skip


def test_the_deal_header_maps_with_decimal_money_and_aware_datetimes(deal):
    assert (deal.crm_system, deal.crm_id, deal.name) == ("hubspot", "33108462948", "Acme Corp — Platform renewal 2027")
    assert deal.currency == "USD" and deal.stage == "closedwon"
    assert deal.amount == Money(Decimal("67560.00"), "USD") and isinstance(deal.amount.amount, Decimal)
    assert deal.closed_on == dt.date(2026, 11, 24)
    assert deal.last_modified == dt.datetime(2026, 11, 20, 9, 15, 37, 609000, tzinfo=dt.timezone.utc)
    assert deal.payment_terms == Terms("Net 30")
    assert (deal.business_unit, deal.selling_company, deal.contract_reference) == ("Software", "", "MSA-2024-009")
    assert deal.total == Money(Decimal("67200.00"), "USD")  # 45 600 + 25 × 960 × 0.9


def test_lines_follow_the_position_on_the_deal_and_keep_sku_product_and_discount(deal):
    first, second = deal.lines
    assert (first.line_number, first.crm_line_id, first.description) == (1, "28902434115",
                                                                         "Enterprise Platform License (Annual)")
    assert (first.product_code, first.crm_product_id, first.discount_percent) == ("ENT-PLAT-A", "1642736", Decimal("0"))
    assert (second.line_number, second.quantity, second.unit_price) == (2, Decimal("25"), Money(Decimal("960.00"), "USD"))
    assert second.discount_percent == Decimal("10") and second.product_code == "SEAT-PRO-A"


def test_the_company_address_is_billing_and_ship_to_with_country_and_state_as_codes(deal):
    expected = Address(street="350 Fifth Avenue, Floor 21", city="New York", postal_code="10118", region="NY",
                       country="US", name="Acme Corp")  # fmt: skip
    assert deal.account.billing_address == expected == deal.ship_to
    assert (deal.account.crm_id, deal.account.name, deal.account.email_domain) == ("184896670", "Acme Corp", "acme.example")
    assert deal.account.vat_id == ""


def test_the_contact_maps_name_email_and_phone(deal):
    contact = deal.primary_contact
    assert (contact.crm_id, contact.full_name, contact.email, contact.phone) == (
        "97132179531", "Dana Whitfield", "dana.whitfield@acme.example", "+1 212 555 0142")


def test_the_primary_company_is_the_one_associated_as_deal_to_company():
    record = load("deal_with_associations.json")
    assert mappers.primary_company_id(record) == "184896670"
    assert mappers.associated_ids(record, "companies") == ["184896670", "184896671"]  # each id once
    assert mappers.associated_ids(record, "line_items", "line items") == ["28902434116", "28902434115"]
    unlabeled_only = {"associations": {"companies": {"results": [{"id": "7", "type": "deal_to_company_unlabeled"}]}}}
    assert mappers.primary_company_id(unlabeled_only) == "7"
    assert mappers.primary_company_id({"associations": {}}) == ""


def test_empty_custom_properties_give_none_and_empty_text_and_names_can_differ_per_portal():
    record = load("deal_with_associations.json")
    record["properties"].update(payment_terms=None, business_unit=None, bu_code="EMEA-HW")
    deal = deal_from_hubspot(record, [], load("company.json"), names=PortalProperties(business_unit="bu_code"))
    assert deal.payment_terms is None and deal.business_unit == "EMEA-HW" and deal.primary_contact is None


def test_the_currency_falls_back_to_the_lines_then_the_portal_default():
    record = load("deal_with_associations.json")
    record["properties"]["deal_currency_code"] = None
    lines = load("line_items_batch_read.json")["results"]
    lines[0]["properties"]["hs_line_item_currency_code"] = "eur"
    assert deal_from_hubspot(record, lines, load("company.json")).currency == "EUR"
    assert deal_from_hubspot(record, [], load("company.json"), default_currency="GBP").currency == "GBP"


def test_an_absolute_discount_per_unit_becomes_a_percentage_of_the_price():
    line = {"id": "1", "properties": {"quantity": "3", "price": "960.00", "discount": "96", "name": "Seat"}}
    assert mappers.line_item_from_hubspot(line, 1, "USD").discount_percent == Decimal("10")
    line["properties"]["discount"] = "100"
    assert mappers.line_item_from_hubspot(line, 1, "USD").discount_percent == Decimal("10.4167")


def test_a_line_without_quantity_or_price_is_refused():
    with pytest.raises(ValueError, match="no quantity or price"):
        mappers.line_item_from_hubspot({"id": "9", "properties": {"quantity": "1", "price": None}}, 1, "USD")


@pytest.mark.parametrize("value, expected", [
    ("2026-11-24T00:00:00Z", dt.datetime(2026, 11, 24, tzinfo=dt.timezone.utc)),
    ("2026-11-24T10:15:00.123+01:00", dt.datetime(2026, 11, 24, 9, 15, 0, 123000, tzinfo=dt.timezone.utc)),
    ("1764000000000", dt.datetime(2025, 11, 24, 16, 0, tzinfo=dt.timezone.utc)),
    ("2026-11-24", dt.datetime(2026, 11, 24, tzinfo=dt.timezone.utc)),
    (None, None), ("", None),
])  # fmt: skip
def test_hubspot_datetimes_in_iso_or_epoch_milliseconds_become_aware(value, expected):
    assert mappers.parse_datetime(value) == expected


def test_a_search_result_becomes_a_won_deal_with_its_change_time_and_since_goes_out_in_milliseconds():
    first = mappers.won_deal_from_search_result(load("deals_search_page.json")["results"][0])
    assert (first.crm_id, first.name) == ("33108462948", "Acme Corp — Platform renewal 2027")
    assert first.changed_at == dt.datetime(2026, 11, 20, 9, 15, 37, 609000, tzinfo=dt.timezone.utc)
    assert mappers.to_epoch_ms(first.changed_at) == "1795166137609"
