"""The 消息 page: messages grouped by day, unread marked by a tag (not by colour alone), real buttons to mark read,
links to the items, full-width punctuation around the lines, and keyset pages instead of one long list."""

from __future__ import annotations

import datetime
import re

import pytest
import time_machine
from django.test import Client
from django.utils import timezone

from ducha.reminders import services
from ducha.reminders.models import Message
from tests import clock
from tests.reminders.support import running_item

pytestmark = pytest.mark.django_db


def _client(world, username: str) -> Client:
    client = Client()
    client.force_login(world.user(username))
    return client


def _sections(html: str) -> list[str]:
    return re.findall(r'<section class="block inbox-day"', html)


def test_messages_are_grouped_by_day_with_unread_marked_and_links_to_the_item(world):
    with time_machine.travel(clock.moment(2026, 11, 16, 10), tick=False):
        item = running_item(world, due=datetime.date(2026, 11, 30))
        services.chase_send(item_id=item.pk, actor=world.user("office"), text="请尽快报送进展")
    with time_machine.travel(clock.moment(2026, 11, 18, 9), tick=False):
        services.chase_send(item_id=item.pk, actor=world.user("office"), text="再次催办")
        html = _client(world, "fgw_liaison").get("/inbox/").content.decode()

    assert len(_sections(html)) == 2
    assert html.index("2026-11-18") < html.index("2026-11-16")  # newest day first
    assert html.count('class="tag tag-unread"') == 2  # a word, not only a colour
    assert html.count('class="inbox-message is-unread"') == 2
    assert f'href="/items/{item.pk}/"' in html
    assert "请尽快报送进展" in html and "再次催办" in html
    # the mark-read controls are real buttons, styled as buttons (not underlined text at 1:1 contrast)
    assert html.count('<button type="submit" class="btn small">') >= 2
    assert 'id="inbox-read-all"' in html
    # full-width punctuation around the lines' due dates and notes
    lines = re.findall(r'<ul class="inbox-lines">(.*?)</ul>', html, re.S)
    assert lines and all("(" not in line and ")" not in line for line in lines)


def test_mark_read_comes_back_to_the_page_and_the_tag_goes(world):
    with time_machine.travel(clock.moment(2026, 11, 18, 9), tick=False):
        item = running_item(world, due=datetime.date(2026, 11, 30))
        services.chase_send(item_id=item.pk, actor=world.user("office"), text="请尽快报送")
    client = _client(world, "fgw_liaison")
    message = Message.objects.get(recipient=world.user("fgw_liaison"))

    response = client.post(f"/inbox/{message.pk}/read/", {"next": "/inbox/?unread=1"})

    assert response.status_code == 302 and response["Location"] == "/inbox/?unread=1"
    message.refresh_from_db()
    assert message.read_at is not None
    html = client.get("/inbox/").content.decode()
    assert 'class="tag tag-unread"' not in html and 'class="inbox-message is-read"' in html
    assert (
        "No unread messages." in client.get("/inbox/?unread=1").content.decode()
        or _sections(client.get("/inbox/?unread=1").content.decode()) == []
    )


def test_someone_elses_message_is_not_found_and_stays_unread(world):
    with time_machine.travel(clock.moment(2026, 11, 18, 9), tick=False):
        item = running_item(world, due=datetime.date(2026, 11, 30))
        services.chase_send(item_id=item.pk, actor=world.user("office"), text="请尽快报送")
    message = Message.objects.get(recipient=world.user("fgw_liaison"))

    response = _client(world, "jyj_liaison").post(f"/inbox/{message.pk}/read/")

    assert response.status_code == 404
    message.refresh_from_db()
    assert message.read_at is None


def test_a_long_inbox_is_paged_by_keyset(world, django_assert_max_num_queries):
    user = world.user("fgw_liaison")
    start = timezone.now()
    Message.objects.bulk_create(
        # written in time order, as the sweep writes them: the newest has the highest id
        Message(recipient=user, subject=f"通知{n:02d}", created_at=start - datetime.timedelta(hours=44 - n))
        for n in range(45)
    )
    client = _client(world, "fgw_liaison")

    with django_assert_max_num_queries(12):
        first = client.get("/inbox/").content.decode()

    shown = re.findall(r"通知(\d\d)", first)
    assert shown == [f"{n:02d}" for n in range(44, 14, -1)]  # the newest 30
    cursor = re.search(r'href="\?cursor=(\d+)" rel="next"', first).group(1)
    second = client.get(f"/inbox/?cursor={cursor}").content.decode()
    assert re.findall(r"通知(\d\d)", second) == [f"{n:02d}" for n in range(14, -1, -1)]
    assert 'rel="next"' not in second
