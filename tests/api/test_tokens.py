"""API tokens (issue 17, 身份鉴别 and 访问控制): issued by signing in over the API (counted by the lockout, a
one-time code asked of the office), they expire, carry a scope, are revoked by their owner and by a password
change, and a refused token answers 401/403 with its own code while nothing changes. The web page lists, issues
and revokes them."""

from __future__ import annotations

import datetime

import pytest
import time_machine
from django.core.management import call_command
from django.test import Client
from django.urls import reverse
from django_otp.oath import TOTP
from django_otp.plugins.otp_static.models import StaticDevice, StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from ducha.audit.models import Event, EventType
from ducha.common import error_codes as codes
from ducha.devtools.demo import DEMO_PASSWORD
from ducha.items.models import Item
from ducha.orgs.models import ApiToken, TokenScope
from ducha.orgs.passwords import password_change
from ducha.orgs.services import token_issue, token_revoke
from tests.api.support import body, error
from tests.clock import moment
from tests.conftest import ApiClient
from tests.helpers import make_item

PREFIX = "/api/v1"


def _ask(client: Client, **fields):
    """POST /auth/token with the given fields (username and password filled in for `office` unless given)."""
    payload = {"username": "office", "password": DEMO_PASSWORD, **fields}
    return client.post(f"{PREFIX}/auth/token", payload, content_type="application/json")


def _tokens() -> int:
    return ApiToken.objects.count()


# --- issue over the API -------------------------------------------------------------------------------------------


def test_a_token_is_issued_with_its_scope_and_expiry_and_works(world, client, settings):
    settings.DUCHA_TOKEN_DAYS = 30
    issued = body(_ask(client, name="脚本", scope="read"), 201)

    row = ApiToken.objects.get(prefix=issued["prefix"])
    assert row.user == world.user("office") and row.scope == TokenScope.READ and row.name == "脚本"
    assert issued["token"].startswith(issued["prefix"]) and row.digest != issued["token"]
    assert row.expires_at is not None
    assert abs(datetime.datetime.fromisoformat(issued["expires_at"]) - row.expires_at) < datetime.timedelta(
        seconds=1
    )
    assert abs((row.expires_at - row.created_at) - datetime.timedelta(days=30)) < datetime.timedelta(
        seconds=5
    )
    event = Event.objects.filter(event_type=EventType.TOKEN_ISSUED).latest("id")
    assert event.new["prefix"] == issued["prefix"] and event.new["scope"] == "read"
    assert "token" not in event.new
    me = body(ApiClient(issued["token"]).get("/me"))
    assert me["username"] == "office"


@pytest.mark.parametrize("days", [0, 366])
def test_a_lifetime_outside_the_limits_is_refused(world, client, days):
    before = _tokens()
    data = error(_ask(client, days=days), 400, codes.INVALID_INPUT)
    assert "days" in data["fields"]
    assert _tokens() == before


def test_a_wrong_password_gives_no_token(world, client):
    before = _tokens()
    error(_ask(client, password="wrong-password-1"), 401, codes.SIGN_IN_FAILED)
    error(_ask(client, username="nobody-here"), 401, codes.SIGN_IN_FAILED)
    assert _tokens() == before


def test_token_issue_locks_out_after_five_failures(world, client):
    before = _tokens()
    for _ in range(4):
        error(_ask(client, password="wrong-password-1"), 401, codes.SIGN_IN_FAILED)
    fifth = _ask(client, password="wrong-password-1")
    assert fifth.status_code == 429
    # then: the right password no longer gives a token
    locked = _ask(client)
    assert locked.status_code == 429, locked.content
    assert locked.json()["code"] == codes.LOCKED_OUT
    assert _tokens() == before


def test_the_office_needs_a_one_time_code_when_the_settings_ask_for_it(world, client, settings):
    settings.DUCHA_OTP_REQUIRED_ROLES = ["office"]
    office = world.user("office")
    before = _tokens()

    error(_ask(client), 401, codes.OTP_REQUIRED)
    # an office account without an authenticator cannot get a token at all
    error(_ask(client, otp="123456"), 401, codes.OTP_INVALID)
    assert _tokens() == before

    device = TOTPDevice.objects.create(user=office, name="phone", confirmed=True)
    code = TOTP(device.bin_key, device.step, device.t0, device.digits, device.drift).token()
    wrong = f"{(code + 1) % 10**device.digits:0{device.digits}d}"
    error(_ask(client, otp=wrong), 401, codes.OTP_INVALID)
    assert _tokens() == before
    assert Event.objects.filter(event_type=EventType.OTP_FAILED, subject_id=office.pk).exists()

    with time_machine.travel(datetime.timedelta(seconds=120)):  # past django-otp's throttle after the failure
        device.refresh_from_db()
        code = TOTP(device.bin_key, device.step, device.t0, device.digits, device.drift).token()
        issued = body(_ask(client, otp=f"{code:0{device.digits}d}"), 201)
    assert ApiToken.objects.get(prefix=issued["prefix"]).user == office


def test_a_recovery_code_stands_in_for_the_authenticator(world, client, settings):
    settings.DUCHA_OTP_REQUIRED_ROLES = ["office"]
    device = StaticDevice.objects.create(user=world.user("office"), name="backup", confirmed=True)
    StaticToken.objects.create(device=device, token="rcv12345")
    body(_ask(client, otp="rcv12345"), 201)
    # used up once accepted
    error(_ask(client, otp="rcv12345"), 401, codes.OTP_INVALID)


def test_a_unit_user_needs_no_code_when_only_the_office_does(world, client, settings):
    settings.DUCHA_OTP_REQUIRED_ROLES = ["office"]
    body(_ask(client, username="fgw"), 201)


def test_an_account_that_must_change_its_password_gets_no_token(world, client):
    office = world.user("office")
    office.must_change_password = True
    office.save(update_fields=["must_change_password"])
    before = _tokens()
    error(_ask(client), 403, codes.PASSWORD_CHANGE_REQUIRED)
    assert _tokens() == before


# --- refused tokens ----------------------------------------------------------------------------------------------


def test_an_expired_token_is_refused(world):
    with time_machine.travel(moment(2026, 11, 18, 10), tick=False) as traveller:
        token, row = token_issue(user=world.user("fgw"), days=7)
        client = ApiClient(token)
        body(client.get("/me"))
        used = ApiToken.objects.get(pk=row.pk).last_used_at

        traveller.shift(datetime.timedelta(days=7, seconds=-1))
        body(client.get("/me"))
        traveller.shift(datetime.timedelta(seconds=1))
        error(client.get("/me"), 401, codes.TOKEN_EXPIRED)
        error(client.post("/inbox/read-all"), 401, codes.TOKEN_EXPIRED)
    assert (
        ApiToken.objects.get(pk=row.pk).last_used_at > used
    )  # the last use inside its life, not the refusal


def test_a_revoked_token_is_refused_and_nothing_changes(world):
    fgw = world.user("fgw")
    token, row = token_issue(user=fgw)
    other, _ = token_issue(user=fgw, name="other")
    client = ApiClient(token)
    body(client.get("/me"))

    revoked = token_revoke(token_id=row.pk, actor=fgw)
    assert revoked.revoked_at is not None
    assert Event.objects.filter(event_type=EventType.TOKEN_REVOKED, subject_id=fgw.pk).exists()
    last_used = ApiToken.objects.get(pk=row.pk).last_used_at
    items = Item.objects.count()

    error(client.get("/me"), 401, codes.TOKEN_REVOKED)
    error(client.post("/items/", {"title": "x"}), 401, codes.TOKEN_REVOKED)
    assert Item.objects.count() == items
    assert ApiToken.objects.get(pk=row.pk).last_used_at == last_used
    # the owner's other token still works
    body(ApiClient(other).get("/me"))


def test_a_read_token_may_read_but_not_write(world):
    office = world.user("office")
    item = make_item(world)
    token, _ = token_issue(user=office, scope=TokenScope.READ)
    reader = ApiClient(token)

    assert body(reader.get(f"/items/{item.pk}"))["title"] == item.title
    error(reader.patch(f"/items/{item.pk}", {"title": "改了标题"}), 403, codes.TOKEN_SCOPE)
    error(reader.post("/items/", {"title": "新事项"}), 403, codes.TOKEN_SCOPE)
    item.refresh_from_db()
    assert item.title == "推进县城老旧小区改造"
    # the same change with a write token goes through (so the refusal above was the scope's)
    writer, _ = token_issue(user=office, scope=TokenScope.WRITE)
    assert body(ApiClient(writer).patch(f"/items/{item.pk}", {"title": "改了标题"}))["title"] == "改了标题"


def test_a_password_change_revokes_every_token(world):
    fgw = world.user("fgw")
    token, _ = token_issue(user=fgw)
    client = ApiClient(token)
    body(client.get("/me"))
    password_change(user=fgw, old_password=DEMO_PASSWORD, new_password="Xy7-long-enough-pw")
    error(client.get("/me"), 401, codes.TOKEN_REVOKED)
    assert not ApiToken.objects.filter(user=fgw, revoked_at__isnull=True).exists()


def test_session_auth_still_works_without_a_token(world, client):
    client.force_login(world.user("fgw"))
    assert body(client.get(f"{PREFIX}/me"))["username"] == "fgw"


# --- list and revoke over the API ---------------------------------------------------------------------------------


def test_tokens_are_listed_without_their_digest_and_revoked_by_their_owner(world):
    fgw, jyj = world.user("fgw"), world.user("jyj")
    token, row = token_issue(user=fgw, name="mine")
    others, other_row = token_issue(user=jyj)
    client = ApiClient(token)

    listed = body(client.get("/auth/tokens"))
    assert [t["id"] for t in listed] == [row.pk]
    assert set(listed[0]) == {
        "id", "name", "prefix", "scope", "created_at", "expires_at", "last_used_at", "revoked_at"
    }  # fmt: skip

    # another's token is not found, and stays live
    error(
        client.client.delete(f"{PREFIX}/auth/tokens/{other_row.pk}", headers=client.headers), 404, "not_found"
    )
    body(ApiClient(others).get("/me"))

    # a token revokes itself
    revoked = body(client.client.delete(f"{PREFIX}/auth/tokens/{row.pk}", headers=client.headers))
    assert revoked["revoked_at"] is not None
    error(client.get("/me"), 401, codes.TOKEN_REVOKED)
    jyj_client = ApiClient(others)
    error(
        jyj_client.client.delete(f"{PREFIX}/auth/tokens/{row.pk}", headers=jyj_client.headers),
        404,
        "not_found",
    )


def test_revoking_twice_is_refused(world, client):
    fgw = world.user("fgw")
    _, row = token_issue(user=fgw)
    client.force_login(fgw)
    token_revoke(token_id=row.pk, actor=fgw)
    error(client.delete(f"{PREFIX}/auth/tokens/{row.pk}"), 409, codes.TOKEN_REVOKED)


def test_the_token_command_takes_a_scope_and_a_lifetime(world, capsys):
    call_command("token", "fgw", "--scope", "read", "--days", "10", "--name", "cron")
    printed = capsys.readouterr().out.strip()
    row = ApiToken.objects.get(prefix=printed[:8])
    assert row.scope == TokenScope.READ and row.name == "cron"
    assert abs((row.expires_at - row.created_at) - datetime.timedelta(days=10)) < datetime.timedelta(
        seconds=5
    )


# --- the web page ------------------------------------------------------------------------------------------------


def test_the_tokens_page_issues_once_lists_and_revokes(world, client):
    fgw = world.user("fgw")
    client.force_login(fgw)
    url = reverse("account-tokens")
    assert client.get(url).status_code == 200

    page = client.post(url, {"name": "报表", "scope": "read", "days": "30"})
    assert page.status_code == 200
    row = ApiToken.objects.get(user=fgw)
    assert row.scope == TokenScope.READ and row.name == "报表"
    html = page.content.decode()
    assert 'id="issued-token"' in html and f'data-token-id="{row.pk}"' in html
    # shown once: the list afterwards carries the prefix only
    assert 'id="issued-token"' not in client.get(url).content.decode()

    refused = client.post(url, {"name": "x", "scope": "read", "days": "9999"})
    assert refused.status_code == 400 and 'data-code="invalid_input"' in refused.content.decode()
    assert ApiToken.objects.filter(user=fgw).count() == 1

    _, other_row = token_issue(user=world.user("jyj"))
    assert client.post(reverse("account-token-revoke", args=[other_row.pk])).status_code == 404
    assert ApiToken.objects.get(pk=other_row.pk).revoked_at is None

    response = client.post(reverse("account-token-revoke", args=[row.pk]))
    assert response.status_code == 302
    assert ApiToken.objects.get(pk=row.pk).revoked_at is not None


def test_the_tokens_page_needs_sign_in(world, client):
    response = client.get(reverse("account-tokens"))
    assert response.status_code == 302 and "login" in response["Location"]
