"""Invoice lines read from text: a description followed by numbers where quantity × unit price = amount.

A row is only taken when its own numbers agree (within a cent or 1 %), so a footer line or an address with
numbers in it is never mistaken for an item. Amounts in a row may include VAT or not; the check holds either way
because quantity, unit price and amount are all stated on the same basis.
"""

from __future__ import annotations

import re
from decimal import Decimal

from .model import ExtractedLine
from .normalize import parse_amount

LINE_CONFIDENCE = 0.80
_TOKEN = re.compile(r"(?<![\w.,])[-−]?(?:[€$£]\s?)?\d[\d.,]*(?:\s?[€$£])?(?![\w%])(?!\s?%)")
_UNIT = re.compile(r"^\s*(pcs?|pieces?|stk|st|ea|each|x|units?|h|hrs?|hours?|kg|m|l|stück|pce|c62|h87)\b\.?", re.I)
_NOT_AN_ITEM = re.compile(r"\b(total|subtotal|summe|totaal|vat|tax|btw|mwst|ust|tva|iban|bic|page|seite)\b", re.I)


def _tokens(line: str) -> list[tuple[Decimal, int, int]]:
    out = []
    for match in _TOKEN.finditer(line):
        value = parse_amount(match.group(0))
        if value is not None:
            out.append((value, match.start(), match.end()))
    return out


def _agree(quantity: Decimal, price: Decimal, amount: Decimal) -> bool:
    product = quantity * price
    return abs(product - amount) <= max(Decimal("0.01"), abs(amount) * Decimal("0.01"))


def parse_line(line: str) -> ExtractedLine | None:
    tokens = _tokens(line)
    if len(tokens) < 3 or _NOT_AN_ITEM.search(line):
        return None
    amount, amount_start, _ = tokens[-1]
    earlier = tokens[:-1]
    for qi, (quantity, q_start, q_end) in enumerate(earlier):
        if quantity <= 0 or quantity > 100000:
            continue
        for pi, (price, p_start, p_end) in enumerate(earlier):
            if pi == qi or not _agree(quantity, price, amount):
                continue
            first = min(q_start, p_start)
            description = re.sub(r"^\d{1,3}[.)]?\s+", "", line[:first]).strip(" -:|")
            if len(re.sub(r"[^A-Za-zÀ-ÿ]", "", description)) < 3:
                continue
            unit_match = _UNIT.match(line[q_end:]) if q_end <= p_start or qi > pi else None
            return ExtractedLine(
                description=description, quantity=quantity, unit_price=price, amount=amount,
                unit=unit_match.group(1) if unit_match else "", confidence=LINE_CONFIDENCE,
            )
    return None


def extract_lines(text: str) -> tuple[ExtractedLine, ...]:
    found = []
    for raw in (text or "").splitlines():
        line = parse_line(raw.strip())
        if line is not None:
            found.append(ExtractedLine(**{**line.__dict__, "line_id": str(len(found) + 1)}))
    return tuple(found)
