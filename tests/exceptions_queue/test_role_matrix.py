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


# ---- the API by token, the schema and docs, payables ---------------------------------------------------------------

READERS = EVERYONE_SIGNED_IN_WITH_A_ROLE
API_EXPECTED = {  # path → roles that get 200 (GET); everyone else: 401 anonymous, 403 signed in
    "/api/handoffs/": READERS, "/api/exceptions/": READERS, "/api/events/": READERS, "/api/payables/invoices/": READERS,
}
# The schema and the docs page describe the API, not its data: public by decision (the lists behind them are not).
PUBLIC = ["/api/schema/", "/api/docs/"]


def token_client(role: str) -> APIClient:
    from rest_framework.authtoken.models import Token

    client = APIClient()
    if role != "anonymous":
        user = UserFactory(roles=[] if role in ("no_role", "superuser") else [role], is_superuser=role == "superuser")
        client.credentials(HTTP_AUTHORIZATION=f"Token {Token.objects.create(user=user).key}")
    return client


def denied(role: str) -> int:
    return 401 if role == "anonymous" else 403


@pytest.mark.parametrize("role", ROLES)
def test_the_api_by_token_gives_each_role_exactly_its_cells(role, world):
    api = token_client(role)
    ids = {"exceptions": world["exc"].pk, "events": world["event"].pk, "handoffs": world["approval"].pk}
    escapes = []
    urls = {**API_EXPECTED, **{f"/api/{name}/{pk}/": READERS for name, pk in ids.items()}}
    for url, readers in urls.items():
        status = api.get(url).status_code
        expected = 200 if role in readers else denied(role)
        if status != expected:
            escapes.append(f"GET {url}: {status}, expected {expected}")
    for url in PUBLIC:
        if (status := api.get(url).status_code) != 200:
            escapes.append(f"GET {url}: {status}, expected 200 (public)")
    resolve = api.post("/api/crosswalk/resolve/", {"kind": "product", "text": "x"}, format="json").status_code
    if resolve != (200 if role in ("ops", "master_data", "superuser") else denied(role)):
        escapes.append(f"POST /api/crosswalk/resolve/: {resolve}")
    # uploading an invoice is for ops (as in /payables/); an empty upload is refused with 400 once allowed
    upload = api.post("/api/payables/invoices/", {}, format="multipart").status_code
    if upload != (400 if role in ("ops", "superuser") else denied(role)):
        escapes.append(f"POST /api/payables/invoices/: {upload}")
    bad_token = APIClient()
    bad_token.credentials(HTTP_AUTHORIZATION="Token not-a-real-token")
    if (status := bad_token.get("/api/handoffs/").status_code) != 401:
        escapes.append(f"an unknown token: {status}, expected 401")
    assert escapes == []


@pytest.mark.parametrize("role", ROLES)
def test_payables_pages_need_a_role_and_uploading_needs_ops(role):
    client = sign_in(role, Client())
    listing = client.get(reverse("payables:invoice-list")).status_code
    assert listing == (200 if role in READERS else 302 if role == "anonymous" else 403)
    upload = client.post(reverse("payables:upload"), {})
    if role in ("ops", "superuser"):
        assert upload.status_code == 302 and not upload["Location"].startswith("/accounts/login/")
    else:
        assert upload.status_code == (302 if role == "anonymous" else 403)


# ---- the admin -----------------------------------------------------------------------------------------------------

ADMIN_ROLES = ("ops", "approver", "master_data", "viewer", "no_role", "superuser")
SUPERUSER_ONLY = ["/admin/auth/user/", "/admin/auth/group/", "/admin/authtoken/tokenproxy/",
                  "/admin/exceptions_queue/businessunitaccess/", "/admin/sandbox/sandboxrecord/",
                  "/admin/auth/user/add/"]


@pytest.fixture
def admin_world(world):
    from tests.factories import ProductMappingFactory

    mapping = ProductMappingFactory()
    mapping.material_description = "changed once, for a history row"
    mapping.save()
    return {**world, "mapping": mapping, "history_id": mapping.history.order_by("history_id").first().history_id}


def staff(role: str) -> Client:
    user = UserFactory(roles=[] if role in ("no_role", "superuser") else [role], is_superuser=role == "superuser",
                       is_staff=True)
    client = Client()
    client.force_login(user)
    return client


@pytest.mark.parametrize("role", ["ops", "approver", "master_data", "viewer", "no_role"])
def test_a_role_without_a_staff_account_does_not_reach_the_admin(role):
    client = sign_in(role, Client())
    response = client.get("/admin/")
    assert response.status_code == 302 and response["Location"].startswith("/admin/login/")


@pytest.mark.parametrize("role", ADMIN_ROLES)
def test_each_staff_role_sees_and_changes_exactly_its_cells_in_the_admin(role, admin_world):
    client = staff(role)
    mapping, handoff = admin_world["mapping"], admin_world["approval"]
    crosswalk = f"/admin/crosswalk/productmapping/{mapping.pk}/"
    readers = {"ops", "approver", "master_data", "viewer", "superuser"}
    editors = {"master_data", "superuser"}
    escapes = []

    def expect(method: str, url: str, allowed: bool, ok: int = 200, data=None):
        response = client.post(url, data or {}) if method == "POST" else client.get(url)
        if (response.status_code == ok) != allowed or (not allowed and response.status_code != 403):
            escapes.append(f"{method} {url}: {response.status_code}, {'allowed' if allowed else 'refused'} expected")
        return response

    index = client.get("/admin/")
    if index.status_code != 200:
        escapes.append(f"GET /admin/: {index.status_code}")
    for url in ["/admin/crosswalk/productmapping/", crosswalk + "change/", crosswalk + "history/",
                f"/admin/crosswalk/productmapping/{mapping.pk}/history/{admin_world['history_id']}/",
                "/admin/erp_orders/handoff/", f"/admin/erp_orders/handoff/{handoff.pk}/change/",
                f"/admin/erp_orders/handoff/{handoff.pk}/history/", "/admin/integration/event/",
                "/admin/exceptions_queue/deadletter/"]:
        expect("GET", url, role in readers)
    change_page = client.get(crosswalk + "change/")
    if change_page.status_code == 200 and ('name="_save"' in change_page.content.decode()) != (role in editors):
        escapes.append(f"the crosswalk change page {'lacks' if role in editors else 'shows'} the Save button")
    expect("GET", "/admin/crosswalk/productmapping/add/", role in editors)
    expect("GET", "/admin/crosswalk/productmapping/import/", role in editors)
    for url in SUPERUSER_ONLY:
        expect("GET", url, role == "superuser")
    # writes: a handoff is never deleted from the admin (not even by a superuser: its admin refuses); a crosswalk
    # only by master data
    expect("POST", f"/admin/erp_orders/handoff/{handoff.pk}/delete/", False, data={"post": "yes"})
    # reverting to an old version through the history form is a change too
    revert = f"/admin/crosswalk/productmapping/{mapping.pk}/history/{admin_world['history_id']}/"
    form = {field: value for field, value in _initial(client, crosswalk + "change/").items()}
    if role not in editors:
        expect("POST", revert, False, data=form)
        expect("POST", crosswalk + "change/", False, data=form)
    expect("POST", crosswalk + "delete/", role in editors, ok=302, data={"post": "yes"})
    from crosswalk.models import ProductMapping

    if ProductMapping.objects.filter(pk=mapping.pk).exists() == (role in editors):
        escapes.append("the crosswalk row was deleted by a role that may not, or survived one that may")
    assert escapes == []


def _initial(client, url) -> dict:
    """The fields a change form was drawn with (inputs only: enough to POST a plausible edit)."""
    html = client.get(url).content.decode() if client.get(url).status_code == 200 else ""
    return {name: value for name, value in re.findall(r'<input[^>]*name="([^"]+)"[^>]*value="([^"]*)"', html)
            if name != "csrfmiddlewaretoken"}
