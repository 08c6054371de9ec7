"""A person's resolution teaches the crosswalk: an alias of a known mapping at once, or a proposal to review."""

import pytest

from crosswalk.learning import learn_from_resolution
from crosswalk.models import MappingStatus, ProductMapping
from crosswalk.resolvers import resolve

pytestmark = pytest.mark.django_db


def test_picked_material_with_a_mapping_gains_the_text_as_alias_and_resolves_next_time(django_user_model):
    ProductMapping.objects.create(crm_product_name="Enterprise License, annual", material="MAT-ENT")
    assert not resolve("product", "Ent. License annual").accepted
    user = django_user_model.objects.create_user("maria")
    learned = learn_from_resolution(kind="product", crm_text="Ent. License annual", erp_key="MAT-ENT", user=user)
    assert learned.outcome == "alias_added"
    assert resolve("product", "Ent. License annual").match.key == "MAT-ENT"
    latest = ProductMapping.history.filter(id=learned.mapping_id).latest("history_date")
    assert latest.history_user == user and "maria" in latest.history_change_reason


def test_learning_the_same_text_twice_changes_nothing():
    ProductMapping.objects.create(crm_product_name="Pro Seat", material="MAT-SEAT", aliases=["Seat Pro"])
    assert learn_from_resolution(kind="product", crm_text="seat pro", erp_key="MAT-SEAT").outcome == "already_known"


def test_material_without_a_mapping_becomes_a_proposal_that_does_not_resolve_yet():
    learned = learn_from_resolution(kind="product", crm_text="Custom Workshop", erp_key="SV-WS", defaults={"material_group": "SV01"})
    row = ProductMapping.objects.get(pk=learned.mapping_id)
    assert learned.outcome == "proposed" and row.status == MappingStatus.PROPOSED and row.material_group == "SV01"
    assert not resolve("product", "Custom Workshop").accepted
