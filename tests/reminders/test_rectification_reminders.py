"""Rectification (整改) deadlines from inspections are chased like items' deadlines: the same rule steps (due soon,
due today, overdue and its escalation ladder), working days and 9:00, once per recipient and step, in the same
digest as the unit's item reminders, and on the inspection's timeline."""

from __future__ import annotations

import datetime

import pytest

from ducha.audit.models import EventType
from ducha.inspections import services as inspection_services
from ducha.items import services as item_services
from ducha.reminders import selectors
from ducha.reminders.models import Message, Reminder
from tests.helpers import advance
from tests.inspections.test_rectification import rectifications_of

from .support import sweep

D = datetime.date
pytestmark = pytest.mark.django_db


def _sent(rectification) -> set[tuple[str, str, int]]:
    return set(
        Reminder.objects.filter(rectification=rectification).values_list(
            "recipient__username", "kind", "step"
        )
    )


def test_a_rectification_due_soon_then_overdue_is_chased_up_the_ladder(
    world, travel, django_capture_on_commit_callbacks
):
    travel(2026, 3, 2, 10)
    inspection, [rectification] = rectifications_of(world, [("deadline", D(2026, 3, 20))])
    assert rectification.due_date == D(2026, 3, 20)  # a Friday

    # three working days before: the township's handler and liaison
    sweep(travel, django_capture_on_commit_callbacks, 2026, 3, 17, 10)
    assert _sent(rectification) == {("cgz", "due_soon", 1), ("cgz_liaison", "due_soon", 1)}
    reminder = Reminder.objects.get(rectification=rectification, recipient__username="cgz_liaison")
    assert reminder.item_id is None and reminder.unit_id == world.townships["cgz"].pk
    assert reminder.due_date == D(2026, 3, 20)

    # the liaison's message names the inspection and the finding and links to the rectification
    [message] = selectors.with_lines(list(Message.objects.filter(recipient=world.user("cgz_liaison"))))
    [line] = message.lines
    assert line["rectification"] == rectification.pk and line["item"] is None
    assert inspection.topic in line["title"] and "问题1" in line["title"]
    assert line["url"] == f"/inspections/{inspection.pk}/#rectification-{rectification.pk}"

    # the inspection's timeline records it
    timeline = selectors.inspection_timeline(inspection, world.user("office"))
    [event] = [e for e in timeline if e.event_type == EventType.RECTIFICATION_REMINDED]
    assert event.subject_type == "inspection" and event.subject_id == inspection.pk
    assert event.new["rectification"] == rectification.pk and event.new["kind"] == "due_soon"

    # again the same day: nothing new
    again = sweep(travel, django_capture_on_commit_callbacks, 2026, 3, 17, 15)
    assert again.reminders == 0

    # one working day overdue (Monday): the unit; three days: its head
    sweep(travel, django_capture_on_commit_callbacks, 2026, 3, 23, 10)
    assert ("cgz_liaison", "overdue", 1) in _sent(rectification)
    assert not any(user == "cgz_head" for user, *_ in _sent(rectification))
    sweep(travel, django_capture_on_commit_callbacks, 2026, 3, 25, 10)
    assert ("cgz_head", "overdue", 2) in _sent(rectification)
    # five working days: the office of the inspection's government
    sweep(travel, django_capture_on_commit_callbacks, 2026, 3, 27, 10)
    office_users = {user for user, kind, step in _sent(rectification) if (kind, step) == ("overdue", 3)}
    assert "office" in office_users


def test_a_rectification_reported_complete_is_not_chased(world, travel, django_capture_on_commit_callbacks):
    travel(2026, 3, 2, 10)
    _inspection, [rectification, still_running] = rectifications_of(
        world, [("deadline", D(2026, 3, 20)), ("deadline", D(2026, 3, 20))]
    )
    inspection_services.rectification_plan(
        rectification_id=rectification.pk, actor=world.user("cgz_head"), plan="整改方案", milestones=[]
    )
    inspection_services.rectification_report(
        rectification_id=rectification.pk, actor=world.user("cgz_head"), text="已整改完毕"
    )

    result = sweep(travel, django_capture_on_commit_callbacks, 2026, 3, 23, 10)

    assert _sent(rectification) == set()
    assert ("cgz_liaison", "overdue", 1) in _sent(still_running)
    assert result.inserted["overdue"] == len({s for s in _sent(still_running) if s[1] == "overdue"}) == 2


def test_a_units_item_and_rectification_reminders_come_in_one_digest(
    world, travel, django_capture_on_commit_callbacks
):
    travel(2026, 3, 2, 10)
    _inspection, [rectification] = rectifications_of(world, [("deadline", D(2026, 3, 20))])
    # an item led by 城关镇, due the same day
    item = item_services.item_create(
        actor=world.user("office"),
        lead_unit_id=world.townships["cgz"].pk,
        co_units=[],
        title="推进集镇污水管网建设",
        source_type="meeting_decision",
        content="按期完成。",
        source_reference="县政府第12次常务会议",
        due_date=D(2026, 3, 20),
    )
    item = advance(world, item, "assigned")

    sweep(travel, django_capture_on_commit_callbacks, 2026, 3, 17, 10)

    [message] = selectors.with_lines(list(Message.objects.filter(recipient=world.user("cgz_liaison"))))
    assert message.line_count == 2
    assert {line["item"] for line in message.lines} == {item.pk, None}
    assert {line["rectification"] for line in message.lines} == {rectification.pk, None}
