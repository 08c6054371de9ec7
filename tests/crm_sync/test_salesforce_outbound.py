"""Outbound Message parsing and building, with the real wire sample (fixtures/ holds copies of ../shared/wire)."""

from __future__ import annotations

from pathlib import Path

import pytest

from crm_sync.connectors.salesforce.ids import case_safe_suffix, is_record_id, new_id, to_18
from crm_sync.connectors.salesforce.outbound import (
    MalformedOutboundMessage,
    ack_response,
    build_outbound_message,
    is_ack,
    is_from_organization,
    parse_outbound_message,
    soap_fault,
)

FIXTURES = Path(__file__).resolve().parents[2] / "crm_sync" / "connectors" / "salesforce" / "fixtures"
WIRE_NOTIFICATION = (FIXTURES / "outbound_message_notification.xml").read_bytes()
ENVELOPE = (
    '<soapenv:Envelope xmlns:soapenv="http://schemas.xmlsoap.org/soap/envelope/" '
    'xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance"><soapenv:Body>{}</soapenv:Body></soapenv:Envelope>'
)


def notifications(inner: str, ns: str = "http://soap.sforce.com/2005/09/outbound") -> bytes:
    head = "<OrganizationId>00D5e000000TestOrg</OrganizationId><ActionId>04k000000000001</ActionId>"
    return ENVELOPE.format(f'<notifications xmlns="{ns}">{head}{inner}</notifications>').encode()


def one_notification(n: int) -> str:
    return (
        f"<Notification><Id>04l00000000{n:04d}</Id>"
        '<sObject xsi:type="sf:Opportunity" xmlns:sf="urn:sobject.enterprise.soap.sforce.com">'
        f"<sf:Id>006000000000{n:03d}</sf:Id></sObject></Notification>"
    )


def test_the_real_wire_sample_parses_into_envelope_fields_and_one_contact_notification():
    message = parse_outbound_message(WIRE_NOTIFICATION)

    assert message.organization_id == "00Do0000000xxxxxxx"
    assert message.action_id == "04ko0000000xxxxxxx"
    assert message.session_id == "00Do0000xxxxxxx!etc"
    assert message.enterprise_url == "https://nax.salesforce.com/services/Soap/c/30.0/00Do0000xxxxxxx"
    assert message.partner_url == "https://nax.salesforce.com/services/Soap/u/30.0/00Do0000xxxxxxx"
    (notification,) = message.notifications
    assert notification.notification_id == "04lo0000000xxxxxxx"
    assert notification.sobject_type == "Contact"
    assert notification.sobject_id == "003o000000xxxxxxxxx"
    assert notification.fields == {
        "Id": "003o000000xxxxxxxxx",
        "CreatedDate": "2014-06-26T00:05:38.000Z",
        "FirstName": "some",
        "LastModifiedDate": "2014-06-26T00:05:38.000Z",
        "LastName": "dude",
    }


def test_the_session_id_is_kept_out_of_the_message_repr_so_it_is_never_logged():
    message = parse_outbound_message(WIRE_NOTIFICATION)
    assert "00Do0000xxxxxxx!etc" not in repr(message)
    assert "04lo0000000xxxxxxx" in repr(message)


def test_ack_response_is_exactly_the_documented_acknowledgement():
    assert ack_response() == (FIXTURES / "outbound_message_ack.xml").read_text()
    assert is_ack(ack_response())


def test_a_negative_ack_is_not_an_ack():
    assert "<Ack>false</Ack>" in ack_response(ok=False)
    assert not is_ack(ack_response(ok=False))
    assert not is_ack(b"")
    assert not is_ack(b"ok")
    assert not is_ack(soap_fault("nope"))


@pytest.mark.parametrize(
    "body, says",
    [
        (b"", "empty"),
        (b"   \n", "empty"),
        (b'{"event": "deal.won"}', "not well-formed XML"),
        (b"<soapenv:Envelope", "not well-formed XML"),
        (
            b'<env:Envelope xmlns:env="http://www.w3.org/2003/05/soap-envelope"><env:Body/></env:Envelope>',
            "expected a SOAP 1.1 Envelope",
        ),
        (b'<Envelope xmlns="http://schemas.xmlsoap.org/soap/envelope/"/>', "no Body"),
        (ENVELOPE.format("<something/>").encode(), "no notifications element"),
        (notifications(one_notification(1), ns="http://soap.sforce.com/2005/09/other"), "no notifications element"),
        (notifications(""), "carries no Notification"),
        (notifications("".join(one_notification(n) for n in range(101))), "101 notifications"),
        (notifications("<Notification><sObject/></Notification>"), "Notification 1 has no Id"),
        (notifications("<Notification><Id>04l000000000001</Id></Notification>"), "has no sObject"),
    ],
)
def test_malformed_outbound_messages_are_refused_with_a_message_saying_why(body, says):
    with pytest.raises(MalformedOutboundMessage, match=says):
        parse_outbound_message(body)


def test_a_hundred_notifications_is_the_allowed_maximum():
    message = parse_outbound_message(notifications("".join(one_notification(n) for n in range(100))))
    assert len(message.notifications) == 100
    assert message.notifications[99].sobject_id == "006000000000099"


def test_xml_entity_expansion_is_refused():
    bomb = (
        b'<?xml version="1.0"?><!DOCTYPE x [<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;&a;&a;">]>'
        b'<soapenv:Envelope xmlns:soapenv="http://schemas.xmlsoap.org/soap/envelope/">&b;</soapenv:Envelope>'
    )
    with pytest.raises(MalformedOutboundMessage, match="forbidden"):
        parse_outbound_message(bomb)


def test_the_organization_check_accepts_the_15_and_18_character_forms_of_our_org_id_only():
    message = parse_outbound_message(notifications(one_notification(1)))  # OrganizationId 00D5e000000TestOrg
    assert is_from_organization(message, "00D5e000000TestOrg")
    assert is_from_organization(message, "00D5e000000Test")
    assert not is_from_organization(message, "00D5e000000OtherOrg")
    assert not is_from_organization(message, "")


def test_a_missing_organization_id_is_refused():
    body = ENVELOPE.format(
        '<notifications xmlns="http://soap.sforce.com/2005/09/outbound">' + one_notification(1) + "</notifications>"
    ).encode()
    with pytest.raises(MalformedOutboundMessage, match="OrganizationId"):
        parse_outbound_message(body)


def test_a_built_message_round_trips_with_nil_fields_left_out_and_booleans_as_salesforce_writes_them():
    records = [
        {"Id": "0065g000a2hoR28AAE", "Name": "Acme & Co <renewal>", "Amount": "125000.50", "IsWon": True,
         "ContractId": None},
        {"Id": "0065g000b3ipS39AAE", "Name": "Globex", "Amount": 99, "IsWon": False},
    ]  # fmt: skip
    body = build_outbound_message(
        "00D5e000000TestOrg", "04k5g0000000HndAAA", "Opportunity", records, enterprise_url="https://x/c"
    )
    message = parse_outbound_message(body)

    assert message.organization_id == "00D5e000000TestOrg"
    assert message.session_id == ""
    assert message.enterprise_url == "https://x/c"
    first, second = message.notifications
    assert first.sobject_type == "Opportunity"
    assert first.fields == {"Id": "0065g000a2hoR28AAE", "Name": "Acme & Co <renewal>", "Amount": "125000.50",
                            "IsWon": "true"}  # fmt: skip
    assert second.fields["IsWon"] == "false"
    assert b'<sf:ContractId xsi:nil="true"/>' in body
    assert b'<SessionId xsi:nil="true"/>' in body
    assert b'xsi:type="sf:Opportunity"' in body


def test_each_built_notification_gets_a_fresh_valid_04l_id():
    body = build_outbound_message("00D", "04k", "Opportunity", [{"Id": "a"}, {"Id": "b"}])
    ids = [n.notification_id for n in parse_outbound_message(body).notifications]
    again = parse_outbound_message(build_outbound_message("00D", "04k", "Opportunity", [{"Id": "a"}]))

    assert len(set(ids + [again.notifications[0].notification_id])) == 3
    for notification_id in ids:
        assert len(notification_id) == 18 and notification_id.startswith("04l")
        assert to_18(notification_id[:15]) == notification_id


def test_building_refuses_an_empty_or_oversized_batch_and_bad_field_names():
    with pytest.raises(ValueError):
        build_outbound_message("00D", "04k", "Opportunity", [])
    with pytest.raises(ValueError):
        build_outbound_message("00D", "04k", "Opportunity", [{"Id": str(n)} for n in range(101)])
    with pytest.raises(ValueError):
        build_outbound_message("00D", "04k", "Opportunity", [{"Bad><Field": "x"}])


def test_soap_fault_carries_the_escaped_message():
    fault = soap_fault("no <notifications> & no luck")
    assert "<faultcode>soapenv:Client</faultcode>" in fault
    assert "<faultstring>no &lt;notifications&gt; &amp; no luck</faultstring>" in fault


def test_case_safe_ids_match_salesforces_own_example():
    # sobject_create_success.json: "001D000000IqhSLIAZ"
    assert case_safe_suffix("001D000000IqhSL") == "IAZ"
    assert to_18("001D000000IqhSL") == "001D000000IqhSLIAZ"
    assert to_18("001D000000IqhSLIAZ") == "001D000000IqhSLIAZ"
    assert is_record_id(new_id("006")) and new_id("006").startswith("006")
    assert not is_record_id("006'; DELETE")
