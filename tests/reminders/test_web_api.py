"""The inbox page, the 催办 form endpoint, the dead-letter page, and the REST API."""

from __future__ import annotations

import datetime

import pytest
from django.test import Client

from ducha.reminders import services
from ducha.reminders.models import Chase, Delivery, Message, WebhookEndpoint

from .support import running_item, sweep

D = datetime.date
pytestmark = pytest.mark.django_db


def _client(world, username: str) -> Client:
    client = Client()
    client.force_login(world.user(username))
    return client


def test_inbox_page_lists_messages_and_marks_them_read(world, travel):
    travel(2026, 11, 2, 10)
    item = running_item(world, due=D(2026, 11, 30))
    services.chase_send(item_id=item.pk, actor=world.user("office"), text="请尽快报送")
    client = _client(world, "fgw_liaison")

    page = client.get("/inbox/")

    assert page.status_code == 200
    assert "请尽快报送" in page.content.decode()
    message = Message.objects.get(recipient=world.user("fgw_liaison"))
    assert client.post(f"/inbox/{message.pk}/read/").status_code == 302
    message.refresh_from_db()
    assert message.read_at is not None
    # someone else's message is not found
    other = Message.objects.get(recipient=world.user("fgw_head"))
    assert client.post(f"/inbox/{other.pk}/read/").status_code == 404


def test_a_digest_longer_than_the_inbox_shows_has_a_page_with_every_reminder(
    world, travel, django_capture_on_commit_callbacks, monkeypatch
):
    from ducha.reminders import selectors

    monkeypatch.setattr(selectors, "MESSAGE_LINES", 2)  # the inbox shows two lines of each message
    travel(2026, 11, 2, 10)
    items = [running_item(world, due=D(2026, 11, 13), title=f"事项{n}") for n in range(4)]
    sweep(travel, django_capture_on_commit_callbacks, 2026, 11, 13, 9)
    message = Message.objects.get(recipient=world.user("fgw_liaison"), run__source="sweep")
    Message.objects.exclude(pk=message.pk).delete()  # the notices of 交办 list the items too
    client = _client(world, "fgw_liaison")

    inbox = client.get("/inbox/").content.decode()
    assert sum(f"/items/{item.pk}/" in inbox for item in items) == 2
    assert f"/inbox/{message.pk}/" in inbox  # "4 reminders in all" leads to the message's page

    page = client.get(f"/inbox/{message.pk}/")
    assert page.status_code == 200
    assert all(f"/items/{item.pk}/" in page.content.decode() for item in items)
    # someone else's message is not found
    assert _client(world, "fgw_head").get(f"/inbox/{message.pk}/").status_code == 404


def test_preferences_form(world):
    client = _client(world, "fgw")
    assert client.post("/inbox/preferences/", {"sms": "on"}).status_code == 302
    assert services.channels_for([world.user("fgw").pk])[world.user("fgw").pk] == {"sms"}


def test_chase_form_endpoint(world, travel):
    travel(2026, 11, 2, 10)
    item = running_item(world, due=D(2026, 11, 30), co_units=("jyj",))

    response = _client(world, "office").post(
        f"/items/{item.pk}/chase/", {"text": "请报送进展", "units": [world.departments["jyj"].pk]}
    )

    assert response.status_code == 302 and response["Location"] == f"/items/{item.pk}/"
    assert list(Chase.objects.values_list("unit_id", "text")) == [(world.departments["jyj"].pk, "请报送进展")]
    # a unit cannot chase; an item out of scope is not found
    assert _client(world, "fgw_head").post(f"/items/{item.pk}/chase/", {"text": "催"}).status_code == 302
    assert Chase.objects.count() == 1
    assert _client(world, "cgz").post(f"/items/{item.pk}/chase/", {"text": "催"}).status_code == 404


def test_dead_letters_page_is_for_admins(world, travel, django_capture_on_commit_callbacks, http_server):
    http_server.script = [(500, "down")]
    WebhookEndpoint.objects.create(name="robot", url=f"{http_server.url}/robot")
    services.preferences_set(user=world.user("fgw_liaison"), channels_enabled={"webhook": True})
    travel(2026, 11, 2, 10)
    running_item(world, due=D(2026, 11, 13))
    for minute in (0, 1, 3):
        sweep(travel, django_capture_on_commit_callbacks, 2026, 11, 13, 9, minute)
    delivery = Delivery.objects.get(status="dead")

    assert _client(world, "office").get("/reminders/dead-letters/").status_code == 403
    admin = _client(world, "admin")
    assert "HTTP 500" in admin.get("/reminders/dead-letters/").content.decode()
    http_server.script = [(200, {"errcode": 0})]
    with django_capture_on_commit_callbacks(execute=True):
        assert admin.post(f"/reminders/dead-letters/{delivery.pk}/retry/").status_code == 302
    delivery.refresh_from_db()
    assert delivery.status == "sent"


def test_api_chase_inbox_and_unread_count(world, api, travel):
    travel(2026, 11, 2, 10)
    item = running_item(world, due=D(2026, 11, 30))

    response = api("office").post(f"/items/{item.pk}/chase", {"text": "请本周报送"})
    assert response.status_code == 201
    assert [c["unit"] for c in response.json()] == [world.departments["fgw"].pk]
    assert api("fgw_head").post(f"/items/{item.pk}/chase", {"text": "催"}).status_code == 403
    assert api("cgz").post(f"/items/{item.pk}/chase", {"text": "催"}).status_code == 404

    liaison = api("fgw_liaison")
    assert liaison.get("/inbox/unread-count").json() == {"unread": 1}
    inbox = liaison.get("/inbox").json()
    [message] = inbox["messages"]
    assert message["lines"][0]["note"] == "请本周报送"
    assert liaison.post(f"/inbox/{message['id']}/read").json()["read_at"] is not None
    assert liaison.get("/inbox/unread-count").json() == {"unread": 0}
    assert api("fgw").get(f"/inbox/{message['id']}").status_code == 404

    log = api("office").get(f"/items/{item.pk}/reminders").json()
    assert {(r["kind"], r["recipient"]["name"]) for r in log} >= {
        ("chase", world.user("fgw_liaison").display_name)
    }


def test_api_preferences_tracker_and_mandatory(world, api, travel):
    me = api("fgw")
    assert me.client.put(
        "/api/v1/me/notification-preferences",
        {"channels": {"webhook": True, "email": False}},
        content_type="application/json",
        headers=me.headers,
    ).json()["channels"] == {"email": False, "sms": False, "webhook": True}
    office = api("office")
    put = office.client.put(
        "/api/v1/reminders/mandatory",
        {"mandatory": [["overdue", "sms"]]},
        content_type="application/json",
        headers=office.headers,
    )
    assert put.json() == {"mandatory": [["overdue", "sms"]]}
    travel(2026, 11, 2, 10)
    item = running_item(world, due=D(2026, 11, 30), urgency="extra_urgent")
    tracker = office.client.put(
        f"/api/v1/items/{item.pk}/tracker",
        {"user": world.user("office2").pk},
        content_type="application/json",
        headers=office.headers,
    )
    assert tracker.json() == {"user": world.user("office2").pk}
