"""Admin for handoffs: read-mostly (the pipeline owns the state), with history and a link to the ops page.

Only the flag may be set or cleared here; everything else changes through the pipeline or the ops UI's re-queue.
"""

from __future__ import annotations

from django import forms
from django.contrib import admin
from django.urls import reverse
from simple_history.admin import SimpleHistoryAdmin

from exceptions_queue.models import DeadLetter, HandoffException

from handoff_project.integration.admin import ReadOnlyAdmin

from .models import Approval, CustomerCredit, ErpAvailability, ErpRoute, Handoff

EDITABLE_FIELDS = ("flagged", "flag_reason")


class HandoffExceptionInline(admin.TabularInline):
    model = HandoffException
    fields = ("type", "team", "state", "field", "message", "created_at")
    readonly_fields = fields
    extra = 0
    can_delete = False
    show_change_link = True

    def has_add_permission(self, request, obj=None):
        return False


class DeadLetterInline(admin.TabularInline):
    model = DeadLetter
    fields = ("step", "state", "reason", "recommended_resolution", "created_at")
    readonly_fields = fields
    extra = 0
    can_delete = False
    show_change_link = True

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(Handoff)
class HandoffAdmin(SimpleHistoryAdmin):
    list_display = (
        "id", "deal_name", "customer_name", "amount", "currency", "state", "erp_system", "erp_order_number",
        "risk_level", "writeback_status", "flagged", "received_at",
    )
    list_filter = ("state", "crm_system", "erp_system", "risk_level", "writeback_status", "flagged")
    search_fields = ("=id", "crm_record_id", "deal_name", "customer_name", "erp_order_number", "erp_reference")
    date_hierarchy = "received_at"
    list_per_page = 100
    inlines = (HandoffExceptionInline, DeadLetterInline)
    fieldsets = (
        ("Deal", {"fields": ("crm_system", "crm_record_id", "deal_name", "customer_name", ("amount", "currency"))}),
        ("State", {"fields": (
            "state", "risk_level", "risk_factors", "decisions", "closed_reason", "attempts", "next_attempt_at", "last_error",
            "lease_owner", "lease_until",
        )}),
        ("ERP", {"fields": ("erp_system", "erp_reference", "erp_order_number", "created_in_erp_at")}),
        ("Writeback and flag", {"fields": ("writeback_status", "completed_at", "flagged", "flag_reason")}),
        ("Payloads", {"classes": ("collapse",), "fields": ("deal", "order_request", "erp_prices", "inbound_event")}),
        ("Times", {"fields": ("received_at", "updated_at")}),
    )

    def get_readonly_fields(self, request, obj=None):
        return [f.name for f in Handoff._meta.fields if f.name not in EDITABLE_FIELDS]

    def has_add_permission(self, request):
        return False  # handoffs come from CRM webhooks, never typed in

    def get_view_on_site_url(self, obj=None):
        return reverse("ops:handoff-detail", args=[obj.pk]) if obj is not None else None


@admin.register(Approval)
class ApprovalAdmin(admin.ModelAdmin):
    """Read only: approvers decide in the ops UI (/ops/approvals/), where four-eyes is enforced."""

    list_display = ("id", "handoff", "level", "state", "requested_at", "window_ends_at", "decided_by", "decided_at")
    list_filter = ("level", "state")
    search_fields = ("=handoff__id", "handoff__crm_record_id", "handoff__deal_name")
    list_select_related = ("handoff", "decided_by")

    def get_readonly_fields(self, request, obj=None):
        return [f.name for f in Approval._meta.fields]

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    def get_view_on_site_url(self, obj=None):
        return reverse("ops:approval-detail", args=[obj.handoff_id]) if obj is not None else None


@admin.register(CustomerCredit)
class CustomerCreditAdmin(admin.ModelAdmin):
    """The AR summary per ERP customer (loaded from the ERP; editable here for corrections and the demo)."""

    list_display = ("business_partner", "customer_name", "erp_system", "open_amount", "currency", "credit_limit",
                    "days_outstanding", "strategic_account", "updated_at")
    list_filter = ("erp_system", "strategic_account")
    search_fields = ("business_partner", "customer_name")


class ErpRouteForm(forms.ModelForm):
    class Meta:
        model = ErpRoute
        fields = "__all__"

    def clean_countries(self):
        codes = [c.strip().upper() for c in self.cleaned_data["countries"].split(",") if c.strip()]
        bad = [c for c in codes if len(c) != 2 or not c.isalpha()]
        if bad:
            raise forms.ValidationError(f"Countries are ISO 3166 two-letter codes; not {', '.join(bad)}.")
        return ",".join(codes)


@admin.register(ErpRoute)
class ErpRouteAdmin(SimpleHistoryAdmin):
    """Which ERP receives which deals: the first active rule by priority whose filled-in criteria all match."""

    form = ErpRouteForm
    list_display = ("priority", "name", "erp_system", "crm_system", "business_unit", "selling_company", "countries", "active", "updated_at")
    list_editable = ("active",)
    list_filter = ("erp_system", "active", "crm_system")
    search_fields = ("name", "business_unit", "selling_company", "countries")
    ordering = ("priority", "id")


@admin.register(ErpAvailability)
class ErpAvailabilityAdmin(ReadOnlyAdmin):
    """Whether each ERP answers (the outage circuit breaker); the pipeline and the probe keep it."""

    list_display = ("erp_system", "state", "consecutive_failures", "down_since", "last_probe_at", "last_up_at", "lag_alerted")
