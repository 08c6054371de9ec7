"""The event log is append-only at the database, and nothing secret is ever written to it."""

import pytest
from django.db import DatabaseError, connection, transaction

from handoff_project.integration.events import event_context, record_event
from handoff_project.integration.models import AppendOnlyError, Event
from handoff_project.integration.redaction import redact_body, redact_headers, truncate

pytestmark = pytest.mark.django_db


def test_update_of_an_event_is_refused_by_the_database():
    event = record_event("test", message="original")
    with pytest.raises(DatabaseError, match="append-only"), transaction.atomic():
        with connection.cursor() as cursor:
            cursor.execute("UPDATE integration_event SET message = 'changed' WHERE id = %s", [event.pk])
    assert Event.objects.get(pk=event.pk).message == "original"


def test_delete_of_an_event_is_refused_by_the_database():
    event = record_event("test")
    with pytest.raises(DatabaseError, match="append-only"), transaction.atomic():
        Event.objects.filter(pk=event.pk).delete()
    assert Event.objects.filter(pk=event.pk).exists()


def test_orm_update_is_refused_by_the_database():
    event = record_event("test")
    with pytest.raises(DatabaseError), transaction.atomic():
        Event.objects.filter(pk=event.pk).update(message="x")


def test_model_refuses_save_of_an_existing_event_and_delete():
    event = record_event("test")
    event.message = "changed"
    with pytest.raises(AppendOnlyError):
        event.save()
    with pytest.raises(AppendOnlyError):
        event.delete()


def test_event_takes_ids_from_the_surrounding_context():
    with event_context(handoff_id=42, crm_record_id="006XYZ"):
        event = record_event("step", system="sap")
    assert (event.handoff_id, event.crm_record_id, event.system) == (42, "006XYZ", "sap")


def test_bodies_are_cut_at_10_kb():
    event = record_event("http", body="x" * 50_000)
    assert len(event.body.encode()) <= 10 * 1024
    assert "truncated" in event.body


def test_secrets_are_redacted_from_json_xml_form_and_headers():
    json_body = redact_body('{"access_token": "00Dx!AR8AQ.secret", "instance_url": "https://x", "nested": {"client_secret": "abc"}}')
    assert "00Dx!AR8AQ.secret" not in json_body and "abc" not in json_body and "https://x" in json_body
    xml_body = redact_body("<notifications><SessionId>00D!sessionsecret</SessionId><Id>1</Id></notifications>")
    assert "sessionsecret" not in xml_body and "<Id>1</Id>" in xml_body
    form = redact_body("grant_type=client_credentials&client_id=abc&client_secret=s3cr3t&password=hunter2")
    assert "s3cr3t" not in form and "hunter2" not in form and "client_id=abc" in form
    text = redact_body("Authorization: Bearer eyJhbGciOiJIUzI1NiJ9.payload.sig")
    assert "eyJhbGciOiJIUzI1NiJ9" not in text
    headers = redact_headers({"Authorization": "Basic dXNlcjpwYXNz", "X-CSRF-Token": "tok", "Accept": "application/json"})
    assert headers == {"Authorization": "[REDACTED]", "X-CSRF-Token": "[REDACTED]", "Accept": "application/json"}


def test_truncate_keeps_short_text_whole():
    assert truncate("short", 100) == "short"
