"""Pipedrive API v2 records (the fixtures) → the canonical Deal: lines, discounts, tax, address, contact, custom fields."""

from __future__ import annotations

import datetime as dt
import json
from decimal import Decimal
from pathlib import Path

import pytest

from crm_sync.connectors.pipedrive.mappers import (
    address_from_pipedrive,
    contact_from_person,
    custom_field_text,
    deal_from_pipedrive,
    line_item_from_pipedrive,
    parse_datetime,
    won_deal_from_pipedrive,
)
from crm_sync.connectors.pipedrive.sandbox_schema import (
    BUSINESS_UNIT_FIELD,
    PAYMENT_TERMS_FIELD,
    VAT_NUMBER_FIELD,
)
from handoff_project.integration.canonical import Address, Money, Terms

FIXTURES = Path(__file__).resolve().parents[2] / "crm_sync" / "connectors" / "pipedrive" / "fixtures"


def data(name: str):
    return json.loads((FIXTURES / name).read_text(), parse_float=Decimal)["data"]


@pytest.fixture
def records() -> dict:
    return {
        "deal": data("api_v2_deal.json"),
        "deal_products": data("api_v2_deal_products.json"),
        "products": {p["id"]: p for p in data("api_v2_products.json")},
        "organization": data("api_v2_organization.json"),
        "person": data("api_v2_person.json"),
    }


def mapped(records, **fields):
    return deal_from_pipedrive(
        records["deal"], records["deal_products"], records["products"], records["organization"], records["person"],
        payment_terms_field=PAYMENT_TERMS_FIELD, business_unit_field=BUSINESS_UNIT_FIELD,
        vat_number_field=VAT_NUMBER_FIELD, **fields,
    )  # fmt: skip


def test_the_deal_fixture_maps_to_the_canonical_deal(records):
    deal = mapped(records)

    assert (deal.crm_system, deal.crm_id, deal.name) == ("pipedrive", "1187", "Initech — Seats and integration workshop")
    assert (deal.currency, deal.stage) == ("EUR", "won")
    assert deal.amount == Money(Decimal("20520"), "EUR")
    assert deal.closed_on == dt.date(2026, 3, 31)  # the expected close date, as Salesforce's CloseDate
    assert deal.last_modified == dt.datetime(2026, 3, 12, 14, 5, 31, tzinfo=dt.timezone.utc)
    assert deal.payment_terms == Terms("Net 30")
    assert deal.business_unit == "Software EMEA"


def test_enabled_lines_come_in_the_users_order_with_code_unit_and_list_price_from_the_product(records):
    seats, workshop = mapped(records).lines  # the disabled training day is not part of the deal's value

    assert (seats.line_number, seats.crm_line_id, seats.crm_product_id) == (1, "5501", "31")
    assert (seats.description, seats.product_code, seats.unit) == ("Pro Seat - Annual Subscription", "SEAT-PRO-A", "seat")
    assert (seats.quantity, seats.unit_price, seats.discount_percent) == (
        Decimal("10"), Money(Decimal("960"), "EUR"), Decimal("5"))
    assert seats.list_price == Money(Decimal("1000"), "EUR")  # the EUR price, not the USD one
    assert (workshop.line_number, workshop.product_code, workshop.list_price) == (2, "CUST-WS", None)


def test_an_amount_discount_becomes_the_percentage_that_gives_the_same_line_total(records):
    workshop = mapped(records).lines[1]

    assert workshop.discount_percent == Decimal("5")  # 600 off 1 × 12 000
    assert workshop.net_amount == Decimal("11400.00")  # Pipedrive's own `sum` for the line
    assert mapped(records).total == Money(Decimal("20520.00"), "EUR")  # = the deal's value


def test_an_amount_discount_that_is_not_a_round_percentage_still_keeps_the_line_total():
    item = {"id": 1, "product_id": 9, "quantity": 3, "item_price": Decimal("99.99"), "discount": Decimal("10"),
            "discount_type": "amount"}  # fmt: skip
    line = line_item_from_pipedrive(item, {}, 1, "USD")
    assert line.net_amount == Decimal("289.97")  # 299.97 − 10


def test_a_tax_inclusive_item_price_becomes_the_net_unit_price():
    item = {"id": 1, "product_id": 9, "quantity": 2, "item_price": Decimal("2142"), "tax": 19, "tax_method": "inclusive"}
    assert line_item_from_pipedrive(item, {}, 1, "EUR").unit_price == Money(Decimal("1800.0000"), "EUR")
    exclusive = {**item, "tax_method": "exclusive"}
    assert line_item_from_pipedrive(exclusive, {}, 1, "EUR").unit_price == Money(Decimal("2142"), "EUR")


def test_a_line_without_quantity_or_price_is_refused_loudly():
    with pytest.raises(ValueError, match="deal product 7 has no quantity"):
        line_item_from_pipedrive({"id": 7, "item_price": 10}, {}, 1, "USD")


def test_the_organization_gives_the_account_with_its_one_address_as_billing_and_shipping(records):
    account = mapped(records).account

    assert (account.crm_id, account.name, account.vat_id) == ("208", "Initech GmbH", "DE811569869")
    assert account.email_domain == "initech.example"  # from the primary contact: v2 organizations carry no website
    expected = Address(street="Leopoldstraße 8", city="München", postal_code="80802", region="Bayern", country="DE",
                       name="Initech GmbH")  # fmt: skip
    assert account.billing_address == account.shipping_address == mapped(records).ship_to == expected


def test_the_primary_email_is_used_even_when_it_is_not_the_first(records):
    contact = mapped(records).primary_contact
    assert (contact.crm_id, contact.full_name, contact.email, contact.phone) == (
        "412", "Bill Lumbergh", "bill.lumbergh@initech.example", "+49 89 1234567")


def test_a_us_address_puts_the_house_number_first_and_the_state_as_its_code():
    org = {"address": {"route": "Fifth Avenue", "street_number": "350", "locality": "New York",
                       "admin_area_level_1": "New York", "postal_code": "10118", "country": "United States"}}  # fmt: skip
    assert address_from_pipedrive(org) == Address(street="350 Fifth Avenue", city="New York", postal_code="10118",
                                                  region="NY", country="US")  # fmt: skip


def test_a_v1_flat_address_and_an_address_typed_on_one_line_are_read_too():
    flat = {"address": "1 Canada Square, London", "address_route": "Canada Square", "address_street_number": "1",
            "address_locality": "London", "address_postal_code": "E14 5AB", "address_country": "United Kingdom"}  # fmt: skip
    assert address_from_pipedrive(flat) == Address(street="1 Canada Square", city="London", postal_code="E14 5AB",
                                                   country="GB")  # fmt: skip
    one_line = {"address": {"value": "Leopoldstraße 8, 80802 München"}}
    assert address_from_pipedrive(one_line).street == "Leopoldstraße 8, 80802 München"
    assert address_from_pipedrive({"address": None}).is_empty


def test_without_the_custom_field_keys_configured_terms_business_unit_and_vat_stay_empty(records):
    deal = deal_from_pipedrive(records["deal"], records["deal_products"], records["products"], records["organization"])
    assert (deal.payment_terms, deal.business_unit, deal.account.vat_id, deal.primary_contact) == (None, "", "", None)


def test_custom_fields_read_as_text_whether_plain_or_typed_objects():
    record = {"custom_fields": {"a" * 40: {"value": 1250, "currency": "EUR"}, "b" * 40: "  Net 45 ", "c" * 40: None}}
    assert custom_field_text(record, "a" * 40) == "1250"
    assert custom_field_text(record, "b" * 40) == "Net 45"
    assert custom_field_text(record, "c" * 40) == "" and custom_field_text(record, "") == ""


def test_a_person_known_only_by_name_is_split_into_first_and_last():
    contact = contact_from_person({"id": 5, "name": "Alice van Abernathy", "emails": [{"value": "a@u.example"}]})
    assert (contact.first_name, contact.last_name, contact.email) == ("Alice", "van Abernathy", "a@u.example")


def test_without_an_expected_close_date_the_day_it_was_won_counts():
    deal = {"id": 3, "title": "T", "won_time": "2026-03-12T23:30:00Z", "expected_close_date": None}
    assert deal_from_pipedrive(deal, [], {}, {"id": 1, "name": "O"}).closed_on == dt.date(2026, 3, 12)


def test_won_deals_of_the_poll_carry_id_title_and_their_last_change():
    page = json.loads((FIXTURES / "api_v2_deals_won_page.json").read_text())["data"]
    first = won_deal_from_pipedrive(page[0])
    assert (first.crm_id, first.name) == ("1180", "Acme Corp — Platform renewal 2027")
    assert first.changed_at == dt.datetime(2026, 3, 11, 9, tzinfo=dt.timezone.utc)


def test_v1_and_v2_timestamps_are_both_utc():
    assert parse_datetime("2026-03-12 14:05:31") == parse_datetime("2026-03-12T14:05:31Z")
    assert parse_datetime(None) is None
