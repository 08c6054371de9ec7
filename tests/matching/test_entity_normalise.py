"""Normalisers: the same company, product or street written differently comes out the same."""

import pytest

from matching import normalise


@pytest.mark.parametrize(
    ("raw", "core", "legal_form"),
    [
        ("Société Générale S.A.", "societe generale", "sa"),
        ("Johnson & Johnson, Inc.", "johnson and johnson", "inc"),
        ("KONINKLIJKE PHILIPS ELECTRONICS N. V.", "koninklijke philips electronics", "nv"),
        ("D S M N.V.", "dsm", "nv"),
        ("Müller Logistik GmbH & Co. KG", "muller logistik", "gmbh and co kg"),
        ("Polski Handel sp. z o.o.", "polski handel", "sp z o o"),
        ("The Coca-Cola Company", "coca cola", "company"),
        ("Initech Aktiengesellschaft", "initech", "aktiengesellschaft"),
        ("Toyota Kabushiki Kaisha", "toyota", "kabushiki kaisha"),
    ],
)
def test_company_names_lose_legal_forms_accents_and_punctuation(raw, core, legal_form):
    name = normalise.split_company_name(raw)
    assert (name.core, name.legal_form) == (core, legal_form)


def test_a_name_that_is_only_a_legal_form_is_kept():
    assert normalise.company_name("Inc") == "inc"


def test_non_latin_names_survive_folding():
    assert normalise.company_name("华为技术有限公司") == "华为技术有限公司"


def test_product_titles_unify_units_packs_and_spellings():
    assert normalise.product_title("Sensor Kit S10 (10-Pk)") == normalise.product_title("sensor kit s10, pack of 10")
    assert normalise.product_title("Ent. Licence, 12 yrs") == "ent license 12 year"
    assert normalise.product_title("Threadlocker 50ML") == "threadlocker 50 ml"


def test_model_numbers_are_compact_and_quantities_are_not_codes():
    assert normalise.model_numbers("Sony WH-1000XM4 headphones, 500ml, 16GB, 10-pk") == {"wh1000xm4"}
    assert normalise.model_numbers("epson projector lamp ELPLP12 article 121066") == {"elplp12", "121066"}
    assert normalise.numbers("peachtree accounting 2007 v6.0 10 users") == {"2007", "10"}


def test_vat_numbers_are_validated_with_their_check_digits():
    assert normalise.vat_number("DE 811 569 869") == normalise.VatNumber("DE811569869", True, "DE")
    assert normalise.vat_number("GB980780684").valid
    assert not normalise.vat_number("DE811569868").valid  # one digit off: the check digit fails
    assert normalise.vat_number("").compact == ""


def test_street_types_and_email_domains():
    assert normalise.address_line("350 Fifth Avenue, Suite 2") == "350 fifth ave ste 2"
    assert normalise.address_line("Leopoldstraße 8") == normalise.address_line("Leopoldstr. 8")
    assert normalise.email_domain("Dana.W@Mail.ACME.example") == "mail.acme.example"
    assert normalise.email_domain("not an address") == ""
