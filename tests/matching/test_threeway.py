"""The 3-way matching rules (matching/threeway.py), one behaviour per test, on plain dataclasses."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal as D

from matching.threeway import (
    Discrepancy,
    Invoice,
    InvoiceLine,
    OrderLine,
    PriorInvoice,
    PurchaseOrder,
    ReceiptLine,
    Tolerance,
    TolerancePolicy,
    Vendor,
    match_invoice,
    payment_days,
)

ACME = Vendor(number="17300001", name="Acme Tools GmbH", vat_id="DE123456789")
ORDER = PurchaseOrder(number="4500000001", vendor=ACME, currency="EUR", payment_terms="NT30", lines=(
    OrderLine(item="10", material="TG11", description="Torque wrench", quantity=D(10), unit_price=D("89.50"),
              material_group="L001"),
    OrderLine(item="20", material="TG12", description="Socket set", quantity=D(4), unit_price=D("120.00")),
))
FULL_RECEIPT = (ReceiptLine("10", D(10), "TG11", "5000000001"), ReceiptLine("20", D(4), "TG12", "5000000001"))


def invoice(*lines, vendor=ACME, currency="EUR", terms="Net 30", number="INV-1", gross=D("1375.00")):
    lines = lines or (InvoiceLine("1", D(10), D("89.50"), po_item="10"), InvoiceLine("2", D(4), D("120.00"), po_item="20"))
    return Invoice(number=number, vendor=vendor, currency=currency, lines=lines, payment_terms=terms,
                   issue_date=dt.date(2024, 3, 5), gross_total=gross)


def test_an_invoice_that_agrees_with_order_and_receipt_has_no_findings():
    assert match_invoice(invoice(), ORDER, FULL_RECEIPT).all_within_tolerance


def test_price_within_two_percent_passes_and_above_is_a_price_variance():
    within = invoice(InvoiceLine("1", D(10), D("91.29"), po_item="10"))  # +1.999 %
    above = invoice(InvoiceLine("1", D(10), D("91.30"), po_item="10"))  # +2.01 %
    assert match_invoice(within, ORDER, FULL_RECEIPT).all_within_tolerance
    assert match_invoice(above, ORDER, FULL_RECEIPT).kinds() == {Discrepancy.PRICE_VARIANCE}


def test_partial_receipt_billed_as_received_passes_billed_in_full_is_a_quantity_variance():
    partial = (ReceiptLine("10", D(6), "TG11"),)
    assert match_invoice(invoice(InvoiceLine("1", D(6), D("89.50"), po_item="10")), ORDER, partial).all_within_tolerance
    result = match_invoice(invoice(InvoiceLine("1", D(10), D("89.50"), po_item="10")), ORDER, partial)
    assert result.kinds() == {Discrepancy.QUANTITY_VARIANCE}


def test_split_shipments_add_up_and_a_reversal_subtracts():
    shipments = (ReceiptLine("10", D(4), "TG11", "A"), ReceiptLine("10", D(7), "TG11", "B"),
                 ReceiptLine("10", D(-1), "TG11", "C"))
    assert match_invoice(invoice(InvoiceLine("1", D(10), D("89.50"), po_item="10")), ORDER, shipments).all_within_tolerance


def test_quantities_already_invoiced_are_not_receivable_twice():
    order = PurchaseOrder(number=ORDER.number, vendor=ACME, currency="EUR", payment_terms="NT30", lines=(
        OrderLine(item="10", material="TG11", quantity=D(10), unit_price=D("89.50"), invoiced_quantity=D(10)),))
    result = match_invoice(invoice(InvoiceLine("1", D(10), D("89.50"), po_item="10")), order, FULL_RECEIPT[:1])
    assert result.kinds() == {Discrepancy.QUANTITY_VARIANCE}


def test_no_receipt_at_all_blocks_the_match():
    assert Discrepancy.NO_RECEIPT in match_invoice(invoice(), ORDER, ()).kinds()


def test_an_item_not_yet_received_is_no_receipt_for_that_line():
    result = match_invoice(invoice(), ORDER, FULL_RECEIPT[:1])
    assert result.kinds() == {Discrepancy.NO_RECEIPT}
    assert [f.po_item for f in result.findings] == ["20"]


def test_another_vendor_or_an_unidentified_vendor_is_a_vendor_mismatch():
    other = Vendor(name="Acme Tools GmbH", vat_id="DE999999999")  # same name, other VAT id: VAT decides
    assert Discrepancy.VENDOR_MISMATCH in match_invoice(invoice(vendor=other), ORDER, FULL_RECEIPT).kinds()
    assert Discrepancy.VENDOR_MISMATCH in match_invoice(invoice(vendor=Vendor()), ORDER, FULL_RECEIPT).kinds()
    by_name = Vendor(name="ACME TOOLS")  # no VAT on the invoice: the name, without legal form, decides
    assert match_invoice(invoice(vendor=by_name), ORDER, FULL_RECEIPT).all_within_tolerance


def test_same_vendor_and_number_or_same_amount_and_date_is_a_duplicate():
    seen = PriorInvoice(number="inv-0001", vendor=ACME, gross_total=D("1.00"), issue_date=None, reference="#7")
    assert Discrepancy.DUPLICATE in match_invoice(invoice(number="INV-1"), ORDER, FULL_RECEIPT,
                                                  prior_invoices=[seen]).kinds()
    same_money = PriorInvoice(number="INV-0002", vendor=ACME, gross_total=D("1375.00"),
                              issue_date=dt.date(2024, 3, 5), reference="#8")
    assert Discrepancy.DUPLICATE in match_invoice(invoice(number="INV-3"), ORDER, FULL_RECEIPT,
                                                  prior_invoices=[same_money]).kinds()
    other_vendor = PriorInvoice(number="INV-1", vendor=Vendor(vat_id="FR11999999998"), gross_total=None,
                                issue_date=None)
    assert match_invoice(invoice(), ORDER, FULL_RECEIPT, prior_invoices=[other_vendor]).all_within_tolerance


def test_payment_terms_are_compared_as_days_whatever_the_wording():
    assert payment_days("NT30") == payment_days("Net 30") == payment_days("30 jours net") == 30
    assert payment_days("zahlbar innerhalb 14 Tagen") == 14 and payment_days("0001") == 0
    assert match_invoice(invoice(terms="30 days net"), ORDER, FULL_RECEIPT).all_within_tolerance
    assert match_invoice(invoice(terms="Net 45"), ORDER, FULL_RECEIPT).kinds() == {Discrepancy.PAYMENT_TERMS_DIFFER}


def test_a_substituted_material_on_the_receipt_is_held_for_procurement():
    substitute = (ReceiptLine("10", D(10), "TG11-ALT"), FULL_RECEIPT[1])
    assert Discrepancy.SUBSTITUTION in match_invoice(invoice(), ORDER, substitute).kinds()


def test_an_invoice_line_for_nothing_on_the_order_is_unordered():
    extra = InvoiceLine("3", D(1), D("15.00"), description="Express delivery surcharge")
    lines = (InvoiceLine("1", D(10), D("89.50"), po_item="10"), InvoiceLine("2", D(4), D("120.00"), po_item="20"), extra)
    assert match_invoice(invoice(*lines), ORDER, FULL_RECEIPT).kinds() == {Discrepancy.UNORDERED_ITEM}


def test_lines_without_po_item_pair_by_material_then_description():
    lines = (InvoiceLine("1", D(10), D("89.50"), product_code="TG11"),
             InvoiceLine("2", D(4), D("120.00"), description="Socket set, 1/2 inch"))
    result = match_invoice(invoice(*lines), ORDER, FULL_RECEIPT)
    assert result.all_within_tolerance
    assert [p.how for p in result.pairs] == ["material", "description"]


def test_material_group_tolerance_overrides_the_vendor_default():
    generous = TolerancePolicy(default=Tolerance(), by_material_group={"L001": Tolerance(D(10), D(5))})
    plus_five_percent = invoice(InvoiceLine("1", D(10), D("93.97"), po_item="10"))
    assert match_invoice(plus_five_percent, ORDER, FULL_RECEIPT, tolerances=generous).all_within_tolerance
    assert not match_invoice(plus_five_percent, ORDER, FULL_RECEIPT).all_within_tolerance


def test_header_only_invoice_is_checked_against_the_value_received():
    received_value = Invoice(number="X", vendor=ACME, currency="EUR", lines=(), net_total=D("1375.00"))
    assert match_invoice(received_value, ORDER, FULL_RECEIPT).all_within_tolerance
    too_much = Invoice(number="X", vendor=ACME, currency="EUR", lines=(), net_total=D("1375.00"))
    assert match_invoice(too_much, ORDER, FULL_RECEIPT[:1]).kinds() == {Discrepancy.QUANTITY_VARIANCE}


def test_without_a_purchase_order_nothing_is_approved():
    assert match_invoice(invoice(), None).kinds() == {Discrepancy.NO_PURCHASE_ORDER}


def test_another_currency_is_a_finding():
    assert Discrepancy.CURRENCY_MISMATCH in match_invoice(invoice(currency="USD"), ORDER, FULL_RECEIPT).kinds()
