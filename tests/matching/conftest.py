"""Paths to the real documents in ../shared/data (read in place, never copied)."""

from __future__ import annotations

import csv
from pathlib import Path

import pytest

DATA = Path(__file__).resolve().parents[2].parent / "shared" / "data"
EINVOICE = DATA / "einvoice_xml"
ZUGFERD = DATA / "zugferd_facturx"
INVOICE2DATA = DATA / "invoice2data_compare"


def truth_rows(folder: Path) -> dict[str, dict]:
    with open(folder / "ground_truth.csv", newline="", encoding="utf-8") as handle:
        return {row["file"]: row for row in csv.DictReader(handle)}


@pytest.fixture(scope="session")
def einvoice_truth() -> dict[str, dict]:
    return truth_rows(EINVOICE)


@pytest.fixture(scope="session")
def zugferd_truth() -> dict[str, dict]:
    return truth_rows(ZUGFERD)
