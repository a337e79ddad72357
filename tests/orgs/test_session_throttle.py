"""The session's last-activity stamp is written at most every LAST_SEEN_RESOLUTION_SECONDS (ducha.orgs.sessions):
a page view does not write the session each time (a write per request would be a database write per page view
under load), and the idle limit stays right to within that resolution."""

from __future__ import annotations

import datetime

import pytest
import time_machine
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from ducha.devtools.demo import DEMO_PASSWORD
from ducha.orgs.sessions import LAST_SEEN, LAST_SEEN_RESOLUTION_SECONDS
from tests import clock

pytestmark = pytest.mark.django_db

START = clock.moment(2026, 11, 18, 10)
IDLE = 15 * 60


def session_writes(queries) -> int:
    return sum(
        1
        for query in queries.captured_queries
        if query["sql"].startswith(('UPDATE "django_session"', 'INSERT INTO "django_session"'))
    )


def signed_in(username: str = "fgw") -> Client:
    client = Client()
    assert client.login(username=username, password=DEMO_PASSWORD)
    return client


def test_the_resolution_is_at_most_a_minute():
    assert 0 < LAST_SEEN_RESOLUTION_SECONDS <= 60


def test_page_views_within_the_resolution_do_not_write_the_session(world, settings):
    settings.DUCHA_SESSION_IDLE_SECONDS = IDLE
    with time_machine.travel(START, tick=False) as traveller:
        client = signed_in()
        client.get("/inbox/")  # the first view may start the clocks
        writes = []
        for _ in range(5):
            traveller.shift(datetime.timedelta(seconds=(LAST_SEEN_RESOLUTION_SECONDS - 1) / 5))
            with CaptureQueriesContext(connection) as queries:
                assert client.get("/inbox/").status_code == 200
            writes.append(session_writes(queries))

    assert writes == [0, 0, 0, 0, 0]


def test_the_stamp_moves_once_the_resolution_has_passed(world, settings):
    settings.DUCHA_SESSION_IDLE_SECONDS = IDLE
    with time_machine.travel(START, tick=False) as traveller:
        client = signed_in()
        client.get("/inbox/")
        stamped = client.session[LAST_SEEN]
        traveller.shift(datetime.timedelta(seconds=LAST_SEEN_RESOLUTION_SECONDS))
        with CaptureQueriesContext(connection) as queries:
            client.get("/inbox/")
        moved = client.session[LAST_SEEN]
        with CaptureQueriesContext(connection) as again:
            client.get("/inbox/")

    assert session_writes(queries) == 1
    assert moved - stamped == LAST_SEEN_RESOLUTION_SECONDS
    assert session_writes(again) == 0 and client.session[LAST_SEEN] == moved


def test_a_session_used_all_along_is_never_signed_out_for_being_idle(world, settings):
    """Views every RESOLUTION - 1 seconds (so most of them write nothing) for longer than the idle limit."""
    settings.DUCHA_SESSION_IDLE_SECONDS = IDLE
    step = datetime.timedelta(seconds=LAST_SEEN_RESOLUTION_SECONDS - 1)
    with time_machine.travel(START, tick=False) as traveller:
        client = signed_in()
        for _ in range(int(2 * IDLE / step.total_seconds())):
            traveller.shift(step)
            assert client.get("/inbox/").status_code == 200


def test_the_idle_limit_is_right_to_within_the_resolution(world, settings):
    """After the last view, the session lasts at least IDLE - RESOLUTION and at most IDLE."""
    settings.DUCHA_SESSION_IDLE_SECONDS = IDLE
    for after_stamp in (0, LAST_SEEN_RESOLUTION_SECONDS - 1):
        with time_machine.travel(START, tick=False) as traveller:
            client = signed_in()
            client.get("/inbox/")
            traveller.shift(datetime.timedelta(seconds=after_stamp))
            client.get("/inbox/")  # the last view: written only if a resolution has passed
            traveller.shift(datetime.timedelta(seconds=IDLE - LAST_SEEN_RESOLUTION_SECONDS))
            still = client.get("/account/session/status/")
            traveller.shift(datetime.timedelta(seconds=LAST_SEEN_RESOLUTION_SECONDS + 1))
            gone = client.get("/account/session/status/")

        assert still.status_code == 200, after_stamp
        assert gone.status_code == 401 and gone.json()["code"] == "session_expired", after_stamp
