"""The blocking index: from a whole catalogue to the handful of records worth scoring, in well under a millisecond.

An inverted index over three kinds of keys per record — its words, its model numbers (compact form, "wh1000xm4") and
the letter/digit runs of those model numbers ("wh", "1000", "xm") — each weighted by inverse document frequency, so
a rare word or a model number counts far more than "black" or "pack". A query adds up the weights of the keys it
shares with each record and keeps the best `limit` records.

Typos: a query word the catalogue has never seen (length ≥ 4) is looked up in a trigram index of the vocabulary and
stands in for its closest known spellings, weighted by how close they are.

Common keys (in more than `common_share` of the catalogue) open the door to new records only while rarer keys have
found fewer than `limit`; otherwise they just add to records already found — so "sony black" does not drag in every
black Sony product, and one query touches a few hundred records, not the catalogue.
"""

from __future__ import annotations

import heapq
import math
from collections import defaultdict
from collections.abc import Sequence
from operator import itemgetter

from rapidfuzz.distance import Indel

from .records import Prepared, code_parts

CODE_PREFIX = "#"  # keys of whole model numbers
PART_PREFIX = "~"  # keys of their letter/digit runs
CODE_BOOST = 1.5  # a shared model number is stronger evidence than a shared word of the same rarity
PART_WEIGHT = 0.5


def record_keys(prepared: Prepared) -> set[str]:
    keys = set(prepared.tokens)
    for code in prepared.codes:
        keys.add(CODE_PREFIX + code)
        keys.update(PART_PREFIX + part for part in code_parts(code))
    return keys


def _trigrams(word: str) -> set[str]:
    padded = f" {word} "
    return {padded[i:i + 3] for i in range(len(padded) - 2)}


class CandidateIndex:
    """Build once from prepared records; `search` returns [(position in `records`, blocking score)], best first."""

    def __init__(self, records: Sequence[Prepared], *, common_share: float = 0.005, min_common: int = 50):
        self.records = list(records)
        postings: dict[str, list[int]] = defaultdict(list)
        for position, prepared in enumerate(self.records):
            for key in record_keys(prepared):
                postings[key].append(position)
        self.postings = dict(postings)
        n = max(len(self.records), 1)
        self.idf = {key: math.log(1 + n / len(ids)) for key, ids in self.postings.items()}
        self.common_df = max(min_common, int(common_share * n))
        self._common_sets: dict[str, frozenset[int]] = {}
        self._words_by_trigram: dict[str, list[str]] = defaultdict(list)
        for key in self.postings:
            if len(key) >= 4 and key[0] not in (CODE_PREFIX, PART_PREFIX):
                for gram in _trigrams(key):
                    self._words_by_trigram[gram].append(key)
        self._words_by_trigram = dict(self._words_by_trigram)

    def __len__(self) -> int:
        return len(self.records)

    def weight(self, key: str) -> float:
        return self.idf.get(key, 0.0)

    def max_weight(self) -> float:
        return math.log(1 + max(len(self.records), 1))

    def close_spellings(self, word: str, *, limit: int = 3, min_similarity: float = 0.7) -> list[tuple[str, float]]:
        """Known words spelled like `word` (one or two typos), with their similarity (0..1)."""
        grams = _trigrams(word)
        counts: dict[str, int] = defaultdict(int)
        for gram in grams:
            for known in self._words_by_trigram.get(gram, ()):
                counts[known] += 1
        need = max(1, int(len(grams) * 0.4))
        close = []
        for known, shared in counts.items():
            if shared >= need:
                similarity = Indel.normalized_similarity(word, known)
                if similarity >= min_similarity:
                    close.append((known, similarity))
        return heapq.nlargest(limit, close, key=itemgetter(1))

    def query_keys(self, prepared: Prepared) -> list[tuple[str, float]]:
        """(key, weight) of a query: its own keys that the catalogue knows, and stand-ins for unknown words."""
        weighted: dict[str, float] = {}
        for key in record_keys(prepared):
            if key in self.postings:
                boost = CODE_BOOST if key[0] == CODE_PREFIX else PART_WEIGHT if key[0] == PART_PREFIX else 1.0
                weighted[key] = max(weighted.get(key, 0.0), self.idf[key] * boost)
            elif len(key) >= 4 and key[0] not in (CODE_PREFIX, PART_PREFIX):
                for known, similarity in self.close_spellings(key):
                    weighted[known] = max(weighted.get(known, 0.0), self.idf[known] * similarity * similarity)
        return sorted(weighted.items(), key=lambda kv: len(self.postings[kv[0]]))

    def search(self, prepared: Prepared, limit: int = 20) -> list[tuple[int, float]]:
        scores: dict[int, float] = defaultdict(float)
        for key, weight in self.query_keys(prepared):
            ids = self.postings[key]
            if len(ids) <= self.common_df or len(scores) < limit:
                for position in ids:
                    scores[position] += weight
            else:
                members = self._common_set(key)
                for position in scores:
                    if position in members:
                        scores[position] += weight
        return heapq.nlargest(limit, scores.items(), key=itemgetter(1))

    def _common_set(self, key: str) -> frozenset[int]:
        members = self._common_sets.get(key)
        if members is None:
            members = self._common_sets[key] = frozenset(self.postings[key])
        return members
