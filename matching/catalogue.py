"""The catalogues the resolvers search: crosswalk mappings (names and aliases) plus the ERP's own master data.

`product_matcher()` indexes every active, currently valid product mapping under its CRM name, each alias and the
ERP description, and every ERP material nobody has mapped yet (from `sync_erp_master`); `customer_matcher()` does
the same for customers and business partners. Each ERP has its own catalogue (its own identifiers). A matcher is built once per process and rebuilt when its tables
change (a count and the latest change time are checked on each call — two cheap aggregate queries).
"""

from __future__ import annotations

import datetime as dt
import threading

from django.db.models import Count, Max, Q
from django.utils import timezone

from crosswalk.models import CustomerMapping, ErpBusinessPartner, ErpMaterial, MappingStatus, ProductMapping

from .entities import Matcher
from .records import Flavour, Record

_lock = threading.Lock()
_cache: dict[str, tuple[tuple, Matcher]] = {}


def valid_on(day: dt.date | None = None) -> Q:
    """Active mappings whose validity (from/to, both optional) includes `day` (today by default)."""
    day = day or timezone.localdate()
    return (Q(status=MappingStatus.ACTIVE) & (Q(valid_from__isnull=True) | Q(valid_from__lte=day))
            & (Q(valid_to__isnull=True) | Q(valid_to__gte=day)))


def _version(*querysets_and_fields) -> tuple:
    out = [timezone.localdate()]  # validity windows move with the calendar
    for queryset, changed_field in querysets_and_fields:
        row = queryset.aggregate(n=Count("pk"), latest=Max(changed_field))
        out += [row["n"], row["latest"]]
    return tuple(out)


def _cached(name: str, version: tuple, build) -> Matcher:
    with _lock:
        hit = _cache.get(name)
        if hit and hit[0] == version:
            return hit[1]
    matcher = build()
    with _lock:
        _cache[name] = (version, matcher)
    return matcher


def product_matcher(erp_system: str = "sap") -> Matcher:
    mappings = ProductMapping.objects.filter(valid_on(), erp_system=erp_system)
    materials = ErpMaterial.objects.filter(is_blocked=False, erp_system=erp_system)
    version = _version((ProductMapping.objects.filter(erp_system=erp_system), "updated_at"),
                       (ErpMaterial.objects.filter(erp_system=erp_system), "synced_at"))
    return _cached(f"product:{erp_system}", version, lambda: Matcher(_product_records(mappings, materials), Flavour.PRODUCT))


def _product_records(mappings, materials):
    mapped = set()
    for row in mappings:
        mapped.add(row.material)
        data = {"label": row.material_description or row.crm_product_name, "source": "crosswalk",
                "material_group": row.material_group, "unit": row.unit, "tax_class": row.tax_class}
        for text in dict.fromkeys([row.crm_product_name, *(row.aliases or []), row.material_description]):
            if text:
                yield Record(row.material, text, data=data)
    for material in materials:
        if material.material in mapped:
            continue
        data = {"label": material.description, "source": "erp", "material_group": material.material_group,
                "unit": material.base_unit or "EA", "tax_class": "1"}
        for text in dict.fromkeys([material.description, *material.descriptions.values()]):
            if text:
                yield Record(material.material, text, data=data)


def customer_matcher(erp_system: str = "sap") -> Matcher:
    mappings = CustomerMapping.objects.filter(valid_on(), erp_system=erp_system)
    partners = ErpBusinessPartner.objects.filter(is_blocked=False, erp_system=erp_system)
    version = _version((CustomerMapping.objects.filter(erp_system=erp_system), "updated_at"),
                       (ErpBusinessPartner.objects.filter(erp_system=erp_system), "synced_at"))
    return _cached(f"customer:{erp_system}", version, lambda: Matcher(_customer_records(mappings, partners), Flavour.COMPANY))


def _customer_records(mappings, partners):
    mapped = set()
    for row in mappings:
        mapped.add(row.business_partner)
        data = {"label": row.business_partner_name or row.crm_account_name, "source": "crosswalk",
                "ship_to_party": row.ship_to_party or row.business_partner, "country": row.country, "city": row.city}
        for text in dict.fromkeys([row.crm_account_name, *(row.aliases or []), row.business_partner_name]):
            if text:
                yield Record(row.business_partner, text, data=data)
    for partner in partners:
        if partner.business_partner not in mapped and partner.name:
            data = {"label": partner.name, "source": "erp", "ship_to_party": partner.business_partner,
                    "country": partner.country, "city": partner.city}
            yield Record(partner.business_partner, partner.name, data=data)


def forget() -> None:
    """Drop the cached matchers (tests; after a bulk import in the same process)."""
    with _lock:
        _cache.clear()
