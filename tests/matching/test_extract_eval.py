"""`manage.py extract_eval` — the stable evaluation interface (contract.md), run on the shared datasets."""

from __future__ import annotations

import csv
import io
import json

from django.core.management import call_command

from .conftest import EINVOICE, INVOICE2DATA, ZUGFERD


def run(*args) -> dict:
    out = io.StringIO()
    call_command("extract_eval", *args, stdout=out)
    return json.loads(out.getvalue())


def test_every_einvoice_field_of_the_104_xml_files_is_extracted_exactly(tmp_path):
    output = tmp_path / "out.csv"
    result = run(str(EINVOICE), "--truth", str(EINVOICE / "ground_truth.csv"), "--json", "--output", str(output))
    assert result["overall_accuracy"] == 1.0
    assert set(result["fields"]) >= {"invoice_number", "issue_date", "seller_name", "grand_total", "due_date"}
    with open(output, newline="") as handle:
        rows = list(csv.DictReader(handle))
    assert len(rows) == 104
    assert rows[0]["file"] and "grand_total" in rows[0]


def test_hybrid_pdfs_are_read_from_their_embedded_xml():
    result = run(str(ZUGFERD), "--truth", str(ZUGFERD / "ground_truth.csv"), "--json")
    assert result["overall_accuracy"] == 1.0 and result["documents"] == 72


def test_truth_columns_the_tool_does_not_know_are_ignored_and_empty_cells_not_checked(tmp_path):
    truth = tmp_path / "truth.csv"
    truth.write_text("file,invoice_number,grand_total,colour\n"
                     "custom/basic.txt,0999/09/2022,,blue\n", encoding="utf-8")
    result = run(str(INVOICE2DATA), "--truth", str(truth), "--json")
    assert result["fields"] == {"invoice_number": 1.0}


def test_a_missing_file_counts_as_wrong_not_as_a_crash(tmp_path):
    truth = tmp_path / "truth.csv"
    truth.write_text("file,invoice_number\nnope.pdf,123\n", encoding="utf-8")
    result = run(str(tmp_path), "--truth", str(truth), "--json")
    assert result["overall_accuracy"] == 0.0 and result["unreadable"]
