"""SAP mappers against SAP's own samples and $metadata (wire/sap, copied to the connector's fixtures/)."""

from __future__ import annotations

import datetime as dt
import json
from decimal import Decimal
from pathlib import Path

import pytest

from erp_orders.connectors.sap import mappers
from erp_orders.connectors.sap.sandbox_odata import schema
from handoff_project.integration.canonical import Address, Money, OrderLine, OrderRequest
from handoff_project.integration.errors import PermanentError

FIXTURES = Path(mappers.__file__).resolve().parent / "fixtures"
SALES_AREA = {"SalesOrderType": "OR", "SalesOrganization": "1710", "DistributionChannel": "10", "OrganizationDivision": "00"}


def sample(name: str) -> dict:
    return json.loads((FIXTURES / name).read_text())


def line(number=1, **overrides) -> OrderLine:
    values = dict(line_number=number, material="TG11", description="Trad.Good 11,PD,Reg.Trading", quantity=Decimal("3"),
                  unit="PC", unit_price=Money(Decimal("17.55"), "USD"))
    return OrderLine(**{**values, **overrides})


def order(**overrides) -> OrderRequest:
    values = dict(reference="HO-00000042-v1", sold_to="17100001", ship_to="17100002", ship_to_address=Address(),
                  currency="USD", lines=(line(),), payment_terms_key="0004")
    return OrderRequest(**{**values, **overrides})


def walk(payload, type_name="A_SalesOrderType"):
    """(entity type, property, value) for every property in a deep insert, following its navigations."""
    navigations = {"to_Item": "A_SalesOrderItemType", "to_Partner": "A_SalesOrderHeaderPartnerType",
                   "to_PricingElement": "A_SalesOrderItemPrElementType"}
    for name, value in payload.items():
        if name in navigations:
            for child in value["results"]:
                yield from walk(child, navigations[name])
        else:
            yield type_name, name, value


def test_deep_insert_has_the_shape_of_sap_sample_request():
    real = sample("sales_order_deep_insert_request.json")
    ours = mappers.order_to_deep_insert(order(), SALES_AREA)
    assert set(real) <= set(ours)
    assert set(real["to_Item"]["results"][0]) <= set(ours["to_Item"]["results"][0])
    assert {k: ours[k] for k in ("SalesOrderType", "SalesOrganization", "DistributionChannel", "OrganizationDivision")} \
        == {"SalesOrderType": "OR", "SalesOrganization": "1710", "DistributionChannel": "10", "OrganizationDivision": "00"}


def test_deep_insert_uses_only_creatable_properties_of_the_real_metadata_within_their_length():
    full = order(contact_person="0000012345", contract_reference="40000007", requested_delivery_date=dt.date(2025, 3, 1),
                 lines=(line(discount_percent=Decimal("5"), material_tax_class="1"), line(2, material="TG12")))
    for type_name, name, value in walk(mappers.order_to_deep_insert(full, SALES_AREA)):
        prop = schema()[type_name].properties.get(name)
        assert prop is not None, f"{type_name} has no property {name}"
        assert prop["creatable"], f"{type_name}.{name} is not creatable in SAP"
        assert isinstance(value, str), f"{name} must travel as a string, got {value!r}"
        assert prop["max_length"] is None or len(value) <= prop["max_length"]


def test_header_carries_reference_sold_to_terms_currency_delivery_date_and_contract():
    body = mappers.order_to_deep_insert(
        order(requested_delivery_date=dt.date(2016, 8, 17), contract_reference="40000007"), SALES_AREA)
    assert body["PurchaseOrderByCustomer"] == "HO-00000042-v1"
    assert body["SoldToParty"] == "17100001"
    assert body["CustomerPaymentTerms"] == "0004"
    assert body["TransactionCurrency"] == "USD"
    assert body["RequestedDeliveryDate"] == "/Date(1471392000000)/"
    assert body["ReferenceSDDocument"] == "40000007"


def test_optional_header_fields_are_left_out_when_the_order_has_none():
    body = mappers.order_to_deep_insert(order(payment_terms_key="", contract_reference=""), SALES_AREA)
    assert "CustomerPaymentTerms" not in body and "ReferenceSDDocument" not in body
    assert "RequestedDeliveryDate" not in body


def test_partners_are_ship_to_we_and_contact_person_ap():
    body = mappers.order_to_deep_insert(order(contact_person="0000012345"), SALES_AREA)
    assert body["to_Partner"]["results"] == [
        {"PartnerFunction": "WE", "Customer": "17100002"},
        {"PartnerFunction": "AP", "ContactPerson": "0000012345"},
    ]


def test_items_are_numbered_in_tens_with_decimal_strings_and_text_cut_to_40_characters():
    long_text = "Enterprise License, annual subscription for 250 named users"
    body = mappers.order_to_deep_insert(
        order(lines=(line(quantity=Decimal("2.500"), description=long_text), line(2, material="TG12"))), SALES_AREA)
    first, second = body["to_Item"]["results"]
    assert (first["SalesOrderItem"], second["SalesOrderItem"]) == ("10", "20")
    assert first["RequestedQuantity"] == "2.500" and first["RequestedQuantityUnit"] == "PC"
    assert first["SalesOrderItemText"] == long_text[:40]
    assert second["Material"] == "TG12"


def test_agreed_price_is_a_pr00_condition_and_discount_a_negative_k007_percentage():
    body = mappers.order_to_deep_insert(
        order(lines=(line(discount_percent=Decimal("12.5"), material_tax_class="1"),)), SALES_AREA)
    item = body["to_Item"]["results"][0]
    assert item["ProductTaxClassification1"] == "1"
    assert item["to_PricingElement"]["results"] == [
        {"ConditionType": "PR00", "ConditionRateValue": "17.55", "ConditionCurrency": "USD", "ConditionQuantity": "1",
         "ConditionQuantityUnit": "PC"},
        {"ConditionType": "K007", "ConditionRateValue": "-12.5"},
    ]


def test_no_discount_condition_without_a_discount():
    conditions = mappers.order_to_deep_insert(order(), SALES_AREA)["to_Item"]["results"][0]["to_PricingElement"]
    assert [c["ConditionType"] for c in conditions["results"]] == ["PR00"]


def test_decimals_never_become_json_numbers():
    text = json.dumps(mappers.order_to_deep_insert(order(lines=(line(unit_price=Money("1E+2", "USD")),)), SALES_AREA))
    decoded = json.loads(text, parse_float=lambda v: pytest.fail(f"float {v} in payload"),
                         parse_int=lambda v: pytest.fail(f"number {v} in payload"))
    assert decoded["to_Item"]["results"][0]["to_PricingElement"]["results"][0]["ConditionRateValue"] == "100"


def test_reference_longer_than_sap_allows_is_refused_not_cut():
    with pytest.raises(PermanentError, match="PurchaseOrderByCustomer .* at most 35"):
        mappers.order_to_deep_insert(order(reference="X" * 36), SALES_AREA)


def test_order_without_lines_or_with_zero_quantity_is_refused_before_sap_sees_it():
    with pytest.raises(PermanentError, match="no lines"):
        mappers.order_to_deep_insert(order(lines=()), SALES_AREA)
    with pytest.raises(PermanentError, match="positive quantity"):
        mappers.order_to_deep_insert(order(lines=(line(quantity=Decimal(0)),)), SALES_AREA)


def test_odata_dates_read_sap_sample_values_and_round_trip():
    real = sample("sales_order_expand_to_item_response.json")["d"]
    assert mappers.parse_odata_date(real["CreationDate"]) == dt.date(2016, 8, 17)
    assert mappers.parse_odata_datetime(real["LastChangeDateTime"]) == dt.datetime(
        2016, 9, 2, 6, 15, 47, 125000, tzinfo=dt.timezone.utc)
    assert mappers.format_odata_date(dt.date(2016, 8, 17)) == real["CreationDate"]
    assert mappers.parse_odata_date(None) is None
    with pytest.raises(ValueError):
        mappers.parse_odata_date("2016-08-17")


def test_created_order_is_read_from_sap_sample_response():
    created = mappers.created_order_from_response(sample("sales_order_expand_to_item_response.json"))
    assert created.order_number == "1"
    assert created.reference == "gfh"
    assert created.total == Money(Decimal("52.65"), "USD")
    assert created.found_existing is False


def test_sap_error_body_gives_code_message_and_details():
    code, message, details = mappers.odata_error(sample("odata_v2_error_response.json"))
    assert code == "XX/123"
    assert message == "Account 12345678 does not exist in chart of accounts XXXX"
    assert details[0]["code"] == "XX/123" and details[0]["severity"] == "error"


def test_a_body_that_is_not_an_sap_error_gives_nothing():
    assert mappers.odata_error({"d": {}}) == ("", "", [])
    assert mappers.odata_error(None) == ("", "", [])


def test_string_literals_double_their_quotes():
    assert mappers.odata_string_literal("O'Brien's deal") == "'O''Brien''s deal'"


def validity(customer, rate, currency="USD", per="1", deleted=False):
    return {"Customer": customer, "Material": "TG11", "to_SlsPrcgConditionRecord": {
        "ConditionRateValue": rate, "ConditionCurrency": currency, "ConditionQuantity": per,
        "ConditionIsDeleted": deleted}}


def test_customer_specific_price_wins_over_the_general_one():
    rows = [validity("", "20.000000000"), validity("17100001", "17.550000000")]
    assert mappers.price_from_condition_validities(rows, customer="17100001", currency="USD") == Money("17.55", "USD")
    assert mappers.price_from_condition_validities(rows, customer="17100009", currency="USD") == Money("20", "USD")


def test_price_per_condition_quantity_is_a_unit_price_and_deleted_records_do_not_count():
    rows = [validity("", "250", per="10"), validity("17100001", "1", deleted=True)]
    assert mappers.price_from_condition_validities(rows, customer="17100001", currency="USD") == Money("25", "USD")
    assert mappers.price_from_condition_validities([], customer="17100001", currency="USD") is None
