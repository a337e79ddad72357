"""The API defects found by probing (issue 17): the API docs were public in production, and POST /inbox/read-all
answered 405 because the `/inbox/{message_id}` route, declared before it, took the word "read-all"."""

from __future__ import annotations

from django.urls import resolve, reverse
from django.utils import timezone

from ducha.common import error_codes as codes
from ducha.orgs.services import token_issue
from ducha.reminders.models import Message
from tests.api.support import body, error
from tests.conftest import ApiClient

PREFIX = "/api/v1"


# --- the API docs behind sign-in ---------------------------------------------------------------------------------


def test_the_docs_need_a_signed_in_session_when_not_public(world, client, settings):
    settings.DUCHA_API_DOCS_PUBLIC = False

    page = client.get(f"{PREFIX}/docs")
    assert page.status_code == 302
    assert page["Location"].startswith(reverse("login"))
    assert f"next={PREFIX}/docs" in page["Location"].replace("%2F", "/")
    error(client.get(f"{PREFIX}/openapi.json"), 401, codes.NOT_AUTHENTICATED)
    error(
        client.get(f"{PREFIX}/openapi.json", headers={"Authorization": "Bearer not-a-token"}),
        401,
        codes.TOKEN_INVALID,
    )

    # a bearer token opens the document (a client generating its code); a session opens both
    token, _ = token_issue(user=world.user("fgw"))
    assert "paths" in body(ApiClient(token).get("/openapi.json"))
    client.force_login(world.user("fgw"))
    assert client.get(f"{PREFIX}/docs").status_code == 200
    assert "paths" in body(client.get(f"{PREFIX}/openapi.json"))


def test_the_docs_are_public_when_the_setting_says_so(world, client, settings):
    settings.DUCHA_API_DOCS_PUBLIC = True
    assert client.get(f"{PREFIX}/docs").status_code == 200
    assert "paths" in body(client.get(f"{PREFIX}/openapi.json"))


# --- POST /inbox/read-all ----------------------------------------------------------------------------------------


def _message(user, subject: str, *, read: bool = False) -> Message:
    now = timezone.now()
    return Message.objects.create(
        recipient=user, subject=subject, created_at=now, read_at=now if read else None
    )


def test_inbox_read_all_reaches_its_endpoint_and_marks_every_unread_message_read(world, api):
    fgw, jyj = world.user("fgw"), world.user("jyj")
    unread = [_message(fgw, "一"), _message(fgw, "二")]
    earlier = _message(fgw, "早已读过", read=True)
    others = _message(jyj, "别人的")
    client = api("fgw")
    assert body(client.get("/inbox/unread-count")) == {"unread": 2}

    # the route is its own, not /inbox/{message_id} (which answered 405 to a POST)
    assert resolve(f"{PREFIX}/inbox/read-all").url_name == "inbox_mark_all_read"
    assert body(client.post("/inbox/read-all")) == {"unread": 0}

    assert not Message.objects.filter(pk__in=[m.pk for m in unread], read_at__isnull=True).exists()
    assert Message.objects.get(pk=earlier.pk).read_at == earlier.read_at
    assert Message.objects.get(pk=others.pk).read_at is None  # nobody else's
    assert body(client.get("/inbox/unread-count")) == {"unread": 0}
    # and the message route still answers for a message
    assert body(client.get(f"/inbox/{unread[0].pk}"))["id"] == unread[0].pk


def test_inbox_read_all_works_over_a_session_too(world, client):
    fgw = world.user("fgw")
    message = _message(fgw, "会话")
    client.force_login(fgw)
    response = client.post(f"{PREFIX}/inbox/read-all")  # the test client skips CSRF checks unless asked
    assert body(response) == {"unread": 0}
    assert Message.objects.get(pk=message.pk).read_at is not None
