"""Entity resolution: one query against a whole catalogue → ranked candidates with a calibrated confidence and a reason.

`Matcher(records, flavour)` prepares the catalogue once and builds its blocking index; `match(query)` blocks (a few
dozen records out of 100,000), scores those with the features of matching.scoring, and turns each into a confidence
with the calibration of its flavour: the pair model's log-odds plus the candidate's lead over the best other one.
Several records may share a key (a material's name and its aliases): a key appears once, with its best record.

`confirm_by_location` is the customer rule on top: a company name alone does not prove identity — "Acme Corp" in
New York is not "ACME Corporation" in New Jersey — so without a tax id or DUNS a name match passes only where the
location agrees.
"""

from __future__ import annotations

import gc
from collections.abc import Iterable
from dataclasses import dataclass, replace

from rapidfuzz import fuzz

from . import calibration as calibration_module
from . import normalise
from .index import CandidateIndex
from .records import Flavour, Prepared, Record, prepare
from .scoring import FEATURES, features

BLOCKING_LIMIT = 30  # records the index hands to the scorers
SCORED_LIMIT = 12  # of those, the best by a quick similarity get the full features


@dataclass(frozen=True)
class Scored:
    record: Record
    confidence: float
    pair_log_odds: float
    lead: float
    reason: str
    features: tuple[float, ...] = ()

    @property
    def key(self) -> str:
        return self.record.key


class Matcher:
    def __init__(self, records: Iterable[Record], flavour: Flavour | str = Flavour.PRODUCT, *,
                 calibration: calibration_module.Calibration | None = None):
        self.flavour = Flavour(flavour)
        collecting = gc.isenabled()
        gc.disable()  # hundreds of thousands of small containers, none garbage: the collector would only slow the build
        try:
            self.prepared = [prepare(r, self.flavour) for r in records]
            self.index = CandidateIndex(self.prepared)
        finally:
            if collecting:
                gc.enable()
        self._calibration = calibration  # loaded on first use: fitting builds matchers before a calibration exists

    def __len__(self) -> int:
        return len(self.prepared)

    def prepare(self, query: Record) -> Prepared:
        return prepare(query, self.flavour)

    def candidates(self, query: Prepared) -> list[tuple[Prepared, list[float]]]:
        """The blocked and pre-ranked candidates of a query with their scoring features (one record per key)."""
        blocked = self.index.search(query, BLOCKING_LIMIT)
        if not blocked:
            return []
        top_block = blocked[0][1] or 1.0
        quick = sorted(
            ((fuzz.token_set_ratio(query.norm, self.prepared[pos].norm) / 100 + score / top_block, pos)
             for pos, score in blocked),
            reverse=True,
        )
        seen, out = set(), []
        for _quick, position in quick:
            prepared = self.prepared[position]
            if prepared.key in seen:
                continue
            seen.add(prepared.key)
            out.append((prepared, features(query, prepared, self.index)))
            if len(out) == SCORED_LIMIT:
                break
        return out

    @property
    def calibration(self) -> calibration_module.Calibration:
        if self._calibration is None:
            self._calibration = calibration_module.load(self.flavour.value)
        return self._calibration

    def ranked(self, query: Prepared, pair_model=None) -> list[tuple[Prepared, list[float], float, float]]:
        """(candidate, features, pair log-odds, lead over the best other candidate), best log-odds first."""
        model = pair_model or self.calibration.pair
        # A lone candidate (a tiny catalogue, a rare word) is measured against the typical runner-up of the labelled
        # data, not given the biggest lead: having no competitor is weaker evidence than beating one.
        floor = self.calibration.meta.get("runner_up_log_odds", -6.0) if pair_model is None else -6.0
        scored = sorted(((c, values, model.log_odds(values)) for c, values in self.candidates(query)),
                        key=lambda item: -item[2])
        out = []
        for i, (candidate, values, log_odds) in enumerate(scored):
            best_other = scored[1][2] if i == 0 and len(scored) > 1 else scored[0][2] if i else floor
            lead = log_odds - best_other
            out.append((candidate, values, log_odds, lead))
        return out

    def match(self, query: Record, limit: int = 5) -> list[Scored]:
        prepared = self.prepare(query)
        out = [
            Scored(candidate.record, self.calibration.confidence(log_odds, lead), log_odds, lead,
                   explain(prepared, candidate, values), tuple(values))
            for candidate, values, log_odds, lead in self.ranked(prepared)[:limit]
        ]
        out.sort(key=lambda s: -s.confidence)
        return out


def explain(query: Prepared, candidate: Prepared, values: list[float]) -> str:
    """Which keys agreed, in words a person reads: 'model number elplp12 agrees; name 91 % similar; brand agrees'."""
    f = dict(zip(FEATURES, values))
    parts = []
    shared_codes = sorted(query.codes & candidate.codes)
    if shared_codes:
        parts.append(f"model number {', '.join(shared_codes[:2])} agrees")
    elif f["code_conflict"]:
        parts.append(f"model numbers differ ({', '.join(sorted(query.codes)[:1])} vs {', '.join(sorted(candidate.codes)[:1])})")
    parts.append("same name" if f["exact_text"] else f"name {max(f['token_set'], f['ratio']):.0%} similar")
    if f["number_conflict"]:
        parts.append("numbers differ")
    for name in sorted(set(query.attributes) & set(candidate.attributes))[:3]:
        agrees = query.attributes[name] == candidate.attributes[name]
        parts.append(f"{name} {'agrees' if agrees else 'differs'}")
    if not f["price_missing"]:
        parts.append(f"price {'within 10 %' if f['price_distance'] < 0.1 else 'differs'}")
    return "; ".join(parts)


# ---- customers: a name match needs the location to agree ---------------------------------------------------------------

NAME_ONLY_CAP = 0.80  # a similar (not identical) name, no location to confirm it
CITY_DIFFERS_CAP = 0.75
COUNTRY_DIFFERS_CAP = 0.60
LOCATION_AGREES_CAP = 0.92  # below the 0.99 of a tax id: a name and a city are still not proof


@dataclass(frozen=True)
class LocatedCandidate:
    key: str
    label: str
    confidence: float
    reason: str
    city: str = ""
    country: str = ""


def confirm_by_location(candidates: list[LocatedCandidate], *, city: str = "", country: str = "",
                        exact_name: bool) -> list[LocatedCandidate]:
    """Cap each name-matched customer by what the location says (see module docstring), best first.

    `exact_name`: the name (or an alias) matched exactly or after normalisation; a merely similar name never passes
    on its own."""
    city, country = (city or "").strip(), (country or "").strip().upper()
    rescored = []
    for c in candidates:
        known_city, known_country = c.city or "", (c.country or "").upper()
        if country and known_country and country != known_country:
            cap, note = COUNTRY_DIFFERS_CAP, f"; country differs ({country} vs {known_country})"
        elif city and known_city and normalise.address_line(city) != normalise.address_line(known_city):
            cap, note = CITY_DIFFERS_CAP, f"; city differs ({city} vs {known_city})"
        elif not exact_name:
            cap, note = NAME_ONLY_CAP, ""
        else:
            cap, note = LOCATION_AGREES_CAP, "; location agrees"
        rescored.append(replace(c, confidence=min(c.confidence, cap), reason=c.reason + note))
    rescored.sort(key=lambda c: -c.confidence)
    return rescored
