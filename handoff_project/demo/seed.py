"""Load the demo world into the crosswalks, the SAP sandbox and the Salesforce sandbox. Idempotent."""

from __future__ import annotations

import datetime as dt

from django.contrib.auth.models import Group, User

from handoff_project.sandbox.models import SandboxRecord

from . import catalogue as c
from . import erp_world

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


def seed_crosswalks(systems=erp_world.ERP_SYSTEMS) -> None:
    """The crosswalks of every ERP: the same CRM names and codes, each ERP's own identifiers."""
    for system in systems:
        erp_world.seed_crosswalks(system)


def seed_routes() -> None:
    """Demo routing: German-speaking ship-tos to Business Central, the UK to NetSuite, the EMEA services business
    unit to Odoo, the public-sector company to Oracle; everything else to SAP (DEFAULT_ERP_SYSTEM)."""
    from erp_orders.models import ErpRoute

    for priority, name, fields in c.ERP_ROUTES:
        ErpRoute.objects.update_or_create(name=name, defaults={"priority": priority, **fields})


def seed_erps(systems=erp_world.ERP_SYSTEMS) -> list[str]:
    """Load the demo master data into each ERP sandbox whose connector exists (a missing one is skipped)."""
    loaded = []
    for system in systems:
        try:
            erp_world.seed_erp(system)
        except ModuleNotFoundError:
            continue
        loaded.append(system)
    return loaded


def seed_credit() -> None:
    """The AR summary of the demo customers (in production it is loaded from the ERP)."""
    from erp_orders.models import CustomerCredit

    bp_names = {bp["BusinessPartner"]: bp["BusinessPartnerFullName"] for bp in c.SAP_BUSINESS_PARTNERS}
    for system in erp_world.ERP_SYSTEMS:
        for bp, open_amount, limit, days, aging, invoices, strategic in c.CUSTOMER_CREDIT:
            CustomerCredit.objects.update_or_create(
                erp_system=system, business_partner=erp_world.customer_id(system, bp), defaults=dict(
                    customer_name=bp_names[bp], currency="USD", open_amount=open_amount, credit_limit=limit,
                    days_outstanding=days, aging=aging, open_invoices=invoices, strategic_account=strategic))


def seed_sap() -> None:
    erp_world.seed_erp("sap")


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
