"""Salesforce records → canonical Deal, with records shaped as the REST API returns them."""

from __future__ import annotations

import datetime as dt
import json
from decimal import Decimal

import pytest

from crm_sync.connectors.salesforce.mappers import (
    address_from_salesforce,
    country_code,
    deal_from_salesforce,
    domain_of,
    region_code,
    ship_to_is_billing_fallback,
)
from handoff_project.integration.canonical import Address, Deal, Money, Terms, from_dict, to_dict


def _json(text: str):
    """Records as our client reads them: JSON numbers as Decimal."""
    return json.loads(text, parse_float=Decimal)


OPPORTUNITY = _json("""{
  "attributes": {"type": "Opportunity", "url": "/services/data/v61.0/sobjects/Opportunity/0065g00000Q1rAbAAJ"},
  "Id": "0065g00000Q1rAbAAJ", "Name": "Northwind — 2025 platform renewal", "AccountId": "0015g00000LmNoPAAV",
  "StageName": "Closed Won", "IsWon": true, "CloseDate": "2025-03-28", "Amount": 104370.00,
  "CurrencyIsoCode": "EUR", "Payment_Terms__c": "Net 45", "ContractId": "8005g000001AbCdAAK",
  "Contract_Reference__c": "MSA-2023-117", "LastModifiedDate": "2025-03-28T14:05:09.000+0000"
}""")
LINE_ITEMS = _json("""[
  {"attributes": {"type": "OpportunityLineItem"}, "Id": "00k5g00000B2zzzAAA", "Product2Id": "01t5g000000PrOdAAA",
   "ProductCode": "SVC-ONB", "Name": "Northwind — 2025 platform renewal Onboarding", "Quantity": 1.00,
   "UnitPrice": 4500.00, "ListPrice": 5000.00, "Discount": null, "Description": null, "SortOrder": 2,
   "Product2": {"attributes": {"type": "Product2"}, "Name": "Onboarding package", "ProductCode": "SVC-ONB",
                "QuantityUnitOfMeasure": "Each"}},
  {"attributes": {"type": "OpportunityLineItem"}, "Id": "00k5g00000B2aaaAAA", "Product2Id": "01t5g000000LiCeAAA",
   "ProductCode": "ENT-LIC-Y", "Name": "Northwind — 2025 platform renewal Enterprise License",
   "Quantity": 250.00, "UnitPrice": 399.90, "ListPrice": 420.00, "Discount": 5.00,
   "Description": "Seats for EMEA", "SortOrder": 1,
   "Product2": {"attributes": {"type": "Product2"}, "Name": "Enterprise License, annual",
                "ProductCode": "ENT-LIC-Y", "QuantityUnitOfMeasure": "Seat"}}
]""")
ACCOUNT = _json("""{
  "attributes": {"type": "Account"}, "Id": "0015g00000LmNoPAAV", "Name": "Northwind Traders GmbH",
  "VAT_Number__c": "DE129273398", "DunsNumber": "315369934", "Website": "https://www.Northwind-Traders.de/en/",
  "BillingStreet": "Friedrichstraße 68", "BillingCity": "Berlin", "BillingState": null,
  "BillingPostalCode": "10117", "BillingCountry": "Germany",
  "ShippingStreet": "Am Lagerhaus 4\\nTor 3", "ShippingCity": "Hamburg", "ShippingState": null,
  "ShippingPostalCode": "20457", "ShippingCountry": "Deutschland"
}""")
CONTACT = _json("""{
  "attributes": {"type": "Contact"}, "Id": "0035g00000CoNtAAAA", "FirstName": "Anna", "LastName": "Schmidt",
  "Email": "anna.schmidt@northwind-traders.de", "Phone": "+49 30 1234567"
}""")


def test_a_won_opportunity_maps_to_a_canonical_deal_with_account_lines_and_primary_contact():
    deal = deal_from_salesforce(OPPORTUNITY, LINE_ITEMS, ACCOUNT, CONTACT)

    assert isinstance(deal, Deal)
    assert (deal.crm_system, deal.crm_id, deal.stage) == ("salesforce", "0065g00000Q1rAbAAJ", "Closed Won")
    assert deal.name == "Northwind — 2025 platform renewal"
    assert deal.currency == "EUR"
    assert deal.amount == Money(Decimal("104370.00"), "EUR")
    assert deal.closed_on == dt.date(2025, 3, 28)
    assert deal.last_modified == dt.datetime(2025, 3, 28, 14, 5, 9, tzinfo=dt.timezone.utc)
    assert deal.payment_terms == Terms("Net 45")
    assert deal.contract_reference == "MSA-2023-117"

    account = deal.account
    assert (account.crm_id, account.name) == ("0015g00000LmNoPAAV", "Northwind Traders GmbH")
    assert (account.vat_id, account.duns, account.email_domain) == ("DE129273398", "315369934", "northwind-traders.de")
    assert account.billing_address == Address(
        street="Friedrichstraße 68", city="Berlin", postal_code="10117", country="DE", name="Northwind Traders GmbH"
    )
    assert deal.ship_to == Address(
        street="Am Lagerhaus 4\nTor 3", city="Hamburg", postal_code="20457", country="DE", name="Northwind Traders GmbH"
    )
    assert not ship_to_is_billing_fallback(deal)

    contact = deal.primary_contact
    assert (contact.crm_id, contact.full_name, contact.email, contact.phone) == (
        "0035g00000CoNtAAAA", "Anna Schmidt", "anna.schmidt@northwind-traders.de", "+49 30 1234567"
    )  # fmt: skip


def test_lines_take_the_product_name_and_are_numbered_in_the_users_sort_order():
    deal = deal_from_salesforce(OPPORTUNITY, LINE_ITEMS, ACCOUNT, CONTACT)
    first, second = deal.lines

    assert [line.line_number for line in deal.lines] == [1, 2]
    assert first.crm_line_id == "00k5g00000B2aaaAAA"  # SortOrder 1 although listed second
    assert first.description == "Enterprise License, annual"
    assert (first.product_code, first.crm_product_id, first.unit) == ("ENT-LIC-Y", "01t5g000000LiCeAAA", "Seat")
    assert first.quantity == Decimal("250.00")
    assert first.unit_price == Money(Decimal("399.90"), "EUR")
    assert first.list_price == Money(Decimal("420.00"), "EUR")
    assert first.discount_percent == Decimal("5.00")
    assert first.net_amount == Decimal("94976.25")
    assert second.description == "Onboarding package"
    assert second.discount_percent == Decimal("0")
    assert deal.total == Money(Decimal("99476.25"), "EUR")


def test_lines_without_sort_order_are_ordered_by_id_so_numbering_is_stable():
    lines = [
        {"Id": "00k000000000003AAA", "Name": "C", "Quantity": 1, "UnitPrice": 1},
        {"Id": "00k000000000001AAA", "Name": "A", "Quantity": 1, "UnitPrice": 1},
        {"Id": "00k000000000002AAA", "Name": "B", "Quantity": 1, "UnitPrice": 1, "SortOrder": None},
    ]
    deal = deal_from_salesforce(OPPORTUNITY, lines, ACCOUNT)
    assert [(line.line_number, line.description) for line in deal.lines] == [(1, "A"), (2, "B"), (3, "C")]
    assert deal.primary_contact is None


def test_money_from_float_json_numbers_keeps_the_digits_salesforce_sent():
    lines = [{"Id": "00k000000000001AAA", "Name": "Widget", "Quantity": 3, "UnitPrice": 19.99, "Discount": 12.5}]
    opportunity = {**OPPORTUNITY, "Amount": 0.1 + 0.2}
    deal = deal_from_salesforce(opportunity, lines, ACCOUNT)

    line = deal.lines[0]
    assert line.unit_price.amount == Decimal("19.99")
    assert line.discount_percent == Decimal("12.5")
    assert line.net_amount == Decimal("52.47")
    assert deal.amount.amount == Decimal("0.30000000000000004")  # what the float said, never rounded through float


def test_empty_payment_terms_leave_the_deal_without_terms_for_the_pipeline_to_default():
    for empty in (None, "", "   "):
        deal = deal_from_salesforce({**OPPORTUNITY, "Payment_Terms__c": empty}, LINE_ITEMS, ACCOUNT)
        assert deal.payment_terms is None


def test_the_contract_id_is_the_reference_when_the_custom_reference_field_is_empty():
    deal = deal_from_salesforce({**OPPORTUNITY, "Contract_Reference__c": None}, LINE_ITEMS, ACCOUNT)
    assert deal.contract_reference == "8005g000001AbCdAAK"


def test_ship_to_falls_back_to_the_billing_address_when_the_account_has_no_shipping_address():
    account = {**ACCOUNT, **{f"Shipping{p}": None for p in ("Street", "City", "State", "PostalCode", "Country")}}
    deal = deal_from_salesforce(OPPORTUNITY, LINE_ITEMS, account)

    assert deal.ship_to == deal.account.billing_address
    assert deal.ship_to.city == "Berlin"
    assert ship_to_is_billing_fallback(deal)


def test_a_single_currency_org_without_currency_iso_code_uses_the_configured_default():
    opportunity = {k: v for k, v in OPPORTUNITY.items() if k != "CurrencyIsoCode"}
    deal = deal_from_salesforce(opportunity, LINE_ITEMS, ACCOUNT, default_currency="gbp")
    assert deal.currency == "GBP"
    assert deal.lines[0].unit_price.currency == "GBP"


@pytest.mark.parametrize(
    "typed, code",
    [("United States", "US"), ("USA", "US"), ("U.S.A.", "US"), ("us", "US"), ("United Kingdom", "GB"),
     ("UK", "GB"), ("Deutschland", "DE"), (" Germany ", "DE"), ("The Netherlands", "NL"), ("Atlantis", ""),
     (None, ""), ("", "")],
)  # fmt: skip
def test_country_names_become_iso_codes_only_through_the_table(typed, code):
    assert country_code(typed) == code


def test_state_codes_are_kept_and_state_names_are_looked_up_for_countries_that_use_codes():
    assert region_code("ca", "US") == "CA"
    assert region_code("N.Y.", "US") == "NY"
    assert region_code("California", "US") == "CA"
    assert region_code("Québec", "CA") == "QC"
    assert region_code("Bavaria", "DE") == "Bavaria"  # no table for DE: kept as written
    assert region_code(None, "US") == ""


def test_state_and_country_picklist_code_fields_win_over_the_typed_names():
    record = {"Name": "Globex", "BillingCity": "Springfield", "BillingState": "Illinois", "BillingStateCode": "IL",
              "BillingCountry": "United States", "BillingCountryCode": "US", "BillingPostalCode": "62701"}  # fmt: skip
    address = address_from_salesforce(record, "Billing")
    assert (address.region, address.country, address.name) == ("IL", "US", "Globex")
    us_typed = address_from_salesforce({"BillingState": "Texas", "BillingCountry": "USA"}, "Billing")
    assert (us_typed.region, us_typed.country) == ("TX", "US")


@pytest.mark.parametrize(
    "website, domain",
    [("https://www.acme.com/about", "acme.com"), ("acme.co.uk", "acme.co.uk"), ("WWW.Globex.COM", "globex.com"),
     ("http://shop.initech.io:8080/x", "shop.initech.io"), (None, ""), ("", "")],
)  # fmt: skip
def test_the_account_website_becomes_the_email_domain(website, domain):
    assert domain_of(website) == domain


def test_a_line_without_quantity_or_price_is_refused():
    with pytest.raises(ValueError, match="00k000000000001AAA"):
        deal_from_salesforce(OPPORTUNITY, [{"Id": "00k000000000001AAA", "Name": "X", "UnitPrice": 5}], ACCOUNT)


def test_the_mapped_deal_survives_the_canonical_json_round_trip():
    deal = deal_from_salesforce(OPPORTUNITY, LINE_ITEMS, ACCOUNT, CONTACT)
    stored = json.loads(json.dumps(to_dict(deal)))
    assert from_dict(Deal, stored) == deal
