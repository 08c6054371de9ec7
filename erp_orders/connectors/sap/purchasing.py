"""Reading purchase orders, goods receipts and suppliers from SAP S/4HANA (API_PURCHASEORDER_PROCESS_SRV,
API_MATERIAL_DOCUMENT_SRV, API_BUSINESS_PARTNER), for invoice 3-way matching.

HTTP, auth and SAP's error mapping are SapClient's (client.py); this module only knows which resources to ask for
and turns the answers into plain dicts with Decimal quantities and dates (`purchase_order_from_entity`, …).
Goods movement 101 receives, 102 reverses a receipt: a reversal's quantity comes back negative.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from handoff_project.integration.errors import NotFoundError

from .client import SapClient
from .mappers import entity, odata_string_literal, parse_odata_date, results, to_decimal

PO_SERVICE = "/sap/opu/odata/sap/API_PURCHASEORDER_PROCESS_SRV"
GR_SERVICE = "/sap/opu/odata/sap/API_MATERIAL_DOCUMENT_SRV"
BP_SERVICE = "/sap/opu/odata/sap/API_BUSINESS_PARTNER"
REVERSAL_MOVEMENTS = {"102", "122", "162"}
PAGE = 200


def purchase_order_from_entity(order: dict) -> dict:
    items = order.get("to_PurchaseOrderItem") or {}
    items = items.get("results", []) if isinstance(items, dict) else items
    return {
        "number": order["PurchaseOrder"],
        "supplier_number": order.get("Supplier", ""),
        "company_code": order.get("CompanyCode", ""),
        "currency": order.get("DocumentCurrency", ""),
        "payment_terms": order.get("PaymentTerms", ""),
        "order_date": parse_odata_date(order.get("PurchaseOrderDate")),
        "lines": [
            {
                "item": item["PurchaseOrderItem"],
                "material": item.get("Material", ""),
                "description": item.get("PurchaseOrderItemText", ""),
                "material_group": item.get("MaterialGroup", ""),
                "quantity": to_decimal(item.get("OrderQuantity")) or Decimal(0),
                "unit": item.get("PurchaseOrderQuantityUnit", ""),
                "unit_price": (to_decimal(item.get("NetPriceAmount")) or Decimal(0))
                / (to_decimal(item.get("NetPriceQuantity")) or Decimal(1)),
            }
            for item in items if not item.get("PurchasingDocumentDeletionCode")
        ],
    }


def receipt_line_from_entity(item: dict) -> dict:
    quantity = to_decimal(item.get("QuantityInEntryUnit")) or Decimal(0)
    if item.get("GoodsMovementType") in REVERSAL_MOVEMENTS:
        quantity = -abs(quantity)
    return {
        "number": item["MaterialDocument"],
        "year": item["MaterialDocumentYear"],
        "line": item["MaterialDocumentItem"],
        "purchase_order_number": item.get("PurchaseOrder", ""),
        "purchase_order_item": item.get("PurchaseOrderItem", ""),
        "material": item.get("Material", ""),
        "quantity": quantity,
        "unit": item.get("EntryUnit", ""),
        "movement_type": item.get("GoodsMovementType", ""),
        "cancelled": bool(item.get("GoodsMovementIsCancelled")),
    }


class PurchasingClient:
    """Use as a context manager; one SAP session for all the reads."""

    def __init__(self, sap: SapClient | None = None):
        self.sap = sap or SapClient()

    def __enter__(self) -> PurchasingClient:
        return self

    def __exit__(self, *exc_info) -> None:
        self.sap.close()

    def purchase_order(self, number: str) -> dict | None:
        try:
            payload = self.sap.get(PO_SERVICE, f"A_PurchaseOrder({odata_string_literal(number)})",
                                   {"$expand": "to_PurchaseOrderItem"}, action=f"read purchase order {number}")
        except NotFoundError:
            return None
        return purchase_order_from_entity(entity(payload))

    def purchase_orders(self, *, since: dt.date | None = None) -> list[dict]:
        options = {"$expand": "to_PurchaseOrderItem", "$orderby": "PurchaseOrder", "$top": str(PAGE)}
        if since:
            options["$filter"] = f"PurchaseOrderDate ge datetime'{since.isoformat()}T00:00:00'"
        return [purchase_order_from_entity(e) for e in self._all(PO_SERVICE, "A_PurchaseOrder", options, "list purchase orders")]

    def receipt_lines(self, *, purchase_order: str | None = None, since: dt.date | None = None) -> list[dict]:
        options = {"$orderby": "MaterialDocument", "$top": str(PAGE)}
        if purchase_order:
            options["$filter"] = f"PurchaseOrder eq {odata_string_literal(purchase_order)}"
        lines = [receipt_line_from_entity(e) for e in
                 self._all(GR_SERVICE, "A_MaterialDocumentItem", options, "list goods receipts")]
        return [line for line in lines if line["purchase_order_number"] and not line["cancelled"]]

    def receipt_header(self, *, year: str, number: str) -> dict:
        payload = self.sap.get(GR_SERVICE, f"A_MaterialDocumentHeader(MaterialDocumentYear='{year}',"
                                           f"MaterialDocument='{number}')", action=f"read material document {number}")
        header = entity(payload)
        return {"number": number, "year": year, "posting_date": parse_odata_date(header.get("PostingDate")),
                "reference": header.get("ReferenceDocument", "")}

    def supplier(self, number: str) -> dict:
        try:
            payload = self.sap.get(BP_SERVICE, f"A_Supplier({odata_string_literal(number)})",
                                   action=f"read supplier {number}")
        except NotFoundError:
            return {"number": number, "name": "", "vat_id": ""}
        record = entity(payload)
        return {"number": number, "name": record.get("SupplierName") or record.get("SupplierFullName", ""),
                "vat_id": record.get("VATRegistration", "")}

    def _all(self, service: str, entity_set: str, options: dict, action: str) -> list[dict]:
        found, skip = [], 0
        while True:
            page = results(self.sap.get(service, entity_set, {**options, "$skip": str(skip)}, action=action))
            found += page
            if len(page) < PAGE:
                return found
            skip += PAGE
