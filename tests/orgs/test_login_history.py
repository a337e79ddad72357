"""Sign-in events in the audit log and the sign-in history page: the user's own, newest first, keyset paged; an
administrator may look at anyone's (ducha.orgs.security)."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from ducha.audit.models import Event, EventType
from ducha.audit.services import security_event_record
from ducha.common import error_codes
from ducha.common.errors import NotPermitted
from ducha.devtools.demo import DEMO_PASSWORD
from ducha.orgs.security import security_events_for

BROWSER = "Mozilla/5.0 (Windows NT 10.0) Test/1.0"


def sign_in(client: Client, username: str, password: str, *, ip: str = "10.9.9.9"):
    return client.post(
        "/login/", {"username": username, "password": password}, REMOTE_ADDR=ip, HTTP_USER_AGENT=BROWSER
    )


def test_sign_ins_and_failures_are_logged_with_address_and_browser(world):
    fgw = world.user("fgw")
    client = Client()

    assert sign_in(client, "fgw", "Wrong-Password-1").status_code == 200
    assert sign_in(client, "fgw", DEMO_PASSWORD).status_code == 302

    failed = Event.objects.get(event_type=EventType.SIGN_IN_FAILED, subject_id=fgw.pk)
    signed_in = Event.objects.get(event_type=EventType.SIGNED_IN, subject_id=fgw.pk)
    assert failed.subject_type == signed_in.subject_type == "user"
    assert (failed.new["ip"], failed.new["agent"]) == ("10.9.9.9", BROWSER)
    assert (signed_in.new["ip"], signed_in.new["agent"]) == ("10.9.9.9", BROWSER)


def test_a_failure_for_an_unknown_name_keeps_the_name_tried(world):
    assert sign_in(Client(), "no-such-person", "Wrong-Password-1").status_code == 200

    failed = Event.objects.get(event_type=EventType.SIGN_IN_FAILED)
    assert failed.subject_id == 0 and failed.new["username"] == "no-such-person"


def test_the_history_page_shows_the_users_own_events_newest_first(world):
    fgw = world.user("fgw")
    client = Client()
    sign_in(Client(), "jyj", "Wrong-Password-1")  # someone else's
    sign_in(client, "fgw", "Wrong-Password-1")
    sign_in(client, "fgw", DEMO_PASSWORD)

    response = client.get("/account/history/")

    assert response.status_code == 200
    shown = [(row["event"].event_type, row["address"]) for row in response.context["rows"]]
    assert shown[:2] == [(EventType.SIGNED_IN, "10.9.9.9"), (EventType.SIGN_IN_FAILED, "10.9.9.9")]
    assert {row["event"].subject_id for row in response.context["rows"]} == {fgw.pk}
    assert f'data-event-type="{EventType.SIGNED_IN}"' in response.content.decode()


def test_a_user_may_not_read_another_users_history(world):
    jyj = world.user("jyj")
    sign_in(Client(), "jyj", "Wrong-Password-1")
    client = Client()
    client.force_login(world.user("fgw"))

    assert client.get(f"/account/history/?user={jyj.pk}").status_code == 403
    with pytest.raises(NotPermitted) as refused:
        security_events_for(viewer=world.user("fgw"), user=jyj)
    assert refused.value.code == error_codes.ROLE_REQUIRED


def test_the_administrator_reads_anyones_history(world):
    jyj = world.user("jyj")
    sign_in(Client(), "jyj", "Wrong-Password-1")
    client = Client()
    client.force_login(world.user("admin"))

    response = client.get(f"/account/history/?user={jyj.pk}")

    assert response.status_code == 200
    assert [row["event"].event_type for row in response.context["rows"]] == [EventType.SIGN_IN_FAILED]


def test_the_history_is_paged_by_id(world):
    fgw = world.user("fgw")
    for _ in range(5):
        security_event_record(event_type=EventType.SIGNED_IN, user=fgw)
    security_event_record(event_type=EventType.ITEM_VIEWED, user=fgw)  # not a sign-in matter
    ids = list(
        Event.objects.filter(subject_type="user", subject_id=fgw.pk, event_type=EventType.SIGNED_IN)
        .order_by("-id")
        .values_list("id", flat=True)
    )

    first = security_events_for(viewer=fgw, user=fgw, limit=3)
    second = security_events_for(viewer=fgw, user=fgw, before_id=first.next_before_id, limit=3)

    assert [event.pk for event in first.events] == ids[:3]
    assert [event.pk for event in second.events] == ids[3:]
    assert second.next_before_id is None


def test_the_history_page_costs_the_same_for_more_events(world):
    fgw = world.user("fgw")
    client = Client()
    client.force_login(fgw)
    security_event_record(event_type=EventType.SIGNED_IN, user=fgw)
    client.get("/account/history/")  # warm whatever a first page view caches
    with CaptureQueriesContext(connection) as few:
        assert client.get("/account/history/").status_code == 200
    for _ in range(10):
        security_event_record(event_type=EventType.SIGN_IN_FAILED, user=fgw)
    with CaptureQueriesContext(connection) as many:
        assert client.get("/account/history/").status_code == 200

    assert len(many.captured_queries) == len(few.captured_queries)
