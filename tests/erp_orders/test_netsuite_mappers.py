"""Canonical ↔ NetSuite record payloads, against the documented shapes in the connector's fixtures."""

from __future__ import annotations

import datetime as dt
import json
from decimal import Decimal
from pathlib import Path

import pytest

from erp_orders.connectors.netsuite import mappers
from handoff_project.integration.canonical import Address, Money, OrderLine, OrderRequest
from handoff_project.integration.errors import PermanentError

FIXTURES = Path(mappers.__file__).resolve().parent / "fixtures"


def sample(name: str):
    return json.loads((FIXTURES / name).read_text(), parse_float=Decimal)


def documented_create_body() -> dict:
    text = (FIXTURES / "sales_order_create.txt").read_text()
    return json.loads(next(line for line in text.splitlines() if line.startswith("{")), parse_float=Decimal)


def line(**overrides) -> OrderLine:
    values = dict(line_number=1, material="501", description="Enterprise Platform License (Annual)",
                  quantity=Decimal("1"), unit="1", unit_price=Money("45600.00", "USD"), tax_code="11")
    return OrderLine(**{**values, **overrides})


def order(*lines, **overrides) -> OrderRequest:
    values = dict(reference="SF-006000000000001AAA", sold_to="1201", ship_to="1201", ship_to_address=Address(),
                  currency="USD", lines=lines or (line(),), payment_terms_key="2",
                  requested_delivery_date=dt.date(2027, 1, 4), customer_reference="Acme Corp — platform renewal")
    return OrderRequest(**{**values, **overrides})


def test_sales_order_body_is_the_documented_create_request():
    assert json.loads(mappers.to_json(mappers.sales_order_body(order(), currency_id="1")), parse_float=Decimal) == \
        documented_create_body()


def test_references_are_id_objects_and_lines_sit_in_the_item_sublist_like_oracles_example():
    body = mappers.sales_order_body(order(), currency_id="1")
    documented = {"entity": {"id": 107}, "item": {"items": [{"item": {"id": 9999}, "amount": 1}]}}  # Oracle's example
    assert set(body["entity"]) == set(documented["entity"])
    assert set(body["item"]) == {"items"} and set(body["item"]["items"][0]["item"]) == {"id"}


def test_discount_is_taken_into_the_rate_and_named_in_the_description():
    seats = line(quantity=Decimal("25"), unit_price=Money("960.00", "USD"), discount_percent=Decimal("10.0"),
                 description="Pro Seat")
    body = mappers.sales_order_body(order(seats), currency_id="1")
    row = body["item"]["items"][0]
    assert row["rate"] == Decimal("864") and row["quantity"] == Decimal("25")
    assert row["description"] == "Pro Seat (list 960.00 less 10 %)"
    assert row["rate"] * row["quantity"] == Decimal("21600")


def test_numbers_are_json_numbers_with_their_exact_digits_never_floats():
    text = mappers.to_json({"rate": Decimal("1156.25"), "quantity": Decimal("0.333333333333333333"), "n": None})
    assert text == '{"rate": 1156.25, "quantity": 0.333333333333333333, "n": null}'
    with pytest.raises(TypeError):
        mappers.to_json({"rate": 1156.25})


def test_optional_fields_are_left_out_and_tax_codes_never_sent():
    body = mappers.sales_order_body(order(line(unit=""), payment_terms_key="", requested_delivery_date=None,
                                          customer_reference=""), currency_id="1")
    assert {"terms", "shipDate", "memo"}.isdisjoint(body)
    assert "units" not in body["item"]["items"][0]
    assert "taxCode" not in mappers.to_json(body)  # SuiteTax determines the tax code


def test_reference_netsuite_could_not_keep_as_an_external_id_is_refused_not_altered():
    with pytest.raises(PermanentError, match="external id"):
        mappers.sales_order_body(order(reference="SF 006/1"), currency_id="1")
    assert mappers.external_id("HS-1234_v2") == "HS-1234_v2"


def test_ids_that_are_not_internal_ids_and_empty_orders_are_refused_before_netsuite_sees_them():
    with pytest.raises(PermanentError, match="customer 'C10000' is not a NetSuite internal id"):
        mappers.sales_order_body(order(sold_to="C10000"), currency_id="1")
    with pytest.raises(PermanentError, match="no lines"):
        mappers.sales_order_body(order(lines=()), currency_id="1")
    with pytest.raises(PermanentError, match="positive quantity"):
        mappers.sales_order_body(order(line(quantity=Decimal("0"))), currency_id="1")


def test_created_order_is_read_from_the_record_tran_id_external_id_and_total():
    created = mappers.created_order_from_record(sample("sales_order_record.json"), currency="USD")
    assert (created.order_number, created.reference) == ("SO10001", "SF-006000000000001AAA")
    assert created.total == Money("48906.0", "USD") and not created.found_existing
    with pytest.raises(ValueError):
        mappers.created_order_from_record({"id": "7001"}, currency="USD")


def test_item_price_is_the_base_price_of_the_currency_at_the_quantity_break_that_applies():
    rows = mappers.items(sample("item_price_sublist.json"))
    assert mappers.item_price(rows, currency_id="1", quantity=Decimal("4")) == Decimal("1250.0")
    assert mappers.item_price(rows, currency_id="1", quantity=Decimal("10")) == Decimal("1190.0")
    assert mappers.item_price(rows, currency_id="4", quantity=Decimal("1")) == Decimal("1150.0")
    assert mappers.item_price(rows, currency_id="1", quantity=Decimal("1"), level="2") == Decimal("1100.0")
    assert mappers.item_price(rows, currency_id="2", quantity=Decimal("1")) is None


def test_customer_price_is_the_custom_price_or_the_price_level_it_points_at():
    rows = mappers.items(sample("customer_item_pricing.json"))
    assert mappers.customer_price(rows, item="501", currency_id="1") == (Decimal("45600.0"), "-1")
    assert mappers.customer_price(rows, item="505", currency_id="1") == (None, "2")
    assert mappers.customer_price(rows, item="502", currency_id="1") == (None, "")


def test_unit_cost_is_the_average_cost_else_the_purchase_price():
    assert mappers.unit_cost({"averageCost": Decimal("612.40"), "cost": Decimal("610")}) == Decimal("612.40")
    assert mappers.unit_cost({"averageCost": Decimal("0"), "cost": Decimal("610")}) == Decimal("610")
    assert mappers.unit_cost({}) is None


def test_collections_and_sublists_give_their_rows():
    assert [r["id"] for r in mappers.items(sample("currency_collection.json"))] == ["1"]
    with pytest.raises(ValueError):
        mappers.items({"links": []})
