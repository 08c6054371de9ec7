"""Generated purchase orders, goods receipts and the supplier invoices that bill them, as UBL 2.1 documents.

For the three_way_match benchmark: `world(n, seed)` gives n cases, most of them agreeing (split shipments, partial
item citations, terms worded differently) and a share with one injected discrepancy of a known kind, so the
benchmark can count wrong auto-approvals. Every invoice is a real-format UBL 2.1 Invoice (EN 16931 element names),
read back by the product's extractor like any uploaded file.
"""

from __future__ import annotations

import datetime as dt
import random
from dataclasses import dataclass, field
from decimal import Decimal
from xml.etree import ElementTree as ET

CAC = "urn:oasis:names:specification:ubl:schema:xsd:CommonAggregateComponents-2"
CBC = "urn:oasis:names:specification:ubl:schema:xsd:CommonBasicComponents-2"
INV = "urn:oasis:names:specification:ubl:schema:xsd:Invoice-2"
ET.register_namespace("", INV)
ET.register_namespace("cac", CAC)
ET.register_namespace("cbc", CBC)
TERMS = {14: ["NT14", "Net 14"], 30: ["NT30", "Net 30", "30 days net"], 60: ["NT60", "net 60 days"]}
GOODS = ["Hex bolt M8", "Washer M8", "Ball bearing 6204", "Cable CAT6 305m", "Ball valve DN25", "Pump seal kit",
         "Air filter F7", "Gasket 2mm", "Proximity sensor", "Relay 24V", "Servo motor 400W", "Hydraulic hose"]
INJECTIONS = ["price", "quantity", "no_receipt", "vendor", "duplicate", "terms"]


@dataclass
class Case:
    po_number: str
    supplier: str
    supplier_name: str
    supplier_vat: str
    currency: str
    po_terms: str
    po_lines: list[tuple[str, str, str, Decimal, Decimal]]  # item, material, description, quantity, unit price
    receipts: list[tuple[str, str, Decimal]]  # po item, material, quantity (one receipt line each)
    invoice_number: str
    issue_date: dt.date
    invoice_terms: str
    invoice_vat: str
    invoice_lines: list[tuple[str, str, str, Decimal, Decimal]]  # po item cited ("" = none), material, description, qty, price
    injected: str = ""  # "" for an agreeing case
    document: bytes = field(default=b"", repr=False)


def _money(value: Decimal) -> str:
    return format(value.quantize(Decimal("0.01")), "f")


def ubl_invoice(case: Case) -> bytes:
    root = ET.Element(f"{{{INV}}}Invoice")

    def add(parent, tag, text=None, ns=CBC, **attrs):
        node = ET.SubElement(parent, f"{{{ns}}}{tag}", attrs)
        if text is not None:
            node.text = str(text)
        return node

    add(root, "CustomizationID", "urn:cen.eu:en16931:2017#compliant#urn:fdc:peppol.eu:2017:poacc:billing:3.0")
    add(root, "ID", case.invoice_number)
    add(root, "IssueDate", case.issue_date.isoformat())
    add(root, "DueDate", (case.issue_date + dt.timedelta(days=30)).isoformat())
    add(root, "InvoiceTypeCode", "380")
    add(root, "DocumentCurrencyCode", case.currency)
    add(add(root, "OrderReference", ns=CAC), "ID", case.po_number)
    supplier = add(add(root, "AccountingSupplierParty", ns=CAC), "Party", ns=CAC)
    tax_scheme = add(supplier, "PartyTaxScheme", ns=CAC)
    add(tax_scheme, "CompanyID", case.invoice_vat)
    add(add(tax_scheme, "TaxScheme", ns=CAC), "ID", "VAT")
    add(add(supplier, "PartyLegalEntity", ns=CAC), "RegistrationName", case.supplier_name)
    buyer = add(add(root, "AccountingCustomerParty", ns=CAC), "Party", ns=CAC)
    add(add(buyer, "PartyLegalEntity", ns=CAC), "RegistrationName", "Handoff Buyer GmbH")
    if case.invoice_terms:
        add(add(root, "PaymentTerms", ns=CAC), "Note", case.invoice_terms)
    net = sum((q * p for _, _, _, q, p in case.invoice_lines), Decimal(0)).quantize(Decimal("0.01"))
    tax = (net * Decimal("0.19")).quantize(Decimal("0.01"))
    add(add(root, "TaxTotal", ns=CAC), "TaxAmount", _money(tax), currencyID=case.currency)
    totals = add(root, "LegalMonetaryTotal", ns=CAC)
    for tag, value in (("LineExtensionAmount", net), ("TaxExclusiveAmount", net), ("TaxInclusiveAmount", net + tax),
                       ("PayableAmount", net + tax)):
        add(totals, tag, _money(value), currencyID=case.currency)
    for number, (item, material, description, quantity, price) in enumerate(case.invoice_lines, 1):
        line = add(root, "InvoiceLine", ns=CAC)
        add(line, "ID", number)
        add(line, "InvoicedQuantity", format(quantity, "f"), unitCode="C62")
        add(line, "LineExtensionAmount", _money(quantity * price), currencyID=case.currency)
        if item:
            add(add(line, "OrderLineReference", ns=CAC), "LineID", item)
        article = add(line, "Item", ns=CAC)
        add(article, "Name", description)
        add(add(article, "SellersItemIdentification", ns=CAC), "ID", material)
        add(add(line, "Price", ns=CAC), "PriceAmount", format(price, "f"), currencyID=case.currency)
    return ET.tostring(root, encoding="utf-8", xml_declaration=True)


def _agreeing(rng: random.Random, index: int) -> Case:
    supplier = f"173{index:05d}"
    days = rng.choice(sorted(TERMS))
    lines, receipts, billed = [], [], []
    for position, description in enumerate(rng.sample(GOODS, rng.randint(1, 4)), 1):
        item, material = str(position * 10), f"M{index}-{position}"
        quantity = Decimal(rng.randint(1, 200))
        price = Decimal(rng.randint(50, 500_000)) / 100
        lines.append((item, material, description, quantity, price))
        first = Decimal(rng.randint(0, int(quantity)))  # a split shipment for about half of the items
        for part in (first, quantity - first):
            if part:
                receipts.append((item, material, part))
        billed.append((item if rng.random() < 0.7 else "", material, description, quantity, price))
    return Case(po_number=f"45{index:08d}", supplier=supplier, supplier_name=f"Supplier {index} GmbH",
                supplier_vat=f"DE{index:09d}", currency=rng.choice(["EUR", "EUR", "USD"]), po_terms=TERMS[days][0],
                receipts=receipts, po_lines=lines, invoice_number=f"INV-{index:06d}",
                issue_date=dt.date(2025, 1, 1) + dt.timedelta(days=rng.randint(0, 364)),
                invoice_terms=rng.choice(["", *TERMS[days]]), invoice_vat=f"DE{index:09d}", invoice_lines=billed)


def _inject(rng: random.Random, case: Case, kind: str, previous: Case | None) -> Case:
    case.injected = kind
    pick = rng.randrange(len(case.invoice_lines))
    item, material, description, quantity, price = case.invoice_lines[pick]
    if kind == "price":
        factor = 1 + Decimal(rng.choice([-1, 1])) * Decimal(rng.randint(3, 40)) / 100
        case.invoice_lines[pick] = (item, material, description, quantity, (price * factor).quantize(Decimal("0.01")))
    elif kind == "quantity":
        case.invoice_lines[pick] = (item, material, description, quantity + max(1, int(quantity) // 5 + 1), price)
    elif kind == "no_receipt":
        case.receipts = []
    elif kind == "vendor":
        case.invoice_vat = f"FR{rng.randint(10**10, 10**11 - 1)}"
    elif kind == "duplicate" and previous is not None:
        return previous  # the same document sent again
    elif kind == "terms":
        days = next(d for d, words in TERMS.items() if case.po_terms in words)
        case.invoice_terms = TERMS[rng.choice([d for d in TERMS if d != days])][1]
    return case


def world(n: int, *, seed: int = 7, discrepancy_share: float = 0.1) -> list[Case]:
    rng = random.Random(seed)
    cases: list[Case] = []
    for index in range(1, n + 1):
        case = _agreeing(rng, index)
        if rng.random() < discrepancy_share:
            kind = rng.choice(INJECTIONS)
            clean_before = [c for c in cases[-50:] if not c.injected]
            if kind == "duplicate" and clean_before:
                original = rng.choice(clean_before)
                cases.append(Case(**{**original.__dict__, "injected": "duplicate"}))
                continue
            case = _inject(rng, case, kind if kind != "duplicate" else "price", None)
        case.document = ubl_invoice(case)
        cases.append(case)
    for case in cases:
        if not case.document:
            case.document = ubl_invoice(case)
    return cases
