"""Fixtures for the API tests: a DRF client signed in with a role."""

from __future__ import annotations

import pytest
from rest_framework.test import APIClient

from tests.factories import UserFactory


@pytest.fixture
def api_as(db):
    """api_as("viewer") → an APIClient authenticated as a fresh user with that role (no role when none given)."""

    def make(*roles: str, **user_fields) -> APIClient:
        client = APIClient()
        user = UserFactory(roles=list(roles), **user_fields)
        client.force_authenticate(user)
        client.user = user
        return client

    return make
