"""The whole access matrix: every role × every ops page, ops action and API endpoint. Any escape fails the test.

Expected access is written out here, independently of exceptions_queue.permissions, so a change to the permission
table that widens access shows up as a failure. CSRF: every action refuses a POST without the token, and every
POST form the pages draw carries one.
"""

from __future__ import annotations

import re

import pytest
from django.test import Client
from django.urls import reverse
from rest_framework.test import APIClient

from tests.factories import (
    DeadLetterFactory,
    HandoffExceptionFactory,
    UserFactory,
    handoff_awaiting_approval,
    handoff_event,
    order_request,
)

pytestmark = pytest.mark.django_db

ROLES = ("ops", "approver", "master_data", "viewer", "no_role", "superuser", "anonymous")
EVERYONE_SIGNED_IN_WITH_A_ROLE = {"ops", "approver", "master_data", "viewer", "superuser"}


@pytest.fixture
def world():
    letter = DeadLetterFactory(step="push")
    letter.handoff.order_request = order_request(reference=f"SF-{letter.handoff.crm_record_id}")
    letter.handoff.save()
    exc = HandoffExceptionFactory(detail={"input": "Enterprise License, annual", "candidates": [{"key": "TG-ENT-1Y", "label": "x", "confidence": 0.9, "reason": "r"}]})
    handoff = handoff_awaiting_approval(level="high")
    event = handoff_event(handoff, "handoff_opened")
    return {"letter": letter, "exc": exc, "approval": handoff, "event": event}


def pages(w) -> list[str]:
    return [
        reverse("ops:handoff-list"), reverse("ops:handoff-detail", args=[w["approval"].pk]),
        reverse("ops:exception-list"), reverse("ops:exception-detail", args=[w["exc"].pk]),
        reverse("ops:approval-list"), reverse("ops:approval-detail", args=[w["approval"].pk]),
        reverse("ops:dead-letter-list"), reverse("ops:dead-letter-detail", args=[w["letter"].pk]),
        reverse("ops:event-search"), reverse("ops:deal-history") + "?crm_id=006", reverse("ops:event-bodies", args=[w["event"].pk]),
        reverse("ops:alert-list"),
        reverse("ops:dashboard"), reverse("ops:metric-records", args=["automation_rate"]),
        reverse("ops:sla-report"), reverse("ops:sla-report-csv"), reverse("ops:sla-report-pdf"),
    ]


def actions(w) -> list[tuple[str, dict, set[str]]]:
    """(url, POST data, roles allowed) for every action of the ops UI."""
    exc, letter, approval = w["exc"].pk, w["letter"].pk, w["approval"].pk
    ops, approvers = {"ops", "superuser"}, {"approver", "superuser"}
    return [
        (reverse("ops:handoff-requeue", args=[w["letter"].handoff_id]), {}, ops),
        (reverse("ops:exception-resolve", args=[exc]), {"how": "candidate", "erp_key": "TG-ENT-1Y"}, ops | {"master_data"}),
        (reverse("ops:exception-resolve", args=[exc]), {"how": "correct", "value:lines[1].product": "x"}, ops),
        (reverse("ops:exception-resolve", args=[exc]), {"how": "override", "reason": "agreed in writing"}, ops),
        (reverse("ops:exception-assign", args=[exc]), {"assignee": "me"}, ops),
        (reverse("ops:exception-bulk"), {"ids": [exc], "operation": "assign"}, ops),
        *[(reverse("ops:approval-decide", args=[approval]), {"decision": d, "comment": "c"}, approvers)
          for d in ("hold", "request_change", "reject", "cancel", "approve")],
        (reverse("ops:dead-letter-edit", args=[letter]), {"payload": "{}"}, ops),
        (reverse("ops:dead-letter-discard", args=[letter]), {"reason": "duplicate deal"}, ops),
        (reverse("ops:dead-letter-bulk-requeue"), {"ids": [letter]}, ops),
    ]


API_READ = ["/api/handoffs/", "/api/exceptions/", "/api/events/"]


def sign_in(role: str, client) -> object:
    if role == "anonymous":
        return client
    user = UserFactory(roles=[] if role in ("no_role", "superuser") else [role], is_superuser=role == "superuser")
    client.force_login(user) if isinstance(client, Client) else client.force_authenticate(user)
    return client


@pytest.mark.parametrize("role", ROLES)
def test_no_role_escapes_its_cells(role, world):
    client = sign_in(role, Client())
    escapes = []
    for url in pages(world):
        status = client.get(url).status_code
        expected = 200 if role in EVERYONE_SIGNED_IN_WITH_A_ROLE else 302 if role == "anonymous" else 403
        if status != expected:
            escapes.append(f"GET {url}: {status}, expected {expected}")
    for url, data, allowed in actions(world):
        response = client.post(url, data)
        if role == "anonymous":
            ok = response.status_code == 302 and response["Location"].startswith("/accounts/login/")
        elif role in allowed:
            ok = response.status_code == 302  # done, or refused by the service with a message: never 403
        else:
            ok = response.status_code == 403
        if not ok:
            escapes.append(f"POST {url} {data}: {response.status_code}, allowed for {sorted(allowed)}")
        if client.get(url).status_code not in (302, 403, 405):
            escapes.append(f"GET {url} did something (actions are POST only)")

    api = sign_in(role, APIClient())
    detail = f"/api/handoffs/{world['approval'].pk}/"
    for url in [*API_READ, detail]:
        status = api.get(url).status_code
        expected = 200 if role in EVERYONE_SIGNED_IN_WITH_A_ROLE else 401 if role == "anonymous" else 403
        if status != expected:
            escapes.append(f"API GET {url}: {status}, expected {expected}")
        for method in ("post", "put", "patch", "delete"):
            status = getattr(api, method)(url, {}, format="json").status_code
            if status not in (401, 403, 405):
                escapes.append(f"API {method.upper()} {url}: {status} (the API is read-only)")
    resolve = api.post("/api/crosswalk/resolve/", {"kind": "product", "text": "x"}, format="json").status_code
    expected = 200 if role in ("ops", "master_data", "superuser") else 401 if role == "anonymous" else 403
    if resolve != expected:
        escapes.append(f"API POST /api/crosswalk/resolve/: {resolve}, expected {expected}")
    assert escapes == []


def test_every_action_refuses_a_post_without_the_csrf_token(world):
    client = Client(enforce_csrf_checks=True)
    client.force_login(UserFactory(roles=["ops", "approver", "master_data"], is_superuser=True))
    for url, data, _allowed in actions(world):
        response = client.post(url, data)
        assert response.status_code == 403 and b"CSRF" in response.content, url


def test_every_post_form_on_every_page_carries_the_csrf_token(world):
    client = Client()
    client.force_login(UserFactory(roles=["ops", "approver", "master_data"], is_superuser=True))
    for url in pages(world):
        response = client.get(url)
        if not response["Content-Type"].startswith("text/html"):
            continue  # the SLA report's CSV and PDF
        html = response.content.decode()
        for form in re.findall(r"<form[^>]*method=\"post\"[^>]*>(.*?)</form>", html, flags=re.S | re.I):
            assert 'name="csrfmiddlewaretoken"' in form, url
