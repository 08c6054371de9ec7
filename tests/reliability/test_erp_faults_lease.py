"""A step's follow-up task finds the handoff's lease free, so a second worker picking it up at once runs it.

Found by the erp_flaky fault scenario (benchmarks/_erp_faults.py): the next step was queued on commit while the lease
was still held (it was released only when the step's task returned), the other worker took the task within
milliseconds, answered "busy: another worker holds this handoff" and dropped it — 30 times in one run; each such
handoff then waited for the watchdog (2 minutes). The lease is now released in the same transaction as the new state,
before the follow-up is sent. SAP is replaced at the HTTP boundary (respx)."""

from __future__ import annotations

import httpx
import pytest
import respx

from erp_orders import pipeline
from erp_orders.connectors.sap.client import SALES_ORDER_SERVICE
from erp_orders.models import Handoff, HandoffState
from tests.factories import HandoffFactory, order_request

pytestmark = pytest.mark.django_db

HOST = "https://s4hana.example.com"
ORDERS = f"{HOST}{SALES_ORDER_SERVICE}/A_SalesOrder"


@pytest.fixture(autouse=True)
def sap_host(settings):
    settings.SAP_BASE_URL = HOST
    settings.HANDOFF_RETRY_DELAYS = [30, 120]


@pytest.fixture
def lease_when_queued(monkeypatch):
    """What the handoff's lease looked like each time the pipeline queued a task for it."""
    seen = []
    real = pipeline.enqueue

    def recording(func, handoff_id, **kwargs):
        seen.append((func, handoff_id, Handoff.objects.filter(pk=handoff_id).values_list("lease_owner", flat=True).first()))
        return real(func, handoff_id, **kwargs)

    monkeypatch.setattr(pipeline, "enqueue", recording)
    return seen


def pushing_handoff() -> Handoff:
    handoff = HandoffFactory(state=HandoffState.PUSHING, erp_customer="17100001")
    reference = f"SF-{handoff.crm_record_id}"
    Handoff.objects.filter(pk=handoff.pk).update(order_request=order_request(reference=reference), erp_reference=reference)
    return Handoff.objects.get(pk=handoff.pk)


@respx.mock
def test_the_next_step_is_queued_with_the_lease_already_free(lease_when_queued):
    handoff = pushing_handoff()
    respx.get(url__startswith=ORDERS).mock(return_value=httpx.Response(200, json={"d": {"results": [
        {"SalesOrder": "4711", "PurchaseOrderByCustomer": handoff.erp_reference}]}}))

    assert pipeline.advance_handoff(handoff.pk) == "pushing → created"

    assert lease_when_queued == [(pipeline.ADVANCE_TASK, handoff.pk, "")]
    assert Handoff.objects.get(pk=handoff.pk).lease_owner == ""


@respx.mock
def test_a_retry_is_queued_with_the_lease_already_free(lease_when_queued):
    handoff = pushing_handoff()
    respx.get(url__startswith=ORDERS).mock(return_value=httpx.Response(503, text="busy", headers={"retry-after": "0"}))

    assert pipeline.advance_handoff(handoff.pk).startswith("push: retry 1 at")

    assert lease_when_queued == [(pipeline.ADVANCE_TASK, handoff.pk, "")]
