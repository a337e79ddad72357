"""Resolving dates and deadline arithmetic against the 2026 arrangement (chinesecalendar) and the provisional 2027."""

from __future__ import annotations

import datetime as dt
import time

import chinese_calendar
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from ducha.workcalendar import services
from ducha.workcalendar.models import CalendarYear
from ducha.workcalendar.services import (
    DayInfo,
    WorkdayCount,
    WorkdayResult,
    add_workdays,
    add_workdays_detailed,
    day_info,
    is_workday,
    subtract_workdays,
    workdays_between,
    workdays_between_detailed,
    year_source,
)

D = dt.date

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("package_until_2026")]


# ---- the 2026 arrangement, as in chinesecalendar -------------------------------------------------------------


def test_2026_make_up_days_and_holidays_match_the_package() -> None:
    for day in (
        D(2026, 1, 4),
        D(2026, 2, 14),
        D(2026, 2, 28),
        D(2026, 5, 9),
        D(2026, 9, 20),
        D(2026, 10, 10),
    ):
        assert chinese_calendar.is_workday(day)
        assert is_workday(day), day
    for first, last in (
        (D(2026, 1, 1), D(2026, 1, 3)),
        (D(2026, 2, 15), D(2026, 2, 23)),
        (D(2026, 4, 4), D(2026, 4, 6)),
        (D(2026, 5, 1), D(2026, 5, 5)),
        (D(2026, 6, 19), D(2026, 6, 21)),
        (D(2026, 9, 25), D(2026, 9, 27)),
        (D(2026, 10, 1), D(2026, 10, 7)),
    ):
        day = first
        while day <= last:
            assert not is_workday(day), day
            day += dt.timedelta(days=1)


def test_every_day_of_2026_agrees_with_the_package() -> None:
    day = D(2026, 1, 1)
    while day.year == 2026:
        assert is_workday(day) == chinese_calendar.is_workday(day), day
        day += dt.timedelta(days=1)


def test_add_one_working_day_over_national_day() -> None:
    assert add_workdays(D(2026, 9, 30), 1) == D(2026, 10, 8)


def test_add_lands_on_make_up_saturday() -> None:
    assert add_workdays(D(2026, 10, 9), 1) == D(2026, 10, 10)
    assert add_workdays(D(2026, 2, 13), 1) == D(2026, 2, 14)
    assert add_workdays(D(2026, 2, 14), 1) == D(2026, 2, 24)


def test_fifteen_working_days() -> None:
    assert add_workdays(D(2026, 3, 2), 15) == D(2026, 3, 23)  # an ordinary stretch: three weeks
    # Through Labour Day (May 1-5 rest) and its make-up Saturday May 9.
    assert add_workdays(D(2026, 4, 20), 15) == D(2026, 5, 13)
    # Through National Day: Sep 20 (Sun) works, Sep 25 and Oct 1-7 rest, Oct 10 (Sat) works.
    assert add_workdays(D(2026, 9, 18), 15) == D(2026, 10, 15)


def test_start_never_counts_and_zero_returns_start() -> None:
    assert add_workdays(D(2026, 10, 3), 0) == D(2026, 10, 3)  # even a rest day
    assert add_workdays(D(2026, 10, 3), 1) == D(2026, 10, 8)
    assert add_workdays(D(2026, 10, 8), 1) == D(2026, 10, 9)
    with pytest.raises(ValueError):
        add_workdays(D(2026, 10, 8), -1)


def test_workdays_between() -> None:
    assert workdays_between(D(2026, 9, 30), D(2026, 10, 8)) == 1
    assert workdays_between(D(2026, 10, 8), D(2026, 9, 30)) == -1
    assert workdays_between(D(2026, 10, 8), D(2026, 10, 8)) == 0
    assert workdays_between(D(2026, 10, 1), D(2026, 10, 7)) == 0
    assert workdays_between(D(2026, 10, 9), D(2026, 10, 10)) == 1
    assert workdays_between(D(2025, 12, 31), D(2026, 12, 31)) == sum(
        1 for n in range(365) if chinese_calendar.is_workday(D(2026, 1, 1) + dt.timedelta(days=n))
    )


def test_subtract_workdays_for_the_yellow_light() -> None:
    assert subtract_workdays(D(2026, 10, 8), 0) == D(2026, 10, 8)
    assert subtract_workdays(D(2026, 10, 8), 1) == D(2026, 9, 30)
    assert subtract_workdays(D(2026, 10, 8), 2) == D(2026, 9, 29)
    assert subtract_workdays(D(2026, 10, 12), 1) == D(2026, 10, 10)  # the make-up Saturday counts
    # From a rest day: w = Sep 29 leaves exactly Sep 30 in (w, Oct 5].
    assert subtract_workdays(D(2026, 10, 5), 1) == D(2026, 9, 29)
    with pytest.raises(ValueError):
        subtract_workdays(D(2026, 10, 8), -2)


def test_day_info() -> None:
    assert day_info(D(2026, 10, 10)) == DayInfo(D(2026, 10, 10), True, "国庆节", "package")
    assert day_info(D(2026, 10, 1)) == DayInfo(D(2026, 10, 1), False, "国庆节", "package")
    assert day_info(D(2026, 4, 5)) == DayInfo(D(2026, 4, 5), False, "清明节", "package")
    assert day_info(D(2026, 3, 4)) == DayInfo(D(2026, 3, 4), True, "", "package")
    assert day_info(D(2026, 3, 7)) == DayInfo(D(2026, 3, 7), False, "", "package")
    # A moment is taken as the day it falls on in Beijing: 17:30 UTC on the 9th is 01:30 on the 10th.
    assert day_info(dt.datetime(2026, 10, 9, 17, 30, tzinfo=dt.UTC)).date == D(2026, 10, 10)
    assert day_info(dt.datetime(2026, 10, 10, 9, 30, tzinfo=dt.UTC)).date == D(2026, 10, 10)


def test_year_sources() -> None:
    assert year_source(2026) == "package"
    assert year_source(2004) == "package"
    assert year_source(2003) == "provisional"
    assert year_source(2027) == "provisional"
    assert year_source(2150) == "provisional"


# ---- beyond the package: provisional 2027 and far years ------------------------------------------------------


def test_across_the_year_end_into_provisional_2027() -> None:
    assert day_info(D(2027, 1, 1)) == DayInfo(D(2027, 1, 1), False, "元旦", "provisional")
    # Dec 31 (Thu) works, Jan 1 (Fri) rests, Jan 2-3 weekend, Jan 4 and 5 work.
    assert add_workdays_detailed(D(2026, 12, 30), 3) == WorkdayResult(D(2027, 1, 5), True)
    assert add_workdays_detailed(D(2026, 12, 30), 1) == WorkdayResult(D(2026, 12, 31), False)
    assert add_workdays_detailed(D(2026, 12, 31), 0) == WorkdayResult(D(2026, 12, 31), False)
    assert add_workdays_detailed(D(2026, 9, 30), 1) == WorkdayResult(D(2026, 10, 8), False)
    assert workdays_between_detailed(D(2026, 12, 30), D(2027, 1, 5)) == WorkdayCount(3, True)
    assert workdays_between_detailed(D(2027, 1, 5), D(2026, 12, 30)) == WorkdayCount(-3, True)
    assert workdays_between_detailed(D(2026, 12, 1), D(2026, 12, 31)) == WorkdayCount(22, False)
    # From Dec 31 onwards only 2027 days are counted.
    assert workdays_between_detailed(D(2025, 12, 31), D(2026, 12, 31)).is_provisional is False


def test_2027_spring_festival_is_provisional() -> None:
    assert is_workday(D(2027, 2, 4))
    for day in (D(2027, 2, 5), D(2027, 2, 6), D(2027, 2, 7), D(2027, 2, 8)):
        info = day_info(day)
        assert (info.is_workday, info.name, info.source) == (False, "春节", "provisional")
    assert is_workday(D(2027, 2, 9))
    assert add_workdays(D(2027, 2, 4), 1) == D(2027, 2, 9)
    # No make-up working day is guessed: Saturday Feb 20 stays a rest day.
    assert not is_workday(D(2027, 2, 20))


@pytest.mark.parametrize("year", [1850, 2100, 2150])
def test_years_without_any_data_use_the_weekday_rule(year: int) -> None:
    holidays = services.provisional_holidays(year)
    day = D(year, 1, 1)
    while day.year == year:
        info = day_info(day)
        assert info.source == "provisional"
        assert info.is_workday == (day.weekday() < 5 and day not in holidays)
        day += dt.timedelta(days=1)
    assert workdays_between(D(year, 1, 1), D(year, 12, 31)) == sum(
        1 for n in range(1, 365) if is_workday(D(year, 1, 1) + dt.timedelta(days=n))
    )


def test_the_ends_of_the_date_range() -> None:
    assert day_info(dt.date.min).source == "provisional"
    assert day_info(dt.date.max).date == dt.date.max
    assert add_workdays(D(9999, 12, 1), 5) == D(9999, 12, 8)
    with pytest.raises(OverflowError):
        add_workdays(D(9999, 12, 30), 5)
    with pytest.raises(OverflowError):
        subtract_workdays(D(1, 1, 3), 5)


@settings(max_examples=200, deadline=None)
@given(st.dates())
def test_day_info_never_raises(day: dt.date) -> None:
    info = day_info(day)
    assert info.date == day
    assert info.source in ("official", "package", "provisional")
    assert is_workday(day) == info.is_workday


# ---- speed and caching ---------------------------------------------------------------------------------------


def test_counts_over_five_years_match_a_day_by_day_count() -> None:
    start, end = D(2023, 3, 15), D(2028, 3, 15)
    naive = 0
    day = start + dt.timedelta(days=1)
    while day <= end:
        naive += is_workday(day)
        day += dt.timedelta(days=1)
    assert workdays_between(start, end) == naive
    assert is_workday(end)  # a Wednesday in provisional 2028
    assert add_workdays(start, naive) == end
    assert subtract_workdays(end, naive) == start  # start is a working day (a Wednesday)


def test_warm_calls_are_fast_and_query_free(django_assert_num_queries: object) -> None:
    add_workdays(D(2026, 3, 2), 15)
    workdays_between(D(2022, 1, 1), D(2027, 12, 31))  # warm every year
    with django_assert_num_queries(0):  # type: ignore[operator]
        started = time.perf_counter()
        for _ in range(2000):
            add_workdays(D(2026, 3, 2), 15)
            workdays_between(D(2022, 1, 1), D(2027, 12, 31))
        elapsed = time.perf_counter() - started
    assert elapsed < 1.0  # about 5 ms here; a day-by-day loop would take seconds


def test_an_official_year_is_built_with_one_query(django_assert_num_queries: object) -> None:
    CalendarYear.objects.create(year=2027)
    with django_assert_num_queries(2):  # type: ignore[operator]
        # the list of official years, then the year's exceptions
        assert year_source(2027) == "official"
        assert is_workday(D(2027, 1, 1))  # no exceptions entered: Friday works
        assert add_workdays(D(2027, 3, 1), 20) == D(2027, 3, 29)


def test_cache_expires_after_sixty_seconds(monkeypatch: pytest.MonkeyPatch) -> None:
    now = [1000.0]
    monkeypatch.setattr(services, "_clock", lambda: now[0])
    assert year_source(2027) == "provisional"
    CalendarYear.objects.create(year=2027)  # written behind the cache's back (another process)
    now[0] += 59
    assert year_source(2027) == "provisional"
    now[0] += 2
    assert year_source(2027) == "official"


def test_cache_clear_is_immediate() -> None:
    assert year_source(2027) == "provisional"
    CalendarYear.objects.create(year=2027)
    assert year_source(2027) == "provisional"
    services.calendar_cache_clear()
    assert year_source(2027) == "official"
