"""The Odoo emulator through the real HTTP path: the adapter against /sandbox/odoo/jsonrpc on a live server."""

from __future__ import annotations

import datetime as dt
import json
from decimal import Decimal

import httpx
import pytest
from django.utils import timezone

from erp_orders.connectors.odoo import sandbox_orm as orm
from erp_orders.connectors.odoo.adapter import OdooAdapter
from erp_orders.connectors.odoo.client import OdooClient
from erp_orders.connectors.odoo.sandbox import seed_master_data
from handoff_project.demo import erp_world
from handoff_project.integration.canonical import Address, Money, OrderLine, OrderRequest
from handoff_project.integration.errors import (
    AuthenticationError,
    ConfigurationError,
    LockedRecordError,
    NotFoundError,
    PermanentError,
    Reason,
    RemoteValidationError,
    TransientError,
)
from handoff_project.integration.models import Event
from handoff_project.sandbox import store

ACME, GLOBEX, PLATFORM, SEAT, US_TAX, NET_30, EACH, HOUR = "7", "8", "21", "22", "1", "4", "1", "4"


@pytest.fixture
def odoo(sandbox_urls):
    seed_master_data(erp_world.master_data("odoo", reset=True))
    return sandbox_urls.url + "/sandbox/odoo"


def soon() -> dt.date:
    return timezone.localdate() + dt.timedelta(days=10)


def line(number=1, **overrides) -> OrderLine:
    values = dict(line_number=number, material=PLATFORM, description="Enterprise Platform License (Annual)",
                  quantity=Decimal("1"), unit=EACH, unit_price=Money("45600.00", "USD"), tax_code=US_TAX)
    return OrderLine(**{**values, **overrides})


def order(reference="SF-006000000000001AAA", **overrides) -> OrderRequest:
    values = dict(reference=reference, sold_to=ACME, ship_to=ACME, ship_to_address=Address(), currency="USD",
                  lines=(line(), line(2, material=SEAT, description="Pro Seat", quantity=Decimal("25"),
                                      unit_price=Money("960.00", "USD"), discount_percent=Decimal("10"))),
                  payment_terms_key=NET_30, requested_delivery_date=soon(), customer_reference="Acme — renewal")
    return OrderRequest(**{**values, **overrides})


def orders_with(reference: str) -> list[dict]:
    return [o for o in store.all_of("odoo", "sale.order") if o.get("client_order_ref") == reference]


def set_fault(odoo: str, **mode):
    response = httpx.post(f"{odoo}/_control", json=mode)
    assert response.status_code == 200, response.text


def rpc(odoo: str, service: str, method: str, args: list) -> httpx.Response:
    return httpx.post(f"{odoo}/jsonrpc", json={"jsonrpc": "2.0", "method": "call", "id": 9,
                                                "params": {"service": service, "method": method, "args": args}})


# ---- orders ------------------------------------------------------------------------------------------------------------


def test_created_order_is_a_confirmed_sales_order_found_by_its_reference(odoo):
    created = OdooAdapter().create_order(order())
    found = OdooAdapter().find_order_by_reference("SF-006000000000001AAA")
    assert created.order_number.startswith("S") and len(created.order_number) == 6 and not created.found_existing
    assert (found.order_number, found.reference, found.found_existing) == (created.order_number, created.reference, True)
    [saved] = orders_with("SF-006000000000001AAA")
    assert saved["state"] == "sale" and saved["partner_id"] == 7 and saved["payment_term_id"] == 4
    assert saved["commitment_date"] == f"{soon().isoformat()} 12:00:00" and saved["origin"] == "Acme — renewal"
    assert OdooAdapter().find_order_by_reference("SF-006999999999999AAA") is None


def test_order_total_is_the_agreed_prices_less_discount_plus_the_tax_and_lines_keep_our_prices(odoo):
    created = OdooAdapter().create_order(order())
    # 45600.00 + 25 × 960.00 − 10 % = 67200.00, + 7.25 % = 72072.00
    assert created.total == Money("72072.00", "USD")
    lines = httpx.get(f"{odoo}/_state").json()["sales_orders"][0]["lines"]
    assert [(entry["price_unit"], entry["discount"], entry["price_subtotal"]) for entry in lines] == [
        (45600.0, 0.0, 45600.0), (960.0, 10.0, 21600.0)]
    assert lines[0]["tax_id"] == [1] and lines[0]["product_uom"] == [1, "Each"]


def test_the_oldest_of_several_orders_with_one_reference_is_the_answer_and_cancelled_ones_do_not_count(odoo):
    first, second, third = (OdooAdapter().create_order(order("SF-006000000000002AAA")) for _ in range(3))
    assert len(orders_with("SF-006000000000002AAA")) == 3  # Odoo keeps no uniqueness on client_order_ref
    assert OdooAdapter().find_order_by_reference("SF-006000000000002AAA").order_number == first.order_number
    with OdooClient() as client:
        client.execute_kw("sale.order", "action_cancel", [[orders_with("SF-006000000000002AAA")[0]["id"]]],
                          action="cancel")
    assert OdooAdapter().find_order_by_reference("SF-006000000000002AAA").order_number == second.order_number


def test_a_lost_answer_to_the_create_is_found_on_retry_confirmed_and_not_duplicated(odoo):
    set_fault(odoo, mode="lose_response", count=1)
    with pytest.raises(TransientError, match="may have been carried out"):
        OdooAdapter().create_order(order("SF-006000000000003AAA"))
    [kept] = orders_with("SF-006000000000003AAA")
    assert kept["state"] == "draft"  # the create committed; its answer (and so the confirmation) was lost

    found = OdooAdapter().find_order_by_reference("SF-006000000000003AAA")
    assert found.found_existing and found.order_number == kept["name"]
    [after] = orders_with("SF-006000000000003AAA")
    assert after["state"] == "sale"
    assert Event.objects.filter(event_type="erp_order_confirmed", system="odoo").exists()


def test_locked_records_raise_a_transient_lock_error_and_create_nothing(odoo):
    set_fault(odoo, mode="locked")
    with pytest.raises(LockedRecordError) as caught:
        OdooAdapter().create_order(order("SF-006000000000004AAA"))
    assert caught.value.reason == Reason.RECORD_LOCKED and caught.value.vendor_code == "SerializationFailure"
    assert orders_with("SF-006000000000004AAA") == []
    assert OdooAdapter().find_order_by_reference("SF-006000000000004AAA") is None  # reads pass while locked


def test_an_order_in_another_currency_than_the_customers_pricelist_gets_a_pricelist_in_its_currency(odoo):
    euro = order("SF-006000000000010AAA", currency="EUR",
                 lines=(line(unit_price=Money("42000.00", "EUR")),))
    with pytest.raises(PermanentError, match="no pricelist in EUR"):
        OdooAdapter().create_order(euro)
    orm.put("product.pricelist", {"id": 7, "name": "Euro", "currency_id": 1, "active": True})
    assert OdooAdapter().create_order(euro).total == Money("45045.00", "EUR")  # 42000.00 + 7.25 %
    [saved] = orders_with("SF-006000000000010AAA")
    assert (saved["pricelist_id"], saved["currency_id"]) == (7, 1)


# ---- healable and other refusals ---------------------------------------------------------------------------------------


@pytest.mark.parametrize("overrides, error, reason", [
    ({"requested_delivery_date": dt.date(2026, 11, 24)}, RemoteValidationError, Reason.DATE_IN_PAST),
    ({"lines": (line(material=SEAT, quantity=Decimal("2.5")),)}, RemoteValidationError, Reason.UNIT_NO_DECIMALS),
    ({"payment_terms_key": "99"}, RemoteValidationError, Reason.INVALID_PAYMENT_TERMS),
    ({"sold_to": "99", "ship_to": "99"}, NotFoundError, Reason.UNKNOWN_CUSTOMER),
    ({"lines": (line(material="999"),)}, NotFoundError, Reason.UNKNOWN_ITEM),
])
def test_odoo_refusals_carry_the_shared_reason_and_create_nothing(odoo, overrides, error, reason):
    with pytest.raises(error) as caught:
        OdooAdapter().create_order(order("SF-006000000000005AAA", **overrides))
    assert caught.value.reason == reason
    assert str(caught.value).startswith("Odoo rejected the order:") and "re-queue" in str(caught.value)
    assert orders_with("SF-006000000000005AAA") == []


def test_hours_take_decimal_quantities(odoo):
    hours = line(material=SEAT, quantity=Decimal("2.5"), unit=HOUR, unit_price=Money("960.00", "USD"))
    created = OdooAdapter().create_order(order("SF-006000000000006AAA", lines=(hours,)))
    assert created.total == Money("2574.00", "USD")  # 2.5 × 960.00 = 2400.00, + 7.25 % = 174.00


# ---- prices, cost, ping ------------------------------------------------------------------------------------------------


def test_the_customers_pricelist_price_wins_over_the_list_price(odoo):
    adapter = OdooAdapter()
    assert adapter.get_price(customer=ACME, material=PLATFORM, quantity=Decimal("1"), currency="USD") == Money("45600.00", "USD")
    assert adapter.get_price(customer=GLOBEX, material=PLATFORM, quantity=Decimal("1"), currency="USD") == Money("48000.00", "USD")
    assert adapter.get_price(customer=ACME, material=SEAT, quantity=Decimal("1"), currency="USD") == Money("960.00", "USD")
    assert adapter.get_price(customer=ACME, material="999", quantity=Decimal("1"), currency="USD") is None


def test_unit_cost_is_the_products_standard_price(odoo):
    assert OdooAdapter().get_unit_cost(material=PLATFORM, currency="USD") == Money("9600.00", "USD")
    assert OdooAdapter().get_unit_cost(material="999", currency="USD") is None


def test_ping_answers_when_odoo_is_up_and_raises_a_transient_error_when_it_is_down(odoo):
    OdooAdapter().ping()
    set_fault(odoo, mode="down", status=503)
    with pytest.raises(TransientError):
        OdooAdapter().ping()


# ---- the emulator speaks Odoo's protocol -------------------------------------------------------------------------------


def test_wrong_credentials_are_refused_at_sign_in_and_on_every_call(odoo, settings):
    assert rpc(odoo, "common", "authenticate", [settings.ODOO_DATABASE, settings.ODOO_USER, "wrong", {}]).json()["result"] is False
    with pytest.raises(AuthenticationError, match="ODOO_API_KEY"):
        OdooClient(api_key="wrong").uid()
    answer = rpc(odoo, "object", "execute_kw", [settings.ODOO_DATABASE, 2, "wrong", "sale.order", "search", [[]]])
    assert answer.status_code == 200
    error = answer.json()["error"]
    assert (error["code"], error["message"], error["data"]["name"], error["data"]["message"]) == (
        200, "Odoo Server Error", "odoo.exceptions.AccessDenied", "Access Denied")
    assert answer.json()["id"] == 9


def test_an_unknown_database_is_a_configuration_error_not_a_retry(odoo):
    with pytest.raises(ConfigurationError, match="ODOO_DATABASE"):
        OdooClient(database="nope").uid()


def test_unknown_fields_methods_and_models_answer_odoos_errors(odoo, settings):
    def call(model, method, args):
        login = [settings.ODOO_DATABASE, 2, settings.ODOO_API_KEY]
        return rpc(odoo, "object", "execute_kw", [*login, model, method, args]).json()["error"]["data"]

    assert call("sale.order", "search_read", [[["nope", "=", 1]]])["message"] == "Invalid field 'nope' on model 'sale.order'"
    assert call("sale.order", "_private", [])["name"] == "odoo.exceptions.AccessError"
    assert call("sale.order", "frobnicate", [])["name"] == "builtins.AttributeError"
    assert call("no.such.model", "search", [[]])["message"] == "Object no.such.model doesn't exist"


def test_seeding_is_idempotent_and_the_state_lists_what_the_emulator_holds(odoo):
    again = seed_master_data(erp_world.master_data("odoo"))
    assert again["res.partner"] == 5 and again["product.product"] == 7 and again["product.pricelist.item"] == 1
    OdooAdapter().create_order(order("SF-006000000000007AAA"))
    held = httpx.get(f"{odoo}/_state").json()
    assert [(o["name"], o["client_order_ref"]) for o in held["sales_orders"]] == [("S00001", "SF-006000000000007AAA")]
    assert {u["id"]: u["rounding"] for u in held["units"]} == {1: 1.0, 4: 0.01}


def test_no_api_key_reaches_the_event_log(odoo, settings):
    adapter = OdooAdapter()
    adapter.create_order(order("SF-006000000000008AAA"))
    adapter.find_order_by_reference("SF-006000000000008AAA")
    adapter.get_price(customer=ACME, material=PLATFORM, quantity=Decimal("1"), currency="USD")
    with pytest.raises(AuthenticationError):
        OdooClient(api_key=settings.ODOO_API_KEY + "-revoked").uid()
    events = Event.objects.filter(system="odoo")
    assert events.filter(request_body__contains='"execute_kw"').count() >= 5
    stored = "\n".join(e.request_body + e.body + e.endpoint + e.message + json.dumps(e.data) for e in events)
    assert settings.ODOO_API_KEY not in stored
    assert '"[REDACTED]"' in stored
