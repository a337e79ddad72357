"""The audit tests' fixtures."""

from __future__ import annotations

import pytest
from django.test import Client


@pytest.fixture
def signed_in(world):
    def as_user(username: str) -> Client:
        client = Client()
        client.force_login(world.user(username))
        return client

    return as_user
