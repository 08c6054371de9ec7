"""Admin for exceptions, dead letters, alerts and who sees which business unit. The ops UI is the workplace; the
admin is for lookups and fixes (what each role may do here: admin_roles.py)."""

from __future__ import annotations

from django.contrib import admin
from django.contrib.auth import get_user_model
from django.contrib.auth.admin import UserAdmin
from simple_history.admin import SimpleHistoryAdmin

from .admin_roles import refuse_history_writes_without_change_permission
from .models import Alert, BusinessUnitAccess, DeadLetter, HandoffException

refuse_history_writes_without_change_permission()  # every SimpleHistoryAdmin of the project, crosswalks included


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


class BusinessUnitAccessInline(admin.TabularInline):
    """On the user: the business units whose handoffs they may see and act on (none: every unit)."""

    model = BusinessUnitAccess
    extra = 1
    verbose_name_plural = "business units (none: every unit)"


@admin.register(BusinessUnitAccess)
class BusinessUnitAccessAdmin(admin.ModelAdmin):
    list_display = ("user", "business_unit")
    list_filter = ("business_unit",)
    search_fields = ("user__username", "business_unit")
    raw_id_fields = ("user",)


User = get_user_model()
_user_admin = type(admin.site._registry[User]) if admin.site.is_registered(User) else UserAdmin
if admin.site.is_registered(User):
    admin.site.unregister(User)


@admin.register(User)
class UserWithBusinessUnitsAdmin(_user_admin):
    inlines = [*getattr(_user_admin, "inlines", ()), BusinessUnitAccessInline]
