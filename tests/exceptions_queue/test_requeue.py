"""Re-queue from the ops UI: POST, CSRF, ops only, calls erp_orders.services.requeue_handoff and reports back."""

from __future__ import annotations

import pytest
from django.test import Client
from django.urls import reverse

from erp_orders.models import Handoff, HandoffState
from tests.factories import DeadLetterFactory, HandoffExceptionFactory, HandoffFactory

pytestmark = pytest.mark.django_db


def test_ops_user_requeues_a_dead_handoff_with_a_note_and_returns_to_it(client_as, requeue_calls):
    client = client_as("ops")
    handoff = DeadLetterFactory().handoff
    response = client.post(reverse("ops:handoff-requeue", args=[handoff.pk]), {"note": "terms crosswalk fixed"}, follow=True)
    assert requeue_calls == [{"handoff_id": handoff.pk, "user": client.user, "note": "terms crosswalk fixed"}]
    assert response.redirect_chain == [(reverse("ops:handoff-detail", args=[handoff.pk]), 302)]
    assert f"Handoff {handoff.pk}" in response.content.decode() and "re-queued" in response.content.decode()


def test_ops_user_requeues_an_excepted_handoff(client_as, requeue_calls):
    handoff = HandoffExceptionFactory().handoff
    client_as("ops").post(reverse("ops:handoff-requeue", args=[handoff.pk]))
    assert [call["handoff_id"] for call in requeue_calls] == [handoff.pk]


def test_requeue_from_the_dead_letter_list_returns_to_the_list(client_as, requeue_calls):
    handoff = DeadLetterFactory().handoff
    back = reverse("ops:dead-letter-list")
    response = client_as("ops").post(reverse("ops:handoff-requeue", args=[handoff.pk]), {"next": back})
    assert response["Location"] == back


def test_requeue_ignores_a_next_url_on_another_host(client_as, requeue_calls):
    handoff = DeadLetterFactory().handoff
    response = client_as("ops").post(reverse("ops:handoff-requeue", args=[handoff.pk]), {"next": "https://evil.example/"})
    assert response["Location"] == reverse("ops:handoff-detail", args=[handoff.pk])


def test_a_handoff_in_progress_is_not_requeued(client_as, requeue_calls):
    handoff = HandoffFactory(state=HandoffState.PUSHING)
    response = client_as("ops").post(reverse("ops:handoff-requeue", args=[handoff.pk]), follow=True)
    assert requeue_calls == []
    assert "only dead or excepted handoffs" in response.content.decode()


def test_requeue_only_accepts_post(client_as, requeue_calls):
    handoff = DeadLetterFactory().handoff
    assert client_as("ops").get(reverse("ops:handoff-requeue", args=[handoff.pk])).status_code == 405
    assert requeue_calls == []


def test_requeue_without_csrf_token_is_refused(db, requeue_calls):
    from tests.factories import UserFactory

    client = Client(enforce_csrf_checks=True)
    client.force_login(UserFactory(roles=["ops"]))
    handoff = DeadLetterFactory().handoff
    assert client.post(reverse("ops:handoff-requeue", args=[handoff.pk])).status_code == 403
    assert requeue_calls == []


def test_a_refusal_from_the_service_is_shown_to_the_user(client_as, monkeypatch):
    import erp_orders.services as services

    def refuse(**kwargs):
        raise services.RequeueRefused("handoff is already being processed")

    monkeypatch.setattr(services, "requeue_handoff", refuse)
    handoff = DeadLetterFactory().handoff
    response = client_as("ops").post(reverse("ops:handoff-requeue", args=[handoff.pk]), follow=True)
    assert "was not re-queued: handoff is already being processed" in response.content.decode()


def test_requeue_with_the_real_service_resumes_the_dead_handoff_and_closes_its_dead_letter(client_as):
    letter = DeadLetterFactory(step="push")
    client_as("ops").post(reverse("ops:handoff-requeue", args=[letter.handoff_id]), {"note": "SAP is back"})
    letter.refresh_from_db()
    assert Handoff.objects.get(pk=letter.handoff_id).state != HandoffState.DEAD
    assert letter.state == letter.State.REQUEUED


def test_requeue_of_an_unknown_handoff_is_404(client_as, requeue_calls):
    assert client_as("ops").post(reverse("ops:handoff-requeue", args=[999999])).status_code == 404
