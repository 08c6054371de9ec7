"""Import and export of the crosswalk tables as CSV or XLSX (django-import-export), keyed by their natural keys.

A row is matched to an existing entry by its natural key (a product mapping by CRM name and material, a customer by
CRM account name and business partner, …), not by database id, so a spreadsheet exported from one installation
imports into another. Aliases are one cell, separated by " | ". The admin shows the dry run — every row new,
updated (with a field-by-field diff) or skipped — before anything is written; each written row lands in the history
with the importing user and the reason "imported from a file".

A file is checked before any row is read: a column the table does not know, or a missing key column, refuses the
whole file. Each row is then validated like a form in the admin (choices such as the ERP system, required keys,
numbers, dates, lengths), and a key that appears twice in the file is an error on the second row; the admin
(crosswalk.admin) writes nothing unless every row is valid.
"""

from __future__ import annotations

from django.core.exceptions import ValidationError
from import_export import fields, resources, widgets

from .models import (
    ContactMapping,
    ContractMapping,
    CurrencyMapping,
    CustomerMapping,
    MaterialGroupLeadTime,
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


class WholeNumberWidget(widgets.IntegerWidget):
    """A whole-number cell; anything else is a row error that quotes the cell (the library's says ConversionSyntax)."""

    def clean(self, value, row=None, **kwargs):
        try:
            return super().clean(value, row=row, **kwargs)
        except (ArithmeticError, ValueError, TypeError) as error:
            raise ValueError(f"{value!r} is not a whole number.") from error


def aliases_field() -> fields.Field:
    return fields.Field(attribute="aliases", column_name="aliases", widget=AliasesWidget())


class FileRefused(ValueError):
    """The file as a whole cannot be imported (its columns); the message says which columns and what is expected."""


class CrosswalkResource(resources.ModelResource):
    class Meta:
        clean_model_instances = True  # choices, required fields, lengths: the same checks as the admin form

    @classmethod
    def widget_from_django_field(cls, f, default=widgets.Widget):
        widget = super().widget_from_django_field(f, default=default)
        return WholeNumberWidget if widget is widgets.IntegerWidget else widget

    def before_import(self, dataset, **kwargs):
        self._keys_seen = {}
        expected = [field.column_name for field in self.get_import_fields()]
        headers = [str(h).strip() if h is not None else "" for h in (dataset.headers or [])]
        unknown = [h or "(blank)" for h in headers if h not in expected]
        missing_keys = [k for k in self._meta.import_id_fields if k not in headers]
        problems = []
        if unknown:
            problems.append(f"unknown column(s) {', '.join(unknown)}")
        if missing_keys:
            problems.append(f"missing key column(s) {', '.join(missing_keys)}")
        if problems:
            raise FileRefused(f"Nothing imported: the file has {' and '.join(problems)}. "
                              f"The columns of this table are: {', '.join(expected)}.")

    def before_import_row(self, row, row_number=None, **kwargs):
        key = tuple(str(row.get(name) or "").strip() for name in self._meta.import_id_fields)
        first = self._keys_seen.setdefault(key, row_number)
        if first != row_number:
            label = ", ".join(f"{name}={value!r}" for name, value in zip(self._meta.import_id_fields, key, strict=True))
            raise ValidationError({self._meta.import_id_fields[0]: f"duplicate key ({label}): row {first} has it too."})

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


class MaterialGroupLeadTimeResource(CrosswalkResource):
    class Meta:
        model = MaterialGroupLeadTime
        import_id_fields = ("erp_system", "material_group")
        fields = ("material_group", "lead_time_days", *VALIDITY)
        skip_unchanged = report_skipped = True


class ContactMappingResource(CrosswalkResource):
    class Meta:
        model = ContactMapping
        import_id_fields = ("crm_contact_email", "erp_system")
        fields = ("crm_contact_email", "contact_person", "business_partner", *VALIDITY)
        skip_unchanged = report_skipped = True


class ContractMappingResource(CrosswalkResource):
    class Meta:
        model = ContractMapping
        import_id_fields = ("crm_contract_reference", "erp_system")
        fields = ("crm_contract_reference", "erp_document", *VALIDITY)
        skip_unchanged = report_skipped = True
