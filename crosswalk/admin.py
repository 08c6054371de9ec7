"""Admin for the crosswalk tables (the master-data team's workplace) and the read-only transformation log.

Every table keeps its history (simple-history): the History button shows who changed which mapping when.
"""

from __future__ import annotations

from django.contrib import admin, messages
from simple_history.admin import SimpleHistoryAdmin

from handoff_project.integration.admin import ReadOnlyAdmin

from .models import (
    ContactMapping,
    ContractMapping,
    CustomerMapping,
    MappingStatus,
    MaterialGroupLeadTime,
    PaymentTermsMapping,
    ProductMapping,
    TaxCodeMapping,
    TransformationLog,
)

VALIDITY_FIELDS = ("status", "erp_system", ("valid_from", "valid_to"), "owner", "notes")
COMMON_FILTERS = ("status", "erp_system")


class CrosswalkAdmin(SimpleHistoryAdmin):
    list_per_page = 100
    actions = ("mark_active", "mark_retired")
    readonly_fields = ("updated_at",)

    def _set_status(self, request, queryset, status):
        # save() per row (not update()) so each change lands in the history with the user who made it.
        changed = 0
        for entry in queryset.exclude(status=status):
            entry.status = status
            entry.save()
            changed += 1
        self.message_user(request, f"{changed} mapping(s) now {MappingStatus(status).label.lower()}.", messages.SUCCESS)

    @admin.action(description="Mark selected mappings active")
    def mark_active(self, request, queryset):
        self._set_status(request, queryset, MappingStatus.ACTIVE)

    @admin.action(description="Retire selected mappings")
    def mark_retired(self, request, queryset):
        self._set_status(request, queryset, MappingStatus.RETIRED)


@admin.register(ProductMapping)
class ProductMappingAdmin(CrosswalkAdmin):
    list_display = (
        "crm_product_name", "crm_product_code", "material", "material_description", "material_group", "unit",
        "tax_class", "status", "erp_system", "updated_at",
    )
    list_filter = (*COMMON_FILTERS, "material_group", "unit", "tax_class")
    search_fields = ("crm_product_name", "crm_product_code", "=crm_product_id", "material", "material_description")
    fieldsets = (
        ("CRM product", {"fields": ("crm_product_name", "crm_product_code", "crm_product_id", "aliases")}),
        ("ERP material", {"fields": ("material", "material_description", "material_group", "unit", "tax_class")}),
        ("Validity", {"fields": (*VALIDITY_FIELDS, "updated_at")}),
    )


@admin.register(CustomerMapping)
class CustomerMappingAdmin(CrosswalkAdmin):
    list_display = (
        "crm_account_name", "crm_account_id", "business_partner", "business_partner_name", "ship_to_party", "vat_id",
        "duns", "country", "city", "status", "erp_system", "updated_at",
    )
    list_filter = (*COMMON_FILTERS, "country")
    search_fields = (
        "crm_account_name", "=crm_account_id", "business_partner", "business_partner_name", "vat_id", "duns", "city",
    )
    fieldsets = (
        ("CRM account", {"fields": ("crm_account_name", "crm_account_id", "aliases")}),
        ("ERP business partner", {"fields": ("business_partner", "business_partner_name", "ship_to_party")}),
        ("Confirming keys", {"fields": ("vat_id", "duns", "country", "city")}),
        ("Validity", {"fields": (*VALIDITY_FIELDS, "updated_at")}),
    )


@admin.register(PaymentTermsMapping)
class PaymentTermsMappingAdmin(CrosswalkAdmin):
    list_display = ("crm_terms", "terms_key", "net_days", "is_standard", "status", "erp_system", "updated_at")
    list_filter = (*COMMON_FILTERS, "is_standard")
    search_fields = ("crm_terms", "terms_key")


@admin.register(TaxCodeMapping)
class TaxCodeMappingAdmin(CrosswalkAdmin):
    list_display = ("country", "region", "material_tax_class", "tax_code", "description", "status", "erp_system", "updated_at")
    list_filter = (*COMMON_FILTERS, "country", "material_tax_class")
    search_fields = ("country", "region", "tax_code", "description")


@admin.register(MaterialGroupLeadTime)
class MaterialGroupLeadTimeAdmin(CrosswalkAdmin):
    list_display = ("material_group", "lead_time_days", "status", "erp_system", "updated_at")
    list_filter = COMMON_FILTERS
    search_fields = ("material_group",)


@admin.register(ContactMapping)
class ContactMappingAdmin(CrosswalkAdmin):
    list_display = ("crm_contact_email", "contact_person", "business_partner", "status", "erp_system", "updated_at")
    list_filter = COMMON_FILTERS
    search_fields = ("crm_contact_email", "contact_person", "business_partner")


@admin.register(ContractMapping)
class ContractMappingAdmin(CrosswalkAdmin):
    list_display = ("crm_contract_reference", "erp_document", "status", "erp_system", "updated_at")
    list_filter = COMMON_FILTERS
    search_fields = ("crm_contract_reference", "erp_document")


@admin.register(TransformationLog)
class TransformationLogAdmin(ReadOnlyAdmin):
    list_display = ("created_at", "handoff_id", "kind", "field", "input_text", "output", "rule", "confidence", "accepted")
    list_filter = ("kind", "accepted", "rule")
    search_fields = ("=handoff_id", "input_text", "output")
    show_full_result_count = False
    list_per_page = 100
    fields = (
        "created_at", "handoff_id", "kind", "field", "input_text", "output", "rule", "confidence", "accepted", "candidates",
    )
    readonly_fields = fields
