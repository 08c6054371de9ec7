"""The dead-letter queue: detail with what is needed to act, edit the payload and re-queue, bulk re-queue, discard."""

from __future__ import annotations

import json

import pytest
from django.urls import reverse

from erp_orders.models import Handoff, HandoffState
from exceptions_queue import dead_letters
from exceptions_queue.models import DeadLetter
from exceptions_queue.services import recommend_resolution
from handoff_project.integration.errors import NotFoundError, RemoteValidationError
from handoff_project.integration.models import Event
from tests.factories import DeadLetterFactory, UserFactory, order_request

pytestmark = pytest.mark.django_db


@pytest.fixture
def ops():
    return UserFactory(username="olivia", roles=["ops"])


def push_letter(**fields):
    letter = DeadLetterFactory(step="push", **fields)
    Handoff.objects.filter(pk=letter.handoff_id).update(order_request=order_request(reference=f"SF-{letter.handoff.crm_record_id}"))
    letter.refresh_from_db()
    return letter


def test_editing_the_order_request_saves_it_records_who_and_resumes_from_validation(ops):
    letter = push_letter()
    payload = dict(letter.handoff.order_request, payment_terms_key="NT30")
    handoff = dead_letters.edit_payload_and_requeue(dead_letter_id=letter.pk, user=ops, payload_text=json.dumps(payload), note="ZB99 → NT30")
    assert handoff.state == HandoffState.RESOLVED and handoff.order_request["payment_terms_key"] == "NT30"
    event = Event.objects.get(handoff_id=handoff.pk, event_type="payload_edited")
    assert event.data["user"] == "olivia" and event.data["paths"] == ["payment_terms_key"]
    letter.refresh_from_db()
    assert letter.state == DeadLetter.State.REQUEUED and letter.closed_by == ops and letter.close_reason == "ZB99 → NT30"


@pytest.mark.parametrize("text, message", [
    ("{not json", "not valid JSON"),
    ("[1, 2]", "must be a JSON object"),
])
def test_a_payload_that_is_not_an_order_is_refused(ops, text, message):
    letter = push_letter()
    with pytest.raises(dead_letters.DeadLetterRefused, match=message):
        dead_letters.edit_payload_and_requeue(dead_letter_id=letter.pk, user=ops, payload_text=text)
    assert Handoff.objects.get(pk=letter.handoff_id).state == HandoffState.DEAD


def test_the_reference_cannot_be_edited_and_an_unchanged_payload_is_refused(ops):
    letter = push_letter()
    changed_reference = dict(letter.handoff.order_request, reference="SF-SOMETHING-ELSE")
    with pytest.raises(dead_letters.DeadLetterRefused, match="idempotency key"):
        dead_letters.edit_payload_and_requeue(dead_letter_id=letter.pk, user=ops, payload_text=json.dumps(changed_reference))
    with pytest.raises(dead_letters.DeadLetterRefused, match="unchanged"):
        dead_letters.edit_payload_and_requeue(dead_letter_id=letter.pk, user=ops, payload_text=json.dumps(letter.handoff.order_request))


def test_discarding_needs_a_reason_and_closes_the_handoff_without_an_order(ops):
    letter = push_letter()
    with pytest.raises(dead_letters.DeadLetterRefused, match="Say why"):
        dead_letters.discard(dead_letter_id=letter.pk, user=ops, reason="")
    dead_letters.discard(dead_letter_id=letter.pk, user=ops, reason="duplicate of deal 006B, ordered by hand")
    letter.refresh_from_db()
    handoff = Handoff.objects.get(pk=letter.handoff_id)
    assert letter.state == DeadLetter.State.DISCARDED and letter.close_reason == "duplicate of deal 006B, ordered by hand"
    assert handoff.state == HandoffState.CLOSED and "olivia" in handoff.closed_reason
    assert Event.objects.filter(handoff_id=handoff.pk, event_type="dead_letter_discarded", data__user="olivia").exists()


def test_bulk_requeue_after_an_outage_requeues_every_selected_dead_handoff(ops, client_as):
    exhausted = [push_letter(retries_exhausted=True) for _ in range(3)]
    other = push_letter(retries_exhausted=False)
    client = client_as("ops")
    response = client.post(reverse("ops:dead-letter-bulk-requeue"), {"scope": "exhausted", "note": "SAP back"}, follow=True)
    assert "3 handoffs re-queued." in response.content.decode()
    assert {Handoff.objects.get(pk=d.handoff_id).state for d in exhausted} == {HandoffState.PUSHING}
    assert Handoff.objects.get(pk=other.handoff_id).state == HandoffState.DEAD

    done, refused = dead_letters.bulk_requeue(dead_letter_ids=[other.pk, exhausted[0].pk], user=ops)
    assert done == [other.handoff_id] and refused == []  # a closed letter is skipped


def test_dead_letter_page_shows_the_crm_record_the_erp_error_and_the_recommendation(client_as):
    letter = push_letter(error_detail={"kind": "RemoteValidationError", "system": "sap", "vendor_code": "V1/123", "http_status": 400})
    html = client_as("viewer").get(reverse("ops:dead-letter-detail", args=[letter.pk])).content.decode()
    assert "SAP rejected the order: payment terms ZB99 do not exist" in html
    assert "Fix the terms crosswalk entry" in html and "V1/123" in html and "HTTP 400" in html
    assert "Original CRM record" in html and "Enterprise License, annual" in html
    assert 'name="payload"' in html and "NT45" in html  # the payload editor holds the order request
    assert "Save and re-queue" not in html  # a viewer sees, never acts


def test_edit_view_reports_a_refusal_and_is_for_ops_only(client_as):
    letter = push_letter()
    assert client_as("viewer").post(reverse("ops:dead-letter-edit", args=[letter.pk]), {"payload": "{}"}).status_code == 403
    response = client_as("ops").post(reverse("ops:dead-letter-edit", args=[letter.pk]), {"payload": "{oops"}, follow=True)
    assert "not valid JSON" in response.content.decode()


@pytest.mark.parametrize("error, advice", [
    (NotFoundError("Business partner 17100099 does not exist", system="sap"), "Create the customer (business partner) in SAP"),
    (RemoteValidationError("Postal code 1234 has the wrong length for country DE", system="sap"), "Correct the address format"),
    (RemoteValidationError("Field PurchaseOrderByCustomer is mandatory", system="sap"), "Add the missing field"),
])
def test_the_recommended_resolution_names_what_to_do(error, advice):
    assert advice in recommend_resolution(error, retries_exhausted=False)
