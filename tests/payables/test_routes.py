"""Every route of the "Invoice 3-way match" table, each with a real e-invoice (UBL XML or Factur-X PDF) read by the
extractor, matched against a PO and goods receipts, and routed into the shared exceptions queue."""

from __future__ import annotations

import pytest

from exceptions_queue.models import ExceptionType, HandoffException, Team
from payables.models import InvoiceStatus, MatchOutcome
from payables.services import process_invoice, receive_document

from .conftest import facturx_order, receive, ubl_order

pytestmark = pytest.mark.django_db


def process(content: bytes, name: str):
    invoice = receive_document(content=content, filename=name, enqueue=False)
    return process_invoice(invoice_id=invoice.pk)


def open_exceptions(invoice) -> list[tuple[str, str, str]]:
    return [(e.type, e.team, e.detail["action"])
            for e in HandoffException.objects.filter(invoice=invoice, state=HandoffException.State.OPEN)]


def test_ubl_invoice_that_agrees_with_po_and_receipt_is_auto_approved_into_the_payment_queue(ubl_bytes):
    order = ubl_order()
    receive(order, {"10": "10", "20": "20"})
    invoice = process(ubl_bytes, "ubl-21-en16931.xml")
    assert invoice.status == InvoiceStatus.APPROVED
    assert invoice.purchase_order == order and invoice.supplier_number == "17300001"
    assert open_exceptions(invoice) == []
    assert invoice.match_runs.get().outcome == MatchOutcome.AUTO_APPROVED


def test_factur_x_pdf_split_over_two_shipments_is_auto_approved(facturx_bytes):
    order = facturx_order()
    receive(order, {"1": "1", "3": "1"}, number="5000000010")
    receive(order, {"2": "1", "3": "2"}, number="5000000011")
    invoice = process(facturx_bytes, "invoice_EN16931.pdf")
    assert invoice.format == "pdf+cii"
    assert invoice.status == InvoiceStatus.APPROVED, invoice.match_runs.get().findings


def test_price_more_than_two_percent_over_the_po_is_held_for_procurement(ubl_bytes):
    order = ubl_order(lines=[("10", "JOIO50CL", "Huile", "10", "13.00"), ("20", "NOUGATCUBES", "Nougats", "20", "6.90")])
    receive(order, {"10": "10", "20": "20"})
    invoice = process(ubl_bytes, "ubl.xml")  # invoiced at 13.50: +3.8 %
    assert invoice.status == InvoiceStatus.ON_HOLD
    assert open_exceptions(invoice) == [(ExceptionType.INVOICE_PRICE_VARIANCE, Team.PROCUREMENT, "hold")]


def test_quantity_more_than_five_percent_over_what_was_received_is_held_for_receiving(facturx_bytes):
    order = facturx_order()
    receive(order, {"1": "1", "2": "1", "3": "2"})  # 3 boxes of paper invoiced, 2 received
    invoice = process(facturx_bytes, "invoice.pdf")
    assert invoice.status == InvoiceStatus.ON_HOLD
    assert open_exceptions(invoice) == [(ExceptionType.INVOICE_QUANTITY_VARIANCE, Team.RECEIVING, "hold")]


def test_no_goods_receipt_blocks_for_the_warehouse_manager(ubl_bytes):
    ubl_order()
    invoice = process(ubl_bytes, "ubl.xml")
    assert invoice.status == InvoiceStatus.BLOCKED
    assert open_exceptions(invoice) == [(ExceptionType.NO_GOODS_RECEIPT, Team.WAREHOUSE, "block")]


def test_vendor_other_than_the_pos_blocks_for_the_ap_supervisor(ubl_bytes):
    order = ubl_order(vat="FR32123456789", name="Moulin Concurrent SA")
    receive(order, {"10": "10", "20": "20"})
    invoice = process(ubl_bytes, "ubl.xml")
    assert invoice.status == InvoiceStatus.BLOCKED
    assert open_exceptions(invoice) == [(ExceptionType.VENDOR_MISMATCH, Team.AP_SUPERVISOR, "block")]
    assert invoice.supplier_number == ""  # never bound to a supplier it does not come from


def test_the_same_invoice_twice_blocks_the_second_for_the_ap_team(ubl_bytes):
    order = ubl_order()
    receive(order, {"10": "10", "20": "20"})
    first = process(ubl_bytes, "ubl.xml")
    second = process(ubl_bytes, "ubl-resent.xml")
    assert first.status == InvoiceStatus.APPROVED
    assert second.status == InvoiceStatus.BLOCKED
    assert (ExceptionType.DUPLICATE_INVOICE, Team.AP_TEAM, "block") in open_exceptions(second)


def test_same_vendor_amount_and_date_under_a_new_number_is_a_duplicate(ubl_bytes):
    order = ubl_order()
    receive(order, {"10": "10", "20": "20"})
    process(ubl_bytes, "ubl.xml")
    renumbered = ubl_bytes.replace(b"<cbc:ID>F124212</cbc:ID>", b"<cbc:ID>F124299</cbc:ID>", 1)
    assert renumbered != ubl_bytes
    second = process(renumbered, "ubl-renumbered.xml")
    assert second.invoice_number == "F124299"
    assert second.status == InvoiceStatus.BLOCKED
    assert (ExceptionType.DUPLICATE_INVOICE, Team.AP_TEAM, "block") in open_exceptions(second)


def test_payment_terms_other_than_the_pos_are_flagged_for_an_ap_analyst(ubl_bytes):
    order = ubl_order(terms="NT60")  # the invoice says "30 jours net"
    receive(order, {"10": "10", "20": "20"})
    invoice = process(ubl_bytes, "ubl.xml")
    assert invoice.status == InvoiceStatus.FLAGGED
    assert open_exceptions(invoice) == [(ExceptionType.PAYMENT_TERMS_DIFFER, Team.AP_ANALYST, "flag")]


def test_a_receipt_posted_later_and_a_new_match_supersede_the_old_exception(ubl_bytes):
    from payables.reconcile import match_invoice

    order = ubl_order()
    invoice = process(ubl_bytes, "ubl.xml")
    assert invoice.status == InvoiceStatus.BLOCKED
    receive(order, {"10": "10", "20": "20"})
    invoice = match_invoice(invoice_id=invoice.pk)
    assert invoice.status == InvoiceStatus.APPROVED
    assert open_exceptions(invoice) == []
    assert HandoffException.objects.get(invoice=invoice).resolution_note.startswith("Superseded")


def test_an_invoice_citing_no_known_po_is_blocked_for_the_ap_team(ubl_bytes, settings):
    settings.SAP_ENABLED = False
    invoice = process(ubl_bytes, "ubl.xml")
    assert invoice.status == InvoiceStatus.BLOCKED
    assert open_exceptions(invoice) == [(ExceptionType.NO_PURCHASE_ORDER, Team.AP_TEAM, "block")]


def test_an_unreadable_document_is_marked_so_with_the_reason():
    invoice = process(b"%PDF-1.4 truncated", "broken.pdf")
    assert invoice.status == InvoiceStatus.UNREADABLE
    assert "resend" in invoice.warnings[0]
