"""End to end through the database: generated PO / receipt / invoice triples with one injected discrepancy are
stored, matched by payables.reconcile and must never land in the payment queue (hypothesis)."""

from __future__ import annotations

import itertools

import pytest
from hypothesis import HealthCheck, given, settings

from exceptions_queue.models import HandoffException
from payables.models import (
    GoodsReceipt,
    GoodsReceiptLine,
    Invoice,
    InvoiceLine,
    InvoiceStatus,
    PurchaseOrder,
    PurchaseOrderLine,
)
from payables.reconcile import match_invoice
from tests.matching.threeway_strategies import agreeing_triples, discrepant_triples

pytestmark = pytest.mark.django_db
_run = itertools.count(1)


def store(order, receipts, invoice, prior=()) -> Invoice:
    """Persist a generated triple under numbers unique to this example (examples share one transaction)."""
    run = next(_run)
    number = f"{run}-{order.number}"[:20]
    vat = f"{order.vendor.vat_id}R{run}"  # a vendor of its own, so examples never see each other's invoices
    po = PurchaseOrder.objects.create(number=number, supplier_number=order.vendor.number, supplier_name=order.vendor.name,
                                      supplier_vat=vat, currency=order.currency, payment_terms=order.payment_terms)
    PurchaseOrderLine.objects.bulk_create([PurchaseOrderLine(
        purchase_order=po, item=l.item, material=l.material, description=l.description, material_group=l.material_group,
        quantity=l.quantity, unit_price=l.unit_price) for l in order.lines])
    for index, receipt in enumerate(receipts):
        gr = GoodsReceipt.objects.create(number=f"G{run}-{index}", year="2026")
        GoodsReceiptLine.objects.create(receipt=gr, line="1", purchase_order_number=number, purchase_order_item=receipt.po_item,
                                        material=receipt.material, quantity=receipt.quantity)
    same_vendor = lambda v: vat if v.vat_id == order.vendor.vat_id else (v.vat_id and f"{v.vat_id}X{run}")  # noqa: E731
    for earlier in prior:
        Invoice.objects.create(sha256="0" * 64, invoice_number=earlier.number, seller_name=earlier.vendor.name,
                               seller_vat=same_vendor(earlier.vendor), gross_total=earlier.gross_total,
                               issue_date=earlier.issue_date, status=InvoiceStatus.APPROVED)
    row = Invoice.objects.create(
        sha256="1" * 64, invoice_number=invoice.number, seller_name=invoice.vendor.name,
        seller_vat=same_vendor(invoice.vendor) or "", currency=invoice.currency, issue_date=invoice.issue_date,
        net_total=invoice.net_total, gross_total=invoice.gross_total, payment_terms=invoice.payment_terms,
        po_reference=number)
    InvoiceLine.objects.bulk_create([InvoiceLine(
        invoice=row, line_id=l.line_id, description=l.description, quantity=l.quantity, unit_price=l.unit_price,
        amount=l.amount, product_code=l.product_code, po_item=l.po_item, confidence=0.99) for l in invoice.lines])
    return row


DB_SETTINGS = settings(max_examples=40, deadline=None,
                       suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture])


@DB_SETTINGS
@given(case=discrepant_triples())
def test_an_injected_discrepancy_is_never_auto_approved_and_always_opens_an_exception(case):
    order, receipts, invoice, prior, _expected = case
    stored = match_invoice(invoice_id=store(order, receipts, invoice, prior).pk, fetch_missing_po=False)
    assert stored.status != InvoiceStatus.APPROVED
    assert HandoffException.objects.filter(invoice=stored, state="open").exists()


@DB_SETTINGS
@given(triple=agreeing_triples())
def test_an_agreeing_triple_is_approved_through_the_database(triple):
    stored = match_invoice(invoice_id=store(*triple).pk, fetch_missing_po=False)
    assert stored.status == InvoiceStatus.APPROVED, stored.match_runs.first().findings
