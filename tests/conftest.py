"""Shared fixtures: the suite's pinned clock (tests/clock.py), the demo county's units and named accounts (office,
leader, fgw, fgw_head, jyj, …) and helpers that drive items through the lifecycle with the real services."""

from __future__ import annotations

import datetime
from collections.abc import Iterator

import pytest
from django.test import Client

from ducha.devtools.demo import DemoWorld, demo_world_create, demo_world_exists, demo_world_load
from ducha.workcalendar.services import calendar_cache_clear
from tests import clock

FAST_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]

# The PDF engine fixtures (`pdf_engine`): tests/pdf_engine.py.
pytest_plugins = ["tests.pdf_engine"]


def pytest_configure(config) -> None:
    from django.conf import settings

    # Before collection and before the demo county is built: everything the suite does happens at one instant.
    clock.start()
    # The demo accounts' passwords are hashed once per test database; PBKDF2's cost buys nothing in tests.
    settings.PASSWORD_HASHERS = FAST_HASHERS


def pytest_unconfigure(config) -> None:
    clock.stop()


def pytest_report_header(config) -> str:
    return clock.describe()


@pytest.fixture(scope="session")
def django_db_setup(django_db_setup, django_db_blocker):
    """The demo county is created once per test database; each test runs in a transaction rolled back after it."""
    with django_db_blocker.unblock():
        demo_world_create()


@pytest.fixture(autouse=True)
def _fresh_calendar_cache() -> Iterator[None]:
    calendar_cache_clear()
    yield
    calendar_cache_clear()


@pytest.fixture(autouse=True)
def _fresh_clue_knowledge() -> Iterator[None]:
    # The places and router a process keeps per government: a rolled-back test may reuse the same ids.
    from ducha.clues import intake

    intake.caches_clear()
    yield
    intake.caches_clear()


TEN_YEARS = 10 * 366 * 24 * 3600


@pytest.fixture(autouse=True)
def _media_root(tmp_path, settings) -> None:
    settings.MEDIA_ROOT = tmp_path / "media"
    # The audit chain's daily anchor files (the scheduler writes one on its first round): never the project's var/.
    settings.DUCHA_AUDIT_ANCHOR_DIR = tmp_path / "audit-anchors"
    # Counted live in tests: the in-memory cache outlives each test's rolled-back data.
    settings.DUCHA_DASHBOARD_CACHE_SECONDS = 0
    # No test reaches a PDF engine unless it asks for one (the `pdf_engine` fixture).
    settings.DUCHA_PDF_ENGINE = ""
    settings.DUCHA_PDF_WAIT_SECONDS = 0  # an engine that is not there is refused at once
    # Tests sign in and then travel across hours, days and months (from whichever instant the suite runs at): the
    # session limits have their own tests (tests/orgs/test_sessions.py), which set them; here they never fall due.
    settings.DUCHA_SESSION_IDLE_SECONDS = settings.DUCHA_SESSION_MAX_SECONDS = TEN_YEARS
    settings.SESSION_COOKIE_AGE = TEN_YEARS


@pytest.fixture
def world(db) -> DemoWorld:
    # Transactional tests flush the database after them; recreate the world for whoever comes next.
    return demo_world_load() if demo_world_exists() else demo_world_create()


@pytest.fixture
def today() -> datetime.date:
    from django.utils import timezone

    return timezone.localdate()


class ApiClient:
    """Calls the REST API as one demo user, with a real bearer token."""

    def __init__(self, token: str) -> None:
        self.client = Client()
        self.headers = {"Authorization": f"Bearer {token}"}

    def get(self, path: str, **params):
        return self.client.get(f"/api/v1{path}", params, headers=self.headers)

    def post(self, path: str, data: dict | None = None):
        return self.client.post(
            f"/api/v1{path}", data or {}, content_type="application/json", headers=self.headers
        )

    def patch(self, path: str, data: dict):
        return self.client.patch(
            f"/api/v1{path}", data, content_type="application/json", headers=self.headers
        )


@pytest.fixture
def api(world):
    from ducha.orgs.models import ApiToken
    from ducha.orgs.services import token_issue

    tokens: dict[str, str] = {}

    def as_user(username: str) -> ApiClient:
        if username not in tokens:
            tokens[username], row = token_issue(user=world.user(username))
            # Tests travel across months and years from wherever the suite's clock stands; expiry has its own
            # tests (tests/api/test_tokens.py), so these tokens outlive any journey.
            ApiToken.objects.filter(pk=row.pk).update(
                expires_at=row.expires_at + datetime.timedelta(days=3650)
            )
        return ApiClient(tokens[username])

    return as_user
