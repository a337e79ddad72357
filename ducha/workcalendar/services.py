"""Working days: which dates are working days, and deadline arithmetic over them.

A date in year Y is resolved from the first source that covers Y:

1. ``official``    – the administrator has entered the State Council's arrangement for Y (a `CalendarYear` row):
                     the weekday rule (Monday–Friday work) modified by that year's `CalendarException` rows;
2. ``package``     – the bundled `chinesecalendar` package has data for Y;
3. ``provisional`` – weekends plus the statutory holidays (see `rules.provisional_holidays`); no make-up days.

Each year is built at once into a sorted list of its working days (as date ordinals) and cached per process for at
most `CACHE_TTL_SECONDS`, so that another process sees an administrator's new arrangement within a minute.
`calendar_cache_clear()` empties the cache; the write services here call it themselves.
Counting and stepping use bisection over those lists, never a day-by-day loop over the range.

Every change of a year's arrangement is published, inside its transaction, as `calendar.arrangement_changed`
(payload: `year`, `actor`) through `ducha.common.events`: whatever rests on the calendar (the items' stored
deadlines) listens and moves with it, or the change rolls back. Listeners answer how many records they moved.
The calendar knows none of them.
"""

from __future__ import annotations

import datetime as dt
import math
import threading
import time
from bisect import bisect_right
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from functools import lru_cache
from typing import TYPE_CHECKING, Any, NamedTuple

import chinese_calendar
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from ducha.audit.models import EventType
from ducha.audit.services import event_record
from ducha.common import error_codes, events
from ducha.common.errors import ValidationFailed
from ducha.workcalendar import rules
from ducha.workcalendar.models import CalendarException, CalendarYear, ExceptionKind
from ducha.workcalendar.rules import provisional_holidays

if TYPE_CHECKING:
    from ducha.orgs.models import User

__all__ = [
    "ARRANGEMENT_CHANGED",
    "CACHE_TTL_SECONDS",
    "SOURCE_OFFICIAL",
    "SOURCE_PACKAGE",
    "SOURCE_PROVISIONAL",
    "DayInfo",
    "WorkdayCount",
    "WorkdayResult",
    "add_workdays",
    "add_workdays_detailed",
    "calendar_cache_clear",
    "calendar_year_delete",
    "calendar_year_preview",
    "calendar_year_set",
    "calendar_year_snapshot",
    "calendar_year_touched",
    "day_info",
    "is_workday",
    "package_year_range",
    "provisional_holidays",
    "subtract_workdays",
    "workdays_between",
    "workdays_between_detailed",
    "year_source",
]

SOURCE_OFFICIAL = "official"
SOURCE_PACKAGE = "package"
SOURCE_PROVISIONAL = "provisional"

CACHE_TTL_SECONDS = 60.0
NAME_MAX_LENGTH = 64

# The clock used for the cache's time-to-live; tests may replace it.
_clock: Callable[[], float] = time.monotonic


# --------------------------------------------------------------------------------------------------------------
# Results


@dataclass(frozen=True)
class DayInfo:
    """One date's status. `name` is the holiday's Chinese name (for a make-up working day: the holiday it belongs
    to), or "" for an ordinary day."""

    date: dt.date
    is_workday: bool
    name: str
    source: str


class WorkdayResult(NamedTuple):
    date: dt.date
    is_provisional: bool  # some day in (start, date] lies in a year resting on the provisional calendar


class WorkdayCount(NamedTuple):
    number: int
    is_provisional: bool  # some day in the counted range lies in a year resting on the provisional calendar


# --------------------------------------------------------------------------------------------------------------
# The per-process cache


@dataclass(frozen=True)
class _YearData:
    year: int
    source: str
    workdays: tuple[int, ...]  # sorted ordinals of the year's working days
    workday_set: frozenset[int]
    names: dict[int, str]  # ordinal -> name, for holidays and make-up working days
    expires_at: float


_lock = threading.Lock()
_years: dict[int, _YearData] = {}
_official: tuple[float, frozenset[int]] | None = None  # (expires_at, years with an official arrangement)

# A transaction that has changed the calendar must neither read the shared cache (other threads may refill it with
# the committed, old arrangement) nor fill it (its changes may still be rolled back). Until it commits, it uses a
# cache of its own, kept on the database connection and valid while its on-commit callback is still pending.
_PRIVATE_ATTR = "_workcalendar_private_cache"


@dataclass
class _PrivateCache:
    token: Callable[[], None]
    years: dict[int, _YearData] = field(default_factory=dict)
    official: frozenset[int] | None = None

    def reset(self) -> None:
        self.years.clear()
        self.official = None


def _private_cache() -> _PrivateCache | None:
    connection = transaction.get_connection()
    private: _PrivateCache | None = getattr(connection, _PRIVATE_ATTR, None)
    if private is None:
        return None
    # Django drops a transaction's (or a rolled-back savepoint's) on-commit callbacks when it rolls them back.
    if connection.in_atomic_block and any(entry[1] is private.token for entry in connection.run_on_commit):
        return private
    setattr(connection, _PRIVATE_ATTR, None)
    return None


def calendar_cache_clear() -> None:
    """Forget every cached year in this process (other processes follow within `CACHE_TTL_SECONDS`)."""
    global _official
    with _lock:
        _years.clear()
        _official = None
    private = _private_cache()
    if private is not None:
        private.reset()


@lru_cache(maxsize=1)
def package_year_range() -> tuple[int, int] | None:
    """The (first, last) year the installed `chinesecalendar` has data for, or None if it has none."""
    try:
        years = {day.year for day in chinese_calendar.constants.holidays}
    except Exception:  # a future package layout must not break the calendar; fall back to provisional
        return None
    return (min(years), max(years)) if years else None


def _official_years() -> tuple[float, frozenset[int]]:
    global _official
    now = _clock()
    current = _official
    if current is not None and current[0] > now:
        return current
    years = frozenset(CalendarYear.objects.values_list("year", flat=True))
    fresh = (now + CACHE_TTL_SECONDS, years)
    with _lock:
        _official = fresh
    return fresh


def _check_year(year: int) -> None:
    if not dt.MINYEAR <= year <= dt.MAXYEAR:
        raise OverflowError(f"year {year} is out of range")


def _year_data(year: int) -> _YearData:
    private = _private_cache()
    if private is not None:
        return _private_year_data(private, year)
    cached = _years.get(year)
    if cached is not None and cached.expires_at > _clock():
        return cached
    _check_year(year)
    expires_at, official_years = _official_years()
    data = _build(year, official_years, expires_at)
    with _lock:
        _years[year] = data
    return data


def _private_year_data(private: _PrivateCache, year: int) -> _YearData:
    data = private.years.get(year)
    if data is None:
        _check_year(year)
        if private.official is None:
            private.official = frozenset(CalendarYear.objects.values_list("year", flat=True))
        data = private.years[year] = _build(year, private.official, math.inf)
    return data


def _build(year: int, official_years: frozenset[int], expires_at: float) -> _YearData:
    data: _YearData | None = None
    if year in official_years:
        data = _build_official(year, expires_at)
    if data is None:
        data = _build_package(year, expires_at)
    if data is None:
        data = _build_provisional(year, expires_at)
    return data


def _year_ordinals(year: int) -> range:
    return range(dt.date(year, 1, 1).toordinal(), dt.date(year, 12, 31).toordinal() + 1)


def _ordinal_is_weekday(ordinal: int) -> bool:
    return (ordinal - 1) % 7 < 5  # date.fromordinal(1) is a Monday


def _make(year: int, source: str, workdays: list[int], names: dict[int, str], expires_at: float) -> _YearData:
    return _YearData(
        year=year,
        source=source,
        workdays=tuple(workdays),
        workday_set=frozenset(workdays),
        names=names,
        expires_at=expires_at,
    )


def _apply_exceptions(year: int, holidays: Iterable[int], workdays: Iterable[int]) -> list[int]:
    rest = set(holidays)
    work = set(workdays)
    return [o for o in _year_ordinals(year) if o in work or (o not in rest and _ordinal_is_weekday(o))]


def _build_official(year: int, expires_at: float) -> _YearData | None:
    rows = list(
        CalendarYear.objects.filter(year=year).values_list(
            "exceptions__date", "exceptions__kind", "exceptions__name"
        )
    )
    if not rows:  # deleted since the list of official years was read
        return None
    holidays: list[int] = []
    workdays: list[int] = []
    names: dict[int, str] = {}
    for day, kind, name in rows:
        if day is None:  # the year has no exceptions at all
            continue
        ordinal = day.toordinal()
        (workdays if kind == ExceptionKind.WORKDAY else holidays).append(ordinal)
        if name:
            names[ordinal] = name
    return _make(year, SOURCE_OFFICIAL, _apply_exceptions(year, holidays, workdays), names, expires_at)


def _build_package(year: int, expires_at: float) -> _YearData | None:
    covered = package_year_range()
    if covered is None or not covered[0] <= year <= covered[1]:
        return None
    workdays: list[int] = []
    names: dict[int, str] = {}
    try:
        for ordinal in _year_ordinals(year):
            day = dt.date.fromordinal(ordinal)
            if chinese_calendar.is_workday(day):
                workdays.append(ordinal)
            _on_holiday, name = chinese_calendar.get_holiday_detail(day)
            if name:
                names[ordinal] = rules.package_holiday_name(name)
    except NotImplementedError:
        return None
    return _make(year, SOURCE_PACKAGE, workdays, names, expires_at)


def _build_provisional(year: int, expires_at: float) -> _YearData:
    holidays = {day.toordinal(): name for day, name in provisional_holidays(year).items()}
    return _make(year, SOURCE_PROVISIONAL, _apply_exceptions(year, holidays, ()), holidays, expires_at)


# --------------------------------------------------------------------------------------------------------------
# Reads


def _as_date(value: dt.date) -> dt.date:
    """A date as given; a moment as the day it falls on in the project's time zone (02:00 UTC is 10:00 Beijing)."""
    if isinstance(value, dt.datetime):
        return timezone.localdate(value) if timezone.is_aware(value) else value.date()
    return value


def _check_count(n: int) -> None:
    if n < 0:
        raise ValueError(f"the number of working days must not be negative (got {n})")


def day_info(d: dt.date) -> DayInfo:
    """Whether `d` is a working day, its holiday name (or "") and the source that decided it. Never raises for a
    valid date."""
    d = _as_date(d)
    data = _year_data(d.year)
    ordinal = d.toordinal()
    return DayInfo(
        date=d, is_workday=ordinal in data.workday_set, name=data.names.get(ordinal, ""), source=data.source
    )


def is_workday(d: dt.date) -> bool:
    d = _as_date(d)
    return d.toordinal() in _year_data(d.year).workday_set


def year_source(year: int) -> str:
    """'official', 'package' or 'provisional' — where the working days of `year` come from."""
    return _year_data(year).source


def _years_in_range(a: dt.date, b: dt.date) -> range:
    """The years containing a day of the half-open range (a, b], for a < b."""
    first = a.year + 1 if (a.month, a.day) == (12, 31) else a.year
    return range(first, b.year + 1)


def _any_provisional(a: dt.date, b: dt.date) -> bool:
    if b <= a:
        return False
    return any(_year_data(year).source == SOURCE_PROVISIONAL for year in _years_in_range(a, b))


def add_workdays(start: dt.date, n: int) -> dt.date:
    """The date of the n-th working day after `start` (`start` itself never counts); `start` for n == 0."""
    start = _as_date(start)
    _check_count(n)
    if n == 0:
        return start
    year = start.year
    workdays = _year_data(year).workdays
    index = bisect_right(workdays, start.toordinal())
    remaining = n
    while True:
        available = len(workdays) - index
        if remaining <= available:
            return dt.date.fromordinal(workdays[index + remaining - 1])
        remaining -= available
        year += 1
        workdays = _year_data(year).workdays
        index = 0


def add_workdays_detailed(start: dt.date, n: int) -> WorkdayResult:
    """`add_workdays` plus whether the result rests on a provisional calendar."""
    start = _as_date(start)
    result = add_workdays(start, n)
    return WorkdayResult(result, _any_provisional(start, result))


def subtract_workdays(end: dt.date, n: int) -> dt.date:
    """The latest working day w <= `end` with workdays_between(w, end) == n; `end` for n == 0.

    For a working day `end`, this is the inverse of `add_workdays`: add_workdays(subtract_workdays(end, n), n) == end.
    """
    end = _as_date(end)
    _check_count(n)
    if n == 0:
        return end
    year = end.year
    workdays = _year_data(year).workdays
    available = bisect_right(workdays, end.toordinal())  # working days <= end in this year
    needed = n + 1  # the (n+1)-th working day counting backwards from end, end included
    while True:
        if available >= needed:
            return dt.date.fromordinal(workdays[available - needed])
        needed -= available
        year -= 1
        workdays = _year_data(year).workdays
        available = len(workdays)


def workdays_between(a: dt.date, b: dt.date) -> int:
    """The number of working days d with a < d <= b; negative (-(workdays_between(b, a))) if b < a."""
    a, b = _as_date(a), _as_date(b)
    if b < a:
        return -workdays_between(b, a)
    if a == b:
        return 0
    a_ordinal, b_ordinal = a.toordinal(), b.toordinal()
    first = _year_data(a.year).workdays
    if a.year == b.year:
        return bisect_right(first, b_ordinal) - bisect_right(first, a_ordinal)
    total = len(first) - bisect_right(first, a_ordinal)
    for year in range(a.year + 1, b.year):
        total += len(_year_data(year).workdays)
    return total + bisect_right(_year_data(b.year).workdays, b_ordinal)


def workdays_between_detailed(a: dt.date, b: dt.date) -> WorkdayCount:
    """`workdays_between` plus whether any counted day lies in a year resting on a provisional calendar."""
    a, b = _as_date(a), _as_date(b)
    low, high = (a, b) if a <= b else (b, a)
    return WorkdayCount(workdays_between(a, b), _any_provisional(low, high))


# --------------------------------------------------------------------------------------------------------------
# Writes


def _normalize_days(value: Mapping[dt.date, str] | Iterable[dt.date], field: str) -> dict[dt.date, str]:
    items: Iterable[tuple[Any, Any]]
    items = value.items() if isinstance(value, Mapping) else ((day, "") for day in value)
    result: dict[dt.date, str] = {}
    for day, name in items:
        if isinstance(day, dt.datetime):
            day = day.date()
        if not isinstance(day, dt.date):
            raise ValidationFailed(
                error_codes.INVALID_INPUT, fields={field: _("%(value)s is not a date.") % {"value": day}}
            )
        text = str(name or "").strip()
        if len(text) > NAME_MAX_LENGTH:
            raise ValidationFailed(
                error_codes.INVALID_INPUT,
                fields={field: _("A name may have at most %(max)d characters.") % {"max": NAME_MAX_LENGTH}},
            )
        result[day] = text or result.get(day, "")
    return dict(sorted(result.items()))


def _validated(
    year: int,
    holidays: Mapping[dt.date, str] | Iterable[dt.date],
    workdays: Mapping[dt.date, str] | Iterable[dt.date],
) -> tuple[dict[dt.date, str], dict[dt.date, str]]:
    if isinstance(year, bool) or not isinstance(year, int) or not dt.MINYEAR <= year <= dt.MAXYEAR:
        raise ValidationFailed(error_codes.CALENDAR_YEAR_INVALID, fields={"year": _("Not a valid year.")})
    rest = _normalize_days(holidays, "holidays")
    work = _normalize_days(workdays, "workdays")
    for field_name, days in (("holidays", rest), ("workdays", work)):
        outside = [day.isoformat() for day in days if day.year != year]
        if outside:
            raise ValidationFailed(
                error_codes.CALENDAR_YEAR_INVALID,
                fields={
                    field_name: _("Not in %(year)d: %(dates)s") % {"year": year, "dates": ", ".join(outside)}
                },
            )
    both = sorted(set(rest) & set(work))
    if both:
        raise ValidationFailed(
            error_codes.CALENDAR_DATE_CONFLICT,
            fields={
                "workdays": _("Listed as both a holiday and a working day: %(dates)s")
                % {"dates": ", ".join(day.isoformat() for day in both)}
            },
        )
    return rest, work


def calendar_year_snapshot(calendar_year: CalendarYear | None) -> dict[str, Any]:
    """A year's stored arrangement as JSON-ready data (ISO dates), as written to audit events."""
    if calendar_year is None or calendar_year.pk is None:
        return {}
    holidays: list[str] = []
    workdays: list[str] = []
    names: dict[str, str] = {}
    for day, kind, name in CalendarException.objects.filter(year=calendar_year).values_list(
        "date", "kind", "name"
    ):
        (workdays if kind == ExceptionKind.WORKDAY else holidays).append(day.isoformat())
        if name:
            names[day.isoformat()] = name
    return {"holidays": sorted(holidays), "workdays": sorted(workdays), "names": dict(sorted(names.items()))}


ARRANGEMENT_CHANGED = "calendar.arrangement_changed"


def _arrangement_changed(year: int, actor: User | None) -> int:
    """Tell whoever rests on the calendar that `year`'s arrangement changed; how many records they moved."""
    return sum(int(moved or 0) for moved in events.publish(ARRANGEMENT_CHANGED, year=year, actor=actor))


def _actor_or_none(actor: User | None) -> User | None:
    return actor if actor is not None and getattr(actor, "pk", None) else None


def _calendar_changed() -> None:
    """Clear the cache now and again after the commit; until then this transaction reads its own cache."""
    calendar_cache_clear()
    connection = transaction.get_connection()
    if not connection.in_atomic_block:  # autocommit: the change is already committed
        return
    if _private_cache() is not None:  # an earlier change in this transaction is still pending; reset above
        return

    def after_commit() -> None:
        if getattr(connection, _PRIVATE_ATTR, None) is private:
            setattr(connection, _PRIVATE_ATTR, None)
        calendar_cache_clear()

    private = _PrivateCache(token=after_commit)
    setattr(connection, _PRIVATE_ATTR, private)
    transaction.on_commit(after_commit)


@transaction.atomic
def calendar_year_set(
    *,
    year: int,
    holidays: Mapping[dt.date, str] | Iterable[dt.date],
    workdays: Mapping[dt.date, str] | Iterable[dt.date],
    actor: User | None,
    note: str = "",
) -> CalendarYear:
    """Enter (or replace) the State Council's arrangement for `year`.

    `holidays`: the rest days that differ from the weekday rule (a dict date -> name such as "国庆节", or a list);
    `workdays`: the weekend days made working days (调休; a list, or a dict date -> name). Both are stored as
    given. The year's previous exceptions are replaced entirely. Raises ValidationFailed (nothing written) for a
    date outside `year` (CALENDAR_YEAR_INVALID) or a date in both lists (CALENDAR_DATE_CONFLICT).
    Publishes `calendar.arrangement_changed`; the returned year's `moved` says how many records moved with it.
    """
    rest, work = _validated(year, holidays, workdays)
    existing = CalendarYear.objects.select_for_update().filter(year=year).first()
    old = calendar_year_snapshot(existing)
    calendar_year, _created = CalendarYear.objects.update_or_create(
        year=year, defaults={"note": note, "entered_by": _actor_or_none(actor)}
    )
    CalendarException.objects.filter(year=calendar_year).delete()
    CalendarException.objects.bulk_create(
        [
            CalendarException(year=calendar_year, date=day, kind=ExceptionKind.HOLIDAY, name=name)
            for day, name in rest.items()
        ]
        + [
            CalendarException(year=calendar_year, date=day, kind=ExceptionKind.WORKDAY, name=name)
            for day, name in work.items()
        ]
    )
    new: dict[str, Any] = {
        "holidays": [day.isoformat() for day in rest],
        "workdays": [day.isoformat() for day in work],
        "names": {day.isoformat(): name for day, name in sorted({**rest, **work}.items()) if name},
    }
    event_record(
        event_type=EventType.CALENDAR_YEAR_SET,
        subject_type="calendar_year",
        subject_id=calendar_year.pk,
        actor=actor,
        old=old,
        new=new,
        comment=note,
    )
    _calendar_changed()
    calendar_year.moved = _arrangement_changed(year, actor)
    return calendar_year


def calendar_year_preview(
    *,
    year: int,
    holidays: Mapping[dt.date, str] | Iterable[dt.date],
    workdays: Mapping[dt.date, str] | Iterable[dt.date],
) -> dict[dt.date, tuple[bool, bool]]:
    """What `calendar_year_set` with these arguments would change: {date: (is_workday now, is_workday after)} for
    each date of `year` whose status would change. Validates like `calendar_year_set`; writes nothing."""
    rest, work = _validated(year, holidays, workdays)
    current = _year_data(year).workday_set
    proposed = frozenset(
        _apply_exceptions(year, (d.toordinal() for d in rest), (d.toordinal() for d in work))
    )
    return {
        dt.date.fromordinal(ordinal): (ordinal in current, ordinal in proposed)
        for ordinal in _year_ordinals(year)
        if (ordinal in current) != (ordinal in proposed)
    }


def calendar_year_touched(
    calendar_year: CalendarYear, actor: User | None, *, old: dict[str, Any] | None = None, comment: str = ""
) -> int:
    """Record that `calendar_year` was changed outside `calendar_year_set` (the Django admin), clear the cache and
    publish the change. `old` is `calendar_year_snapshot` taken before the change. Returns how many records moved
    with it."""
    event_record(
        event_type=EventType.CALENDAR_YEAR_SET,
        subject_type="calendar_year",
        subject_id=calendar_year.pk,
        actor=actor,
        old=old or {},
        new=calendar_year_snapshot(calendar_year),
        comment=comment or calendar_year.note,
    )
    _calendar_changed()
    return _arrangement_changed(calendar_year.year, actor)


@transaction.atomic
def calendar_year_delete(calendar_year: CalendarYear, actor: User | None) -> int:
    """Remove a year's official arrangement (the year falls back to the package or provisional calendar) and
    publish the change. Returns how many records moved with it."""
    old = calendar_year_snapshot(calendar_year)
    year = calendar_year.year
    subject_id = calendar_year.pk
    calendar_year.delete()
    event_record(
        event_type=EventType.CALENDAR_YEAR_SET,
        subject_type="calendar_year",
        subject_id=subject_id,
        actor=actor,
        old=old,
        new={"deleted": True},
    )
    _calendar_changed()
    return _arrangement_changed(year, actor)
