"""Turning the text of a field into a typed value: amounts in any locale, dates in any common notation, VAT ids.

Pure functions, shared by every extractor. Each returns None when the text does not hold what it should, so a
caller can fall back to the next candidate instead of trusting a guess.
"""

from __future__ import annotations

import datetime as dt
import re
from decimal import Decimal, InvalidOperation

_AMOUNT = re.compile(r"[-−]?\(?\d[\d .,'’\u00a0\u202f]*\)?")
MONTHS = {
    # English, German, French, Dutch, Polish month names (and their common short forms) → month number.
    **{m: i for i, m in enumerate(["january", "february", "march", "april", "may", "june", "july", "august",
                                   "september", "october", "november", "december"], 1)},
    **{m: i for i, m in enumerate(["januar", "februar", "märz", "april", "mai", "juni", "juli", "august",
                                   "september", "oktober", "november", "dezember"], 1)},
    **{m: i for i, m in enumerate(["janvier", "février", "mars", "avril", "mai", "juin", "juillet", "août",
                                   "septembre", "octobre", "novembre", "décembre"], 1)},
    **{m: i for i, m in enumerate(["januari", "februari", "maart", "april", "mei", "juni", "juli", "augustus",
                                   "september", "oktober", "november", "december"], 1)},
    "sept": 9, "jan": 1, "feb": 2, "mar": 3, "apr": 4, "jun": 6, "jul": 7, "aug": 8, "sep": 9, "oct": 10,
    "nov": 11, "dec": 12, "mrt": 3, "okt": 10, "dez": 12, "mär": 3, "janv": 1, "févr": 2, "avr": 4, "juil": 7,
    "déc": 12, "fevrier": 2, "aout": 8, "decembre": 12,
}
_MONTH_WORDS = "|".join(sorted(map(re.escape, MONTHS), key=len, reverse=True))
DATE_PATTERNS = [
    (re.compile(r"\b(\d{4})-(\d{1,2})-(\d{1,2})\b"), "ymd"),
    (re.compile(r"\b(\d{1,2})[./-](\d{1,2})[./-](\d{4})\b"), "dmy"),
    (re.compile(r"\b(\d{1,2})[./](\d{1,2})[./](\d{2})\b"), "dmy2"),
    (re.compile(rf"\b(\d{{1,2}})\.?\s+({_MONTH_WORDS})\.?,?\s+(\d{{4}})\b", re.I), "d_month_y"),
    (re.compile(rf"\b({_MONTH_WORDS})\.?\s+(\d{{1,2}}),?\s+(\d{{4}})\b", re.I), "month_d_y"),
    (re.compile(rf"\b(\d{{1,2}})-({_MONTH_WORDS})-(\d{{2,4}})\b", re.I), "d_month_y"),
    (re.compile(r"\b(20\d{2})(\d{2})(\d{2})\b"), "ymd"),
]
# EU VAT ids (country prefix + 8-12 characters) and a few well-known national tax ids (GSTIN, ...).
VAT_ID = re.compile(
    r"\b(?:ATU\d{8}|BE0?\d{9,10}|DE\d{9}|DK\d{8}|FR[0-9A-Z]{2}\d{9}|GB\d{9}(?:\d{3})?|NL\d{9}B\d{2}|"
    r"IT\d{11}|ES[0-9A-Z]\d{7}[0-9A-Z]|PL\d{10}|SE\d{12}|FI\d{8}|IE\d[0-9A-Z+*]\d{5}[A-Z]{1,2}|LU\d{8}|"
    r"PT\d{9}|CZ\d{8,10}|NO\d{9}MVA|CHE[-.\s]?\d{3}[.\s]?\d{3}[.\s]?\d{3}|EL\d{9}|\d{2}[A-Z]{5}\d{4}[A-Z]\d[Z][0-9A-Z])\b"
)
CURRENCY_SYMBOLS = {"€": "EUR", "$": "USD", "£": "GBP", "¥": "JPY", "₹": "INR", "zł": "PLN", "Rs.": "INR", "CHF": "CHF"}
ISO_CURRENCIES = frozenset(
    "EUR USD GBP CHF JPY INR PLN SEK NOK DKK HUF CZK CAD AUD NZD CNY RON BGN HRK TRY ZAR BRL MXN SGD HKD".split()
)


def parse_amount(text: str | None) -> Decimal | None:
    """'1.234,56' / '1,234.56' / '1 234,56 €' / '(12.00)' / '-3,5' → Decimal; None if no amount is there."""
    if text is None:
        return None
    match = _AMOUNT.search(str(text).replace("−", "-"))
    if not match:
        return None
    raw = match.group(0).strip()
    negative = raw.startswith("-") or (raw.startswith("(") and raw.endswith(")"))
    digits = re.sub(r"[^\d.,]", "", raw)
    if not digits:
        return None
    last_dot, last_comma = digits.rfind("."), digits.rfind(",")
    if last_dot >= 0 and last_comma >= 0:  # both marks: the later one is the decimal mark
        decimal_mark = "." if last_dot > last_comma else ","
    elif last_dot < 0 and last_comma < 0:
        decimal_mark = None
    else:
        mark = "." if last_dot >= 0 else ","
        whole, tail = digits.rsplit(mark, 1)
        # A mark used more than once groups thousands; used once before exactly three digits it groups thousands
        # too ('1,234', '12.500') unless nothing stands before it ('0.125').
        grouped = digits.count(mark) > 1 or (len(tail) == 3 and whole not in ("", "0"))
        decimal_mark = None if grouped else mark
    if decimal_mark:
        whole, _, fraction = digits.rpartition(decimal_mark)
        whole = re.sub(r"[.,]", "", whole)
        number = f"{whole or '0'}.{fraction}"
    else:
        number = re.sub(r"[.,]", "", digits)
    try:
        value = Decimal(number)
    except InvalidOperation:
        return None
    return -value if negative else value


def parse_date(text: str | None, *, day_first: bool = True) -> dt.date | None:
    """The first date in `text` in any of the usual notations (ISO, 31.12.2024, 12/31/2024, 3 March 2024, …)."""
    if not text:
        return None
    for pattern, kind in DATE_PATTERNS:
        for match in pattern.finditer(str(text)):
            found = _date_from(match.groups(), kind, day_first)
            if found:
                return found
    return None


def _date_from(groups, kind: str, day_first: bool) -> dt.date | None:
    try:
        if kind == "ymd":
            year, month, day = (int(g) for g in groups)
        elif kind in ("dmy", "dmy2"):
            first, second, year = (int(g) for g in groups)
            if kind == "dmy2":
                year += 2000
            day, month = (first, second) if day_first else (second, first)
            if month > 12 and day <= 12:
                day, month = month, day
        elif kind == "d_month_y":
            day, month, year = int(groups[0]), MONTHS[groups[1].lower().rstrip(".")], int(groups[2])
            year += 2000 if year < 100 else 0
        else:  # month_d_y
            month, day, year = MONTHS[groups[0].lower().rstrip(".")], int(groups[1]), int(groups[2])
        if not 1990 <= year <= 2100:
            return None
        return dt.date(year, month, day)
    except (ValueError, KeyError):
        return None


def parse_xml_date(text: str | None, fmt: str | None = None) -> dt.date | None:
    """CII `format="102"` (YYYYMMDD), 610 (YYYYMM) and ISO dates of UBL."""
    text = (text or "").strip()
    if not text:
        return None
    try:
        if fmt == "102" or (len(text) == 8 and text.isdigit()):
            return dt.date(int(text[:4]), int(text[4:6]), int(text[6:8]))
        if fmt == "610":
            return dt.date(int(text[:4]), int(text[4:6]), 1)
        return dt.date.fromisoformat(text[:10])
    except ValueError:
        return parse_date(text)


def find_vat_id(text: str) -> str | None:
    match = VAT_ID.search(re.sub(r"(?<=[A-Z]{2})[ .](?=\d)", "", text or ""))
    return match.group(0).replace(" ", "").replace(".", "") if match else None


def normalise_vat(text: str) -> str:
    return re.sub(r"[^0-9A-Z]", "", (text or "").upper())


def find_currency(text: str) -> str | None:
    """An ISO code written out wins over a symbol ('$' is also AUD, CAD, …)."""
    codes = re.findall(r"\b([A-Z]{3})\b", text or "")
    for code in codes:
        if code in ISO_CURRENCIES:
            return code
    for symbol, code in CURRENCY_SYMBOLS.items():
        if symbol in (text or ""):
            return code
    return None


def collapse(text: str | None) -> str:
    return re.sub(r"\s+", " ", text or "").strip()
