"""The SAP emulator's master data services: materials (API_PRODUCT_SRV) and business partners (API_BUSINESS_PARTNER).

Served under /sandbox/sap/ (wired before the sales-order emulator in handoff_project/sandbox/urls.py) from the
master data the emulator already holds (sandbox.seed_master_data: "materials", "business_partners"), with SAP's own
paths, entity and property names, Basic auth and fault injection shared with sandbox.py:

  /sap/opu/odata/sap/API_PRODUCT_SRV/
      A_Product ($filter, $expand=to_Description, $top, $skip, $orderby, $inlinecount)  ·  A_Product('TG11')
      A_ProductDescription ($filter, e.g. Product eq 'TG11')
      A_ProductValuation ($filter, e.g. Product eq 'TG11'): the material's cost (standard price, valuation area 1710)
  /sap/opu/odata/sap/API_BUSINESS_PARTNER/
      A_BusinessPartner ($filter, $expand=to_BusinessPartnerAddress,to_BusinessPartnerTax, paging)
      A_BusinessPartner('17100001')  ·  A_BusinessPartnerAddress ($filter)

A seeded material may carry "Descriptions" ({"DE": "…"}) besides its ProductDescription (EN); a seeded partner
"StreetName", "HouseNumber", "PostalCode", "Region", "VATRegistration" besides its name, country and city.
"""

from __future__ import annotations

from django.http import JsonResponse
from django.urls import re_path

from handoff_project.sandbox import store

from . import sandbox_odata as odata
from .sandbox import api
from .sandbox_orders import MATERIALS, PARTNERS, SYSTEM

PRODUCT_SERVICE, BP_SERVICE = "API_PRODUCT_SRV", "API_BUSINESS_PARTNER"
PRODUCT = ["Product", "ProductType", "CrossPlantStatus", "CreationDate", "IsMarkedForDeletion", "ProductGroup",
           "BaseUnit", "ItemCategoryGroup", "Division", "GrossWeight", "WeightUnit"]
DESCRIPTION = ["Product", "Language", "ProductDescription"]
VALUATION = ["Product", "ValuationArea", "ValuationType", "ValuationClass", "PriceDeterminationControl",
             "InventoryValuationProcedure", "StandardPrice", "MovingAveragePrice", "PriceUnitQty", "Currency", "BaseUnit"]
VALUATION_AREA = "1710"
PARTNER = ["BusinessPartner", "Customer", "Supplier", "BusinessPartnerCategory", "BusinessPartnerFullName",
           "BusinessPartnerName", "OrganizationBPName1", "BusinessPartnerGrouping", "BusinessPartnerIsBlocked",
           "CorrespondenceLanguage", "CreationDate"]
ADDRESS = ["BusinessPartner", "AddressID", "CityName", "Country", "HouseNumber", "PostalCode", "Region", "StreetName",
           "Language"]
TAX = ["BusinessPartner", "BPTaxType", "BPTaxNumber"]


def _json(body: dict) -> JsonResponse:
    return JsonResponse(body, content_type="application/json; charset=utf-8", json_dumps_params={"ensure_ascii": False})


def _not_found(entity_type: str) -> odata.ODataError:
    return odata.ODataError(404, "/IWBEP/CM_MGW_RT/020", f"Resource not found for segment '{entity_type}'")


# ---- materials -------------------------------------------------------------------------------------------------------


def _product(material: dict) -> dict:
    return {"Product": material["Product"], "ProductType": material.get("ProductType", "FERT"), "CrossPlantStatus": "",
            "CreationDate": None, "IsMarkedForDeletion": bool(material.get("IsMarkedForDeletion", False)),
            "ProductGroup": material.get("MaterialGroup", ""), "BaseUnit": material.get("BaseUnit", "PC"),
            "ItemCategoryGroup": "NORM", "Division": "00", "GrossWeight": "0.000", "WeightUnit": ""}


def _descriptions(material: dict) -> list[dict]:
    texts = {"EN": material.get("ProductDescription", ""), **(material.get("Descriptions") or {})}
    return [{"Product": material["Product"], "Language": lang, "ProductDescription": text} for lang, text in texts.items() if text]


def _render_description(row: dict, root: str) -> dict:
    uri = f"{root}A_ProductDescription(Product='{row['Product']}',Language='{row['Language']}')"
    return odata.render(row, uri=uri, type_name=f"{PRODUCT_SERVICE}.A_ProductDescriptionType", properties=DESCRIPTION,
                        navigations={}, expand=[])


def _render_product(material: dict, root: str, expand, select=()) -> dict:
    return odata.render(
        _product(material), uri=f"{root}A_Product('{material['Product']}')", type_name=f"{PRODUCT_SERVICE}.A_ProductType",
        properties=PRODUCT, expand=expand, select=select,
        navigations={"to_Description": lambda _d: ("many", [_render_description(r, root) for r in _descriptions(material)])})


@api(PRODUCT_SERVICE)
def product_service_document(request, *, user, root):
    return _json({"d": {"EntitySets": ["A_Product", "A_ProductDescription", "A_ProductValuation"]}})


@api(PRODUCT_SERVICE)
def products(request, *, user, root):
    return _collection(request, store.all_of(SYSTEM, MATERIALS), "Product", _product, _render_product, root)


@api(PRODUCT_SERVICE)
def product(request, number, *, user, root):
    material = store.get(SYSTEM, MATERIALS, number)
    if material is None:
        raise _not_found("A_ProductType")
    return _entity(request, material, _render_product, root)


@api(PRODUCT_SERVICE)
def product_descriptions(request, *, user, root):
    rows = [row for m in store.all_of(SYSTEM, MATERIALS) for row in _descriptions(m)]
    page, count = odata.apply_query(rows, request.GET)
    return _json(odata.collection_body([_render_description(r, root) for r in page], None))


def _valuation(material: dict) -> dict | None:
    price = material.get("StandardPrice")
    if price in (None, ""):
        return None
    return {"Product": material["Product"], "ValuationArea": VALUATION_AREA, "ValuationType": "", "ValuationClass": "7920",
            "PriceDeterminationControl": "2", "InventoryValuationProcedure": "S", "StandardPrice": str(price),
            "MovingAveragePrice": str(price), "PriceUnitQty": "1", "Currency": material.get("Currency", "USD"),
            "BaseUnit": material.get("BaseUnit", "PC")}


@api(PRODUCT_SERVICE)
def product_valuations(request, *, user, root):
    rows = [v for v in (_valuation(m) for m in store.all_of(SYSTEM, MATERIALS)) if v]
    page, _count = odata.apply_query(rows, request.GET)
    return _json(odata.collection_body([
        odata.render(r, uri=f"{root}A_ProductValuation(Product='{r['Product']}',ValuationArea='{r['ValuationArea']}',ValuationType='')",
                     type_name=f"{PRODUCT_SERVICE}.A_ProductValuationType", properties=VALUATION, navigations={},
                     expand=[], select=odata.select_list(request.GET)) for r in page], None))


# ---- business partners -------------------------------------------------------------------------------------------------


def _partner(record: dict) -> dict:
    name = record.get("BusinessPartnerFullName", "")
    return {"BusinessPartner": record["BusinessPartner"], "Customer": record["BusinessPartner"], "Supplier": "",
            "BusinessPartnerCategory": record.get("BusinessPartnerCategory", "2"), "BusinessPartnerFullName": name,
            "BusinessPartnerName": name, "OrganizationBPName1": name[:40], "BusinessPartnerGrouping": "BP02",
            "BusinessPartnerIsBlocked": bool(record.get("BusinessPartnerIsBlocked", False)),
            "CorrespondenceLanguage": "EN", "CreationDate": None}


def _address(record: dict) -> dict:
    return {"BusinessPartner": record["BusinessPartner"], "AddressID": "1", "CityName": record.get("CityName", ""),
            "Country": record.get("Country", ""), "HouseNumber": record.get("HouseNumber", ""),
            "PostalCode": record.get("PostalCode", ""), "Region": record.get("Region", ""),
            "StreetName": record.get("StreetName", ""), "Language": "EN"}


def _taxes(record: dict) -> list[dict]:
    vat = record.get("VATRegistration", "")
    return [{"BusinessPartner": record["BusinessPartner"], "BPTaxType": f"{vat[:2]}0", "BPTaxNumber": vat}] if vat else []


def _render_address(row: dict, root: str) -> dict:
    uri = f"{root}A_BusinessPartnerAddress(BusinessPartner='{row['BusinessPartner']}',AddressID='{row['AddressID']}')"
    return odata.render(row, uri=uri, type_name=f"{BP_SERVICE}.A_BusinessPartnerAddressType", properties=ADDRESS,
                        navigations={}, expand=[])


def _render_tax(row: dict, root: str) -> dict:
    uri = f"{root}A_BusinessPartnerTaxNumber(BusinessPartner='{row['BusinessPartner']}',BPTaxType='{row['BPTaxType']}')"
    return odata.render(row, uri=uri, type_name=f"{BP_SERVICE}.A_BusinessPartnerTaxNumberType", properties=TAX,
                        navigations={}, expand=[])


def _render_partner(record: dict, root: str, expand, select=()) -> dict:
    return odata.render(
        _partner(record), uri=f"{root}A_BusinessPartner('{record['BusinessPartner']}')",
        type_name=f"{BP_SERVICE}.A_BusinessPartnerType", properties=PARTNER, expand=expand, select=select,
        navigations={
            "to_BusinessPartnerAddress": lambda _d: ("many", [_render_address(_address(record), root)]),
            "to_BusinessPartnerTax": lambda _d: ("many", [_render_tax(t, root) for t in _taxes(record)]),
        })


@api(BP_SERVICE)
def business_partners(request, *, user, root):
    return _collection(request, store.all_of(SYSTEM, PARTNERS), "BusinessPartner", _partner, _render_partner, root)


@api(BP_SERVICE)
def business_partner(request, number, *, user, root):
    record = store.get(SYSTEM, PARTNERS, number)
    if record is None:
        raise _not_found("A_BusinessPartnerType")
    return _entity(request, record, _render_partner, root)


@api(BP_SERVICE)
def business_partner_addresses(request, *, user, root):
    page, _count = odata.apply_query([_address(p) for p in store.all_of(SYSTEM, PARTNERS)], request.GET)
    return _json(odata.collection_body([_render_address(r, root) for r in page], None))


_PRODUCT = r"^sap/opu/odata/sap/" + PRODUCT_SERVICE
_BP = r"^sap/opu/odata/sap/" + BP_SERVICE
urlpatterns = [
    re_path(_PRODUCT + r"/?$", product_service_document),
    re_path(_PRODUCT + r"/A_Product$", products),
    re_path(_PRODUCT + r"/A_Product\('(?P<number>[^']{1,40})'\)$", product),
    re_path(_PRODUCT + r"/A_ProductDescription$", product_descriptions),
    re_path(_PRODUCT + r"/A_ProductValuation$", product_valuations),
    re_path(_BP + r"/A_BusinessPartner$", business_partners),
    re_path(_BP + r"/A_BusinessPartner\('(?P<number>[^']{1,10})'\)$", business_partner),
    re_path(_BP + r"/A_BusinessPartnerAddress$", business_partner_addresses),
]


def _collection(request, records, key: str, to_row, render, root):
    """A queried entity set: $filter/$top/$skip/$orderby on the flat rows, then each row rendered with $expand/$select."""
    stored = {r[key]: r for r in records}
    page, count = odata.apply_query([to_row(r) for r in stored.values()], request.GET)
    expand, select = odata.expand_paths(request.GET), odata.select_list(request.GET)
    entities = [render(stored[row[key]], root, expand, select) for row in page]
    return _json(odata.collection_body(entities, count if request.GET.get("$inlinecount") == "allpages" else None))


def _entity(request, record, render, root):
    return _json({"d": render(record, root, odata.expand_paths(request.GET), odata.select_list(request.GET))})
