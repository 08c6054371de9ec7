"""Admin for the CRM side: where the reconciliation poll stands for each CRM (read-only)."""

from django.contrib import admin

from handoff_project.integration.admin import ReadOnlyAdmin

from .models import ReconciliationCursor


@admin.register(ReconciliationCursor)
class ReconciliationCursorAdmin(ReadOnlyAdmin):
    list_display = ("crm_system", "cursor", "last_run_at", "last_found", "last_recovered", "total_recovered", "last_error")
