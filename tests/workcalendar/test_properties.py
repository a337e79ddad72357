"""Properties of the deadline arithmetic over package, provisional and official years."""

from __future__ import annotations

import datetime as dt

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from ducha.workcalendar.models import CalendarException, CalendarYear, ExceptionKind
from ducha.workcalendar.services import add_workdays, is_workday, subtract_workdays, workdays_between

D = dt.date

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("package_until_2026")]

dates = st.dates(min_value=D(2024, 1, 1), max_value=D(2029, 12, 31))
counts = st.integers(min_value=0, max_value=40)
PROPERTY_SETTINGS = settings(
    max_examples=300, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)


@pytest.fixture
def official_2028() -> None:
    """2028 as an official year with a make-up Saturday and a long holiday, so all three sources take part."""
    year = CalendarYear.objects.create(year=2028)
    CalendarException.objects.create(year=year, date=D(2028, 1, 29), kind=ExceptionKind.WORKDAY)
    for day in range(24, 29):
        CalendarException.objects.create(
            year=year, date=D(2028, 1, day), kind=ExceptionKind.HOLIDAY, name="春节"
        )


@PROPERTY_SETTINGS
@given(day=dates, n=counts)
def test_add_then_count_gives_n(official_2028: None, day: dt.date, n: int) -> None:
    result = add_workdays(day, n)
    assert workdays_between(day, result) == n
    assert result >= day
    if n:
        assert is_workday(result)


@PROPERTY_SETTINGS
@given(day=dates, n=counts)
def test_subtract_is_the_inverse_on_working_days(official_2028: None, day: dt.date, n: int) -> None:
    start = subtract_workdays(day, n)
    assert workdays_between(start, day) == n
    if n:
        assert is_workday(start)
        # It is the latest such working day: the next working day leaves fewer than n in between.
        assert workdays_between(add_workdays(start, 1), day) == n - 1
    if is_workday(day):
        assert add_workdays(start, n) == day


@PROPERTY_SETTINGS
@given(a=dates, b=dates, c=dates)
def test_counts_add_up_and_are_antisymmetric(official_2028: None, a: dt.date, b: dt.date, c: dt.date) -> None:
    assert workdays_between(a, b) == -workdays_between(b, a)
    assert workdays_between(a, b) + workdays_between(b, c) == workdays_between(a, c)


def test_the_official_year_takes_part(official_2028: None) -> None:
    assert is_workday(D(2028, 1, 29))  # a Saturday made a working day
    assert not is_workday(D(2028, 1, 26))
    assert add_workdays(D(2028, 1, 21), 1) == D(2028, 1, 29)
