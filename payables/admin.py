"""Admin: tolerances and vendor templates are edited here (templates as JSON, checked before saving)."""

from django import forms
from django.contrib import admin

from matching.documents.templates import TemplateError, validate_template

from .models import (
    GoodsReceipt,
    GoodsReceiptLine,
    Invoice,
    InvoiceField,
    InvoiceLine,
    MatchRun,
    PurchaseOrder,
    PurchaseOrderLine,
    VendorTemplate,
    VendorTolerance,
)


class VendorTemplateForm(forms.ModelForm):
    class Meta:
        model = VendorTemplate
        fields = ["name", "template", "is_active"]

    def clean_template(self):
        template = self.cleaned_data["template"]
        try:
            validate_template(template)
        except TemplateError as exc:
            raise forms.ValidationError(str(exc)) from None
        return template


@admin.register(VendorTemplate)
class VendorTemplateAdmin(admin.ModelAdmin):
    form = VendorTemplateForm
    list_display = ["name", "is_active", "updated_at"]
    list_filter = ["is_active"]


@admin.register(VendorTolerance)
class VendorToleranceAdmin(admin.ModelAdmin):
    list_display = ["supplier_number", "material_group", "price_percent", "quantity_percent"]
    search_fields = ["supplier_number", "material_group"]


class PurchaseOrderLineInline(admin.TabularInline):
    model = PurchaseOrderLine
    extra = 0


@admin.register(PurchaseOrder)
class PurchaseOrderAdmin(admin.ModelAdmin):
    list_display = ["number", "supplier_number", "supplier_name", "currency", "payment_terms", "order_date"]
    search_fields = ["number", "supplier_number", "supplier_name"]
    inlines = [PurchaseOrderLineInline]


class GoodsReceiptLineInline(admin.TabularInline):
    model = GoodsReceiptLine
    extra = 0


@admin.register(GoodsReceipt)
class GoodsReceiptAdmin(admin.ModelAdmin):
    list_display = ["number", "year", "posting_date", "reference"]
    search_fields = ["number", "lines__purchase_order_number"]
    inlines = [GoodsReceiptLineInline]


class InvoiceFieldInline(admin.TabularInline):
    model = InvoiceField
    extra = 0
    readonly_fields = ["name", "value", "confidence", "source", "confirmed_by", "confirmed_at"]


class InvoiceLineInline(admin.TabularInline):
    model = InvoiceLine
    extra = 0


class MatchRunInline(admin.TabularInline):
    model = MatchRun
    extra = 0
    readonly_fields = ["created_at", "outcome", "findings", "duration_ms"]
    exclude = ["pairs"]


@admin.register(Invoice)
class InvoiceAdmin(admin.ModelAdmin):
    list_display = ["id", "invoice_number", "seller_name", "gross_total", "currency", "po_reference", "status",
                    "received_at"]
    list_filter = ["status", "format"]
    search_fields = ["invoice_number", "seller_name", "po_reference", "original_name"]
    readonly_fields = ["sha256", "format", "warnings", "received_at", "matched_at"]
    inlines = [InvoiceFieldInline, InvoiceLineInline, MatchRunInline]
