"""Turn the shared company-name sets into the tableA/tableB/pairs layout match_eval and the fitting read.

* clustered sets — PATSTAT (Dutch patent applicants, hand-checked clusters) and the Chicago early-childhood sites
  (organisation name, address, ZIP from 10 source lists): the catalogue (B) holds one record per cluster — its most
  frequent spelling — and the incoming records (A) are every other distinct spelling; 30 % of the clusters are
  left out of the catalogue (see `derive_clusters`). Clusters, not records, are split into train / valid / test by
  a stable hash of the cluster id, so no company is seen in two splits.
* company_name_pairs (127 labelled pairs, tickers, renames, hard negatives): A = the left names, B = the right
  names, one test file — too small to fit on, kept for evaluation only.

Written under `out_dir`; the source folders stay untouched (they are read-only).
"""

from __future__ import annotations

import csv
import hashlib
from collections import Counter, defaultdict
from pathlib import Path

SPLITS = (("train", range(0, 6)), ("valid", range(6, 8)), ("test", range(8, 10)))


def _write(path: Path, header: list[str], rows) -> None:
    with open(path, "w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(header)
        writer.writerows(rows)


def derive_clusters(records: list[tuple[str, str, dict]], out_dir: Path, *, absent_share: int = 3) -> Path:
    """records: (record id, cluster id, columns). The catalogue holds one record per cluster (its most frequent
    name); about `absent_share`/10 of the clusters are left out of it, so their records are queries whose company
    is *not* in the catalogue — labelled with a match id that B does not hold, which match_eval judges as "any
    auto-accept is wrong" (the case a resolver must get right to be trusted)."""
    out_dir.mkdir(parents=True, exist_ok=True)
    by_cluster: dict[str, list[tuple[str, dict]]] = defaultdict(list)
    for record_id, cluster, columns in records:
        by_cluster[cluster].append((record_id, columns))
    columns = list(records[0][2])
    catalogue, incoming = [], []
    for cluster, members in sorted(by_cluster.items()):
        counts = Counter(m[1]["name"] for m in members)
        master = next(m for m in members if m[1]["name"] == counts.most_common(1)[0][0])
        in_catalogue = _bucket(cluster, "absent") >= absent_share
        if in_catalogue:
            catalogue.append((f"c{cluster}", *(master[1][c] for c in columns)))
        seen = {master[1]["name"]} if in_catalogue else set()
        for record_id, values in members:
            if values["name"] not in seen:
                seen.add(values["name"])
                incoming.append((record_id, cluster, values))
    _write(out_dir / "tableB.csv", ["id", *columns], catalogue)
    _write(out_dir / "tableA.csv", ["id", *columns], [(r, *(v[c] for c in columns)) for r, _c, v in incoming])
    for split, buckets in SPLITS:
        pairs = [(r, f"c{cluster}", 1) for r, cluster, _v in incoming if _bucket(cluster, "split") in buckets]
        _write(out_dir / f"{split}.csv", ["ltable_id", "rtable_id", "label"], pairs)
    return out_dir


def _bucket(cluster: str, purpose: str) -> int:
    return int(hashlib.sha256(f"{purpose}:{cluster}".encode()).hexdigest(), 16) % 10


def derive_patstat(source: Path, out_dir: Path) -> Path:
    with open(source / "patstat_reference.csv", newline="", encoding="utf-8") as handle:
        cluster_of = {r["person_id"]: r["leuven_id"] for r in csv.DictReader(handle)}
    with open(source / "patstat_input.csv", newline="", encoding="utf-8") as handle:
        records = [(r["person_id"], cluster_of[r["person_id"]], {"name": r["Name"].strip()})
                   for r in csv.DictReader(handle) if r["person_id"] in cluster_of]
    return derive_clusters(records, out_dir)


def derive_chicago(source_csv: Path, out_dir: Path) -> Path:
    """Chicago early-childhood sites from 10 source lists: organisation name, street address and ZIP code."""
    with open(source_csv, newline="", encoding="utf-8") as handle:
        records = [(r["Id"], r["True Id"], {"name": " ".join(r["Site name"].split()),
                                            "address": " ".join(r["Address"].split()), "zip": r["Zip"].strip()})
                   for r in csv.DictReader(handle) if r["Site name"].strip()]
    return derive_clusters(records, out_dir)


def derive_name_pairs(source_csv: Path, out_dir: Path) -> Path:
    out_dir.mkdir(parents=True, exist_ok=True)
    with open(source_csv, newline="", encoding="utf-8-sig") as handle:
        rows = [(r["Name_x"].strip(), r["Name_y"].strip(), int(r["Targets"])) for r in csv.DictReader(handle)]
    left = {name: f"l{i}" for i, name in enumerate(dict.fromkeys(r[0] for r in rows))}
    right = {name: f"r{i}" for i, name in enumerate(dict.fromkeys(r[1] for r in rows))}
    _write(out_dir / "tableA.csv", ["id", "name"], [(i, n) for n, i in left.items()])
    _write(out_dir / "tableB.csv", ["id", "name"], [(i, n) for n, i in right.items()])
    _write(out_dir / "test.csv", ["ltable_id", "rtable_id", "label"], [(left[a], right[b], y) for a, b, y in rows])
    return out_dir


def derive_all(data_dir: Path, out_dir: Path) -> dict[str, Path]:
    return {
        "company_names_patstat": derive_patstat(data_dir / "company_names_patstat", out_dir / "company_names_patstat"),
        "chicago_sites": derive_chicago(
            data_dir / "contact_dedup" / "chicago_early_childhood" / "csv_example_input_with_true_ids.csv",
            out_dir / "chicago_sites"),
        "company_names_pairs": derive_name_pairs(data_dir / "company_names_pairs" / "company_name_pairs.csv",
                                                 out_dir / "company_names_pairs"),
    }
