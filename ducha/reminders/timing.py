"""When reminders are due: the sending window, working-day shifts turned into date ranges for SQL, working hours,
and reporting periods. Pure functions over the working-day calendar (no writes).

The sweep never computes a trigger per row. Every trigger is a monotone function of one stored column (the due
date, a report's filing time, the notification time), so "the trigger falls in this window" becomes a range on
that column, computed here once per run, and the database does the rest with an indexed range condition.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.conf import settings
from django.utils import timezone

from ducha.workcalendar.services import add_workdays, is_workday, subtract_workdays


@dataclass(frozen=True)
class OfficeHours:
    start: dt.time
    end: dt.time

    @property
    def length(self) -> dt.timedelta:
        return dt.datetime.combine(dt.date.min, self.end) - dt.datetime.combine(dt.date.min, self.start)


def office_hours() -> OfficeHours:
    """DUCHA_REMINDER_OFFICE_HOURS, "09:00-17:00" by default."""
    start_text, end_text = settings.DUCHA_REMINDER_OFFICE_HOURS.split("-")
    start, end = dt.time.fromisoformat(start_text.strip()), dt.time.fromisoformat(end_text.strip())
    if end <= start:
        raise ValueError("DUCHA_REMINDER_OFFICE_HOURS: the end must be later than the start")
    return OfficeHours(start, end)


def local(moment: dt.datetime) -> dt.datetime:
    return timezone.localtime(moment)


def at_local(day: dt.date, time: dt.time) -> dt.datetime:
    return timezone.make_aware(dt.datetime.combine(day, time))


def start_of_day(day: dt.date) -> dt.datetime:
    return at_local(day, dt.time.min)


def in_send_window(moment: dt.datetime) -> bool:
    """Reminders go out on working days during office hours (nobody is texted at night or on a rest day)."""
    moment = local(moment)
    hours = office_hours()
    return is_workday(moment.date()) and hours.start <= moment.time() < hours.end


def next_send_moment(moment: dt.datetime) -> dt.datetime:
    """`moment` itself inside the window, else the start of office hours on the next working day (today, if
    today is one and office hours have not begun)."""
    if in_send_window(moment):
        return moment
    moment = local(moment)
    day = moment.date()
    start = office_hours().start
    if not (is_workday(day) and moment.time() < start):
        day = add_workdays(day, 1)
    return at_local(day, start)


def shift(day: dt.date, workdays: int) -> dt.date:
    """`day` moved by a signed number of working days (the same arithmetic as due and yellow-light dates)."""
    if workdays > 0:
        return add_workdays(day, workdays)
    if workdays < 0:
        return subtract_workdays(day, -workdays)
    return day


def trigger_window(today: dt.date, catchup_workdays: int | None = None) -> tuple[dt.date, dt.date]:
    """The trigger dates a sweep on working day `today` acts on: every date after the working day that precedes
    the catch-up, up to today — a trigger on a rest day belongs to the next working day."""
    if catchup_workdays is None:
        catchup_workdays = settings.DUCHA_REMINDER_CATCHUP_WORKDAYS
    before = subtract_workdays(today, max(catchup_workdays, 0) + 1)
    return before + dt.timedelta(days=1), today


def anchor_range(offset: int, first: dt.date, last: dt.date) -> tuple[dt.date, dt.date]:
    """The anchors x (due dates, filing dates …) with first <= shift(x, offset) <= last; `shift` is monotone in
    x, so this is one contiguous range, found by bisection. An empty range has lo > hi."""
    span = dt.timedelta(days=3 * abs(offset) + 60)
    low_bound, high_bound = first - span, last + span

    def smallest(predicate_low: dt.date) -> dt.date:
        # smallest x in [low_bound, high_bound + 1] with shift(x) >= predicate_low
        lo, hi = low_bound.toordinal(), high_bound.toordinal() + 1
        while lo < hi:
            mid = (lo + hi) // 2
            if shift(dt.date.fromordinal(mid), offset) >= predicate_low:
                hi = mid
            else:
                lo = mid + 1
        return dt.date.fromordinal(lo)

    lo = smallest(first)
    hi = smallest(last + dt.timedelta(days=1)) - dt.timedelta(days=1)
    return lo, hi


def working_hours_cutoff(moment: dt.datetime, hours: float) -> dt.datetime:
    """The latest time t such that at least `hours` of office time on working days lie between t and `moment`:
    "notified at or before the cutoff" is "N working hours have passed"."""
    office = office_hours()
    remaining = dt.timedelta(hours=hours)
    moment = local(moment)
    if remaining <= dt.timedelta(0):
        return moment
    day = moment.date()
    # Office time available on `moment`'s own day, up to `moment`.
    if is_workday(day):
        start, end = at_local(day, office.start), at_local(day, office.end)
        available = max(dt.timedelta(0), min(moment, end) - start)
        if remaining <= available:
            return min(moment, end) - remaining
        remaining -= available
    while True:
        day = subtract_workdays(day, 1) if is_workday(day) else _last_workday_before(day)
        if remaining <= office.length:
            return at_local(day, office.end) - remaining
        remaining -= office.length


def _last_workday_before(day: dt.date) -> dt.date:
    return last_workday_on_or_before(day - dt.timedelta(days=1))


def last_workday_on_or_before(day: dt.date) -> dt.date:
    for _ in range(60):
        if is_workday(day):
            return day
        day -= dt.timedelta(days=1)
    return day


@dataclass(frozen=True)
class Period:
    key: str
    start: dt.date
    end: dt.date  # inclusive

    @property
    def last_workday(self) -> dt.date:
        return last_workday_on_or_before(self.end)


# The progress cycles the sweep asks reports for. Daily (随办随报, 002 art. 7(2)): every working day.
PROGRESS_CYCLES = ("weekly", "monthly", "quarterly", "daily")


def period_of(cycle: str, day: dt.date) -> Period:
    """The reporting period (daily: one working day — a rest day belongs to the working day before it; weekly: ISO
    week; monthly; quarterly) containing `day`."""
    if cycle == "daily":
        workday = last_workday_on_or_before(day)
        return Period(workday.isoformat(), workday, workday)
    if cycle == "weekly":
        start = day - dt.timedelta(days=day.weekday())
        year, week, _weekday = day.isocalendar()
        return Period(f"{year}-W{week:02d}", start, start + dt.timedelta(days=6))
    if cycle == "monthly":
        start = day.replace(day=1)
        following = (start + dt.timedelta(days=32)).replace(day=1)
        return Period(f"{day:%Y-%m}", start, following - dt.timedelta(days=1))
    if cycle == "quarterly":
        quarter = (day.month - 1) // 3
        start = dt.date(day.year, quarter * 3 + 1, 1)
        following = (start + dt.timedelta(days=95)).replace(day=1)
        return Period(f"{day.year}-Q{quarter + 1}", start, following - dt.timedelta(days=1))
    raise ValueError(f"unknown progress cycle {cycle!r}")


def progress_trigger(cycle: str, period: Period, offset_workdays: int) -> dt.date:
    """The day a progress step of `offset_workdays` fires for `period`. A daily report cannot be asked for before
    its day: the steps before the end of a period fire on the day itself."""
    if cycle == "daily":
        offset_workdays = max(offset_workdays, 0)
    return shift(period.last_workday, offset_workdays)


def periods_around(cycle: str, day: dt.date) -> list[Period]:
    """The period containing `day` and the two before it (a missed-report step looks back)."""
    current = period_of(cycle, day)
    previous = period_of(cycle, current.start - dt.timedelta(days=1))
    before = period_of(cycle, previous.start - dt.timedelta(days=1))
    return [before, previous, current]
