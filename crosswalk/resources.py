"""Import and export of the crosswalk tables as CSV or XLSX (django-import-export), keyed by their natural keys.

A row is matched to an existing entry by its natural key (a product mapping by CRM name and material, a customer by
CRM account name and business partner, …), not by database id, so a spreadsheet exported from one installation
imports into another. Aliases are one cell, separated by " | ". The admin shows the dry run — every row new,
updated (with a field-by-field diff) or skipped — before anything is written; each written row lands in the history
with the importing user and the reason "imported from a file".
"""

from __future__ import annotations

from import_export import fields, resources, widgets

from .models import (
    CurrencyMapping,
    CustomerMapping,
    PaymentTermsMapping,
    ProductMapping,
    ShipToAddress,
    TaxCodeMapping,
    UnitOfMeasureMapping,
)

ALIAS_SEPARATOR = " | "
VALIDITY = ("status", "erp_system", "valid_from", "valid_to", "owner", "notes")


class AliasesWidget(widgets.Widget):
    """A list of aliases ⇄ one spreadsheet cell, "Ent. License annual | Enterprise Lic."."""

    def clean(self, value, row=None, **kwargs):
        if value in (None, ""):
            return []
        return [part.strip() for part in str(value).split("|") if part.strip()]

    def render(self, value, obj=None, **kwargs):
        return ALIAS_SEPARATOR.join(value or [])


def aliases_field() -> fields.Field:
    return fields.Field(attribute="aliases", column_name="aliases", widget=AliasesWidget())


class CrosswalkResource(resources.ModelResource):
    def before_save_instance(self, instance, row, **kwargs):
        instance._change_reason = "imported from a file"


class ProductMappingResource(CrosswalkResource):
    aliases = aliases_field()

    class Meta:
        model = ProductMapping
        import_id_fields = ("crm_product_name", "material")
        fields = ("crm_product_name", "crm_product_code", "crm_product_id", "aliases", "material", "material_description",
                  "material_group", "unit", "tax_class", *VALIDITY)
        skip_unchanged = report_skipped = True


class CustomerMappingResource(CrosswalkResource):
    aliases = aliases_field()

    class Meta:
        model = CustomerMapping
        import_id_fields = ("crm_account_name", "business_partner")
        fields = ("crm_account_name", "crm_account_id", "aliases", "business_partner", "business_partner_name",
                  "ship_to_party", "vat_id", "duns", "country", "city", *VALIDITY)
        skip_unchanged = report_skipped = True


class PaymentTermsMappingResource(CrosswalkResource):
    aliases = aliases_field()

    class Meta:
        model = PaymentTermsMapping
        import_id_fields = ("crm_terms",)
        fields = ("crm_terms", "aliases", "terms_key", "net_days", "is_standard", *VALIDITY)
        skip_unchanged = report_skipped = True


class TaxCodeMappingResource(CrosswalkResource):
    class Meta:
        model = TaxCodeMapping
        import_id_fields = ("country", "region", "material_tax_class")
        fields = ("country", "region", "material_tax_class", "tax_code", "description", *VALIDITY)
        skip_unchanged = report_skipped = True


class UnitOfMeasureMappingResource(CrosswalkResource):
    aliases = aliases_field()

    class Meta:
        model = UnitOfMeasureMapping
        import_id_fields = ("crm_unit",)
        fields = ("crm_unit", "aliases", "erp_unit", "iso_code", "description", *VALIDITY)
        skip_unchanged = report_skipped = True


class CurrencyMappingResource(CrosswalkResource):
    aliases = aliases_field()

    class Meta:
        model = CurrencyMapping
        import_id_fields = ("crm_currency",)
        fields = ("crm_currency", "aliases", "erp_currency", "decimals", *VALIDITY)
        skip_unchanged = report_skipped = True


class ShipToAddressResource(CrosswalkResource):
    class Meta:
        model = ShipToAddress
        import_id_fields = ("business_partner", "ship_to_party")
        fields = ("business_partner", "ship_to_party", "name", "street", "city", "postal_code", "region", "country",
                  *VALIDITY)
        skip_unchanged = report_skipped = True
