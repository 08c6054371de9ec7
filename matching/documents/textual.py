"""From text to an ExtractedInvoice: a matching vendor template first, the generic heuristics for the rest.

Every text-bearing format (PDF text layer, DOCX, DOC, TXT, CSV rendered as text, OCR output) ends here, so a
template or heuristic improvement helps all of them at once.
"""

from __future__ import annotations

from collections.abc import Iterable
from decimal import Decimal

from .model import ExtractedField, ExtractedInvoice
from .templates import apply_template, matching_template
from .text_fields import AGREEING, extract_header, prepare
from .text_lines import extract_lines

OCR_PENALTY = 0.85  # OCR misreads digits; even a labelled value needs a person's look more often


def from_text(text: str, *, fmt: str, templates: Iterable[dict] = (), ocr: bool = False,
              warnings: tuple[str, ...] = ()) -> ExtractedInvoice:
    source = "ocr" if ocr else "text"
    fields = extract_header(text, source)
    cleaned = "\n".join(prepare(text))  # templates see the text as the heuristics do (kerned labels mended)
    template = matching_template(cleaned, templates)
    if template is not None:
        fields.update(apply_template(cleaned, template))
    lines = extract_lines(text)
    fields = _check_against_lines(fields, lines)
    if ocr:
        fields = {name: ExtractedField(f.value, round(f.confidence * OCR_PENALTY, 2), f.source)
                  for name, f in fields.items()}
    return ExtractedInvoice(format=fmt, fields=fields, lines=lines, warnings=warnings)


def _check_against_lines(fields: dict[str, ExtractedField], lines) -> dict[str, ExtractedField]:
    """Lines that add up to a stated total confirm it (and give the line total when none was labelled)."""
    amounts = [line.amount for line in lines if line.amount is not None]
    if not amounts:
        return fields
    total = sum(amounts, Decimal("0"))
    for name in ("line_total", "tax_basis_total", "grand_total"):
        found = fields.get(name)
        if found is not None and isinstance(found.value, Decimal) and abs(found.value - total) <= Decimal("0.02"):
            fields[name] = ExtractedField(found.value, max(found.confidence, AGREEING), found.source)
            fields.setdefault("line_total", ExtractedField(total, AGREEING, "lines"))
    return fields
