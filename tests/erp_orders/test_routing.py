"""Which ERP receives a deal is data: routing rules in the admin, first match by priority, every criterion filled in
must match, the default ERP otherwise — and the handoff records the rule."""

from __future__ import annotations

import dataclasses

import pytest
from django.contrib.admin.sites import site

from erp_orders.models import ErpRoute
from erp_orders.routing import route_deal
from handoff_project.integration.canonical import Address, Deal, from_dict
from tests.factories import canonical_deal

pytestmark = pytest.mark.django_db


def deal(**changes) -> Deal:
    return dataclasses.replace(from_dict(Deal, canonical_deal()), **changes)  # ships to DE, Salesforce


def test_no_rule_matches_so_the_default_erp_receives_the_deal(settings):
    settings.DEFAULT_ERP_SYSTEM = "sap"
    ErpRoute.objects.create(priority=1, name="UK to NetSuite", countries="GB", erp_system="netsuite")
    route = route_deal(deal())
    assert (route.erp_system, route.rule) == ("sap", "default")


def test_the_first_matching_rule_by_priority_wins_and_says_why():
    ErpRoute.objects.create(priority=20, name="Germany to Odoo", countries="DE", erp_system="odoo")
    ErpRoute.objects.create(priority=10, name="DACH to Business Central", countries="DE,AT,CH", erp_system="business_central")
    route = route_deal(deal())
    assert (route.erp_system, route.rule) == ("business_central", "DACH to Business Central")
    assert "ship-to country DE" in route.why and "priority 10" in route.why


def test_every_filled_in_criterion_must_match():
    ErpRoute.objects.create(priority=1, name="EMEA services from HubSpot", crm_system="hubspot", business_unit="EMEA Services",
                            erp_system="odoo")
    ErpRoute.objects.create(priority=2, name="EMEA services", business_unit="emea services", erp_system="oracle")
    services = deal(business_unit="EMEA Services")
    assert route_deal(services).erp_system == "oracle", "the CRM differs, so the first rule does not match"
    assert route_deal(dataclasses.replace(services, crm_system="hubspot")).erp_system == "odoo"
    assert route_deal(deal(business_unit="Hardware")).rule == "default"


def test_inactive_rules_and_the_selling_company_criterion():
    ErpRoute.objects.create(priority=1, name="switched off", erp_system="netsuite", active=False)
    ErpRoute.objects.create(priority=2, name="public sector", selling_company="Handoff Public Sector Inc.", erp_system="oracle")
    assert route_deal(deal()).rule == "default"
    assert route_deal(deal(selling_company="Handoff Public Sector Inc.")).erp_system == "oracle"


def test_the_ship_to_country_falls_back_to_the_account_address():
    ErpRoute.objects.create(priority=1, name="UK", countries="GB", erp_system="netsuite")
    d = deal(ship_to=Address())
    d = dataclasses.replace(d, account=dataclasses.replace(d.account, billing_address=Address(city="London", country="GB")))
    assert route_deal(d).erp_system == "netsuite"


def test_the_admin_form_refuses_an_unknown_erp_and_malformed_countries():
    form_class = site._registry[ErpRoute].get_form(request=None)
    form = form_class(data={"priority": 1, "name": "x", "active": True, "erp_system": "sapp", "countries": "Germany"})
    assert not form.is_valid()
    assert "erp_system" in form.errors and "countries" in form.errors
    form = form_class(data={"priority": 1, "name": "x", "active": True, "erp_system": "odoo", "countries": "de, at"})
    assert form.is_valid(), form.errors
    assert form.cleaned_data["countries"] == "DE,AT"
