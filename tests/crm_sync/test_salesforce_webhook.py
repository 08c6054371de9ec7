"""/webhooks/salesforce/: verify → store raw → enqueue on commit → Ack. Rejections are kept for inspection."""

from pathlib import Path

import pytest
from django.conf import settings
from django_q.models import OrmQ

from crm_sync.connectors.salesforce.outbound import build_outbound_message
from erp_orders.models import Handoff
from handoff_project.integration.models import InboundEvent

pytestmark = pytest.mark.django_db(transaction=True)

WIRE = Path(__file__).resolve().parents[2].parent / "shared" / "wire" / "salesforce"
URL = "/webhooks/salesforce/"


def post(client, body, **extra):
    return client.post(URL, data=body, content_type="text/xml; charset=utf-8", **extra)


def won_message(opportunity_id="0065g00000AbCdEAAZ", org=None):
    return build_outbound_message(org or settings.SALESFORCE_ORGANIZATION_ID, "04k5g000000AbCdAAK", "Opportunity",
                                  [{"Id": opportunity_id, "StageName": "Closed Won", "IsWon": True, "Name": "Deal"}],
                                  session_id="00D5e000000TestOrg!AQ4AQSessionSecret")


def test_valid_message_is_stored_before_work_and_acknowledged(client):
    response = post(client, won_message())
    assert response.status_code == 200
    assert b"<Ack>true</Ack>" in response.content
    inbound = InboundEvent.objects.get()
    assert inbound.status == "accepted" and "0065g00000AbCdEAAZ" in inbound.body
    assert "SessionSecret" not in inbound.body  # the session id is a credential
    assert OrmQ.objects.count() == 1  # one task queued, on commit


def test_malformed_soap_is_400_stored_and_nothing_processed(client):
    response = post(client, b"<soapenv:Envelope><unclosed>")
    assert response.status_code == 400
    assert b"Fault" in response.content
    inbound = InboundEvent.objects.get()
    assert inbound.status == "rejected" and "<unclosed>" in inbound.body and inbound.error
    assert OrmQ.objects.count() == 0 and Handoff.objects.count() == 0


def test_wrong_organisation_is_401_stored_and_nothing_processed(client):
    response = post(client, won_message(org="00D000000000EvilAA"))
    assert response.status_code == 401
    inbound = InboundEvent.objects.get()
    assert inbound.status == "rejected" and "00D000000000EvilAA" in inbound.error
    assert OrmQ.objects.count() == 0 and Handoff.objects.count() == 0


def test_real_sample_message_from_another_org_is_refused(client):
    response = post(client, (WIRE / "outbound_message_notification.xml").read_bytes())
    assert response.status_code == 401


def test_redelivery_is_acknowledged_counted_and_not_queued_again(client):
    body = won_message()
    for _ in range(3):
        assert post(client, body).status_code == 200
    inbound = InboundEvent.objects.get()
    assert inbound.deliveries == 3
    assert OrmQ.objects.count() == 1


def test_get_is_not_allowed(client):
    assert client.get(URL).status_code == 405


def test_unsupported_object_is_acknowledged_and_ignored(client):
    from crm_sync.inbound import process_inbound_event

    body = build_outbound_message(settings.SALESFORCE_ORGANIZATION_ID, "04k5g000000AbCdAAK", "Contact", [{"Id": "0035g00000AbCdEAAZ", "LastName": "Dude"}])
    assert post(client, body).status_code == 200
    inbound = InboundEvent.objects.get()
    process_inbound_event(inbound_event_id=inbound.pk)
    inbound.refresh_from_db()
    assert inbound.status == "ignored" and "not an Opportunity" in inbound.error
    assert Handoff.objects.count() == 0


def test_processing_a_won_opportunity_opens_exactly_one_handoff(client):
    from crm_sync.inbound import process_inbound_event

    post(client, won_message())
    post(client, won_message())  # a second, distinct message about the same deal
    for inbound in InboundEvent.objects.all():
        process_inbound_event(inbound_event_id=inbound.pk)
    assert Handoff.objects.filter(crm_record_id="0065g00000AbCdEAAZ").count() == 1
