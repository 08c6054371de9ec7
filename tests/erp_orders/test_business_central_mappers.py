"""Canonical ↔ Business Central API v2.0 payloads, checked against the documentation's examples (fixtures/)."""

from __future__ import annotations

import datetime as dt
import json
from decimal import Decimal
from pathlib import Path

import pytest

from erp_orders.connectors.business_central import mappers
from erp_orders.connectors.business_central.adapter import BusinessCentralAdapter
from handoff_project.integration.canonical import Address, Money, OrderLine, OrderRequest

FIXTURES = Path(mappers.__file__).resolve().parent / "fixtures"
SALES_ORDER_PROPERTIES = set(json.loads((FIXTURES / "sales_order_create_response.json").read_text())) - {
    "@odata.context", "@odata.etag"}
LINE_PROPERTIES = set(json.loads((FIXTURES / "sales_orders_expand_lines_response.json").read_text())
                      ["value"][0]["salesOrderLines"][0]) - {"@odata.etag"}


def sample(name: str):
    return mappers.decode_json((FIXTURES / name).read_bytes())


def order(**overrides) -> OrderRequest:
    line = OrderLine(line_number=1, material="1996-S", description="ATLANTA Whiteboard, base", quantity=Decimal("12"),
                     unit="PCS", unit_price=Money("1397.30", "USD"), discount_percent=Decimal("5"), tax_code="FURNITURE")
    values = dict(reference="SF-006Hs00001AbCdEIA3", sold_to="10000", ship_to="10000", currency="USD",
                  ship_to_address=Address(name="Adatum Corporation", street="Station Road, 21", city="Cambridge",
                                          postal_code="CB1 2FB", country="GB"),
                  lines=(line,), payment_terms_key="30 DAYS", requested_delivery_date=dt.date(2026, 12, 16),
                  customer_reference="Adatum — whiteboards")
    return OrderRequest(**{**values, **overrides})


def test_header_uses_only_documented_sales_order_properties_and_the_pending_reference():
    header = mappers.order_header(order(), payment_terms_id="3bb5b4b6-ea4c-43ca-ba1c-3b69e29a6668",
                                  external_document_number=mappers.pending_reference("SF-006Hs00001AbCdEIA3"))
    assert set(header) <= SALES_ORDER_PROPERTIES
    assert header == {
        "externalDocumentNumber": "SF-006Hs00001AbCdEIA3~", "customerNumber": "10000", "currencyCode": "USD",
        "paymentTermsId": "3bb5b4b6-ea4c-43ca-ba1c-3b69e29a6668", "requestedDeliveryDate": "2026-12-16",
        "shipToName": "Adatum Corporation", "shipToAddressLine1": "Station Road, 21", "shipToCity": "Cambridge",
        "shipToCountry": "GB", "shipToPostCode": "CB1 2FB"}


def test_header_leaves_out_a_missing_date_and_an_empty_address():
    header = mappers.order_header(order(requested_delivery_date=None, ship_to_address=Address()),
                                  payment_terms_id="x", external_document_number="SF-1")
    assert "requestedDeliveryDate" not in header and not [k for k in header if k.startswith("shipTo")]


def test_a_reference_longer_than_the_field_is_refused_not_cut():
    with pytest.raises(ValueError, match="longer than 35"):
        mappers.order_header(order(), payment_terms_id="x", external_document_number="X" * 36)
    assert BusinessCentralAdapter.reference_max_length == 34  # one character kept for the pending mark


def test_line_is_the_documented_item_line_by_number_with_our_price_and_discount():
    line = mappers.order_line(order().lines[0])
    documented = sample("sales_order_line_create_request.json")
    assert set(line) <= set(documented) and set(line) <= LINE_PROPERTIES
    assert line == {"lineType": "Item", "lineObjectNumber": "1996-S", "quantity": Decimal("12"),
                    "unitPrice": Decimal("1397.30"), "discountPercent": Decimal("5"), "unitOfMeasureCode": "PCS",
                    "taxCode": "FURNITURE"}
    assert mappers.encode_json(line) == ('{"lineType": "Item", "lineObjectNumber": "1996-S", "quantity": 12, '
                                         '"unitPrice": 1397.30, "discountPercent": 5, "unitOfMeasureCode": "PCS", '
                                         '"taxCode": "FURNITURE"}')


def test_decimals_round_trip_exactly_through_json():
    text = mappers.encode_json({"a": Decimal("0.1"), "b": Decimal("-12345678901234567.89"), "c": [Decimal("1E+2")]})
    assert text == '{"a": 0.1, "b": -12345678901234567.89, "c": [100]}'
    assert mappers.decode_json(text)["b"] == Decimal("-12345678901234567.89")
    assert mappers.decode_json(b'{"unitPrice": 1397.3, "quantity": 12}') == {"unitPrice": Decimal("1397.3"),
                                                                              "quantity": 12}


def test_created_order_reads_number_reference_and_net_total_of_the_documented_answer():
    created = mappers.created_order(sample("sales_order_create_response.json"))
    assert created.order_number == "101005" and created.reference == "" and not created.found_existing
    assert created.total == Money("0", "GBP")
    [listed] = mappers.collection(sample("sales_orders_expand_lines_response.json"))
    found = mappers.created_order(listed, found_existing=True)
    assert (found.order_number, found.reference, found.total) == ("S-ORD101005", "SF-006Hs00001AbCdEIA3",
                                                                  Money("16767.6", "USD"))


def test_answer_without_a_number_is_not_a_created_order():
    with pytest.raises(ValueError, match="no order number"):
        mappers.created_order({"id": "x"})


def test_error_body_gives_code_message_and_correlation_id():
    assert mappers.bc_error(sample("error_dialog_exception.json")) == (
        "Application_DialogException", "A customerNumber or a customerID must be provided.",
        "2c4d6e8f-0a1b-4c3d-9e5f-7a8b9c0d1e2f")
    code, message, _ = mappers.bc_error(sample("error_record_not_found.json"))
    assert (code, message) == ("Internal_RecordNotFound",
                               "The Item does not exist. Identification fields and values: No.='9999-XX'")
    assert mappers.bc_error({"value": []}) == ("", "", "")


def test_customer_price_is_the_lowest_applicable_price_list_line():
    lines = mappers.collection(sample("sales_price_list_lines_odatav4.json"))
    lines += [{**lines[0], "Unit_Price": 44000, "Minimum_Quantity": 10},  # a quantity break
              {**lines[0], "Unit_Price": 40000, "EndingDate": "2026-01-31"},  # expired
              {**lines[0], "Unit_Price": 1, "SourceNo": "C20000"}]  # another customer
    best = dict(item="1000-PLAT", currency="USD", local_currency="USD", today=dt.date(2026, 12, 2))
    assert mappers.best_customer_price(lines, customer="C10000", quantity=Decimal(1), **best) == Decimal("45600")
    assert mappers.best_customer_price(lines, customer="C10000", quantity=Decimal(10), **best) == Decimal("44000")
    assert mappers.best_customer_price(lines, customer="C30000", quantity=Decimal(1), **best) is None
    assert mappers.best_customer_price(lines, customer="C10000", quantity=Decimal(1),
                                       **{**best, "currency": "EUR"}) is None  # blank currency = USD, not EUR


def test_zero_price_or_cost_means_none_maintained():
    assert mappers.money_or_none(Decimal("0"), "USD") is None
    assert mappers.money_or_none(Decimal("9600"), "USD") == Money("9600", "USD")


def test_order_numbers_sort_by_their_digits():
    numbers = ["S-ORD101010", "S-ORD101002", "S-ORD99999"]
    assert sorted(numbers, key=mappers.number_sort_key) == ["S-ORD99999", "S-ORD101002", "S-ORD101010"]


def test_filter_literals_double_single_quotes():
    assert mappers.equals_filter(externalDocumentNumber="O'Brien-1", code="30 DAYS") == (
        "externalDocumentNumber eq 'O''Brien-1' and code eq '30 DAYS'")
