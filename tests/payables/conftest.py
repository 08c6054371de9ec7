"""Accounts-payable fixtures: real invoice documents from ../shared/data and the POs / receipts they refer to."""

from __future__ import annotations

from decimal import Decimal as D
from pathlib import Path

import pytest

from payables.models import GoodsReceipt, GoodsReceiptLine, PurchaseOrder, PurchaseOrderLine

DATA = Path(__file__).resolve().parents[2].parent / "shared" / "data"
# A UBL 2.1 (EN 16931) invoice from akretion/factur-x: PO1242, "Au bon moulin" FR11999999998, 30 jours net,
# 10 × JOIO50CL at 13.50 and 20 × NOUGATCUBES at 6.90.
UBL_INVOICE = DATA / "einvoice_xml" / "akretion_factur-x_fixtures" / "ubl-21-en16931.xml"
# A Factur-X PDF (PDF/A-3 + CII): PO201925478, LE FOURNISSEUR FR11123456782, lines citing PO items 1, 3, 2.
FACTURX_PDF = DATA / "zugferd_facturx" / "pdf" / "akretion_invoice_EN16931.pdf"


def make_order(number, *, vat, name, terms, lines, supplier="17300001", currency="EUR") -> PurchaseOrder:
    order = PurchaseOrder.objects.create(number=number, supplier_number=supplier, supplier_name=name, supplier_vat=vat,
                                         currency=currency, payment_terms=terms)
    for item, material, description, quantity, price in lines:
        PurchaseOrderLine.objects.create(purchase_order=order, item=item, material=material, description=description,
                                         quantity=D(quantity), unit_price=D(price))
    return order


def receive(order: PurchaseOrder, quantities: dict[str, str], number="5000000001") -> GoodsReceipt:
    receipt = GoodsReceipt.objects.create(number=number, year="2026")
    for index, (item, quantity) in enumerate(quantities.items(), 1):
        line = order.lines.get(item=item)
        GoodsReceiptLine.objects.create(receipt=receipt, line=str(index), purchase_order_number=order.number,
                                        purchase_order_item=item, material=line.material, quantity=D(quantity))
    return receipt


def ubl_order(**overrides) -> PurchaseOrder:
    spec = {"vat": "FR11999999998", "name": "Au bon moulin", "terms": "NT30",
            "lines": [("10", "JOIO50CL", "Huile d'olive Joio 50cl", "10", "13.50"),
                      ("20", "NOUGATCUBES", "Nougats en cubes", "20", "6.90")]}
    return make_order("PO1242", **{**spec, **overrides})


def facturx_order(**overrides) -> PurchaseOrder:
    spec = {"vat": "FR11123456782", "name": "Le Fournisseur", "terms": "NT30",
            "lines": [("1", "ART_1254", "Prestation support", "1", "60"),
                      ("2", "", "Appel", "1", "7"),
                      ("3", "ART_9874", "Fournitures papier", "3", "10")]}
    return make_order("PO201925478", **{**spec, **overrides})


@pytest.fixture
def ubl_bytes() -> bytes:
    return UBL_INVOICE.read_bytes()


@pytest.fixture
def facturx_bytes() -> bytes:
    return FACTURX_PDF.read_bytes()
