"""Accounts payable: purchase orders and goods receipts from the ERP, supplier invoices as read from their
documents, the tolerances and vendor templates that steer matching, and the record of every match.

Amounts are Decimal columns (never floats). An invoice keeps every extracted field with its confidence
(`InvoiceField`), so a person confirms the doubtful ones instead of trusting them.
"""

from __future__ import annotations

from decimal import Decimal

from django.conf import settings
from django.core.validators import MinValueValidator
from django.db import models

from matching.threeway import normalise_invoice_number

AMOUNT = {"max_digits": 18, "decimal_places": 2, "null": True, "blank": True}
QUANTITY = {"max_digits": 15, "decimal_places": 3}
PRICE = {"max_digits": 18, "decimal_places": 6}


class PurchaseOrder(models.Model):
    """A purchase order as the ERP holds it (SAP A_PurchaseOrder)."""

    number = models.CharField(max_length=20, unique=True)
    supplier_number = models.CharField(max_length=20, blank=True, db_index=True)
    supplier_name = models.CharField(max_length=200, blank=True)
    supplier_vat = models.CharField(max_length=30, blank=True)
    company_code = models.CharField(max_length=10, blank=True)
    currency = models.CharField(max_length=3)
    payment_terms = models.CharField(max_length=60, blank=True)
    order_date = models.DateField(null=True, blank=True)
    source_system = models.CharField(max_length=20, default="sap")
    synced_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-order_date", "-id"]

    def __str__(self):
        return f"PO {self.number} ({self.supplier_name or self.supplier_number})"


class PurchaseOrderLine(models.Model):
    purchase_order = models.ForeignKey(PurchaseOrder, on_delete=models.CASCADE, related_name="lines")
    item = models.CharField(max_length=10)  # PurchaseOrderItem, "10", "20", …
    material = models.CharField(max_length=40, blank=True)
    description = models.CharField(max_length=200, blank=True)
    material_group = models.CharField(max_length=20, blank=True)
    quantity = models.DecimalField(**QUANTITY)
    unit = models.CharField(max_length=6, blank=True)
    unit_price = models.DecimalField(**PRICE)  # NetPriceAmount / NetPriceQuantity

    class Meta:
        ordering = ["purchase_order", "item"]
        constraints = [models.UniqueConstraint(fields=["purchase_order", "item"], name="po_line_unique_item")]

    def __str__(self):
        return f"{self.purchase_order.number}/{self.item} {self.material}"


class GoodsReceipt(models.Model):
    """A material document posting goods receipts (SAP A_MaterialDocumentHeader)."""

    number = models.CharField(max_length=20)
    year = models.CharField(max_length=4)
    posting_date = models.DateField(null=True, blank=True)
    reference = models.CharField(max_length=40, blank=True)  # the delivery note number
    synced_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-posting_date", "-id"]
        constraints = [models.UniqueConstraint(fields=["number", "year"], name="goods_receipt_unique_number")]

    def __str__(self):
        return f"GR {self.number}/{self.year}"


class GoodsReceiptLine(models.Model):
    """One received item (SAP A_MaterialDocumentItem); movement 101 receives, 102 reverses (stored negative)."""

    receipt = models.ForeignKey(GoodsReceipt, on_delete=models.CASCADE, related_name="lines")
    line = models.CharField(max_length=6)
    purchase_order_number = models.CharField(max_length=20, db_index=True)
    purchase_order_item = models.CharField(max_length=10)
    material = models.CharField(max_length=40, blank=True)
    quantity = models.DecimalField(**QUANTITY)
    unit = models.CharField(max_length=6, blank=True)
    movement_type = models.CharField(max_length=3, default="101")

    class Meta:
        ordering = ["receipt", "line"]
        constraints = [models.UniqueConstraint(fields=["receipt", "line"], name="goods_receipt_line_unique")]


class VendorTolerance(models.Model):
    """Match tolerances; blank supplier = every vendor, blank material group = every group. Most specific wins."""

    supplier_number = models.CharField(max_length=20, blank=True)
    material_group = models.CharField(max_length=20, blank=True)
    price_percent = models.DecimalField(max_digits=6, decimal_places=2, default=Decimal("2"),
                                        validators=[MinValueValidator(0)])
    quantity_percent = models.DecimalField(max_digits=6, decimal_places=2, default=Decimal("5"),
                                           validators=[MinValueValidator(0)])

    class Meta:
        constraints = [models.UniqueConstraint(fields=["supplier_number", "material_group"],
                                               name="vendor_tolerance_unique_scope")]

    def __str__(self):
        return f"{self.supplier_number or 'all vendors'} / {self.material_group or 'all groups'}: " \
               f"price {self.price_percent} %, quantity {self.quantity_percent} %"


class VendorTemplate(models.Model):
    """How one vendor's invoices read (matching/documents/templates.py), as JSON editable in the admin."""

    name = models.CharField(max_length=100, unique=True)
    template = models.JSONField(help_text='{"vendor": …, "keywords": [...], "fields": {"invoice_number": "regex"}, "static": {...}}')
    is_active = models.BooleanField(default=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["name"]

    def __str__(self):
        return self.name


class InvoiceStatus(models.TextChoices):
    RECEIVED = "received", "Received"
    UNREADABLE = "unreadable", "Unreadable"
    NEEDS_CONFIRMATION = "needs_confirmation", "Fields to confirm"
    APPROVED = "approved", "Approved (payment queue)"
    ON_HOLD = "on_hold", "On hold"
    BLOCKED = "blocked", "Blocked"
    FLAGGED = "flagged", "Flagged"


class Invoice(models.Model):
    status = models.CharField(max_length=20, choices=InvoiceStatus.choices, default=InvoiceStatus.RECEIVED,
                              db_index=True)
    original_name = models.CharField(max_length=255, blank=True)
    sha256 = models.CharField(max_length=64, db_index=True)
    format = models.CharField(max_length=30, blank=True)
    invoice_number = models.CharField(max_length=100, blank=True, db_index=True)
    # The number as duplicate detection compares it ('inv-0001' = 'INV 1'), kept in step with invoice_number.
    number_key = models.CharField(max_length=100, blank=True, db_index=True, editable=False)
    type_code = models.CharField(max_length=3, blank=True)
    issue_date = models.DateField(null=True, blank=True)
    due_date = models.DateField(null=True, blank=True)
    seller_name = models.CharField(max_length=200, blank=True)
    seller_vat = models.CharField(max_length=30, blank=True)
    buyer_name = models.CharField(max_length=200, blank=True)
    currency = models.CharField(max_length=3, blank=True)
    net_total = models.DecimalField(**AMOUNT)
    tax_total = models.DecimalField(**AMOUNT)
    gross_total = models.DecimalField(**AMOUNT)
    due_payable = models.DecimalField(**AMOUNT)
    po_reference = models.CharField(max_length=40, blank=True)
    payment_terms = models.CharField(max_length=200, blank=True)
    purchase_order = models.ForeignKey(PurchaseOrder, null=True, blank=True, on_delete=models.SET_NULL,
                                       related_name="invoices")
    supplier_number = models.CharField(max_length=20, blank=True, db_index=True)
    warnings = models.JSONField(default=list, blank=True)
    received_at = models.DateTimeField(auto_now_add=True, db_index=True)
    matched_at = models.DateTimeField(null=True, blank=True)
    uploaded_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                    related_name="+")

    class Meta:
        ordering = ["-received_at", "-id"]
        indexes = [models.Index(fields=["supplier_number", "invoice_number"]),
                   models.Index(fields=["issue_date", "gross_total"], name="invoice_same_amount_and_date")]

    def __str__(self):
        return f"Invoice {self.invoice_number or '(unread)'} from {self.seller_name or '?'}"

    def save(self, *args, **kwargs):
        self.number_key = normalise_invoice_number(self.invoice_number)[:100]
        if kwargs.get("update_fields") is not None and "invoice_number" in kwargs["update_fields"]:
            kwargs["update_fields"] = {*kwargs["update_fields"], "number_key"}
        super().save(*args, **kwargs)


class InvoiceDocument(models.Model):
    """The file as received, kept in the database so every worker can read it without shared storage."""

    invoice = models.OneToOneField(Invoice, on_delete=models.CASCADE, related_name="document")
    content = models.BinaryField()
    content_type = models.CharField(max_length=100, blank=True)
    size = models.PositiveIntegerField(default=0)


class InvoiceField(models.Model):
    """One extracted header field: its value as text, confidence, source, and whether a person confirmed it."""

    invoice = models.ForeignKey(Invoice, on_delete=models.CASCADE, related_name="fields")
    name = models.CharField(max_length=40)
    value = models.TextField(blank=True)
    confidence = models.FloatField()
    source = models.CharField(max_length=60, blank=True)
    confirmed_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                     related_name="+")
    confirmed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["invoice", "name"]
        constraints = [models.UniqueConstraint(fields=["invoice", "name"], name="invoice_field_unique_name")]


class InvoiceLine(models.Model):
    invoice = models.ForeignKey(Invoice, on_delete=models.CASCADE, related_name="lines")
    line_id = models.CharField(max_length=20, blank=True)
    description = models.CharField(max_length=300, blank=True)
    quantity = models.DecimalField(null=True, blank=True, **QUANTITY)
    unit = models.CharField(max_length=10, blank=True)
    unit_price = models.DecimalField(null=True, blank=True, **PRICE)
    amount = models.DecimalField(**AMOUNT)
    product_code = models.CharField(max_length=60, blank=True)
    po_item = models.CharField(max_length=10, blank=True)
    confidence = models.FloatField(default=0)

    class Meta:
        ordering = ["invoice", "id"]


class MatchOutcome(models.TextChoices):
    AUTO_APPROVED = "auto_approved", "Auto-approved"
    HOLD = "hold", "Hold"
    BLOCK = "block", "Block"
    FLAG = "flag", "Flag"
    CONFIRM = "confirm", "Awaiting field confirmation"


class MatchRun(models.Model):
    """One 3-way match of an invoice: the outcome, every finding, and how long it took."""

    invoice = models.ForeignKey(Invoice, on_delete=models.CASCADE, related_name="match_runs")
    created_at = models.DateTimeField(auto_now_add=True)
    outcome = models.CharField(max_length=20, choices=MatchOutcome.choices)
    findings = models.JSONField(default=list, blank=True)
    pairs = models.JSONField(default=list, blank=True)
    duration_ms = models.FloatField(default=0)

    class Meta:
        ordering = ["-created_at", "-id"]
