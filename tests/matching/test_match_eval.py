"""`manage.py match_eval`: the stable evaluation interface, on the real test split of a shared benchmark set and on
tables that show how each resolution is judged."""

import csv
import io
import json

import pytest
from django.core.management import call_command

from .conftest import DATA


def run_match_eval(*args) -> dict:
    out = io.StringIO()
    call_command("match_eval", *args, "--json", stdout=out)
    return json.loads(out.getvalue())


def write_csv(path, header, rows):
    with open(path, "w", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(header)
        writer.writerows(rows)
    return str(path)


def test_amazon_google_test_split_auto_accepts_almost_only_right_matches(tmp_path):
    folder = DATA / "amazon_google"
    output = tmp_path / "matches.csv"
    result = run_match_eval("--left", str(folder / "tableA.csv"), "--right", str(folder / "tableB.csv"),
                            "--pairs", str(folder / "test.csv"), "--output", str(output))
    assert {"precision_at_auto", "recall_at_auto", "coverage", "best_f1", "ms_per_query"} <= set(result)
    assert result["precision_at_auto"] >= 0.9 and result["auto_accepted"] >= 20
    assert result["best_f1"] >= 0.55 and result["ms_per_query"] < 20
    rows = list(csv.DictReader(open(output)))
    assert len(rows) == result["left_records"] and set(rows[0]) == {"ltable_id", "rtable_id", "confidence", "auto"}
    assert sum(int(r["auto"]) for r in rows) == result["auto_accepted"]


@pytest.fixture
def small_tables(tmp_path):
    left = write_csv(tmp_path / "a.csv", ["id", "title", "brand", "price"], [
        ("1", "Sony WH-1000XM4 wireless headphones black", "sony", "348.00"),
        ("2", "Epson ELPLP12 projector lamp", "epson", "438.84"),
        ("3", "Garden hose 25 m green", "gardena", "29.90"),
        ("4", "Logitech MX Master 3 mouse graphite", "logitech", "99.99"),
    ])
    right = write_csv(tmp_path / "b.csv", ["id", "title", "brand", "price"], [
        ("b1", "SONY WH1000XM4 Noise Cancelling Wireless Headphones, Black", "Sony", "349.99"),
        ("b2", "Epson ELPLP12 replacement lamp for projectors", "Epson", "429.00"),
        ("b3", "Sony WH-CH510 wireless headphones blue", "Sony", "38.00"),
        ("b4", "Logitech MX Master 3 Advanced Wireless Mouse, Graphite", "Logitech", "99.00"),
    ])
    pairs = write_csv(tmp_path / "p.csv", ["ltable_id", "rtable_id", "label"], [
        ("1", "b1", 1), ("1", "b3", 0),
        ("2", "b2", 1),
        ("3", "gone", 1),  # its match is not in the catalogue: whatever is picked is wrong
        ("4", "b1", 0),  # no labelled match here: a pick of b4 cannot be judged
    ])
    return left, right, pairs


def test_each_left_record_is_judged_by_the_pairs(small_tables, tmp_path):
    left, right, pairs = small_tables
    output = tmp_path / "out.csv"
    result = run_match_eval("--left", left, "--right", right, "--pairs", pairs, "--output", str(output),
                            "--threshold", "0.0")
    picks = {r["ltable_id"]: r["rtable_id"] for r in csv.DictReader(open(output))}
    assert picks["1"] == "b1" and picks["2"] == "b2" and picks["4"] == "b4"
    assert result["left_records"] == 4 and result["left_records_with_match"] == 2  # 3's match is not in B
    assert "3" not in picks or picks["3"] == ""  # a garden hose shares no word with the catalogue: no candidate
    assert result["auto_accepted"] == 3 and result["coverage"] == 0.75
    assert result["precision_at_auto"] == 1.0  # 1 and 2 right; 4 unjudged
    assert result["precision_at_auto_strict"] == round(2 / 3, 4) and result["recall_at_auto"] == 1.0


def test_a_missing_file_is_a_clear_command_error(small_tables):
    from django.core.management.base import CommandError

    left, right, _pairs = small_tables
    with pytest.raises(CommandError, match="cannot evaluate"):
        call_command("match_eval", "--left", left, "--right", right, "--pairs", "/nonexistent.csv", "--json")
