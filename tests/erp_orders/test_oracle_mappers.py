"""Oracle mappers against the documentation-based samples in the connector's fixtures/."""

from __future__ import annotations

import datetime as dt
import json
from decimal import Decimal
from pathlib import Path

import pytest

from erp_orders.connectors.oracle import mappers
from handoff_project.integration.canonical import Address, Money, OrderLine, OrderRequest
from handoff_project.integration.errors import PermanentError

FIXTURES = Path(mappers.__file__).resolve().parent / "fixtures"
ORDERED_AT = dt.datetime(2026, 12, 2, 9, 30, tzinfo=dt.timezone.utc)


def sample(name: str) -> dict:
    return json.loads((FIXTURES / name).read_text(), parse_float=Decimal)


def order(**overrides) -> OrderRequest:
    lines = (
        OrderLine(line_number=1, material="AS-PLAT-ENT", description="Platform Enterprise License", quantity=Decimal("1"),
                  unit="Ea", unit_price=Money("45600.00", "USD"), tax_code="US_SALES_TAX",
                  requested_delivery_date=dt.date(2026, 12, 24)),
        OrderLine(line_number=2, material="AS-SEAT-PRO", description="Pro Seat", quantity=Decimal("25"), unit="Ea",
                  unit_price=Money("960.00", "USD"), discount_percent=Decimal("10"), tax_code="US_SALES_TAX"),
    )
    values = dict(reference="SF-0065g00000XyZ12AAF", sold_to="1006", ship_to="1007", ship_to_address=Address(),
                  currency="USD", lines=lines, payment_terms_key="30 NET", requested_delivery_date=dt.date(2026, 12, 24),
                  contact_person="300100011", customer_reference="Acme platform renewal 2027")
    return OrderRequest(**{**values, **overrides})


def payload(**overrides) -> dict:
    return mappers.order_to_payload(order(**overrides), source_system="HANDOFF", business_unit="US1 Business Unit",
                                    ordered_at=ORDERED_AT)


def test_order_becomes_the_documented_composite_create_body():
    sent = json.loads(mappers.to_json(payload()), parse_float=Decimal)
    assert sent == sample("create_sales_order_request.json")


def test_amounts_travel_as_json_numbers_written_from_decimals_never_floats():
    text = mappers.to_json(payload())
    assert '"UnitSellingPrice":864,' in text and '"OrderedQuantity":25,' in text
    assert mappers.to_json({"q": Decimal("0.10"), "n": Decimal("1E+2")}) == '{"q":0.1,"n":100}'
    with pytest.raises(TypeError):
        mappers.to_json({"price": 1.5})


def test_discounted_selling_price_is_exact():
    line = OrderLine(line_number=1, material="X", description="", quantity=Decimal("3"), unit="Ea",
                     unit_price=Money("1250.00", "USD"), discount_percent=Decimal("7.5"))
    assert mappers.selling_price(line) == Decimal("1156.25")


def test_ship_to_is_sent_only_when_it_differs_from_the_buying_party():
    assert "shipToCustomer" not in payload(ship_to="1006")
    assert payload()["shipToCustomer"] == [{"PartyNumber": "1007"}]


def test_optional_fields_are_left_out_when_empty():
    body = payload(contact_person="", customer_reference="", requested_delivery_date=None, payment_terms_key="")
    assert not {"BuyingPartyContactNumber", "CustomerPONumber", "RequestedShipDate"} & set(body)
    assert "PaymentTerms" not in body["lines"][1] and "RequestedShipDate" not in body["lines"][1]
    assert body["lines"][0]["RequestedShipDate"] == "2026-12-24T00:00:00+00:00"  # the line's own date stays


def test_a_reference_longer_than_oracles_column_is_refused_not_cut():
    with pytest.raises(PermanentError, match="SourceTransactionNumber") as caught:
        payload(reference="SF-" + "x" * 48)
    assert caught.value.detail["max_length"] == 50


def test_the_deal_name_is_free_text_and_is_cut_to_the_po_number_length():
    assert len(payload(customer_reference="y" * 80)["CustomerPONumber"]) == 50


def test_order_without_lines_or_with_zero_quantity_is_refused():
    with pytest.raises(PermanentError, match="no lines"):
        payload(lines=())
    zero = OrderLine(line_number=1, material="X", description="X", quantity=Decimal("0"), unit="Ea",
                     unit_price=Money("1", "USD"))
    with pytest.raises(PermanentError, match="positive quantity"):
        payload(lines=(zero,))


def test_created_resource_becomes_the_order_number_and_the_sum_of_its_lines():
    created = mappers.created_order_from_resource(sample("create_sales_order_response.json"))
    assert (created.order_number, created.reference, created.found_existing) == ("104501", "SF-0065g00000XyZ12AAF", False)
    assert created.total == Money("67200.00", "USD")


def test_lines_as_a_plain_list_are_read_too():
    resource = {**sample("create_sales_order_response.json")}
    resource["lines"] = resource["lines"]["items"]
    assert mappers.created_order_from_resource(resource).total == Money("67200.00", "USD")


def test_resource_without_order_number_is_not_an_order():
    with pytest.raises(ValueError):
        mappers.created_order_from_resource({"HeaderId": 1})


def test_the_oldest_of_several_orders_is_the_first_created():
    orders = mappers.collection_items(sample("sales_orders_by_reference_response.json"))
    assert mappers.oldest(orders)["OrderNumber"] == "104503"
    same_time = [{**o, "CreationDate": "2026-12-02T09:30:02+00:00"} for o in orders]
    assert mappers.oldest(same_time)["OrderNumber"] == "104503"  # then the lower header id


def test_collection_without_items_is_refused():
    with pytest.raises(ValueError):
        mappers.collection_items({"count": 0})


def test_adf_error_body_lists_every_message_with_its_code_and_path():
    text = (FIXTURES / "error_response_v4.json").read_text()
    details = mappers.error_details("application/vnd.oracle.adf.error+json", text)
    assert [(d["code"], d["path"]) for d in details] == [("FOM-1072001", "/BuyingPartyNumber"),
                                                          ("FOM-1072020", "/lines/0/PaymentTerms")]


def test_plain_text_errors_keep_the_message_code_found_in_the_text():
    details = mappers.error_details("text/plain", "JBO-26030: Failed to lock the record, another user holds the lock.\n")
    assert details == [{"code": "JBO-26030", "detail": "JBO-26030: Failed to lock the record, another user holds the lock.",
                        "path": ""}]
    assert mappers.error_details("text/plain", "") == []


def test_price_comes_from_the_sale_price_charge_valid_today():
    items = mappers.collection_items(sample("price_list_items_response.json"))
    assert mappers.price_from_price_list_items(items, currency="USD", today=dt.date(2026, 12, 2)) == Money("48000", "USD")
    assert mappers.price_from_price_list_items(items, currency="USD", today=dt.date(1999, 12, 31)) is None
    items[0]["charges"]["items"][0]["PricingChargeDefinitionCode"] = "QP_SHIPPING"
    assert mappers.price_from_price_list_items(items, currency="USD", today=dt.date(2026, 12, 2)) is None


def test_cost_prefers_the_row_in_the_requested_currency():
    rows = mappers.collection_items(sample("item_costs_response.json"))
    assert mappers.cost_from_item_costs(rows, currency="USD") == Money("9600", "USD")
    euro = [{**rows[0], "CurrencyCode": "EUR", "UnitCost": Decimal("8800")}, *rows]
    assert mappers.cost_from_item_costs(euro, currency="USD") == Money("9600", "USD")
    assert mappers.cost_from_item_costs(euro[:1], currency="USD") == Money("8800", "EUR")
    assert mappers.cost_from_item_costs([], currency="USD") is None


def test_q_expressions_quote_values_the_adf_way():
    assert mappers.q_all(A="SF-1", B="HANDOFF") == "A='SF-1' and B='HANDOFF'"
    assert mappers.q_any("PriceListName", ["x", "y's"]) == "(PriceListName='x' or PriceListName=\"y's\")"
    with pytest.raises(ValueError):
        mappers.q_literal("a'b\"c")


def test_dates_are_adf_date_times():
    assert mappers.oracle_datetime(dt.date(2026, 12, 24)) == "2026-12-24T00:00:00+00:00"
    assert mappers.parse_oracle_datetime("2026-12-24T01:00:00Z") == dt.datetime(2026, 12, 24, 1, tzinfo=dt.timezone.utc)
    assert mappers.parse_oracle_datetime("2026-12-24").date() == dt.date(2026, 12, 24)
    with pytest.raises(ValueError):
        mappers.oracle_datetime(dt.datetime(2026, 12, 24))
