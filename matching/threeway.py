"""Three-way matching of a supplier invoice against its purchase order and goods receipts, line by line.

Pure functions over frozen dataclasses: no database, no routing. `match_invoice` returns every discrepancy it finds
as a `Finding` of a `Discrepancy` kind; deciding what happens (hold, block, flag) and who gets it is the payables
app's job (payables/routing.py). An invoice with no findings at all is the only one that may be auto-approved.

Rules, per invoice line paired with its PO line (by PO item reference, then material, then description):
  * price: |invoice unit price − PO unit price| / PO unit price > tolerance (default 2 %)          → PRICE_VARIANCE
  * no goods receipt posted for the PO item (or for the whole PO)                                   → NO_RECEIPT
  * quantity: |invoiced − received-and-not-yet-invoiced| / PO quantity > tolerance (default 5 %)   → QUANTITY_VARIANCE
    (partial receipts and split shipments add up: every receipt line for the item counts, reversals subtract)
  * an invoice line for no PO line                                                                  → UNORDERED_ITEM
  * a PO item received as another material, or billed under another material                       → SUBSTITUTION
Per invoice: vendor differs from the PO's (VAT id, else supplier number, else name) → VENDOR_MISMATCH; the same
vendor's invoice number seen before, or the same amount and date under another number → DUPLICATE; payment terms
that differ from the PO's → PAYMENT_TERMS_DIFFER; another currency → CURRENCY_MISMATCH; no PO → NO_PURCHASE_ORDER.
"""

from __future__ import annotations

import datetime as dt
import enum
import re
from dataclasses import dataclass, field
from decimal import Decimal

from rapidfuzz import fuzz, utils

HUNDRED = Decimal(100)


class Discrepancy(enum.StrEnum):
    PRICE_VARIANCE = "price_variance"
    QUANTITY_VARIANCE = "quantity_variance"
    NO_RECEIPT = "no_receipt"
    VENDOR_MISMATCH = "vendor_mismatch"
    DUPLICATE = "duplicate"
    PAYMENT_TERMS_DIFFER = "payment_terms_differ"
    UNORDERED_ITEM = "unordered_item"
    SUBSTITUTION = "substitution"
    CURRENCY_MISMATCH = "currency_mismatch"
    NO_PURCHASE_ORDER = "no_purchase_order"
    INCOMPLETE_INVOICE = "incomplete_invoice"


@dataclass(frozen=True)
class Tolerance:
    price_percent: Decimal = Decimal("2")
    quantity_percent: Decimal = Decimal("5")


@dataclass(frozen=True)
class TolerancePolicy:
    """The tolerance for a line: its material group's when one is configured, else the default (vendor or global)."""

    default: Tolerance = Tolerance()
    by_material_group: dict[str, Tolerance] = field(default_factory=dict)

    def for_group(self, material_group: str) -> Tolerance:
        return self.by_material_group.get(material_group or "", self.default)


@dataclass(frozen=True)
class Vendor:
    number: str = ""  # the ERP supplier number
    name: str = ""
    vat_id: str = ""


@dataclass(frozen=True)
class OrderLine:
    item: str  # PO item number ("10")
    quantity: Decimal
    unit_price: Decimal  # per one unit of `quantity`
    material: str = ""
    description: str = ""
    material_group: str = ""
    invoiced_quantity: Decimal = Decimal(0)  # already invoiced on earlier approved invoices


@dataclass(frozen=True)
class PurchaseOrder:
    number: str
    vendor: Vendor
    currency: str
    lines: tuple[OrderLine, ...]
    payment_terms: str = ""


@dataclass(frozen=True)
class ReceiptLine:
    po_item: str
    quantity: Decimal  # negative for a reversal
    material: str = ""
    receipt: str = ""


@dataclass(frozen=True)
class InvoiceLine:
    line_id: str
    quantity: Decimal | None
    unit_price: Decimal | None
    amount: Decimal | None = None
    description: str = ""
    product_code: str = ""
    po_item: str = ""


@dataclass(frozen=True)
class Invoice:
    number: str
    vendor: Vendor
    currency: str
    lines: tuple[InvoiceLine, ...]
    issue_date: dt.date | None = None
    net_total: Decimal | None = None
    gross_total: Decimal | None = None
    payment_terms: str = ""


@dataclass(frozen=True)
class PriorInvoice:
    """An invoice already on file, for duplicate detection."""

    number: str
    vendor: Vendor
    gross_total: Decimal | None
    issue_date: dt.date | None
    reference: str = ""  # our id, for the message


@dataclass(frozen=True)
class Finding:
    kind: Discrepancy
    message: str
    line_id: str = ""
    po_item: str = ""
    detail: dict = field(default_factory=dict)


@dataclass(frozen=True)
class LinePair:
    invoice_line: InvoiceLine
    order_line: OrderLine | None
    received: Decimal = Decimal(0)
    how: str = ""  # "po_item", "material", "description", "only line"


@dataclass(frozen=True)
class MatchResult:
    findings: tuple[Finding, ...]
    pairs: tuple[LinePair, ...] = ()

    @property
    def all_within_tolerance(self) -> bool:
        return not self.findings

    def kinds(self) -> set[Discrepancy]:
        return {f.kind for f in self.findings}


# ---- comparisons -------------------------------------------------------------------------------------------------


def percent_off(actual: Decimal, expected: Decimal) -> Decimal:
    """How far `actual` is from `expected`, in percent of `expected` (infinite when expected is 0 and they differ)."""
    if expected == 0:
        return Decimal(0) if actual == 0 else Decimal("Infinity")
    return abs(actual - expected) / abs(expected) * HUNDRED


def price_variance_exceeds_tolerance(invoiced: Decimal, ordered: Decimal, tolerance: Tolerance) -> bool:
    return percent_off(invoiced, ordered) > tolerance.price_percent


def quantity_variance_exceeds_tolerance(invoiced: Decimal, receivable: Decimal, ordered: Decimal,
                                        tolerance: Tolerance) -> bool:
    if ordered == 0:
        return invoiced != receivable
    return abs(invoiced - receivable) / abs(ordered) * HUNDRED > tolerance.quantity_percent


_LEGAL = re.compile(r"\b(gmbh|ag|kg|bv|b\.v\.|nv|ltd|limited|llc|inc|corp|corporation|plc|sa|sas|sarl|srl|spa|co)\b\.?")


def _squash_name(name: str) -> str:
    return " ".join(re.sub(r"[^a-z0-9 ]", " ", _LEGAL.sub(" ", (name or "").casefold())).split())


def _vat(text: str) -> str:
    return re.sub(r"[^0-9A-Z]", "", (text or "").upper())


def same_vendor(invoice_vendor: Vendor, order_vendor: Vendor) -> bool | None:
    """True/False when the identifiers decide, None when nothing on the invoice identifies the vendor."""
    if invoice_vendor.vat_id and order_vendor.vat_id:
        return _vat(invoice_vendor.vat_id) == _vat(order_vendor.vat_id)
    if invoice_vendor.number and order_vendor.number:
        return invoice_vendor.number.lstrip("0") == order_vendor.number.lstrip("0")
    if invoice_vendor.name and order_vendor.name:
        a, b = _squash_name(invoice_vendor.name), _squash_name(order_vendor.name)
        return bool(a and b) and fuzz.token_set_ratio(a, b) >= 90
    return None


def normalise_invoice_number(number: str) -> str:
    """'inv-0001' and 'INV 1' are the same number: case, separators and leading zeros of digit runs ignored."""
    return re.sub(r"(?<!\d)0+(?=\d)", "", re.sub(r"[^0-9A-Z]", "", (number or "").upper()))


_DAYS = re.compile(r"(\d{1,3})\s*(?:days?|tage?n?|jours?|dagen|dni|d\b)", re.I)
_NET = re.compile(r"\b(?:net|nt|netto|n)\s*-?\s*(\d{1,3})\b", re.I)
_IMMEDIATE = re.compile(r"immediate|sofort|due on receipt|upon receipt|à réception|^0001$|^0+$", re.I)


def payment_days(terms: str) -> int | None:
    """Net days of a payment terms text ('Net 30', 'NT30', '30 days net', 'zahlbar innerhalb 14 Tagen', '0001')."""
    text = (terms or "").strip()
    if not text:
        return None
    if _IMMEDIATE.search(text):
        return 0
    days = [int(m) for m in _NET.findall(text)] or [int(m) for m in _DAYS.findall(text)]
    return max(days) if days else None


def payment_terms_differ(invoice_terms: str, order_terms: str) -> bool:
    if not (invoice_terms or "").strip() or not (order_terms or "").strip():
        return False  # an invoice that states no terms takes the PO's
    a, b = payment_days(invoice_terms), payment_days(order_terms)
    if a is not None and b is not None:
        return a != b
    return _squash_name(invoice_terms) != _squash_name(order_terms)


# ---- pairing invoice lines with PO lines --------------------------------------------------------------------------


def pair_lines(invoice: Invoice, order: PurchaseOrder) -> list[LinePair]:
    """Each invoice line with its PO line: by the PO item it cites, then by material, then by description."""
    by_item = {line.item.lstrip("0"): line for line in order.lines}
    by_material = {line.material.casefold(): line for line in order.lines if line.material}
    pairs = []
    for line in invoice.lines:
        match, how = None, ""
        if line.po_item and line.po_item.lstrip("0") in by_item:
            match, how = by_item[line.po_item.lstrip("0")], "po_item"
        elif line.product_code and line.product_code.casefold() in by_material:
            match, how = by_material[line.product_code.casefold()], "material"
        elif len(order.lines) == 1 and len(invoice.lines) == 1:
            match, how = order.lines[0], "only line"
        elif line.description:
            scored = [(fuzz.token_set_ratio(line.description, o.description, processor=utils.default_process), o)
                      for o in order.lines if o.description]
            best = max(scored, key=lambda pair: pair[0], default=(0, None))
            if best[0] >= 85:
                match, how = best[1], "description"
        pairs.append(LinePair(line, match, how=how))
    return pairs


def received_by_item(receipts: tuple[ReceiptLine, ...] | list[ReceiptLine]) -> dict[str, Decimal]:
    totals: dict[str, Decimal] = {}
    for receipt in receipts:
        key = receipt.po_item.lstrip("0")
        totals[key] = totals.get(key, Decimal(0)) + receipt.quantity
    return totals


# ---- the match -----------------------------------------------------------------------------------------------------


def match_invoice(invoice: Invoice, order: PurchaseOrder | None, receipts=(), *, prior_invoices=(),
                  tolerances: TolerancePolicy = TolerancePolicy()) -> MatchResult:
    findings: list[Finding] = list(find_duplicates(invoice, prior_invoices))
    if order is None:
        findings.append(Finding(Discrepancy.NO_PURCHASE_ORDER,
                                "The invoice names no purchase order we know; it cannot be matched."))
        return MatchResult(tuple(findings))
    findings += _header_findings(invoice, order)
    receipts = tuple(receipts)
    if not any(r.quantity > 0 for r in receipts):
        findings.append(Finding(Discrepancy.NO_RECEIPT, f"No goods receipt is posted for purchase order {order.number}."))
        return MatchResult(tuple(findings))
    received = received_by_item(receipts)
    if not invoice.lines:
        findings += _header_level_findings(invoice, order, received, tolerances)
        return MatchResult(tuple(findings))
    pairs = []
    for pair in pair_lines(invoice, order):
        got = received.get(pair.order_line.item.lstrip("0"), Decimal(0)) if pair.order_line else Decimal(0)
        pair = LinePair(pair.invoice_line, pair.order_line, got, pair.how)
        pairs.append(pair)
        findings += _line_findings(pair, receipts, tolerances)
    return MatchResult(tuple(findings), tuple(pairs))


def find_duplicates(invoice: Invoice, prior_invoices) -> list[Finding]:
    number = normalise_invoice_number(invoice.number)
    for prior in prior_invoices:
        if same_vendor(invoice.vendor, prior.vendor) is not True:
            continue
        if number and normalise_invoice_number(prior.number) == number:
            return [Finding(Discrepancy.DUPLICATE, f"Invoice {invoice.number} from this vendor is already on file "
                            f"({prior.reference or prior.number}).", detail={"prior": prior.reference})]
        if (invoice.gross_total is not None and prior.gross_total == invoice.gross_total
                and invoice.issue_date is not None and prior.issue_date == invoice.issue_date):
            return [Finding(Discrepancy.DUPLICATE, f"An invoice from this vendor for the same amount "
                            f"({invoice.gross_total}) and date ({invoice.issue_date}) is already on file as "
                            f"{prior.number} ({prior.reference}); this one is numbered {invoice.number}.",
                            detail={"prior": prior.reference})]
    return []


def _header_findings(invoice: Invoice, order: PurchaseOrder) -> list[Finding]:
    findings = []
    vendor = same_vendor(invoice.vendor, order.vendor)
    if vendor is not True:
        said = invoice.vendor.name or invoice.vendor.vat_id or "no vendor"
        why = "does not identify its vendor" if vendor is None else f"is from {said}"
        findings.append(Finding(Discrepancy.VENDOR_MISMATCH, f"The invoice {why}; purchase order {order.number} is "
                                f"with {order.vendor.name or order.vendor.number}.",
                                detail={"invoice_vendor": said, "order_vendor": order.vendor.name}))
    if invoice.currency and order.currency and invoice.currency.upper() != order.currency.upper():
        findings.append(Finding(Discrepancy.CURRENCY_MISMATCH, f"The invoice is in {invoice.currency}, purchase "
                                f"order {order.number} in {order.currency}."))
    if payment_terms_differ(invoice.payment_terms, order.payment_terms):
        findings.append(Finding(Discrepancy.PAYMENT_TERMS_DIFFER, f"The invoice's payment terms "
                                f"'{invoice.payment_terms}' differ from the purchase order's '{order.payment_terms}'.",
                                detail={"invoice": invoice.payment_terms, "order": order.payment_terms}))
    return findings


def _line_findings(pair: LinePair, receipts, tolerances: TolerancePolicy) -> list[Finding]:
    line, order_line = pair.invoice_line, pair.order_line
    ids = {"line_id": line.line_id, "po_item": order_line.item if order_line else ""}
    if order_line is None:
        return [Finding(Discrepancy.UNORDERED_ITEM, f"Invoice line {line.line_id} ('{line.description[:60]}') is "
                        "for nothing on the purchase order.", **ids)]
    if line.quantity is None or line.unit_price is None:
        return [Finding(Discrepancy.INCOMPLETE_INVOICE, f"Invoice line {line.line_id} has no readable quantity or "
                        "unit price.", **ids)]
    findings = []
    substitutes = {r.material for r in receipts
                   if r.po_item.lstrip("0") == order_line.item.lstrip("0") and r.material and r.quantity > 0}
    billed_material = line.product_code if pair.how == "po_item" else ""
    if order_line.material and (substitutes - {order_line.material}
                                or (billed_material and billed_material != order_line.material)):
        findings.append(Finding(Discrepancy.SUBSTITUTION, f"PO item {order_line.item} was ordered as "
                                f"{order_line.material} but received or billed as "
                                f"{', '.join(sorted((substitutes | {billed_material}) - {'', order_line.material}))}.",
                                **ids))
    tolerance = tolerances.for_group(order_line.material_group)
    if price_variance_exceeds_tolerance(line.unit_price, order_line.unit_price, tolerance):
        findings.append(Finding(
            Discrepancy.PRICE_VARIANCE,
            f"Line {line.line_id}: unit price {line.unit_price} is {percent_off(line.unit_price, order_line.unit_price):.1f} % "
            f"off the PO price {order_line.unit_price} (tolerance {tolerance.price_percent} %).",
            detail={"invoiced": str(line.unit_price), "ordered": str(order_line.unit_price)}, **ids))
    if pair.received <= 0:
        findings.append(Finding(Discrepancy.NO_RECEIPT, f"Line {line.line_id}: nothing has been received for PO item "
                                f"{order_line.item}.", **ids))
        return findings
    receivable = pair.received - order_line.invoiced_quantity
    if quantity_variance_exceeds_tolerance(line.quantity, receivable, order_line.quantity, tolerance):
        findings.append(Finding(
            Discrepancy.QUANTITY_VARIANCE,
            f"Line {line.line_id}: {line.quantity} invoiced, {receivable} received and not yet invoiced for PO item "
            f"{order_line.item} (ordered {order_line.quantity}, tolerance {tolerance.quantity_percent} %).",
            detail={"invoiced": str(line.quantity), "receivable": str(receivable),
                    "ordered": str(order_line.quantity)}, **ids))
    return findings


def _header_level_findings(invoice: Invoice, order: PurchaseOrder, received: dict[str, Decimal],
                           tolerances: TolerancePolicy) -> list[Finding]:
    """No readable lines: the invoice's net total must equal the value received and not yet invoiced."""
    if invoice.net_total is None:
        return [Finding(Discrepancy.INCOMPLETE_INVOICE, "The invoice has neither readable lines nor a net total.")]
    receivable = sum((max(received.get(l.item.lstrip("0"), Decimal(0)) - l.invoiced_quantity, Decimal(0))
                      * l.unit_price for l in order.lines), Decimal(0))
    ordered = sum((l.quantity * l.unit_price for l in order.lines), Decimal(0))
    tolerance = tolerances.default
    if not price_variance_exceeds_tolerance(invoice.net_total, receivable, tolerance):
        return []
    kind = Discrepancy.QUANTITY_VARIANCE if not price_variance_exceeds_tolerance(
        invoice.net_total, ordered, tolerance) else Discrepancy.PRICE_VARIANCE
    return [Finding(kind, f"The invoice's net total {invoice.net_total} differs from the value received and not yet "
                    f"invoiced ({receivable:.2f}; ordered {ordered:.2f}).",
                    detail={"net_total": str(invoice.net_total), "receivable": f"{receivable:.2f}"})]
