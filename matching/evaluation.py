"""Evaluate (and gather training examples for) the engine on Magellan/DeepMatcher-style tables.

Input: table A (incoming records) and table B (the master catalogue), each with an `id` column and any other
columns, and labelled pairs `ltable_id,rtable_id,label`. Every distinct left record of the pairs is resolved
against the whole of B; its best candidate is *judged* by the pairs:

* right — the pair (left, best) is labelled 1;
* wrong — the pair is labelled 0, or the left record has a labelled match and the best candidate is not one;
* unjudged — the pair is not labelled and the left record has no labelled match in this file (the benchmark splits
  spread one left record's pairs over train/valid/test, so its match may simply be labelled elsewhere).
A labelled match whose id is not in B says "this record has no match in the catalogue": any pick is wrong, and the
record does not count towards recall.

precision_at_auto = right / judged among auto-accepted (precision_at_auto_strict counts unjudged as wrong);
recall_at_auto = right auto-accepted / left records with a labelled match; coverage = auto-accepted / left records;
best_f1 = the best F1 of (precision, recall) over all confidence thresholds.
"""

from __future__ import annotations

import csv
import re
import time
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path

from . import calibration as calibration_module
from .entities import Matcher
from .records import Flavour, Record

MAIN_TEXT_NAMES = ("title", "name", "product", "product_name", "description", "company", "company_name", "full_name")
PRICE_NAMES = re.compile(r"price|cost|amount|value", re.I)


def read_table(path: str | Path) -> list[dict[str, str]]:
    with open(path, newline="", encoding="utf-8-sig") as handle:
        return [{k.strip(): (v or "").strip() for k, v in row.items() if k} for row in csv.DictReader(handle)]


def read_pairs(path: str | Path) -> list[tuple[str, str, int]]:
    return [(r["ltable_id"], r["rtable_id"], int(float(r["label"]))) for r in read_table(path)]


@dataclass(frozen=True)
class Schema:
    """Which column is the main text, which holds a price, which are attributes (the rest)."""

    main: str
    price: str | None
    attributes: tuple[str, ...]


def _is_price(name: str, values: list[str]) -> bool:
    filled = [v for v in values if v]
    if not filled:
        return False
    try:
        numbers = [float(v.replace(",", "").lstrip("$€£")) for v in filled]
    except ValueError:
        return False
    fractional = sum(1 for n in numbers if n != int(n)) / len(numbers)
    return bool(PRICE_NAMES.search(name)) or fractional >= 0.3


def infer_schema(left: list[dict], right: list[dict]) -> Schema:
    columns = [c for c in (left[0] if left else {}) if c.lower() != "id" and (not right or c in right[0])]
    if not columns:
        raise ValueError("the tables share no column besides id")
    price = next((c for c in columns if _is_price(c, [r[c] for r in left[:500]])), None)
    texts = [c for c in columns if c != price]
    named = [c for c in texts if c.lower() in MAIN_TEXT_NAMES]
    main = named[0] if named else max(texts, key=lambda c: sum(len(r[c]) for r in left[:500]))
    return Schema(main, price, tuple(c for c in texts if c != main))


def to_record(row: dict, schema: Schema) -> Record:
    price = None
    if schema.price and row.get(schema.price):
        try:
            price = float(row[schema.price].replace(",", "").lstrip("$€£"))
        except ValueError:
            price = None
    return Record(key=row["id"], text=row.get(schema.main, ""), price=price,
                  attributes={c: row[c] for c in schema.attributes if row.get(c)})


@dataclass
class Judged:
    left: str
    best: str  # "" when the catalogue offered no candidate
    confidence: float
    verdict: str  # "right" | "wrong" | "unjudged"
    ms: float
    candidates: list = field(default_factory=list)  # the Scored list (kept when asked)


def judge(left: str, best: str, labels: dict[tuple[str, str], int], positives: dict[str, set[str]]) -> str:
    if not best:
        return "wrong" if positives.get(left) else "unjudged"
    label = labels.get((left, best))
    if label == 1:
        return "right"
    if label == 0 or positives.get(left):
        return "wrong"
    return "unjudged"


def label_index(pairs) -> tuple[dict[tuple[str, str], int], dict[str, set[str]]]:
    """(label by pair, labelled matches by left id — possibly ids the catalogue does not hold)."""
    labels = {(l_id, r_id): label for l_id, r_id, label in pairs}
    positives: dict[str, set[str]] = defaultdict(set)
    for l_id, r_id, label in pairs:
        if label == 1:
            positives[l_id].add(r_id)
    return labels, positives


def resolve_pairs(matcher: Matcher, left_rows: dict[str, dict], schema: Schema, pairs, *, keep_candidates=False,
                  limit: int = 5) -> list[Judged]:
    labels, positives = label_index(pairs)
    out = []
    for left in dict.fromkeys(l_id for l_id, _r, _l in pairs):
        if left not in left_rows:
            continue
        started = time.perf_counter()
        candidates = matcher.match(to_record(left_rows[left], schema), limit=limit)
        ms = (time.perf_counter() - started) * 1000
        best = candidates[0] if candidates else None
        verdict = judge(left, best.key if best else "", labels, positives)
        out.append(Judged(left, best.key if best else "", best.confidence if best else 0.0, verdict, ms,
                          candidates if keep_candidates else []))
    return out


def metrics(judged: list[Judged], pairs, threshold: float, catalogue_ids: set[str]) -> dict:
    with_match = {l_id for l_id, r_id, label in pairs if label == 1 and r_id in catalogue_ids}
    n_positive = len(with_match & {j.left for j in judged})
    auto = [j for j in judged if j.best and j.confidence >= threshold]
    right = sum(1 for j in auto if j.verdict == "right")
    judged_auto = sum(1 for j in auto if j.verdict != "unjudged")
    times = sorted(j.ms for j in judged)
    return {
        "left_records": len(judged),
        "left_records_with_match": n_positive,
        "threshold": threshold,
        "auto_accepted": len(auto),
        "precision_at_auto": round(right / judged_auto, 4) if judged_auto else None,
        "precision_at_auto_strict": round(right / len(auto), 4) if auto else None,
        "recall_at_auto": round(right / n_positive, 4) if n_positive else None,
        "coverage": round(len(auto) / len(judged), 4) if judged else 0.0,
        **best_f1(judged, n_positive),
        "top1_accuracy_on_matched": round(
            sum(1 for j in judged if j.left in with_match and j.verdict == "right") / n_positive, 4) if n_positive else None,
        "ms_per_query": round(sum(times) / len(times), 3) if times else 0.0,
        "p99_ms": round(times[min(len(times) - 1, int(len(times) * 0.99))], 3) if times else 0.0,
        "reliability": calibration_module.reliability(
            [j.confidence for j in judged if j.verdict != "unjudged"],
            [j.verdict == "right" for j in judged if j.verdict != "unjudged"]),
    }


def best_f1(judged: list[Judged], n_positive: int) -> dict:
    """Sweep the threshold over every confidence seen; F1 of judged precision and recall."""
    ranked = sorted((j for j in judged if j.best and j.verdict != "unjudged"), key=lambda j: -j.confidence)
    best = {"best_f1": 0.0, "best_f1_threshold": None}
    right = 0
    for i, j in enumerate(ranked, start=1):
        right += j.verdict == "right"
        if i < len(ranked) and ranked[i].confidence == j.confidence:
            continue
        precision, recall = right / i, (right / n_positive if n_positive else 0.0)
        f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
        if f1 > best["best_f1"]:
            best = {"best_f1": round(f1, 4), "best_f1_threshold": round(j.confidence, 4)}
    return best


def load_dataset(left_path, right_path, flavour: Flavour | str = Flavour.PRODUCT, *, calibration=None):
    """Read both tables, infer their schema and index table B. Returns (matcher, left rows by id, schema, seconds)."""
    left_rows, right_rows = read_table(left_path), read_table(right_path)
    schema = infer_schema(left_rows, right_rows)
    started = time.perf_counter()
    matcher = Matcher((to_record(r, schema) for r in right_rows), flavour, calibration=calibration)
    return matcher, {r["id"]: r for r in left_rows}, schema, time.perf_counter() - started


def evaluate(left_path, right_path, pairs_path, *, flavour: Flavour | str = Flavour.PRODUCT,
             threshold: float = 0.95) -> tuple[dict, list[Judged]]:
    matcher, left_rows, schema, build_s = load_dataset(left_path, right_path, flavour)
    pairs = read_pairs(pairs_path)
    judged = resolve_pairs(matcher, left_rows, schema, pairs)
    result = metrics(judged, pairs, threshold, {p.key for p in matcher.prepared})
    result.update({"catalogue_records": len(matcher), "index_build_s": round(build_s, 3), "flavour": str(Flavour(flavour).value),
                   "schema": {"main": schema.main, "price": schema.price, "attributes": list(schema.attributes)}})
    return result, judged
