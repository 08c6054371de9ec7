"""Admin for handoffs: read-mostly (the pipeline owns the state), with history and a link to the ops page.

Only the flag may be set or cleared here; everything else changes through the pipeline or the ops UI's re-queue.
"""

from __future__ import annotations

from django.contrib import admin
from django.urls import reverse
from simple_history.admin import SimpleHistoryAdmin

from exceptions_queue.models import DeadLetter, HandoffException

from .models import Handoff

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
            "state", "risk_level", "attempts", "next_attempt_at", "last_error", "lease_owner", "lease_until",
        )}),
        ("ERP", {"fields": ("erp_system", "erp_reference", "erp_order_number", "created_in_erp_at")}),
        ("Writeback and flag", {"fields": ("writeback_status", "completed_at", "flagged", "flag_reason")}),
        ("Payloads", {"classes": ("collapse",), "fields": ("deal", "order_request", "inbound_event")}),
        ("Times", {"fields": ("received_at", "updated_at")}),
    )

    def get_readonly_fields(self, request, obj=None):
        return [f.name for f in Handoff._meta.fields if f.name not in EDITABLE_FIELDS]

    def has_add_permission(self, request):
        return False  # handoffs come from CRM webhooks, never typed in

    def get_view_on_site_url(self, obj=None):
        return reverse("ops:handoff-detail", args=[obj.pk]) if obj is not None else None
