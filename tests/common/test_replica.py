"""Replica reads (ducha.common.replica): only inside `replica_reads()`, never in a transaction, never for whoever
has just written (in the same request or, through the pin cookie, in the next ones), never when the replica is
down or behind; and nothing at all when no replica is configured (the embedded default)."""

from __future__ import annotations

import pytest
import time_machine
from django.http import HttpResponse
from django.test import RequestFactory

from ducha.common import replica
from ducha.common.replica import (
    PIN_COOKIE,
    REPLICA,
    ReplicaPinMiddleware,
    ReplicaRouter,
    replica_reads,
    replica_reads_view,
)
from ducha.items.models import Item
from tests.clock import moment

router = ReplicaRouter()


@pytest.fixture
def configured(monkeypatch, settings):
    """A replica configured and healthy (its connection is never opened: the router only names it)."""
    settings.DUCHA_REPLICA_STICKY_SECONDS = 15
    monkeypatch.setattr(replica, "replica_configured", lambda: True)
    monkeypatch.setattr(replica, "replica_healthy", lambda: True)
    token = replica._pinned.set(False)  # a write made by an earlier test's fixtures pinned this thread
    yield
    replica._pinned.reset(token)


def test_no_replica_configured_means_every_read_goes_to_the_primary(transactional_db):
    assert not replica.replica_configured()
    with replica_reads():
        assert router.db_for_read(Item) is None
        assert Item.objects.all().db == "default"


def test_reads_go_to_the_replica_only_inside_replica_reads(configured, transactional_db):
    assert router.db_for_read(Item) is None
    with replica_reads():
        assert router.db_for_read(Item) == REPLICA
        assert Item.objects.all().db == REPLICA
    assert Item.objects.all().db == "default"


def test_a_transaction_reads_from_the_primary(configured, transactional_db):
    from django.db import transaction

    with replica_reads(), transaction.atomic():
        assert router.db_for_read(Item) is None


def test_a_write_pins_the_rest_of_the_request_to_the_primary(configured, transactional_db):
    def view(request):
        before = Item.objects.all().db
        assert router.db_for_write(Item) == "default"
        after = Item.objects.all().db
        return HttpResponse(f"{before} {after}")

    response = ReplicaPinMiddleware(replica_reads_view(view))(RequestFactory().get("/ledger/"))
    assert response.content.decode() == "replica default"


def test_an_unhealthy_replica_is_left_out(configured, monkeypatch, transactional_db):
    monkeypatch.setattr(replica, "replica_healthy", lambda: False)
    with replica_reads():
        assert router.db_for_read(Item) is None


def test_health_is_checked_against_the_lag_and_remembered(monkeypatch, settings):
    settings.DUCHA_REPLICA_MAX_LAG_SECONDS = 5
    settings.DUCHA_REPLICA_CHECK_SECONDS = 3600
    lags = iter([1.0, 60.0])
    monkeypatch.setattr(replica, "replica_lag_seconds", lambda: next(lags))
    health = replica._Health()
    assert health() is True
    assert health() is True  # remembered: the second lag (60 s) is not read yet
    settings.DUCHA_REPLICA_CHECK_SECONDS = 0
    assert health() is False  # behind by a minute: left out
    monkeypatch.setattr(replica, "replica_lag_seconds", lambda: None)
    assert health() is False  # down


def test_a_successful_write_pins_its_sender_for_the_sticky_seconds(configured, transactional_db):
    seen = []

    def view(request):
        seen.append(Item.objects.all().db)
        return HttpResponse(status=302 if request.method == "POST" else 200)

    middleware = ReplicaPinMiddleware(replica_reads_view(view))
    factory = RequestFactory()
    pinned = factory.get("/ledger/")
    # Across midnight at the year's end, Beijing time.
    with time_machine.travel(moment(2026, 12, 31, 23, 59, 50), tick=False):
        assert PIN_COOKIE not in middleware(factory.get("/ledger/")).cookies
        response = middleware(factory.post("/items/1/sign/"))
        cookie = response.cookies[PIN_COOKIE]
        assert cookie["max-age"] == 15 and cookie["httponly"]
        pinned.COOKIES[PIN_COOKIE] = cookie.value
    with time_machine.travel(moment(2027, 1, 1, 0, 0, 4), tick=False):  # 14 s later: still pinned
        middleware(pinned)
    with time_machine.travel(moment(2027, 1, 1, 0, 0, 6), tick=False):  # 16 s later: the pin has run out
        middleware(pinned)
    # the GET; the POST (a write is never read from the replica); the GET pinned; the GET after the pin ran out
    assert seen == ["replica", "default", "default", "replica"]


def test_a_refused_write_does_not_pin(configured, transactional_db):
    middleware = ReplicaPinMiddleware(lambda request: HttpResponse(status=403))
    assert PIN_COOKIE not in middleware(RequestFactory().post("/items/1/sign/")).cookies


@pytest.mark.parametrize("value", ["", "soon", "-1"])
def test_a_bad_pin_cookie_is_ignored(configured, transactional_db, value):
    seen = []

    def view(request):
        seen.append(Item.objects.all().db)
        return HttpResponse()

    request = RequestFactory().get("/ledger/")
    request.COOKIES[PIN_COOKIE] = value
    ReplicaPinMiddleware(replica_reads_view(view))(request)
    assert seen == ["replica"]


def test_the_replica_is_never_migrated():
    assert router.allow_migrate(REPLICA, "items") is False
    assert (
        router.allow_migrate("default", "items") is None or router.allow_migrate("default", "items") is True
    )


@pytest.mark.parametrize(
    ("path", "wrapped"),
    [
        ("/ledger/", True),
        ("/ledger/count/", True),
        ("/ledger/unit-options/", True),
        ("/dashboard/", True),
        ("/ledger/export.xlsx", False),
        ("/", False),
    ],
)
def test_the_ledger_and_the_dashboard_read_through_the_replica(path, wrapped):
    from django.urls import resolve

    assert getattr(resolve(path).func, "replica_reads", False) is wrapped


def test_a_replica_failing_under_a_request_is_left_out_and_the_page_answered_from_the_primary(
    configured, monkeypatch, transactional_db
):
    from django.db import OperationalError

    health = replica._Health()
    health.usable, health.checked_at = True, float("inf")  # healthy at its last check
    monkeypatch.setattr(replica, "replica_healthy", health)
    monkeypatch.setattr(replica, "replica_down", lambda: health.mark_down())
    seen = []

    def view(request):
        db = Item.objects.all().db
        seen.append(db)
        if db == REPLICA:
            raise OperationalError("server closed the connection unexpectedly")
        return HttpResponse("from the primary")

    response = ReplicaPinMiddleware(replica_reads_view(view))(RequestFactory().get("/ledger/"))
    assert response.content == b"from the primary"
    assert seen == [REPLICA, "default"]
    assert health.usable is False  # the next requests of this process read from the primary too
    with replica_reads():
        assert router.db_for_read(Item) is None


def test_a_failing_primary_still_fails(configured, transactional_db):
    from django.db import OperationalError

    def view(request):
        raise OperationalError("the primary is down")

    with pytest.raises(OperationalError):
        replica_reads_view(view)(RequestFactory().get("/ledger/"))
