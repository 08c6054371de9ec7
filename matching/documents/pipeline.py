"""One entry point for every format: `extract_document(data, filename)` detects what the bytes are and hands them
to the right reader. Detection trusts content (magic bytes, XML root) before the file name."""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path

from .einvoice import extract_xml
from .model import ExtractedInvoice, ExtractionError
from .textual import from_text

_IMAGE_MAGIC = (b"\x89PNG", b"\xff\xd8\xff", b"II*\x00", b"MM\x00*", b"GIF8", b"BM")
IMAGE_SUFFIXES = {".png", ".jpg", ".jpeg", ".tif", ".tiff", ".gif", ".bmp", ".webp"}
SUPPORTED = "PDF (incl. ZUGFeRD/Factur-X), UBL or CII XML, DOCX, DOC, CSV, TXT, PNG/JPEG/TIFF"


def detect_format(data: bytes, filename: str = "") -> str:
    suffix = Path(filename).suffix.lower()
    head = data[:8]
    if data[:1024].lstrip().startswith(b"%PDF") or b"%PDF-" in data[:1024]:
        return "pdf"
    if head.startswith(b"PK\x03\x04") and (suffix == ".docx" or b"word/" in data[:4096]):
        return "docx"
    if head.startswith(b"\xd0\xcf\x11\xe0"):
        return "doc"
    if any(head.startswith(magic) for magic in _IMAGE_MAGIC) or (suffix in IMAGE_SUFFIXES and data[:4] == b"RIFF"):
        return "image"
    stripped = data.lstrip(b"\xef\xbb\xbf \t\r\n")
    if stripped.startswith(b"<"):
        return "xml"
    if suffix in (".csv", ".tsv"):
        return "csv"
    if suffix in IMAGE_SUFFIXES:
        return "image"
    return "txt"


def extract_document(data: bytes, filename: str = "", *, templates: Iterable[dict] = (),
                     use_embedded: bool = True) -> ExtractedInvoice:
    """Read any supported invoice document. Raises ExtractionError when the file cannot be read at all."""
    if not data:
        raise ExtractionError("The file is empty.")
    templates = list(templates)
    kind = detect_format(data, filename)
    if kind == "pdf":
        from .pdf import extract_pdf

        return extract_pdf(data, templates=templates, use_embedded=use_embedded)
    if kind == "xml":
        return extract_xml(data)
    if kind == "docx":
        from .office import docx_text

        return from_text(docx_text(data), fmt="docx", templates=templates)
    if kind == "doc":
        from .office import doc_text

        return from_text(doc_text(data), fmt="doc", templates=templates)
    if kind == "image":
        from .ocr import ocr_image_bytes

        return from_text(ocr_image_bytes(data), fmt="image-ocr", templates=templates, ocr=True)
    if kind == "csv":
        from .tabular import extract_csv

        return extract_csv(data, templates=templates)
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError:
        text = data.decode("latin-1")
    if "\x00" in text[:1000]:
        raise ExtractionError(f"This file is not a document we can read. Supported: {SUPPORTED}.")
    return from_text(text, fmt="txt", templates=templates)


def extract_file(path: Path | str, *, templates: Iterable[dict] = (), use_embedded: bool = True) -> ExtractedInvoice:
    path = Path(path)
    return extract_document(path.read_bytes(), path.name, templates=templates, use_embedded=use_embedded)
