"""/healthz and /readyz (issue 18): read by the balancer over plain HTTP, by a node's address, without a cookie —
answered before sessions, sign-in rules, the HTTPS redirect and the Host check; readiness names the check that
failed with a 503, never a 500 or a trace, and changes nothing."""

from __future__ import annotations

import time

import pytest
from django.contrib.sessions.models import Session
from django.db import OperationalError
from django.test import Client

from ducha.audit.models import Event
from ducha.ops import views

pytestmark = pytest.mark.django_db

# A port nothing listens on: the connection is refused at once.
DEAD_REDIS = "redis://127.0.0.1:1/0"


@pytest.fixture(autouse=True)
def _migrations_unknown():
    """Each test starts as a fresh process would: the migrations not yet seen applied."""
    views._Remembered.migrations_applied = False
    yield
    views._Remembered.migrations_applied = False


@pytest.fixture
def production_transport(settings):
    """A production node: HTTPS enforced, only its public name allowed as Host."""
    settings.SECURE_SSL_REDIRECT = True
    settings.ALLOWED_HOSTS = ["ducha.example.gov.cn"]


def _balancer() -> Client:
    # The balancer probes the node by its address over plain HTTP, without a cookie.
    return Client(HTTP_HOST="10.0.0.7:8000")


def test_healthz_answers_ok_without_the_database_or_a_session(django_assert_num_queries):
    with django_assert_num_queries(0):
        response = Client().get("/healthz")

    assert response.status_code == 200
    assert response.content == b"ok"
    assert response["Content-Type"].startswith("text/plain")
    assert response["Cache-Control"] == "no-store"
    assert "Set-Cookie" not in response
    assert not response.cookies


def test_health_endpoints_pass_a_production_node_over_plain_http_by_its_address(production_transport):
    client = _balancer()

    assert client.get("/healthz").status_code == 200
    assert client.get("/readyz").status_code == 200
    # Guard: any other page from the same caller is refused (a bad Host) or sent to HTTPS.
    assert client.get("/login/").status_code in (301, 400)


def test_readyz_reports_each_check():
    response = Client().get("/readyz")

    assert response.status_code == 200
    assert response.json() == {
        "status": "ready",
        "checks": {"database": "ok", "migrations": "ok", "cache": "ok"},
    }
    assert response["Content-Type"] == "application/json"
    assert response["Cache-Control"] == "no-store"
    assert "Set-Cookie" not in response


def test_readyz_remembers_the_migrations_once_seen_applied(monkeypatch):
    assert Client().get("/readyz").status_code == 200

    def unreadable(*args, **kwargs):
        raise AssertionError("the migrations were read again")

    monkeypatch.setattr(views, "MigrationExecutor", unreadable)

    assert Client().get("/readyz").json()["checks"]["migrations"] == "ok"


def test_readyz_refuses_while_a_migration_is_pending(monkeypatch):
    class Behind(views.MigrationExecutor):
        def migration_plan(self, targets, clean_start=False):
            return [("orgs", False)]

    monkeypatch.setattr(views, "MigrationExecutor", Behind)

    response = Client().get("/readyz")

    assert response.status_code == 503
    assert response.json()["failed"] == ["migrations"]
    assert views._Remembered.migrations_applied is False


def test_readyz_is_503_naming_the_database_when_it_fails_and_changes_nothing(monkeypatch, world, caplog):
    def database_down():
        raise OperationalError('connection to server at "db.internal" failed: Connection refused')

    monkeypatch.setattr(views, "check_database", database_down)
    client = Client()
    client.force_login(world.user("office"))
    sessions, events = Session.objects.count(), Event.objects.count()

    response = client.get("/readyz")

    assert response.status_code == 503
    body = response.json()
    assert body == {
        "status": "unavailable",
        "checks": {"database": "failed", "migrations": "skipped", "cache": "ok"},
        "failed": ["database"],
    }
    # No trace and no detail of the infrastructure to whoever asks; the reason is in the log, on one line.
    assert b"Traceback" not in response.content and b"db.internal" not in response.content
    [record] = [r for r in caplog.records if r.name == "ducha.ops.views"]
    assert "db.internal" in record.getMessage() and record.exc_info is None
    # Django's own "Service Unavailable" line is not added for every probe.
    assert not [r for r in caplog.records if r.name == "django.request"]
    assert (Session.objects.count(), Event.objects.count()) == (sessions, events)
    assert "Set-Cookie" not in response


def test_readyz_is_503_when_the_cache_loses_what_it_stored(monkeypatch):
    monkeypatch.setattr(views.cache, "get", lambda *args, **kwargs: None)

    response = Client().get("/readyz")

    assert response.status_code == 503
    assert response.json()["failed"] == ["cache"]
    assert response.json()["checks"]["database"] == "ok"


def test_readyz_is_503_not_500_when_the_checks_themselves_break(monkeypatch):
    def broken():
        raise TypeError("a bug in a check")

    monkeypatch.setattr(views, "readiness_checks", broken)

    response = Client().get("/readyz")

    assert response.status_code == 503
    assert response.json() == {"status": "unavailable", "checks": {}, "failed": ["readiness"]}


def test_readyz_pings_redis_with_the_rq_backend(settings):
    settings.DUCHA_TASKS_BACKEND = (
        "rq"  # the RQ_QUEUES URL of the settings: the local Redis (a ping writes nothing)
    )

    response = Client().get("/readyz")

    assert response.status_code == 200
    assert response.json()["checks"]["redis"] == "ok"


def test_readyz_fails_fast_when_redis_is_down(settings):
    settings.DUCHA_TASKS_BACKEND = "rq"
    settings.RQ_QUEUES = {"default": {"URL": DEAD_REDIS, "DEFAULT_TIMEOUT": 300}}

    started = time.monotonic()
    response = Client().get("/readyz")

    assert response.status_code == 503
    assert response.json()["failed"] == ["redis"]
    assert time.monotonic() - started < 3


@pytest.mark.parametrize("path", ["/healthz", "/readyz"])
def test_health_is_not_held_by_the_second_factor_and_touches_no_session(settings, world, path):
    # given an office user whose role needs a second factor, signed in without giving one
    settings.DUCHA_OTP_REQUIRED_ROLES = ["office"]
    client = Client()
    client.force_login(world.user("office"))
    session = Session.objects.get()
    assert client.get("/").status_code == 302  # guard: every page sends them to the second factor
    session.refresh_from_db()
    before = (session.session_data, session.expire_date)
    events = Event.objects.count()

    # when the balancer's path is asked with their cookie
    response = client.get(path)

    # then it answers, and the session is neither read into activity nor written
    assert response.status_code == 200
    assert "Set-Cookie" not in response
    session.refresh_from_db()
    assert (session.session_data, session.expire_date) == before
    assert Event.objects.count() == events


@pytest.mark.parametrize("path", ["/healthz", "/readyz"])
def test_health_endpoints_answer_only_reads(path):
    response = Client().post(path)

    assert response.status_code == 405
    assert response["Allow"] == "GET, HEAD"
