"""Fixtures for the ops UI tests: clients signed in with each role, and a recorder standing in for the re-queue service."""

from __future__ import annotations

import pytest

from tests.factories import UserFactory


@pytest.fixture
def client_as(client, db):
    """client_as("ops") → the test client signed in as a fresh user with that role (None: no role at all)."""

    def sign_in(*roles: str, **user_fields):
        user = UserFactory(roles=[r for r in roles if r], **user_fields)
        client.force_login(user)
        client.user = user
        return client

    return sign_in


@pytest.fixture
def requeue_calls(monkeypatch):
    """Replace erp_orders.services.requeue_handoff with a recorder; the pipeline's own tests cover the real one."""
    import erp_orders.services as services

    calls = []

    def fake_requeue_handoff(*, handoff_id, user=None, note=""):
        calls.append({"handoff_id": handoff_id, "user": user, "note": note})

    monkeypatch.setattr(services, "requeue_handoff", fake_requeue_handoff)
    return calls
