"""Notices on events (交办, decisions waiting), manual 催办, trackers, the inbox and the unit's record."""

from __future__ import annotations

import datetime

import pytest

from ducha.audit.models import Event, EventType
from ducha.common.errors import InvalidState, NotPermitted, ValidationFailed
from ducha.items import services as item_services
from ducha.reminders import selectors, services
from ducha.reminders.models import Chase, Delivery, Message, Reminder
from tests.helpers import advance, make_item

from .conftest import moment
from .support import running_item, sent, sweep

D = datetime.date
pytestmark = pytest.mark.django_db


def test_assigning_an_item_tells_the_units_liaisons_and_handlers(
    world, travel, django_capture_on_commit_callbacks
):
    travel(2026, 11, 2, 10)
    item = advance(world, make_item(world, co_units=("jyj",), due_date=D(2026, 11, 30)), "registered")

    with django_capture_on_commit_callbacks(execute=True):
        item_services.item_assign(item_id=item.pk, actor=world.user("office"))

    assert sent(item, kind="assigned") == {
        ("fgw", "assigned", 0),
        ("fgw_liaison", "assigned", 0),
        ("jyj", "assigned", 0),
        ("jyj_liaison", "assigned", 0),
    }
    assert Message.objects.filter(recipient=world.user("jyj_liaison")).count() == 1


def test_a_report_waiting_tells_the_unit_head_then_the_office(
    world, travel, django_capture_on_commit_callbacks
):
    travel(2026, 11, 2, 10)
    item = running_item(world, due=D(2026, 11, 30))

    with django_capture_on_commit_callbacks(execute=True):
        item_services.item_report(item_id=item.pk, actor=world.user("fgw"), text="已完成。")
    assert sent(item, kind="report_check") == {("fgw_head", "report_check", 0)}

    with django_capture_on_commit_callbacks(execute=True):
        item_services.item_report_approve(item_id=item.pk, actor=world.user("fgw_head"))
    assert sent(item, kind="review") == {("office", "review", 0), ("office2", "review", 0)}


def test_an_endorsed_extension_tells_the_leader(world, travel, django_capture_on_commit_callbacks):
    travel(2026, 11, 2, 10)
    item = running_item(world, due=D(2026, 11, 30), source_type="leader_instruction")

    with django_capture_on_commit_callbacks(execute=True):
        item_services.item_extension_request(
            item_id=item.pk, actor=world.user("fgw"), reason="需协调资金", proposed_due_date=D(2026, 12, 15)
        )
    with django_capture_on_commit_callbacks(execute=True):
        item_services.item_extension_decide(item_id=item.pk, actor=world.user("office"), grant=True)

    assert sent(item, kind="extension") == {
        ("office", "extension", 0),
        ("office2", "extension", 0),
        ("leader", "extension", 0),
    }


def test_the_office_chases_a_unit_with_a_message(world, travel, django_capture_on_commit_callbacks):
    travel(2026, 11, 2, 10)
    item = running_item(world, due=D(2026, 11, 30), co_units=("jyj",))

    with django_capture_on_commit_callbacks(execute=True):
        [chase] = services.chase_send(
            item_id=item.pk,
            actor=world.user("office"),
            text="请于本周五前报送进展",
            unit_ids=[world.departments["jyj"].pk],
        )

    assert sent(item, kind="chase") == {
        ("jyj", "chase", 0),
        ("jyj_liaison", "chase", 0),
        ("jyj_head", "chase", 0),
    }
    assert set(Reminder.objects.filter(kind="chase").values_list("chase_id", flat=True)) == {chase.pk}
    event = Event.objects.get(subject_id=item.pk, event_type=EventType.ITEM_CHASED)
    assert (event.actor, event.comment, event.new["unit"]) == (
        world.user("office"),
        "请于本周五前报送进展",
        world.departments["jyj"].pk,
    )
    assert len(event.new["recipients"]) == 3
    [message] = selectors.with_lines([Message.objects.get(recipient=world.user("jyj_head"))])
    assert message.lines[0]["note"] == "请于本周五前报送进展"


def test_chasing_twice_is_two_chases(world, travel, django_capture_on_commit_callbacks):
    travel(2026, 11, 2, 10)
    item = running_item(world, due=D(2026, 11, 30))
    for text in ("第一次催办", "第二次催办"):
        services.chase_send(item_id=item.pk, actor=world.user("office"), text=text)
    assert Chase.objects.filter(item=item).count() == 2
    assert Reminder.objects.filter(item=item, kind="chase", recipient=world.user("fgw_liaison")).count() == 2


def test_only_the_office_chases_and_only_running_items(world, travel):
    travel(2026, 11, 2, 10)
    item = running_item(world, due=D(2026, 11, 30))
    with pytest.raises(NotPermitted):
        services.chase_send(item_id=item.pk, actor=world.user("fgw_head"), text="催")
    with pytest.raises(NotPermitted):
        services.chase_send(item_id=item.pk, actor=world.user("city_office"), text="催")
    with pytest.raises(ValidationFailed):
        services.chase_send(item_id=item.pk, actor=world.user("office"), text="  ")
    with pytest.raises(ValidationFailed):
        services.chase_send(
            item_id=item.pk, actor=world.user("office"), text="催", unit_ids=[world.departments["czj"].pk]
        )
    draft = make_item(world)
    with pytest.raises(InvalidState):
        services.chase_send(item_id=draft.pk, actor=world.user("office"), text="催")
    assert not Chase.objects.exists() and not Reminder.objects.filter(kind="chase").exists()


def test_a_chase_on_a_rest_day_is_in_the_inbox_at_once_and_texted_on_the_next_working_day(
    world, travel, django_capture_on_commit_callbacks, settings, http_server
):
    settings.DUCHA_SMS_GATEWAY_URL = f"{http_server.url}/sms"
    http_server.script = [(200, {"code": 0})]
    liaison = world.user("fgw_liaison")
    liaison.phone = "13800000001"
    liaison.save(update_fields=["phone"])
    services.preferences_set(user=liaison, channels_enabled={"sms": True})
    travel(2026, 9, 28, 10)
    item = running_item(world, due=D(2026, 10, 30))

    travel(2026, 10, 3, 11)  # National Day holiday
    with django_capture_on_commit_callbacks(execute=True):
        services.chase_send(item_id=item.pk, actor=world.user("office"), text="节后第一天报送进展")

    assert selectors.unread_count(liaison) == 1
    delivery = Delivery.objects.get(message__recipient=liaison, channel="sms")
    assert (delivery.status, delivery.next_attempt_at) == ("pending", moment(2026, 10, 8, 9))
    assert http_server.requests == []

    travel(2026, 10, 8, 9, 5)
    with django_capture_on_commit_callbacks(execute=True):
        services.sweep()
    delivery.refresh_from_db()
    assert delivery.status == "sent"
    assert [r.body["phone"] for r in http_server.requests] == ["13800000001"]


def test_the_tracker_must_be_office_staff_of_the_items_government(world, travel):
    travel(2026, 11, 2, 10)
    item = running_item(world, due=D(2026, 11, 30), urgency="extra_urgent")
    with pytest.raises(ValidationFailed):
        services.tracker_set(item_id=item.pk, actor=world.user("office"), user_id=world.user("fgw").pk)
    with pytest.raises(ValidationFailed):
        services.tracker_set(
            item_id=item.pk, actor=world.user("office"), user_id=world.user("city_office").pk
        )
    with pytest.raises(NotPermitted):
        services.tracker_set(item_id=item.pk, actor=world.user("fgw_head"), user_id=world.user("office").pk)
    services.tracker_set(item_id=item.pk, actor=world.user("office"), user_id=world.user("office2").pk)
    services.tracker_set(item_id=item.pk, actor=world.user("office"), user_id=None)
    assert not hasattr(item, "tracker") or item.tracker is None


def test_inbox_unread_counts_and_marking_read(world, travel, django_capture_on_commit_callbacks):
    travel(2026, 11, 2, 10)
    items = [running_item(world, due=D(2026, 11, 30), title=f"事项{n}") for n in range(3)]
    liaison = world.user("fgw_liaison")
    for item in items:
        services.chase_send(item_id=item.pk, actor=world.user("office"), text="请尽快办理")

    assert selectors.unread_count(liaison) == 3
    assert selectors.unread_count(liaison, cap=2) == 3  # capped: "2+"
    page = selectors.inbox_page(liaison, limit=2)
    assert len(page.messages) == 2 and page.next_cursor is not None
    rest = selectors.inbox_page(liaison, limit=2, cursor=page.next_cursor)
    assert len(rest.messages) == 1 and rest.next_cursor is None

    services.message_mark_read(message_id=page.messages[0].pk, user=liaison)
    assert selectors.unread_count(liaison) == 2
    with pytest.raises(Exception):  # noqa: B017 - someone else's message is simply not found
        services.message_mark_read(message_id=page.messages[1].pk, user=world.user("fgw"))
    assert services.inbox_mark_all_read(user=liaison) == 2
    assert selectors.unread_count(liaison) == 0


def test_a_child_items_report_waits_on_the_delegating_unit_not_the_office(
    world, travel, django_capture_on_commit_callbacks
):
    travel(2026, 11, 2, 10)
    parent = running_item(world, due=D(2026, 11, 30))
    cgz = world.townships["cgz"]
    with django_capture_on_commit_callbacks(execute=True):
        child = item_services.item_delegate(item_id=parent.pk, actor=world.user("fgw"), unit_id=cgz.pk)
        item_services.item_sign(item_id=child.pk, actor=world.user("cgz"))
        item_services.item_report(item_id=child.pk, actor=world.user("cgz"), text="已完成。")
        item_services.item_report_approve(item_id=child.pk, actor=world.user("cgz_head"))

    # at once: the delegating unit's liaison and head, the reviewers of a child item; not the office
    assert sent(child, kind="review") == {("fgw_liaison", "review", 0), ("fgw_head", "review", 0)}
    assert Reminder.objects.get(item=child, kind="review", recipient=world.user("fgw_head")).unit_id == (
        world.departments["fgw"].pk
    )

    # still waiting three working days later: the sweep's review step reaches them again, still not the office
    sweep(travel, django_capture_on_commit_callbacks, 2026, 11, 5, 10)
    assert sent(child, kind="review") == {
        ("fgw_liaison", "review", 0),
        ("fgw_head", "review", 0),
        ("fgw_liaison", "review", 1),
        ("fgw_head", "review", 1),
    }
