"""extraction: documents per second and field accuracy of our extractor beside invoice2data, on the same files.

The files: every PDF and text invoice with ground truth in ../shared/data —
  * zugferd_facturx/pdf (72 hybrid PDFs; truth from their embedded XML, ground_truth.csv),
  * invoice2data_compare/compare and /custom (12 real vendor PDFs/TXT and 5 text invoices; truth from the JSON
    beside each, mapped to our columns by matching.documents.evaluation.invoice2data_truth).
Both extractors read each file from disk in the same process, one after the other, timed separately; fields compare
with the rules of `manage.py extract_eval` (amounts as decimals, dates as dates, names ignoring case and spaces).

  * ours: matching.documents.extract_file, as the product runs it (embedded e-invoice first, then text), without
    vendor templates (none are configured in a fresh install);
  * ours_text_only: the same but ignoring embedded XML, i.e. our generic text heuristics alone;
  * invoice2data (PyPI, the `bench` extra) with its ~200 bundled templates and its default text backends.
invoice2data has no template for the ZUGFeRD/Factur-X samples (it finds nothing there), while its bundled templates
were written for the invoice2data_compare vendors, whose truth it produced: per-dataset figures are in `datasets`.
Also reported: our extractor on the 104 e-invoice XML files (invoice2data cannot read XML).
"""

from __future__ import annotations

import csv
import logging
import os
import shutil
import sys
import time
from decimal import Decimal
from pathlib import Path

from . import _harness as h

NAME = "extraction"
KEY_FIGURES = ["docs", "docs_per_s", "accuracy", "invoice2data_docs_per_s", "invoice2data_accuracy",
               "text_only_accuracy", "einvoice_xml_accuracy"]
DATA = h.ROOT.parent / "shared" / "data"
INVOICE2DATA_FIELDS = {"invoice_number": "invoice_number", "date": "issue_date", "date_due": "due_date",
                       "issuer": "seller_name", "vat": "seller_vat", "currency": "currency", "amount": "grand_total",
                       "amount_untaxed": "tax_basis_total", "amount_tax": "tax_total"}


def log(message: str) -> None:
    print(f"[{NAME} {time.strftime('%H:%M:%S')}] {message}", flush=True)


def documents() -> list[tuple[str, Path, dict]]:
    """(dataset, path, truth row) for every PDF/TXT invoice with ground truth."""
    from matching.documents.evaluation import invoice2data_truth

    found = []
    with open(DATA / "zugferd_facturx" / "ground_truth.csv", newline="", encoding="utf-8") as handle:
        for row in csv.DictReader(handle):
            found.append(("zugferd_facturx", DATA / "zugferd_facturx" / row["file"], row))
    for sub in ("compare", "custom"):
        folder = DATA / "invoice2data_compare" / sub
        found += [(f"invoice2data_{sub}", folder / row["file"], row) for row in invoice2data_truth(folder)]
    return found


def invoice2data_reader():
    from invoice2data import extract_data
    from invoice2data.extract.loader import read_templates

    templates = read_templates()

    def read(path: Path) -> dict[str, str]:
        try:
            result = extract_data(str(path), templates=templates) or {}
        except Exception:  # noqa: BLE001 - a failure is a miss, as for our extractor
            result = {}
        out = {}
        for key, column in INVOICE2DATA_FIELDS.items():
            value = result.get(key)
            if value in (None, ""):
                continue
            if hasattr(value, "date"):
                value = value.date().isoformat()
            elif isinstance(value, float):
                value = format(Decimal(str(value)), "f")
            out[column] = str(value)
        return out

    return read, len(templates)


def our_reader(*, use_embedded: bool):
    from matching.documents import ExtractionError, extract_file
    from matching.documents.evaluation import TRUTH_FIELDS

    def read(path: Path) -> dict[str, str]:
        try:
            invoice = extract_file(path, use_embedded=use_embedded)
        except (ExtractionError, OSError):
            return {}
        return {name: invoice.text(name) for name in TRUTH_FIELDS}

    return read


def score(docs, read) -> dict:
    from matching.documents.evaluation import TRUTH_FIELDS, values_agree

    checked = correct = 0
    per_dataset: dict[str, list[int]] = {}
    per_field: dict[str, list[int]] = {}
    started = time.perf_counter()
    outputs = [read(path) for _, path, _ in docs]
    seconds = time.perf_counter() - started
    for (dataset, _path, truth), found in zip(docs, outputs):
        for name in TRUTH_FIELDS:
            expected = (truth.get(name) or "").strip()
            if not expected:
                continue
            ok = values_agree(name, expected, found.get(name, ""))
            checked, correct = checked + 1, correct + ok
            for bucket, key in ((per_dataset, dataset), (per_field, name)):
                bucket.setdefault(key, [0, 0])
                bucket[key][0] += 1
                bucket[key][1] += ok
    return {
        "docs": len(docs), "seconds": round(seconds, 3), "docs_per_s": round(len(docs) / seconds, 2),
        "fields_checked": checked, "accuracy": round(correct / checked, 4) if checked else 0.0,
        "datasets": {k: round(v[1] / v[0], 4) for k, v in sorted(per_dataset.items())},
        "fields": {k: round(v[1] / v[0], 4) for k, v in sorted(per_field.items())},
    }


def einvoice_xml() -> dict:
    from matching.documents import extract_file
    from matching.documents.evaluation import evaluate, read_truth

    columns, rows = read_truth(DATA / "einvoice_xml" / "ground_truth.csv")
    result = evaluate(DATA / "einvoice_xml", rows, columns, extract_file)
    return {"docs": result.documents, "accuracy": result.overall_accuracy, "docs_per_s": result.docs_per_s}


def run() -> dict:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "handoff_project.settings")
    h.configure_django({})
    logging.disable(logging.WARNING)  # pdfminer / pypdf / invoice2data warn about every odd PDF
    docs = documents()
    if len(docs) < 80:
        raise h.BenchmarkFailed(f"only {len(docs)} documents with ground truth found under {DATA}")
    try:
        invoice2data_read, template_count = invoice2data_reader()
    except ImportError as exc:
        raise h.BenchmarkFailed(f"invoice2data is not installed ({exc}); `make bench` installs the bench extra") from exc
    log(f"{len(docs)} documents; warming up both extractors")
    for _, path, _ in docs[:3]:  # imports and caches out of the timed runs
        our_reader(use_embedded=True)(path)
        invoice2data_read(path)
    ours = score(docs, our_reader(use_embedded=True))
    log(f"ours: {ours['docs_per_s']} docs/s, accuracy {ours['accuracy']}")
    text_only = score(docs, our_reader(use_embedded=False))
    log(f"ours, text only: {text_only['docs_per_s']} docs/s, accuracy {text_only['accuracy']}")
    theirs = score(docs, invoice2data_read)
    log(f"invoice2data: {theirs['docs_per_s']} docs/s, accuracy {theirs['accuracy']}")
    xml = einvoice_xml()
    from importlib.metadata import version

    return {
        "name": NAME, "timestamp": h.now_iso(),
        "docs": ours["docs"], "docs_per_s": ours["docs_per_s"], "accuracy": ours["accuracy"],
        "invoice2data_docs_per_s": theirs["docs_per_s"], "invoice2data_accuracy": theirs["accuracy"],
        "text_only_accuracy": text_only["accuracy"], "text_only_docs_per_s": text_only["docs_per_s"],
        "einvoice_xml_accuracy": xml["accuracy"], "einvoice_xml_docs": xml["docs"],
        "einvoice_xml_docs_per_s": xml["docs_per_s"],
        "ours": ours, "ours_text_only": text_only, "invoice2data": {**theirs, "templates": template_count},
        "versions": {"invoice2data": version("invoice2data"), "pdfplumber": version("pdfplumber"),
                     "factur-x": version("factur-x")},
        "invoice2data_text_backends": "pdfium, then pdftotext" + ("" if shutil.which("pdftotext") else
                                                                  " (not installed here: pdfium only)"),
        "machine": h.machine_info(),
    }


def main() -> int:
    return h.run_benchmark(NAME, run, log)


if __name__ == "__main__":
    sys.exit(main())
