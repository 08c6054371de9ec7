"""PDF invoices: the embedded e-invoice first (ZUGFeRD / Factur-X / XRechnung in PDF/A-3, read with the factur-x
package), then the text layer (pdfplumber), then OCR of the rendered pages when there is no text layer (a scan).

A hybrid PDF whose embedded XML is broken falls back to its visible text, with a warning saying so.
"""

from __future__ import annotations

import io
import logging
from collections.abc import Iterable

from .einvoice import extract_xml
from .model import ExtractedInvoice, ExtractionError
from .textual import from_text

# Attachment names, most specific first; "*.xml" catches senders that name the file their own way.
EMBEDDED_NAMES = ["factur-x.xml", "zugferd-invoice.xml", "xrechnung.xml", "*.xml"]
MIN_TEXT_CHARS = 40


def embedded_xml(data: bytes) -> bytes | None:
    from facturx import get_xml_from_pdf

    facturx_log = logging.getLogger("factur-x")
    level = facturx_log.level
    facturx_log.setLevel(logging.ERROR)  # it warns about every non-invoice attachment
    try:
        name, xml = get_xml_from_pdf(data, check_xsd=False, filenames=EMBEDDED_NAMES)
    except Exception as exc:  # pypdf raises many types for damaged files  # noqa: BLE001
        raise ExtractionError(f"The PDF cannot be opened ({type(exc).__name__}: {exc}); ask the vendor to resend it.") from exc
    finally:
        facturx_log.setLevel(level)
    return xml if name else None


def pdf_text(data: bytes) -> str:
    import pdfplumber

    try:
        with pdfplumber.open(io.BytesIO(data)) as pdf:
            return "\n".join(page.extract_text() or "" for page in pdf.pages)
    except Exception as exc:  # pdfminer raises PDFSyntaxError, PSEOF, … on damaged files  # noqa: BLE001
        raise ExtractionError(f"The PDF's text cannot be read ({type(exc).__name__}); ask the vendor to resend it.") from exc


def extract_pdf(data: bytes, *, templates: Iterable[dict] = (), use_embedded: bool = True) -> ExtractedInvoice:
    warnings: tuple[str, ...] = ()
    if use_embedded:
        xml = embedded_xml(data)
        if xml:
            try:
                return extract_xml(xml, fmt_prefix="pdf+")
            except ExtractionError as exc:
                warnings = (f"The embedded e-invoice XML is unreadable ({exc}); read the visible text instead.",)
    text = pdf_text(data)
    if len(text.strip()) >= MIN_TEXT_CHARS:
        return from_text(text, fmt="pdf-text", templates=templates, warnings=warnings)
    from .ocr import ocr_pdf

    return from_text(ocr_pdf(data), fmt="pdf-ocr", templates=templates, ocr=True,
                     warnings=(*warnings, "The PDF has no text layer; it was read by OCR."))
