"""Crosswalk resolution: exact keys beat names, names need confirmation, every resolution is logged."""

import pytest

from crosswalk.models import CustomerMapping, ProductMapping, TaxCodeMapping, TransformationLog
from crosswalk.resolvers import log_resolution, normalise, resolve

pytestmark = pytest.mark.django_db


@pytest.fixture
def catalogue():
    ProductMapping.objects.create(crm_product_name="Enterprise License, annual", crm_product_code="ENT-A", material="MAT-ENT", aliases=["Ent. License annual"])
    ProductMapping.objects.create(crm_product_name="Pro Seat", material="MAT-SEAT")
    CustomerMapping.objects.create(crm_account_name="ACME Corporation", business_partner="17100001", country="US", city="Newark", vat_id="", duns="150483782")
    TaxCodeMapping.objects.create(country="US", region="", material_tax_class="1", tax_code="O1")
    TaxCodeMapping.objects.create(country="US", region="OR", material_tax_class="1", tax_code="O0")


def test_product_by_code_is_certain(catalogue):
    r = resolve("product", "whatever the rep typed", {"product_code": "ENT-A"})
    assert r.accepted and r.match.key == "MAT-ENT" and r.confidence == 1.0


def test_product_by_alias_passes_the_auto_threshold(catalogue):
    r = resolve("product", "Ent. License annual")
    assert r.accepted and r.match.key == "MAT-ENT" and r.confidence >= 0.95


def test_product_by_normalised_name_passes(catalogue):
    r = resolve("product", "  enterprise license - ANNUAL ")
    assert r.accepted and r.rule == "normalised_name"


def test_british_spelling_and_brackets_resolve_by_normalised_name(catalogue):
    r = resolve("product", "Enterprise Licence (annual)")
    assert r.accepted and r.match.key == "MAT-ENT" and r.rule == "normalised_name"


def test_similar_product_is_a_candidate_for_a_person_not_a_match(catalogue):
    r = resolve("product", "Enterprise License, monthly")
    assert not r.accepted and r.candidates and r.candidates[0].key == "MAT-ENT" and r.confidence < 0.95
    assert r.rule == "matching_engine" and "similar" in r.candidates[0].reason


def test_unknown_product_has_no_match(catalogue):
    r = resolve("product", "Custom Integration Workshop")
    assert not r.accepted and r.as_dict()["match"] is None


def test_acme_corp_in_new_york_is_not_auto_matched_to_acme_corporation_in_new_jersey(catalogue):
    r = resolve("customer", "Acme Corp", {"city": "New York", "country": "US"})
    assert not r.accepted
    assert r.candidates[0].key == "17100001" and "city differs" in r.candidates[0].reason


def test_customer_confirmed_by_duns_is_accepted(catalogue):
    r = resolve("customer", "Acme Corp", {"duns": "150-483-782", "city": "New York"})
    assert r.accepted and r.rule == "exact_duns"


def test_tax_code_prefers_the_region_then_the_country(catalogue):
    assert resolve("tax_code", "", {"country": "US", "region": "OR", "material_tax_class": "1"}).match.key == "O0"
    assert resolve("tax_code", "", {"country": "US", "region": "NY", "material_tax_class": "1"}).match.key == "O1"
    assert not resolve("tax_code", "", {"country": "FR", "material_tax_class": "1"}).accepted


def test_every_resolution_is_logged_with_rule_and_confidence(catalogue):
    log_resolution(resolve("product", "Pro Seat"), handoff_id=7, field_name="lines[1].product")
    row = TransformationLog.objects.get()
    assert (row.handoff_id, row.output, row.rule, float(row.confidence)) == (7, "MAT-SEAT", "exact_name", 0.98)


def test_normalise_drops_legal_suffixes_accents_and_punctuation():
    assert normalise("Société Générale S.A.") == "societe generale"
    assert normalise("Johnson & Johnson, Inc.") == "johnson and johnson"
