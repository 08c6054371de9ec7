"""Crosswalk tables: the master data that translates CRM language into ERP identifiers.

The master-data team edits them in the admin; each change is kept by simple-history. `TransformationLog` records
every translation the pipeline made: what came in, what went out, by which rule, at what confidence.
"""

from __future__ import annotations

from django.db import models
from simple_history.models import HistoricalRecords


class MappingStatus(models.TextChoices):
    ACTIVE = "active", "Active"
    PROPOSED = "proposed", "Proposed"
    RETIRED = "retired", "Retired"


class CrosswalkEntry(models.Model):
    status = models.CharField(max_length=10, choices=MappingStatus.choices, default=MappingStatus.ACTIVE)
    erp_system = models.CharField(max_length=40, default="sap")
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
    unit = models.CharField("unit of measure", max_length=3, default="EA")
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
    business_partner = models.CharField(max_length=10)
    business_partner_name = models.CharField(max_length=255, blank=True)
    ship_to_party = models.CharField(max_length=10, blank=True, help_text="Default ship-to (WE); sold-to if empty.")
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
    terms_key = models.CharField("ERP terms key (ZTERM)", max_length=4)
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
    tax_code = models.CharField(max_length=2)
    description = models.CharField(max_length=100, blank=True)
    history = HistoricalRecords()

    class Meta:
        ordering = ["country", "region", "material_tax_class"]

    def __str__(self):
        where = f"{self.country}-{self.region}" if self.region else self.country
        return f"{where} class {self.material_tax_class} → {self.tax_code}"


class MaterialGroupLeadTime(CrosswalkEntry):
    material_group = models.CharField(max_length=9, unique=True)
    lead_time_days = models.PositiveSmallIntegerField(default=0)
    history = HistoricalRecords()

    def __str__(self):
        return f"{self.material_group}: {self.lead_time_days} d"


class ContactMapping(CrosswalkEntry):
    """CRM contact (by email) ↔ ERP contact person."""

    crm_contact_email = models.EmailField(db_index=True)
    contact_person = models.CharField("ERP contact person", max_length=10)
    business_partner = models.CharField(max_length=10, blank=True)
    history = HistoricalRecords()

    def __str__(self):
        return f"{self.crm_contact_email} → {self.contact_person}"


class ContractMapping(CrosswalkEntry):
    """CRM contract reference ↔ ERP reference document (e.g. an SAP contract)."""

    crm_contract_reference = models.CharField(max_length=64, db_index=True)
    erp_document = models.CharField(max_length=10)
    history = HistoricalRecords()

    def __str__(self):
        return f"{self.crm_contract_reference} → {self.erp_document}"


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
