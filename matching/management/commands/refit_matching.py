"""`manage.py refit_matching [--flavour product|company|all] [--data-dir ../shared/data]` — refit the calibration.

Fits the pair model on the *train* splits and the decision model on the *valid* splits of the labelled sets in
matching.fitting.TRAINING_SETS, and writes matching/params/<flavour>.json (commit it with the code that produced
it). Test splits are never read: `manage.py match_eval` reports on them.
"""

from __future__ import annotations

from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand

from matching.fitting import fit
from matching.records import Flavour

DEFAULT_DATA_DIR = Path(settings.BASE_DIR).parent / "shared" / "data"


class Command(BaseCommand):
    help = "Refit the matching engine's calibrated confidence on the train/valid splits of the shared data sets."

    def add_arguments(self, parser):
        parser.add_argument("--flavour", choices=[f.value for f in Flavour] + ["all"], default="all")
        parser.add_argument("--data-dir", default=str(DEFAULT_DATA_DIR), help="folder holding the shared data sets")
        parser.add_argument("--work-dir", default=str(Path(settings.BASE_DIR) / "var" / "matching_data"),
                            help="where sets of another layout are converted to tableA/tableB/pairs")

    def handle(self, *args, **options):
        flavours = list(Flavour) if options["flavour"] == "all" else [Flavour(options["flavour"])]
        for flavour in flavours:
            path = fit(flavour, Path(options["data_dir"]), Path(options["work_dir"]), log=self.stdout.write)
            self.stdout.write(self.style.SUCCESS(f"{flavour.value}: calibration written to {path}"))
