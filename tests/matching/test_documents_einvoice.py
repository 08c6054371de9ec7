"""E-invoices read exactly: UBL, CII, ZUGFeRD 1 and Factur-X PDFs against the datasets' ground truth."""

from __future__ import annotations

from decimal import Decimal

import pytest

from matching.documents import ExtractionError, extract_document, extract_file
from matching.documents.evaluation import TRUTH_FIELDS, values_agree

from .conftest import EINVOICE, ZUGFERD

SAMPLES = [
    "peppol_bis3/base-example.xml",  # UBL Invoice, Peppol BIS 3
    "en16931_ubl/ubl-tc434-creditnote1.xml",  # UBL CreditNote
    "en16931_cii/CII_example1.xml",  # CII D16B
    "xrechnung_corpus_cii/EN16931_Einfach.cii.xml",
    "akretion_factur-x_fixtures/zugferd-basic.xml",  # ZUGFeRD 1.0 CrossIndustryDocument
    "en16931_cii/huf_example_cii.xml",  # tax total in a second currency
]


@pytest.mark.parametrize("name", SAMPLES)
def test_every_truth_field_of_an_einvoice_is_read_exactly(name, einvoice_truth):
    invoice = extract_file(EINVOICE / name)
    expected = einvoice_truth[name]
    checked = [f for f in TRUTH_FIELDS if expected.get(f)]
    assert checked, "the sample has ground truth to check"
    wrong = {f: (expected[f], invoice.text(f)) for f in checked if not values_agree(f, expected[f], invoice.text(f))}
    assert wrong == {}
    assert all(field.confidence >= 0.99 for field in invoice.fields.values())


def test_the_same_invoice_in_cii_ubl_and_pdf_gives_the_same_fields():
    cii = extract_file(EINVOICE / "xrechnung_corpus_cii/EN16931_Einfach.cii.xml")
    ubl = extract_file(EINVOICE / "xrechnung_corpus_ubl/EN16931_Einfach.ubl.xml")
    pdf = extract_file(ZUGFERD / "pdf/corpus_FX_EN16931_Einfach.pdf")
    assert (cii.format, ubl.format, pdf.format) == ("cii", "ubl", "pdf+cii")
    for name in ("invoice_number", "issue_date", "seller_name", "currency", "tax_basis_total", "tax_total",
                 "grand_total", "due_payable"):
        assert cii.text(name) and values_agree(name, cii.text(name), ubl.text(name)), name
        assert values_agree(name, cii.text(name), pdf.text(name)), name
    assert [(l.quantity, l.unit_price) for l in cii.lines] == [(l.quantity, l.unit_price) for l in ubl.lines]


def test_ubl_lines_carry_quantity_unit_price_amount_and_item_codes():
    invoice = extract_file(EINVOICE / "akretion_factur-x_fixtures/ubl-21-en16931.xml")
    assert invoice.text("po_reference") == "PO1242"
    assert invoice.text("payment_terms") == "30 jours net"
    assert invoice.text("seller_vat") == "FR11999999998"
    assert [(l.product_code, l.quantity, l.unit_price, l.amount) for l in invoice.lines] == [
        ("JOIO50CL", Decimal("10"), Decimal("13.50"), Decimal("135.00")),
        ("NOUGATCUBES", Decimal("20"), Decimal("6.90"), Decimal("138.00")),
    ]


@pytest.mark.parametrize("name", ["pdf/corpus_v1_Intarsys_ZUGFeRD_1p0_COMFORT_Einfach.pdf",
                                  "pdf/corpus_v2_FNFE-factur-x-examples_Facture_FR_MINIMUM.pdf",
                                  "pdf/corpus_FX_XRECHNUNG_Einfach.pdf"])
def test_hybrid_pdfs_of_every_generation_are_read_from_their_embedded_xml(name, zugferd_truth):
    invoice = extract_file(ZUGFERD / name)
    assert invoice.format.startswith("pdf+")
    expected = zugferd_truth[name]
    for field in ("invoice_number", "issue_date", "grand_total", "currency"):
        assert values_agree(field, expected[field], invoice.text(field)), field


def test_a_truncated_pdf_is_refused_with_a_reason_a_person_can_act_on():
    with pytest.raises(ExtractionError, match="resend"):
        extract_file(ZUGFERD / "negative_pdf/mustang_corrupt-factur-x-waytoosmall.pdf")


def test_a_pdf_with_a_damaged_page_box_is_refused_quickly_not_rendered_for_minutes():
    with pytest.raises(ExtractionError, match="damaged"):
        extract_file(ZUGFERD / "negative_pdf/mustang_corruptedV2PDF.pdf")


def test_a_pdf_whose_embedded_xml_is_invalid_is_still_read():
    invoice = extract_file(ZUGFERD / "negative_pdf/mustang_XMLinvalidV2PDF.pdf")
    assert invoice.fields and invoice.text("invoice_number")


def test_an_order_x_purchase_order_is_not_taken_for_an_invoice():
    with pytest.raises(ExtractionError, match="not an invoice"):
        extract_file(ZUGFERD / "order_x/akretion_order-x-basic.xml")


def test_xml_with_an_external_entity_is_refused():
    hostile = (b'<?xml version="1.0"?><!DOCTYPE r [<!ENTITY x SYSTEM "file:///etc/passwd">]>'
               b'<Invoice xmlns="urn:oasis:names:specification:ubl:schema:xsd:Invoice-2"><ID>&x;</ID></Invoice>')
    with pytest.raises(ExtractionError):
        extract_document(hostile, "evil.xml")
