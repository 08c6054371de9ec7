"""The Business Central adapter against its emulator on a live server: the real HTTP path, sign-in included."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import httpx
import pytest
from django.utils import timezone

from erp_orders.connectors.business_central import client as bc_client
from erp_orders.connectors.business_central.adapter import BusinessCentralAdapter
from erp_orders.connectors.business_central.client import BusinessCentralClient
from erp_orders.connectors.business_central.mappers import pending_reference
from handoff_project.demo import erp_world
from handoff_project.integration.canonical import Address, Money, OrderLine, OrderRequest
from handoff_project.integration.errors import (
    LockedRecordError,
    Reason,
    RemoteValidationError,
    TransientError,
)
from handoff_project.integration.models import Event
from handoff_project.sandbox.models import SandboxRecord

REFERENCE = "SF-006Hs00001AbCdEIA3"
ACME, GLOBEX = "C10000", "C20000"


@pytest.fixture(autouse=True)
def no_cached_token():
    bc_client.forget_tokens()
    yield
    bc_client.forget_tokens()


@pytest.fixture
def bc(sandbox_urls):
    erp_world.seed_erp("business_central", reset=True)
    return sandbox_urls.url + "/sandbox/business_central"


def line(number=1, material="1000-PLAT", quantity="1", price="45600.00", discount="0", unit="PCS") -> OrderLine:
    return OrderLine(line_number=number, material=material, description=material, quantity=Decimal(quantity),
                     unit=unit, unit_price=Money(price, "USD"), discount_percent=Decimal(discount), tax_code="TAXABLE")


def order(reference=REFERENCE, lines=None, **overrides) -> OrderRequest:
    values = dict(reference=reference, sold_to=ACME, ship_to=ACME, currency="USD", payment_terms_key="30 DAYS",
                  ship_to_address=Address(street="350 Fifth Avenue", city="New York", region="NY",
                                          postal_code="10118", country="US", name="ACME Corporation"),
                  requested_delivery_date=timezone.localdate() + dt.timedelta(days=14),
                  lines=tuple(lines or (line(), line(2, "1001-SEAT", "25", "960.00", "10"))))
    return OrderRequest(**{**values, **overrides})


def state(bc: str) -> dict:
    return httpx.get(f"{bc}/_state").json()


def set_fault(bc: str, **mode) -> None:
    assert httpx.post(f"{bc}/_control", json=mode).status_code == 200


def test_created_order_has_its_lines_and_is_found_by_its_reference(bc):
    created = BusinessCentralAdapter().create_order(order())
    assert created.order_number.startswith("S-ORD") and created.reference == REFERENCE
    assert created.total == Money("67200.00", "USD")  # 45 600 + 25 × 960 less 10 %
    found = BusinessCentralAdapter().find_order_by_reference(REFERENCE)
    assert found.order_number == created.order_number and found.found_existing
    [held] = state(bc)["sales_orders"]
    assert held["number"] == created.order_number and held["externalDocumentNumber"] == REFERENCE
    assert [(l["lineObjectNumber"], l["quantity"], l["unitPrice"], l["discountPercent"], l["taxCode"])
            for l in held["salesOrderLines"]] == [("1000-PLAT", 1, 45600, 0, "TAXABLE"),
                                                  ("1001-SEAT", 25, 960, 10, "TAXABLE")]


def test_order_header_carries_customer_terms_requested_date_and_ship_to(bc):
    wanted = order()
    BusinessCentralAdapter().create_order(wanted)
    [held] = state(bc)["sales_orders"]
    [terms] = [t for t in state(bc)["payment_terms"] if t["code"] == "30 DAYS"]
    assert held["customerNumber"] == ACME and held["paymentTermsId"] == terms["id"]
    assert held["requestedDeliveryDate"] == wanted.requested_delivery_date.isoformat()
    assert (held["shipToAddressLine1"], held["shipToCity"], held["shipToPostCode"]) == ("350 Fifth Avenue",
                                                                                         "New York", "10118")
    assert held["currencyCode"] == "USD" and held["status"] == "Draft"


def test_several_orders_with_one_reference_the_oldest_is_found(bc):
    first = BusinessCentralAdapter().create_order(order())
    BusinessCentralAdapter().create_order(order())  # BC does not keep externalDocumentNumber unique
    assert len(state(bc)["sales_orders"]) == 2
    assert BusinessCentralAdapter().find_order_by_reference(REFERENCE).order_number == first.order_number


def test_no_order_with_the_reference_is_none(bc):
    assert BusinessCentralAdapter().find_order_by_reference("SF-nothing-here") is None


def test_failing_second_line_removes_the_order_logs_the_compensation_and_raises_the_original_error(bc):
    broken = order(lines=(line(), line(2, "9999-XX", "3", "10.00")))
    with pytest.raises(RemoteValidationError) as caught:
        BusinessCentralAdapter().create_order(broken)
    assert caught.value.reason == Reason.UNKNOWN_ITEM and caught.value.vendor_code == "Internal_RecordNotFound"
    assert "The Item does not exist" in caught.value.message and "Crosswalk › Products" in caught.value.message
    assert state(bc)["sales_orders"] == []
    [event] = Event.objects.filter(event_type="erp_compensated")
    assert "line 2 of 2 failed" in event.message and event.data["lines_created"] == 1
    assert event.data["removed_order"].startswith("S-ORD") and event.data["reference"] == REFERENCE
    assert BusinessCentralAdapter().find_order_by_reference(REFERENCE) is None


def test_lost_answer_to_the_header_then_a_retry_leaves_exactly_one_complete_order(bc):
    set_fault(bc, mode="lose_response", how="gateway", count=1)
    with pytest.raises(TransientError) as caught:
        BusinessCentralAdapter().create_order(order())
    assert caught.value.http_status == 504
    [leftover] = state(bc)["sales_orders"]  # committed, answer lost: a header without lines, marked pending
    assert leftover["externalDocumentNumber"] == pending_reference(REFERENCE) and leftover["salesOrderLines"] == []
    assert BusinessCentralAdapter().find_order_by_reference(REFERENCE) is None

    created = BusinessCentralAdapter().create_order(order())
    [held] = state(bc)["sales_orders"]
    assert held["number"] == created.order_number != leftover["number"]
    assert held["externalDocumentNumber"] == REFERENCE and len(held["salesOrderLines"]) == 2
    [removed] = Event.objects.filter(event_type="erp_compensated")
    assert removed.data["removed_order"] == leftover["number"] and "earlier attempt" in removed.message


def losing_the_answer_to(bc: str, *, method: str, resource_end: str, nth: int = 1):
    """A client that sets the sandbox's lose_response fault just before its nth `method` request on a resource
    ending in `resource_end`: that request is carried out, its answer is lost."""

    class Client(BusinessCentralClient):
        seen = 0

        def _send(self, verb, url, **kwargs):
            if verb == method and url.split("?")[0].endswith(resource_end):
                Client.seen += 1
                if Client.seen == nth:
                    set_fault(bc, mode="lose_response", how="gateway", count=1)
            return super()._send(verb, url, **kwargs)

    return Client


def test_lost_answer_to_a_line_removes_the_order_and_the_retry_creates_it_once(bc):
    flaky = losing_the_answer_to(bc, method="POST", resource_end="/salesOrderLines", nth=2)
    with pytest.raises(TransientError):
        BusinessCentralAdapter(client_factory=flaky).create_order(order())
    assert state(bc)["sales_orders"] == []  # the line went in, the answer did not: the whole order was removed
    assert Event.objects.get(event_type="erp_compensated").data["lines_created"] == 1
    created = BusinessCentralAdapter().create_order(order())
    [held] = state(bc)["sales_orders"]
    assert held["number"] == created.order_number and len(held["salesOrderLines"]) == 2


def test_lost_answer_to_the_completion_is_settled_by_reading_the_order_again(bc):
    flaky = losing_the_answer_to(bc, method="PATCH", resource_end=")")
    created = BusinessCentralAdapter(client_factory=flaky).create_order(order())
    [held] = state(bc)["sales_orders"]
    assert held["number"] == created.order_number and held["externalDocumentNumber"] == REFERENCE
    assert len(held["salesOrderLines"]) == 2 and not Event.objects.filter(event_type="erp_compensated").exists()
    assert BusinessCentralAdapter().find_order_by_reference(REFERENCE).order_number == created.order_number


def test_order_without_lines_under_the_plain_reference_is_not_taken_for_a_created_order(bc):
    with BusinessCentralClient() as client:
        client.post("salesOrders", {"customerNumber": ACME, "externalDocumentNumber": REFERENCE},
                    action="create a bare header")
    assert BusinessCentralAdapter().find_order_by_reference(REFERENCE) is None


@pytest.mark.parametrize(("change", "reason", "code"), [
    (dict(sold_to="C99999"), Reason.UNKNOWN_CUSTOMER, "Internal_RecordNotFound"),
    (dict(lines=(line(material="9999-XX"),)), Reason.UNKNOWN_ITEM, "Internal_RecordNotFound"),
    (dict(payment_terms_key="99 DAYS"), Reason.INVALID_PAYMENT_TERMS, ""),
    (dict(requested_delivery_date=dt.date(2020, 1, 31)), Reason.DATE_IN_PAST, "Application_DialogException"),
    (dict(lines=(line(quantity="2.5"),)), Reason.UNIT_NO_DECIMALS, "Application_DialogException"),
])
def test_healable_errors_carry_their_reason_and_leave_nothing_behind(bc, change, reason, code):
    with pytest.raises(RemoteValidationError) as caught:
        BusinessCentralAdapter().create_order(order(**change))
    assert caught.value.reason == reason and caught.value.vendor_code == code
    assert caught.value.message.startswith("Business Central rejected the order: ")
    assert caught.value.recommended_resolution.endswith("then re-queue.")
    assert state(bc)["sales_orders"] == []


def test_record_locked_by_another_session_is_a_transient_locked_error(bc):
    set_fault(bc, mode="locked", count=1)
    with pytest.raises(LockedRecordError) as caught:
        BusinessCentralAdapter().create_order(order())
    assert caught.value.reason == Reason.RECORD_LOCKED and caught.value.http_status == 409
    assert "locked by another user" in caught.value.message
    assert state(bc)["sales_orders"] == []
    assert BusinessCentralAdapter().create_order(order()).order_number  # the lock is gone: it goes through


def test_business_central_down_is_transient_and_creates_nothing(bc):
    set_fault(bc, mode="down", status=503)
    with pytest.raises(TransientError) as caught:
        BusinessCentralAdapter().ping()
    assert caught.value.http_status == 503
    set_fault(bc, mode="up")
    BusinessCentralAdapter().ping()


def test_price_is_the_customer_price_list_line_else_the_items_unit_price(bc):
    adapter = BusinessCentralAdapter()
    one = Decimal("1")
    assert adapter.get_price(customer=ACME, material="1000-PLAT", quantity=one, currency="USD") == Money("45600", "USD")
    assert adapter.get_price(customer=GLOBEX, material="1000-PLAT", quantity=one, currency="USD") == Money("48000", "USD")
    assert adapter.get_price(customer=ACME, material="1001-SEAT", quantity=one, currency="USD") == Money("960", "USD")
    assert adapter.get_price(customer=ACME, material="9999-XX", quantity=one, currency="USD") is None


def test_without_the_published_price_list_page_the_list_price_is_used_and_that_is_logged(bc, settings):
    settings.BUSINESS_CENTRAL_PRICE_LIST_SERVICE = "NotPublished"
    price = BusinessCentralAdapter().get_price(customer=ACME, material="1000-PLAT", quantity=Decimal(1), currency="USD")
    assert price == Money("48000", "USD")
    assert Event.objects.filter(event_type="erp_price_lists_unavailable", message__contains="NotPublished").exists()


def test_unit_cost_is_the_items_unit_cost(bc):
    adapter = BusinessCentralAdapter()
    assert adapter.get_unit_cost(material="1000-PLAT", currency="USD") == Money("9600", "USD")
    assert adapter.get_unit_cost(material="9999-XX", currency="USD") is None


def test_ping_reads_the_company_and_an_unknown_company_is_not_found(bc, settings):
    BusinessCentralAdapter().ping()
    with BusinessCentralClient() as client:
        token = bc_client.access_token(client.login)
    answer = httpx.get(f"{bc}/v2.0/{settings.BUSINESS_CENTRAL_TENANT_ID}/production/api/v2.0/"
                       "companies(11111111-2222-3333-4444-555555555555)", headers={"Authorization": f"Bearer {token}"})
    assert answer.status_code == 404 and answer.json()["error"]["code"] == "BadRequest_ResourceNotFound"


def test_api_without_a_bearer_token_is_refused_in_business_centrals_format(bc, settings):
    url = (f"{bc}/v2.0/{settings.BUSINESS_CENTRAL_TENANT_ID}/production/api/v2.0/"
           f"companies({settings.BUSINESS_CENTRAL_COMPANY_ID})/salesOrders")
    for headers in ({}, {"Authorization": "Bearer not-a-token-we-issued"}):
        answer = httpx.get(url, headers=headers)
        assert answer.status_code == 401
        assert answer.json()["error"]["code"] == "Authentication_InvalidCredentials"


def test_token_endpoint_refuses_a_wrong_client_secret_the_way_entra_id_does(bc, settings):
    answer = httpx.post(settings.BUSINESS_CENTRAL_TOKEN_URL, data={
        "client_id": settings.BUSINESS_CENTRAL_CLIENT_ID, "client_secret": "wrong", "scope": bc_client.SCOPE,
        "grant_type": "client_credentials"})
    assert answer.status_code == 401 and answer.json()["error"] == "invalid_client"
    assert answer.json()["error_description"].startswith("AADSTS7000215: Invalid client secret provided.")
    assert answer.json()["error_codes"] == [7000215]


def test_validation_error_comes_in_business_centrals_error_format(bc, settings):
    with BusinessCentralClient() as client:
        token = bc_client.access_token(client.login)
    answer = httpx.post(f"{bc}/v2.0/{settings.BUSINESS_CENTRAL_TENANT_ID}/production/api/v2.0/companies("
                        f"{settings.BUSINESS_CENTRAL_COMPANY_ID})/salesOrders", json={"externalDocumentNumber": "X"},
                        headers={"Authorization": f"Bearer {token}"})
    assert answer.status_code == 400
    error = answer.json()["error"]
    assert error["code"] == "Application_DialogException"
    assert error["message"].startswith("A customerNumber or a customerID must be provided.  CorrelationId:  ")


def test_client_secret_and_access_tokens_never_reach_the_event_log(bc, settings):
    BusinessCentralAdapter().create_order(order())
    tokens = [r["key"] for r in SandboxRecord.objects.filter(system="business_central",
                                                                   collection="access_tokens").values("key")]
    assert tokens and Event.objects.filter(system="business_central").count() > 5
    logged = " ".join(f"{e.endpoint} {e.request_body} {e.body} {e.message} {e.data}"
                      for e in Event.objects.filter(system="business_central"))
    assert settings.BUSINESS_CENTRAL_CLIENT_SECRET not in logged
    assert not [t for t in tokens if t in logged]
    assert "client_secret=[REDACTED]" in logged


def test_seeding_twice_keeps_every_id(bc):
    before = state(bc)
    erp_world.seed_erp("business_central")
    after = state(bc)
    for name in ("customers", "items", "payment_terms", "units_of_measure", "tax_groups"):
        assert [r["id"] for r in after[name]] == [r["id"] for r in before[name]]
    assert len(after["price_list_lines"]) == len(before["price_list_lines"]) == 1
