"""The second factor (issue 17, 等保 L3 身份鉴别): required for the office (DUCHA_OTP_REQUIRED_ROLES), optional for
units; enrolment with a QR code drawn locally, verification with the authenticator's code or a recovery code
(once), the refusals logged, the office's reset, and the check the API's token issue asks."""

from __future__ import annotations

import datetime
import re

import pytest
import time_machine
from django.test import Client
from django_otp.oath import totp
from django_otp.plugins.otp_static.models import StaticDevice, StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from ducha.audit.models import Event, EventType
from ducha.common import error_codes as codes
from ducha.common.errors import InvalidState, NotPermitted, ValidationFailed
from ducha.devtools.demo import DEMO_PASSWORD
from ducha.orgs import otp
from ducha.orgs.models import User
from tests import clock
from tests.common.test_headers import inline_code_served

pytestmark = pytest.mark.django_db

START = clock.moment(2026, 11, 18, 10)
REQUIRED = ["office", "leader", "admin"]


@pytest.fixture(autouse=True)
def _required_for_the_office(settings):
    settings.DUCHA_OTP_REQUIRED_ROLES = REQUIRED


@pytest.fixture
def traveller():
    with time_machine.travel(START, tick=False) as moving:
        yield moving


def _signed_in(username: str) -> Client:
    client = Client()
    assert client.login(username=username, password=DEMO_PASSWORD)
    return client


def _code(device: TOTPDevice) -> str:
    return f"{totp(device.bin_key, step=device.step, t0=device.t0, digits=device.digits):06d}"


def _wrong_code(device: TOTPDevice) -> str:
    right = int(_code(device))
    return f"{(right + 500_000) % 1_000_000:06d}"


def _events(event_type: str, user: User) -> list[Event]:
    return list(Event.objects.filter(event_type=event_type, subject_type="user", subject_id=user.pk))


def _enrolled(user: User, traveller) -> tuple[TOTPDevice, list[str]]:
    device = otp.otp_enrol_start(user=user)
    enrolment = otp.otp_enrol_confirm(user=user, code=_code(device))
    traveller.shift(datetime.timedelta(seconds=60))  # the next code is a new one (each code is accepted once)
    return enrolment.device, enrolment.recovery_codes


def test_the_office_is_sent_to_enrol_and_a_unit_user_is_not(world, traveller):
    office = _signed_in("office")
    unit = _signed_in("fgw")

    page = office.get("/inbox/")
    htmx = office.get("/inbox/", headers={"HX-Request": "true"})
    api = office.get("/api/v1/me")

    assert page.status_code == 302 and page["Location"] == "/account/otp/"
    assert htmx["HX-Redirect"] == "/account/otp/"
    assert api.status_code == 401 and api.json()["code"] == codes.OTP_REQUIRED
    assert office.get("/account/session/status/").status_code == 200  # the warning's polling goes on
    assert unit.get("/inbox/").status_code == 200
    assert unit.get("/api/v1/me").status_code == 200


def test_enrolment_shows_a_local_qr_code_and_a_wrong_code_is_refused_and_logged(world, traveller):
    user = world.user("office")
    client = _signed_in("office")

    page = client.get("/account/otp/")

    assert page.status_code == 200
    html = page.content.decode()
    svg = re.search(r"<svg.*?</svg>", html, re.S)
    assert svg is not None and "style=" not in svg.group(0) and "<img" not in html
    assert inline_code_served(html) == []  # nothing the CSP would refuse: no inline script, handler or style
    device = TOTPDevice.objects.get(user=user)
    assert not device.confirmed
    assert otp.otp_secret_text(device).replace(" ", "") in html.replace(" ", "")
    assert client.get("/account/otp/").status_code == 200
    assert TOTPDevice.objects.get(user=user).pk == device.pk  # reloading keeps the same secret

    refused = client.post("/account/otp/", {"code": _wrong_code(device)})

    assert refused.status_code == 400 and 'data-code="otp_invalid"' in refused.content.decode()
    device.refresh_from_db()
    assert not device.confirmed
    assert len(_events(EventType.OTP_FAILED, user)) == 1
    assert _events(EventType.OTP_ENROLLED, user) == []
    assert not StaticDevice.objects.filter(user=user).exists()
    assert client.get("/inbox/")["Location"] == "/account/otp/"


def test_enrolment_with_the_apps_code_verifies_the_session_and_issues_recovery_codes(world, traveller):
    user = world.user("office")
    client = _signed_in("office")
    client.get("/account/otp/")
    device = TOTPDevice.objects.get(user=user)

    response = client.post("/account/otp/", {"code": _code(device)})

    assert response.status_code == 200
    codes_shown = re.findall(r"<li><code>([a-z2-7]+)</code></li>", response.content.decode())
    assert len(codes_shown) == 10
    assert sorted(StaticToken.objects.filter(device__user=user).values_list("token", flat=True)) == sorted(
        codes_shown
    )
    device.refresh_from_db()
    assert device.confirmed
    assert len(_events(EventType.OTP_ENROLLED, user)) == 1
    assert len(_events(EventType.RECOVERY_CODES_ISSUED, user)) == 1
    assert client.get("/inbox/").status_code == 200  # this session gave the code
    with pytest.raises(InvalidState) as refusal:
        otp.otp_enrol_start(user=user)
    assert refusal.value.code == codes.OTP_ALREADY_ENROLLED


def test_a_new_session_of_the_office_must_give_the_code(world, traveller):
    user = world.user("office")
    device, _ = _enrolled(user, traveller)
    client = _signed_in("office")

    page = client.get("/inbox/?unread=1")
    assert page.status_code == 302
    assert page["Location"] == "/account/otp/verify/?next=%2Finbox%2F%3Funread%3D1"
    assert client.get("/api/v1/me").json()["code"] == codes.OTP_REQUIRED

    wrong = client.post("/account/otp/verify/", {"code": _wrong_code(device), "next": "/inbox/"})
    assert wrong.status_code == 400 and 'data-code="otp_invalid"' in wrong.content.decode()
    assert len(_events(EventType.OTP_FAILED, user)) == 1
    assert client.get("/inbox/").status_code == 302

    traveller.shift(datetime.timedelta(seconds=60))  # past django-otp's throttle after a failure
    verified = client.post("/account/otp/verify/", {"code": _code(device), "next": "/inbox/"})

    assert verified.status_code == 302 and verified["Location"] == "/inbox/"
    assert client.get("/inbox/").status_code == 200
    assert client.get("/api/v1/me").status_code == 200


def test_the_verify_page_does_not_redirect_elsewhere(world, traveller):
    user = world.user("office")
    device, _ = _enrolled(user, traveller)
    client = _signed_in("office")

    response = client.post("/account/otp/verify/", {"code": _code(device), "next": "https://evil.example/"})

    assert response.status_code == 302 and response["Location"] == "/"


def test_a_recovery_code_works_once(world, traveller):
    user = world.user("office")
    _, recovery_codes = _enrolled(user, traveller)
    first = _signed_in("office")

    used = first.post("/account/otp/verify/", {"code": recovery_codes[0].upper(), "next": "/inbox/"})

    assert used.status_code == 302 and used["Location"] == "/inbox/"
    assert first.get("/inbox/").status_code == 200
    assert len(_events(EventType.RECOVERY_CODE_USED, user)) == 1
    assert StaticToken.objects.filter(device__user=user).count() == 9

    second = _signed_in("office")
    again = second.post("/account/otp/verify/", {"code": recovery_codes[0], "next": "/inbox/"})

    assert again.status_code == 400 and 'data-code="otp_invalid"' in again.content.decode()
    assert second.get("/inbox/").status_code == 302
    assert len(_events(EventType.RECOVERY_CODE_USED, user)) == 1
    assert len(_events(EventType.OTP_FAILED, user)) == 1


def test_new_recovery_codes_replace_the_old_ones_and_need_a_verified_session(world, traveller):
    user = world.user("office")
    device, old_codes = _enrolled(user, traveller)
    client = _signed_in("office")

    unverified = client.post("/account/otp/recovery-codes/")
    assert unverified.status_code == 302 and unverified["Location"].startswith("/account/otp/verify/")
    assert sorted(StaticToken.objects.filter(device__user=user).values_list("token", flat=True)) == sorted(
        old_codes
    )

    client.post("/account/otp/verify/", {"code": _code(device)})
    issued = client.post("/account/otp/recovery-codes/")

    new_codes = re.findall(r"<li><code>([a-z2-7]+)</code></li>", issued.content.decode())
    assert issued.status_code == 200 and len(new_codes) == 10
    assert set(StaticToken.objects.filter(device__user=user).values_list("token", flat=True)) == set(
        new_codes
    )
    assert not set(new_codes) & set(old_codes)
    assert len(_events(EventType.RECOVERY_CODES_ISSUED, user)) == 2


def test_a_unit_user_who_enrolled_gives_the_code_too(world, traveller):
    user = world.user("fgw")
    _enrolled(user, traveller)
    client = _signed_in("fgw")

    response = client.get("/inbox/")

    assert response.status_code == 302 and response["Location"].startswith("/account/otp/verify/")


def test_the_check_the_api_token_issue_asks(world, traveller):
    user = world.user("office")
    device, recovery_codes = _enrolled(user, traveller)

    assert otp.otp_check(user=user, code=_code(device)) is True
    traveller.shift(datetime.timedelta(seconds=60))
    assert otp.otp_check(user=user, code=_wrong_code(device)) is False
    assert otp.otp_check(user=user, code=recovery_codes[1]) is True
    assert otp.otp_check(user=user, code=recovery_codes[1]) is False
    assert len(_events(EventType.OTP_FAILED, user)) == 2


def test_the_office_resets_a_lost_phone_of_its_own_government_only(world, traveller):
    user = world.user("fgw")
    _enrolled(user, traveller)
    office_device, _ = _enrolled(world.user("office"), traveller)

    for outsider in ("jyj_head", "city_office"):  # a unit head; the office of another government
        with pytest.raises(NotPermitted):
            otp.otp_reset(user=user, actor=world.user(outsider))
    assert _signed_in("jyj_head").post(f"/account/otp/reset/{user.pk}/").status_code == 403
    office = _signed_in("office")
    unverified = office.post(f"/account/otp/reset/{user.pk}/")
    assert unverified.status_code == 302 and unverified["Location"].startswith("/account/otp/verify/")
    assert TOTPDevice.objects.filter(user=user).exists() and StaticDevice.objects.filter(user=user).exists()
    assert _events(EventType.OTP_RESET, user) == []

    office.post("/account/otp/verify/", {"code": _code(office_device)})
    done = office.post(f"/account/otp/reset/{user.pk}/", {"next": "/inbox/"})

    assert done.status_code == 302 and done["Location"] == "/inbox/"
    assert not TOTPDevice.objects.filter(user=user).exists()
    assert not StaticDevice.objects.filter(user=user).exists()
    reset_events = _events(EventType.OTP_RESET, user)
    assert len(reset_events) == 1 and reset_events[0].actor_id == world.user("office").pk
    assert _signed_in("fgw").get("/inbox/").status_code == 200  # optional for a unit: nothing left to give


def test_the_office_unbinds_by_user_name_from_the_locked_accounts_page(world, traveller):
    user = world.user("fgw")
    _enrolled(user, traveller)
    office_device, _ = _enrolled(world.user("office"), traveller)
    office = _signed_in("office")
    office.post("/account/otp/verify/", {"code": _code(office_device)})
    assert 'id="otp-reset"' in office.get("/account/locked/").content.decode()

    unknown = office.post("/account/otp/reset/", {"username": "nobody-here"})
    refused = _signed_in("jyj_head").post("/account/otp/reset/", {"username": "fgw"})

    assert unknown.status_code == 404 and refused.status_code == 403
    assert TOTPDevice.objects.filter(user=user).exists() and _events(EventType.OTP_RESET, user) == []
    done = office.post("/account/otp/reset/", {"username": "fgw", "next": "/account/locked/"})
    assert done.status_code == 302 and done["Location"] == "/account/locked/"
    assert not TOTPDevice.objects.filter(user=user).exists()
    assert len(_events(EventType.OTP_RESET, user)) == 1


def test_the_verify_service_refuses_a_wrong_code_with_its_code(world, traveller):
    user = world.user("office")
    device, _ = _enrolled(user, traveller)

    with pytest.raises(ValidationFailed) as refusal:
        otp.otp_verify(user=user, code=_wrong_code(device))

    assert refusal.value.code == codes.OTP_INVALID


def test_the_second_factor_comes_before_a_password_that_must_be_changed(world, traveller):
    user = world.user("office")
    User.objects.filter(pk=user.pk).update(must_change_password=True)
    client = _signed_in("office")

    assert client.get("/inbox/")["Location"] == "/account/otp/"
    assert client.get("/account/password/")["Location"] == "/account/otp/"
    assert client.get("/account/otp/").status_code == 200  # no loop between the two
    device = TOTPDevice.objects.get(user=user)
    assert client.post("/account/otp/", {"code": _code(device)}).status_code == 200

    assert client.get("/inbox/")["Location"] == "/account/password/"
    assert client.get("/account/password/").status_code == 200


def test_the_staff_count_as_administrators(world, traveller, settings):
    settings.DUCHA_OTP_REQUIRED_ROLES = ["admin"]
    User.objects.filter(pk=world.user("fgw").pk).update(is_staff=True)

    assert _signed_in("fgw").get("/inbox/")["Location"] == "/account/otp/"
    assert _signed_in("jyj").get("/inbox/").status_code == 200
