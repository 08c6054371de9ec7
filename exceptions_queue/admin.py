"""Admin for exceptions, dead letters and alerts. The ops UI is the workplace; the admin is for lookups and fixes."""

from __future__ import annotations

from django.contrib import admin
from simple_history.admin import SimpleHistoryAdmin

from .models import Alert, DeadLetter, HandoffException


@admin.register(HandoffException)
class HandoffExceptionAdmin(SimpleHistoryAdmin):
    list_display = (
        "id", "handoff", "type", "team", "state", "field", "short_message", "created_at", "escalate_at", "assignee",
    )
    list_filter = ("state", "team", "type")
    search_fields = ("message", "field", "handoff__crm_record_id", "handoff__deal_name", "handoff__customer_name")
    list_select_related = ("handoff", "assignee")
    raw_id_fields = ("handoff", "assignee", "resolved_by")
    readonly_fields = ("created_at",)
    date_hierarchy = "created_at"

    @admin.display(description="message")
    def short_message(self, exception):
        return exception.message[:120]


@admin.register(DeadLetter)
class DeadLetterAdmin(SimpleHistoryAdmin):
    list_display = ("id", "handoff", "step", "state", "short_reason", "retries_exhausted", "created_at", "closed_at")
    list_filter = ("state", "step", "retries_exhausted")
    search_fields = ("reason", "recommended_resolution", "handoff__crm_record_id", "handoff__deal_name")
    list_select_related = ("handoff",)
    raw_id_fields = ("handoff", "closed_by")
    readonly_fields = ("created_at",)
    date_hierarchy = "created_at"

    @admin.display(description="reason")
    def short_reason(self, dead_letter):
        return dead_letter.reason[:120]


@admin.register(Alert)
class AlertAdmin(admin.ModelAdmin):
    list_display = ("created_at", "channel", "severity", "title", "delivered", "handoff")
    list_filter = ("channel", "severity", "delivered")
    search_fields = ("title", "text")
    list_select_related = ("handoff",)
    raw_id_fields = ("handoff",)
    readonly_fields = ("created_at",)

    def has_add_permission(self, request):
        return False  # alerts record what was sent; they are not composed here
