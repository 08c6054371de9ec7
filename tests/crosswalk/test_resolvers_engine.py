"""Resolution through the matching engine: candidates from the crosswalk and the ERP master data, validity dates,
VAT ids, the customer location rule, units, currencies and ship-to addresses."""

import datetime as dt

import pytest

from crosswalk.models import (
    CurrencyMapping,
    CustomerMapping,
    ErpBusinessPartner,
    ErpMaterial,
    MappingStatus,
    ProductMapping,
    ShipToAddress,
    UnitOfMeasureMapping,
)
from crosswalk.resolvers import resolve

pytestmark = pytest.mark.django_db


@pytest.fixture
def materials():
    ProductMapping.objects.create(crm_product_name="Edge Gateway G200", material="HW-GW-200", material_group="HW01", unit="PC")
    ProductMapping.objects.create(crm_product_name="Sensor Kit S10 (10-pack)", material="HW-SNS-10", material_group="HW01")
    for number, text in [("HW-GW-300", "Edge Gateway G300, outdoor"), ("HW-CAB-5", "Ethernet cable Cat6 5 m"),
                         ("SW-PLAT-ENT", "Platform Enterprise License, annual"), ("HW-SNS-20", "Sensor Kit S20, 20 pack")]:
        ErpMaterial.objects.create(material=number, description=text, material_group="HW01", base_unit="PC")


def test_a_typo_finds_the_mapped_material_as_a_candidate(materials):
    r = resolve("product", "Edge Gatway G200")
    assert r.rule == "matching_engine" and r.candidates[0].key == "HW-GW-200"
    assert "model number g200 agrees" in r.candidates[0].reason


def test_erp_materials_nobody_mapped_are_candidates_too(materials):
    r = resolve("product", "Edge Gateway G300 outdoor unit")
    assert r.candidates[0].key == "HW-GW-300" and "ERP master data" in r.candidates[0].reason
    assert r.candidates[0].data["material_group"] == "HW01"


def test_a_different_model_is_never_auto_accepted(materials):
    r = resolve("product", "Sensor Kit S30 (30-pack)")
    assert not r.accepted and r.confidence < 0.95


def test_expired_and_future_mappings_do_not_resolve():
    today = dt.date.today()
    ProductMapping.objects.create(crm_product_name="Old Seat", material="MAT-OLD", valid_to=today - dt.timedelta(days=1))
    ProductMapping.objects.create(crm_product_name="New Seat", material="MAT-NEW", valid_from=today + dt.timedelta(days=1))
    ProductMapping.objects.create(crm_product_name="Seat", material="MAT-NOW", valid_from=today, valid_to=today)
    assert not resolve("product", "Old Seat").accepted
    assert not resolve("product", "New Seat").accepted
    assert resolve("product", "Seat").match.key == "MAT-NOW"


def test_proposed_mappings_do_not_resolve_until_accepted():
    row = ProductMapping.objects.create(crm_product_name="Custom Workshop", material="SV-WS", status=MappingStatus.PROPOSED)
    assert not resolve("product", "Custom Workshop").accepted
    row.status = MappingStatus.ACTIVE
    row.save()
    assert resolve("product", "Custom Workshop").match.key == "SV-WS"


def test_a_vat_id_written_with_spaces_confirms_an_erp_business_partner():
    ErpBusinessPartner.objects.create(business_partner="17100003", name="Initech GmbH", vat_id="DE811569869", country="DE", city="München")
    r = resolve("customer", "Initech", {"vat_id": "de 811 569 869", "country": "DE"})
    assert r.accepted and r.rule == "exact_vat_id" and r.match.key == "17100003"


def test_acme_corp_in_new_york_is_a_candidate_not_a_match_for_acme_corporation_in_new_jersey():
    CustomerMapping.objects.create(crm_account_name="ACME Corporation", business_partner="17100001", country="US", city="Newark")
    r = resolve("customer", "Acme Corp", {"city": "New York", "country": "US"})
    assert not r.accepted and r.candidates[0].key == "17100001" and "city differs" in r.candidates[0].reason


def test_a_similar_company_name_alone_never_passes_even_where_the_city_agrees():
    ErpBusinessPartner.objects.create(business_partner="17100002", name="Globex Industries Inc.", country="US", city="Chicago")
    r = resolve("customer", "Globex Industry", {"city": "Chicago", "country": "US"})
    assert r.rule == "matching_engine" and r.candidates[0].key == "17100002" and not r.accepted


def test_units_and_currencies_resolve_by_alias():
    UnitOfMeasureMapping.objects.create(crm_unit="each", aliases=["pcs", "piece"], erp_unit="ST", iso_code="H87")
    CurrencyMapping.objects.create(crm_currency="US Dollar", aliases=["US$", "USD"], erp_currency="USD")
    assert resolve("unit", "PCS").match.key == "ST"
    assert resolve("currency", "US$").match.key == "USD"
    assert not resolve("unit", "barrel").accepted


def test_an_address_resolves_to_the_known_ship_to_or_offers_the_nearest():
    ShipToAddress.objects.create(business_partner="17100001", ship_to_party="17100011", street="350 Fifth Avenue",
                                 city="New York", postal_code="10118", region="NY", country="US")
    known = resolve("address", "350 Fifth Ave", {"country": "US", "region": "NY", "city": "New York", "postal_code": "10118"})
    assert known.accepted and known.match.key == "17100011"
    wrong_zip = resolve("address", "350 Fifth Ave", {"country": "US", "region": "NY", "city": "New York", "postal_code": "1011"})
    assert not wrong_zip.accepted and wrong_zip.candidates[0].key == "17100011"
    assert wrong_zip.as_dict()["candidates"][0]["reason"].startswith("country agrees")


def test_the_resolve_api_returns_scored_candidates_with_the_keys_that_agreed(materials):
    from rest_framework.test import APIClient

    from tests.factories import UserFactory

    client = APIClient()
    client.force_authenticate(UserFactory(roles=["master_data"]))
    body = client.post("/api/crosswalk/resolve/", {"kind": "product", "text": "Edge Gatway G200"}, format="json").json()
    assert body["rule"] == "matching_engine" and body["threshold"] == 0.95
    best = body["candidates"][0]
    assert best["key"] == "HW-GW-200" and 0 < best["confidence"] <= 1 and "model number g200 agrees" in best["reason"]
    assert body["confidence"] == best["confidence"] and (body["match"] is None) == (best["confidence"] < 0.95)
