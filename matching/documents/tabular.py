"""CSV invoices (an export from a vendor portal or an ERP): columns named for what they hold.

Two shapes are understood. A table whose header names columns (invoice number, date, description, quantity,
unit price, amount, …) gives header fields from the first row that fills them and one invoice line per row that
has a description or an amount; a named column is explicit, so those values carry 0.90. Anything else (a key/value
sheet, a report) is turned into text lines and read by the generic heuristics.
"""

from __future__ import annotations

import csv
import io
import re

from .model import AMOUNT_FIELDS, DATE_FIELDS, ExtractedField, ExtractedInvoice, ExtractedLine
from .normalize import parse_amount, parse_date
from .textual import from_text

COLUMN_CONFIDENCE = 0.90
HEADER_COLUMNS = {
    "invoice_number": ("invoice number", "invoice no", "invoice", "invoice id", "rechnungsnummer", "numero facture"),
    "issue_date": ("invoice date", "date", "issue date", "rechnungsdatum", "date facture"),
    "due_date": ("due date", "payment due", "faelligkeit", "fälligkeit", "echeance"),
    "seller_name": ("vendor", "supplier", "seller", "vendor name", "supplier name", "lieferant"),
    "seller_vat": ("vat id", "vendor vat", "supplier vat", "vat number", "ust-id", "ustid"),
    "buyer_name": ("customer", "buyer", "bill to", "customer name"),
    "currency": ("currency", "währung", "devise"),
    "tax_basis_total": ("net total", "subtotal", "total net", "net amount"),
    "tax_total": ("tax total", "vat total", "tax", "vat amount", "tax amount"),
    "grand_total": ("total", "grand total", "gross total", "invoice total", "total amount"),
    "po_reference": ("po number", "purchase order", "po", "po reference", "order number", "bestellnummer"),
    "payment_terms": ("payment terms", "terms"),
}
LINE_COLUMNS = {
    "description": ("description", "item", "article", "product", "bezeichnung", "text"),
    "quantity": ("quantity", "qty", "menge", "quantité"),
    "unit_price": ("unit price", "price", "einzelpreis", "prix unitaire"),
    "amount": ("amount", "line amount", "line total", "betrag", "montant", "net"),
    "unit": ("unit", "uom", "einheit"),
    "product_code": ("sku", "item code", "product code", "material", "artikelnummer"),
    "po_line_reference": ("po line", "po item", "order line"),
}


def _key(text: str) -> str:
    return re.sub(r"[^a-zäöüéè ]", "", (text or "").strip().lower().replace("_", " ").replace("-", " ")).strip()


def _columns(header: list[str], vocabulary: dict[str, tuple[str, ...]]) -> dict[str, int]:
    keys = [_key(h) for h in header]
    mapping = {}
    for name, synonyms in vocabulary.items():
        for synonym in synonyms:
            if synonym in keys and keys.index(synonym) not in mapping.values():
                mapping[name] = keys.index(synonym)
                break
    return mapping


def extract_csv(data: bytes, *, templates=()) -> ExtractedInvoice:
    text = data.decode("utf-8-sig", errors="replace")
    try:
        dialect = csv.Sniffer().sniff(text[:4096], delimiters=",;\t|")
    except csv.Error:
        dialect = csv.excel
    rows = [row for row in csv.reader(io.StringIO(text), dialect) if any(cell.strip() for cell in row)]
    if not rows:
        return ExtractedInvoice(format="csv", warnings=("The CSV file is empty.",))
    header_map, line_map = _columns(rows[0], HEADER_COLUMNS), _columns(rows[0], LINE_COLUMNS)
    if not line_map and len(header_map) < 2:
        rendered = "\n".join(": ".join(c.strip() for c in row if c.strip()) for row in rows)
        return from_text(rendered, fmt="csv", templates=templates)
    fields = {}
    for name, index in header_map.items():
        if name == "grand_total" and "amount" in line_map and line_map["amount"] == index:
            continue
        value = next((v for row in rows[1:] if index < len(row) and (v := _typed(name, row[index])) not in (None, "")), None)
        if value is not None:
            fields[name] = ExtractedField(value, COLUMN_CONFIDENCE, "column")
    lines = tuple(_line(row, line_map, n) for n, row in enumerate(rows[1:], 1) if _has_line(row, line_map))
    return ExtractedInvoice(format="csv", fields=fields, lines=lines)


def _has_line(row: list[str], line_map: dict[str, int]) -> bool:
    return any(line_map.get(k) is not None and line_map[k] < len(row) and row[line_map[k]].strip()
               for k in ("description", "amount"))


def _line(row: list[str], line_map: dict[str, int], number: int) -> ExtractedLine:
    def cell(name):
        index = line_map.get(name)
        return row[index].strip() if index is not None and index < len(row) else ""

    return ExtractedLine(
        line_id=str(number), description=cell("description"), quantity=parse_amount(cell("quantity")),
        unit_price=parse_amount(cell("unit_price")), amount=parse_amount(cell("amount")), unit=cell("unit"),
        product_code=cell("product_code"), po_line_reference=cell("po_line_reference"), confidence=COLUMN_CONFIDENCE,
    )


def _typed(name: str, raw: str):
    raw = (raw or "").strip()
    if name in AMOUNT_FIELDS:
        return parse_amount(raw)
    if name in DATE_FIELDS:
        return parse_date(raw)
    return raw
