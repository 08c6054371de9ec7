"""Bad input at the webhook door, generated (hypothesis) and hand-picked, through the real views and PostgreSQL.

For every CRM endpoint, whatever the body — random bytes, JSON of any shape, the vendor's shape with junk values,
non-UTF-8, NUL characters and lone surrogates, nesting thousands deep, billion laughs, more than 10 MB — the answer is
never a 5xx: it is 2xx (accepted / ignored) or a 4xx whose body says what is wrong, and the request is stored as an
InboundEvent (a refused one as rejected with the reason; a huge one with its head and its real size). A delivery
stored as accepted can be read again from the store (`triggers`), so the worker gets what the sender sent.

Each example runs in its own transaction (hypothesis.extra.django.TestCase), so examples do not see each other.
"""

from __future__ import annotations

import base64
import json
from xml.sax.saxutils import escape

from django.conf import settings
from hypothesis import HealthCheck, example, given
from hypothesis import settings as hypothesis_settings
from hypothesis import strategies as st
from hypothesis.extra.django import TestCase

from crm_sync.connectors.base import webhook_module
from crm_sync.connectors.hubspot.signature import now_ms, v3_signature
from crm_sync.connectors.salesforce.outbound import build_outbound_message
from crm_sync.services import REJECTED_BODY_LIMIT
from handoff_project.integration.models import InboundEvent

HUBSPOT_URL, PIPEDRIVE_URL, SALESFORCE_URL = "/webhooks/hubspot/", "/webhooks/pipedrive/", "/webhooks/salesforce/"
HUBSPOT_SIGNED_FOR = "http://testserver/webhooks/hubspot/"
PROPERTY = hypothesis_settings(max_examples=40, deadline=None, derandomize=True, database=None,
                               suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
OVERSIZED = 10 * 1024 * 1024 + 1  # "oversized (> 10 MB)" in the issue; the limit itself is 2.5 MB

# ---- strategies ------------------------------------------------------------------------------------------------------

# Text with the characters that break storage: NUL, other controls, non-BMP.
nasty_text = st.text(st.characters(min_codepoint=0, max_codepoint=0x10FFFF, exclude_categories=("Cs",)), max_size=30)
scalars = st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False, allow_infinity=False) | nasty_text
json_values = st.recursive(scalars, lambda inner: st.lists(inner, max_size=4) | st.dictionaries(nasty_text, inner, max_size=4),
                           max_leaves=12)
digits = st.integers(min_value=0, max_value=10**12)
junk = json_values | digits | digits.map(str)

hubspot_events = st.lists(
    st.fixed_dictionaries(
        {"eventId": junk, "objectId": junk, "portalId": junk},
        optional={"subscriptionType": st.sampled_from(["deal.propertyChange", "deal.creation", "contact.creation",
                                                       "object.propertyChange"]) | junk,
                  "propertyName": st.just("dealstage") | junk, "propertyValue": st.just("closedwon") | junk,
                  "objectTypeId": st.just("0-3") | junk, "attemptNumber": junk},
    ),
    max_size=5,
)
pipedrive_deliveries = st.fixed_dictionaries(
    {"meta": st.fixed_dictionaries(
        {"version": st.just("2.0") | junk, "id": st.uuids().map(str) | junk},
        optional={"action": st.sampled_from(["change", "create", "delete"]) | junk,
                  "entity": st.sampled_from(["deal", "person"]) | junk, "entity_id": junk, "timestamp": junk}),
     },
    optional={"data": st.none() | st.fixed_dictionaries({}, optional={"status": st.just("won") | junk,
                                                                      "id": junk, "title": junk}) | junk,
              "previous": st.none() | st.fixed_dictionaries({}, optional={"status": st.just("open") | junk}) | junk},
)
salesforce_fields = st.dictionaries(
    st.sampled_from(["Id", "Name", "StageName", "IsWon", "Amount", "AccountId"]),
    st.sampled_from(["Closed Won", "0065g00000AbCdEAAZ", "true"]) | nasty_text | st.none(),
    max_size=6,
)


def _deep_json(depth: int) -> bytes:
    return b"[" * depth + b"]" * depth


# ---- sending ---------------------------------------------------------------------------------------------------------


def basic_auth(user: str, password: str) -> str:
    return "Basic " + base64.b64encode(f"{user}:{password}".encode()).decode()


class WebhookDoor(TestCase):
    """Shared checks: an answer below 500 that says what it did, and the request kept."""

    def send(self, url: str, body: bytes, *, content_type="application/json", headers=None):
        before = InboundEvent.objects.count()
        deliveries_before = sum(InboundEvent.objects.values_list("deliveries", flat=True))
        with self.captureOnCommitCallbacks(execute=False):  # nothing is queued to a worker here; storing is the point
            response = self.client.post(url, data=body, content_type=content_type, headers=headers or {})
        assert response.status_code < 500, (response.status_code, response.content[:500])
        assert response.content.strip(), "every answer says what happened"
        stored = InboundEvent.objects.count() - before
        counted = sum(InboundEvent.objects.values_list("deliveries", flat=True)) - deliveries_before
        assert stored == 1 or (stored == 0 and counted == 1), "the delivery is stored (or counted as a redelivery)"
        inbound = InboundEvent.objects.order_by("-id").first() if stored else None
        if inbound is not None:
            assert inbound.body_bytes == len(body)
            if response.status_code >= 400:
                assert inbound.status == InboundEvent.Status.REJECTED and inbound.error
            elif inbound.status == InboundEvent.Status.ACCEPTED:
                webhook_module(inbound.system).triggers(inbound)  # the worker can read back what was stored
        return response, inbound

    def hubspot(self, body: bytes, **kwargs):
        timestamp = str(now_ms())
        signature = v3_signature(settings.HUBSPOT_CLIENT_SECRET, "POST", HUBSPOT_SIGNED_FOR, body, timestamp)
        return self.send(HUBSPOT_URL, body, headers={"X-HubSpot-Signature-v3": signature,
                                                     "X-HubSpot-Request-Timestamp": timestamp}, **kwargs)

    def pipedrive(self, body: bytes, **kwargs):
        auth = basic_auth(settings.PIPEDRIVE_WEBHOOK_USER, settings.PIPEDRIVE_WEBHOOK_PASSWORD)
        return self.send(PIPEDRIVE_URL, body, headers={"Authorization": auth}, **kwargs)

    def salesforce(self, body: bytes):
        return self.send(SALESFORCE_URL, body, content_type="text/xml; charset=utf-8")


class TestHubSpotWebhookUnderBadInput(WebhookDoor):
    @PROPERTY
    @given(st.binary(max_size=2000))
    @example(b"\xff\xfe[\x00]\x00")  # UTF-16
    @example("[{\"eventId\": 1}]".encode("latin-1") + b"\xe9")
    def test_any_signed_bytes_get_a_2xx_or_a_400_with_a_message_and_are_kept(self, body):
        response, _ = self.hubspot(body)
        assert response.status_code in (200, 400)
        assert response.json()["message"]

    @PROPERTY
    @given(json_values | hubspot_events)
    @example([{"eventId": "\x00", "objectId": 1, "portalId": 1, "subscriptionType": "deal.propertyChange\x00",
               "propertyName": "dealstage", "propertyValue": "closedwon"}])
    def test_any_signed_json_gets_a_2xx_or_a_400_and_is_kept(self, value):
        response, inbound = self.hubspot(json.dumps(value).encode())
        assert response.status_code in (200, 400)
        if response.status_code == 400:
            assert "Malformed HubSpot webhook batch" in response.json()["message"]

    def test_a_lone_surrogate_or_nul_escaped_in_the_json_is_stored_without_a_500(self):
        body = (b'[{"eventId": "\\ud800", "objectId": 7, "portalId": 1, "subscriptionType": "deal.propertyChange",'
                b' "propertyName": "dealstage", "propertyValue": "closedwon\\u0000"}]')
        response, inbound = self.hubspot(body)
        assert response.status_code == 200

    def test_json_nested_a_hundred_thousand_deep_is_400_saying_so(self):
        response, inbound = self.hubspot(_deep_json(100_000))
        assert response.status_code == 400 and "nested" in response.json()["message"]

    def test_a_value_nested_just_under_the_readers_limit_is_400_not_500(self):
        body = b'[{"eventId": ' + _deep_json(900) + b', "objectId": 1, "portalId": 1, "subscriptionType": "x"}]'
        response, _ = self.hubspot(body)
        assert response.status_code in (200, 400)

    def test_a_body_over_10_mb_is_413_and_kept_with_its_head_and_size(self):
        body = b"[" + b'{"eventId": 1, "objectId": 1, "portalId": 1},' * (OVERSIZED // 44) + b"{}]"
        response, inbound = self.hubspot(body)
        assert response.status_code == 413
        assert "at most 2,621,440 bytes" in response.json()["message"]
        assert inbound.body_bytes == len(body) > 10 * 1024 * 1024
        assert len(inbound.body.encode()) <= REJECTED_BODY_LIMIT and inbound.body.startswith('[{"eventId"')

    def test_a_huge_body_is_refused_before_the_signature_is_even_checked(self):
        response, inbound = self.send(HUBSPOT_URL, b"x" * OVERSIZED, headers={"X-HubSpot-Signature-v3": "forged"})
        assert response.status_code == 413 and inbound.status == InboundEvent.Status.REJECTED


class TestPipedriveWebhookUnderBadInput(WebhookDoor):
    @PROPERTY
    @given(st.binary(max_size=2000))
    @example(b'{"meta": {"version": "2.0", "id": "a"}}'.decode().encode("utf-16"))
    def test_any_authenticated_bytes_get_a_2xx_or_a_400_with_a_message_and_are_kept(self, body):
        response, _ = self.pipedrive(body)
        assert response.status_code in (200, 400)
        assert response.json().get("error") or response.json().get("status") == "received"

    @PROPERTY
    @given(json_values | pipedrive_deliveries)
    @example({"meta": {"version": "2.0", "id": "\x00", "action": "change", "entity": "deal", "entity_id": "7\x00"},
              "data": {"status": "won", "title": "\x00"}, "previous": {"status": "open"}})
    def test_any_authenticated_json_gets_a_2xx_or_a_400_and_is_kept(self, value):
        response, _ = self.pipedrive(json.dumps(value).encode())
        assert response.status_code in (200, 400)

    @PROPERTY
    @given(st.text(max_size=80))
    def test_any_other_authorization_header_is_401_and_kept(self, authorization):
        response, inbound = self.send(PIPEDRIVE_URL, b'{"meta": {}}', headers={"Authorization": authorization})
        assert response.status_code == 401 and response["WWW-Authenticate"].startswith("Basic")

    def test_json_nested_a_hundred_thousand_deep_is_400_saying_so(self):
        response, _ = self.pipedrive(_deep_json(100_000))
        assert response.status_code == 400 and "nested" in response.json()["error"]

    def test_a_meta_id_nested_just_under_the_readers_limit_is_not_a_500(self):
        body = b'{"meta": {"version": "2.0", "action": "change", "entity": "deal", "id": ' + _deep_json(900) + b"}}"
        response, _ = self.pipedrive(body)
        assert response.status_code in (200, 400)

    def test_a_body_over_10_mb_is_413_and_kept_with_its_head_and_size(self):
        body = b'{"meta": {"version": "2.0"}, "data": {"note": "' + b"a" * OVERSIZED + b'"}}'
        response, inbound = self.pipedrive(body)
        assert response.status_code == 413 and "Payload too large" in response.json()["error"]
        assert inbound.body_bytes == len(body) and inbound.body.startswith('{"meta"')


class TestSalesforceWebhookUnderBadInput(WebhookDoor):
    @PROPERTY
    @given(st.binary(max_size=2000))
    def test_any_bytes_get_a_400_soap_fault_or_a_401_and_are_kept(self, body):
        response, _ = self.salesforce(body)
        assert response.status_code in (200, 400, 401)
        assert b"<faultstring>" in response.content or b"<Ack>true</Ack>" in response.content

    @PROPERTY
    @given(salesforce_fields, st.sampled_from(["Opportunity", "Account", "Opportunity"]),
           st.integers(min_value=0, max_value=3000), st.booleans())
    def test_outbound_messages_with_junk_fields_or_cut_short_get_an_ack_or_a_4xx(self, fields, sobject, cut, cut_it):
        body = build_outbound_message(settings.SALESFORCE_ORGANIZATION_ID, "04k000000000001AAA", sobject, [fields])
        response, _ = self.salesforce(body[:cut] if cut_it else body)
        assert response.status_code in (200, 400)

    def test_billion_laughs_is_refused_400_as_a_forbidden_construct(self):
        entities = "".join(f'<!ENTITY l{i} "{"&l%d;" % (i - 1) * 10}">' for i in range(1, 10))
        body = (f'<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY l0 "lol">{entities}]>'
                "<soapenv:Envelope xmlns:soapenv=\"http://schemas.xmlsoap.org/soap/envelope/\">"
                "<soapenv:Body>&l9;</soapenv:Body></soapenv:Envelope>").encode()
        response, inbound = self.salesforce(body)
        assert response.status_code == 400 and b"forbidden constructs" in response.content

    def test_an_external_entity_is_refused_400_and_never_read(self):
        body = (b'<?xml version="1.0"?><!DOCTYPE x [<!ENTITY secret SYSTEM "file:///etc/passwd">]>'
                b'<soapenv:Envelope xmlns:soapenv="http://schemas.xmlsoap.org/soap/envelope/"><soapenv:Body>'
                b"&secret;</soapenv:Body></soapenv:Envelope>")
        response, inbound = self.salesforce(body)
        assert response.status_code == 400 and b"root:" not in response.content and "root:" not in inbound.body

    def test_xml_nested_fifty_thousand_deep_is_a_4xx_not_a_500(self):
        depth = 50_000
        body = build_outbound_message(settings.SALESFORCE_ORGANIZATION_ID, "04k000000000001AAA", "Opportunity",
                                      [{"Id": "0065g00000AbCdEAAZ", "Name": "DEEP"}])
        body = body.replace(b"<sf:Name>DEEP</sf:Name>", b"<sf:Name>" + b"<a>" * depth + b"</a>" * depth + b"</sf:Name>")
        response, _ = self.salesforce(body)
        assert response.status_code in (200, 400)

    def test_a_body_over_10_mb_is_413_with_a_soap_fault_and_kept_with_its_head_and_size(self):
        filler = escape("x" * OVERSIZED)
        body = build_outbound_message(settings.SALESFORCE_ORGANIZATION_ID, "04k000000000001AAA", "Opportunity",
                                      [{"Id": "0065g00000AbCdEAAZ", "Description": filler}])
        response, inbound = self.salesforce(body)
        assert response.status_code == 413 and b"Payload too large" in response.content
        assert inbound.body_bytes == len(body) and inbound.body.startswith("<?xml")
