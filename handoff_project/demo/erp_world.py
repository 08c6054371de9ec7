"""The demo world in every ERP: the same customers, products, terms and tax rules, each under that ERP's own ids.

SAP keeps the catalogue's identifiers (business partner 17100001, material SW-PLAT-ENT); NetSuite, Business Central,
Oracle and Odoo hold the same master data under identifiers in their own styles (internal ids, customer numbers,
party numbers, record ids). Two things use this module:

* `master_data(system)` — the ERP-neutral seed that every ERP sandbox's `seed_master_data` accepts:
      {"customers":       [{"id", "name", "country", "region", "city", "street", "postal_code", "vat_id", "currency"}],
       "items":           [{"id", "description", "group", "unit", "price", "currency", "cost"}],
       "customer_prices": [{"customer", "item", "price", "currency"}],
       "payment_terms":   [{"id", "name", "days"}],
       "tax_codes":       [{"id", "name", "country", "rate"}],
       "units":           [{"id", "name", "decimals"}],   # decimals 0: whole quantities only
       "reset": false}
* `seed_crosswalks(system)` — the crosswalk rows that translate the CRM's words into those identifiers.
"""

from __future__ import annotations

from importlib import import_module

from django.db import transaction

from . import catalogue as c

ERP_SYSTEMS = ("sap", "netsuite", "business_central", "oracle", "odoo")

# Neutral keys of the catalogue's customers, in the order of c.SAP_BUSINESS_PARTNERS.
CUSTOMER_KEYS = ("17100001", "17100002", "17100003", "17100004", "17100005")
ITEM_KEYS = tuple(m[0] for m in c.SAP_MATERIALS)
TERMS = (("Due on receipt", 0), ("Net 30", 30), ("Net 45", 45), ("Net 60", 60))
# (country, region, material tax class) of the catalogue's tax rules, with a rate for the ERPs that want one
TAX_RULES = (("US", "", "1", "7.25"), ("US", "OR", "1", "0"), ("DE", "", "1", "19"), ("GB", "", "1", "20"))
# What one unit costs the seller: the margin an approver sees (about 35 % below list for software, 60 % for hardware).
UNIT_COST = {"SW-PLAT-ENT": "9600.00", "SW-SEAT-PRO": "180.00", "SV-ONB-STD": "4200.00", "SV-TRN-DAY": "950.00",
             "HW-GW-200": "610.00", "HW-SNS-10": "190.00", "SP-PRM-24": "3100.00"}
UNITS = (("EA", "Each", 0), ("PC", "Piece", 0), ("H", "Hour", 2))

# Each ERP's identifiers for the neutral keys above.
IDS = {
    "sap": {
        "customers": dict(zip(CUSTOMER_KEYS, CUSTOMER_KEYS)),
        "items": dict(zip(ITEM_KEYS, ITEM_KEYS)),
        "terms": {"Due on receipt": "0001", "Net 30": "NT30", "Net 45": "NT45", "Net 60": "NT60"},
        "tax": {("US", ""): "O1", ("US", "OR"): "O0", ("DE", ""): "A1", ("GB", ""): "A2"},
        "units": {"EA": "EA", "PC": "PC", "H": "H"},
        "contacts": {"dana.whitfield@acme.example": "17200011"},
    },
    "netsuite": {  # internal ids
        "customers": dict(zip(CUSTOMER_KEYS, ("1201", "1202", "1203", "1204", "1205"))),
        "items": dict(zip(ITEM_KEYS, ("501", "502", "503", "504", "505", "506", "507"))),
        "terms": {"Due on receipt": "4", "Net 30": "2", "Net 45": "6", "Net 60": "3"},
        "tax": {("US", ""): "11", ("US", "OR"): "12", ("DE", ""): "13", ("GB", ""): "14"},
        "units": {"EA": "1", "PC": "1", "H": "3"},
        "contacts": {"dana.whitfield@acme.example": "2301"},
    },
    "business_central": {  # customer numbers and item numbers (Code[20]), payment terms codes (Code[10])
        "customers": dict(zip(CUSTOMER_KEYS, ("C10000", "C20000", "C30000", "C40000", "C50000"))),
        "items": dict(zip(ITEM_KEYS, ("1000-PLAT", "1001-SEAT", "1002-ONB", "1003-TRN", "1100-GW200", "1101-SNS10", "1200-SUP"))),
        "terms": {"Due on receipt": "COD", "Net 30": "30 DAYS", "Net 45": "45 DAYS", "Net 60": "60 DAYS"},
        "tax": {("US", ""): "TAXABLE", ("US", "OR"): "NONTAXABLE", ("DE", ""): "VAT19", ("GB", ""): "VAT20"},
        "units": {"EA": "PCS", "PC": "PCS", "H": "HOUR"},
        "contacts": {"dana.whitfield@acme.example": "CT000011"},
    },
    "oracle": {  # party numbers, item numbers, payment terms names
        "customers": dict(zip(CUSTOMER_KEYS, ("1006", "1007", "1008", "1009", "1010"))),
        "items": dict(zip(ITEM_KEYS, ("AS-PLAT-ENT", "AS-SEAT-PRO", "AS-ONB-STD", "AS-TRN-DAY", "AS-GW-200", "AS-SNS-10", "AS-PRM-24"))),
        "terms": {"Due on receipt": "IMMEDIATE", "Net 30": "30 NET", "Net 45": "45 NET", "Net 60": "60 NET"},
        "tax": {("US", ""): "US_SALES_TAX", ("US", "OR"): "US_EXEMPT", ("DE", ""): "DE_VAT_19", ("GB", ""): "GB_VAT_20"},
        "units": {"EA": "Ea", "PC": "Ea", "H": "HR"},
        "contacts": {"dana.whitfield@acme.example": "300100011"},
    },
    "odoo": {  # record ids
        "customers": dict(zip(CUSTOMER_KEYS, ("7", "8", "9", "10", "11"))),
        "items": dict(zip(ITEM_KEYS, ("21", "22", "23", "24", "25", "26", "27"))),
        "terms": {"Due on receipt": "1", "Net 30": "4", "Net 45": "5", "Net 60": "10"},
        "tax": {("US", ""): "1", ("US", "OR"): "2", ("DE", ""): "3", ("GB", ""): "4"},
        "units": {"EA": "1", "PC": "1", "H": "4"},
        "contacts": {"dana.whitfield@acme.example": "31"},
    },
}

# The sandbox that takes `master_data(system)` for each ERP ("module:function").
SANDBOX_SEEDERS = {
    "sap": "erp_orders.connectors.sap.sandbox:seed_common_master_data",
    "netsuite": "erp_orders.connectors.netsuite.sandbox:seed_master_data",
    "business_central": "erp_orders.connectors.business_central.sandbox:seed_master_data",
    "oracle": "erp_orders.connectors.oracle.sandbox:seed_master_data",
    "odoo": "erp_orders.connectors.odoo.sandbox:seed_master_data",
}


def ids(system: str) -> dict:
    return IDS[system]


def customer_id(system: str, key: str) -> str:
    return IDS[system]["customers"][key]


def item_id(system: str, key: str) -> str:
    return IDS[system]["items"][key]


def master_data(system: str, *, reset: bool = False) -> dict:
    ids = IDS[system]
    unit_of = {m[0]: ids["units"].get(m[3], m[3]) for m in c.SAP_MATERIALS}
    return {
        "customers": [
            {"id": ids["customers"][bp["BusinessPartner"]], "name": bp["BusinessPartnerFullName"], "country": bp["Country"],
             "region": bp.get("Region", ""), "city": bp["CityName"], "street": bp["StreetName"],
             "postal_code": bp["PostalCode"], "vat_id": _vat(bp["BusinessPartner"]), "currency": "USD"}
            for bp in c.SAP_BUSINESS_PARTNERS
        ],
        "items": [
            {"id": ids["items"][m], "description": d, "group": g, "unit": unit_of[m], "price": p, "currency": "USD",
             "cost": UNIT_COST[m]}
            for m, d, g, _u, p in c.SAP_MATERIALS
        ],
        "customer_prices": [
            {"customer": ids["customers"][bp], "item": ids["items"][m], "price": p, "currency": "USD"}
            for m, bp, p in c.SAP_CUSTOMER_PRICES
        ],
        "payment_terms": [{"id": ids["terms"][name], "name": name, "days": days} for name, days in TERMS],
        "tax_codes": [{"id": ids["tax"][(country, region)], "name": f"{country}{'-' + region if region else ''} {rate} %",
                       "country": country, "rate": rate} for country, region, _cls, rate in TAX_RULES],
        "units": [{"id": ids["units"][code], "name": name, "decimals": decimals} for code, name, decimals in UNITS],
        "reset": reset,
    }


def _vat(business_partner: str) -> str:
    for _name, bp, vat, _duns, _country, _city in c.CUSTOMER_CROSSWALK:
        if bp == business_partner:
            return vat
    return ""


def seed_erp(system: str, *, reset: bool = False):
    """Load the demo master data into `system`'s sandbox (idempotent)."""
    module_name, function = SANDBOX_SEEDERS[system].split(":")
    return getattr(import_module(module_name), function)(master_data(system, reset=reset))


@transaction.atomic
def seed_crosswalks(system: str) -> None:
    """The crosswalk rows for `system`: CRM names and codes → that ERP's identifiers (idempotent)."""
    from crosswalk.models import (
        ContactMapping,
        CustomerMapping,
        MaterialGroupLeadTime,
        PaymentTermsMapping,
        ProductMapping,
        TaxCodeMapping,
    )

    ids = IDS[system]
    materials = {m[0]: m for m in c.SAP_MATERIALS}
    for name, code, material, tax_class in c.PRODUCT_CROSSWALK:
        _mat, description, group, unit, _price = materials[material]
        ProductMapping.objects.update_or_create(
            erp_system=system, crm_product_code=code,
            defaults=dict(crm_product_name=name, material=ids["items"][material], material_description=description,
                          material_group=group, unit=ids["units"].get(unit, unit), tax_class=tax_class,
                          owner="master data"),
        )
    bp_names = {bp["BusinessPartner"]: bp["BusinessPartnerFullName"] for bp in c.SAP_BUSINESS_PARTNERS}
    for name, bp, vat, duns, country, city in c.CUSTOMER_CROSSWALK:
        CustomerMapping.objects.update_or_create(
            erp_system=system, crm_account_name=name,
            defaults=dict(business_partner=ids["customers"][bp], business_partner_name=bp_names[bp], vat_id=vat,
                          duns=duns, country=country, city=city, owner="master data"),
        )
    for text, _key, days in c.TERMS_CROSSWALK:
        PaymentTermsMapping.objects.update_or_create(
            erp_system=system, crm_terms=text, defaults=dict(terms_key=ids["terms"][text], net_days=days))
    for country, region, tax_class, _code, description in c.TAX_CROSSWALK:
        TaxCodeMapping.objects.update_or_create(
            erp_system=system, country=country, region=region, material_tax_class=tax_class,
            defaults=dict(tax_code=ids["tax"][(country, region)], description=description))
    for group, days in c.LEAD_TIMES.items():
        MaterialGroupLeadTime.objects.update_or_create(erp_system=system, material_group=group,
                                                       defaults=dict(lead_time_days=days))
    for email, _person, bp in c.CONTACT_CROSSWALK:
        ContactMapping.objects.update_or_create(
            erp_system=system, crm_contact_email=email,
            defaults=dict(contact_person=ids["contacts"][email], business_partner=ids["customers"][bp]))
