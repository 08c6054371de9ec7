"""The SAP emulator's purchasing side: purchase orders, goods receipts and suppliers, for invoice 3-way matching.

Served under /sandbox/sap/ (wired before the sales-order emulator in handoff_project/sandbox/urls.py), with SAP's
own paths, entity and property names, Basic auth and fault injection shared with sandbox.py:

  /sap/opu/odata/sap/API_PURCHASEORDER_PROCESS_SRV/
      A_PurchaseOrder  ($filter, $expand=to_PurchaseOrderItem, $top, $skip, $orderby, $inlinecount)
      A_PurchaseOrder('4500000001')[/to_PurchaseOrderItem]   ·   A_PurchaseOrderItem ($filter)
  /sap/opu/odata/sap/API_MATERIAL_DOCUMENT_SRV/
      A_MaterialDocumentHeader ($filter, $expand=to_MaterialDocumentItem)
      A_MaterialDocumentHeader(MaterialDocumentYear='2024',MaterialDocument='5000000001')[/to_MaterialDocumentItem]
      A_MaterialDocumentItem ($filter, e.g. PurchaseOrder eq '4500000001')
  /sap/opu/odata/sap/API_BUSINESS_PARTNER/A_Supplier('17300001')   (SupplierName, VATRegistration)
  /sandbox/sap/_seed_purchasing   POST {"suppliers": [...], "purchase_orders": [...], "goods_receipts": [...], "reset"}
  /sandbox/sap/_state_purchasing  GET  {"purchase_orders": [...], "goods_receipts": [...], "suppliers": [...]}

Amounts and quantities travel as strings (Edm.Decimal), dates as /Date(ms)/, like the real services.
"""

from __future__ import annotations

import datetime as dt
import json
from decimal import Decimal, InvalidOperation

from django.db import transaction
from django.http import JsonResponse
from django.urls import path, re_path
from django.views.decorators.csrf import csrf_exempt

from handoff_project.sandbox import store
from handoff_project.sandbox.models import SandboxRecord

from . import sandbox_odata as odata
from .mappers import format_odata_date
from .sandbox import api

SYSTEM = "sap"
PO_SERVICE, GR_SERVICE, BP_SERVICE = "API_PURCHASEORDER_PROCESS_SRV", "API_MATERIAL_DOCUMENT_SRV", "API_BUSINESS_PARTNER"
ORDERS, RECEIPTS, SUPPLIERS = "purchase_orders", "goods_receipts", "suppliers"
PO_HEADER = ["PurchaseOrder", "CompanyCode", "PurchaseOrderType", "PurchasingProcessingStatus", "CreationDate",
             "Supplier", "Language", "PaymentTerms", "PurchasingOrganization", "PurchasingGroup", "PurchaseOrderDate",
             "DocumentCurrency", "ExchangeRate", "IncotermsClassification"]
PO_ITEM = ["PurchaseOrder", "PurchaseOrderItem", "PurchaseOrderItemText", "Plant", "StorageLocation", "MaterialGroup",
           "Material", "OrderQuantity", "PurchaseOrderQuantityUnit", "OrderPriceUnit", "DocumentCurrency",
           "NetPriceAmount", "NetPriceQuantity", "TaxCode", "OverdelivTolrtdLmtRatioInPct",
           "UnderdelivTolrtdLmtRatioInPct", "IsCompletelyDelivered", "IsFinallyInvoiced", "GoodsReceiptIsExpected",
           "InvoiceIsExpected", "InvoiceIsGoodsReceiptBased", "PurchasingDocumentDeletionCode"]
GR_HEADER = ["MaterialDocumentYear", "MaterialDocument", "InventoryTransactionType", "DocumentDate", "PostingDate",
             "CreationDate", "MaterialDocumentHeaderText", "ReferenceDocument", "GoodsMovementCode"]
GR_ITEM = ["MaterialDocumentYear", "MaterialDocument", "MaterialDocumentItem", "Material", "Plant", "StorageLocation",
           "GoodsMovementType", "Supplier", "PurchaseOrder", "PurchaseOrderItem", "EntryUnit", "QuantityInEntryUnit",
           "MaterialBaseUnit", "QuantityInBaseUnit", "GoodsMovementIsCancelled", "ReversedMaterialDocument"]
SUPPLIER = ["Supplier", "SupplierName", "SupplierFullName", "VATRegistration", "Country"]


# ---- seeding -------------------------------------------------------------------------------------------------------


def _decimal(value, where: str) -> str:
    try:
        return format(Decimal(str(value)), "f")
    except InvalidOperation:
        raise ValueError(f"{where} must be a decimal, got {value!r}") from None


def _date(value) -> str:
    return format_odata_date(dt.date.fromisoformat(str(value)[:10])) if value else None


def seed_purchasing(data: dict) -> dict:
    """Load suppliers, purchase orders (with "items") and goods receipts (with "items"); idempotent by key.
    Dates are ISO strings here and /Date(ms)/ on the wire."""
    if not isinstance(data, dict):
        raise ValueError("purchasing data must be a JSON object")
    unknown = set(data) - {"suppliers", "purchase_orders", "goods_receipts", "reset"}
    if unknown:
        raise ValueError(f"unknown keys {sorted(unknown)}; use suppliers, purchase_orders, goods_receipts, reset")
    with transaction.atomic():
        if data.get("reset"):
            SandboxRecord.objects.filter(system=SYSTEM, collection__in=[ORDERS, RECEIPTS, SUPPLIERS]).delete()
        for supplier in data.get("suppliers") or []:
            record = {k: "" for k in SUPPLIER} | {k: str(v) for k, v in supplier.items() if k in SUPPLIER}
            store.put(SYSTEM, SUPPLIERS, record["Supplier"], record)
        for order in data.get("purchase_orders") or []:
            store.put(SYSTEM, ORDERS, str(order["PurchaseOrder"]), _order(order))
        for receipt in data.get("goods_receipts") or []:
            record = _receipt(receipt)
            store.put(SYSTEM, RECEIPTS, f"{record['MaterialDocumentYear']}|{record['MaterialDocument']}", record)
    return {name: store.count(SYSTEM, name) for name in (SUPPLIERS, ORDERS, RECEIPTS)}


def _order(order: dict) -> dict:
    number = str(order["PurchaseOrder"])
    header = {"CompanyCode": "1710", "PurchaseOrderType": "NB", "PurchasingProcessingStatus": "05", "Language": "EN",
              "PaymentTerms": "", "PurchasingOrganization": "1710", "PurchasingGroup": "001", "ExchangeRate": "1.00000",
              "IncotermsClassification": "", **{k: v for k, v in order.items() if k in PO_HEADER}}
    for key in ("CreationDate", "PurchaseOrderDate"):
        header[key] = _date(order.get(key) or order.get("PurchaseOrderDate") or dt.date.today().isoformat())
    items = []
    for item in order.get("items") or []:
        where = f"PO {number} item {item.get('PurchaseOrderItem')}"
        items.append({
            "Plant": "1710", "StorageLocation": "171A", "MaterialGroup": "", "Material": "", "PurchaseOrderItemText": "",
            "PurchaseOrderQuantityUnit": "PC", "TaxCode": "I1", "OverdelivTolrtdLmtRatioInPct": "0.0",
            "UnderdelivTolrtdLmtRatioInPct": "0.0", "IsCompletelyDelivered": False, "IsFinallyInvoiced": False,
            "GoodsReceiptIsExpected": True, "InvoiceIsExpected": True, "InvoiceIsGoodsReceiptBased": True,
            "PurchasingDocumentDeletionCode": "", **{k: v for k, v in item.items() if k in PO_ITEM},
            "PurchaseOrder": number, "PurchaseOrderItem": str(item["PurchaseOrderItem"]),
            "OrderQuantity": _decimal(item["OrderQuantity"], where), "NetPriceAmount": _decimal(item["NetPriceAmount"], where),
            "NetPriceQuantity": _decimal(item.get("NetPriceQuantity", 1), where),
            "DocumentCurrency": header["DocumentCurrency"],
            "OrderPriceUnit": item.get("OrderPriceUnit") or item.get("PurchaseOrderQuantityUnit") or "PC",
        })
    return {**header, "PurchaseOrder": number, "items": items}


def _receipt(receipt: dict) -> dict:
    posted = receipt.get("PostingDate") or dt.date.today().isoformat()
    header = {"InventoryTransactionType": "", "MaterialDocumentHeaderText": "", "ReferenceDocument": "",
              "GoodsMovementCode": "01", **{k: v for k, v in receipt.items() if k in GR_HEADER},
              "MaterialDocumentYear": str(receipt.get("MaterialDocumentYear") or posted[:4]),
              "MaterialDocument": str(receipt["MaterialDocument"])}
    header.update(PostingDate=_date(posted), DocumentDate=_date(receipt.get("DocumentDate") or posted),
                  CreationDate=_date(posted))
    items = []
    for number, item in enumerate(receipt.get("items") or [], 1):
        quantity = _decimal(item["QuantityInEntryUnit"], f"GR {header['MaterialDocument']} item {number}")
        items.append({"Plant": "1710", "StorageLocation": "171A", "GoodsMovementType": "101", "Supplier": "",
                      "EntryUnit": "PC", "MaterialBaseUnit": item.get("EntryUnit", "PC"), "QuantityInBaseUnit": quantity,
                      "GoodsMovementIsCancelled": False, "ReversedMaterialDocument": "", "Material": "",
                      **{k: v for k, v in item.items() if k in GR_ITEM},
                      "MaterialDocumentYear": header["MaterialDocumentYear"],
                      "MaterialDocument": header["MaterialDocument"],
                      "MaterialDocumentItem": str(item.get("MaterialDocumentItem") or number),
                      "QuantityInEntryUnit": quantity, "PurchaseOrderItem": str(item["PurchaseOrderItem"])})
    return {**header, "items": items}


# ---- rendering -----------------------------------------------------------------------------------------------------


def _render_item(item: dict, root: str) -> dict:
    uri = f"{root}A_PurchaseOrderItem(PurchaseOrder='{item['PurchaseOrder']}',PurchaseOrderItem='{item['PurchaseOrderItem']}')"
    return odata.render(item, uri=uri, type_name=f"{PO_SERVICE}.A_PurchaseOrderItemType", properties=PO_ITEM,
                        navigations={}, expand=[])


def _render_order(order: dict, root: str, expand, select=()) -> dict:
    uri = f"{root}A_PurchaseOrder('{order['PurchaseOrder']}')"
    items = lambda _deeper: ("many", [_render_item(i, root) for i in order["items"]])  # noqa: E731
    return odata.render(order, uri=uri, type_name=f"{PO_SERVICE}.A_PurchaseOrderType", properties=PO_HEADER,
                        navigations={"to_PurchaseOrderItem": items}, expand=expand, select=select)


def _gr_key(record: dict) -> str:
    return f"MaterialDocumentYear='{record['MaterialDocumentYear']}',MaterialDocument='{record['MaterialDocument']}'"


def _render_gr_item(item: dict, root: str) -> dict:
    uri = f"{root}A_MaterialDocumentItem({_gr_key(item)},MaterialDocumentItem='{item['MaterialDocumentItem']}')"
    return odata.render(item, uri=uri, type_name=f"{GR_SERVICE}.A_MaterialDocumentItemType", properties=GR_ITEM,
                        navigations={}, expand=[])


def _render_receipt(receipt: dict, root: str, expand, select=()) -> dict:
    items = lambda _deeper: ("many", [_render_gr_item(i, root) for i in receipt["items"]])  # noqa: E731
    return odata.render(receipt, uri=f"{root}A_MaterialDocumentHeader({_gr_key(receipt)})",
                        type_name=f"{GR_SERVICE}.A_MaterialDocumentHeaderType", properties=GR_HEADER,
                        navigations={"to_MaterialDocumentItem": items}, expand=expand, select=select)


def _collection(request, records: list[dict], render) -> JsonResponse:
    page, count = odata.apply_query(records, request.GET)
    entities = [render(r, odata.expand_paths(request.GET), odata.select_list(request.GET)) for r in page]
    return _json(odata.collection_body(entities, count if request.GET.get("$inlinecount") == "allpages" else None))


def _json(body: dict, status: int = 200) -> JsonResponse:
    return JsonResponse(body, status=status, json_dumps_params={"ensure_ascii": False})


def _not_found(entity_type: str) -> odata.ODataError:
    return odata.ODataError(404, "/IWBEP/CM_MGW_RT/020", f"Resource not found for segment '{entity_type}'",
                            component="MM-PUR-PO-API")


# ---- views ---------------------------------------------------------------------------------------------------------


@api(PO_SERVICE)
def po_service_document(request, *, user, root):
    return _json({"d": {"EntitySets": ["A_PurchaseOrder", "A_PurchaseOrderItem"]}})


@api(PO_SERVICE)
def purchase_orders(request, *, user, root):
    return _collection(request, store.all_of(SYSTEM, ORDERS), lambda o, e, s: _render_order(o, root, e, s))


@api(PO_SERVICE)
def purchase_order(request, number, navigation=None, *, user, root):
    order = store.get(SYSTEM, ORDERS, number)
    if order is None:
        raise _not_found("A_PurchaseOrderType")
    if navigation:
        return _json({"d": {"results": [_render_item(i, root) for i in order["items"]]}})
    return _json({"d": _render_order(order, root, odata.expand_paths(request.GET), odata.select_list(request.GET))})


@api(PO_SERVICE)
def purchase_order_items(request, *, user, root):
    items = [i for o in store.all_of(SYSTEM, ORDERS) for i in o["items"]]
    return _collection(request, items, lambda i, e, s: _render_item(i, root))


@api(GR_SERVICE)
def gr_service_document(request, *, user, root):
    return _json({"d": {"EntitySets": ["A_MaterialDocumentHeader", "A_MaterialDocumentItem"]}})


@api(GR_SERVICE)
def material_documents(request, *, user, root):
    return _collection(request, store.all_of(SYSTEM, RECEIPTS), lambda r, e, s: _render_receipt(r, root, e, s))


@api(GR_SERVICE)
def material_document(request, year, number, navigation=None, *, user, root):
    receipt = store.get(SYSTEM, RECEIPTS, f"{year}|{number}")
    if receipt is None:
        raise _not_found("A_MaterialDocumentHeaderType")
    if navigation:
        return _json({"d": {"results": [_render_gr_item(i, root) for i in receipt["items"]]}})
    return _json({"d": _render_receipt(receipt, root, odata.expand_paths(request.GET), odata.select_list(request.GET))})


@api(GR_SERVICE)
def material_document_items(request, *, user, root):
    items = [i for r in store.all_of(SYSTEM, RECEIPTS) for i in r["items"]]
    return _collection(request, items, lambda i, e, s: _render_gr_item(i, root))


@api(BP_SERVICE)
def supplier(request, number, *, user, root):
    record = store.get(SYSTEM, SUPPLIERS, number)
    if record is None:
        raise _not_found("A_SupplierType")
    return _json({"d": odata.render(record, uri=f"{root}A_Supplier('{number}')", type_name=f"{BP_SERVICE}.A_SupplierType",
                                    properties=SUPPLIER, navigations={}, expand=[])})


@csrf_exempt
def seed(request):
    if request.method != "POST":
        return JsonResponse({"error": "POST the purchasing data as JSON"}, status=405)
    try:
        counts = seed_purchasing(json.loads(request.body or b"{}"))
    except (ValueError, TypeError, KeyError, AttributeError) as exc:
        return JsonResponse({"error": f"bad seed request: {exc!r}"}, status=400)
    return JsonResponse({"loaded": counts})


def state(request):
    return JsonResponse({"purchase_orders": store.all_of(SYSTEM, ORDERS), "goods_receipts": store.all_of(SYSTEM, RECEIPTS),
                         "suppliers": store.all_of(SYSTEM, SUPPLIERS)})


_PO = r"^sap/opu/odata/sap/" + PO_SERVICE
_GR = r"^sap/opu/odata/sap/" + GR_SERVICE
urlpatterns = [
    path("_seed_purchasing", seed, name="sap-sandbox-seed-purchasing"),
    path("_state_purchasing", state, name="sap-sandbox-state-purchasing"),
    re_path(_PO + r"/?$", po_service_document),
    re_path(_PO + r"/A_PurchaseOrder$", purchase_orders),
    re_path(_PO + r"/A_PurchaseOrder\('(?P<number>[^']{1,10})'\)(?:/(?P<navigation>to_PurchaseOrderItem))?$", purchase_order),
    re_path(_PO + r"/A_PurchaseOrderItem$", purchase_order_items),
    re_path(_GR + r"/?$", gr_service_document),
    re_path(_GR + r"/A_MaterialDocumentHeader$", material_documents),
    re_path(_GR + r"/A_MaterialDocumentHeader\(MaterialDocumentYear='(?P<year>\d{4})',MaterialDocument='(?P<number>[^']{1,10})'\)"
            r"(?:/(?P<navigation>to_MaterialDocumentItem))?$", material_document),
    re_path(_GR + r"/A_MaterialDocumentItem$", material_document_items),
    re_path(r"^sap/opu/odata/sap/" + BP_SERVICE + r"/A_Supplier\('(?P<number>[^']{1,10})'\)$", supplier),
]
