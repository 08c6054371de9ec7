"""Documents without structured XML: PDF text (pdfplumber) with generic heuristics and vendor templates, TXT, CSV,
DOCX, DOC (antiword) and images (Tesseract OCR). Real invoices from ../shared/data/invoice2data_compare."""

from __future__ import annotations

import io
import shutil
from pathlib import Path
from decimal import Decimal

import pytest

from matching.documents import CONFIRM_BELOW, extract_document, extract_file
from matching.documents.templates import TemplateError, load_template

from .conftest import INVOICE2DATA, ZUGFERD

COMPARE = INVOICE2DATA / "compare"
needs_tesseract = pytest.mark.skipif(shutil.which("tesseract") is None,
                                     reason="tesseract-ocr is not installed (make install installs it)")
needs_antiword = pytest.mark.skipif(shutil.which("antiword") is None,
                                    reason="antiword is not installed (make install installs it)")


def test_pdf_text_heuristics_read_a_dutch_retail_invoice():
    invoice = extract_file(COMPARE / "coolblue1.pdf")
    assert invoice.format == "pdf-text"
    assert invoice.text("invoice_number") == "993548900"
    assert invoice.text("issue_date") == "2014-04-19"  # "19 april 2014"
    assert invoice.text("seller_vat") == "NL810433941B01"
    assert invoice.text("currency") == "EUR"
    assert invoice.value("grand_total") == Decimal("717.97")
    assert invoice.value("tax_basis_total") == Decimal("593.36")  # "Exclusief BTW"
    assert invoice.value("tax_total") == Decimal("124.61")
    ipad = invoice.lines[0]
    assert (ipad.description, ipad.quantity, ipad.unit_price, ipad.amount) == (
        "Apple iPad Air Wifi 16 GB Zilver", Decimal("1"), Decimal("399.00"), Decimal("399.00"))


def test_totals_that_add_up_are_trusted_more_than_a_lone_label():
    invoice = extract_file(COMPARE / "coolblue1.pdf")
    # 593.36 + 124.61 = 717.97: two readings agree, so the totals need no confirmation.
    assert invoice.confidence("grand_total") >= CONFIRM_BELOW
    assert invoice.confidence("seller_name") < CONFIRM_BELOW  # a name guessed from the letterhead is confirmed


def test_hybrid_pdf_read_by_text_only_still_finds_the_german_header_fields(zugferd_truth):
    name = "pdf/corpus_FX_EN16931_Einfach.pdf"
    invoice = extract_file(ZUGFERD / name, use_embedded=False)
    assert invoice.format == "pdf-text"
    assert invoice.text("invoice_number") == zugferd_truth[name]["invoice_number"]  # "Handelsrechnung (380) Nr. 471102"
    assert invoice.text("seller_name") == "Lieferant GmbH"  # under "Verkäufer", "Name:"
    assert invoice.text("buyer_name") == "Kunden AG Mitte"
    assert invoice.value("grand_total") == Decimal(zugferd_truth[name]["grand_total"])
    assert invoice.value("tax_total") == Decimal(zugferd_truth[name]["tax_total"])


def test_a_vendor_template_overrides_the_heuristics_with_higher_confidence():
    template = load_template("""
vendor: Coolblue B.V.
keywords: [Coolblue, NL810433941B01]
fields:
  invoice_number: 'Factuurnummer:\\s*(\\d+)'
  po_reference: 'Ordernummer:\\s*(\\d+)'
  tax_basis_total: 'Exclusief BTW\\s*€\\s*([\\d.,]+)'
static: {currency: EUR}
""")
    invoice = extract_file(COMPARE / "coolblue1.pdf", templates=[template])
    assert invoice.fields["seller_name"].value == "Coolblue B.V."
    assert invoice.fields["po_reference"].value == "12572103"
    assert invoice.fields["invoice_number"].source == "template:Coolblue B.V."
    assert invoice.confidence("invoice_number") == 0.95
    other = extract_file(COMPARE / "AmazonWebServices.pdf", templates=[template])
    assert other.text("seller_name") != "Coolblue B.V."  # keywords decide which vendor a template is for


def test_a_template_with_a_broken_pattern_is_refused():
    with pytest.raises(TemplateError, match="does not compile"):
        load_template('{"keywords": ["X"], "fields": {"invoice_number": "(unclosed"}}')


def test_plain_text_invoice():
    invoice = extract_file(INVOICE2DATA / "custom" / "basic.txt")
    assert invoice.format == "txt"
    assert invoice.text("invoice_number") == "0999/09/2022"
    assert invoice.text("issue_date") == "2022-09-27"
    assert invoice.value("grand_total") == Decimal("123.45")
    assert invoice.text("currency") == "EUR"


def test_csv_export_with_named_columns_gives_header_fields_and_lines():
    content = (
        "Invoice Number;Invoice Date;Vendor;PO Number;Currency;Description;Qty;Unit Price;Amount\n"
        "INV-7781;2024-03-05;Acme Tools GmbH;4500000017;EUR;Torque wrench 40-200 Nm;4;89,50;358,00\n"
        "INV-7781;2024-03-05;Acme Tools GmbH;4500000017;EUR;Socket set 1/2\";2;120,00;240,00\n"
    ).encode()
    invoice = extract_document(content, "acme.csv")
    assert invoice.format == "csv"
    assert invoice.text("invoice_number") == "INV-7781"
    assert invoice.text("po_reference") == "4500000017"
    assert [(l.quantity, l.unit_price, l.amount) for l in invoice.lines] == [
        (Decimal("4"), Decimal("89.50"), Decimal("358.00")), (Decimal("2"), Decimal("120.00"), Decimal("240.00"))]


def _docx_invoice() -> bytes:
    import docx

    document = docx.Document()
    for text in ["Northwind Traders Ltd", "VAT: GB123456789", "INVOICE", "Invoice Number: NW-2024-0042",
                 "Invoice Date: 12 March 2024", "Purchase Order: 4500000042", "Payment terms: Net 30"]:
        document.add_paragraph(text)
    table = document.add_table(rows=1, cols=4)
    for cell, text in zip(table.rows[0].cells, ["Description", "Qty", "Unit price", "Amount"]):
        cell.text = text
    for row in [("Steel bolts M8 box", "10", "12.50", "125.00"), ("Washers M8 box", "5", "4.00", "20.00")]:
        for cell, text in zip(table.add_row().cells, row):
            cell.text = text
    for text in ["Subtotal: 145.00 GBP", "VAT 20%: 29.00 GBP", "Total: 174.00 GBP"]:
        document.add_paragraph(text)
    buffer = io.BytesIO()
    document.save(buffer)
    return buffer.getvalue()


def test_docx_invoice_with_a_table_of_lines():
    invoice = extract_document(_docx_invoice(), "northwind.docx")
    assert invoice.format == "docx"
    assert invoice.text("invoice_number") == "NW-2024-0042"
    assert invoice.text("issue_date") == "2024-03-12"
    assert invoice.text("po_reference") == "4500000042"
    assert invoice.text("seller_vat") == "GB123456789"
    assert invoice.text("seller_name") == "Northwind Traders Ltd"
    assert (invoice.value("tax_basis_total"), invoice.value("tax_total"), invoice.value("grand_total")) == (
        Decimal("145.00"), Decimal("29.00"), Decimal("174.00"))
    assert [(l.description, l.quantity, l.amount) for l in invoice.lines] == [
        ("Steel bolts M8 box", Decimal("10"), Decimal("125.00")), ("Washers M8 box", Decimal("5"), Decimal("20.00"))]


@needs_antiword
def test_a_doc_that_is_not_a_word_binary_is_refused_with_antiwords_reason():
    from matching.documents import ExtractionError

    ole_header_then_garbage = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 504
    with pytest.raises(ExtractionError, match="antiword could not read"):
        extract_document(ole_header_then_garbage, "broken.doc")


@needs_tesseract
def test_a_scanned_invoice_image_is_read_by_ocr_with_lowered_confidence():
    invoice = extract_file(COMPARE / "AmazonWebServices.png")
    assert invoice.format == "image-ocr"
    assert invoice.text("invoice_number") == "42183017"
    assert invoice.value("grand_total") == Decimal("4.11")
    assert all(f.confidence < 0.9 for f in invoice.fields.values())  # OCR output is always confirmed by a person


def test_an_unknown_binary_is_refused():
    from matching.documents import ExtractionError

    with pytest.raises(ExtractionError, match="Supported"):
        extract_document(b"\x00\x01\x02garbage" * 50, "blob.bin")


@needs_antiword
def test_word_97_doc_invoice_is_read_through_antiword():
    path = Path(__file__).resolve().parents[1] / "fixtures" / "documents" / "northwind_word97.doc"
    invoice = extract_document(path.read_bytes(), "northwind.doc")
    assert invoice.format == "doc"
    assert invoice.text("invoice_number") == "NW-2024-0042"
    assert invoice.text("po_reference") == "4500000042"
    assert invoice.text("seller_vat") == "GB123456789"
    assert (invoice.value("tax_basis_total"), invoice.value("grand_total")) == (Decimal("145.00"), Decimal("174.00"))
