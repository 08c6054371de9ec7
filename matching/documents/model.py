"""What an extractor returns: every field with its value, a confidence and where it came from.

One shape for every format (UBL, CII, Factur-X PDF, PDF text, DOCX, DOC, CSV, TXT, scanned images), so matching,
the upload page and `extract_eval` never care which format a document had. Values are typed: `Decimal` for amounts
and quantities (never floats), `datetime.date` for dates, `str` for the rest. A field below
`CONFIRM_BELOW` confidence is shown to a person for confirmation instead of being trusted.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field, replace
from decimal import Decimal

CONFIRM_BELOW = 0.90

# The header fields every extractor tries to fill (the extract_eval truth columns plus what matching needs).
HEADER_FIELDS = (
    "invoice_number", "type_code", "issue_date", "due_date", "seller_name", "seller_vat", "buyer_name", "currency",
    "line_total", "tax_basis_total", "tax_total", "grand_total", "due_payable", "po_reference", "payment_terms",
)
AMOUNT_FIELDS = frozenset({"line_total", "tax_basis_total", "tax_total", "grand_total", "due_payable"})
DATE_FIELDS = frozenset({"issue_date", "due_date"})


@dataclass(frozen=True)
class ExtractedField:
    value: str | Decimal | dt.date
    confidence: float
    source: str  # "xml", "template:<vendor>", "text", "ocr", …

    @property
    def needs_confirmation(self) -> bool:
        return self.confidence < CONFIRM_BELOW

    def as_text(self) -> str:
        if isinstance(self.value, dt.date):
            return self.value.isoformat()
        if isinstance(self.value, Decimal):
            return format(self.value, "f")
        return str(self.value)


@dataclass(frozen=True)
class ExtractedLine:
    description: str = ""
    quantity: Decimal | None = None
    unit: str = ""
    unit_price: Decimal | None = None
    amount: Decimal | None = None
    product_code: str = ""
    line_id: str = ""
    po_line_reference: str = ""
    confidence: float = 0.0


@dataclass(frozen=True)
class ExtractedInvoice:
    """A document as read: header fields by name, lines, the format detected and what went wrong on the way."""

    format: str
    fields: dict[str, ExtractedField] = field(default_factory=dict)
    lines: tuple[ExtractedLine, ...] = ()
    warnings: tuple[str, ...] = ()

    def value(self, name: str, default=None):
        found = self.fields.get(name)
        return found.value if found is not None else default

    def text(self, name: str) -> str:
        found = self.fields.get(name)
        return found.as_text() if found is not None else ""

    def confidence(self, name: str) -> float:
        found = self.fields.get(name)
        return found.confidence if found is not None else 0.0

    @property
    def fields_to_confirm(self) -> list[str]:
        return [name for name, f in self.fields.items() if f.needs_confirmation]

    def with_warning(self, message: str) -> ExtractedInvoice:
        return replace(self, warnings=(*self.warnings, message))


class ExtractionError(Exception):
    """The document cannot be read at all (corrupt, encrypted, unknown format); the message says why for a person."""
