"""Load the demo world into the crosswalks, the SAP sandbox and the Salesforce sandbox. Idempotent."""

from __future__ import annotations

import datetime as dt

from django.contrib.auth.models import Group, User
from django.db import transaction

from crosswalk.models import (
    ContactMapping,
    CustomerMapping,
    MaterialGroupLeadTime,
    PaymentTermsMapping,
    ProductMapping,
    TaxCodeMapping,
)
from handoff_project.sandbox.models import SandboxRecord

from . import catalogue as c

DEMO_USERS = [
    # username, groups, superuser
    ("ops", ["ops"], False),
    ("approver", ["approver"], False),
    ("masterdata", ["master_data"], False),
    ("viewer", ["viewer"], False),
    ("admin", [], True),
]


def seed_users() -> list[str]:
    """The demo logins of contract.md, password demo-<username>. Demo only: never created outside seed_demo."""
    for username, groups, superuser in DEMO_USERS:
        user, _ = User.objects.get_or_create(username=username, defaults={"email": f"{username}@demo.invalid"})
        user.is_staff = superuser or "master_data" in groups
        user.is_superuser = superuser
        user.set_password(f"demo-{username}")
        user.save()
        user.groups.set(Group.objects.filter(name__in=groups))
        if "master_data" in groups:
            from django.contrib.auth.models import Permission

            user.user_permissions.set(Permission.objects.filter(content_type__app_label="crosswalk"))
    return [u for u, _g, _s in DEMO_USERS]


@transaction.atomic
def seed_crosswalks() -> None:
    materials = {m[0]: m for m in c.SAP_MATERIALS}
    for name, code, material, tax_class in c.PRODUCT_CROSSWALK:
        _mat, description, group, unit, _price = materials[material]
        ProductMapping.objects.update_or_create(
            crm_product_code=code,
            defaults=dict(crm_product_name=name, material=material, material_description=description,
                          material_group=group, unit=unit, tax_class=tax_class, owner="master data"),
        )
    bp_names = {bp["BusinessPartner"]: bp["BusinessPartnerFullName"] for bp in c.SAP_BUSINESS_PARTNERS}
    for name, bp, vat, duns, country, city in c.CUSTOMER_CROSSWALK:
        CustomerMapping.objects.update_or_create(
            crm_account_name=name,
            defaults=dict(business_partner=bp, business_partner_name=bp_names[bp], vat_id=vat, duns=duns,
                          country=country, city=city, owner="master data"),
        )
    for text, key, days in c.TERMS_CROSSWALK:
        PaymentTermsMapping.objects.update_or_create(crm_terms=text, defaults=dict(terms_key=key, net_days=days))
    for country, region, tax_class, code, description in c.TAX_CROSSWALK:
        TaxCodeMapping.objects.update_or_create(
            country=country, region=region, material_tax_class=tax_class, defaults=dict(tax_code=code, description=description)
        )
    for group, days in c.LEAD_TIMES.items():
        MaterialGroupLeadTime.objects.update_or_create(material_group=group, defaults=dict(lead_time_days=days))
    for email, person, bp in c.CONTACT_CROSSWALK:
        ContactMapping.objects.update_or_create(crm_contact_email=email, defaults=dict(contact_person=person, business_partner=bp))


def seed_credit() -> None:
    """The AR summary of the demo customers (in production it is loaded from the ERP)."""
    from erp_orders.models import CustomerCredit

    bp_names = {bp["BusinessPartner"]: bp["BusinessPartnerFullName"] for bp in c.SAP_BUSINESS_PARTNERS}
    for bp, open_amount, limit, days, aging, invoices in c.CUSTOMER_CREDIT:
        CustomerCredit.objects.update_or_create(erp_system="sap", business_partner=bp, defaults=dict(
            customer_name=bp_names[bp], currency="USD", open_amount=open_amount, credit_limit=limit, days_outstanding=days,
            aging=aging, open_invoices=invoices,
        ))


def seed_sap() -> None:
    from erp_orders.connectors.sap.sandbox import seed_master_data

    seed_master_data(
        {
            "business_partners": c.SAP_BUSINESS_PARTNERS,
            "materials": [
                {"Product": m, "ProductDescription": d, "MaterialGroup": g, "BaseUnit": u} for m, d, g, u, _p in c.SAP_MATERIALS
            ],
            "prices": [
                *[{"Material": m, "ConditionRateValue": p, "ConditionCurrency": "USD"} for m, _d, _g, _u, p in c.SAP_MATERIALS],
                *[{"Material": m, "Customer": bp, "ConditionRateValue": p, "ConditionCurrency": "USD"} for m, bp, p in c.SAP_CUSTOMER_PRICES],
            ],
            "payment_terms": c.SAP_PAYMENT_TERMS,
        }
    )


def seed_salesforce(*, close_date: dt.date | None = None) -> int:
    """Create the demo accounts, products, contacts and open opportunities (skipping those that exist)."""
    from crm_sync.connectors.salesforce.sandbox import create_record

    def existing(name: str) -> dict | None:
        record = SandboxRecord.objects.filter(system="salesforce", data__Name=name).first()
        return record.data if record else None

    close_date = close_date or dt.date.today()
    accounts = {a["Name"]: (existing(a["Name"]) or create_record("Account", a))["Id"] for a in c.SALESFORCE_ACCOUNTS}
    products = {
        name: (existing(name) or create_record("Product2", {"Name": name, "ProductCode": code, "IsActive": True}))["Id"]
        for name, code in c.SALESFORCE_PRODUCTS
    }
    contacts = {}
    for account, first, last, email in c.SALESFORCE_CONTACTS:
        found = SandboxRecord.objects.filter(system="salesforce", data__Email=email).first()
        contacts[account] = (found.data if found else create_record(
            "Contact", {"AccountId": accounts[account], "FirstName": first, "LastName": last, "Email": email}
        ))["Id"]
    created = 0
    for name, account, terms, lines, _shows in c.SALESFORCE_OPPORTUNITIES:
        if existing(name):
            continue
        opportunity = create_record(
            "Opportunity",
            {"Name": name, "AccountId": accounts[account], "StageName": "Negotiation/Review",
             "CloseDate": close_date.isoformat(), "Payment_Terms__c": terms, "CurrencyIsoCode": "USD"},
        )
        for product, quantity, price, discount in lines:
            create_record(
                "OpportunityLineItem",
                {"OpportunityId": opportunity["Id"], "Product2Id": products[product], "Quantity": float(quantity),
                 "UnitPrice": float(price), "Discount": float(discount)},
            )
        create_record("OpportunityContactRole", {"OpportunityId": opportunity["Id"], "ContactId": contacts[account], "IsPrimary": True, "Role": "Decision Maker"})
        created += 1
    return created
