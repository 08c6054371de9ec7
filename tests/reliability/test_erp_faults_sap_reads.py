"""SAP reads ride out a flaky Gateway; writes are never repeated by the client (respx at the HTTP boundary).

Found by the erp_flaky fault scenario (benchmarks/_erp_faults.py): with 30 % of SAP's answers a 503, a validate step
reads two prices, so most steps failed, three failed steps in a row opened the outage breaker again and again, and
the buffer barely moved. A safe read is now asked again after a 502/503/504 (within Retry-After, capped)."""

from __future__ import annotations

import httpx
import pytest
import respx

from erp_orders.connectors.sap import client as sap_client
from erp_orders.connectors.sap.adapter import SapAdapter
from erp_orders.connectors.sap.client import SALES_ORDER_SERVICE, SapClient
from handoff_project.integration.errors import TransientError
from handoff_project.integration.models import Event

pytestmark = pytest.mark.django_db

HOST = "https://s4hana.example.com"
ORDERS = f"{HOST}{SALES_ORDER_SERVICE}/A_SalesOrder"


@pytest.fixture(autouse=True)
def sap_host(settings):
    settings.SAP_BASE_URL = HOST


def unavailable(status=503):
    return httpx.Response(status, text="Service Unavailable", headers={"retry-after": "0"})


@respx.mock
def test_a_read_that_meets_a_503_and_a_504_is_asked_again_and_answers():
    route = respx.get(url__startswith=ORDERS).mock(side_effect=[
        unavailable(503), unavailable(504),
        httpx.Response(200, json={"d": {"results": [{"SalesOrder": "4711", "PurchaseOrderByCustomer": "SF-006A"}]}})])

    found = SapAdapter().find_order_by_reference("SF-006A")

    assert found is not None and found.order_number == "4711"
    assert route.call_count == 3
    assert Event.objects.filter(system="sap", http_status__in=[503, 504]).count() == 2, "every failed try is logged"


@respx.mock
def test_a_read_that_keeps_failing_is_transient_after_three_tries():
    route = respx.get(url__startswith=ORDERS).mock(return_value=unavailable(503))

    with pytest.raises(TransientError) as caught, SapClient() as sap:
        sap.get(SALES_ORDER_SERVICE, "A_SalesOrder", {"$top": "1"}, action="read orders")

    assert caught.value.http_status == 503 and route.call_count == sap_client.READ_ATTEMPTS


@respx.mock
def test_a_create_that_meets_a_503_is_not_repeated_by_the_client():
    respx.get(f"{HOST}{SALES_ORDER_SERVICE}/").mock(return_value=httpx.Response(
        200, json={"d": {"EntitySets": ["A_SalesOrder"]}}, headers={"x-csrf-token": "tok"}))
    create = respx.post(ORDERS).mock(return_value=unavailable(503))

    with pytest.raises(TransientError), SapClient() as sap:
        sap.post(SALES_ORDER_SERVICE, "A_SalesOrder", {"SalesOrderType": "OR"}, action="create the order")

    assert create.call_count == 1


def test_the_wait_follows_retry_after_and_is_capped():
    assert sap_client._read_retry_wait(httpx.Response(503, headers={"retry-after": "1"}), 1) == 1.0
    assert sap_client._read_retry_wait(httpx.Response(503, headers={"retry-after": "120"}), 1) == sap_client.READ_RETRY_MAX_WAIT_S
    assert sap_client._read_retry_wait(httpx.Response(503), 2) == 1.0
