"""The upload page (many files at once), the API, the confirmation of doubtful fields and the admin's template check."""

from __future__ import annotations

from decimal import Decimal as D

import pytest
from django.urls import reverse
from rest_framework.test import APIClient

from payables.admin import VendorTemplateForm
from payables.models import Invoice, InvoiceStatus
from payables.selectors import fields_awaiting_confirmation
from payables.services import confirm_fields, process_invoice, receive_document
from tests.factories import UserFactory

from .conftest import FACTURX_PDF, UBL_INVOICE, make_order, receive, ubl_order
from .test_purchasing import PURCHASING

pytestmark = pytest.mark.django_db


@pytest.fixture
def user():
    return UserFactory(username="ap-clerk", roles=["ops"])


def test_upload_page_takes_many_files_and_queues_each(client, user, django_capture_on_commit_callbacks):
    client.force_login(user)
    files = [open(UBL_INVOICE, "rb"), open(FACTURX_PDF, "rb")]
    try:
        with django_capture_on_commit_callbacks() as queued:
            response = client.post(reverse("payables:upload"), {"files": files})
    finally:
        for handle in files:
            handle.close()
    assert response.status_code == 302
    assert sorted(Invoice.objects.values_list("original_name", flat=True)) == ["akretion_invoice_EN16931.pdf",
                                                                              "ubl-21-en16931.xml"]
    assert len(queued) == 2  # one processing task per document, enqueued after commit
    page = client.get(reverse("payables:invoice-list"))
    assert b"ubl-21-en16931.xml" in page.content and b"Drop invoice files here" in page.content


def test_upload_page_needs_a_login(client):
    assert client.get(reverse("payables:invoice-list")).status_code == 302


def test_api_upload_with_sync_processing_fetches_the_po_from_sap_and_approves(user, sandbox_urls, transactional_db):
    from erp_orders.connectors.sap.sandbox_purchasing import seed_purchasing

    seed_purchasing({**PURCHASING, "goods_receipts": PURCHASING["goods_receipts"][:1]})
    api = APIClient()
    api.force_authenticate(user)
    with open(UBL_INVOICE, "rb") as handle:
        response = api.post("/api/payables/invoices/?process=sync", {"files": [handle]}, format="multipart")
    assert response.status_code == 201, response.content
    (invoice,) = response.json()
    # Item 20: 22 received on GR 5000000001, 20 invoiced: 10 % of the PO quantity apart, so held for receiving.
    assert invoice["purchase_order"] == "PO1242" and invoice["status"] == "on_hold"
    assert [e["team"] for e in invoice["exceptions"]] == ["receiving"]
    assert {f["name"]: f["confidence"] for f in invoice["fields_read"]}["invoice_number"] == 0.99
    listing = api.get("/api/payables/invoices/?status=on_hold").json()
    assert [i["id"] for i in listing["results"]] == [invoice["id"]]


def test_api_refuses_an_empty_upload(user):
    api = APIClient()
    api.force_authenticate(user)
    assert api.post("/api/payables/invoices/", {}, format="multipart").status_code == 400


def _northwind_docx() -> bytes:
    from tests.matching.test_documents_text import _docx_invoice

    return _docx_invoice()


def test_doubtful_fields_hold_a_matching_invoice_until_a_person_confirms_them(user, client):
    order = make_order("4500000042", vat="GB123456789", name="Northwind Traders Ltd", terms="NT30", currency="GBP",
                       lines=[("10", "", "Steel bolts M8 box", "10", "12.50"), ("20", "", "Washers M8 box", "5", "4.00")])
    receive(order, {"10": "10", "20": "5"})
    invoice = process_invoice(invoice_id=receive_document(content=_northwind_docx(), filename="nw.docx",
                                                          enqueue=False).pk)
    assert invoice.status == InvoiceStatus.NEEDS_CONFIRMATION
    doubtful = {f.name: f.value for f in fields_awaiting_confirmation(invoice)}
    assert {"invoice_number", "po_reference"} <= set(doubtful)
    client.force_login(user)
    page = client.get(reverse("payables:invoice-detail", args=[invoice.pk]))
    assert b"Confirm these fields" in page.content
    response = client.post(reverse("payables:confirm-fields", args=[invoice.pk]), doubtful)
    assert response.status_code == 302
    invoice.refresh_from_db()
    assert invoice.status == InvoiceStatus.APPROVED
    assert fields_awaiting_confirmation(invoice) == []


def test_a_corrected_field_is_what_matching_uses(ubl_bytes):
    order = ubl_order()
    receive(order, {"10": "10", "20": "20"})
    invoice = process_invoice(invoice_id=receive_document(content=ubl_bytes, filename="u.xml", enqueue=False).pk)
    assert invoice.status == InvoiceStatus.APPROVED
    invoice = confirm_fields(invoice_id=invoice.pk, values={"po_reference": "PO9999"})
    assert invoice.po_reference == "PO9999" and invoice.status == InvoiceStatus.BLOCKED


def test_admin_refuses_a_vendor_template_that_would_never_apply():
    form = VendorTemplateForm(data={"name": "Broken", "template": '{"fields": {"invoice_number": "No (\\\\d+)"}}',
                                    "is_active": True})
    assert not form.is_valid() and "keywords" in str(form.errors["template"])
    good = VendorTemplateForm(data={"name": "Coolblue", "is_active": True,
                                    "template": '{"keywords": ["Coolblue"], "fields": {"invoice_number": "nummer: (\\\\d+)"}}'})
    assert good.is_valid(), good.errors


def test_templates_from_the_admin_are_used_by_the_upload_pipeline():
    from payables.models import VendorTemplate

    VendorTemplate.objects.create(name="Coolblue", template={
        "vendor": "Coolblue B.V.", "keywords": ["Coolblue"], "fields": {"po_reference": r"Ordernummer:\s*(\d+)"}})
    path = UBL_INVOICE.parents[2] / "invoice2data_compare" / "compare" / "coolblue1.pdf"
    invoice = process_invoice(invoice_id=receive_document(content=path.read_bytes(), filename="coolblue1.pdf",
                                                          enqueue=False).pk)
    fields = {f.name: f for f in invoice.fields.all()}
    assert fields["po_reference"].value == "12572103" and fields["po_reference"].source == "template:Coolblue B.V."
    assert invoice.gross_total == D("717.97")
