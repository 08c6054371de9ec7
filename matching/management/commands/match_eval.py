"""`manage.py match_eval --left A.csv --right B.csv --pairs P.csv [--json] [--output matches.csv]` — entity resolution
accuracy on labelled pairs (Magellan / DeepMatcher format).

Stable interface (contract.md): A holds the incoming records, B the master catalogue (each with an `id` column and
any other columns); every left record of P is resolved against the whole of B. Prints precision and recall at the
auto-accept threshold, best F1 over thresholds, coverage (share auto-accepted) and time per query — with --json as
one JSON object (keys precision_at_auto, recall_at_auto, coverage, best_f1, ms_per_query, and more: see
matching.evaluation for how a resolution is judged). `--output` writes `ltable_id,rtable_id,confidence,auto`, one
row per left record. `--kind product` (default; auto-accept at the product threshold, 0.95) or `customer` (company
names, 0.85); `--threshold` overrides.
"""

from __future__ import annotations

import csv
import json

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from matching.evaluation import evaluate
from matching.records import Flavour

KINDS = {"product": (Flavour.PRODUCT, "product_auto_confidence"), "customer": (Flavour.COMPANY, "customer_auto_confidence")}


class Command(BaseCommand):
    help = "Resolve the left records of labelled pairs against a whole catalogue and report precision, recall, F1."

    def add_arguments(self, parser):
        parser.add_argument("--left", required=True, help="CSV of incoming records (id + any columns)")
        parser.add_argument("--right", required=True, help="CSV of the master catalogue (id + any columns)")
        parser.add_argument("--pairs", required=True, help="CSV ltable_id,rtable_id,label")
        parser.add_argument("--json", action="store_true", help="print one JSON object")
        parser.add_argument("--output", help="write ltable_id,rtable_id,confidence,auto per left record")
        parser.add_argument("--kind", choices=sorted(KINDS), default="product")
        parser.add_argument("--threshold", type=float, help="auto-accept threshold (default: the kind's)")

    def handle(self, *args, **options):
        flavour, rule = KINDS[options["kind"]]
        threshold = options["threshold"] if options["threshold"] is not None else settings.HANDOFF_RULES[rule]
        try:
            result, judged = evaluate(options["left"], options["right"], options["pairs"], flavour=flavour,
                                      threshold=threshold)
        except (OSError, KeyError, ValueError) as exc:
            raise CommandError(f"cannot evaluate: {exc}") from exc
        if options["output"]:
            with open(options["output"], "w", newline="") as handle:
                writer = csv.writer(handle)
                writer.writerow(["ltable_id", "rtable_id", "confidence", "auto"])
                for j in judged:
                    writer.writerow([j.left, j.best, f"{j.confidence:.4f}", int(bool(j.best) and j.confidence >= threshold)])
        if options["json"]:
            self.stdout.write(json.dumps(result))
            return
        for key in ("left_records", "left_records_with_match", "catalogue_records", "threshold", "auto_accepted",
                    "precision_at_auto", "precision_at_auto_strict", "recall_at_auto", "coverage", "best_f1",
                    "best_f1_threshold", "top1_accuracy_on_matched", "ms_per_query", "p99_ms", "index_build_s"):
            self.stdout.write(f"{key:28} {result.get(key)}")
        self.stdout.write("reliability (judged best candidates): confidence bin → observed precision")
        for row in result["reliability"]:
            self.stdout.write(f"  [{row['from']:.2f}, {row['to']:.2f})  n={row['n']:4}  mean={row['mean_confidence']:.3f}"
                              f"  observed={row['observed_precision']:.3f}")
