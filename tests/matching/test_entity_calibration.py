"""Calibration: a logistic fit recovers known probabilities; the committed parameters were fitted on train/valid."""

import json
import math
import random

from matching import calibration
from matching.fitting import TRAINING_SETS
from matching.records import Flavour


def test_logistic_fit_recovers_the_probabilities_that_generated_the_labels():
    rng = random.Random(1)
    rows, labels = [], []
    for _ in range(3000):
        x = rng.uniform(-3, 3)
        rows.append([x, rng.random()])  # the second feature is noise
        labels.append(int(rng.random() < calibration.sigmoid(2.0 * x - 0.5)))
    model = calibration.fit_logistic(("x", "noise"), rows, labels, ridge=0.01)
    for x in (-2.0, 0.0, 1.0, 2.0):
        assert math.isclose(model.probability([x, 0.5]), calibration.sigmoid(2.0 * x - 0.5), abs_tol=0.05)


def test_reliability_reports_observed_precision_per_confidence_bin():
    bins = calibration.reliability([0.96, 0.97, 0.99, 0.3], [True, False, True, False])
    assert bins == [
        {"from": 0.0, "to": 0.5, "n": 1, "mean_confidence": 0.3, "observed_precision": 0.0},
        {"from": 0.95, "to": 0.98, "n": 2, "mean_confidence": 0.965, "observed_precision": 0.5},
        {"from": 0.98, "to": 1.0, "n": 1, "mean_confidence": 0.99, "observed_precision": 1.0},
    ]


def test_committed_calibrations_were_fitted_on_train_and_valid_splits_only():
    for flavour in Flavour:
        meta = json.loads(calibration.params_path(flavour.value).read_text())["meta"]
        files = meta["pair_model_fitted_on"] + meta["decision_model_fitted_on"]
        assert files and not any("test" in f for f in files)
        assert {f.split("/")[0] for f in files} == set(TRAINING_SETS[flavour])
        loaded = calibration.load(flavour.value)
        assert 0.0 < loaded.confidence(pair_log_odds=4.0, lead=6.0) <= 1.0


def test_a_bigger_lead_over_the_runner_up_means_more_confidence():
    product = calibration.load("product")
    assert product.confidence(2.0, 6.0) > product.confidence(2.0, 0.5) > product.confidence(2.0, -3.0)
