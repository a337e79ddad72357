"""The source-record pages (会议和文件): list, create/edit form, a record's page with its ledger, progress and batch
bar by role; the nav link."""

from __future__ import annotations

import datetime
import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from ducha.devtools.demo import DEMO_PASSWORD
from ducha.items import services
from ducha.items.lifecycle import ItemStatus
from ducha.items.models import Item, SourceRecord
from tests.helpers import advance, make_item

pytestmark = pytest.mark.django_db


@pytest.fixture
def sign_in(client, world):
    def as_user(username):
        client.logout()
        assert client.login(username=username, password=DEMO_PASSWORD)
        return client

    return as_user


def meeting(world) -> SourceRecord:
    return services.source_record_create(
        actor=world.user("office"),
        kind="meeting_minutes",
        title="县政府第12次常务会议纪要",
        reference="示政纪〔2026〕12号",
        issued_on=datetime.date(2026, 11, 10),
        leader_id=world.user("county_head").pk,
    )


def linked(world, record, status=ItemStatus.DRAFT, **fields) -> Item:
    item = advance(world, make_item(world, **fields), status)
    Item.objects.filter(pk=item.pk).update(source_record=record)
    return item


def test_office_creates_a_record_through_the_form(sign_in, world):
    client = sign_in("office")
    assert client.get("/sources/new/").status_code == 200

    response = client.post(
        "/sources/new/",
        {
            "kind": "work_report",
            "title": "2026年县政府工作报告",
            "reference": "",
            "issued_on": "2026-01-20",
            "leader": world.user("county_head").pk,
            "summary": "",
        },
    )

    record = SourceRecord.objects.get(title="2026年县政府工作报告")
    assert response.status_code == 302 and response["Location"] == f"/sources/{record.pk}/"
    assert record.leader == world.user("county_head")


def test_a_refused_form_shows_the_message_and_saves_nothing(sign_in, world):
    client = sign_in("office")
    response = client.post("/sources/new/", {"kind": "document", "title": "   ", "summary": ""})
    assert response.status_code == 400
    assert not SourceRecord.objects.exists()


def test_edit_form(sign_in, world):
    record = meeting(world)
    client = sign_in("office")
    assert client.get(f"/sources/{record.pk}/edit/").status_code == 200
    client.post(
        f"/sources/{record.pk}/edit/", {"kind": "meeting_minutes", "title": "改后的纪要", "summary": ""}
    )
    record.refresh_from_db()
    assert record.title == "改后的纪要"
    assert record.leader is None  # the form sends every field: an empty leader clears it


def test_units_get_no_source_pages(sign_in, world):
    record = meeting(world)
    client = sign_in("fgw")
    assert client.get("/sources/").status_code == 403
    assert client.get(f"/sources/{record.pk}/").status_code == 404
    assert client.get("/sources/new/").status_code == 403
    assert "/sources/" not in client.get("/").content.decode()


def test_leader_cannot_create_or_edit(sign_in, world):
    record = meeting(world)
    client = sign_in("leader")
    assert client.post("/sources/new/", {"kind": "document", "title": "某文件"}).status_code == 403
    assert client.post(f"/sources/{record.pk}/edit/", {"kind": "document", "title": "改"}).status_code == 403
    record.refresh_from_db()
    assert record.title == "县政府第12次常务会议纪要"


def test_record_page_lists_items_progress_and_batch_bar_for_the_office(sign_in, world):
    record = meeting(world)
    draft = linked(world, record, title="事项一")
    registered = linked(world, record, ItemStatus.REGISTERED, title="事项二")
    running = linked(world, record, ItemStatus.IN_PROGRESS, title="事项三")

    response = sign_in("office").get(f"/sources/{record.pk}/")

    html = response.content.decode()
    assert response.status_code == 200
    for item in (draft, registered, running):
        assert f'value="{item.pk}" form="source-batch"' in html
    assert response.context["batch_actions"] == ["submit", "assign", "chase"]
    assert f"/items/new/?source_record={record.pk}" in html
    assert 'data-total="3"' in html
    assert "发展改革" in html or "发改" in html


def test_leader_sees_approve_only(sign_in, world):
    record = meeting(world)
    linked(world, record, ItemStatus.PENDING_APPROVAL)
    linked(world, record)
    response = sign_in("leader").get(f"/sources/{record.pk}/")
    assert response.context["batch_actions"] == ["approve"]


def test_list_page_and_query_count(sign_in, world):
    records = [meeting(world) for _ in range(3)]
    for record in records:
        linked(world, record)
    client = sign_in("office")
    client.get("/sources/")  # warm the session and caches
    with CaptureQueriesContext(connection) as few:
        response = client.get("/sources/")
    assert [r.pk for r, _count in response.context["rows"]] == [r.pk for r in reversed(records)]
    assert [count for _r, count in response.context["rows"]] == [1, 1, 1]
    for record in records[1:]:
        linked(world, record)
        linked(world, record)
    with CaptureQueriesContext(connection) as more:
        client.get("/sources/")
    assert len(more) == len(few)


def test_record_page_query_count_does_not_grow(sign_in, world):
    record = meeting(world)
    linked(world, record)
    client = sign_in("office")
    client.get(f"/sources/{record.pk}/")
    with CaptureQueriesContext(connection) as few:
        client.get(f"/sources/{record.pk}/")
    for _ in range(4):
        linked(world, record, ItemStatus.REGISTERED)
    with CaptureQueriesContext(connection) as more:
        client.get(f"/sources/{record.pk}/")
    assert len(more) == len(few)


def test_nav_link_for_office_and_leader(sign_in, world):
    assert 'data-nav="sources"' in sign_in("office").get("/").content.decode()
    assert 'data-nav="sources"' in sign_in("leader").get("/").content.decode()


def test_register_an_item_from_a_record_starts_the_form_linked_to_it(sign_in, world):
    record = meeting(world)
    form = sign_in("office").get(f"/items/new/?source_record={record.pk}").content.decode()
    assert f'<option value="{record.pk}" selected>' in form
    assert '<option value="meeting_decision" selected>' in form
    assert "示政纪〔2026〕12号" in form and 'value="2026-11-10"' in form
    # a record of another government, or a malformed id, gives the blank form
    city_record = SourceRecord.objects.create(
        government=world.city,
        kind="document",
        title="市政府文件",
        created_by=world.user("city_office"),
    )
    for query in (
        f"?source_record={city_record.pk}",
        "?source_record=abc",
        "?source_record=99999999999999999999",
    ):
        page = sign_in("office").get(f"/items/new/{query}")
        assert page.status_code == 200
        picker = page.content.decode().split('id="id_source_record"')[1].split("</select>")[0]
        assert re.search(r'<option value="\d+" selected>', picker) is None
