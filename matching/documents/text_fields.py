"""Generic, layout-aware heuristics that read invoice header fields from plain text (PDF text layer, DOCX, DOC,
TXT, OCR output) when no vendor template applies.

Every field is found the same way: a label from labels.py, then the value on the same line after it, or on the
line below it (layout-aware: a label in a table header has its value underneath). Confidence says how the value
was found: same line 0.80, line below 0.65, no label at all (a pattern or a position) 0.40–0.60. Amounts that add
up (net + tax = gross, lines = net) are raised to 0.92, because two independent readings agreeing is evidence.
"""

from __future__ import annotations

import re
from collections import Counter
from decimal import Decimal

from . import labels
from .model import ExtractedField
from .normalize import (
    ISO_CURRENCIES,
    collapse,
    find_currency,
    find_vat_id,
    parse_amount,
    parse_date,
)

SAME_LINE, NEXT_LINE, UNLABELLED = 0.80, 0.65, 0.45
AGREEING = 0.92
# An amount: digits with thousands marks (a space only before three digits and a decimal part: '1 234,56'),
# never glued to letters (so 'DE123456789' or 'INV2024' is no amount).
_NUMBER = re.compile(
    r"(?<![A-Za-z\d])[-−(]?(?:[€$£¥₹]\s?)?"
    r"(?:\d{1,3}(?:[ \u00a0\u202f]\d{3})+[.,]\d{2}(?!\d)|\d[\d.,'’]*\d|\d)(?:\s?[€$£])?\)?(?![A-Za-z])"
)
_PERCENT_AFTER = re.compile(r"^\s?%")
_IDENTIFIER = re.compile(r"[A-Za-z0-9][A-Za-z0-9\-/._#]*\d[A-Za-z0-9\-/._]*|\d+")
_KERNED_LABEL = re.compile(r"\b([A-Z]) ([a-zäöüé]{3,}\s*:)")  # "F actuurnummer:" as some PDFs set it


def prepare(text: str) -> list[str]:
    lines = [_KERNED_LABEL.sub(r"\1\2", line).strip() for line in (text or "").splitlines()]
    return [collapse(line) for line in lines if line.strip()]


def _label(patterns: list[str]) -> re.Pattern:
    return re.compile(r"(?:" + "|".join(f"(?:{p})" for p in patterns) + r")\s*[:#.]?\s*", re.I)


def _ranked(patterns: list[str]) -> list[re.Pattern]:
    """One pattern per label, in the order labels.py gives: a more specific label outranks a generic one."""
    return [re.compile(rf"(?:{p})\s*[:#.]?\s*", re.I) for p in patterns]


LABELS = {name: _ranked(getattr(labels, name.upper())) for name in (
    "invoice_number", "issue_date", "due_date", "grand_total", "tax_basis_total", "tax_total", "due_payable",
    "line_total", "po_reference", "payment_terms")}
_BUYER, _SELLER = _label(labels.BUYER_BLOCK), _label(labels.SELLER_BLOCK)
_CURRENCY_LABEL = _label(labels.CURRENCY_LABEL)
_LEGAL_FORM = re.compile(labels.LEGAL_FORMS)
_TERMS_PHRASE = re.compile("|".join(labels.PAYMENT_TERMS_PHRASES), re.I)


def labelled(lines: list[str], name: str, parse, *, last: bool = False):
    """(value, confidence) for the best-ranked label of `name` whose value parses: on the same line after the label,
    else on the line below it. With `last`, the last such line wins (a total repeated at the end of the page)."""
    for pattern in LABELS[name]:
        found = None
        for index, line in enumerate(lines):
            for match in pattern.finditer(line):
                rest = line[match.end():]
                value = parse(rest)
                if value is not None:
                    found = (value, SAME_LINE)
                elif not rest.strip() and index + 1 < len(lines) and (value := parse(lines[index + 1])) is not None:
                    found = (value, NEXT_LINE)
                else:
                    continue
                break
            if found and not last:
                return found
        if found:
            return found
    return None


def amounts_in(text: str) -> list[Decimal]:
    """The amounts on a line, leaving out percentages ('19 %') and years-like integers glued to dates."""
    values = []
    for match in _NUMBER.finditer(text):
        if _PERCENT_AFTER.match(text[match.end():]):
            continue
        value = parse_amount(match.group(0))
        if value is not None:
            values.append(value)
    return values


def amount_after_label(text: str) -> Decimal | None:
    """The amount a label introduces: the first one written with decimals ('€ 124,61' after 'BTW 21%'), else the
    last number on the line."""
    for match in _NUMBER.finditer(text):
        if _PERCENT_AFTER.match(text[match.end():]):
            continue
        if re.search(r"[.,]\d{2}\)?\s?[€$£]?$", match.group(0).strip()):
            return parse_amount(match.group(0))
    values = amounts_in(text)
    return values[-1] if values else None


def identifier(text: str) -> str | None:
    for token in _IDENTIFIER.findall(text.strip()):
        token = token.strip(".,:;#")
        if any(c.isdigit() for c in token) and len(token) >= 3 and not _is_date(token):
            return token
    return None


def _is_date(token: str) -> bool:
    """A token that is nothing but a date ('RE-20190610/507' stays an invoice number)."""
    return bool(re.fullmatch(r"[\d./-]{6,10}", token)) and parse_date(token) is not None


def last_amount(text: str) -> Decimal | None:
    """Tax rows list base, rate and tax: the tax is the last amount."""
    values = amounts_in(text)
    return values[-1] if values else None


def extract_header(text: str, source: str = "text") -> dict[str, ExtractedField]:
    lines = prepare(text)
    found: dict[str, tuple] = {}
    found["invoice_number"] = labelled(lines, "invoice_number", identifier)
    found["issue_date"] = labelled(lines, "issue_date", parse_date)
    found["due_date"] = labelled(lines, "due_date", parse_date)
    for name in ("grand_total", "tax_basis_total", "due_payable", "line_total"):
        found[name] = labelled(lines, name, amount_after_label, last=name in ("grand_total", "due_payable"))
    found["tax_total"] = labelled(lines, "tax_total", last_amount, last=True)
    found["po_reference"] = labelled(lines, "po_reference", identifier)
    found["payment_terms"] = _payment_terms(lines)
    found["currency"] = _currency(lines)
    found["seller_vat"] = _seller_vat(lines)
    found["seller_name"] = _seller_name(lines)
    found["buyer_name"] = _buyer_name(lines)
    if found["issue_date"] is None:
        first = next((d for d in map(parse_date, lines[:25]) if d), None)
        found["issue_date"] = (first, UNLABELLED) if first else None
    _cross_check_totals(found)
    return {name: ExtractedField(value, round(conf, 2), source) for name, pair in found.items() if pair
            for value, conf in [pair] if value not in (None, "")}


def _cross_check_totals(found: dict) -> None:
    net, tax, gross = (found.get(k) for k in ("tax_basis_total", "tax_total", "grand_total"))
    if net and tax and gross and abs(net[0] + tax[0] - gross[0]) <= Decimal("0.02"):
        for key in ("tax_basis_total", "tax_total", "grand_total"):
            found[key] = (found[key][0], max(found[key][1], AGREEING))
    elif net and gross and not tax and gross[0] >= net[0]:
        found["tax_total"] = (gross[0] - net[0], UNLABELLED)
    elif tax and gross and not net:
        found["tax_basis_total"] = (gross[0] - tax[0], UNLABELLED)
    if gross and not found.get("due_payable"):
        found["due_payable"] = (gross[0], gross[1] * 0.8)
    net = found.get("tax_basis_total")
    if net and not found.get("line_total"):  # equal unless the invoice has header allowances or charges
        found["line_total"] = (net[0], UNLABELLED)


def _payment_terms(lines: list[str]):
    found = labelled(lines, "payment_terms", lambda rest: collapse(rest)[:200] or None)
    if found:
        return found
    for line in lines:
        if _TERMS_PHRASE.search(line):
            return collapse(line)[:200], UNLABELLED
    return None


def _currency(lines: list[str]):
    for line in lines:
        match = _CURRENCY_LABEL.search(line)
        if match and (code := find_currency(line[match.end():])):
            return code, SAME_LINE
    counts = Counter()
    for line in lines:
        counts.update(code for code in re.findall(r"\b([A-Z]{3})\b", line) if code in ISO_CURRENCIES)
        counts.update(find_currency(symbol) for symbol in re.findall(r"[€$£¥₹]", line))
    if counts:
        code, _ = counts.most_common(1)[0]
        return code, 0.75 if sum(counts.values()) > 1 else 0.6
    return None


def _in_buyer_block(lines: list[str], index: int) -> bool:
    """Whether line `index` sits in the few lines under a buyer label (bill to, Käufer, …)."""
    for back in range(index, max(-1, index - 5), -1):
        if _SELLER.search(lines[back]):
            return False
        if _BUYER.search(lines[back]):
            return True
    return False


def _seller_vat(lines: list[str]):
    candidates = [(i, vat) for i, line in enumerate(lines) if (vat := find_vat_id(line))]
    if not candidates:
        return None
    sellers = [vat for i, vat in candidates if not _in_buyer_block(lines, i)]
    distinct = set(vat for _, vat in candidates)
    if sellers:
        return sellers[0], 0.8 if len(distinct) == 1 else 0.65
    return candidates[0][1], 0.4


def _name_after(lines: list[str], index: int, match: re.Match) -> str | None:
    """The party name after a block label: the rest of the line when the label ends in ':' ('Bill to: Acme'), a
    'Name:' line below, or the next line that is not a customer or account number."""
    rest = lines[index][match.end():].strip(" :/")
    if _BUYER.match(rest) or _SELLER.match(rest):  # 'Käufer/Leistungsempfänger': two labels, no name yet
        rest = ""
    if len(re.sub(r"[^A-Za-zÀ-ÿ]", "", rest)) >= 3:
        # 'Bill to: Acme' names the party; 'Lieferant GmbH' is a name that starts with a label word.
        return rest if ":" in match.group(0) else None
    for line in lines[index + 1:index + 4]:
        if re.match(r"name\s*:", line, re.I):
            return line.split(":", 1)[-1].strip() or None
    for line in lines[index + 1:index + 4]:
        if re.search(r"(?:nummer|number|\bnr\b|\bno\b|-nr|\bid\b|gln)", line, re.I) and re.search(r"\d", line):
            continue
        if len(re.sub(r"[^A-Za-zÀ-ÿ]", "", line)) >= 3:
            return line
    return None


def _seller_name(lines: list[str]):
    for index, line in enumerate(lines[:60]):
        match = _SELLER.match(line)
        if match and (name := _name_after(lines, index, match)):
            return _strip_name(name), NEXT_LINE
    for index, line in enumerate(lines[:20]):
        match = _LEGAL_FORM.search(line)
        if match and not _in_buyer_block(lines, index):
            return _strip_name(line[:match.end()]), 0.6
    return (_strip_name(lines[0]), 0.3) if lines else None


def _buyer_name(lines: list[str]):
    for index, line in enumerate(lines[:80]):
        match = _BUYER.search(line)
        if match and match.start() < 3 and (name := _name_after(lines, index, match)):
            return _strip_name(name), NEXT_LINE
    return None


def _strip_name(text: str) -> str:
    # Drop what often shares a line with a company name in a letterhead: a document title, a URL, a page number.
    text = re.sub(r"^(?:invoice|rechnung|facture|factuur|faktura|tax invoice)\b[.:\s]*", "", text, flags=re.I)
    text = re.sub(r"\s+(?:www\.\S+|https?://\S+)$", "", text)
    return collapse(text.strip(" ,;:-"))
