"""Admin for the in-app emulators: what each sandbox holds and its fault mode (demo and test aids)."""

from django.contrib import admin

from .models import SandboxFault, SandboxRecord


@admin.register(SandboxRecord)
class SandboxRecordAdmin(admin.ModelAdmin):
    list_display = ("system", "collection", "key", "created_at", "updated_at")
    list_filter = ("system", "collection")
    search_fields = ("key",)
    readonly_fields = ("created_at", "updated_at")


@admin.register(SandboxFault)
class SandboxFaultAdmin(admin.ModelAdmin):
    list_display = ("system", "mode", "remaining", "requests_seen", "updated_at")
    list_filter = ("mode",)
    readonly_fields = ("requests_seen", "updated_at")
