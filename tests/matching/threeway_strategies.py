"""Hypothesis strategies: agreeing PO / goods receipt / invoice triples, and one injected discrepancy each.

Shared by the pure property test (tests/matching) and the database one (tests/payables)."""

from __future__ import annotations

import datetime as dt
from dataclasses import replace
from decimal import Decimal as D

from hypothesis import assume
from hypothesis import strategies as st

from matching.threeway import (
    Discrepancy,
    Invoice,
    InvoiceLine,
    OrderLine,
    PriorInvoice,
    PurchaseOrder,
    ReceiptLine,
    Vendor,
    percent_off,
)

TERMS_BY_DAYS = {0: ["0001", "due on receipt"], 14: ["NT14", "Net 14", "14 days net"], 30: ["NT30", "Net 30", "30 jours net"],
                 60: ["NT60", "net 60 days"]}
WORDS = ["bolt", "washer", "bearing", "cable", "valve", "pump", "filter", "gasket", "sensor", "relay", "motor"]


@st.composite
def agreeing_triples(draw):
    """A PO, its receipts (split into 1-3 shipments per item) and an invoice billing exactly what was received."""
    vendor_id = draw(st.integers(10_000_000, 99_999_999))
    vendor = Vendor(number=str(vendor_id), name=f"Vendor {vendor_id} GmbH", vat_id=f"DE{vendor_id}9")
    days = draw(st.sampled_from(sorted(TERMS_BY_DAYS)))
    order_lines, receipts, invoice_lines = [], [], []
    descriptions = draw(st.lists(st.sampled_from(WORDS), min_size=1, max_size=5, unique=True))
    for index, word in enumerate(descriptions):
        item, material = str((index + 1) * 10), f"MAT-{index}-{word.upper()}"
        quantity = D(draw(st.integers(1, 500)))
        price = D(draw(st.integers(1, 1_000_000))) / 100
        order_lines.append(OrderLine(item=item, quantity=quantity, unit_price=price, material=material,
                                     description=f"{word} type {index}", material_group=draw(st.sampled_from(["", "L001"]))))
        shipments = draw(st.integers(1, 3))
        cuts = sorted(draw(st.lists(st.integers(1, max(int(quantity) - 1, 1)), min_size=shipments - 1,
                                    max_size=shipments - 1))) if quantity > 1 else []
        bounds = [0, *cuts, int(quantity)]
        for start, end in zip(bounds, bounds[1:]):
            if end > start:
                receipts.append(ReceiptLine(item, D(end - start), material, f"GR{index}{start}"))
        cite_item = draw(st.booleans())  # some invoices cite the PO item, others only the material code
        invoice_lines.append(InvoiceLine(str(index + 1), quantity, price, amount=quantity * price,
                                         product_code=material, po_item=item if cite_item else ""))
    currency = draw(st.sampled_from(["EUR", "USD", "GBP"]))
    order = PurchaseOrder(number=f"45{vendor_id}", vendor=vendor, currency=currency, lines=tuple(order_lines),
                          payment_terms=draw(st.sampled_from(TERMS_BY_DAYS[days])))
    net = sum((line.amount for line in invoice_lines), D(0))
    invoice = Invoice(number=f"INV-{vendor_id}", vendor=replace(vendor, number=""), currency=currency,
                      lines=tuple(invoice_lines), issue_date=dt.date(2024, 1, 1) + dt.timedelta(days=draw(st.integers(0, 700))),
                      net_total=net, gross_total=(net * D("1.19")).quantize(D("0.01")),
                      payment_terms=draw(st.sampled_from(["", *TERMS_BY_DAYS[days]])))
    return order, tuple(receipts), invoice


def _line_index(draw, invoice: Invoice) -> int:
    return draw(st.integers(0, len(invoice.lines) - 1))


@st.composite
def discrepant_triples(draw):
    """(order, receipts, invoice, prior_invoices, the discrepancy kinds that must be found — any one of them)."""
    order, receipts, invoice = draw(agreeing_triples())
    kind = draw(st.sampled_from(list(INJECTIONS)))
    return INJECTIONS[kind](draw, order, receipts, invoice)


def _price(draw, order, receipts, invoice):
    i = _line_index(draw, invoice)
    line = invoice.lines[i]
    percent = D(draw(st.integers(201, 9000))) / 100  # 2.01 % … 90 % off the PO price
    sign = draw(st.sampled_from([1, -1]))
    new_price = (line.unit_price * (1 + sign * percent / 100)).quantize(D("0.01"))
    assume(new_price > 0 and percent_off(new_price, order.lines[i].unit_price) > 2)
    lines = list(invoice.lines)
    lines[i] = replace(line, unit_price=new_price)
    return order, receipts, replace(invoice, lines=tuple(lines)), (), {Discrepancy.PRICE_VARIANCE}


def _quantity(draw, order, receipts, invoice):
    i = _line_index(draw, invoice)
    ordered = order.lines[i].quantity
    extra = D(draw(st.integers(int(ordered * D("0.05")) + 1, int(ordered) + 50)))
    assume(extra / ordered * 100 > 5)
    lines = list(invoice.lines)
    if draw(st.booleans()):  # billed more than received
        lines[i] = replace(lines[i], quantity=lines[i].quantity + extra)
    else:  # billed in full, but part of the delivery never arrived (a partial receipt)
        item = order.lines[i].item
        shortfall = min(extra, ordered)
        receipts = (*[r for r in receipts if r.po_item != item],
                    ReceiptLine(item, ordered - shortfall, order.lines[i].material, "GR-partial"))
        receipts = tuple(r for r in receipts if r.quantity != 0)
    return order, receipts, replace(invoice, lines=tuple(lines)), (), {Discrepancy.QUANTITY_VARIANCE,
                                                                       Discrepancy.NO_RECEIPT}


def _no_receipt(draw, order, receipts, invoice):
    if draw(st.booleans()):
        return order, (), invoice, (), {Discrepancy.NO_RECEIPT}
    item = order.lines[_line_index(draw, invoice)].item
    return order, tuple(r for r in receipts if r.po_item != item), invoice, (), {Discrepancy.NO_RECEIPT}


def _vendor(draw, order, receipts, invoice):
    other = draw(st.integers(10_000_000, 99_999_999))
    assume(f"DE{other}9" != order.vendor.vat_id)
    vendor = draw(st.sampled_from([Vendor(name=order.vendor.name, vat_id=f"DE{other}9"),
                                   Vendor(name=f"Other Supplier {other} Ltd"), Vendor()]))
    return order, receipts, replace(invoice, vendor=vendor), (), {Discrepancy.VENDOR_MISMATCH}


def _duplicate(draw, order, receipts, invoice):
    if draw(st.booleans()):
        prior = PriorInvoice(number=invoice.number.lower(), vendor=order.vendor, gross_total=None, issue_date=None)
    else:
        prior = PriorInvoice(number=invoice.number + "-A", vendor=order.vendor, gross_total=invoice.gross_total,
                             issue_date=invoice.issue_date)
    return order, receipts, invoice, (prior,), {Discrepancy.DUPLICATE}


def _terms(draw, order, receipts, invoice):
    from matching.threeway import payment_days

    days = payment_days(order.payment_terms)
    other = draw(st.sampled_from([d for d in TERMS_BY_DAYS if d != days]))
    terms = draw(st.sampled_from(TERMS_BY_DAYS[other]))
    return order, receipts, replace(invoice, payment_terms=terms), (), {Discrepancy.PAYMENT_TERMS_DIFFER}


def _unordered(draw, order, receipts, invoice):
    extra = InvoiceLine("99", D(draw(st.integers(1, 20))), D(draw(st.integers(100, 99_999))) / 100,
                        description="Expedited freight surcharge")
    return order, receipts, replace(invoice, lines=(*invoice.lines, extra)), (), {Discrepancy.UNORDERED_ITEM}


def _currency(draw, order, receipts, invoice):
    currency = draw(st.sampled_from([c for c in ("EUR", "USD", "GBP", "CHF") if c != order.currency]))
    return order, receipts, replace(invoice, currency=currency), (), {Discrepancy.CURRENCY_MISMATCH}


INJECTIONS = {"price": _price, "quantity": _quantity, "no_receipt": _no_receipt, "vendor": _vendor,
              "duplicate": _duplicate, "terms": _terms, "unordered": _unordered, "currency": _currency}
