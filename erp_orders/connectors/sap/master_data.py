"""Reading SAP S/4HANA's material and business-partner master (API_PRODUCT_SRV, API_BUSINESS_PARTNER), for the
crosswalk's candidates (`manage.py sync_erp_master`).

HTTP, auth and SAP's error mapping are SapClient's (client.py); this module knows which resources to page through
and turns each entity into a plain dict (`material_from_entity`, `business_partner_from_entity` — pure functions).

  A_Product?$expand=to_Description            Product, ProductType, BaseUnit, ProductGroup, IsMarkedForDeletion,
                                              descriptions by Language (the EN one is the description)
  A_BusinessPartner?$expand=to_BusinessPartnerAddress,to_BusinessPartnerTax
                                              BusinessPartner, BusinessPartnerFullName, BusinessPartnerCategory,
                                              BusinessPartnerIsBlocked, first address, VAT (BPTaxType ending in 0)
"""

from __future__ import annotations

from collections.abc import Iterator

from .client import SapClient
from .mappers import results

PRODUCT_SERVICE = "/sap/opu/odata/sap/API_PRODUCT_SRV"
BUSINESS_PARTNER_SERVICE = "/sap/opu/odata/sap/API_BUSINESS_PARTNER"
PAGE = 500
DESCRIPTION_LANGUAGE = "EN"


def _children(entity: dict, navigation: str) -> list[dict]:
    value = entity.get(navigation) or {}
    return value.get("results", []) if isinstance(value, dict) else list(value)


def material_from_entity(product: dict) -> dict:
    descriptions = {d.get("Language", ""): d.get("ProductDescription", "") for d in _children(product, "to_Description")}
    main = descriptions.get(DESCRIPTION_LANGUAGE) or next(iter(descriptions.values()), "")
    return {
        "material": product["Product"],
        "description": main,
        "descriptions": {lang: text for lang, text in descriptions.items() if text and lang != DESCRIPTION_LANGUAGE},
        "material_group": product.get("ProductGroup", "") or "",
        "base_unit": product.get("BaseUnit", "") or "",
        "product_type": product.get("ProductType", "") or "",
        "is_blocked": bool(product.get("IsMarkedForDeletion")),
    }


def business_partner_from_entity(partner: dict) -> dict:
    addresses = _children(partner, "to_BusinessPartnerAddress")
    address = addresses[0] if addresses else {}
    taxes = _children(partner, "to_BusinessPartnerTax")
    # VAT registration numbers are the tax types <country>0 (DE0, FR0, GB0 …); others are national tax numbers.
    vat = next((t.get("BPTaxNumber", "") for t in taxes if str(t.get("BPTaxType", "")).endswith("0")), "")
    street = " ".join(p for p in (address.get("StreetName", ""), address.get("HouseNumber", "")) if p)
    return {
        "business_partner": partner["BusinessPartner"],
        "name": partner.get("BusinessPartnerFullName") or partner.get("OrganizationBPName1") or "",
        "category": partner.get("BusinessPartnerCategory", "") or "",
        "is_blocked": bool(partner.get("BusinessPartnerIsBlocked")),
        "vat_id": vat,
        "street": street,
        "city": address.get("CityName", "") or "",
        "postal_code": address.get("PostalCode", "") or "",
        "region": address.get("Region", "") or "",
        "country": address.get("Country", "") or "",
    }


def _pages(client: SapClient, service: str, entity_set: str, options: dict, *, action: str) -> Iterator[dict]:
    skip = 0
    while True:
        page = results(client.get(service, entity_set, {**options, "$top": str(PAGE), "$skip": str(skip)}, action=action))
        yield from page
        if len(page) < PAGE:
            return
        skip += PAGE


def read_materials(client: SapClient) -> list[dict]:
    return [material_from_entity(p) for p in _pages(client, PRODUCT_SERVICE, "A_Product", {"$expand": "to_Description"},
                                                    action="read the material master")]


def read_business_partners(client: SapClient) -> list[dict]:
    options = {"$expand": "to_BusinessPartnerAddress,to_BusinessPartnerTax"}
    return [business_partner_from_entity(p) for p in _pages(client, BUSINESS_PARTNER_SERVICE, "A_BusinessPartner", options,
                                                             action="read the business partners")]


def read_master_data() -> dict[str, list[dict]]:
    """Both masters through one SAP session (settings.SAP_BASE_URL / SAP_USER / SAP_PASSWORD)."""
    with SapClient() as client:
        return {"materials": read_materials(client), "business_partners": read_business_partners(client)}
