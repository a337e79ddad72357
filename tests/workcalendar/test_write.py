"""Entering the State Council's arrangement: calendar_year_set, preview, delete, and their side effects."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.db import transaction

from ducha.audit.models import Event, EventType
from ducha.common import error_codes
from ducha.common.errors import ValidationFailed
from ducha.workcalendar import services
from ducha.workcalendar.models import CalendarException, CalendarYear, ExceptionKind
from ducha.workcalendar.services import (
    add_workdays,
    add_workdays_detailed,
    calendar_year_delete,
    calendar_year_preview,
    calendar_year_set,
    day_info,
    is_workday,
    year_source,
)

D = dt.date

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("package_until_2026")]

# A plausible 2027 arrangement (invented for the tests): Spring Festival Feb 5-12 with make-up Sat Feb 20.
HOLIDAYS_2027 = {
    D(2027, 1, 1): "元旦",
    D(2027, 2, 5): "春节",
    D(2027, 2, 8): "春节",
    D(2027, 2, 9): "春节",
    D(2027, 2, 10): "春节",
    D(2027, 2, 11): "春节",
    D(2027, 2, 12): "春节",
}
WORKDAYS_2027 = [D(2027, 2, 20)]


def counts() -> tuple[int, int, int]:
    return CalendarYear.objects.count(), CalendarException.objects.count(), Event.objects.count()


def calendar_events() -> list[Event]:
    return list(Event.objects.filter(subject_type="calendar_year").order_by("id"))


def test_official_2027_replaces_the_provisional_calendar(calendar_admin: Any) -> None:
    # Warm the cache with the provisional answers first.
    assert year_source(2027) == "provisional"
    assert add_workdays(D(2027, 2, 19), 1) == D(2027, 2, 22)
    assert add_workdays(D(2027, 2, 4), 1) == D(2027, 2, 9)
    assert add_workdays_detailed(D(2026, 12, 30), 3).is_provisional

    calendar_year_set(
        year=2027, holidays=HOLIDAYS_2027, workdays=WORKDAYS_2027, actor=calendar_admin, note="国办发明电"
    )

    # No manual cache clearing: the write service did it.
    assert year_source(2027) == "official"
    assert day_info(D(2027, 2, 20)) == services.DayInfo(D(2027, 2, 20), True, "", "official")
    assert add_workdays(D(2027, 2, 19), 1) == D(2027, 2, 20)  # the make-up Saturday now works
    assert add_workdays(D(2027, 2, 4), 1) == D(2027, 2, 15)
    assert day_info(D(2027, 2, 10)).name == "春节"
    assert not is_workday(D(2027, 2, 6))  # a weekend inside the block stays a rest day
    assert add_workdays_detailed(D(2026, 12, 30), 3) == services.WorkdayResult(D(2027, 1, 5), False)


def test_official_arrangement_overrides_a_package_year(calendar_admin: Any) -> None:
    assert is_workday(D(2026, 10, 10))
    assert not is_workday(D(2026, 10, 5))
    calendar_year_set(year=2026, holidays=[D(2026, 10, 1), D(2026, 10, 2)], workdays=[], actor=calendar_admin)
    assert year_source(2026) == "official"
    # Only what was entered counts: the package's make-up Saturday and Oct 5 no longer apply.
    assert not is_workday(D(2026, 10, 10))
    assert is_workday(D(2026, 10, 5))
    assert add_workdays(D(2026, 9, 30), 1) == D(2026, 10, 5)
    assert day_info(D(2026, 10, 1)) == services.DayInfo(D(2026, 10, 1), False, "", "official")


def test_set_replaces_the_year_entirely_and_stores_as_given(calendar_admin: Any) -> None:
    calendar_year_set(year=2027, holidays=HOLIDAYS_2027, workdays=WORKDAYS_2027, actor=calendar_admin)
    # A holiday on a weekend and a "working day" on a weekday are allowed and stored as given.
    calendar_year_set(
        year=2027, holidays={D(2027, 10, 2): "国庆节"}, workdays={D(2027, 3, 3): "调休"}, actor=calendar_admin
    )
    assert CalendarYear.objects.count() == 1
    assert list(CalendarException.objects.values_list("date", "kind", "name")) == [
        (D(2027, 3, 3), ExceptionKind.WORKDAY, "调休"),
        (D(2027, 10, 2), ExceptionKind.HOLIDAY, "国庆节"),
    ]
    assert is_workday(D(2027, 2, 9))  # the first arrangement's holidays are gone
    assert not is_workday(D(2027, 2, 20))
    assert is_workday(D(2027, 3, 3))


def test_audit_event_records_old_and_new(calendar_admin: Any) -> None:
    first = calendar_year_set(
        year=2027, holidays=HOLIDAYS_2027, workdays=WORKDAYS_2027, actor=calendar_admin, note="first"
    )
    assert first.entered_by == calendar_admin
    calendar_year_set(year=2027, holidays=[D(2027, 1, 1)], workdays=[], actor=calendar_admin, note="second")
    events = calendar_events()
    assert len(events) == 2
    assert {event.event_type for event in events} == {EventType.CALENDAR_YEAR_SET}
    assert {event.subject_id for event in events} == {first.pk}
    assert events[0].actor == calendar_admin
    assert events[0].old == {}
    assert events[0].new["holidays"] == [day.isoformat() for day in sorted(HOLIDAYS_2027)]
    assert events[0].new["workdays"] == ["2027-02-20"]
    assert events[0].comment == "first"
    assert events[1].old["holidays"] == events[0].new["holidays"]
    assert events[1].old["workdays"] == ["2027-02-20"]
    assert events[1].old["names"]["2027-01-01"] == "元旦"
    assert events[1].new == {"holidays": ["2027-01-01"], "workdays": [], "names": {}}
    assert events[1].comment == "second"


def test_actor_may_be_none() -> None:
    calendar_year = calendar_year_set(year=2027, holidays=[D(2027, 1, 1)], workdays=[], actor=None)
    assert calendar_year.entered_by is None
    assert [event.actor for event in calendar_events()] == [None]


def test_conflicting_date_is_refused_and_nothing_changes(calendar_admin: Any) -> None:
    calendar_year_set(year=2027, holidays=HOLIDAYS_2027, workdays=WORKDAYS_2027, actor=calendar_admin)
    before = counts()
    with pytest.raises(ValidationFailed) as caught:
        calendar_year_set(
            year=2027,
            holidays=[D(2027, 5, 3)],
            workdays=[D(2027, 5, 3), D(2027, 4, 25)],
            actor=calendar_admin,
        )
    assert caught.value.code == error_codes.CALENDAR_DATE_CONFLICT
    assert "2027-05-03" in caught.value.fields["workdays"]
    assert counts() == before
    assert not is_workday(D(2027, 2, 9))  # the previous arrangement still holds


def test_date_outside_the_year_is_refused_and_nothing_changes(calendar_admin: Any) -> None:
    before = counts()
    assert before[:2] == (0, 0)
    with pytest.raises(ValidationFailed) as caught:
        calendar_year_set(
            year=2027, holidays=[D(2027, 1, 1), D(2026, 12, 31)], workdays=[], actor=calendar_admin
        )
    assert caught.value.code == error_codes.CALENDAR_YEAR_INVALID
    assert "2026-12-31" in caught.value.fields["holidays"]
    with pytest.raises(ValidationFailed) as caught:
        calendar_year_set(year=2027, holidays=[], workdays=[D(2028, 1, 8)], actor=calendar_admin)
    assert caught.value.code == error_codes.CALENDAR_YEAR_INVALID
    assert counts() == before
    assert year_source(2027) == "provisional"


def test_invalid_year_and_non_dates_are_refused(calendar_admin: Any) -> None:
    before = counts()
    with pytest.raises(ValidationFailed) as caught:
        calendar_year_set(year=0, holidays=[], workdays=[], actor=calendar_admin)
    assert caught.value.code == error_codes.CALENDAR_YEAR_INVALID
    with pytest.raises(ValidationFailed) as caught:
        calendar_year_set(year=2027, holidays=["2027-01-01"], workdays=[], actor=calendar_admin)  # type: ignore[list-item]
    assert caught.value.code == error_codes.INVALID_INPUT
    assert counts() == before


def test_cache_is_cleared_on_commit_as_well(
    calendar_admin: Any, django_capture_on_commit_callbacks: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    cleared: list[str] = []
    real_clear = services.calendar_cache_clear

    def spy() -> None:
        cleared.append("clear")
        real_clear()

    monkeypatch.setattr(services, "calendar_cache_clear", spy)
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        calendar_year_set(year=2027, holidays=[], workdays=[], actor=calendar_admin)
    assert len(callbacks) == 1
    assert cleared == ["clear", "clear"]  # immediately, and again after the commit


def test_preview_lists_only_the_days_that_change(calendar_admin: Any) -> None:
    before = counts()
    changes = calendar_year_preview(year=2027, holidays=HOLIDAYS_2027, workdays=WORKDAYS_2027)
    # Provisional 2027 already rests on Jan 1 and Feb 5-8; newly resting: Feb 9-12; newly working: Sat Feb 20
    # and the provisional weekday holidays this arrangement leaves out (e.g. 清明 on Monday Apr 5).
    assert changes[D(2027, 2, 9)] == (True, False)
    assert changes[D(2027, 2, 12)] == (True, False)
    assert changes[D(2027, 2, 20)] == (False, True)
    assert changes[D(2027, 4, 5)] == (False, True)  # Monday: provisional 清明, not entered here
    assert D(2027, 2, 5) not in changes and D(2027, 1, 1) not in changes
    assert D(2027, 5, 1) not in changes  # a Saturday either way
    assert all(old != new for old, new in changes.values())
    assert counts() == before
    with pytest.raises(ValidationFailed):
        calendar_year_preview(year=2027, holidays=[D(2027, 1, 4)], workdays=[D(2027, 1, 4)])


def test_preview_against_an_existing_official_year_is_empty_for_the_same_input(calendar_admin: Any) -> None:
    calendar_year_set(year=2027, holidays=HOLIDAYS_2027, workdays=WORKDAYS_2027, actor=calendar_admin)
    assert calendar_year_preview(year=2027, holidays=HOLIDAYS_2027, workdays=WORKDAYS_2027) == {}


def test_delete_falls_back_and_is_audited(calendar_admin: Any) -> None:
    calendar_year = calendar_year_set(
        year=2027, holidays=HOLIDAYS_2027, workdays=WORKDAYS_2027, actor=calendar_admin
    )
    assert year_source(2027) == "official"
    calendar_year_delete(calendar_year, calendar_admin)
    assert year_source(2027) == "provisional"
    assert CalendarException.objects.count() == 0
    event = calendar_events()[-1]
    assert event.new == {"deleted": True}
    assert event.old["workdays"] == ["2027-02-20"]


def test_a_rolled_back_arrangement_does_not_linger_in_the_cache(calendar_admin: Any) -> None:
    assert year_source(2027) == "provisional"

    class Abort(Exception):
        pass

    with pytest.raises(Abort), transaction.atomic():
        calendar_year_set(year=2027, holidays=HOLIDAYS_2027, workdays=WORKDAYS_2027, actor=calendar_admin)
        assert year_source(2027) == "official"  # the writing transaction sees its own change
        assert add_workdays(D(2027, 2, 19), 1) == D(2027, 2, 20)
        raise Abort
    assert CalendarYear.objects.count() == 0
    assert year_source(2027) == "provisional"
    assert add_workdays(D(2027, 2, 19), 1) == D(2027, 2, 22)


def test_the_writing_transaction_ignores_the_shared_cache_until_commit(
    calendar_admin: Any, django_capture_on_commit_callbacks: Any
) -> None:
    with django_capture_on_commit_callbacks(execute=True):
        calendar_year_set(year=2027, holidays=HOLIDAYS_2027, workdays=WORKDAYS_2027, actor=calendar_admin)
        # Another thread, not seeing the uncommitted rows, refills the shared cache with the old calendar.
        stale = services._build_provisional(2027, expires_at=float("inf"))
        services._years[2027] = stale
        assert year_source(2027) == "official"
        # A second change in the same transaction is seen too.
        calendar_year_set(year=2027, holidays=[], workdays=[D(2027, 2, 27)], actor=calendar_admin)
        assert is_workday(D(2027, 2, 27))
        assert is_workday(D(2027, 2, 9))
    # After the commit the shared cache is used again, rebuilt from the committed rows.
    assert services._years == {}
    assert year_source(2027) == "official"
    assert 2027 in services._years
    assert is_workday(D(2027, 2, 27))
