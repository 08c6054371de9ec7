"""The emulators' HTTP Basic check (handoff_project.sandbox.basic_auth), shared by the SAP and Oracle sandboxes."""

from __future__ import annotations

import base64

from django.test import RequestFactory

from handoff_project.sandbox.basic_auth import basic_user


def request(header: str):
    return RequestFactory().get("/", HTTP_AUTHORIZATION=header)


def basic(user: str, password: str) -> str:
    return "Basic " + base64.b64encode(f"{user}:{password}".encode()).decode()


def test_the_configured_user_passes_with_its_password_and_any_case_of_its_name():
    assert basic_user(request(basic("Handoff.Integration", "pw")), user="handoff.integration", password="pw") == \
        "Handoff.Integration"


def test_a_wrong_password_a_missing_header_or_garbage_is_refused():
    assert basic_user(request(basic("handoff", "nope")), user="handoff", password="pw") is None
    assert basic_user(RequestFactory().get("/"), user="handoff", password="pw") is None
    assert basic_user(request("Basic not-base64!"), user="handoff", password="pw") is None
    assert basic_user(request("Bearer abc"), user="handoff", password="pw") is None


def test_without_a_configured_user_any_basic_credentials_pass_but_the_header_is_still_needed():
    assert basic_user(request(basic("demo", "x")), user="", password="") == "demo"
    assert basic_user(request(basic("", "x")), user="", password="") is None


def test_non_ascii_credentials_are_refused_not_crashed_on():
    # hmac.compare_digest raises TypeError on non-ASCII str; the emulators compare bytes instead.
    assert basic_user(request(basic("handoff", "pässwörd")), user="handoff", password="pw") is None
    assert basic_user(request(basic("hándoff", "pw")), user="handoff", password="pw") is None
    assert basic_user(request(basic("handoff", "pässwörd")), user="handoff", password="pässwörd") == "handoff"
