"""HubSpot's secrets never reach the event log or the raw inbound store: the private app token, the client secret
(it signs, it never travels) and the signatures made with it."""

from __future__ import annotations

import json

import httpx
import pytest

from crm_sync.connectors.hubspot.adapter import HubSpotAdapter
from crm_sync.connectors.hubspot.sandbox_outbound import signed_request
from handoff_project.integration.models import Event, InboundEvent
from handoff_project.integration.redaction import REDACTED, redact_body, redact_headers, redact_text

from .hubspot_world import create_deal, hs, hubspot_sandbox  # noqa: F401 - fixtures


@pytest.mark.parametrize("text", [
    "HubSpot refused pat-na1-11111111-2222-3333-4444-555555555555 (expired)",
    "token=pat-eu1-aaaabbbb-cccc-dddd-eeee-ffff00001111",
    "GET /crm/v3/objects/deals?hapikey=0d1e2f3a-4b5c-6d7e-8f90-a1b2c3d4e5f6",
    "Authorization: Bearer pat-na1-11111111-2222-3333-4444-555555555555",
])  # fmt: skip
def test_a_private_app_token_or_legacy_api_key_is_redacted_wherever_it_appears(text):
    redacted = redact_text(text)
    assert REDACTED in redacted
    assert "11111111-2222" not in redacted and "aaaabbbb" not in redacted and "0d1e2f3a" not in redacted


def test_the_signature_headers_are_redacted_and_the_timestamp_kept():
    headers = redact_headers({"X-Hubspot-Signature-V3": "c2lnbmF0dXJl", "X-Hubspot-Signature": "ab" * 32,
                              "X-Hubspot-Request-Timestamp": "1764000000000", "User-Agent": "HubSpot Connect 2.0"})
    assert headers["X-Hubspot-Signature-V3"] == headers["X-Hubspot-Signature"] == REDACTED
    assert headers["X-Hubspot-Request-Timestamp"] == "1764000000000" and headers["User-Agent"] == "HubSpot Connect 2.0"


def test_an_oauth_token_answer_is_redacted_in_a_stored_body():
    body = json.loads(redact_body('{"access_token": "CJSP5qf1KhICAQEYs-gDIIGOBii1", "refresh_token": "6f18f21e", '
                                  '"expires_in": 1800}'))  # fmt: skip
    assert body == {"access_token": REDACTED, "refresh_token": REDACTED, "expires_in": 1800}


@pytest.mark.django_db(transaction=True)
def test_no_token_client_secret_or_signature_is_stored_by_webhooks_and_adapter_calls(hs, hubspot_sandbox, settings):
    url = f"{hubspot_sandbox.url}/webhooks/hubspot/"
    ids = create_deal(hs)
    event = {"eventId": 77, "portalId": 62515, "objectId": int(ids["deal"]), "subscriptionType": "deal.propertyChange",
             "propertyName": "dealstage", "propertyValue": "closedwon", "attemptNumber": 0}  # fmt: skip
    body, headers = signed_request(url, [event], secret=settings.HUBSPOT_CLIENT_SECRET)
    assert httpx.post(url, content=body, headers=headers).status_code == 200
    forged, forged_headers = signed_request(url, [{**event, "eventId": 78}], secret="guessed-secret")
    assert httpx.post(url, content=forged, headers=forged_headers).status_code == 401
    signatures = [headers["X-HubSpot-Signature-v3"], headers["X-HubSpot-Signature"]]

    adapter = HubSpotAdapter()
    adapter.fetch_deal(ids["deal"])
    adapter.write_order_number(ids["deal"], "0000004711")
    # a failure message that happens to quote the token (a person pasted it into a crosswalk note, say)
    adapter.flag_deal(ids["deal"], f"ERP refused: see config {settings.HUBSPOT_ACCESS_TOKEN}")

    stored = [text for e in Event.objects.all()
              for text in (e.request_body, e.body, e.endpoint, e.message, json.dumps(e.data))]  # fmt: skip
    stored += [text for i in InboundEvent.objects.all() for text in (i.body, i.error, json.dumps(i.headers))]
    blob = "\n".join(stored)
    assert Event.objects.filter(system="hubspot", event_type="hubspot.update").count() == 2
    assert InboundEvent.objects.filter(system="hubspot").count() == 2  # one accepted, one rejected
    for secret in (settings.HUBSPOT_ACCESS_TOKEN, settings.HUBSPOT_CLIENT_SECRET, *signatures):
        assert secret not in blob
    assert "ERP refused: see config [REDACTED]" in blob
