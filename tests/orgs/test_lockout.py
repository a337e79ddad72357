"""The lockout (等保 L3 身份鉴别): after five failures the right password is refused for fifteen minutes, per account
and separately per source address, on /login/ and /admin/login/; the office lifts it (ducha.orgs.security)."""

from __future__ import annotations

import datetime
import json

import pytest
import time_machine
from axes.models import AccessAttempt
from django.test import Client, RequestFactory

from ducha.audit.models import Event, EventType
from ducha.common import error_codes
from ducha.devtools.demo import DEMO_PASSWORD
from ducha.orgs.security import client_ip, lockout_response
from tests.clock import moment

WRONG = "Not-the-password-1"


def attempt(client: Client, username: str, password: str, *, ip: str = "10.1.1.1", path: str = "/login/"):
    return client.post(path, {"username": username, "password": password}, REMOTE_ADDR=ip)


def signed_in(client: Client) -> bool:
    return "_auth_user_id" in client.session


def fail(client: Client, username: str, times: int, *, ip: str = "10.1.1.1", path: str = "/login/") -> None:
    for _ in range(times):
        response = attempt(client, username, WRONG, ip=ip, path=path)
        assert response.status_code in (200, 429)


def assert_locked(response) -> None:
    assert response.status_code == 429
    assert f'data-code="{error_codes.LOCKED_OUT}"' in response.content.decode()


def test_four_failures_do_not_lock(world, client):
    fail(client, "fgw", 4)

    response = attempt(client, "fgw", DEMO_PASSWORD)

    assert response.status_code == 302 and signed_in(client)


def test_five_failures_lock_the_account_and_the_right_password_is_refused(world, client):
    fail(client, "fgw", 5)

    response = attempt(client, "fgw", DEMO_PASSWORD)

    assert_locked(response)
    assert not signed_in(client)
    fgw = world.user("fgw")
    assert Event.objects.filter(event_type=EventType.LOCKED_OUT, subject_id=fgw.pk).count() == 1
    assert Event.objects.filter(event_type=EventType.SIGN_IN_FAILED, subject_id=fgw.pk).count() == 6
    assert not Event.objects.filter(event_type=EventType.SIGNED_IN, subject_id=fgw.pk).exists()


def test_the_account_stays_locked_from_another_address(world, client):
    for number in range(5):
        fail(client, "fgw", 1, ip=f"10.2.0.{number + 1}")

    assert_locked(attempt(client, "fgw", DEMO_PASSWORD, ip="10.2.0.99"))
    assert not signed_in(client)


def test_five_failures_from_one_address_lock_the_address_for_every_account(world, client):
    for username in ["fgw", "jyj", "zjj", "cgz", "nobody-here"]:
        fail(client, username, 1, ip="10.3.3.3")

    assert_locked(attempt(client, "office", DEMO_PASSWORD, ip="10.3.3.3"))
    assert not signed_in(client)
    # The accounts themselves are not locked: from elsewhere the right password works.
    response = attempt(client, "office", DEMO_PASSWORD, ip="10.3.3.4")
    assert response.status_code == 302 and signed_in(client)


def test_the_lockout_ends_after_fifteen_minutes(world, client):
    with time_machine.travel(moment(2026, 11, 18, 10), tick=False) as traveller:
        fail(client, "fgw", 5)
        traveller.shift(datetime.timedelta(minutes=14))
        assert_locked(attempt(client, "fgw", DEMO_PASSWORD))
        assert not signed_in(client)

        # The refused attempt did not extend the lockout: fifteen minutes after the fifth failure it is over.
        traveller.shift(datetime.timedelta(minutes=1, seconds=1))
        response = attempt(client, "fgw", DEMO_PASSWORD)

        # Still at that moment: back on the suite's clock the session could be past its own limits.
        assert response.status_code == 302 and signed_in(client)


def test_the_administration_sign_in_is_locked_too(world, client):
    fail(client, "admin", 5, path="/admin/login/")

    response = attempt(client, "admin", DEMO_PASSWORD, path="/admin/login/")

    assert_locked(response)
    assert not signed_in(client)


def test_the_api_gets_the_lockout_as_json():
    request = RequestFactory().post("/api/v1/auth/token")

    response = lockout_response(request, None, {"username": "fgw"})

    assert response.status_code == 429
    assert json.loads(response.content)["code"] == error_codes.LOCKED_OUT
    assert int(response["Retry-After"]) == 15 * 60


def test_the_address_behind_proxies_is_the_one_the_nearest_proxy_saw(settings):
    request = RequestFactory().get(
        "/", REMOTE_ADDR="192.168.0.1", HTTP_X_FORWARDED_FOR="1.1.1.1, 203.0.113.7"
    )
    assert client_ip(request) == "192.168.0.1"  # no proxy configured: the header is not believed

    settings.AXES_IPWARE_PROXY_COUNT = 1
    assert client_ip(request) == "203.0.113.7"  # not 1.1.1.1, which the client wrote itself


# --- The office's unlock -------------------------------------------------------------------------------------


@pytest.fixture
def office(world):
    client = Client()
    client.force_login(world.user("office"))
    return client


def test_the_office_lifts_a_lockout_of_its_governments_account(world, client, office):
    fail(client, "fgw", 5, ip="10.4.4.4")
    assert_locked(attempt(client, "fgw", DEMO_PASSWORD, ip="10.4.4.5"))

    page = office.get("/account/locked/")
    assert page.status_code == 200
    assert 'data-username="fgw"' in page.content.decode()
    assert 'data-address="10.4.4.4"' in page.content.decode()

    response = office.post("/account/locked/lift/", {"username": "fgw"})

    assert response.status_code == 302
    assert not AccessAttempt.objects.filter(username="fgw").exists()
    event = Event.objects.get(event_type=EventType.UNLOCKED)
    assert (event.subject_id, event.actor_id) == (world.user("fgw").pk, world.user("office").pk)
    response = attempt(client, "fgw", DEMO_PASSWORD, ip="10.4.4.5")
    assert response.status_code == 302 and signed_in(client)


def test_the_office_lifts_a_lockout_of_an_address(world, client, office):
    for username in ["fgw", "jyj", "zjj", "cgz", "fgw_head"]:
        fail(client, username, 1, ip="10.5.5.5")

    response = office.post("/account/locked/lift/", {"ip": "10.5.5.5"})

    assert response.status_code == 302
    assert not AccessAttempt.objects.filter(ip_address="10.5.5.5").exists()
    assert Event.objects.get(event_type=EventType.UNLOCKED).new["unlocked_address"] == "10.5.5.5"
    assert attempt(client, "jyj", DEMO_PASSWORD, ip="10.5.5.5").status_code == 302


def test_a_unit_user_may_not_see_or_lift_lockouts(world, client):
    fail(client, "fgw", 5)
    before = list(AccessAttempt.objects.values_list("username", "failures_since_start"))
    head = Client()
    head.force_login(world.user("fgw_head"))

    assert head.get("/account/locked/").status_code == 403
    assert head.post("/account/locked/lift/", {"username": "fgw"}).status_code == 403

    assert list(AccessAttempt.objects.values_list("username", "failures_since_start")) == before
    assert not Event.objects.filter(event_type=EventType.UNLOCKED).exists()
    assert_locked(attempt(client, "fgw", DEMO_PASSWORD))


def test_lifting_what_is_not_locked_is_refused(world, client, office):
    fail(client, "jyj", 2)
    before = list(AccessAttempt.objects.values_list("username", "failures_since_start"))

    response = office.post("/account/locked/lift/", {"username": "jyj"})

    assert response.status_code == 409
    assert f'data-code="{error_codes.NOT_LOCKED}"' in response.content.decode()
    assert list(AccessAttempt.objects.values_list("username", "failures_since_start")) == before
    assert not Event.objects.filter(event_type=EventType.UNLOCKED).exists()


def test_the_office_cannot_lift_another_governments_lockout_but_the_administrator_can(world, client, office):
    fail(client, "city_office", 5, ip="10.6.6.6")
    before = list(AccessAttempt.objects.values_list("username", "failures_since_start"))

    assert 'data-username="city_office"' not in office.get("/account/locked/").content.decode()
    assert office.post("/account/locked/lift/", {"username": "city_office"}).status_code == 404
    assert list(AccessAttempt.objects.values_list("username", "failures_since_start")) == before

    admin = Client()
    admin.force_login(world.user("admin"))
    assert 'data-username="city_office"' in admin.get("/account/locked/").content.decode()
    assert admin.post("/account/locked/lift/", {"username": "city_office"}).status_code == 302
    assert not AccessAttempt.objects.filter(username="city_office").exists()
