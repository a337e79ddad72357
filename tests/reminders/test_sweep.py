"""The sweep: working days and 9:00, the escalation ladder, idempotence, digests, trackers, decisions waiting."""

from __future__ import annotations

import datetime

import pytest

from ducha.audit.models import Event, EventType
from ducha.items import services as item_services
from ducha.reminders import selectors, services
from ducha.reminders.models import Message, Reminder, ReminderRule
from ducha.reminders.selectors import unit_record

from .conftest import moment
from .support import running_item, sent, sweep

D = datetime.date
pytestmark = pytest.mark.django_db


def test_a_reminder_due_on_a_holiday_goes_out_on_the_next_working_day_at_nine(
    world, travel, django_capture_on_commit_callbacks
):
    travel(2026, 9, 14, 10)
    item = running_item(world, due=D(2026, 10, 1))  # National Day

    # The trigger (due today, 2026-10-01) falls in the holiday: nothing on the day, nothing before 9:00 after it.
    for when in [(2026, 10, 1, 10), (2026, 10, 5, 15), (2026, 10, 8, 8, 59)]:
        result = sweep(travel, django_capture_on_commit_callbacks, *when)
        assert not result.in_window
    assert not Reminder.objects.filter(item=item, kind="due_today").exists()

    result = sweep(travel, django_capture_on_commit_callbacks, 2026, 10, 8, 9)

    assert result.in_window
    due_today = Reminder.objects.filter(item=item, kind="due_today")
    assert {(r.recipient.username, r.created_at) for r in due_today} == {
        ("fgw", moment(2026, 10, 8, 9)),
        ("fgw_liaison", moment(2026, 10, 8, 9)),
    }


def test_a_reminder_due_on_the_make_up_saturday_goes_out_that_day(
    world, travel, django_capture_on_commit_callbacks
):
    travel(2026, 9, 21, 10)
    item = running_item(world, due=D(2026, 10, 10))  # a make-up working Saturday

    sweep(travel, django_capture_on_commit_callbacks, 2026, 10, 9, 16)
    assert not Reminder.objects.filter(item=item, kind="due_today").exists()
    sweep(travel, django_capture_on_commit_callbacks, 2026, 10, 10, 8, 30)
    assert not Reminder.objects.filter(item=item, kind="due_today").exists()

    sweep(travel, django_capture_on_commit_callbacks, 2026, 10, 10, 9)

    assert set(Reminder.objects.filter(item=item, kind="due_today").values_list("created_at", flat=True)) == {
        moment(2026, 10, 10, 9)
    }


def test_the_overdue_ladder_step_by_step(world, travel, django_capture_on_commit_callbacks):
    travel(2026, 11, 2, 10)
    item = running_item(world, due=D(2026, 11, 13))  # a Friday; no holidays in the weeks after

    def overdue_at(*when: int) -> set[tuple[str, int]]:
        sweep(travel, django_capture_on_commit_callbacks, *when)
        return {(user, step) for user, kind, step in sent(item, kind="overdue")}

    assert overdue_at(2026, 11, 13, 16) == set()  # due today: not overdue yet
    # +1 working day: the unit (handler and liaison)
    assert overdue_at(2026, 11, 16, 9) == {("fgw", 1), ("fgw_liaison", 1)}
    assert overdue_at(2026, 11, 17, 9) == {("fgw", 1), ("fgw_liaison", 1)}
    # +3: the unit head
    assert overdue_at(2026, 11, 18, 9) == {("fgw", 1), ("fgw_liaison", 1), ("fgw_head", 1 + 1)}
    # +5: the supervision office
    step3 = overdue_at(2026, 11, 20, 9)
    assert step3 - {("fgw", 1), ("fgw_liaison", 1), ("fgw_head", 2)} == {("office", 3), ("office2", 3)}
    # +10: the responsible leader (the one who approved the item)
    assert ("leader", 4) not in overdue_at(2026, 11, 26, 9)
    assert ("leader", 4) in overdue_at(2026, 11, 27, 9)
    assert ("county_head", 4) not in overdue_at(2026, 11, 27, 10)
    # every step once, whatever the number of sweeps in between
    assert Reminder.objects.filter(item=item, kind="overdue").count() == 6


def test_the_office_sets_the_steps(world, travel, django_capture_on_commit_callbacks):
    ReminderRule.objects.filter(kind="overdue", urgency="").delete()
    ReminderRule.objects.create(kind="overdue", step=1, offset_workdays=2, to_office=True)
    travel(2026, 11, 2, 10)
    item = running_item(world, due=D(2026, 11, 13))

    sweep(travel, django_capture_on_commit_callbacks, 2026, 11, 16, 9)
    assert sent(item, kind="overdue") == set()
    sweep(travel, django_capture_on_commit_callbacks, 2026, 11, 17, 9)
    assert sent(item, kind="overdue") == {("office", "overdue", 1), ("office2", "overdue", 1)}


def test_extra_urgent_items_follow_their_own_steps_and_their_tracker_hears_of_everything(
    world, travel, django_capture_on_commit_callbacks
):
    travel(2026, 11, 2, 10)
    item = running_item(world, due=D(2026, 11, 13), urgency="extra_urgent")
    services.tracker_set(item_id=item.pk, actor=world.user("office"), user_id=world.user("office2").pk)

    sweep(travel, django_capture_on_commit_callbacks, 2026, 11, 16, 9)

    # 特急 step 1 goes to the handler, the liaison and the head at once; the tracker sees it too.
    assert sent(item, kind="overdue") == {
        ("fgw", "overdue", 1),
        ("fgw_liaison", "overdue", 1),
        ("fgw_head", "overdue", 1),
        ("office2", "overdue", 1),
    }
    sweep(travel, django_capture_on_commit_callbacks, 2026, 11, 17, 9)
    assert ("office", "overdue", 2) in sent(item, kind="overdue")
    assert Event.objects.filter(subject_id=item.pk, event_type=EventType.ITEM_TRACKER_SET).count() == 1


def test_rerunning_the_sweep_sends_nothing_more(world, travel, django_capture_on_commit_callbacks):
    travel(2026, 11, 2, 10)
    running_item(world, due=D(2026, 11, 13))
    running_item(world, due=D(2026, 11, 12), title="第二个事项")

    first = sweep(travel, django_capture_on_commit_callbacks, 2026, 11, 16, 9)
    assert first.reminders > 0
    counts = (Reminder.objects.count(), Message.objects.count(), Event.objects.count())

    again = sweep(travel, django_capture_on_commit_callbacks, 2026, 11, 16, 9)
    later = sweep(travel, django_capture_on_commit_callbacks, 2026, 11, 16, 16)

    assert (again.reminders, again.messages, later.reminders, later.messages) == (0, 0, 0, 0)
    assert (Reminder.objects.count(), Message.objects.count(), Event.objects.count()) == counts


def test_a_unit_with_five_items_due_gets_one_digest(world, travel, django_capture_on_commit_callbacks):
    travel(2026, 11, 2, 10)
    items = [running_item(world, due=D(2026, 11, 13), title=f"事项{n}") for n in range(5)]

    result = sweep(travel, django_capture_on_commit_callbacks, 2026, 11, 13, 9)

    liaison = world.user("fgw_liaison")
    messages = Message.objects.filter(recipient=liaison)
    assert messages.count() == 1
    [digest] = selectors.with_lines([messages.get()])
    assert digest.line_count == 5
    assert sorted(line["item"] for line in digest.lines) == sorted(item.pk for item in items)
    assert {line["kind"] for line in digest.lines} == {"due_today"}
    assert result.messages == Message.objects.filter(run_id=result.run_id).count() == 2  # fgw, fgw_liaison


def test_every_reminder_is_on_the_items_timeline(world, travel, django_capture_on_commit_callbacks):
    travel(2026, 11, 2, 10)
    item = running_item(world, due=D(2026, 11, 13))

    sweep(travel, django_capture_on_commit_callbacks, 2026, 11, 13, 9)

    [event] = [e for e in selectors.item_timeline(item) if e.event_type == EventType.ITEM_REMINDED]
    assert event.new == {"kind": "due_today", "step": 1, "run": event.new["run"], "recipients": 2}
    assert event.actor is None
    assert event.created_at == moment(2026, 11, 13, 9)
    # after the item's own events (created, submitted, … assigned, signed), in time order
    timeline = selectors.item_timeline(item)
    assert (timeline[-1].event_type, timeline[-1].new) == (EventType.ITEM_REMINDED, event.new)
    assert [e.created_at for e in timeline] == sorted(e.created_at for e in timeline)
    assert (
        Event.objects.filter(event_type=EventType.ITEM_REMINDED).count() == 0
    )  # not copied into the audit log


def test_due_soon_goes_to_handler_and_liaison_three_and_one_working_days_before(
    world, travel, django_capture_on_commit_callbacks
):
    travel(2026, 11, 2, 10)
    item = running_item(world, due=D(2026, 11, 13))

    sweep(travel, django_capture_on_commit_callbacks, 2026, 11, 9, 9)
    assert sent(item, kind="due_soon") == set()
    sweep(travel, django_capture_on_commit_callbacks, 2026, 11, 10, 9)
    assert sent(item, kind="due_soon") == {("fgw", "due_soon", 1), ("fgw_liaison", "due_soon", 1)}
    sweep(travel, django_capture_on_commit_callbacks, 2026, 11, 12, 9)
    assert {step for _user, _kind, step in sent(item, kind="due_soon")} == {1, 2}


def test_an_extension_restarts_the_deadline_reminders(world, travel, django_capture_on_commit_callbacks):
    travel(2026, 11, 2, 10)
    item = running_item(world, due=D(2026, 11, 13))
    sweep(travel, django_capture_on_commit_callbacks, 2026, 11, 10, 9)
    assert len(sent(item, kind="due_soon")) == 2

    item_services.item_extension_request(
        item_id=item.pk, actor=world.user("fgw"), reason="需协调资金", proposed_due_date=D(2026, 11, 27)
    )
    item_services.item_extension_decide(item_id=item.pk, actor=world.user("office"), grant=True)
    sweep(travel, django_capture_on_commit_callbacks, 2026, 11, 24, 9)

    periods = set(Reminder.objects.filter(item=item, kind="due_soon").values_list("period", flat=True))
    assert periods == {"2026-11-13#1", "2026-11-27#1"}


def test_not_signed_goes_to_the_liaison_then_the_head_by_working_hours(
    world, travel, django_capture_on_commit_callbacks
):
    travel(2026, 11, 5, 14)  # Thursday 14:00
    item = running_item(world, due=D(2026, 11, 30), signed=False)

    sweep(travel, django_capture_on_commit_callbacks, 2026, 11, 5, 16, 55)
    assert sent(item, kind="not_signed") == set()
    # 4 working hours: 3 on Thursday, 1 on Friday morning
    sweep(travel, django_capture_on_commit_callbacks, 2026, 11, 6, 10)
    assert sent(item, kind="not_signed") == {("fgw_liaison", "not_signed", 1)}
    # 8 working hours: Friday 14:00
    sweep(travel, django_capture_on_commit_callbacks, 2026, 11, 6, 14, 5)
    assert sent(item, kind="not_signed") == {
        ("fgw_liaison", "not_signed", 1),
        ("fgw_head", "not_signed", 2),
    }
    # a unit's record shows its late sign-for
    record = unit_record(unit_id=world.departments["fgw"].pk)
    assert record["not_signed"] == 1


def test_signing_stops_the_not_signed_reminders(world, travel, django_capture_on_commit_callbacks):
    travel(2026, 11, 5, 14)
    item = running_item(world, due=D(2026, 11, 30), signed=False)
    item_services.item_sign(item_id=item.pk, actor=world.user("fgw_liaison"))

    sweep(travel, django_capture_on_commit_callbacks, 2026, 11, 9, 10)

    assert sent(item, kind="not_signed") == set()


def test_progress_reports_due_by_cycle_and_missed_reports_go_to_the_head(
    world, travel, django_capture_on_commit_callbacks
):
    travel(2026, 11, 2, 10)
    item = running_item(world, due=D(2026, 12, 31), progress_cycle="weekly")
    other = running_item(world, due=D(2026, 12, 31), progress_cycle="weekly", title="已报进展的事项")
    item_services.item_progress(item_id=other.pk, actor=world.user("fgw"), text="本周完成设计招标。")

    # Week 45 (11-02 … 11-08) ends on Friday 11-06: the reminder comes two working days before.
    sweep(travel, django_capture_on_commit_callbacks, 2026, 11, 4, 9)
    assert sent(item, kind="progress_due") == {("fgw", "progress_due", 1), ("fgw_liaison", "progress_due", 1)}
    assert sent(other, kind="progress_due") == set()
    # Nothing filed: the first working day after the week, the unit head hears of it.
    sweep(travel, django_capture_on_commit_callbacks, 2026, 11, 9, 9)
    assert ("fgw_head", "progress_due", 2) in sent(item, kind="progress_due")
    assert set(Reminder.objects.filter(item=item, step=2).values_list("period", flat=True)) == {"2026-W45#2"}


def test_decisions_waiting_remind_the_head_the_office_and_the_leader(
    world, travel, django_capture_on_commit_callbacks
):
    travel(2026, 11, 2, 10)
    item = running_item(world, due=D(2026, 11, 30))
    item_services.item_report(item_id=item.pk, actor=world.user("fgw"), text="已完成。")

    sweep(travel, django_capture_on_commit_callbacks, 2026, 11, 3, 9)
    assert sent(item, kind="report_check") == {("fgw_head", "report_check", 1)}

    travel(2026, 11, 3, 11)
    item_services.item_report_approve(item_id=item.pk, actor=world.user("fgw_head"))
    sweep(travel, django_capture_on_commit_callbacks, 2026, 11, 6, 9)
    assert sent(item, kind="review") == {("office", "review", 1), ("office2", "review", 1)}


def test_extension_waiting_reminds_the_office(world, travel, django_capture_on_commit_callbacks):
    travel(2026, 11, 2, 10)
    item = running_item(world, due=D(2026, 11, 30))
    item_services.item_extension_request(
        item_id=item.pk, actor=world.user("fgw"), reason="需协调资金", proposed_due_date=D(2026, 12, 15)
    )

    sweep(travel, django_capture_on_commit_callbacks, 2026, 11, 3, 9)

    assert sent(item, kind="extension") == {("office", "extension", 1), ("office2", "extension", 1)}


def test_finished_items_are_not_chased(world, travel, django_capture_on_commit_callbacks):
    travel(2026, 11, 2, 10)
    item = running_item(world, due=D(2026, 11, 13))
    item_services.item_cancel(item_id=item.pk, actor=world.user("leader"), reason="任务调整")

    sweep(travel, django_capture_on_commit_callbacks, 2026, 11, 16, 9)

    assert sent(item) == set()
