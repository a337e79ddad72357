"""Working-day arithmetic from the shell.

    ducha workdays add 2026-09-30 1        -> 2026-10-08
    ducha workdays between 2026-09-30 2026-10-08   -> 1
    ducha workdays show 2026-10-10         -> 2026-10-10 working day 国庆节 (chinesecalendar package data)

Only the result goes to stdout; a notice that the result rests on a provisional calendar goes to stderr.
"""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from ducha.workcalendar.services import (
    SOURCE_OFFICIAL,
    SOURCE_PACKAGE,
    SOURCE_PROVISIONAL,
    add_workdays,
    day_info,
    workdays_between,
    year_source,
)

_ISO_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")

SOURCE_LABELS: dict[str, Any] = {
    SOURCE_OFFICIAL: _("official arrangement entered by the administrator"),
    SOURCE_PACKAGE: _("chinesecalendar package data"),
    SOURCE_PROVISIONAL: _("provisional calendar (statutory holidays only, no make-up working days)"),
}


def parse_date(value: str) -> dt.date:
    text = value.strip()
    if _ISO_DATE.match(text):
        try:
            return dt.date.fromisoformat(text)
        except ValueError:
            pass
    raise CommandError(_("Not a valid date (expected YYYY-MM-DD): %(value)s") % {"value": value})


def parse_count(value: str) -> int:
    try:
        count = int(value.strip())
    except ValueError:
        count = -1
    if count < 0:
        raise CommandError(
            _("The number of working days must be a whole number of at least 0: %(value)s") % {"value": value}
        )
    return count


def provisional_years(low: dt.date, high: dt.date) -> list[int]:
    """The years from low to high (inclusive) that rest on the provisional calendar."""
    return [year for year in range(low.year, high.year + 1) if year_source(year) == SOURCE_PROVISIONAL]


class Command(BaseCommand):
    help = _("Working-day arithmetic on the project's calendar: add, between, show.")  # type: ignore[assignment]
    # A read-only query tool: it must answer even while an unrelated part of the project fails its checks.
    requires_system_checks: list[str] = []

    def add_arguments(self, parser: CommandParser) -> None:
        actions = parser.add_subparsers(dest="action", required=True, metavar="{add,between,show}")
        add = actions.add_parser("add", help=gettext("the date of the N-th working day after a date"))
        add.add_argument("start", help=gettext("the start date, YYYY-MM-DD (never counted itself)"))
        add.add_argument("n", help=gettext("the number of working days, 0 or more"))
        between = actions.add_parser("between", help=gettext("the number of working days d with A < d <= B"))
        between.add_argument("a", help=gettext("date A, YYYY-MM-DD"))
        between.add_argument("b", help=gettext("date B, YYYY-MM-DD"))
        show = actions.add_parser("show", help=gettext("whether a date is a working day, and why"))
        show.add_argument("day", help=gettext("the date, YYYY-MM-DD"))

    def handle(self, *args: Any, **options: Any) -> None:
        action = options["action"]
        try:
            if action == "add":
                self._add(parse_date(options["start"]), parse_count(options["n"]))
            elif action == "between":
                self._between(parse_date(options["a"]), parse_date(options["b"]))
            else:
                self._show(parse_date(options["day"]))
        except OverflowError as error:
            raise CommandError(_("The result lies outside the supported years 1 to 9999.")) from error

    def _notice(self, years: list[int]) -> None:
        if years:
            self.stderr.write(
                _(
                    "Note: the result rests on the provisional calendar for %(years)s; the State Council's "
                    "arrangement for that year has not been entered yet, so the result may still change."
                )
                % {"years": ", ".join(str(year) for year in years)}
            )

    def _add(self, start: dt.date, n: int) -> None:
        result = add_workdays(start, n)
        self.stdout.write(result.isoformat())
        if result > start:
            self._notice(provisional_years(start + dt.timedelta(days=1), result))

    def _between(self, a: dt.date, b: dt.date) -> None:
        self.stdout.write(str(workdays_between(a, b)))
        low, high = min(a, b), max(a, b)
        if high > low:
            self._notice(provisional_years(low + dt.timedelta(days=1), high))

    def _show(self, day: dt.date) -> None:
        info = day_info(day)
        status = _("working day") if info.is_workday else _("rest day")
        parts = [day.isoformat(), str(status)]
        if info.name:
            parts.append(info.name)
        parts.append(f"[{SOURCE_LABELS.get(info.source, info.source)}]")
        self.stdout.write(" ".join(parts))
