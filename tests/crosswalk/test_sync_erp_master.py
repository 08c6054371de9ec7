"""`manage.py sync_erp_master` reads SAP's material and business-partner master (API_PRODUCT_SRV,
API_BUSINESS_PARTNER) from the SAP sandbox, and the resolvers offer what it loaded as candidates."""

import pytest
from django.core.management import call_command

from crosswalk.models import ErpBusinessPartner, ErpMaterial
from crosswalk.resolvers import resolve
from erp_orders.connectors.sap.client import SapClient
from erp_orders.connectors.sap.master_data import PRODUCT_SERVICE, business_partner_from_entity, material_from_entity
from erp_orders.connectors.sap.sandbox import seed_master_data

pytestmark = pytest.mark.django_db(transaction=True)

MASTER = {
    "reset": True,
    "materials": [
        {"Product": "HW-GW-200", "ProductDescription": "Edge Gateway G200", "MaterialGroup": "HW01", "BaseUnit": "PC",
         "Descriptions": {"DE": "Edge-Gateway G200"}},
        {"Product": "HW-SNS-10", "ProductDescription": "Sensor Kit S10, 10 pack", "MaterialGroup": "HW01", "BaseUnit": "PC"},
        {"Product": "SV-TRN-DAY", "ProductDescription": "Training Day, remote", "MaterialGroup": "SV01", "BaseUnit": "EA"},
    ],
    "business_partners": [
        {"BusinessPartner": "17100003", "BusinessPartnerFullName": "Initech GmbH", "Country": "DE", "CityName": "München",
         "StreetName": "Leopoldstraße", "HouseNumber": "8", "PostalCode": "80802", "VATRegistration": "DE811569869"},
        {"BusinessPartner": "17100004", "BusinessPartnerFullName": "Umbrella Health Ltd", "Country": "GB", "CityName": "London"},
    ],
}


def test_the_sync_loads_materials_and_partners_and_they_become_candidates(sandbox_urls):
    seed_master_data(MASTER)
    call_command("sync_erp_master")
    gateway = ErpMaterial.objects.get(material="HW-GW-200")
    assert (gateway.description, gateway.material_group, gateway.base_unit) == ("Edge Gateway G200", "HW01", "PC")
    assert gateway.descriptions == {"DE": "Edge-Gateway G200"}
    initech = ErpBusinessPartner.objects.get(business_partner="17100003")
    assert (initech.vat_id, initech.street, initech.postal_code, initech.city) == ("DE811569869", "Leopoldstraße 8", "80802", "München")

    r = resolve("product", "Remote training day")
    assert r.candidates[0].key == "SV-TRN-DAY" and "ERP master data" in r.candidates[0].reason
    assert resolve("customer", "Initech", {"vat_id": "DE811569869"}).match.key == "17100003"


def test_a_material_gone_from_the_erp_is_blocked_on_the_next_sync(sandbox_urls):
    seed_master_data(MASTER)
    call_command("sync_erp_master")
    seed_master_data({**MASTER, "materials": MASTER["materials"][:2]})
    call_command("sync_erp_master")
    assert ErpMaterial.objects.get(material="SV-TRN-DAY").is_blocked
    assert not ErpMaterial.objects.get(material="HW-GW-200").is_blocked
    assert ErpMaterial.objects.get(material="SV-TRN-DAY").history.first().history_change_reason == "no longer in sap"


def test_the_product_service_pages_with_top_and_skip_and_filters(sandbox_urls):
    seed_master_data(MASTER)
    with SapClient() as client:
        page = client.get(PRODUCT_SERVICE, "A_Product", {"$top": "2", "$skip": "1", "$orderby": "Product"}, action="read")
        filtered = client.get(PRODUCT_SERVICE, "A_Product", {"$filter": "ProductGroup eq 'SV01'"}, action="read")
    assert [p["Product"] for p in page["d"]["results"]] == ["HW-SNS-10", "SV-TRN-DAY"]
    assert [p["Product"] for p in filtered["d"]["results"]] == ["SV-TRN-DAY"]


def test_entities_map_to_master_data_rows():
    product = {"Product": "TG11", "ProductGroup": "L001", "BaseUnit": "PC", "ProductType": "FERT", "IsMarkedForDeletion": True,
               "to_Description": {"results": [{"Language": "DE", "ProductDescription": "Handelsware"},
                                              {"Language": "EN", "ProductDescription": "Trading good"}]}}
    assert material_from_entity(product) == {"material": "TG11", "description": "Trading good", "descriptions": {"DE": "Handelsware"},
                                             "material_group": "L001", "base_unit": "PC", "product_type": "FERT", "is_blocked": True}
    partner = {"BusinessPartner": "1", "BusinessPartnerFullName": "ACME", "BusinessPartnerCategory": "2",
               "to_BusinessPartnerTax": {"results": [{"BPTaxType": "US01", "BPTaxNumber": "12-3"},
                                                     {"BPTaxType": "FR0", "BPTaxNumber": "FR40303265045"}]}}
    row = business_partner_from_entity(partner)
    assert row["vat_id"] == "FR40303265045" and row["street"] == "" and row["name"] == "ACME"
