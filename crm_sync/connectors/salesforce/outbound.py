"""Salesforce Outbound Messages (SOAP 1.1): parse what Salesforce sends, build the Ack, build messages (sandbox).

Pure functions, no I/O. XML is parsed with defusedxml (no entities, no DTDs). The format is that of
../shared/wire/salesforce/outbound_message_notification.xml: a `notifications` element in
http://soap.sforce.com/2005/09/outbound holding OrganizationId, ActionId, SessionId, EnterpriseUrl, PartnerUrl and
1..100 `Notification` elements, each with an Id (04l…, the same on every retry) and an `sObject` whose fields are
in urn:sobject.enterprise.soap.sforce.com.
"""

from __future__ import annotations

import hmac

from dataclasses import dataclass, field
from xml.etree.ElementTree import Element, ParseError
from xml.sax.saxutils import escape

import defusedxml.ElementTree as SafeET
from defusedxml import DefusedXmlException

from .ids import new_id

SOAP_ENV_NS = "http://schemas.xmlsoap.org/soap/envelope/"
OUTBOUND_NS = "http://soap.sforce.com/2005/09/outbound"
SOBJECT_NS = "urn:sobject.enterprise.soap.sforce.com"
XSI_NS = "http://www.w3.org/2001/XMLSchema-instance"
MAX_NOTIFICATIONS = 100


class MalformedOutboundMessage(ValueError):
    """The body is not a Salesforce Outbound Message; the webhook answers 400 with `soap_fault`."""


@dataclass(frozen=True)
class Notification:
    notification_id: str  # 04l…; Salesforce re-sends the same id on retries, so it is the de-duplication key
    sobject_type: str  # "Opportunity" from xsi:type="sf:Opportunity"
    fields: dict[str, str] = field(default_factory=dict)  # nil fields are left out

    @property
    def sobject_id(self) -> str:
        return self.fields.get("Id", "")


@dataclass(frozen=True)
class OutboundMessage:
    organization_id: str
    action_id: str
    session_id: str = field(default="", repr=False)  # a live Salesforce session when "Send Session ID" is on
    enterprise_url: str = ""
    partner_url: str = ""
    notifications: tuple[Notification, ...] = ()


def parse_outbound_message(body: bytes | str) -> OutboundMessage:
    """Parse an Outbound Message; raise `MalformedOutboundMessage` saying what is wrong."""
    root = _parse_xml(body)
    if root.tag != f"{{{SOAP_ENV_NS}}}Envelope":
        raise MalformedOutboundMessage(f"expected a SOAP 1.1 Envelope ({SOAP_ENV_NS}), got {_name(root.tag)}")
    soap_body = root.find(f"{{{SOAP_ENV_NS}}}Body")
    if soap_body is None:
        raise MalformedOutboundMessage("the SOAP envelope has no Body")
    notifications = soap_body.find(f"{{{OUTBOUND_NS}}}notifications")
    if notifications is None:
        found = ", ".join(_name(child.tag) for child in soap_body) or "nothing"
        raise MalformedOutboundMessage(
            f"the SOAP Body holds no notifications element in namespace {OUTBOUND_NS} (found {found})"
        )
    items = notifications.findall(f"{{{OUTBOUND_NS}}}Notification")
    if not items:
        raise MalformedOutboundMessage("the Outbound Message carries no Notification")
    if len(items) > MAX_NOTIFICATIONS:
        raise MalformedOutboundMessage(
            f"the Outbound Message carries {len(items)} notifications; Salesforce sends at most {MAX_NOTIFICATIONS}"
        )
    organization_id = _text(notifications, "OrganizationId")
    if not organization_id:
        raise MalformedOutboundMessage("the Outbound Message has no OrganizationId")
    return OutboundMessage(
        organization_id=organization_id,
        action_id=_text(notifications, "ActionId"),
        session_id=_text(notifications, "SessionId"),
        enterprise_url=_text(notifications, "EnterpriseUrl"),
        partner_url=_text(notifications, "PartnerUrl"),
        notifications=tuple(_parse_notification(item, position) for position, item in enumerate(items, 1)),
    )


def is_from_organization(message: OutboundMessage, organization_id: str) -> bool:
    """True when the message comes from this org; org ids compare on their 15-character form (15 or 18 given)."""
    expected = (organization_id or "").strip()
    return len(expected) >= 15 and hmac.compare_digest(message.organization_id[:15].encode(), expected[:15].encode())


def _parse_xml(body: bytes | str) -> Element:
    if not body or not body.strip():
        raise MalformedOutboundMessage("the body is empty, expected a SOAP Outbound Message")
    try:
        return SafeET.fromstring(body)
    except DefusedXmlException as exc:
        raise MalformedOutboundMessage(f"the XML uses forbidden constructs ({type(exc).__name__})") from exc
    except ParseError as exc:
        raise MalformedOutboundMessage(f"the body is not well-formed XML: {exc}") from exc


def _parse_notification(item: Element, position: int) -> Notification:
    notification_id = _text(item, "Id")
    if not notification_id:
        raise MalformedOutboundMessage(f"Notification {position} has no Id")
    sobject = item.find(f"{{{OUTBOUND_NS}}}sObject")
    if sobject is None:
        raise MalformedOutboundMessage(f"Notification {notification_id} has no sObject")
    xsi_type = sobject.get(f"{{{XSI_NS}}}type", "")
    sobject_type = xsi_type.rsplit(":", 1)[-1]
    if not sobject_type:
        raise MalformedOutboundMessage(f"Notification {notification_id}: the sObject has no xsi:type")
    fields = {}
    for child in sobject:
        if child.get(f"{{{XSI_NS}}}nil") == "true":
            continue
        fields[_name(child.tag)] = (child.text or "").strip()
    return Notification(notification_id=notification_id, sobject_type=sobject_type, fields=fields)


def _text(parent: Element, local_name: str) -> str:
    element = parent.find(f"{{{OUTBOUND_NS}}}{local_name}")
    if element is None or element.get(f"{{{XSI_NS}}}nil") == "true":
        return ""
    return (element.text or "").strip()


def _name(tag: str) -> str:
    return tag.rsplit("}", 1)[-1]


# ---- answers ---------------------------------------------------------------------------------------------------------


def ack_response(ok: bool = True) -> str:
    """The notificationsResponse Salesforce expects (HTTP 200, text/xml); anything but Ack=true makes it retry."""
    return (
        '<?xml version="1.0" encoding="UTF-8"?>\n'
        f'<soapenv:Envelope xmlns:soapenv="{SOAP_ENV_NS}">\n'
        " <soapenv:Body>\n"
        f'  <notificationsResponse xmlns="{OUTBOUND_NS}">\n'
        f"   <Ack>{'true' if ok else 'false'}</Ack>\n"
        "  </notificationsResponse>\n"
        " </soapenv:Body>\n"
        "</soapenv:Envelope>\n"
    )


def soap_fault(message: str, *, code: str = "soapenv:Client") -> str:
    """A SOAP 1.1 Fault for a message we refuse (answered with HTTP 400 or 500)."""
    return (
        '<?xml version="1.0" encoding="UTF-8"?>\n'
        f'<soapenv:Envelope xmlns:soapenv="{SOAP_ENV_NS}">\n'
        " <soapenv:Body>\n"
        "  <soapenv:Fault>\n"
        f"   <faultcode>{escape(code)}</faultcode>\n"
        f"   <faultstring>{escape(message)}</faultstring>\n"
        "  </soapenv:Fault>\n"
        " </soapenv:Body>\n"
        "</soapenv:Envelope>\n"
    )


def is_ack(body: bytes | str) -> bool:
    """True when a listener's answer is a notificationsResponse with Ack=true (what Salesforce checks)."""
    try:
        root = SafeET.fromstring(body)
    except (ParseError, DefusedXmlException, TypeError, ValueError):
        return False
    ack = root.find(f".//{{{OUTBOUND_NS}}}notificationsResponse/{{{OUTBOUND_NS}}}Ack")
    return ack is not None and (ack.text or "").strip().lower() in ("true", "1")


# ---- building (the sandbox plays Salesforce) ------------------------------------------------------------------------


def build_outbound_message(
    organization_id: str,
    action_id: str,
    sobject_type: str,
    records: list[dict],
    session_id: str = "",
    enterprise_url: str = "",
    partner_url: str = "",
) -> bytes:
    """An Outbound Message as Salesforce sends it, one Notification (fresh 04l… id) per record."""
    if not records:
        raise ValueError("an Outbound Message carries at least one record")
    if len(records) > MAX_NOTIFICATIONS:
        raise ValueError(f"an Outbound Message carries at most {MAX_NOTIFICATIONS} records")
    session = f"<SessionId>{escape(session_id)}</SessionId>" if session_id else '<SessionId xsi:nil="true"/>'
    parts = [
        '<?xml version="1.0" encoding="UTF-8"?>\n'
        f'<soapenv:Envelope xmlns:soapenv="{SOAP_ENV_NS}" xmlns:xsd="http://www.w3.org/2001/XMLSchema"'
        f' xmlns:xsi="{XSI_NS}">\n'
        " <soapenv:Body>\n"
        f'  <notifications xmlns="{OUTBOUND_NS}">\n'
        f"   <OrganizationId>{escape(organization_id)}</OrganizationId>\n"
        f"   <ActionId>{escape(action_id)}</ActionId>\n"
        f"   {session}\n"
        f"   <EnterpriseUrl>{escape(enterprise_url)}</EnterpriseUrl>\n"
        f"   <PartnerUrl>{escape(partner_url)}</PartnerUrl>\n"
    ]
    for record in records:
        parts.append(
            "   <Notification>\n"
            f"    <Id>{new_id('04l')}</Id>\n"
            f'    <sObject xsi:type="sf:{escape(sobject_type)}" xmlns:sf="{SOBJECT_NS}">\n'
        )
        for name, value in record.items():
            parts.append(f"     {_field_element(name, value)}\n")
        parts.append("    </sObject>\n   </Notification>\n")
    parts.append("  </notifications>\n </soapenv:Body>\n</soapenv:Envelope>\n")
    return "".join(parts).encode("utf-8")


def _field_element(name: str, value) -> str:
    if not name.replace("_", "").isalnum():
        raise ValueError(f"{name!r} is not a Salesforce field name")
    if value is None:
        return f'<sf:{name} xsi:nil="true"/>'
    if isinstance(value, bool):
        text = "true" if value else "false"
    else:
        text = escape(str(value))
    return f"<sf:{name}>{text}</sf:{name}>"
