"""Odoo mappers against the documented payloads in the connector's fixtures/ (assembled from Odoo's docs, see .source)."""

from __future__ import annotations

import datetime as dt
import json
from decimal import Decimal
from pathlib import Path

import pytest

from erp_orders.connectors.odoo import mappers
from handoff_project.integration.canonical import Address, CreatedOrder, Money, OrderLine, OrderRequest
from handoff_project.integration.errors import PermanentError

FIXTURES = Path(mappers.__file__).resolve().parent / "fixtures"


def sample(name: str):
    return json.loads((FIXTURES / f"{name}.json").read_text())


def line(number=1, **overrides) -> OrderLine:
    values = dict(line_number=number, material="21", description="Enterprise Platform License (Annual)",
                  quantity=Decimal("1"), unit="1", unit_price=Money("45600.00", "USD"), tax_code="1")
    return OrderLine(**{**values, **overrides})


def order(**overrides) -> OrderRequest:
    values = dict(
        reference="SF-006Dn00000AbCdEIAZ", sold_to="7", ship_to="12", ship_to_address=Address(), currency="USD",
        lines=(line(), line(2, material="22", description="Pro Seat - Annual Subscription", quantity=Decimal("25"),
                            unit_price=Money("960.00", "USD"), discount_percent=Decimal("10"))),
        payment_terms_key="4", requested_delivery_date=dt.date(2026, 12, 15),
        customer_reference="Acme Corp — platform renewal")
    return OrderRequest(**{**values, **overrides})


def test_create_values_are_the_documented_sale_order_create():
    documented = sample("sale_order_create_request")["params"]["args"][5][0]
    assert mappers.order_to_create_values(order()) == documented


def test_create_values_survive_the_json_wire_as_odoo_types():
    values = json.loads(json.dumps(mappers.order_to_create_values(order())))
    first = values["order_line"][0]
    assert first[:2] == [0, 0] and isinstance(first[2]["product_id"], int)
    assert isinstance(first[2]["product_uom_qty"], float) and first[2]["price_unit"] == 45600.0
    assert values["order_line"][1][2]["discount"] == 10.0


def test_decimal_prices_reach_the_wire_as_the_closest_float_and_never_from_a_float():
    assert mappers.wire_float(Decimal("17.55")) == 17.55 and json.dumps(mappers.wire_float(Decimal("17.55"))) == "17.55"
    assert mappers.to_decimal(17.55) == Decimal("17.55") and mappers.to_decimal(0.1 + 0.2) != Decimal("0.3")
    with pytest.raises(TypeError):
        mappers.wire_float(17.55)


def test_optional_fields_are_left_out_when_the_order_has_none():
    values = mappers.order_to_create_values(order(ship_to="7", requested_delivery_date=None, customer_reference="",
                                                  payment_terms_key="", lines=(line(unit="", tax_code=""),)))
    assert set(values) == {"partner_id", "client_order_ref", "order_line"}
    assert set(values["order_line"][0][2]) == {"product_id", "product_uom_qty", "price_unit", "discount", "name"}


def test_pricelist_goes_with_the_order_when_the_adapter_chose_one():
    assert mappers.order_to_create_values(order(), pricelist_id=3)["pricelist_id"] == 3


def test_the_requested_date_is_noon_utc_of_that_day():
    assert mappers.commitment_datetime(dt.date(2027, 1, 4)) == "2027-01-04 12:00:00"


@pytest.mark.parametrize("field, value", [("sold_to", "C10000"), ("payment_terms_key", "NT30"), ("ship_to", "0")])
def test_an_identifier_that_is_not_an_odoo_record_id_is_refused_with_the_crosswalk_to_fix(field, value):
    with pytest.raises(PermanentError, match="not an Odoo record id.*crosswalk"):
        mappers.order_to_create_values(order(**{field: value}))


def test_a_non_positive_quantity_and_an_empty_order_are_refused():
    with pytest.raises(PermanentError, match="positive quantity"):
        mappers.order_to_create_values(order(lines=(line(quantity=Decimal("0")),)))
    with pytest.raises(PermanentError, match="no lines"):
        mappers.order_to_create_values(order(lines=()))


def test_a_reference_longer_than_the_bound_is_refused_not_cut():
    with pytest.raises(PermanentError, match="1 to 64"):
        mappers.order_to_create_values(order(reference="SF-" + "x" * 62))


def test_the_read_back_order_gives_its_number_reference_and_total():
    record = sample("sale_order_read_response")["result"][0]
    assert mappers.created_order_from_record(record) == CreatedOrder(
        order_number="S00042", reference="SF-006Dn00000AbCdEIAZ", total=Money("72072.00", "USD"))
    assert mappers.created_order_from_record(record, found_existing=True).found_existing


def test_an_order_without_a_number_is_not_a_created_order():
    with pytest.raises(ValueError):
        mappers.created_order_from_record({"id": 5, "name": "New", "amount_total": 0.0, "currency_id": [2, "USD"]})


def test_pricelist_rules_the_variant_rule_wins_and_a_minimum_quantity_applies_from_that_quantity():
    items = sample("product_pricelist_item_search_read_response")["result"]
    product = sample("product_product_read_response")["result"][0]
    assert mappers.price_from_pricelist_items(items, product=product, quantity=Decimal("1")) == Money("45600.00", "USD")
    assert mappers.price_from_pricelist_items(items, product=product, quantity=Decimal("10")) == Money("43000.00", "USD")


def test_a_template_rule_with_a_percentage_is_a_discount_on_the_list_price():
    template_rule = [sample("product_pricelist_item_search_read_response")["result"][0]]
    product = sample("product_product_read_response")["result"][0]
    assert mappers.price_from_pricelist_items(template_rule, product=product, quantity=Decimal("1")) == Money("43200", "USD")


def test_rules_for_another_product_or_by_formula_give_no_price():
    product = sample("product_product_read_response")["result"][0]
    other = {"id": 40, "applied_on": "0_product_variant", "product_id": [99, "Other"], "product_tmpl_id": False,
             "min_quantity": 0.0, "compute_price": "fixed", "fixed_price": 1.0, "currency_id": [2, "USD"]}
    formula = {**other, "id": 41, "product_id": [21, "x"], "compute_price": "formula"}
    assert mappers.price_from_pricelist_items([other], product=product, quantity=Decimal("1")) is None
    assert mappers.price_from_pricelist_items([formula], product=product, quantity=Decimal("1")) is None


def test_list_price_and_cost_come_from_the_product():
    product = sample("product_product_read_response")["result"][0]
    assert mappers.list_price(product) == Money("48000.00", "USD")
    assert mappers.unit_cost(product) == Money("9600.00", "USD")
    assert mappers.unit_cost({**product, "standard_price": 0.0}) is None


def test_the_jsonrpc_error_object_is_read_as_odoo_serialises_it():
    error = mappers.jsonrpc_error(sample("error_foreign_key_payment_term"))
    assert error["code"] == 200 and error["message"] == "Odoo Server Error"
    assert error["name"] == "odoo.exceptions.ValidationError" and "sale_order_payment_term_id_fkey" in error["text"]
    assert mappers.jsonrpc_error(sample("sale_order_create_response")) is None
