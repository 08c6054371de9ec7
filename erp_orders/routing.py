"""Which ERP receives a deal (architecture: "which ERP receives a deal is data").

Rules are `ErpRoute` rows the admin edits: each names any of CRM, business unit, selling company and ship-to
countries; empty criteria match anything. The first active rule by priority whose criteria all match wins, and the
handoff records which rule it was. Without a matching rule the deal goes to settings.DEFAULT_ERP_SYSTEM.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.conf import settings

from handoff_project.integration.canonical import Deal

from .connectors.base import ADAPTERS
from .models import ErpRoute


@dataclass(frozen=True)
class Route:
    erp_system: str
    rule: str  # the rule's name, or "default"
    why: str


def route_deal(deal: Deal, rules=None) -> Route:
    rules = list(ErpRoute.objects.filter(active=True)) if rules is None else rules
    country = (deal.ship_to.country or deal.account.shipping_address.country or deal.account.billing_address.country).upper()
    for rule in rules:
        matched = _matches(rule, deal, country)
        if matched is not None:
            if rule.erp_system not in ADAPTERS:
                continue  # a rule naming an ERP we have no connector for never routes (admin validation shows it)
            return Route(rule.erp_system, rule.name, f"rule {rule.name!r} (priority {rule.priority}): {matched}")
    default = settings.DEFAULT_ERP_SYSTEM
    return Route(default, "default", f"no routing rule matched; DEFAULT_ERP_SYSTEM is {default}")


def _matches(rule: ErpRoute, deal: Deal, country: str) -> str | None:
    """A sentence saying why the rule matches, or None."""
    said = []
    if rule.crm_system:
        if rule.crm_system != deal.crm_system:
            return None
        said.append(f"CRM {deal.crm_system}")
    if rule.business_unit:
        if rule.business_unit.strip().lower() != deal.business_unit.strip().lower():
            return None
        said.append(f"business unit {deal.business_unit}")
    if rule.selling_company:
        if rule.selling_company.strip().lower() != deal.selling_company.strip().lower():
            return None
        said.append(f"selling company {deal.selling_company}")
    if rule.country_list:
        if country not in rule.country_list:
            return None
        said.append(f"ship-to country {country}")
    return ", ".join(said) or "matches every deal"
