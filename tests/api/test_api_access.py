"""Who may use the API: any role reads, nobody writes, resolving is for ops and master data; token auth works."""

from __future__ import annotations

import pytest
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from tests.factories import HandoffFactory, UserFactory

pytestmark = pytest.mark.django_db

READ_URLS = ["/api/handoffs/", "/api/exceptions/", "/api/events/"]


@pytest.mark.parametrize("url", [*READ_URLS, "/api/crosswalk/resolve/"])
def test_anonymous_requests_are_rejected_as_unauthenticated(url):
    client = APIClient()
    response = client.get(url) if url in READ_URLS else client.post(url, {"kind": "product", "text": "x"}, format="json")
    assert response.status_code == 401


def test_a_user_without_a_role_is_forbidden(api_as):
    response = api_as().get("/api/handoffs/")
    assert response.status_code == 403
    assert "roles ops, approver, master_data or viewer" in response.json()["detail"]


@pytest.mark.parametrize("role", ["ops", "approver", "master_data", "viewer"])
def test_every_role_can_read(api_as, role):
    client = api_as(role)
    for url in READ_URLS:
        assert client.get(url).status_code == 200, (role, url)


def test_superuser_without_groups_can_read(api_as):
    assert api_as(is_superuser=True).get("/api/handoffs/").status_code == 200


def test_the_api_is_read_only_even_for_ops(api_as):
    handoff = HandoffFactory()
    client = api_as("ops")
    assert client.post("/api/handoffs/", {"crm_system": "x"}, format="json").status_code == 403
    assert client.patch(f"/api/handoffs/{handoff.pk}/", {"state": "dead"}, format="json").status_code == 403
    assert client.delete(f"/api/handoffs/{handoff.pk}/").status_code == 403
    handoff.refresh_from_db()
    assert handoff.state == "received"


@pytest.mark.parametrize("role,status", [("ops", 200), ("master_data", 200), ("viewer", 403), ("approver", 403)])
def test_resolve_is_allowed_for_ops_and_master_data_only(api_as, role, status):
    response = api_as(role).post("/api/crosswalk/resolve/", {"kind": "product", "text": "Anything"}, format="json")
    assert response.status_code == status


def test_drf_token_authenticates(db):
    user = UserFactory(roles=["viewer"])
    token = Token.objects.create(user=user)
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {token.key}")
    assert client.get("/api/handoffs/").status_code == 200


def test_session_login_works_for_the_browser(client, db):
    client.force_login(UserFactory(roles=["viewer"]))
    assert client.get("/api/handoffs/").status_code == 200


def test_schema_generates_and_docs_page_loads(client, db):
    schema = client.get("/api/schema/")
    assert schema.status_code == 200
    body = schema.content.decode()
    for path in ["/api/handoffs/", "/api/handoffs/{id}/", "/api/exceptions/", "/api/events/", "/api/crosswalk/resolve/"]:
        assert f"{path}:" in body, path
    assert client.get("/api/docs/").status_code == 200


def test_schema_generation_has_no_warnings(capsys):
    from django.core.management import call_command

    call_command("spectacular", "--validate", "--fail-on-warn", "--file", "/dev/null")
    assert "Warning" not in capsys.readouterr().err
