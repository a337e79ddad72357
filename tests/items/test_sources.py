"""Source records (一事一项的来源): the office registers and edits them; scope of the reads; their ledger."""

from __future__ import annotations

import datetime

import pytest

from ducha.audit.models import Event, EventType
from ducha.common import error_codes as codes
from ducha.common.errors import NotFound, NotPermitted, ValidationFailed
from ducha.items import services
from ducha.items.lifecycle import ItemStatus
from ducha.items.models import Item, SourceKind, SourceRecord
from ducha.items.sources import (
    source_record_for_user,
    source_record_items,
    source_record_list_for_user,
    source_record_progress,
)
from tests.helpers import advance, make_item

pytestmark = pytest.mark.django_db


def meeting(world, **fields) -> SourceRecord:
    values = {
        "kind": SourceKind.MEETING_MINUTES,
        "title": "县政府第12次常务会议纪要",
        "reference": "示政纪〔2026〕12号",
        "issued_on": datetime.date(2026, 11, 10),
        "leader_id": world.user("county_head").pk,
        "summary": "研究老旧小区改造等五项工作。",
    }
    values.update(fields)
    return services.source_record_create(actor=world.user("office"), **values)


def link(item: Item, record: SourceRecord) -> Item:
    # The item form's link (H2a's item_create/item_update) may not exist yet; the field is the model's.
    Item.objects.filter(pk=item.pk).update(source_record=record)
    item.refresh_from_db()
    return item


def test_office_creates_a_record_with_its_audit_event(world):
    record = meeting(world)

    assert record.government == world.county
    assert record.leader == world.user("county_head")
    assert record.created_by == world.user("office")
    event = Event.objects.get(subject_type="source_record", subject_id=record.pk)
    assert event.event_type == EventType.SOURCE_RECORD_CREATED
    assert event.new["title"] == "县政府第12次常务会议纪要"


@pytest.mark.parametrize("username", ["leader", "fgw", "fgw_head"])
def test_only_the_office_creates_records(world, username):
    with pytest.raises(NotPermitted):
        services.source_record_create(actor=world.user(username), kind="document", title="某文件")
    assert not SourceRecord.objects.filter(title="某文件").exists()


@pytest.mark.parametrize(
    ("fields", "code"),
    [
        ({"title": "  "}, codes.TITLE_REQUIRED),
        ({"title": "长" * 201}, codes.TEXT_TOO_LONG),
        ({"reference": "号" * 101}, codes.TEXT_TOO_LONG),
        ({"summary": "字" * 2001}, codes.TEXT_TOO_LONG),
        ({"kind": "rumour"}, codes.INVALID_INPUT),
    ],
)
def test_invalid_input_is_refused(world, fields, code):
    count = SourceRecord.objects.count()
    with pytest.raises(ValidationFailed) as caught:
        meeting(world, **fields)
    assert caught.value.code == code
    assert SourceRecord.objects.count() == count


@pytest.mark.parametrize("username", ["fgw_head", "office", "city_office"])
def test_the_leader_must_be_a_leader_of_this_government(world, username):
    with pytest.raises(ValidationFailed) as caught:
        meeting(world, leader_id=world.user(username).pk)
    assert caught.value.code == codes.LEADER_INVALID


def test_update_changes_only_the_given_fields_and_records_old_and_new(world):
    record = meeting(world)

    services.source_record_update(
        actor=world.user("office"), source_record_id=record.pk, title="县政府第12次常务会议纪要（修订）"
    )

    record.refresh_from_db()
    assert record.title == "县政府第12次常务会议纪要（修订）"
    assert record.reference == "示政纪〔2026〕12号"
    event = Event.objects.get(subject_id=record.pk, event_type=EventType.SOURCE_RECORD_UPDATED)
    assert event.old == {"title": "县政府第12次常务会议纪要"}
    assert event.new == {"title": "县政府第12次常务会议纪要（修订）"}


def test_another_governments_office_cannot_edit_a_record(world):
    record = meeting(world)
    with pytest.raises((NotFound, NotPermitted)):
        services.source_record_update(actor=world.user("city_office"), source_record_id=record.pk, title="改")
    record.refresh_from_db()
    assert record.title == "县政府第12次常务会议纪要"


def test_scope_office_and_leaders_of_the_government_and_above(world):
    record = meeting(world)

    for username in ("office", "leader", "county_head", "city_office"):
        assert source_record_for_user(world.user(username), record.pk) == record
    for username in ("fgw", "fgw_head", "jyj_liaison"):
        if username in world.users:
            with pytest.raises(NotFound):
                source_record_for_user(world.user(username), record.pk)


def test_ledger_lists_items_with_their_lead_unit_and_progress(world, today):
    record = meeting(world)
    draft = link(make_item(world, title="事项一"), record)
    running = link(advance(world, make_item(world, title="事项二"), ItemStatus.IN_PROGRESS), record)
    closed = link(advance(world, make_item(world, title="事项三"), ItemStatus.CLOSED), record)
    make_item(world, title="别的事项")
    office = world.user("office")

    items = source_record_items(office, record)
    progress = source_record_progress(office, record, today)

    assert [item.pk for item in items] == [draft.pk, running.pk, closed.pk]
    assert items[0].lead_unit == world.departments["fgw"]
    assert progress.total == 3
    assert dict((status, n) for status, _label, n in progress.by_status) == {
        "draft": 1,
        "in_progress": 1,
        "closed": 1,
    }
    assert progress.finished == 1
    assert progress.percent_finished == 33
    assert progress.overdue == 0
    assert source_record_progress(office, record, today, items) == progress
    later = running.due_date + datetime.timedelta(days=1)
    assert source_record_progress(office, record, later).overdue == 1

    page = source_record_list_for_user(office)
    assert page.records[0] == record
    assert page.item_counts[record.pk] == 3


def test_the_demo_creates_three_records_and_their_items(world):
    from ducha.devtools.demo.items.sources import demo_sources_create

    assert not SourceRecord.objects.exists()
    assert demo_sources_create(world) == 9
    meeting = SourceRecord.objects.get(kind=SourceKind.MEETING_MINUTES)
    statuses = sorted(meeting.items.values_list("status", flat=True))
    assert statuses == sorted(["in_progress", "assigned", "registered", "pending_approval", "draft"])
    assert SourceRecord.objects.get(kind=SourceKind.WORK_REPORT).items.count() == 3
    assert SourceRecord.objects.get(kind=SourceKind.INSTRUCTION).items.count() == 1
    assert meeting.issued_on < meeting.items.earliest("created_at").created_at.date()
