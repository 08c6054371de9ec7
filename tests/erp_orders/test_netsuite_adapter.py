"""NetSuiteAdapter at the HTTP boundary (respx) with the documented payloads: the cases the emulator's demo data
does not hold (a customer price that points at a price level, an external id held by another transaction)."""

from __future__ import annotations

import json
from decimal import Decimal
from pathlib import Path

import httpx
import pytest
import respx

from erp_orders.connectors.netsuite import mappers
from erp_orders.connectors.netsuite.adapter import NetSuiteAdapter
from handoff_project.integration.canonical import Address, Money, OrderLine, OrderRequest
from handoff_project.integration.errors import DuplicateError
from handoff_project.integration.models import Event

pytestmark = pytest.mark.django_db

HOST = "https://1234567-sb1.suitetalk.api.netsuite.com"
RECORDS = f"{HOST}/services/rest/record/v1"
FIXTURES = Path(mappers.__file__).resolve().parent / "fixtures"
USD = {"id": "1", "name": "USA", "symbol": "USD", "isBaseCurrency": True}


@pytest.fixture(autouse=True)
def netsuite_host(settings):
    settings.NETSUITE_BASE_URL = HOST


def sample(name: str) -> httpx.Response:
    return httpx.Response(200, json=json.loads((FIXTURES / name).read_text()))


def not_found() -> httpx.Response:
    return httpx.Response(404, json=json.loads((FIXTURES / "error_nonexistent_id.json").read_text()))


def currency_lookup():
    respx.get(f"{RECORDS}/currency", params={"q": 'symbol IS "USD"'}).mock(return_value=sample("currency_collection.json"))
    respx.get(f"{RECORDS}/currency/1").mock(return_value=httpx.Response(200, json=USD))


@respx.mock
def test_customer_price_pointing_at_a_price_level_is_read_from_the_items_pricing_at_that_level():
    currency_lookup()
    respx.get(f"{RECORDS}/customer/1201/itemPricing").mock(return_value=sample("customer_item_pricing.json"))
    respx.get(f"{RECORDS}/inventoryItem/505").mock(return_value=httpx.Response(200, json={"id": "505", "cost": 610.0}))
    respx.get(f"{RECORDS}/inventoryItem/505/price").mock(return_value=sample("item_price_sublist.json"))
    price = NetSuiteAdapter().get_price(customer="1201", material="505", quantity=Decimal("3"), currency="USD")
    assert price == Money("1100.0", "USD")  # the customer's level "Alternate Price 1", not the base price


@respx.mock
def test_item_of_another_record_type_is_found_by_asking_the_types_in_turn():
    currency_lookup()
    respx.get(f"{RECORDS}/customer/1202/itemPricing").mock(return_value=httpx.Response(200, json={"items": []}))
    respx.get(f"{RECORDS}/inventoryItem/503").mock(return_value=not_found())
    respx.get(f"{RECORDS}/nonInventorySaleItem/503").mock(return_value=not_found())
    respx.get(f"{RECORDS}/nonInventoryResaleItem/503").mock(return_value=not_found())
    service = respx.get(f"{RECORDS}/serviceSaleItem/503").mock(return_value=httpx.Response(200, json={"id": "503"}))
    rows = {"items": [{"currencyPage": {"id": "1"}, "priceLevel": {"id": "1"}, "quantity": {"value": 0}, "price": 7500.0}]}
    respx.get(f"{RECORDS}/serviceSaleItem/503/price").mock(return_value=httpx.Response(200, json=rows))
    price = NetSuiteAdapter().get_price(customer="1202", material="503", quantity=Decimal("1"), currency="USD")
    assert price == Money("7500.0", "USD") and service.called


@respx.mock
def test_duplicate_external_id_of_a_sales_order_returns_that_order():
    currency_lookup()
    respx.post(f"{RECORDS}/salesOrder").mock(return_value=httpx.Response(400, json={"status": 400, "o:errorDetails": [
        {"detail": "Error while accessing a resource. This record already exists.", "o:errorCode": "DUP_RCRD"}]}))
    respx.get(f"{RECORDS}/salesOrder/eid:SF-006000000000001AAA").mock(return_value=sample("sales_order_record.json"))
    created = NetSuiteAdapter().create_order(order())
    assert (created.order_number, created.found_existing, created.total) == ("SO10001", True, Money("48906.0", "USD"))
    assert Event.objects.filter(event_type="erp_duplicate_reference", message__contains="SO10001").exists()


@respx.mock
def test_external_id_held_by_another_kind_of_transaction_is_a_duplicate_a_person_resolves():
    currency_lookup()
    respx.post(f"{RECORDS}/salesOrder").mock(return_value=httpx.Response(400, json={"status": 400, "o:errorDetails": [
        {"detail": "Error while accessing a resource. This record already exists.", "o:errorCode": "DUP_RCRD"}]}))
    respx.get(f"{RECORDS}/salesOrder/eid:SF-006000000000001AAA").mock(return_value=not_found())
    with pytest.raises(DuplicateError, match="another transaction in NetSuite holds it") as raised:
        NetSuiteAdapter().create_order(order())
    assert raised.value.vendor_code == "DUP_RCRD"


def order() -> OrderRequest:
    line = OrderLine(line_number=1, material="501", description="Platform", quantity=Decimal("1"), unit="1",
                     unit_price=Money("45600.00", "USD"))
    return OrderRequest(reference="SF-006000000000001AAA", sold_to="1201", ship_to="1201", ship_to_address=Address(),
                        currency="USD", lines=(line,), payment_terms_key="2")
