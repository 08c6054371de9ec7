"""Accounts-payable workflow: receive a document, read it, let a person confirm doubtful fields, then match.

`receive_document` stores the file and enqueues `process_invoice` (django-q2) once the transaction commits;
`process_invoice` extracts (matching.documents), finds the purchase order (locally, else from the ERP) and runs the
3-way match (payables.reconcile). Every step writes an event.
"""

from __future__ import annotations

import hashlib
import mimetypes
from decimal import Decimal

from django.db import transaction
from django.utils import timezone

from handoff_project.integration.events import record_event
from handoff_project.integration.models import Outcome
from matching.documents import ExtractedInvoice, ExtractionError, extract_document
from matching.documents.model import AMOUNT_FIELDS, DATE_FIELDS
from matching.documents.normalize import parse_amount, parse_date

from . import selectors
from .models import Invoice, InvoiceDocument, InvoiceField, InvoiceLine, InvoiceStatus
from .reconcile import match_invoice

MAX_UPLOAD_BYTES = 20 * 1024 * 1024
COLUMN_FOR_FIELD = {"tax_basis_total": "net_total", "tax_total": "tax_total", "grand_total": "gross_total"}
INVOICE_COLUMNS = ("invoice_number", "type_code", "issue_date", "due_date", "seller_name", "seller_vat", "buyer_name",
                   "currency", "net_total", "tax_total", "gross_total", "due_payable", "po_reference", "payment_terms")


class UploadRefused(ValueError):
    pass


def receive_document(*, content: bytes, filename: str, content_type: str = "", user=None,
                     enqueue: bool = True) -> Invoice:
    """Store an uploaded document as a new invoice and (after commit) queue its processing."""
    if not content:
        raise UploadRefused(f"{filename or 'The file'} is empty.")
    if len(content) > MAX_UPLOAD_BYTES:
        raise UploadRefused(f"{filename} is larger than {MAX_UPLOAD_BYTES // (1024 * 1024)} MB.")
    with transaction.atomic():
        invoice = Invoice.objects.create(original_name=filename[:255], sha256=hashlib.sha256(content).hexdigest(),
                                         uploaded_by=user if user and user.is_authenticated else None)
        InvoiceDocument.objects.create(
            invoice=invoice, content=content, size=len(content),
            content_type=content_type or mimetypes.guess_type(filename)[0] or "application/octet-stream")
        if enqueue:
            transaction.on_commit(lambda: _enqueue(invoice.pk))
    record_event("invoice_received", system="payables", message=f"{filename} ({len(content)} bytes)",
                 data={"invoice_id": invoice.pk})
    return invoice


def _enqueue(invoice_id: int) -> None:
    from django_q.tasks import async_task

    async_task("payables.tasks.process_invoice", invoice_id, task_name=f"invoice-{invoice_id}")


def process_invoice(*, invoice_id: int) -> Invoice:
    """Read the document, then match. An unreadable document ends as UNREADABLE with the reason as a warning."""
    invoice = extract_invoice(invoice_id=invoice_id)
    if invoice.status == InvoiceStatus.UNREADABLE:
        return invoice
    return match_invoice(invoice_id=invoice_id)


def extract_invoice(*, invoice_id: int) -> Invoice:
    invoice = Invoice.objects.select_related("document").get(pk=invoice_id)
    try:
        extracted = extract_document(bytes(invoice.document.content), invoice.original_name,
                                     templates=selectors.active_vendor_templates())
    except ExtractionError as exc:
        invoice.status, invoice.warnings = InvoiceStatus.UNREADABLE, [str(exc)]
        invoice.save(update_fields=["status", "warnings"])
        record_event("invoice_unreadable", outcome=Outcome.VALIDATION_FAILURE, system="payables",
                     message=f"{invoice.original_name}: {exc}", data={"invoice_id": invoice.pk})
        return invoice
    save_extraction(invoice, extracted)
    record_event("invoice_extracted", outcome=Outcome.SUCCESS, system="payables",
                 message=f"{invoice.original_name} read as {extracted.format}: invoice {invoice.invoice_number}, "
                         f"{len(extracted.lines)} lines, {len(extracted.fields_to_confirm)} fields to confirm",
                 data={"invoice_id": invoice.pk, "format": extracted.format})
    return invoice


@transaction.atomic
def save_extraction(invoice: Invoice, extracted: ExtractedInvoice) -> Invoice:
    for name in INVOICE_COLUMNS:
        source = next((f for f, column in COLUMN_FOR_FIELD.items() if column == name), name)
        value = extracted.value(source)
        setattr(invoice, name, _fit(invoice, name, value))
    invoice.format, invoice.warnings = extracted.format, list(extracted.warnings)
    invoice.save()
    invoice.fields.all().delete()
    invoice.lines.all().delete()
    InvoiceField.objects.bulk_create([
        InvoiceField(invoice=invoice, name=name, value=f.as_text()[:1000], confidence=f.confidence, source=f.source[:60])
        for name, f in extracted.fields.items()])
    InvoiceLine.objects.bulk_create([
        InvoiceLine(invoice=invoice, line_id=line.line_id[:20], description=line.description[:300],
                    quantity=line.quantity, unit=line.unit[:10], unit_price=_price(line.unit_price),
                    amount=line.amount, product_code=line.product_code[:60], po_item=line.po_line_reference[:10],
                    confidence=line.confidence)
        for line in extracted.lines])
    return invoice


def _fit(invoice: Invoice, column: str, value):
    if value is None:
        return None if column in ("issue_date", "due_date", "net_total", "tax_total", "gross_total", "due_payable") else ""
    if isinstance(value, str):
        return value[: Invoice._meta.get_field(column).max_length]
    return value


def _price(value: Decimal | None) -> Decimal | None:
    return value.quantize(Decimal("0.000001")) if value is not None else None


def confirm_fields(*, invoice_id: int, values: dict[str, str], user=None) -> Invoice:
    """A person confirms (or corrects) fields; the invoice is then matched again."""
    with transaction.atomic():
        invoice = Invoice.objects.select_for_update().get(pk=invoice_id)
        now = timezone.now()
        for name, text in values.items():
            text = (text or "").strip()
            InvoiceField.objects.update_or_create(
                invoice=invoice, name=name,
                defaults={"value": text, "confidence": 1.0, "source": "person", "confirmed_by": user, "confirmed_at": now})
            column = COLUMN_FOR_FIELD.get(name, name)
            if column in INVOICE_COLUMNS:
                typed = parse_amount(text) if name in AMOUNT_FIELDS else parse_date(text) if name in DATE_FIELDS else text
                setattr(invoice, column, _fit(invoice, column, typed))
        invoice.save()
    record_event("invoice_fields_confirmed", system="payables", message=f"{sorted(values)} confirmed",
                 data={"invoice_id": invoice.pk})
    return match_invoice(invoice_id=invoice.pk)
