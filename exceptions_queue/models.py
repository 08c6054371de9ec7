"""Typed exceptions routed to teams, and the dead-letter queue."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from simple_history.models import HistoricalRecords


class Team(models.TextChoices):
    MASTER_DATA = "master_data", "Master data"
    PRICING = "pricing", "Pricing"
    CREDIT = "credit", "Credit management"
    PRODUCT_OPS = "product_ops", "Product ops"
    LOGISTICS = "logistics", "Logistics"
    SALES_OPS = "sales_ops", "Sales ops"
    OPS = "ops", "Integration ops"
    PROCUREMENT = "procurement", "Procurement"
    RECEIVING = "receiving", "Receiving"
    WAREHOUSE = "warehouse", "Warehouse manager"
    AP_SUPERVISOR = "ap_supervisor", "AP supervisor"
    AP_TEAM = "ap_team", "AP team"
    AP_ANALYST = "ap_analyst", "AP analyst"


class ExceptionType(models.TextChoices):
    CUSTOMER_NOT_FOUND = "customer_not_found", "Customer not in ERP"
    PRODUCT_NOT_MAPPED = "product_not_mapped", "Product not mapped"
    PRICE_VARIANCE = "price_variance", "Pricing mismatch"
    MISSING_FIELD = "missing_field", "Missing field"
    CREDIT_CHECK = "credit_check", "Credit check failure"
    ADDRESS_VALIDATION = "address_validation", "Address validation"
    BELOW_MINIMUM = "below_minimum", "Below minimum order value"
    ERP_ERROR = "erp_error", "ERP creation error"
    WRITEBACK_FAILED = "writeback_failed", "Writeback to CRM failed"
    CHANGE_REQUESTED = "change_requested", "Change requested by an approver"
    # Supplier invoices (requirements.md, "Invoice 3-way match")
    INVOICE_PRICE_VARIANCE = "invoice_price_variance", "Invoice price variance"
    INVOICE_QUANTITY_VARIANCE = "invoice_quantity_variance", "Invoice quantity variance"
    NO_GOODS_RECEIPT = "no_goods_receipt", "No goods receipt"
    VENDOR_MISMATCH = "vendor_mismatch", "Vendor differs from PO"
    DUPLICATE_INVOICE = "duplicate_invoice", "Duplicate invoice"
    PAYMENT_TERMS_DIFFER = "payment_terms_differ", "Payment terms differ"
    INVOICE_UNORDERED_ITEM = "invoice_unordered_item", "Invoice line not on PO"
    INVOICE_SUBSTITUTION = "invoice_substitution", "Substituted material"
    INVOICE_CURRENCY = "invoice_currency", "Invoice currency differs from PO"
    NO_PURCHASE_ORDER = "no_purchase_order", "No purchase order"
    INVOICE_INCOMPLETE = "invoice_incomplete", "Invoice incomplete"


# Which team owns which exception type (requirements.md, "Validation exceptions").
TEAM_FOR_TYPE = {
    ExceptionType.CUSTOMER_NOT_FOUND: Team.MASTER_DATA,
    ExceptionType.PRODUCT_NOT_MAPPED: Team.PRODUCT_OPS,
    ExceptionType.PRICE_VARIANCE: Team.PRICING,
    ExceptionType.MISSING_FIELD: Team.SALES_OPS,
    ExceptionType.CREDIT_CHECK: Team.CREDIT,
    ExceptionType.ADDRESS_VALIDATION: Team.LOGISTICS,
    ExceptionType.BELOW_MINIMUM: Team.SALES_OPS,
    ExceptionType.ERP_ERROR: Team.OPS,
    ExceptionType.WRITEBACK_FAILED: Team.OPS,
    ExceptionType.CHANGE_REQUESTED: Team.SALES_OPS,
    ExceptionType.INVOICE_PRICE_VARIANCE: Team.PROCUREMENT,
    ExceptionType.INVOICE_QUANTITY_VARIANCE: Team.RECEIVING,
    ExceptionType.NO_GOODS_RECEIPT: Team.WAREHOUSE,
    ExceptionType.VENDOR_MISMATCH: Team.AP_SUPERVISOR,
    ExceptionType.DUPLICATE_INVOICE: Team.AP_TEAM,
    ExceptionType.PAYMENT_TERMS_DIFFER: Team.AP_ANALYST,
    ExceptionType.INVOICE_UNORDERED_ITEM: Team.PROCUREMENT,
    ExceptionType.INVOICE_SUBSTITUTION: Team.PROCUREMENT,
    ExceptionType.INVOICE_CURRENCY: Team.PROCUREMENT,
    ExceptionType.NO_PURCHASE_ORDER: Team.AP_TEAM,
    ExceptionType.INVOICE_INCOMPLETE: Team.AP_TEAM,
}


class HandoffException(models.Model):
    class State(models.TextChoices):
        OPEN = "open", "Open"
        RESOLVED = "resolved", "Resolved"

    handoff = models.ForeignKey("erp_orders.Handoff", null=True, blank=True, on_delete=models.CASCADE,
                                related_name="exceptions")
    invoice = models.ForeignKey("payables.Invoice", null=True, blank=True, on_delete=models.CASCADE,
                                related_name="exceptions")
    type = models.CharField(max_length=30, choices=ExceptionType.choices, db_index=True)
    team = models.CharField(max_length=20, choices=Team.choices, db_index=True)
    state = models.CharField(max_length=10, choices=State.choices, default=State.OPEN, db_index=True)
    field = models.CharField(max_length=100, blank=True, help_text="The deal field that failed (e.g. lines[3].product).")
    message = models.TextField()
    detail = models.JSONField(default=dict, blank=True)
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)
    escalate_at = models.DateTimeField(null=True, blank=True)
    escalated_at = models.DateTimeField(null=True, blank=True, help_text="When the escalation alert went to the owner.")
    escalation_reason = models.CharField(max_length=255, blank=True)
    assignee = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL)
    resolved_at = models.DateTimeField(null=True, blank=True)
    resolved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    resolution_note = models.TextField(blank=True)
    resolution_kind = models.CharField(max_length=20, blank=True, help_text="candidate / correction / override / bulk / requeue")
    history = HistoricalRecords()

    class Meta:
        ordering = ["-created_at", "-id"]

    def __str__(self):
        return f"{self.get_type_display()}: {self.message[:80]}"


class DeadLetter(models.Model):
    class State(models.TextChoices):
        OPEN = "open", "Open"
        REQUEUED = "requeued", "Re-queued"
        DISCARDED = "discarded", "Discarded"

    handoff = models.ForeignKey("erp_orders.Handoff", on_delete=models.CASCADE, related_name="dead_letters")
    step = models.CharField(max_length=40)
    state = models.CharField(max_length=10, choices=State.choices, default=State.OPEN, db_index=True)
    reason = models.TextField()
    error_detail = models.JSONField(default=dict, blank=True)
    recommended_resolution = models.TextField(blank=True)
    retries_exhausted = models.BooleanField(default=False)
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)
    closed_at = models.DateTimeField(null=True, blank=True)
    closed_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL)
    close_reason = models.TextField(blank=True, help_text="Why it was discarded, or what was corrected before re-queueing.")
    history = HistoricalRecords()

    class Meta:
        ordering = ["-created_at", "-id"]

    def __str__(self):
        return f"DLQ {self.pk} handoff {self.handoff_id}: {self.reason[:80]}"


class Alert(models.Model):
    """An alert that was sent (or failed to send) to a channel; the ops UI lists them."""

    created_at = models.DateTimeField(auto_now_add=True, db_index=True)
    channel = models.CharField(max_length=20)  # slack / email / pagerduty / log
    severity = models.CharField(max_length=10, default="warning")
    title = models.CharField(max_length=255)
    text = models.TextField()
    handoff = models.ForeignKey("erp_orders.Handoff", null=True, blank=True, on_delete=models.SET_NULL)
    delivered = models.BooleanField(default=False)
    error = models.TextField(blank=True)
    dedup_key = models.CharField(max_length=255, blank=True, db_index=True, help_text="PagerDuty incident key.")
    event_action = models.CharField(max_length=12, blank=True, help_text="PagerDuty: trigger / resolve.")
    recipients = models.TextField(blank=True, help_text="Email: who it went to (comma-separated).")
    link = models.CharField(max_length=500, blank=True, help_text="Where in the ops UI a person acts on it.")

    class Meta:
        ordering = ["-created_at", "-id"]


class BusinessUnitAccess(models.Model):
    """One business unit whose handoffs a user may see and act on. A user without any row sees every unit, so nothing
    changes where units are not configured (exceptions_queue.business_units applies these)."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="business_units")
    business_unit = models.CharField(max_length=100, help_text="As the CRM names it (compared case-insensitively).")

    class Meta:
        verbose_name = "business unit access"
        verbose_name_plural = "business unit access"
        ordering = ["user_id", "business_unit"]
        constraints = [models.UniqueConstraint(fields=["user", "business_unit"], name="one_row_per_user_and_unit")]

    def __str__(self) -> str:
        return f"{self.user} → {self.business_unit}"
