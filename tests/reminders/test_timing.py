"""The window arithmetic the sweep's SQL rests on, checked against a brute-force walk over the calendar."""

from __future__ import annotations

import datetime

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from ducha.reminders import timing
from ducha.workcalendar.services import is_workday

from .conftest import moment

D = datetime.date


@pytest.mark.django_db
@settings(max_examples=60, deadline=None)
@given(
    offset=st.integers(min_value=-10, max_value=12),
    today=st.dates(min_value=D(2025, 1, 5), max_value=D(2026, 12, 20)).filter(is_workday),
    catchup=st.integers(min_value=0, max_value=2),
)
def test_anchor_range_is_exactly_the_anchors_whose_trigger_falls_in_the_window(offset, today, catchup):
    first, last = timing.trigger_window(today, catchup)
    lo, hi = timing.anchor_range(offset, first, last)
    for delta in range(-40, 41):
        anchor = today + datetime.timedelta(days=delta)
        inside = first <= timing.shift(anchor, offset) <= last
        assert inside == (lo <= anchor <= hi), (anchor, offset, first, last, lo, hi)


@pytest.mark.django_db
def test_trigger_window_takes_the_rest_days_before_a_working_day():
    # 2026-10-08 is the first working day after the National Day holiday (10-01 … 10-07).
    assert timing.trigger_window(D(2026, 10, 8), 0) == (D(2026, 10, 1), D(2026, 10, 8))
    assert timing.trigger_window(D(2026, 10, 9), 0) == (D(2026, 10, 9), D(2026, 10, 9))
    # The make-up Saturday 2026-10-10 is a working day of its own.
    assert timing.trigger_window(D(2026, 10, 10), 0) == (D(2026, 10, 10), D(2026, 10, 10))
    # One working day of catch-up reaches back over the holiday to the triggers 10-08 sent.
    assert timing.trigger_window(D(2026, 10, 9), 1) == (D(2026, 10, 1), D(2026, 10, 9))


@pytest.mark.django_db
def test_send_window_opens_at_nine_on_working_days_only():
    assert not timing.in_send_window(moment(2026, 10, 1, 10))  # National Day
    assert not timing.in_send_window(moment(2026, 10, 8, 8, 59))
    assert timing.in_send_window(moment(2026, 10, 8, 9))
    assert timing.in_send_window(moment(2026, 10, 10, 9))  # make-up Saturday
    assert not timing.in_send_window(moment(2026, 10, 11, 9))  # Sunday
    assert timing.next_send_moment(moment(2026, 10, 1, 10)) == moment(2026, 10, 8, 9)
    assert timing.next_send_moment(moment(2026, 9, 30, 22)) == moment(2026, 10, 8, 9)
    assert timing.next_send_moment(moment(2026, 10, 10, 7)) == moment(2026, 10, 10, 9)
    assert timing.next_send_moment(moment(2026, 10, 9, 15)) == moment(2026, 10, 9, 15)
    assert not timing.in_send_window(moment(2026, 10, 9, 17))  # office hours are over
    assert timing.next_send_moment(moment(2026, 10, 9, 17, 30)) == moment(2026, 10, 10, 9)


@pytest.mark.django_db
def test_working_hours_count_office_hours_on_working_days():
    # Friday 2026-09-18 15:00 + 4 working hours = the make-up Sunday 2026-09-20 11:00 (Saturday rests).
    at = moment(2026, 9, 20, 11)
    assert timing.working_hours_cutoff(at, 4) == moment(2026, 9, 18, 15)
    # Thursday 2026-09-24 15:00 + 4 working hours = Monday 2026-09-28 11:00 (Mid-Autumn Friday rests).
    assert timing.working_hours_cutoff(moment(2026, 9, 28, 11), 4) == moment(2026, 9, 24, 15)
    # Before nine the day has given nothing yet: 8 hours back from Thursday 08:00 is Wednesday 09:00.
    assert timing.working_hours_cutoff(moment(2026, 9, 24, 8), 8) == moment(2026, 9, 23, 9)
    # Across National Day: 2 working hours before 2026-10-08 10:00 is 2026-09-30 16:00.
    assert timing.working_hours_cutoff(moment(2026, 10, 8, 10), 2) == moment(2026, 9, 30, 16)
    assert timing.working_hours_cutoff(at, 0) == at


def test_reporting_periods():
    assert timing.period_of("weekly", D(2026, 10, 14)).key == "2026-W42"
    month = timing.period_of("monthly", D(2026, 2, 10))
    assert (month.key, month.start, month.end) == ("2026-02", D(2026, 2, 1), D(2026, 2, 28))
    quarter = timing.period_of("quarterly", D(2026, 11, 3))
    assert (quarter.key, quarter.start, quarter.end) == ("2026-Q4", D(2026, 10, 1), D(2026, 12, 31))
