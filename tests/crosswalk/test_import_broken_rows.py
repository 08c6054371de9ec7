"""Crosswalk imports with broken rows, through the admin's import view (CSV and XLSX): the dry run names each bad row
(row, line of the file, field, why) and offers no confirmation, and nothing is written — not even the good rows —
also when a confirmation is posted anyway for a file with a bad row."""

from __future__ import annotations

import io

import openpyxl
import pytest
from django.contrib.auth.models import User
from django.contrib.messages import get_messages
from import_export.tmp_storages import TempFolderStorage

from crosswalk import models

pytestmark = pytest.mark.django_db

PRODUCT_HEADER = ["crm_product_name", "crm_product_code", "material", "unit", "tax_class", "status", "erp_system"]

# Every crosswalk table with an import: its admin path, a header and one good row (the key first).
TABLES = {
    models.ProductMapping: ("productmapping", ["crm_product_name", "material", "erp_system"], ["Pro Seat", "MAT-SEAT", "sap"]),
    models.CustomerMapping: ("customermapping", ["crm_account_name", "business_partner", "erp_system"],
                             ["Acme Corporation", "17100001", "sap"]),
    models.PaymentTermsMapping: ("paymenttermsmapping", ["crm_terms", "terms_key", "net_days", "erp_system"],
                                 ["Net 30", "ZB30", "30", "sap"]),
    models.TaxCodeMapping: ("taxcodemapping", ["country", "region", "material_tax_class", "tax_code", "erp_system"],
                            ["DE", "", "1", "S1", "sap"]),
    models.ShipToAddress: ("shiptoaddress", ["business_partner", "ship_to_party", "street", "city", "country", "erp_system"],
                           ["17100001", "17100002", "Hauptstr. 1", "Berlin", "DE", "sap"]),
    models.UnitOfMeasureMapping: ("unitofmeasuremapping", ["crm_unit", "erp_unit", "erp_system"], ["each", "EA", "sap"]),
    models.CurrencyMapping: ("currencymapping", ["crm_currency", "erp_currency", "decimals", "erp_system"],
                             ["US$", "USD", "2", "sap"]),
    models.MaterialGroupLeadTime: ("materialgroupleadtime", ["material_group", "lead_time_days", "erp_system"],
                                   ["HW01", "10", "sap"]),
    models.ContactMapping: ("contactmapping", ["crm_contact_email", "contact_person", "erp_system"],
                            ["ana@acme.example", "CP-1", "sap"]),
    models.ContractMapping: ("contractmapping", ["crm_contract_reference", "erp_document", "erp_system"],
                             ["CTR-2026-001", "40000001", "sap"]),
}


@pytest.fixture
def admin_client(client):
    client.force_login(User.objects.create(username="mdm", is_staff=True, is_superuser=True))  # no password to hash
    return client


def csv_bytes(header: list[str], rows: list[list[str]], encoding: str = "utf-8") -> bytes:
    lines = [",".join(header), *(",".join(row) for row in rows)]
    return ("\n".join(lines) + "\n").encode(encoding)


def xlsx_bytes(header: list[str], rows: list[list[str]]) -> bytes:
    book = openpyxl.Workbook()
    sheet = book.active
    for row in [header, *rows]:
        sheet.append(row)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def upload(client, table: str, data: bytes, *, name: str = "crosswalk.csv"):
    handle = io.BytesIO(data)
    handle.name = name
    fmt = "1" if name.endswith(".xlsx") else "0"  # CrosswalkAdmin.formats = (CSV, XLSX)
    return client.post(f"/admin/crosswalk/{table}/import/", {"import_file": handle, "format": fmt, "resource": "0"})


def error_text(response) -> str:
    return " ".join(str(m) for m in get_messages(response.wsgi_request))


def test_a_csv_with_bad_rows_names_each_one_and_writes_nothing(admin_client):
    rows = [
        ["Pro Seat", "PS-1", "MAT-SEAT", "EA", "1", "active", "sap"],            # row 1: good
        ["Edge Gateway", "GW-200", "HW-GW-200", "PC", "1", "active", "sapp"],   # row 2: unknown ERP system
        ["", "NO-NAME", "MAT-X", "EA", "1", "active", "sap"],                   # row 3: missing key
        ["Cable", "CB-1", "MAT-CB", "EA", "12", "active", "sap"],               # row 4: tax class longer than 1
        ["Pro Seat", "PS-2", "MAT-SEAT", "EA", "1", "active", "sap"],           # row 5: same key as row 1
        ["Sensor", "SN-1", "MAT-SN", "EA", "1", "activ", "sap"],                # row 6: unknown status
    ]
    preview = upload(admin_client, "productmapping", csv_bytes(PRODUCT_HEADER, rows))
    assert preview.status_code == 200
    assert "confirm_form" not in preview.context
    text = error_text(preview)
    assert text.startswith("Nothing will be imported")
    assert "Row 2 (line 3), erp_system: Value 'sapp' is not a valid choice." in text
    assert "Row 3 (line 4), crm_product_name: This field cannot be blank." in text
    assert "Row 4 (line 5), tax_class: Ensure this value has at most 1 character (it has 2)." in text
    assert "Row 5 (line 6), crm_product_name: duplicate key (crm_product_name='Pro Seat', material='MAT-SEAT'): row 1" in text
    assert "Row 6 (line 7), status: Value 'activ' is not a valid choice." in text
    assert "Row 1 " not in text
    assert models.ProductMapping.objects.count() == 0


def test_a_confirmation_posted_for_a_file_with_a_bad_row_writes_no_row_at_all(admin_client):
    good = ["Pro Seat", "PS-1", "MAT-SEAT", "EA", "1", "active", "sap"]
    bad = ["Edge Gateway", "GW-200", "HW-GW-200", "PC", "1", "active", "sapp"]
    storage = TempFolderStorage(encoding="utf-8-sig", read_mode="r")
    storage.save(csv_bytes(PRODUCT_HEADER, [good, bad]))

    confirmed = admin_client.post("/admin/crosswalk/productmapping/process_import/", {
        "import_file_name": storage.name, "original_file_name": "products.csv", "format": "0", "resource": "0",
    })
    assert confirmed.status_code == 302 and confirmed["Location"] == "/admin/crosswalk/productmapping/import/"
    text = error_text(confirmed)
    assert text.startswith("Nothing was imported") and "Row 2 (line 3), erp_system" in text
    assert models.ProductMapping.objects.count() == 0
    assert models.ProductMapping.history.count() == 0


def test_an_xlsx_with_bad_rows_names_each_one_and_writes_nothing(admin_client):
    header = ["crm_terms", "terms_key", "net_days", "is_standard", "erp_system"]
    rows = [
        ["Net 30", "ZB30", 30, True, "sap"],
        ["Net 45", "ZB45", "forty-five", True, "sap"],   # row 2: not a number
        ["Net 60", "", 60, True, "netsuite"],            # row 3: missing ERP terms key
        ["Net 90", "ZB90", 90, True, "quickbooks"],      # row 4: unknown ERP system
        ["Net 30", "ZB31", 30, True, "sap"],             # row 5: duplicate key
    ]
    preview = upload(admin_client, "paymenttermsmapping", xlsx_bytes(header, rows), name="terms.xlsx")
    assert "confirm_form" not in preview.context
    text = error_text(preview)
    assert "Row 2 (line 3), net_days: 'forty-five' is not a whole number." in text
    assert "Row 3 (line 4), terms_key: This field cannot be blank." in text
    assert "Row 4 (line 5), erp_system: Value 'quickbooks' is not a valid choice." in text
    assert "Row 5 (line 6), crm_terms: duplicate key (crm_terms='Net 30'): row 1 has it too." in text
    assert models.PaymentTermsMapping.objects.count() == 0


def test_a_file_with_columns_the_table_does_not_know_is_refused_whole(admin_client):
    header = ["crm_product_name", "materail", "erp_system", "price"]
    preview = upload(admin_client, "productmapping", csv_bytes(header, [["Pro Seat", "MAT-SEAT", "sap", "10"]]))
    assert "confirm_form" not in preview.context
    text = error_text(preview)
    assert "unknown column(s) materail, price and missing key column(s) material" in text
    assert "The columns of this table are: crm_product_name, crm_product_code" in text
    assert models.ProductMapping.objects.count() == 0


def test_a_csv_that_is_not_utf8_is_refused_with_a_message_that_says_so(admin_client):
    data = csv_bytes(["crm_account_name", "business_partner", "erp_system"], [["Müller Großhandel", "17100009", "sap"]],
                     encoding="cp1252")
    preview = upload(admin_client, "customermapping", data)
    assert preview.status_code == 200 and "confirm_form" not in preview.context
    errors = " ".join(str(e) for e in preview.context["form"].errors.get("import_file", []))
    assert errors.startswith("The file is not UTF-8 text (byte 0xfc at position 46") and 'Save it as "CSV UTF-8"' in errors
    assert models.CustomerMapping.objects.count() == 0


@pytest.mark.parametrize("model", list(TABLES), ids=lambda m: m.__name__)
def test_every_crosswalk_import_is_all_or_nothing(admin_client, model):
    table, header, good = TABLES[model]
    unknown_erp = [*good[:-1], "sapp"]
    unknown_erp[0] = f"other-{good[0]}" if model is not models.TaxCodeMapping else "AT"
    duplicate = list(good)
    preview = upload(admin_client, table, csv_bytes(header, [good, unknown_erp, duplicate]))
    assert "confirm_form" not in preview.context
    text = error_text(preview)
    assert "Row 2 (line 3), erp_system: Value 'sapp' is not a valid choice." in text
    assert "Row 3 (line 4)" in text and "duplicate key" in text
    assert model.objects.count() == 0

    clean = upload(admin_client, table, csv_bytes(header, [good]))
    assert "confirm_form" in clean.context, error_text(clean)
    confirmed = admin_client.post(f"/admin/crosswalk/{table}/process_import/", clean.context["confirm_form"].initial)
    assert confirmed.status_code == 302 and model.objects.count() == 1
