"""Admin for the crosswalk tables (the master-data team's workplace) and the read-only transformation log.

Every table keeps its history (simple-history): the History button shows who changed which mapping when.
Import / export as CSV or XLSX (django-import-export, resources in crosswalk.resources): an import first shows the
dry run — each row new, updated with its field diff, or skipped — and writes only on "Confirm import". An import is
all or nothing: the dry run names every bad row (row, line of the file, field, why) and offers no confirmation, and
a confirmation posted anyway for a file with a bad row is rolled back whole and answered with the same list.
"Proposed … mappings" list what people's resolutions taught (crosswalk.learning), to accept or reject.
The ERP master data (materials, business partners) is read-only here: `manage.py sync_erp_master` loads it.
"""

from __future__ import annotations

from django.contrib import admin, messages
from django.http import HttpResponseRedirect
from django.urls import reverse
from import_export.admin import ImportExportModelAdmin
from import_export.formats.base_formats import CSV, XLSX
from simple_history.admin import SimpleHistoryAdmin

from handoff_project.integration.admin import ReadOnlyAdmin

from . import proposals, resources
from .models import (
    ContactMapping,
    ContractMapping,
    CurrencyMapping,
    CustomerMapping,
    ErpBusinessPartner,
    ErpMaterial,
    MappingStatus,
    MaterialGroupLeadTime,
    PaymentTermsMapping,
    ProductMapping,
    ProposedCustomerMapping,
    ProposedPaymentTermsMapping,
    ProposedProductMapping,
    ShipToAddress,
    TaxCodeMapping,
    TransformationLog,
    UnitOfMeasureMapping,
)

VALIDITY_FIELDS = ("status", "erp_system", ("valid_from", "valid_to"), "owner", "notes")
COMMON_FILTERS = ("status", "erp_system", "valid_to", "updated_at")


MAX_LISTED_PROBLEMS = 50


def import_problems(result) -> list[str]:
    """Every reason an import result cannot be written, one sentence each: file-level errors, then bad rows by number
    (data row N is line N + 1 of the file, under its header), each with the field and the reason."""
    problems = [f"The file: {error.error}" for error in result.base_errors]
    for row in result.invalid_rows:
        for field, messages_ in row.field_specific_errors.items():
            problems.append(f"Row {row.number} (line {row.number + 1}), {field}: {' '.join(messages_)}")
        for message in row.non_field_specific_errors:
            problems.append(f"Row {row.number} (line {row.number + 1}): {message}")
    for number, errors in result.row_errors():
        problems.extend(f"Row {number} (line {number + 1}): {error.error}" for error in errors)
    return problems


class CrosswalkAdmin(ImportExportModelAdmin, SimpleHistoryAdmin):
    list_per_page = 100
    formats = (CSV, XLSX)
    actions = ("mark_active", "mark_retired")
    readonly_fields = ("updated_at",)

    def import_action(self, request, **kwargs):
        response = super().import_action(request, **kwargs)
        result = getattr(response, "context_data", {}).get("result")
        if result is not None:
            self._report_problems(request, result, verb="will be")
        return response

    def add_data_read_fail_error_to_form(self, form, e):
        if isinstance(e, UnicodeDecodeError):
            form.add_error("import_file", f"The file is not UTF-8 text (byte 0x{e.object[e.start]:02x} at position "
                                          f"{e.start} cannot be decoded as utf-8). Save it as \"CSV UTF-8\" and import it again.")
            return
        super().add_data_read_fail_error_to_form(form, e)

    def get_import_data_kwargs(self, **kwargs):
        # All or nothing: a bad row rolls back the good ones too (django-import-export would write them and skip it).
        return {**super().get_import_data_kwargs(**kwargs), "rollback_on_validation_errors": True}

    def process_result(self, result, request):
        if self._report_problems(request, result, verb="was"):
            return HttpResponseRedirect(reverse(f"admin:{self.opts.app_label}_{self.opts.model_name}_import"))
        return super().process_result(result, request)

    def _report_problems(self, request, result, *, verb: str) -> bool:
        problems = import_problems(result)
        if problems:
            listed = problems[:MAX_LISTED_PROBLEMS]
            more = f" … and {len(problems) - len(listed)} more." if len(problems) > len(listed) else ""
            self.message_user(request, f"Nothing {verb} imported: fix these rows and import the file again. "
                              + " | ".join(listed) + more, messages.ERROR)
        return bool(problems)

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
    resource_classes = (resources.ProductMappingResource,)
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


class ShipToInline(admin.TabularInline):
    model = ShipToAddress
    fields = ("ship_to_party", "name", "street", "postal_code", "city", "region", "country", "status")
    extra = 0


@admin.register(CustomerMapping)
class CustomerMappingAdmin(CrosswalkAdmin):
    resource_classes = (resources.CustomerMappingResource,)
    inlines = (ShipToInline,)
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
    resource_classes = (resources.PaymentTermsMappingResource,)
    list_display = ("crm_terms", "terms_key", "net_days", "is_standard", "status", "erp_system", "updated_at")
    list_filter = (*COMMON_FILTERS, "is_standard")
    search_fields = ("crm_terms", "terms_key")


@admin.register(TaxCodeMapping)
class TaxCodeMappingAdmin(CrosswalkAdmin):
    resource_classes = (resources.TaxCodeMappingResource,)
    list_display = ("country", "region", "material_tax_class", "tax_code", "description", "status", "erp_system", "updated_at")
    list_filter = (*COMMON_FILTERS, "country", "material_tax_class")
    search_fields = ("country", "region", "tax_code", "description")


@admin.register(MaterialGroupLeadTime)
class MaterialGroupLeadTimeAdmin(CrosswalkAdmin):
    resource_classes = (resources.MaterialGroupLeadTimeResource,)
    list_display = ("material_group", "lead_time_days", "status", "erp_system", "updated_at")
    list_filter = COMMON_FILTERS
    search_fields = ("material_group",)


@admin.register(ContactMapping)
class ContactMappingAdmin(CrosswalkAdmin):
    resource_classes = (resources.ContactMappingResource,)
    list_display = ("crm_contact_email", "contact_person", "business_partner", "status", "erp_system", "updated_at")
    list_filter = COMMON_FILTERS
    search_fields = ("crm_contact_email", "contact_person", "business_partner")


@admin.register(ContractMapping)
class ContractMappingAdmin(CrosswalkAdmin):
    resource_classes = (resources.ContractMappingResource,)
    list_display = ("crm_contract_reference", "erp_document", "status", "erp_system", "updated_at")
    list_filter = COMMON_FILTERS
    search_fields = ("crm_contract_reference", "erp_document")


@admin.register(ShipToAddress)
class ShipToAddressAdmin(CrosswalkAdmin):
    resource_classes = (resources.ShipToAddressResource,)
    list_display = ("business_partner", "ship_to_party", "name", "street", "postal_code", "city", "region", "country",
                    "status", "updated_at")
    list_filter = (*COMMON_FILTERS, "country")
    search_fields = ("business_partner", "ship_to_party", "name", "street", "city", "postal_code")
    autocomplete_fields = ("customer",)


@admin.register(UnitOfMeasureMapping)
class UnitOfMeasureMappingAdmin(CrosswalkAdmin):
    resource_classes = (resources.UnitOfMeasureMappingResource,)
    list_display = ("crm_unit", "erp_unit", "iso_code", "description", "status", "erp_system", "updated_at")
    list_filter = COMMON_FILTERS
    search_fields = ("crm_unit", "erp_unit", "iso_code", "description")


@admin.register(CurrencyMapping)
class CurrencyMappingAdmin(CrosswalkAdmin):
    resource_classes = (resources.CurrencyMappingResource,)
    list_display = ("crm_currency", "erp_currency", "decimals", "status", "erp_system", "updated_at")
    list_filter = COMMON_FILTERS
    search_fields = ("crm_currency", "erp_currency")


# ---- proposed mappings: what people's resolutions taught, to accept or reject ---------------------------------------


class ProposedMappingAdmin(SimpleHistoryAdmin):
    """Only proposals; accept (activate, or merge into the active mapping of the same ERP key) or reject."""

    actions = ("accept", "reject")
    list_per_page = 100
    list_filter = ("erp_system", "owner", "updated_at")

    def get_queryset(self, request):
        return super().get_queryset(request).filter(status=MappingStatus.PROPOSED)

    def has_add_permission(self, request):
        return False

    def _decide(self, request, queryset, decide, verb):
        outcomes = [decide(mapping, user=request.user).outcome for mapping in queryset]
        summary = ", ".join(f"{outcomes.count(o)} {o.replace('_', ' ')}" for o in sorted(set(outcomes)))
        self.message_user(request, f"{verb} {len(outcomes)} proposal(s): {summary}.", messages.SUCCESS)

    @admin.action(description="Accept selected proposals")
    def accept(self, request, queryset):
        self._decide(request, queryset, proposals.accept_proposal, "Accepted")

    @admin.action(description="Reject selected proposals")
    def reject(self, request, queryset):
        self._decide(request, queryset, proposals.reject_proposal, "Rejected")


@admin.register(ProposedProductMapping)
class ProposedProductMappingAdmin(ProposedMappingAdmin):
    list_display = ("crm_product_name", "material", "material_description", "owner", "updated_at")
    search_fields = ("crm_product_name", "material", "owner")


@admin.register(ProposedCustomerMapping)
class ProposedCustomerMappingAdmin(ProposedMappingAdmin):
    list_display = ("crm_account_name", "business_partner", "business_partner_name", "owner", "updated_at")
    search_fields = ("crm_account_name", "business_partner", "owner")


@admin.register(ProposedPaymentTermsMapping)
class ProposedPaymentTermsMappingAdmin(ProposedMappingAdmin):
    list_display = ("crm_terms", "terms_key", "owner", "updated_at")
    search_fields = ("crm_terms", "terms_key", "owner")


# ---- ERP master data (read only; sync_erp_master loads it) -------------------------------------------------------------


class ErpMasterAdmin(SimpleHistoryAdmin):
    list_per_page = 100

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False


@admin.register(ErpMaterial)
class ErpMaterialAdmin(ErpMasterAdmin):
    list_display = ("material", "description", "material_group", "base_unit", "product_type", "is_blocked", "erp_system", "synced_at")
    list_filter = ("erp_system", "material_group", "base_unit", "product_type", "is_blocked")
    search_fields = ("material", "description")


@admin.register(ErpBusinessPartner)
class ErpBusinessPartnerAdmin(ErpMasterAdmin):
    list_display = ("business_partner", "name", "vat_id", "city", "postal_code", "country", "is_blocked", "erp_system", "synced_at")
    list_filter = ("erp_system", "country", "category", "is_blocked")
    search_fields = ("business_partner", "name", "vat_id", "city", "postal_code")


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
