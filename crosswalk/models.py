"""Crosswalk tables: the master data that translates CRM language into ERP identifiers.

The master-data team edits them in the admin; each change is kept by simple-history. `TransformationLog` records
every translation the pipeline made: what came in, what went out, by which rule, at what confidence.
"""

from __future__ import annotations

from django.db import models
from simple_history.models import HistoricalRecords

from handoff_project.integration.systems import ERP_CHOICES


class MappingStatus(models.TextChoices):
    ACTIVE = "active", "Active"
    PROPOSED = "proposed", "Proposed"
    RETIRED = "retired", "Retired"


class CrosswalkEntry(models.Model):
    status = models.CharField(max_length=10, choices=MappingStatus.choices, default=MappingStatus.ACTIVE)
    # Which ERP's identifiers the row holds: every ERP has its own crosswalk (customer 17100001 in SAP is 1201 in
    # NetSuite). Resolution only reads the rows of the handoff's ERP.
    erp_system = models.CharField(max_length=40, default="sap", db_index=True, choices=ERP_CHOICES)
    valid_from = models.DateField(null=True, blank=True)
    valid_to = models.DateField(null=True, blank=True)
    owner = models.CharField(max_length=100, blank=True)
    notes = models.TextField(blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        abstract = True


class ProductMapping(CrosswalkEntry):
    """CRM product (name / code / id) ↔ ERP material."""

    crm_product_name = models.CharField(max_length=255, db_index=True)
    crm_product_code = models.CharField(max_length=100, blank=True, db_index=True)
    crm_product_id = models.CharField(max_length=64, blank=True, db_index=True)
    aliases = models.JSONField(default=list, blank=True, help_text="Other names the CRM uses for this product.")
    material = models.CharField("ERP material", max_length=40)
    material_description = models.CharField(max_length=255, blank=True)
    material_group = models.CharField(max_length=9, blank=True)
    unit = models.CharField("unit of measure", max_length=10, default="EA")
    tax_class = models.CharField("material tax class", max_length=1, default="1")
    history = HistoricalRecords()

    class Meta:
        ordering = ["crm_product_name"]

    def __str__(self):
        return f"{self.crm_product_name} → {self.material}"


class CustomerMapping(CrosswalkEntry):
    """CRM account ↔ ERP business partner (sold-to), with the keys that confirm it."""

    crm_account_id = models.CharField(max_length=64, blank=True, db_index=True)
    crm_account_name = models.CharField(max_length=255, db_index=True)
    aliases = models.JSONField(default=list, blank=True)
    business_partner = models.CharField("ERP customer", max_length=40, help_text="SAP business partner, NetSuite customer internal id, BC customer number, Oracle account number, Odoo partner id.")
    business_partner_name = models.CharField(max_length=255, blank=True)
    ship_to_party = models.CharField(max_length=40, blank=True, help_text="Default ship-to (WE); sold-to if empty.")
    vat_id = models.CharField(max_length=20, blank=True, db_index=True)
    duns = models.CharField(max_length=9, blank=True, db_index=True)
    country = models.CharField(max_length=2, blank=True)
    city = models.CharField(max_length=100, blank=True)
    history = HistoricalRecords()

    class Meta:
        ordering = ["crm_account_name"]

    def __str__(self):
        return f"{self.crm_account_name} → {self.business_partner}"


class PaymentTermsMapping(CrosswalkEntry):
    crm_terms = models.CharField(max_length=100, db_index=True)
    aliases = models.JSONField(default=list, blank=True, help_text='Other spellings ("Net30", "N30").')
    terms_key = models.CharField("ERP terms key", max_length=30, help_text="SAP ZTERM, NetSuite terms id, BC payment terms code, Oracle terms name, Odoo payment term id.")
    net_days = models.PositiveSmallIntegerField(default=30)
    is_standard = models.BooleanField(default=True, help_text="Standard terms; modified terms raise the risk level.")
    history = HistoricalRecords()

    class Meta:
        ordering = ["crm_terms"]

    def __str__(self):
        return f"{self.crm_terms} → {self.terms_key}"


class TaxCodeMapping(CrosswalkEntry):
    """Ship-to jurisdiction (country, optional region) + material tax class → ERP tax code (MWSKZ)."""

    country = models.CharField(max_length=2)
    region = models.CharField(max_length=3, blank=True, help_text="Empty applies to the whole country.")
    material_tax_class = models.CharField(max_length=1, default="1")
    tax_code = models.CharField(max_length=20)
    description = models.CharField(max_length=100, blank=True)
    history = HistoricalRecords()

    class Meta:
        ordering = ["country", "region", "material_tax_class"]

    def __str__(self):
        where = f"{self.country}-{self.region}" if self.region else self.country
        return f"{where} class {self.material_tax_class} → {self.tax_code}"


class MaterialGroupLeadTime(CrosswalkEntry):
    material_group = models.CharField(max_length=9)
    lead_time_days = models.PositiveSmallIntegerField(default=0)
    history = HistoricalRecords()

    class Meta:
        constraints = [models.UniqueConstraint(fields=["erp_system", "material_group"], name="one_lead_time_per_group")]

    def __str__(self):
        return f"{self.material_group}: {self.lead_time_days} d"


class ContactMapping(CrosswalkEntry):
    """CRM contact (by email) ↔ ERP contact person."""

    crm_contact_email = models.EmailField(db_index=True)
    contact_person = models.CharField("ERP contact person", max_length=40)
    business_partner = models.CharField(max_length=40, blank=True)
    history = HistoricalRecords()

    def __str__(self):
        return f"{self.crm_contact_email} → {self.contact_person}"


class ContractMapping(CrosswalkEntry):
    """CRM contract reference ↔ ERP reference document (e.g. an SAP contract)."""

    crm_contract_reference = models.CharField(max_length=64, db_index=True)
    erp_document = models.CharField(max_length=40)
    history = HistoricalRecords()

    def __str__(self):
        return f"{self.crm_contract_reference} → {self.erp_document}"


class ProposedProductMapping(ProductMapping):
    """Product mappings proposed from people's resolutions, awaiting the master-data team (admin list)."""

    class Meta:
        proxy = True
        verbose_name = "proposed product mapping"


class ProposedCustomerMapping(CustomerMapping):
    class Meta:
        proxy = True
        verbose_name = "proposed customer mapping"


class ProposedPaymentTermsMapping(PaymentTermsMapping):
    class Meta:
        proxy = True
        verbose_name = "proposed payment terms mapping"


class ShipToAddress(CrosswalkEntry):
    """A known ship-to (SAP partner function WE) of a customer: the candidates offered when a deal's address does
    not validate or is new."""

    customer = models.ForeignKey(CustomerMapping, on_delete=models.CASCADE, null=True, blank=True,
                                 related_name="ship_to_addresses")
    business_partner = models.CharField("sold-to business partner", max_length=40, db_index=True)
    ship_to_party = models.CharField(max_length=40, help_text="ERP ship-to partner number.")
    name = models.CharField(max_length=255, blank=True)
    street = models.CharField(max_length=255)
    city = models.CharField(max_length=100)
    postal_code = models.CharField(max_length=20, blank=True)
    region = models.CharField(max_length=3, blank=True)
    country = models.CharField(max_length=2)
    history = HistoricalRecords()

    class Meta:
        ordering = ["business_partner", "ship_to_party"]
        verbose_name = "ship-to address"
        verbose_name_plural = "ship-to addresses"

    def __str__(self):
        return f"{self.ship_to_party}: {self.street}, {self.postal_code} {self.city}, {self.country}"


class UnitOfMeasureMapping(CrosswalkEntry):
    """CRM unit text ('each', 'pcs', 'licence') ↔ ERP unit of measure (SAP external code, ISO code)."""

    crm_unit = models.CharField(max_length=40, db_index=True)
    aliases = models.JSONField(default=list, blank=True)
    erp_unit = models.CharField("ERP unit", max_length=10)
    iso_code = models.CharField("ISO unit code", max_length=3, blank=True, help_text="UN/ECE Rec. 20, e.g. EA, H87, KGM.")
    description = models.CharField(max_length=100, blank=True)
    history = HistoricalRecords()

    class Meta:
        ordering = ["crm_unit"]
        verbose_name = "unit of measure mapping"

    def __str__(self):
        return f"{self.crm_unit} → {self.erp_unit}"


class CurrencyMapping(CrosswalkEntry):
    """CRM currency text ('US$', 'Euro') ↔ ERP currency key (ISO 4217 in S/4HANA)."""

    crm_currency = models.CharField(max_length=40, db_index=True)
    aliases = models.JSONField(default=list, blank=True)
    erp_currency = models.CharField("ERP currency", max_length=5)
    decimals = models.PositiveSmallIntegerField(default=2)
    history = HistoricalRecords()

    class Meta:
        ordering = ["crm_currency"]

    def __str__(self):
        return f"{self.crm_currency} → {self.erp_currency}"


class ErpMaterial(models.Model):
    """A material as the ERP holds it (API_PRODUCT_SRV), loaded by `manage.py sync_erp_master`: the resolver offers
    these as candidates even before anyone mapped them."""

    erp_system = models.CharField(max_length=40, default="sap")
    material = models.CharField(max_length=40)
    description = models.CharField(max_length=255, blank=True)
    descriptions = models.JSONField(default=dict, blank=True, help_text="Descriptions by language, e.g. {\"DE\": …}.")
    material_group = models.CharField(max_length=9, blank=True)
    base_unit = models.CharField(max_length=10, blank=True)
    product_type = models.CharField(max_length=4, blank=True)
    is_blocked = models.BooleanField(default=False, help_text="Marked for deletion or blocked in the ERP.")
    synced_at = models.DateTimeField(auto_now=True)
    history = HistoricalRecords()

    class Meta:
        ordering = ["erp_system", "material"]
        constraints = [models.UniqueConstraint(fields=["erp_system", "material"], name="unique_erp_material")]
        verbose_name = "ERP material"

    def __str__(self):
        return f"{self.material} {self.description}"


class ErpBusinessPartner(models.Model):
    """A business partner as the ERP holds it (API_BUSINESS_PARTNER), loaded by `manage.py sync_erp_master`."""

    erp_system = models.CharField(max_length=40, default="sap")
    business_partner = models.CharField(max_length=40)
    name = models.CharField(max_length=255, blank=True)
    category = models.CharField(max_length=1, blank=True, help_text="1 person, 2 organisation, 3 group.")
    vat_id = models.CharField(max_length=20, blank=True, db_index=True)
    street = models.CharField(max_length=255, blank=True)
    city = models.CharField(max_length=100, blank=True)
    postal_code = models.CharField(max_length=20, blank=True)
    region = models.CharField(max_length=3, blank=True)
    country = models.CharField(max_length=2, blank=True)
    is_blocked = models.BooleanField(default=False)
    synced_at = models.DateTimeField(auto_now=True)
    history = HistoricalRecords()

    class Meta:
        ordering = ["erp_system", "business_partner"]
        constraints = [models.UniqueConstraint(fields=["erp_system", "business_partner"], name="unique_erp_business_partner")]
        verbose_name = "ERP business partner"

    def __str__(self):
        return f"{self.business_partner} {self.name}"


class TransformationLog(models.Model):
    """What the pipeline translated: input, output, rule, confidence (and the candidates it weighed)."""

    created_at = models.DateTimeField(auto_now_add=True, db_index=True)
    handoff_id = models.BigIntegerField(null=True, blank=True, db_index=True)
    kind = models.CharField(max_length=30, db_index=True)
    field = models.CharField(max_length=100, blank=True)
    input_text = models.TextField(blank=True)
    output = models.CharField(max_length=255, blank=True)
    rule = models.CharField(max_length=100)
    confidence = models.DecimalField(max_digits=5, decimal_places=4)
    accepted = models.BooleanField(default=True)
    candidates = models.JSONField(default=list, blank=True)

    class Meta:
        ordering = ["created_at", "id"]

    def __str__(self):
        return f"{self.kind}: {self.input_text!r} → {self.output!r} ({self.rule}, {self.confidence})"
