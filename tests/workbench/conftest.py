"""Fixtures of the workbench's page tests."""

from __future__ import annotations

import pytest
from django.core.cache import cache

from ducha.devtools.demo import DEMO_PASSWORD
from ducha.workbench import fragments


@pytest.fixture
def browser(client, world):
    """`browser("office")`: the test client signed in as that demo account (signed out of any other first)."""

    def sign_in(username):
        client.logout()
        assert client.login(username=username, password=DEMO_PASSWORD)
        return client

    return sign_in


@pytest.fixture
def fresh_fragments():
    """The cache and this process's near copies of fragments (ducha/workbench/fragments.py) empty around a test."""
    cache.clear()
    fragments.forget_local()
    yield
    fragments.forget_local()
