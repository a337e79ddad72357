"""Sessions (issue 17, 等保 L3 身份鉴别): the idle timeout and the absolute lifetime with a moved clock, the status
that does not count as activity and the keepalive that does, htmx and API answers, sign-out everywhere, the
password that must be changed first, and the sign-out logged."""

from __future__ import annotations

import datetime
import json

import pytest
import time_machine
from django.test import Client

from ducha.audit.models import Event, EventType
from ducha.devtools.demo import DEMO_PASSWORD
from ducha.orgs.models import ApiToken, User
from ducha.orgs.services import token_issue
from tests import clock
from tests.common.test_headers import inline_code_served

pytestmark = pytest.mark.django_db

START = clock.moment(2026, 11, 18, 10)


def _signed_in(username: str) -> Client:
    client = Client()
    assert client.login(username=username, password=DEMO_PASSWORD)
    return client


def _events(event_type: str, user: User) -> list[Event]:
    return list(Event.objects.filter(event_type=event_type, subject_type="user", subject_id=user.pk))


def test_the_limits_are_fifteen_minutes_idle_and_twelve_hours_in_all():
    # The suite lifts them for every other test (tests/conftest.py); these are what a deployment gets.
    from ducha.config import settings as configured

    assert configured.DUCHA_SESSION_IDLE_SECONDS == 15 * 60
    assert configured.DUCHA_SESSION_MAX_SECONDS == configured.SESSION_COOKIE_AGE == 12 * 3600
    assert configured.DUCHA_SESSION_WARN_SECONDS == 60


def test_a_session_idle_for_more_than_the_timeout_is_signed_out(world, settings):
    settings.DUCHA_SESSION_IDLE_SECONDS = 15 * 60
    user = world.user("fgw")
    with time_machine.travel(START, tick=False) as traveller:
        client = _signed_in("fgw")
        traveller.shift(datetime.timedelta(minutes=14))
        assert client.get("/inbox/").status_code == 200  # 14 minutes idle: still signed in
        traveller.shift(datetime.timedelta(minutes=14))
        assert client.get("/inbox/").status_code == 200  # the clock counts from the last request
        assert _events(EventType.SESSION_EXPIRED, user) == []

        traveller.shift(datetime.timedelta(minutes=16))
        response = client.get("/inbox/?unread=1")

        assert response.status_code == 302
        assert response["Location"] == "/login/?next=/inbox/%3Funread%3D1"
        expired = _events(EventType.SESSION_EXPIRED, user)
        assert len(expired) == 1 and expired[0].new["reason"] == "idle"
        assert _events(EventType.SIGNED_OUT, user) == []  # an expiry, not a sign-out
        # signed out for good: the next request is anonymous (to the sign-in page, no second event)
        again = client.get("/inbox/")
        assert again.status_code == 302 and again["Location"].startswith("/login/")
        assert len(_events(EventType.SESSION_EXPIRED, user)) == 1


def test_a_session_ends_after_its_absolute_lifetime_however_active(world, settings):
    settings.DUCHA_SESSION_MAX_SECONDS = 12 * 3600
    user = world.user("fgw")
    with time_machine.travel(START, tick=False) as traveller:
        client = _signed_in("fgw")
        for _ in range(71):  # a request every ten minutes for 11 h 50 min
            traveller.shift(datetime.timedelta(minutes=10))
            assert client.post("/account/session/keepalive/").status_code == 200
        assert client.get("/inbox/").status_code == 200

        traveller.shift(datetime.timedelta(minutes=10, seconds=1))  # 12 h and a second after signing in
        response = client.get("/inbox/")

    assert response.status_code == 302 and response["Location"].startswith("/login/?next=")
    expired = _events(EventType.SESSION_EXPIRED, user)
    assert len(expired) == 1 and expired[0].new["reason"] == "absolute"


def test_the_status_does_not_extend_the_session(world, settings):
    settings.DUCHA_SESSION_IDLE_SECONDS = 15 * 60
    with time_machine.travel(START, tick=False) as traveller:
        client = _signed_in("fgw")
        traveller.shift(datetime.timedelta(minutes=10))
        first = client.get("/account/session/status/")
        traveller.shift(datetime.timedelta(minutes=4))
        second = client.get("/account/session/status/")
        traveller.shift(datetime.timedelta(minutes=2))  # 16 minutes after the last page
        third = client.get("/account/session/status/")
        page = client.get("/inbox/")

    assert first.status_code == 200 and first.json() == {"remaining": 5 * 60, "warn": 60}
    assert second.json()["remaining"] == 60
    assert third.status_code == 401 and third.json()["code"] == "session_expired"
    assert page.status_code == 302 and page["Location"].startswith("/login/")


def test_the_keepalive_extends_the_session(world, settings):
    settings.DUCHA_SESSION_IDLE_SECONDS = 15 * 60
    with time_machine.travel(START, tick=False) as traveller:
        client = _signed_in("fgw")
        traveller.shift(datetime.timedelta(minutes=14))
        kept = client.post("/account/session/keepalive/")
        traveller.shift(datetime.timedelta(minutes=10))  # 24 minutes after signing in, 10 after the keepalive
        status = client.get("/account/session/status/")
        page = client.get("/inbox/")

    assert kept.status_code == 200 and kept.json()["remaining"] == 15 * 60
    assert status.json()["remaining"] == 5 * 60
    assert page.status_code == 200


def test_htmx_and_api_requests_of_an_expired_session(world, settings):
    settings.DUCHA_SESSION_IDLE_SECONDS = 15 * 60
    with time_machine.travel(START, tick=False) as traveller:
        htmx_client = _signed_in("fgw")
        api_client = _signed_in("jyj")
        assert api_client.get("/api/v1/me").status_code == 200
        traveller.shift(datetime.timedelta(minutes=16))

        htmx = htmx_client.get(
            "/ledger/unit-options/",
            headers={"HX-Request": "true", "HX-Current-URL": "http://testserver/ledger/?status=assigned"},
        )
        api = api_client.get("/api/v1/me")

    assert htmx.status_code == 200
    assert htmx["HX-Redirect"] == "/login/?next=/ledger/%3Fstatus%3Dassigned"
    assert api.status_code == 401 and api.json()["code"] == "session_expired"


def test_a_bearer_token_is_not_held_to_the_session_limits(world, settings, api):
    settings.DUCHA_SESSION_IDLE_SECONDS = 15 * 60
    client = api("fgw")
    with time_machine.travel(START, tick=False) as traveller:
        assert client.get("/me").status_code == 200
        traveller.shift(datetime.timedelta(hours=13))
        assert client.get("/me").status_code == 200


def test_sign_out_everywhere_ends_the_other_sessions_and_the_tokens_but_not_this_one(world):
    user = world.user("fgw")
    here = _signed_in("fgw")
    elsewhere = _signed_in("fgw")
    token, _ = token_issue(user=user)
    bearer = {"Authorization": f"Bearer {token}"}
    assert elsewhere.get("/inbox/").status_code == 200
    assert Client().get("/api/v1/me", headers=bearer).status_code == 200

    response = here.post("/account/sessions/")

    assert response.status_code == 302 and response["Location"] == "/account/sessions/"
    page = here.get("/account/sessions/")
    assert page.status_code == 200  # this session stays signed in
    assert inline_code_served(page.content.decode()) == []  # the warning dialog and its script included
    kicked = elsewhere.get("/inbox/")
    assert kicked.status_code == 302 and kicked["Location"].startswith("/login/")
    assert Client().get("/api/v1/me", headers=bearer).status_code == 401
    assert not ApiToken.objects.filter(user=user, revoked_at__isnull=True).exists()
    assert len(_events(EventType.SIGNED_OUT_EVERYWHERE, user)) == 1
    user.refresh_from_db()
    assert user.security_stamp


def test_signing_out_is_logged(world):
    user = world.user("fgw")
    client = _signed_in("fgw")

    response = client.post("/logout/")

    assert response.status_code in (200, 302)
    assert len(_events(EventType.SIGNED_OUT, user)) == 1


def test_a_password_that_must_be_changed_comes_first(world):
    user = world.user("fgw")
    User.objects.filter(pk=user.pk).update(must_change_password=True)
    client = _signed_in("fgw")

    page = client.get("/inbox/")
    htmx = client.get("/inbox/", headers={"HX-Request": "true"})
    api = client.get("/api/v1/me")
    password_page = client.get("/account/password/")
    status = client.get("/account/session/status/")

    assert page.status_code == 302 and page["Location"] == "/account/password/"
    assert htmx["HX-Redirect"] == "/account/password/"
    assert api.status_code == 403 and json.loads(api.content)["code"] == "password_change_required"
    assert password_page.status_code == 200
    assert status.status_code == 200


def test_every_page_carries_the_warning_dialog_and_its_script_as_a_file(world):
    html = _signed_in("fgw").get("/inbox/").content.decode()

    assert '<dialog id="session-warning"' in html
    assert 'data-status-url="/account/session/status/"' in html
    assert 'data-keepalive-url="/account/session/keepalive/"' in html
    assert '<script src="/static/js/session.js" defer></script>' in html
    assert inline_code_served(html) == []
    assert "session-warning" not in Client().get("/login/").content.decode()  # signed out: no warning
