"""Purchase orders and goods receipts from SAP: the client at the HTTP boundary (respx) and against the purchasing
emulator (/sandbox/sap/, real entity and property names), and the sync into our tables."""

from __future__ import annotations

from decimal import Decimal as D

import httpx
import pytest
import respx
from django.core.management import call_command

from erp_orders.connectors.sap.purchasing import GR_SERVICE, PO_SERVICE, PurchasingClient
from erp_orders.connectors.sap.sandbox_purchasing import seed_purchasing
from handoff_project.integration.errors import TransientError
from payables.models import GoodsReceiptLine, PurchaseOrder
from payables.purchasing import fetch_purchase_order

HOST = "https://s4hana.example.com"
# The shape SAP's API_PURCHASEORDER_PROCESS_SRV answers with (fields as in SAP's sandbox, abridged).
PO_ANSWER = {"d": {
    "__metadata": {"type": "API_PURCHASEORDER_PROCESS_SRV.A_PurchaseOrderType"},
    "PurchaseOrder": "4500000028", "CompanyCode": "1710", "Supplier": "17300001", "PaymentTerms": "0004",
    "DocumentCurrency": "USD", "PurchaseOrderDate": "/Date(1641254400000)/",
    "to_PurchaseOrderItem": {"results": [{
        "PurchaseOrder": "4500000028", "PurchaseOrderItem": "10", "PurchaseOrderItemText": "Trad. Good 0012",
        "MaterialGroup": "L001", "Material": "TG0012", "OrderQuantity": "1", "PurchaseOrderQuantityUnit": "PC",
        "NetPriceAmount": "40.00", "NetPriceQuantity": "1", "PurchasingDocumentDeletionCode": ""}]},
}}

PURCHASING = {
    "reset": True,
    "suppliers": [{"Supplier": "17300001", "SupplierName": "Au bon moulin", "VATRegistration": "FR11999999998"}],
    "purchase_orders": [{
        "PurchaseOrder": "PO1242", "Supplier": "17300001", "DocumentCurrency": "EUR", "PaymentTerms": "NT30",
        "PurchaseOrderDate": "2026-06-01",
        "items": [{"PurchaseOrderItem": "10", "Material": "JOIO50CL", "PurchaseOrderItemText": "Huile d'olive 50cl",
                   "OrderQuantity": "10", "NetPriceAmount": "135.00", "NetPriceQuantity": "10", "MaterialGroup": "F01"},
                  {"PurchaseOrderItem": "20", "Material": "NOUGATCUBES", "PurchaseOrderItemText": "Nougats en cubes",
                   "OrderQuantity": "20", "NetPriceAmount": "6.90"}]}],
    "goods_receipts": [
        {"MaterialDocument": "5000000001", "PostingDate": "2026-06-10", "ReferenceDocument": "DN-881",
         "items": [{"PurchaseOrder": "PO1242", "PurchaseOrderItem": "10", "Material": "JOIO50CL", "QuantityInEntryUnit": "10"},
                   {"PurchaseOrder": "PO1242", "PurchaseOrderItem": "20", "Material": "NOUGATCUBES", "QuantityInEntryUnit": "22"}]},
        {"MaterialDocument": "5000000002", "PostingDate": "2026-06-11",
         "items": [{"PurchaseOrder": "PO1242", "PurchaseOrderItem": "20", "Material": "NOUGATCUBES",
                    "QuantityInEntryUnit": "2", "GoodsMovementType": "102"}]},
    ],
}


@pytest.fixture
def sap_host(settings):
    settings.SAP_BASE_URL = HOST


@pytest.mark.django_db
@respx.mock
def test_a_purchase_order_answer_becomes_lines_with_price_per_unit(sap_host):
    respx.get(url__startswith=f"{HOST}{PO_SERVICE}/A_PurchaseOrder('4500000028')").mock(
        return_value=httpx.Response(200, json=PO_ANSWER))
    with PurchasingClient() as client:
        order = client.purchase_order("4500000028")
    assert (order["supplier_number"], order["currency"], order["payment_terms"]) == ("17300001", "USD", "0004")
    assert order["order_date"].isoformat() == "2022-01-04"
    assert [(l["item"], l["material"], l["quantity"], l["unit_price"]) for l in order["lines"]] == [
        ("10", "TG0012", D("1"), D("40.00"))]


@pytest.mark.django_db
@respx.mock
def test_sap_unavailable_is_a_transient_error_so_the_task_retries(sap_host):
    respx.get(url__startswith=f"{HOST}{GR_SERVICE}/A_MaterialDocumentItem").mock(
        return_value=httpx.Response(503, text="Service Unavailable"))
    with pytest.raises(TransientError), PurchasingClient() as client:
        client.receipt_lines(purchase_order="4500000028")


@pytest.mark.django_db(transaction=True)
def test_an_invoice_citing_an_unknown_po_fetches_it_and_its_receipts_from_sap(sandbox_urls):
    seed_purchasing(PURCHASING)
    order = fetch_purchase_order("PO1242")
    assert (order.supplier_name, order.supplier_vat, order.payment_terms) == ("Au bon moulin", "FR11999999998", "NT30")
    assert [(l.item, l.quantity, l.unit_price) for l in order.lines.all()] == [
        ("10", D("10.000"), D("13.500000")), ("20", D("20.000"), D("6.900000"))]
    received = sorted((l.purchase_order_item, l.quantity) for l in GoodsReceiptLine.objects.all())
    assert received == [("10", D("10.000")), ("20", D("-2.000")), ("20", D("22.000"))]  # 102 is a reversal
    assert fetch_purchase_order("4599999999") is None


@pytest.mark.django_db(transaction=True)
def test_sync_purchasing_command_is_idempotent(sandbox_urls):
    seed_purchasing(PURCHASING)
    call_command("sync_purchasing")
    call_command("sync_purchasing")
    assert PurchaseOrder.objects.count() == 1 and GoodsReceiptLine.objects.count() == 3
