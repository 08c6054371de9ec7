"""Fit the calibration of a flavour on labelled data: the pair model on *train* splits, the decision model on *valid*.

Test splits are never read here; `manage.py match_eval` reports on them. The result lands in
matching/params/<flavour>.json with what it was fitted on and its reliability on the valid split.

Examples come from what the engine really sees: for every left record of a split, the candidates the blocking index
and the pre-ranking hand over (not the benchmark's own candidate pairs). A candidate is a positive when its pair is
labelled 1; a negative when labelled 0, or when the left record has a labelled match and this is not it; otherwise
it is left out (its label lives in another split).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from pathlib import Path

from . import calibration
from .datasets import derive_all
from .entities import Matcher
from .evaluation import label_index, load_dataset, read_pairs, to_record
from .records import Flavour
from .scoring import FEATURES

# flavour → datasets: folders with tableA/tableB/train/valid, under the shared data directory or (derived by
# matching.datasets from sets of another layout) under the work directory
TRAINING_SETS = {
    Flavour.PRODUCT: ("amazon_google", "walmart_amazon"),
    Flavour.COMPANY: ("company_names_patstat", "chicago_sites"),
}
DERIVED = {"company_names_patstat", "chicago_sites"}


@dataclass
class Example:
    values: list[float]
    label: int
    rank: int
    lead: float = 0.0
    log_odds: float = 0.0


def examples(matcher: Matcher, left_rows, schema, pairs, pair_model=None, *, depth: int = 12) -> list[Example]:
    labels, positives = label_index(pairs)
    out = []
    for left in dict.fromkeys(l_id for l_id, _r, _l in pairs):
        if left not in left_rows:
            continue
        query = matcher.prepare(to_record(left_rows[left], schema))
        if pair_model is None:
            ranked = [(c, v, 0.0, 0.0) for c, v in matcher.candidates(query)]
        else:
            ranked = matcher.ranked(query, pair_model)
        for rank, (candidate, values, log_odds, lead) in enumerate(ranked[:depth]):
            label = labels.get((left, candidate.key))
            if label is None:
                if not positives.get(left):
                    continue
                label = int(candidate.key in positives[left])
            out.append(Example(values, label, rank, lead, log_odds))
    return out


def fit(flavour: Flavour | str, data_dir: Path, work_dir: Path, *, log=print) -> Path:
    flavour = Flavour(flavour)
    if DERIVED & set(TRAINING_SETS[flavour]):
        derive_all(data_dir, work_dir)
    loaded = []
    for name in TRAINING_SETS[flavour]:
        folder = (work_dir if name in DERIVED else data_dir) / name
        matcher, left_rows, schema, _ = load_dataset(folder / "tableA.csv", folder / "tableB.csv", flavour)
        loaded.append((name, matcher, left_rows, schema, read_pairs(folder / "train.csv"), read_pairs(folder / "valid.csv")))
        log(f"{name}: {len(matcher)} catalogue records, schema {schema}")

    train = []
    for name, matcher, left_rows, schema, train_pairs, _valid in loaded:
        found = examples(matcher, left_rows, schema, train_pairs)
        log(f"{name} train: {len(found)} examples, {sum(e.label for e in found)} positive")
        train.extend(found)
    pair_model = calibration.fit_logistic(FEATURES, [e.values for e in train], [e.label for e in train], ridge=1.0)

    decision_rows, decision_labels, top1, runners_up = [], [], [], []
    for name, matcher, left_rows, schema, _train, valid_pairs in loaded:
        found = examples(matcher, left_rows, schema, valid_pairs, pair_model, depth=5)
        log(f"{name} valid: {len(found)} examples, {sum(e.label for e in found)} positive")
        for e in found:
            decision_rows.append(calibration.decision_inputs(e.log_odds, e.lead))
            decision_labels.append(e.label)
            if e.rank == 0:
                top1.append(e)
            elif e.rank == 1:
                runners_up.append(e.log_odds)
    decision_model = calibration.fit_logistic(calibration.DECISION_FEATURES, decision_rows, decision_labels, ridge=0.1)
    confidences = [decision_model.probability(calibration.decision_inputs(e.log_odds, e.lead)) for e in top1]
    meta = {
        "fitted_at": dt.date.today().isoformat(),
        "pair_model_fitted_on": [f"{name}/train.csv" for name in TRAINING_SETS[flavour]],
        "decision_model_fitted_on": [f"{name}/valid.csv" for name in TRAINING_SETS[flavour]],
        "train_examples": len(train),
        "valid_examples": len(decision_rows),
        # what a lone candidate's lead is measured against (the median runner-up): see entities.Matcher.ranked
        "runner_up_log_odds": round(sorted(runners_up)[len(runners_up) // 2], 3) if runners_up else -6.0,
        "reliability_valid_top1": calibration.reliability(confidences, [bool(e.label) for e in top1]),
        "refit_with": f"python manage.py refit_matching --flavour {flavour.value}",
    }
    return calibration.save(flavour.value, pair_model, decision_model, meta)
