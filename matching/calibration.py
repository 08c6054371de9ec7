"""Calibrated confidence: turning similarity features into "how often is a match like this one right".

Two small logistic models, fitted on labelled data (the train and valid splits of the shared benchmark sets, never
their test splits) by `manage.py refit_matching`, and kept in `matching/params/<flavour>.json`:

1. the **pair model** (fitted on train) weighs the scoring features of one (query, candidate) pair → a log-odds that
   the two are the same thing;
2. the **decision model** (fitted on valid) turns a candidate's pair log-odds and its *lead* over the best other
   candidate into the probability that picking it is right. That is the confidence: among resolutions at 0.95,
   about 95 % picked the right record on data the models had not seen (see `reliability` in the params file).

Pure Python (Newton–Raphson with a small ridge penalty): a few dozen features, tens of thousands of examples.
"""

from __future__ import annotations

import json
import math
from collections.abc import Sequence
from dataclasses import dataclass
from functools import cache
from pathlib import Path

PARAMS_DIR = Path(__file__).resolve().parent / "params"
LEAD_CAP = 8.0


def sigmoid(z: float) -> float:
    if z >= 0:
        return 1.0 / (1.0 + math.exp(-z))
    e = math.exp(z)
    return e / (1.0 + e)


@dataclass(frozen=True)
class LogisticModel:
    names: tuple[str, ...]
    weights: tuple[float, ...]
    intercept: float
    means: tuple[float, ...]
    scales: tuple[float, ...]

    def log_odds(self, values: Sequence[float]) -> float:
        z = self.intercept
        for w, x, m, s in zip(self.weights, values, self.means, self.scales):
            z += w * (x - m) / s
        return z

    def probability(self, values: Sequence[float]) -> float:
        return sigmoid(self.log_odds(values))

    def as_dict(self) -> dict:
        return {"names": list(self.names), "weights": [round(w, 6) for w in self.weights],
                "intercept": round(self.intercept, 6), "means": [round(m, 6) for m in self.means],
                "scales": [round(s, 6) for s in self.scales]}

    @classmethod
    def from_dict(cls, data: dict) -> LogisticModel:
        return cls(tuple(data["names"]), tuple(data["weights"]), data["intercept"], tuple(data["means"]),
                   tuple(data["scales"]))


def fit_logistic(names: Sequence[str], rows: Sequence[Sequence[float]], labels: Sequence[int], *,
                 ridge: float = 1.0, iterations: int = 25, weights: Sequence[float] | None = None) -> LogisticModel:
    """Maximum-likelihood logistic regression with an L2 penalty on standardised features (Newton–Raphson)."""
    n, k = len(rows), len(names)
    if n == 0 or len(set(labels)) < 2:
        raise ValueError("need labelled examples of both classes to fit a model")
    sample = list(weights) if weights is not None else [1.0] * n
    means = [sum(r[j] for r in rows) / n for j in range(k)]
    scales = []
    for j in range(k):
        variance = sum((r[j] - means[j]) ** 2 for r in rows) / n
        scales.append(math.sqrt(variance) if variance > 1e-12 else 1.0)
    x = [[1.0, *((r[j] - means[j]) / scales[j] for j in range(k))] for r in rows]
    beta = [0.0] * (k + 1)
    for _ in range(iterations):
        gradient = [0.0] * (k + 1)
        hessian = [[0.0] * (k + 1) for _ in range(k + 1)]
        for xi, yi, wi in zip(x, labels, sample):
            p = sigmoid(sum(b * v for b, v in zip(beta, xi)))
            error, curvature = wi * (yi - p), wi * p * (1 - p)
            for a in range(k + 1):
                gradient[a] += error * xi[a]
                row, ca = hessian[a], curvature * xi[a]
                for b in range(a, k + 1):
                    row[b] += ca * xi[b]
        for a in range(k + 1):
            for b in range(a):
                hessian[a][b] = hessian[b][a]
        for a in range(1, k + 1):  # no penalty on the intercept
            gradient[a] -= ridge * beta[a]
            hessian[a][a] += ridge
        step = _solve(hessian, gradient)
        beta = [b + s for b, s in zip(beta, step)]
        if max(abs(s) for s in step) < 1e-6:
            break
    return LogisticModel(tuple(names), tuple(beta[1:]), beta[0], tuple(means), tuple(scales))


def _solve(matrix: list[list[float]], vector: list[float]) -> list[float]:
    """Gaussian elimination with partial pivoting (matrix is small and positive definite)."""
    size = len(vector)
    a = [row[:] + [vector[i]] for i, row in enumerate(matrix)]
    for col in range(size):
        pivot = max(range(col, size), key=lambda r: abs(a[r][col]))
        a[col], a[pivot] = a[pivot], a[col]
        if abs(a[col][col]) < 1e-12:
            continue
        for r in range(col + 1, size):
            factor = a[r][col] / a[col][col]
            if factor:
                for c in range(col, size + 1):
                    a[r][c] -= factor * a[col][c]
    out = [0.0] * size
    for r in range(size - 1, -1, -1):
        if abs(a[r][r]) < 1e-12:
            continue
        out[r] = (a[r][size] - sum(a[r][c] * out[c] for c in range(r + 1, size))) / a[r][r]
    return out


@dataclass(frozen=True)
class Calibration:
    """The pair model and the decision model of one flavour, as loaded from its params file."""

    flavour: str
    pair: LogisticModel
    decision: LogisticModel
    meta: dict

    def pair_log_odds(self, values: Sequence[float]) -> float:
        return self.pair.log_odds(values)

    def confidence(self, pair_log_odds: float, lead: float) -> float:
        return self.decision.probability(decision_inputs(pair_log_odds, lead))


def decision_inputs(pair_log_odds: float, lead: float) -> list[float]:
    """The decision model's inputs: the pair log-odds, and the lead over the best other candidate (capped)."""
    return [max(-LEAD_CAP * 2, min(LEAD_CAP * 2, pair_log_odds)), max(-LEAD_CAP, min(LEAD_CAP, lead))]


DECISION_FEATURES = ("pair_log_odds", "lead")


def params_path(flavour: str) -> Path:
    return PARAMS_DIR / f"{flavour}.json"


@cache
def load(flavour: str) -> Calibration:
    path = params_path(flavour)
    try:
        data = json.loads(path.read_text())
    except FileNotFoundError:
        raise FileNotFoundError(f"no calibration for {flavour!r} at {path}: run `manage.py refit_matching`") from None
    return Calibration(flavour, LogisticModel.from_dict(data["pair_model"]),
                       LogisticModel.from_dict(data["decision_model"]), data.get("meta", {}))


def save(flavour: str, pair: LogisticModel, decision: LogisticModel, meta: dict) -> Path:
    PARAMS_DIR.mkdir(parents=True, exist_ok=True)
    path = params_path(flavour)
    body = {"pair_model": pair.as_dict(), "decision_model": decision.as_dict(), "meta": meta}
    path.write_text(json.dumps(body, indent=1, ensure_ascii=False) + "\n")
    load.cache_clear()
    return path


def reliability(confidences: Sequence[float], correct: Sequence[bool],
                edges: Sequence[float] = (0.0, 0.5, 0.7, 0.8, 0.9, 0.95, 0.98, 1.0001)) -> list[dict]:
    """Observed precision per confidence bin: the check that "0.95" means about 95 %."""
    bins = []
    for low, high in zip(edges, edges[1:]):
        inside = [ok for conf, ok in zip(confidences, correct) if low <= conf < high]
        if inside:
            mean = sum(conf for conf in confidences if low <= conf < high) / len(inside)
            bins.append({"from": low, "to": min(high, 1.0), "n": len(inside),
                         "mean_confidence": round(mean, 3), "observed_precision": round(sum(inside) / len(inside), 3)})
    return bins
