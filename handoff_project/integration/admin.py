"""Admin for the integration kernel: the event log (read-only, append-only at the database), external id bindings
and the raw inbound store. Also sets the admin site's titles and the read-only base the other apps reuse."""

from __future__ import annotations

from django.contrib import admin

from .models import Event, ExternalRef, InboundEvent

admin.site.site_header = "Handoff administration"
admin.site.site_title = "Handoff admin"
admin.site.index_title = "Master data, handoffs and logs"


class ReadOnlyAdmin(admin.ModelAdmin):
    """Browse and search, never add, change or delete (logs and stores that only the pipeline writes)."""

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(Event)
class EventAdmin(ReadOnlyAdmin):
    list_display = (
        "created_at", "event_type", "system", "outcome", "crm_record_id", "erp_order_number", "handoff_id",
        "http_status", "duration_ms", "short_message",
    )
    list_filter = ("outcome", "system", ("created_at", admin.DateFieldListFilter))
    search_fields = ("=crm_record_id", "=erp_order_number", "=event_type", "=handoff_id")
    search_help_text = "Exact CRM record id, ERP order number, event type or handoff id."
    show_full_result_count = False  # the log grows without bound; skip the second COUNT(*)
    list_per_page = 100
    fields = (
        ("created_at", "event_type", "system", "outcome"),
        ("handoff_id", "crm_record_id", "erp_order_number"),
        ("method", "endpoint"),
        ("http_status", "duration_ms"),
        "message", "request_body", "body", "data",
    )
    readonly_fields = tuple(name for item in fields for name in (item if isinstance(item, tuple) else (item,)))

    @admin.display(description="message")
    def short_message(self, event):
        return event.message[:120]


@admin.register(InboundEvent)
class InboundEventAdmin(ReadOnlyAdmin):
    list_display = (
        "id", "received_at", "system", "status", "dedup_key", "deliveries", "content_type", "body_bytes", "processed_at",
    )
    list_filter = ("system", "status", ("received_at", admin.DateFieldListFilter))
    search_fields = ("=id", "dedup_key", "path")
    readonly_fields = (
        "system", "received_at", "status", "dedup_key", "deliveries", "method", "path", "remote_addr", "headers",
        "content_type", "body_bytes", "body", "error", "processed_at",
    )
    fields = readonly_fields
    show_full_result_count = False


@admin.register(ExternalRef)
class ExternalRefAdmin(admin.ModelAdmin):
    """Bindings are made by the pipeline; a wrong one may be deleted (the pipeline binds again), never edited."""

    list_display = ("system", "object_type", "external_id", "content_type", "object_id", "created_at")
    list_filter = ("system", "object_type", "content_type")
    search_fields = ("external_id", "=object_id")
    readonly_fields = ("system", "object_type", "external_id", "content_type", "object_id", "created_at")

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False
