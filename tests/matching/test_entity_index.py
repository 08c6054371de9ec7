"""The blocking index hands the scorers a handful of records, and the right one is among them despite typos."""

import random

import pytest

from benchmarks._materials import generate_materials
from matching.entities import Matcher
from matching.index import CandidateIndex
from matching.records import Flavour, Record, prepare


@pytest.fixture(scope="module")
def materials():
    return generate_materials(5000, seed=3)


@pytest.fixture(scope="module")
def matcher(materials):
    return Matcher((Record(m.number, m.description) for m in materials), Flavour.PRODUCT)


def test_a_query_looks_at_a_handful_of_records_not_the_catalogue(matcher, materials):
    target = materials[1234]
    found = matcher.index.search(prepare(Record("q", target.description)), limit=30)
    assert 0 < len(found) <= 30
    assert target.number in {matcher.prepared[pos].key for pos, _score in found}


def test_a_typo_in_the_model_number_still_finds_the_material(matcher, materials):
    target = next(m for m in materials if len(m.code.replace("-", "").replace(" ", "")) >= 6)
    code = target.code.replace("-", "").replace(" ", "")
    typo = code[:2] + code[3] + code[2] + code[4:]  # two characters swapped
    query = target.description.replace(target.code, typo)
    assert matcher.match(Record("q", query))[0].key in {
        m.number for m in materials if m.code == target.code
    }


def test_an_unknown_word_stands_in_for_its_closest_known_spellings():
    index = CandidateIndex([prepare(Record("1", "Makita cordless drill")), prepare(Record("2", "Makita angle grinder"))])
    assert [word for word, _similarity in index.close_spellings("grinedr")] == ["grinder"]


def test_common_words_only_add_to_records_a_rarer_word_found():
    records = [prepare(Record(str(i), f"black cable {i:05d}X")) for i in range(400)]
    records.append(prepare(Record("target", "black widget")))
    index = CandidateIndex(records, common_share=0.01, min_common=10)
    found = index.search(prepare(Record("q", "black widget")), limit=5)
    assert found[0][0] == len(records) - 1 and len(found) <= 5


def test_the_engine_beats_a_full_scan_on_typos_and_abbreviations(matcher, materials):
    from rapidfuzz import fuzz, process, utils

    from benchmarks._materials import generate_queries

    queries = generate_queries(materials, 150, seed=random.Random(5).randint(0, 999))
    names = [m.description for m in materials]
    engine = sum(matcher.match(Record("q", text))[0].key == truth for text, truth in queries)
    naive = sum(materials[process.extractOne(text, names, scorer=fuzz.WRatio, processor=utils.default_process)[2]].number == truth
                for text, truth in queries)
    assert engine >= naive and engine / len(queries) >= 0.85
