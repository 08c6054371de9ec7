"""Document extraction: one pipeline, every format (see pipeline.py); results in the shape of model.py."""

from .model import CONFIRM_BELOW, ExtractedField, ExtractedInvoice, ExtractedLine, ExtractionError
from .pipeline import detect_format, extract_document, extract_file

__all__ = ["CONFIRM_BELOW", "ExtractedField", "ExtractedInvoice", "ExtractedLine", "ExtractionError",
           "detect_format", "extract_document", "extract_file"]
