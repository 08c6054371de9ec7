"""Who may see the ops UI and who may act in it."""

from __future__ import annotations

import pytest
from django.urls import reverse

from erp_orders.models import HandoffState
from tests.factories import DeadLetterFactory, HandoffFactory, handoff_event

pytestmark = pytest.mark.django_db


@pytest.fixture
def ops_urls():
    handoff = HandoffFactory()
    event = handoff_event(handoff, "handoff_opened")
    return [
        reverse("ops:handoff-list"),
        reverse("ops:handoff-detail", args=[handoff.pk]),
        reverse("ops:exception-list"),
        reverse("ops:dead-letter-list"),
        reverse("ops:event-search"),
        reverse("ops:event-bodies", args=[event.pk]),
    ]


def test_every_ops_page_sends_anonymous_visitors_to_the_login_page(client, ops_urls):
    for url in ops_urls:
        response = client.get(url)
        assert response.status_code == 302, url
        assert response["Location"].startswith("/accounts/login/?next="), url


def test_anonymous_requeue_is_redirected_to_login_and_changes_nothing(client, requeue_calls):
    handoff = HandoffFactory(state=HandoffState.DEAD)
    response = client.post(reverse("ops:handoff-requeue", args=[handoff.pk]))
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/")
    assert requeue_calls == []


def test_signed_in_user_without_a_role_is_forbidden(client_as, ops_urls):
    client = client_as()
    for url in ops_urls:
        assert client.get(url).status_code == 403, url


@pytest.mark.parametrize("role", ["ops", "approver", "master_data", "viewer"])
def test_every_role_can_read_every_ops_page(client_as, ops_urls, role):
    client = client_as(role)
    for url in ops_urls:
        assert client.get(url).status_code == 200, (role, url)


def test_superuser_without_groups_can_read_the_ops_pages(client_as, ops_urls):
    client = client_as(is_superuser=True, is_staff=True)
    for url in ops_urls:
        assert client.get(url).status_code == 200, url


@pytest.mark.parametrize("role", ["viewer", "approver", "master_data"])
def test_roles_other_than_ops_get_403_on_requeue(client_as, requeue_calls, role):
    letter = DeadLetterFactory()
    response = client_as(role).post(reverse("ops:handoff-requeue", args=[letter.handoff_id]), {"note": "fixed"})
    assert response.status_code == 403
    assert requeue_calls == []


def test_viewer_sees_no_requeue_button_but_ops_does(client_as):
    handoff = DeadLetterFactory().handoff
    url = reverse("ops:handoff-detail", args=[handoff.pk])
    requeue_url = reverse("ops:handoff-requeue", args=[handoff.pk])
    assert requeue_url not in client_as("viewer").get(url).content.decode()
    assert requeue_url in client_as("ops").get(url).content.decode()


def test_nav_shows_admin_link_only_to_staff(client_as):
    assert 'href="/admin/"' not in client_as("ops").get(reverse("ops:handoff-list")).content.decode()
    assert 'href="/admin/"' in client_as("ops", is_staff=True).get(reverse("ops:handoff-list")).content.decode()


def test_login_page_signs_a_user_in_and_lands_on_the_ops_ui(client, db):
    from tests.factories import PASSWORD, UserFactory

    UserFactory(username="olivia", roles=["ops"])
    page = client.get("/accounts/login/?next=/ops/")
    assert page.status_code == 200 and 'name="username"' in page.content.decode()
    response = client.post("/accounts/login/", {"username": "olivia", "password": PASSWORD, "next": "/ops/"}, follow=True)
    assert response.redirect_chain[-1][0] == "/ops/"
    assert "olivia" in response.content.decode()
