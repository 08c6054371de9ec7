"""Per-vendor templates: data (JSON or YAML, editable in the admin) that says how one vendor's invoices read.

A template is a dict:
    {"vendor": "Coolblue B.V.",                 # the seller name to report
     "keywords": ["Coolblue", "NL810433941B01"], # every one must appear in the text for the template to apply
     "fields": {"invoice_number": "Factuurnummer:\\s*(\\S+)", "issue_date": "Factuurdatum:\\s*(.+)", …},
     "static": {"seller_vat": "NL810433941B01", "currency": "EUR"},   # values every invoice of the vendor has
     "options": {"day_first": true}}
Field patterns are regular expressions with one group (or none: the whole match); they run on the text as extracted.
Values found by a template have confidence 0.95; a pattern that finds nothing leaves the field to the heuristics.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable

from .model import AMOUNT_FIELDS, DATE_FIELDS, ExtractedField
from .normalize import collapse, parse_amount, parse_date

TEMPLATE_CONFIDENCE = 0.95


class TemplateError(ValueError):
    pass


def load_template(text: str) -> dict:
    """Parse a template from JSON (or YAML when PyYAML is installed) and check its shape."""
    try:
        data = json.loads(text)
    except ValueError:
        try:
            import yaml
        except ImportError:  # pragma: no cover - PyYAML is a dependency
            raise TemplateError("the template is not valid JSON") from None
        try:
            data = yaml.safe_load(text)
        except yaml.YAMLError as exc:
            raise TemplateError(f"the template is neither JSON nor YAML: {exc}") from None
    validate_template(data)
    return data


def validate_template(data) -> None:
    if not isinstance(data, dict):
        raise TemplateError("a template is an object with 'keywords' and 'fields'")
    keywords = data.get("keywords")
    if not isinstance(keywords, list) or not keywords or not all(isinstance(k, str) and k for k in keywords):
        raise TemplateError("'keywords' must be a non-empty list of strings that all appear on the vendor's invoices")
    for name, pattern in (data.get("fields") or {}).items():
        try:
            compiled = re.compile(pattern)
        except (re.error, TypeError) as exc:
            raise TemplateError(f"field '{name}': the pattern does not compile ({exc})") from None
        if compiled.groups > 1:
            raise TemplateError(f"field '{name}': use at most one capturing group")


def matching_template(text: str, templates: Iterable[dict]) -> dict | None:
    """The first template whose keywords all occur in the text (case-insensitively)."""
    folded = (text or "").casefold()
    for template in templates:
        if all(keyword.casefold() in folded for keyword in template.get("keywords", [])):
            return template
    return None


def apply_template(text: str, template: dict) -> dict[str, ExtractedField]:
    source = f"template:{template.get('vendor') or template['keywords'][0]}"
    day_first = (template.get("options") or {}).get("day_first", True)
    found: dict[str, ExtractedField] = {}
    for name, value in (template.get("static") or {}).items():
        found[name] = ExtractedField(_typed(name, str(value), day_first), TEMPLATE_CONFIDENCE, source)
    if template.get("vendor"):
        found["seller_name"] = ExtractedField(template["vendor"], TEMPLATE_CONFIDENCE, source)
    for name, pattern in (template.get("fields") or {}).items():
        match = re.search(pattern, text or "", re.I | re.M)
        if not match:
            continue
        value = _typed(name, collapse(match.group(1) if match.groups() else match.group(0)), day_first)
        if value not in (None, ""):
            found[name] = ExtractedField(value, TEMPLATE_CONFIDENCE, source)
    return found


def _typed(name: str, raw: str, day_first: bool):
    if name in AMOUNT_FIELDS:
        return parse_amount(raw)
    if name in DATE_FIELDS:
        return parse_date(raw, day_first=day_first)
    return raw
