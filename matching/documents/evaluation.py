"""Field-level accuracy of the extractor against a truth table (the engine of `manage.py extract_eval`).

truth.csv: a `file` column (path relative to the document folder) and any of TRUTH_FIELDS; other columns are ignored
and an empty cell is not checked. Amounts compare as decimals, dates as ISO dates, names case- and
space-insensitively, identifiers (invoice number, VAT id, PO reference) ignoring case and spaces.
"""

from __future__ import annotations

import csv
import json
import re
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from pathlib import Path

from .model import AMOUNT_FIELDS, DATE_FIELDS, ExtractedInvoice, ExtractionError
from .normalize import normalise_vat, parse_date

TRUTH_FIELDS = (
    "invoice_number", "issue_date", "due_date", "seller_name", "seller_vat", "buyer_name", "currency", "line_total",
    "tax_basis_total", "tax_total", "grand_total", "due_payable", "po_reference",
)
NAME_FIELDS = frozenset({"seller_name", "buyer_name"})


def values_agree(name: str, expected: str, found: str) -> bool:
    expected, found = (expected or "").strip(), (found or "").strip()
    if not found:
        return False
    if name in AMOUNT_FIELDS:
        try:
            return Decimal(expected) == Decimal(found)
        except InvalidOperation:
            return False
    if name in DATE_FIELDS:
        return parse_date(expected) is not None and parse_date(expected) == parse_date(found)
    if name == "seller_vat":
        return normalise_vat(expected) == normalise_vat(found)
    if name in NAME_FIELDS:
        return _squash(expected) == _squash(found)
    return _squash(expected) == _squash(found)


def _squash(text: str) -> str:
    return re.sub(r"\s+", "", text).casefold()


@dataclass
class Evaluation:
    checked: dict[str, int] = field(default_factory=dict)
    correct: dict[str, int] = field(default_factory=dict)
    rows: list[dict] = field(default_factory=list)
    documents: int = 0
    failures: list[str] = field(default_factory=list)
    seconds: float = 0.0

    def count(self, name: str, ok: bool) -> None:
        self.checked[name] = self.checked.get(name, 0) + 1
        self.correct[name] = self.correct.get(name, 0) + int(ok)

    @property
    def field_accuracy(self) -> dict[str, float]:
        return {name: round(self.correct[name] / n, 4) for name, n in self.checked.items() if n}

    @property
    def overall_accuracy(self) -> float:
        total = sum(self.checked.values())
        return round(sum(self.correct.values()) / total, 4) if total else 0.0

    @property
    def docs_per_s(self) -> float:
        return round(self.documents / self.seconds, 2) if self.seconds else 0.0

    def as_dict(self) -> dict:
        return {"overall_accuracy": self.overall_accuracy, "fields": self.field_accuracy, "documents": self.documents,
                "docs_per_s": self.docs_per_s, "unreadable": self.failures}


def read_truth(path: Path) -> tuple[list[str], list[dict]]:
    with open(path, newline="", encoding="utf-8-sig") as handle:
        reader = csv.DictReader(handle)
        if not reader.fieldnames or "file" not in reader.fieldnames:
            raise ValueError(f"{path} has no 'file' column")
        columns = [c for c in reader.fieldnames if c in TRUTH_FIELDS]
        return columns, [row for row in reader if (row.get("file") or "").strip()]


def evaluate(directory: Path, truth_rows: Iterable[dict], columns: list[str],
             extract: Callable[[Path], ExtractedInvoice]) -> Evaluation:
    """Run `extract` on every file of the truth table and compare the columns it names."""
    result = Evaluation()
    started = time.perf_counter()
    for row in truth_rows:
        path = directory / row["file"].strip()
        try:
            invoice = extract(path)
        except (ExtractionError, OSError) as exc:
            invoice = None
            result.failures.append(f"{row['file']}: {exc}")
        result.documents += 1
        out = {"file": row["file"]}
        for name in columns:
            found = invoice.text(name) if invoice else ""
            out[name] = found
            expected = (row.get(name) or "").strip()
            if expected:
                result.count(name, values_agree(name, expected, found))
        result.rows.append(out)
    result.seconds = time.perf_counter() - started
    return result


def write_rows(path: Path, columns: list[str], rows: list[dict]) -> None:
    with open(path, "w", newline="", encoding="utf-8") as handle:
        writer = csv.DictWriter(handle, fieldnames=["file", *columns])
        writer.writeheader()
        writer.writerows(rows)


# ---- invoice2data's JSON fixtures as a truth table ----------------------------------------------------------------

# invoice2data key → our truth column. `issuer` is the template's label, not text on the document, so the seller
# name is not compared; `amount` is the gross total.
INVOICE2DATA_KEYS = {"invoice_number": "invoice_number", "date": "issue_date", "amount": "grand_total",
                     "amount_untaxed": "tax_basis_total", "amount_tax": "tax_total", "currency": "currency",
                     "vat": "seller_vat", "date_due": "due_date"}


def invoice2data_truth(directory: Path, suffixes=(".pdf", ".txt")) -> list[dict]:
    """One truth row per document that has a `<name>.json` beside it (invoice2data's test layout)."""
    rows = []
    for expected_file in sorted(directory.glob("*.json")):
        for suffix in suffixes:
            document = expected_file.with_suffix(suffix)
            if document.exists():
                data = json.loads(expected_file.read_text(encoding="utf-8"))
                data = data[0] if isinstance(data, list) else data
                row = {"file": document.name}
                for key, column in INVOICE2DATA_KEYS.items():
                    if data.get(key) not in (None, ""):
                        row[column] = _plain(data[key])
                rows.append(row)
    return rows


def _plain(value) -> str:
    if isinstance(value, float):
        return format(Decimal(str(value)), "f")
    return str(value)
