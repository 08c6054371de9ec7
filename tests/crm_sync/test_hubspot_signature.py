"""HubSpot's v3 request signature: the signed string, HubSpot's URL decoding, the 5-minute window."""

from __future__ import annotations

import base64
import hashlib
import hmac
from pathlib import Path

import pytest

from crm_sync.connectors.hubspot.signature import (
    signed_uri,
    timestamp_problem,
    v1_signature,
    v3_signature,
    verification_problem,
)

FIXTURES = Path(__file__).resolve().parents[2] / "crm_sync" / "connectors" / "hubspot" / "fixtures"
SECRET = "yyyyyyyy-yyyy-yyyy-yyyy-yyyyyyyyyyyy"  # the client secret of HubSpot's documented examples
V1_BODY = (b'[{"eventId":1,"subscriptionId":12345,"portalId":62515,"occurredAt":1564113600000,"subscriptionType":'
           b'"contact.creation","attemptNumber":0,"objectId":123,"changeSource":"CRM","changeFlag":"NEW","appId":54321}]')
NOW = 1_764_000_000_000


def test_the_documented_v1_test_vector_is_reproduced():
    assert "232db2615f3d666fe21a8ec971ac7b5402d33b9a925784df3ca654d05f4817de" in (FIXTURES / "signature_validation.txt").read_text()
    assert v1_signature(SECRET, V1_BODY) == "232db2615f3d666fe21a8ec971ac7b5402d33b9a925784df3ca654d05f4817de"


def test_v3_is_base64_hmac_sha256_of_method_uri_body_and_timestamp():
    uri, timestamp = "https://www.example.com/webhook_uri", "1708986599647"
    expected = hmac.new(SECRET.encode(), b"POST" + uri.encode() + V1_BODY + timestamp.encode(), hashlib.sha256).digest()
    assert v3_signature(SECRET, "post", uri, V1_BODY, timestamp) == base64.b64encode(expected).decode()


@pytest.mark.parametrize("received, signed", [
    ("https://hooks.example.com/hubspot?state=a%3Ab%2Fc%3Fd%40e", "https://hooks.example.com/hubspot?state=a:b/c?d@e"),
    ("https://hooks.example.com/hubspot?x=%21%24%27%28%29%2A%2C%3B", "https://hooks.example.com/hubspot?x=!$'()*,;"),
    ("https://hooks.example.com/hubspot?x=%3a%2f", "https://hooks.example.com/hubspot?x=:/"),  # lower-case escapes
    # escapes outside HubSpot's list stay encoded
    ("https://hooks.example.com/hubspot?q=a%20b%26c%3Dd%23", "https://hooks.example.com/hubspot?q=a%20b%26c%3Dd%23"),
])  # fmt: skip
def test_the_uri_is_signed_with_exactly_hubspots_escapes_decoded(received, signed):
    assert signed_uri(received) == signed
    assert v3_signature(SECRET, "POST", received, b"[]", "1") == v3_signature(SECRET, "POST", signed, b"[]", "1")


@pytest.mark.parametrize("timestamp, fragment", [
    (None, "missing"), ("", "missing"), ("yesterday", "not milliseconds"), ("1764000000000.5", "not milliseconds"),
    (str(NOW - 5 * 60 * 1000 - 1), "s old"), (str(NOW + 5 * 60 * 1000 + 1), "in the future"),
])  # fmt: skip
def test_a_timestamp_outside_five_minutes_or_not_a_number_is_refused(timestamp, fragment):
    assert fragment in timestamp_problem(timestamp, now=NOW)


def test_a_timestamp_within_five_minutes_either_way_is_accepted():
    assert timestamp_problem(str(NOW - 5 * 60 * 1000), now=NOW) == ""
    assert timestamp_problem(str(NOW + 4 * 60 * 1000), now=NOW) == ""


def test_verification_tries_each_candidate_uri_and_names_them_when_none_matches():
    timestamp = str(NOW)
    signature = v3_signature(SECRET, "POST", "https://public.example.com/webhooks/hubspot/", V1_BODY, timestamp)
    common = dict(secret=SECRET, method="POST", body=V1_BODY, timestamp=timestamp, signature=signature, now=NOW)
    assert verification_problem(uris=["http://10.0.0.5:8000/webhooks/hubspot/",
                                      "https://public.example.com/webhooks/hubspot/"], **common) == ""
    problem = verification_problem(uris=["http://10.0.0.5:8000/webhooks/hubspot/"], **common)
    assert "does not match" in problem and "http://10.0.0.5:8000/webhooks/hubspot/" in problem
    assert "does not match" in verification_problem(uris=["https://public.example.com/webhooks/hubspot/"],
                                                    **{**common, "body": V1_BODY + b" "})


def test_without_a_configured_secret_nothing_verifies():
    assert "HUBSPOT_CLIENT_SECRET" in verification_problem(secret="", method="POST", uris=["https://x/"], body=b"[]",
                                                           timestamp=str(NOW), signature="abc", now=NOW)


def test_a_signature_with_characters_outside_ascii_is_refused_not_an_error():
    problem = verification_problem(secret=SECRET, method="POST", uris=["https://x/"], body=b"[]", timestamp=str(NOW),
                                   signature="é" * 44, now=NOW)
    assert "does not match" in problem
