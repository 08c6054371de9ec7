"""`manage.py extract_eval DIR --truth truth.csv [--json] [--output out.csv]` — field-level accuracy of the extractor.

Stable interface (contract.md): prints `{"overall_accuracy": 0..1, "fields": {name: accuracy}}` with --json (plus
`documents`, `docs_per_s` and the files it could not read), a table otherwise. `--output` writes one row per file
with the truth columns as extracted (empty where nothing was found). `--text-only` ignores embedded e-invoice XML
in PDFs, to measure the text heuristics on hybrid PDFs; `--no-templates` leaves the vendor templates out.
"""

from __future__ import annotations

import json
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from matching.documents import extract_file
from matching.documents.evaluation import evaluate, read_truth, write_rows


def active_templates() -> list[dict]:
    """Vendor templates from the payables app when it is installed and migrated; none otherwise."""
    try:
        from payables.selectors import active_vendor_templates

        return active_vendor_templates()
    except Exception:  # noqa: BLE001 - no database or no payables: evaluate with the generic heuristics
        return []


class Command(BaseCommand):
    help = "Field-level accuracy of invoice extraction against a truth CSV."

    def add_arguments(self, parser):
        parser.add_argument("directory", help="folder the truth file's `file` paths are relative to")
        parser.add_argument("--truth", required=True, help="CSV with a `file` column and expected field values")
        parser.add_argument("--json", action="store_true", help="print one JSON object")
        parser.add_argument("--output", help="write what was extracted, one row per file, to this CSV")
        parser.add_argument("--text-only", action="store_true", help="ignore e-invoice XML embedded in PDFs")
        parser.add_argument("--no-templates", action="store_true", help="generic heuristics only")

    def handle(self, *args, **options):
        directory, truth = Path(options["directory"]), Path(options["truth"])
        if not directory.is_dir():
            raise CommandError(f"{directory} is not a directory")
        if not truth.is_file():
            raise CommandError(f"{truth} does not exist")
        try:
            columns, rows = read_truth(truth)
        except ValueError as exc:
            raise CommandError(str(exc)) from exc
        templates = [] if options["no_templates"] else active_templates()
        use_embedded = not options["text_only"]
        result = evaluate(directory, rows, columns,
                          lambda path: extract_file(path, templates=templates, use_embedded=use_embedded))
        if options["output"]:
            write_rows(Path(options["output"]), columns, result.rows)
        if options["json"]:
            self.stdout.write(json.dumps(result.as_dict()))
            return
        self.stdout.write(f"{'field':<18} {'accuracy':>9} {'checked':>8}")
        for name in columns:
            if name in result.checked:
                self.stdout.write(f"{name:<18} {result.field_accuracy[name]:>9.2%} {result.checked[name]:>8}")
        self.stdout.write(f"{'overall':<18} {result.overall_accuracy:>9.2%} {sum(result.checked.values()):>8}")
        self.stdout.write(f"{result.documents} documents, {result.docs_per_s} per second, "
                          f"{len(result.failures)} unreadable")
        for failure in result.failures:
            self.stdout.write(f"  unreadable: {failure}")
