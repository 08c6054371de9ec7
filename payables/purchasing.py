"""Purchase orders and goods receipts from the ERP into our tables (SAP through erp_orders' PurchasingClient).

`fetch_purchase_order` pulls one PO with its receipts when an invoice cites a PO we do not hold; `sync_from_erp`
pulls everything (or what changed since a date) for the `sync_purchasing` command and the scheduled task.
Upserts are idempotent: running a sync twice changes nothing the second time.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from django.conf import settings
from django.db import transaction

from handoff_project.integration.events import record_event
from handoff_project.integration.models import Outcome

from .models import GoodsReceipt, GoodsReceiptLine, PurchaseOrder, PurchaseOrderLine

_PRICE = Decimal("0.000001")


def _client():
    from erp_orders.connectors.sap.purchasing import PurchasingClient

    return PurchasingClient()


def erp_enabled() -> bool:
    return bool(settings.SAP_ENABLED and settings.SAP_BASE_URL)


@transaction.atomic
def save_purchase_order(data: dict, supplier: dict) -> PurchaseOrder:
    order, _ = PurchaseOrder.objects.update_or_create(number=data["number"], defaults={
        "supplier_number": data["supplier_number"], "supplier_name": supplier.get("name", "")[:200],
        "supplier_vat": supplier.get("vat_id", "")[:30], "company_code": data["company_code"],
        "currency": data["currency"], "payment_terms": data["payment_terms"], "order_date": data["order_date"],
        "source_system": "sap"})
    keep = []
    for line in data["lines"]:
        saved, _ = PurchaseOrderLine.objects.update_or_create(purchase_order=order, item=line["item"], defaults={
            "material": line["material"], "description": line["description"][:200],
            "material_group": line["material_group"], "quantity": line["quantity"], "unit": line["unit"],
            "unit_price": line["unit_price"].quantize(_PRICE)})
        keep.append(saved.pk)
    order.lines.exclude(pk__in=keep).delete()
    return order


@transaction.atomic
def save_receipt_lines(lines: list[dict], headers: dict[tuple[str, str], dict]) -> int:
    saved = 0
    for line in lines:
        header = headers.get((line["year"], line["number"]), {})
        receipt, _ = GoodsReceipt.objects.update_or_create(number=line["number"], year=line["year"], defaults={
            "posting_date": header.get("posting_date"), "reference": header.get("reference", "")[:40]})
        GoodsReceiptLine.objects.update_or_create(receipt=receipt, line=line["line"], defaults={
            "purchase_order_number": line["purchase_order_number"], "purchase_order_item": line["purchase_order_item"],
            "material": line["material"], "quantity": line["quantity"], "unit": line["unit"],
            "movement_type": line["movement_type"]})
        saved += 1
    return saved


def _headers(client, lines: list[dict]) -> dict:
    keys = {(line["year"], line["number"]) for line in lines}
    known = dict(((r.year, r.number), {"posting_date": r.posting_date, "reference": r.reference})
                 for r in GoodsReceipt.objects.filter(number__in=[n for _, n in keys]))
    return {key: known.get(key) or client.receipt_header(year=key[0], number=key[1]) for key in keys}


def fetch_purchase_order(number: str) -> PurchaseOrder | None:
    """The PO and its receipts from the ERP; None when the ERP does not know it (or no ERP is configured)."""
    if not erp_enabled():
        return None
    with _client() as client:
        data = client.purchase_order(number)
        if data is None:
            return None
        supplier = client.supplier(data["supplier_number"]) if data["supplier_number"] else {}
        lines = client.receipt_lines(purchase_order=number)
        headers = _headers(client, lines)
    order = save_purchase_order(data, supplier)
    save_receipt_lines(lines, headers)
    record_event("purchase_order_fetched", outcome=Outcome.SUCCESS, system="sap",
                 message=f"PO {number}: {len(data['lines'])} items, {len(lines)} receipt lines")
    return order


def sync_from_erp(*, since: dt.date | None = None) -> dict:
    """Every PO (since a date) and every receipt line; returns how many of each were stored."""
    with _client() as client:
        orders = client.purchase_orders(since=since)
        suppliers = {n: client.supplier(n) for n in {o["supplier_number"] for o in orders if o["supplier_number"]}}
        lines = client.receipt_lines()
        headers = _headers(client, lines)
    for data in orders:
        save_purchase_order(data, suppliers.get(data["supplier_number"], {}))
    receipts = save_receipt_lines(lines, headers)
    record_event("purchasing_synced", outcome=Outcome.SUCCESS, system="sap",
                 message=f"{len(orders)} purchase orders, {receipts} goods receipt lines")
    return {"purchase_orders": len(orders), "receipt_lines": receipts}

