"""The reusable role checks of exceptions_queue.permissions (decorators for function views, helpers)."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import AnonymousUser
from django.core.exceptions import PermissionDenied
from django.http import HttpResponse

from exceptions_queue.permissions import can_act_in_ops, can_view_ops, ops_action_required, ops_view_required
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


@ops_view_required
def read_view(request):
    return HttpResponse("read")


@ops_action_required
def act_view(request):
    return HttpResponse("acted")


def call(view, rf, user):
    request = rf.post("/ops/somewhere/")
    request.user = user
    return view(request)


def test_decorated_views_send_anonymous_users_to_login(rf):
    response = call(read_view, rf, AnonymousUser())
    assert response.status_code == 302 and response["Location"].startswith("/accounts/login/")


def test_read_decorator_admits_any_role_and_refuses_users_without_one(rf):
    assert call(read_view, rf, UserFactory(roles=["viewer"])).content == b"read"
    with pytest.raises(PermissionDenied):
        call(read_view, rf, UserFactory())


def test_action_decorator_admits_ops_and_superusers_only(rf):
    assert call(act_view, rf, UserFactory(roles=["ops"])).content == b"acted"
    assert call(act_view, rf, UserFactory(is_superuser=True)).content == b"acted"
    with pytest.raises(PermissionDenied):
        call(act_view, rf, UserFactory(roles=["viewer", "approver", "master_data"]))


def test_inactive_users_have_no_role():
    user = UserFactory(roles=["ops"], is_active=False)
    assert not can_view_ops(user) and not can_act_in_ops(user)
