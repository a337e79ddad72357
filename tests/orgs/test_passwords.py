"""The password policy (等保 L3 身份鉴别): complexity, a history of five, expiry, the change at first sign-in for an
account an administrator created, API tokens revoked on every change (ducha.orgs.passwords)."""

from __future__ import annotations

import datetime
import itertools

import pytest
import time_machine
from django.test import Client

from ducha.audit.models import Event, EventType
from ducha.common import error_codes
from ducha.common.errors import ValidationFailed
from ducha.devtools.demo import DEMO_PASSWORD
from ducha.orgs.models import ApiToken, PasswordHistory, User
from ducha.orgs.passwords import change_required, password_change, password_set_by_admin
from ducha.orgs.services import token_issue, user_create
from tests.clock import moment

GOOD = "Qingshan-Road-88"


def state(user: User) -> tuple:
    user.refresh_from_db()
    return (
        user.password,
        user.password_changed_at,
        PasswordHistory.objects.filter(user=user).count(),
        Event.objects.filter(event_type=EventType.PASSWORD_CHANGED, subject_id=user.pk).count(),
    )


@pytest.mark.parametrize(
    "weak",
    [
        "zhangsan",  # short, one kind, a common name
        "fgw12345",  # short, two kinds
        "Abc-12345",  # nine characters of three kinds: one too few
        "duchaplatform2026",  # long, but only letters and digits
    ],
)
def test_weak_passwords_are_refused(world, weak):
    fgw = world.user("fgw")
    before = state(fgw)

    with pytest.raises(ValidationFailed) as refused:
        password_change(user=fgw, old_password=DEMO_PASSWORD, new_password=weak)

    assert refused.value.code == error_codes.PASSWORD_TOO_WEAK
    assert "new_password" in refused.value.fields
    assert state(fgw) == before and fgw.check_password(DEMO_PASSWORD)


def test_the_user_name_itself_is_refused(world):
    user = user_create(username="wang.wei_2026", password=DEMO_PASSWORD, unit=world.departments["fgw"])
    before = state(user)

    with pytest.raises(ValidationFailed) as refused:
        password_change(user=user, old_password=DEMO_PASSWORD, new_password="wang.wei_2026")

    assert refused.value.code == error_codes.PASSWORD_TOO_WEAK
    assert state(user) == before


def test_a_good_password_is_accepted(world):
    fgw = world.user("fgw")

    password_change(user=fgw, old_password=DEMO_PASSWORD, new_password=GOOD)

    fgw.refresh_from_db()
    assert fgw.check_password(GOOD) and fgw.password_changed_at is not None and not fgw.must_change_password
    assert PasswordHistory.objects.filter(user=fgw).count() == 1
    assert Event.objects.filter(event_type=EventType.PASSWORD_CHANGED, subject_id=fgw.pk).count() == 1


def test_the_current_password_must_be_right(world):
    fgw = world.user("fgw")
    before = state(fgw)

    with pytest.raises(ValidationFailed) as refused:
        password_change(user=fgw, old_password="Wrong-Password-1", new_password=GOOD)

    assert refused.value.code == error_codes.PASSWORD_WRONG
    assert state(fgw) == before


def test_none_of_the_last_five_may_return_but_the_sixth_may(world):
    fgw = world.user("fgw")
    chosen = [DEMO_PASSWORD] + [f"Spring-River-{number}x" for number in range(1, 6)]
    with time_machine.travel(moment(2026, 11, 18, 10), tick=False):  # all at one instant: order by id
        for old, new in itertools.pairwise(chosen):
            password_change(user=fgw, old_password=old, new_password=new)
        assert PasswordHistory.objects.filter(user=fgw).count() == 5
        before = state(fgw)

        for recent in chosen[1:]:  # the current one and the four before it
            with pytest.raises(ValidationFailed) as refused:
                password_change(user=fgw, old_password=chosen[-1], new_password=recent)
            assert refused.value.code == error_codes.PASSWORD_REUSED
        assert state(fgw) == before

        password_change(user=fgw, old_password=chosen[-1], new_password=chosen[0])

    fgw.refresh_from_db()
    assert fgw.check_password(DEMO_PASSWORD)
    assert PasswordHistory.objects.filter(user=fgw).count() == 5


def test_a_password_change_revokes_the_api_tokens(world):
    fgw = world.user("fgw")
    token_issue(user=fgw)
    token_issue(user=fgw)
    assert ApiToken.objects.filter(user=fgw, revoked_at__isnull=True).count() == 2

    password_change(user=fgw, old_password=DEMO_PASSWORD, new_password=GOOD)

    assert not ApiToken.objects.filter(user=fgw, revoked_at__isnull=True).exists()
    assert Event.objects.filter(event_type=EventType.TOKEN_REVOKED, subject_id=fgw.pk).count() == 1


def test_a_refused_change_keeps_the_tokens(world):
    fgw = world.user("fgw")
    token_issue(user=fgw)

    with pytest.raises(ValidationFailed):
        password_change(user=fgw, old_password=DEMO_PASSWORD, new_password="fgw12345")

    assert ApiToken.objects.filter(user=fgw, revoked_at__isnull=True).count() == 1


# --- First sign-in, administrator-set passwords ---------------------------------------------------------------


@pytest.fixture
def admin_client(world):
    client = Client()
    client.force_login(world.user("admin"))
    return client


def test_an_account_created_in_the_administration_must_choose_its_own_password(world, admin_client):
    response = admin_client.post(
        "/admin/orgs/user/add/",
        {
            "username": "newcomer",
            "usable_password": "true",
            "password1": GOOD,
            "password2": GOOD,
            "role_grants-TOTAL_FORMS": "0",
            "role_grants-INITIAL_FORMS": "0",
        },
    )
    assert response.status_code == 302, response.content.decode()[:2000]

    newcomer = User.objects.get(username="newcomer")
    assert newcomer.must_change_password and newcomer.check_password(GOOD)
    assert change_required(newcomer) == "first"
    event = Event.objects.get(event_type=EventType.PASSWORD_SET_BY_ADMIN, subject_id=newcomer.pk)
    assert event.actor_id == world.user("admin").pk

    # Signing in leads to the password page, and nowhere else, until the password is changed.
    client = Client()
    assert client.post("/login/", {"username": "newcomer", "password": GOOD}).status_code == 302
    response = client.get("/")
    assert response.status_code == 302 and response["Location"].startswith("/account/password/")
    assert client.get("/account/password/").status_code == 200

    response = client.post(
        "/account/password/",
        {"old_password": GOOD, "new_password": "Autumn-Lake-2027", "new_password_repeat": "Autumn-Lake-2027"},
    )

    assert response.status_code == 302
    newcomer.refresh_from_db()
    assert not newcomer.must_change_password and change_required(newcomer) is None
    assert client.get("/").status_code == 200  # still signed in, and no longer held


def test_a_weak_password_is_refused_in_the_administration(world, admin_client):
    response = admin_client.post(
        "/admin/orgs/user/add/",
        {
            "username": "newcomer",
            "usable_password": "true",
            "password1": "fgw12345",
            "password2": "fgw12345",
            "role_grants-TOTAL_FORMS": "0",
            "role_grants-INITIAL_FORMS": "0",
        },
    )

    assert response.status_code == 200
    assert not User.objects.filter(username="newcomer").exists()


def test_a_password_set_in_the_administration_goes_through_the_policy(world, admin_client):
    fgw = world.user("fgw")
    token_issue(user=fgw)

    response = admin_client.post(
        f"/admin/orgs/user/{fgw.pk}/password/",
        {"usable_password": "true", "password1": GOOD, "password2": GOOD},
    )

    assert response.status_code == 302
    fgw.refresh_from_db()
    assert fgw.check_password(GOOD) and fgw.must_change_password
    assert PasswordHistory.objects.filter(user=fgw).count() == 1
    assert not ApiToken.objects.filter(user=fgw, revoked_at__isnull=True).exists()
    event = Event.objects.get(event_type=EventType.PASSWORD_SET_BY_ADMIN, subject_id=fgw.pk)
    assert event.actor_id == world.user("admin").pk


def test_the_administrator_cannot_set_a_recent_password_again(world, admin_client):
    fgw = world.user("fgw")
    before = state(fgw)

    response = admin_client.post(
        f"/admin/orgs/user/{fgw.pk}/password/",
        {"usable_password": "true", "password1": DEMO_PASSWORD, "password2": DEMO_PASSWORD},
    )

    assert response.status_code == 200
    assert state(fgw) == before and not User.objects.get(pk=fgw.pk).must_change_password
    with pytest.raises(ValidationFailed) as refused:
        password_set_by_admin(user=fgw, new_password=DEMO_PASSWORD, actor=world.user("admin"))
    assert refused.value.code == error_codes.PASSWORD_REUSED


# --- Expiry ----------------------------------------------------------------------------------------------------


def test_a_password_expires_after_the_configured_days(world, settings):
    settings.DUCHA_PASSWORD_MAX_AGE_DAYS = 90
    fgw = world.user("fgw")
    client = Client()
    with time_machine.travel(moment(2026, 11, 18, 10), tick=False) as traveller:
        password_change(user=fgw, old_password=DEMO_PASSWORD, new_password=GOOD)
        traveller.shift(datetime.timedelta(days=89, hours=23))
        assert change_required(fgw) is None
        client.force_login(fgw)  # fresh sessions: the session limits are not what is tested here
        assert client.get("/account/history/").status_code == 200

        traveller.shift(datetime.timedelta(hours=1))
        assert change_required(fgw) == "expired"
        client.force_login(fgw)
        response = client.get("/account/history/")
        assert response.status_code == 302 and response["Location"].startswith("/account/password/")


def test_an_unchanged_password_counts_from_the_day_the_account_was_made(world, settings):
    fgw = world.user("fgw")
    User.objects.filter(pk=fgw.pk).update(date_joined=moment(2026, 1, 5, 9), password_changed_at=None)
    fgw.refresh_from_db()

    with time_machine.travel(moment(2026, 11, 18, 10), tick=False):  # 317 days after joining
        settings.DUCHA_PASSWORD_MAX_AGE_DAYS = 0
        assert change_required(fgw) is None  # expiry off (development, the suite's default)
        settings.DUCHA_PASSWORD_MAX_AGE_DAYS = 90
        assert change_required(fgw) == "expired"
    with time_machine.travel(moment(2026, 4, 4, 8), tick=False):  # 89 days after joining
        assert change_required(fgw) is None


# --- The page --------------------------------------------------------------------------------------------------


@pytest.fixture
def fgw_client(world):
    client = Client()
    client.force_login(world.user("fgw"))
    return client


def test_the_page_changes_the_password_and_keeps_the_session(world, fgw_client):
    page = fgw_client.get("/account/password/")
    assert page.status_code == 200 and 'id="password-policy"' in page.content.decode()

    response = fgw_client.post(
        "/account/password/",
        {"old_password": DEMO_PASSWORD, "new_password": GOOD, "new_password_repeat": GOOD},
    )

    assert response.status_code == 302
    assert User.objects.get(username="fgw").check_password(GOOD)
    assert fgw_client.get("/account/history/").status_code == 200


@pytest.mark.parametrize(
    ("old", "new", "repeat", "code"),
    [
        ("Wrong-Password-1", GOOD, GOOD, error_codes.PASSWORD_WRONG),
        (DEMO_PASSWORD, GOOD, GOOD + "x", error_codes.INVALID_INPUT),
        (DEMO_PASSWORD, "fgw12345", "fgw12345", error_codes.PASSWORD_TOO_WEAK),
        (DEMO_PASSWORD, DEMO_PASSWORD, DEMO_PASSWORD, error_codes.PASSWORD_REUSED),
    ],
)
def test_the_page_refuses_with_the_code(world, fgw_client, old, new, repeat, code):
    fgw = world.user("fgw")
    before = state(fgw)

    response = fgw_client.post(
        "/account/password/", {"old_password": old, "new_password": new, "new_password_repeat": repeat}
    )

    assert response.status_code == 400
    assert f'data-code="{code}"' in response.content.decode()
    assert state(fgw) == before
