"""Periods of evaluation and reporting: a quarter or a year (scores), a month, a quarter or a year (reports), as
instants in the product's time zone (Beijing): a period runs from its first day's 00:00 up to, not including, the
next period's."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.utils import timezone
from django.utils.translation import gettext as _

from ducha.common import error_codes as codes
from ducha.common.errors import ValidationFailed

FIRST_YEAR = 2000
LAST_YEAR = 2100


@dataclass(frozen=True)
class Period:
    """A year (quarter 0 and month 0), a quarter (1-4) or a month (1-12) of a year."""

    year: int
    quarter: int = 0
    month: int = 0

    @property
    def first_day(self) -> dt.date:
        if self.month:
            return dt.date(self.year, self.month, 1)
        return dt.date(self.year, 3 * (self.quarter - 1) + 1 if self.quarter else 1, 1)

    @property
    def end_day(self) -> dt.date:
        """The first day after the period."""
        if self.month:
            return dt.date(self.year + self.month // 12, self.month % 12 + 1, 1)
        if self.quarter and self.quarter < 4:
            return dt.date(self.year, 3 * self.quarter + 1, 1)
        return dt.date(self.year + 1, 1, 1)

    @property
    def start(self) -> dt.datetime:
        return _midnight(self.first_day)

    @property
    def end(self) -> dt.datetime:
        return _midnight(self.end_day)

    @property
    def label(self) -> str:
        if self.month:
            return _("%(year)s, month %(month)s") % {"year": self.year, "month": self.month}
        if self.quarter:
            return _("%(year)s, quarter %(quarter)s") % {"year": self.year, "quarter": self.quarter}
        return _("the year %(year)s") % {"year": self.year}

    def previous(self) -> Period:
        """The period of the same kind before this one (Q1's is the last year's Q4)."""
        if self.month:
            return (
                Period(self.year - 1, month=12)
                if self.month == 1
                else Period(self.year, month=self.month - 1)
            )
        if self.quarter:
            return Period(self.year - 1, 4) if self.quarter == 1 else Period(self.year, self.quarter - 1)
        return Period(self.year - 1)

    def has_begun(self, now: dt.datetime) -> bool:
        return now >= self.start

    def cutoff(self, now: dt.datetime) -> dt.datetime:
        """The instant figures of this period are taken as of: its end, or now while it runs."""
        return min(self.end, now)


def _midnight(day: dt.date) -> dt.datetime:
    return timezone.make_aware(dt.datetime.combine(day, dt.time.min), timezone.get_default_timezone())


def _number(value: object, *, field: str, low: int, high: int) -> int:
    if isinstance(value, bool):
        raise _invalid(field)
    try:
        number = int(str(value).strip()) if not isinstance(value, int) else value
    except (TypeError, ValueError):
        raise _invalid(field) from None
    if not low <= number <= high:
        raise _invalid(field)
    return number


def _invalid(field: str) -> ValidationFailed:
    return ValidationFailed(
        codes.EVALUATION_PERIOD_INVALID,
        fields={
            field: _(
                "No such period: give a year from 2000 to 2100, a quarter from 1 to 4, a month from 1 to 12."
            )
        },
    )


def period_of(year: object, quarter: object = 0) -> Period:
    """The scores' period (quarter 0 = the year), or 400 evaluation_period_invalid."""
    return Period(
        _number(year, field="year", low=FIRST_YEAR, high=LAST_YEAR),
        _number(quarter if quarter not in (None, "") else 0, field="quarter", low=0, high=4),
    )


def report_period_of(kind: str, year: object, number: object) -> Period:
    """A report's period: kind "month" (number 1-12), "quarter" (1-4) or "year" (number ignored)."""
    year_number = _number(year, field="year", low=FIRST_YEAR, high=LAST_YEAR)
    if kind == "month":
        return Period(year_number, month=_number(number, field="number", low=1, high=12))
    if kind == "quarter":
        return Period(year_number, _number(number, field="number", low=1, high=4))
    if kind == "year":
        return Period(year_number)
    raise _invalid("period")
