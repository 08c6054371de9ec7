"""The master-data team's admin: CSV/XLSX import with a dry-run diff first, export, proposals to accept or reject."""

import io

import pytest
from django.contrib.auth.models import User

from crosswalk import proposals
from crosswalk.learning import learn_from_resolution
from crosswalk.models import MappingStatus, ProductMapping
from crosswalk.resources import ProductMappingResource

pytestmark = pytest.mark.django_db

CSV_HEADER = "crm_product_name,crm_product_code,crm_product_id,aliases,material,material_description,material_group,unit,tax_class,status,erp_system,valid_from,valid_to,owner,notes\n"


@pytest.fixture
def admin_client(client):
    user = User.objects.create_superuser("mdm", "mdm@example.test", "pw-Master-1")
    client.force_login(user)
    client.user = user
    return client


def upload(client, text: str):
    handle = io.BytesIO(text.encode())
    handle.name = "products.csv"
    return client.post("/admin/crosswalk/productmapping/import/",
                       {"import_file": handle, "format": "0", "resource": "0"})


def test_an_import_shows_its_diff_and_writes_nothing_until_confirmed(admin_client):
    ProductMapping.objects.create(crm_product_name="Pro Seat", material="MAT-SEAT", unit="EA")
    text = CSV_HEADER + (
        "Pro Seat,,,Seat Pro | Pro seat annual,MAT-SEAT,,,EA,1,active,sap,,,,\n"
        "Edge Gateway G200,GW-200,,,HW-GW-200,Edge Gateway G200,HW01,PC,1,active,sap,,,,\n"
    )
    preview = upload(admin_client, text)
    assert preview.status_code == 200
    page = preview.content.decode()
    assert "Confirm import" in page and "New" in page and "Update" in page
    assert ProductMapping.objects.count() == 1 and ProductMapping.objects.get().aliases == []  # a dry run only

    form = preview.context["confirm_form"]
    confirmed = admin_client.post("/admin/crosswalk/productmapping/process_import/", form.initial)
    assert confirmed.status_code == 302
    seat = ProductMapping.objects.get(material="MAT-SEAT")
    assert seat.aliases == ["Seat Pro", "Pro seat annual"]
    assert ProductMapping.objects.get(material="HW-GW-200").material_group == "HW01"
    latest = seat.history.latest("history_date")
    assert latest.history_user == admin_client.user and latest.history_change_reason == "imported from a file"


def test_export_writes_aliases_in_one_cell():
    ProductMapping.objects.create(crm_product_name="Pro Seat", material="MAT-SEAT", aliases=["Seat Pro", "PS"])
    exported = ProductMappingResource().export().csv
    assert "Pro Seat" in exported and "Seat Pro | PS" in exported


def test_the_xlsx_export_is_offered_beside_csv(admin_client):
    page = admin_client.get("/admin/crosswalk/productmapping/export/").content.decode()
    assert "csv" in page and "xlsx" in page


def test_proposals_are_listed_and_accepted_or_rejected_from_the_admin(admin_client):
    keep = learn_from_resolution(kind="product", crm_text="Custom Workshop", erp_key="SV-WS")
    drop = learn_from_resolution(kind="product", crm_text="Wrong idea", erp_key="SV-XX")
    ProductMapping.objects.create(crm_product_name="Unrelated active", material="MAT-1")
    listing = admin_client.get("/admin/crosswalk/proposedproductmapping/").content.decode()
    assert "Custom Workshop" in listing and "Wrong idea" in listing and "Unrelated active" not in listing

    url = "/admin/crosswalk/proposedproductmapping/"
    admin_client.post(url, {"action": "accept", "_selected_action": [keep.mapping_id]})
    admin_client.post(url, {"action": "reject", "_selected_action": [drop.mapping_id]})
    assert ProductMapping.objects.get(pk=keep.mapping_id).status == MappingStatus.ACTIVE
    rejected = ProductMapping.objects.get(pk=drop.mapping_id)
    assert rejected.status == MappingStatus.RETIRED
    assert rejected.history.latest("history_date").history_change_reason == "proposal rejected by mdm"


def test_accepting_a_proposal_for_a_mapped_material_merges_it_as_an_alias():
    active = ProductMapping.objects.create(crm_product_name="Pro Seat", material="MAT-SEAT")
    proposal = ProductMapping.objects.create(crm_product_name="Seat (pro)", material="MAT-SEAT", status=MappingStatus.PROPOSED)
    assert proposals.accept_proposal(proposal).outcome == "merged_as_alias"
    active.refresh_from_db()
    proposal.refresh_from_db()
    assert active.aliases == ["Seat (pro)"] and proposal.status == MappingStatus.RETIRED
    assert proposals.accept_proposal(proposal).outcome == "not_proposed"
