"""Daily reporting (随办随报, 002 art. 7(2)): an item on the daily progress cycle is asked for progress every
working day — not on a holiday, and on a make-up working day too — and its head hears of a day left unreported."""

from __future__ import annotations

import datetime

import pytest

from ducha.items import services as item_services
from ducha.reminders import timing
from ducha.reminders.models import Reminder

from .support import running_item, sweep

D = datetime.date

pytestmark = pytest.mark.django_db


def _periods(item, step: int) -> set[str]:
    return set(
        Reminder.objects.filter(item=item, kind="progress_due", step=step).values_list("period", flat=True)
    )


def test_a_daily_period_is_one_working_day_and_a_rest_day_belongs_to_the_one_before():
    # Oct 1-7 2026 are the National Day holiday; Saturday Oct 10 is a make-up working day.
    assert timing.period_of("daily", D(2026, 9, 30)).key == "2026-09-30"
    assert timing.period_of("daily", D(2026, 10, 4)).key == "2026-09-30"
    assert timing.period_of("daily", D(2026, 10, 10)).key == "2026-10-10"
    assert timing.period_of("daily", D(2026, 10, 11)).key == "2026-10-10"
    assert [p.key for p in timing.periods_around("daily", D(2026, 10, 8))] == [
        "2026-09-29",
        "2026-09-30",
        "2026-10-08",
    ]
    period = timing.period_of("daily", D(2026, 10, 9))
    # A step set before the end of a weekly period fires on the day itself for a daily one.
    assert timing.progress_trigger("daily", period, -2) == D(2026, 10, 9)
    assert timing.progress_trigger("daily", period, 1) == D(2026, 10, 10)
    assert timing.progress_trigger("weekly", timing.period_of("weekly", D(2026, 10, 9)), -2) == D(2026, 10, 8)


def test_every_working_day_is_asked_for_holidays_are_skipped_make_up_days_are_not(
    world, travel, django_capture_on_commit_callbacks
):
    travel(2026, 9, 29, 10)
    item = running_item(world, due=D(2026, 11, 30), progress_cycle="daily")
    weekly = running_item(world, due=D(2026, 11, 30), progress_cycle="weekly", title="按周报送的事项")

    sweep(travel, django_capture_on_commit_callbacks, 2026, 9, 30, 9)
    assert _periods(item, 1) == {"2026-09-30#1"}
    # Signed at 10:00 on Sept 29 and nothing reported that day: the head hears of it the next working day.
    assert _periods(item, 2) == {"2026-09-29#2"}
    assert set(Reminder.objects.filter(item=item, step=1).values_list("recipient__username", flat=True)) == {
        "fgw",
        "fgw_liaison",
    }

    # A holiday: nobody is asked.
    sweep(travel, django_capture_on_commit_callbacks, 2026, 10, 5, 9)
    assert _periods(item, 1) == {"2026-09-30#1"}

    # The first working day after the holiday: that day is asked for, and the head hears of Sept 30.
    sweep(travel, django_capture_on_commit_callbacks, 2026, 10, 8, 9)
    assert _periods(item, 1) == {"2026-09-30#1", "2026-10-08#1"}
    assert _periods(item, 2) == {"2026-09-29#2", "2026-09-30#2"}
    assert set(Reminder.objects.filter(item=item, step=2).values_list("recipient__username", flat=True)) == {
        "fgw_head"
    }

    # The unit reports on Oct 9: no reminder for Oct 9 after that, and none to the head for it.
    travel(2026, 10, 9, 8)
    item_services.item_progress(item_id=item.pk, actor=world.user("fgw"), text="今日完成排查。")
    sweep(travel, django_capture_on_commit_callbacks, 2026, 10, 9, 9)
    assert "2026-10-09#1" not in _periods(item, 1)

    # Saturday Oct 10 is a make-up working day: asked for; Sunday Oct 11 is not.
    sweep(travel, django_capture_on_commit_callbacks, 2026, 10, 10, 9)
    sweep(travel, django_capture_on_commit_callbacks, 2026, 10, 11, 9)
    assert _periods(item, 1) == {"2026-09-30#1", "2026-10-08#1", "2026-10-10#1"}
    assert "2026-10-09#2" not in _periods(item, 2)

    # Sweeping again sends nothing twice.
    before = Reminder.objects.filter(item=item).count()
    sweep(travel, django_capture_on_commit_callbacks, 2026, 10, 10, 9)
    assert Reminder.objects.filter(item=item).count() == before
    # A weekly item is untouched by the daily rule.
    assert not any(period.startswith("2026-09-30") for period in _periods(weekly, 1))
