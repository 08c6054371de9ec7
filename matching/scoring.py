"""Scorers: how alike a query and a candidate are, as a fixed list of numbers the calibrated model weighs.

Each feature is a plain float; `FEATURES` names them in order (the calibration file stores one weight per name).
Similarities come from rapidfuzz on normalised text; exact keys (model numbers, numbers) count agreement and
conflict separately, because "both mention ELPLP12" and "one says 2007, the other 2008" are different evidence.
Attributes (brand, manufacturer, category, city…) and price count only where both records have them; a
`*_missing` feature tells the model when they could not.
"""

from __future__ import annotations

import math

from rapidfuzz import fuzz
from rapidfuzz.distance import Indel

from .index import CandidateIndex
from .records import Prepared

FEATURES = (
    "ratio",  # edit similarity of the normalised main texts
    "token_sort",  # same, words sorted
    "token_set",  # same, on shared vs. remaining words
    "partial",  # best matching substring
    "query_coverage",  # share of the query's word weight (idf) the candidate has
    "candidate_coverage",  # share of the candidate's word weight the query has
    "exact_text",  # normalised main texts identical
    "code_shared",  # a model number in both
    "code_conflict",  # both have model numbers, none alike
    "code_similarity",  # closest pair of model numbers (0..1), 0 when either has none
    "number_conflict",  # both have plain numbers (2007, 6.0), none shared
    "attribute_similarity",  # mean similarity of attributes both records have
    "attribute_missing",  # no attribute to compare
    "price_distance",  # |log(price ratio)|, capped at 3
    "price_missing",
    "length_ratio",  # shorter / longer main text, in words
)


def features(query: Prepared, candidate: Prepared, index: CandidateIndex) -> list[float]:
    q, c = query.norm, candidate.norm
    shared = query.tokens & candidate.tokens
    weight = index.weight
    default = index.max_weight()
    query_weight = sum(weight(t) or default for t in query.tokens) or 1.0
    candidate_weight = sum(weight(t) or default for t in candidate.tokens) or 1.0
    shared_weight = sum(weight(t) or default for t in shared)

    code_shared = bool(query.codes & candidate.codes)
    code_similarity = 0.0
    if query.codes and candidate.codes:
        code_similarity = 1.0 if code_shared else max(
            Indel.normalized_similarity(a, b) for a in query.codes for b in candidate.codes
        )
    code_conflict = bool(query.codes and candidate.codes and code_similarity < 0.8)
    number_conflict = bool(query.numbers and candidate.numbers and not (query.numbers & candidate.numbers))

    both = [name for name in query.attributes if name in candidate.attributes]
    attribute_similarity = (
        sum(fuzz.token_set_ratio(query.attributes[n], candidate.attributes[n]) for n in both) / (100 * len(both))
        if both else 0.0
    )
    price_q, price_c = query.record.price, candidate.record.price
    has_prices = bool(price_q and price_c and price_q > 0 and price_c > 0)
    price_distance = min(abs(math.log(price_q / price_c)), 3.0) if has_prices else 0.0
    lengths = (len(query.title_tokens), len(candidate.title_tokens))

    return [
        fuzz.ratio(q, c) / 100,
        fuzz.token_sort_ratio(q, c) / 100,
        fuzz.token_set_ratio(q, c) / 100,
        fuzz.partial_ratio(q, c) / 100 if q and c else 0.0,
        shared_weight / query_weight,
        shared_weight / candidate_weight,
        float(bool(q) and q == c),
        float(code_shared),
        float(code_conflict),
        code_similarity,
        float(number_conflict),
        attribute_similarity,
        float(not both),
        price_distance,
        float(not has_prices),
        min(lengths) / max(lengths) if max(lengths) else 0.0,
    ]
