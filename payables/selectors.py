"""Read queries of accounts payable (views, the API, the matcher and extract_eval call these)."""

from __future__ import annotations

from django.db.models import Count, Q, QuerySet

from matching.documents import CONFIRM_BELOW
from matching.threeway import Tolerance, TolerancePolicy

from .models import (
    GoodsReceiptLine,
    Invoice,
    InvoiceLine,
    InvoiceStatus,
    PurchaseOrder,
    VendorTemplate,
    VendorTolerance,
)

# A doubtful value in one of these is confirmed by a person before the invoice can be paid automatically.
CRITICAL_FIELDS = ("invoice_number", "seller_name", "seller_vat", "currency", "tax_basis_total", "grand_total",
                   "po_reference", "payment_terms")


def active_vendor_templates() -> list[dict]:
    return [t.template for t in VendorTemplate.objects.filter(is_active=True).order_by("name")]


def tolerance_policy(supplier_number: str) -> TolerancePolicy:
    """Most specific wins: vendor + group, vendor, group (all vendors), global, then the table's 2 % / 5 %."""
    rows = VendorTolerance.objects.filter(Q(supplier_number=supplier_number or "") | Q(supplier_number=""))
    by_scope = {(r.supplier_number, r.material_group): Tolerance(r.price_percent, r.quantity_percent) for r in rows}
    default = by_scope.get((supplier_number, "")) or by_scope.get(("", "")) or Tolerance()
    groups = {group for _, group in by_scope if group}
    return TolerancePolicy(default=default, by_material_group={
        group: by_scope.get((supplier_number, group)) or by_scope.get(("", group)) for group in groups})


def receipt_lines(purchase_order_number: str) -> QuerySet[GoodsReceiptLine]:
    return GoodsReceiptLine.objects.filter(purchase_order_number=purchase_order_number).select_related("receipt")


def approved_invoice_lines(order: PurchaseOrder) -> QuerySet[InvoiceLine]:
    return InvoiceLine.objects.filter(invoice__purchase_order=order, invoice__status=InvoiceStatus.APPROVED)


def invoice_list(*, status: str = "", query: str = "") -> QuerySet[Invoice]:
    invoices = Invoice.objects.select_related("purchase_order").annotate(
        open_exceptions=Count("exceptions", filter=Q(exceptions__state="open")))
    if status:
        invoices = invoices.filter(status=status)
    if query:
        invoices = invoices.filter(Q(invoice_number__icontains=query) | Q(seller_name__icontains=query)
                                   | Q(po_reference__icontains=query) | Q(original_name__icontains=query))
    return invoices.order_by("-received_at", "-id")


def payment_queue() -> QuerySet[Invoice]:
    return Invoice.objects.filter(status=InvoiceStatus.APPROVED).order_by("due_date", "id")


def invoice_detail(invoice_id: int) -> Invoice:
    return (Invoice.objects.select_related("purchase_order")
            .prefetch_related("fields", "lines", "exceptions", "match_runs").get(pk=invoice_id))


def status_counts() -> dict[str, int]:
    return dict(Invoice.objects.values_list("status").annotate(n=Count("id")).values_list("status", "n"))


def fields_awaiting_confirmation(invoice: Invoice) -> list:
    """Critical fields read with less than CONFIRM_BELOW confidence that no person has confirmed yet."""
    return [f for f in invoice.fields.all()
            if f.name in CRITICAL_FIELDS and f.confidence < CONFIRM_BELOW and f.confirmed_at is None]
