"""The working-day arrangement's form (the calendar page): the holidays as rows of a date and a name, or pasted as
lines; the make-up working days pasted as lines; a note; and the preview/confirm button with the digest of what
was previewed.

Its clean() reads the rows and lines into an `Arrangement`; the first row or line it cannot read refuses the form
with the ValidationFailed the page shows, naming that row or line. Every field is kept as typed, so the page can
show the input again with the error.
"""

from __future__ import annotations

import datetime
import hashlib
import json
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

from ducha.common import error_codes
from ducha.common.errors import ValidationFailed
from ducha.workbench.forms.fields import RawTextField, invalid_input
from ducha.workcalendar import services as workdays

_DATE = r"(?P<{p}y>\d{{4}})\s*[-/.年]\s*(?P<{p}m>\d{{1,2}})\s*[-/.月]\s*(?P<{p}d>\d{{1,2}})(?:\s*日)?"
_END = r"(?:(?:(?P<ey>\d{4})\s*[-/.年]\s*)?(?P<em>\d{1,2})\s*[-/.月]\s*)?(?P<ed>\d{1,2})(?:\s*日)?"
_LINE = re.compile(
    rf"^{_DATE.format(p='s')}"
    rf"(?:(?:\s*(?:~|～|至|到|–|—)|\s+-(?=\s))\s*{_END})?"
    r"(?:\s*[(（][^)）]*[)）])?"  # a weekday in brackets, as the State Council's notice writes it
    r"[\s,，:：、;；]*(?P<name>.*?)\s*$"
)
_DATES_ONLY = re.compile(r"[\d\-/.\s,，、;；]+")

HolidayRow = tuple[str, str]


@dataclass
class Arrangement:
    """What the user entered: holidays (date → name) and make-up working days (date → name)."""

    holidays: dict[datetime.date, str] = field(default_factory=dict)
    workdays: dict[datetime.date, str] = field(default_factory=dict)

    def digest(self, year: int, stored: Mapping[str, Any]) -> str:
        """A fingerprint of the proposal and of the stored arrangement it would replace: a confirmation applies
        only what was previewed, against what was there when it was previewed."""
        payload = {
            "year": year,
            "holidays": {day.isoformat(): name for day, name in sorted(self.holidays.items())},
            "workdays": {day.isoformat(): name for day, name in sorted(self.workdays.items())},
            "stored": stored,
        }
        return hashlib.sha256(json.dumps(payload, sort_keys=True, ensure_ascii=False).encode()).hexdigest()


def _date(year: str, month: str, day: str) -> datetime.date:
    return datetime.date(int(year), int(month), int(day))


def parse_day_lines(text: str, *, field_name: str) -> dict[datetime.date, str]:
    """Dates (and names) from pasted lines: "2027-01-01 元旦", "2027/10/1 至 2027/10/7 国庆节", "2027年2月6日至12日 春节",
    "2027-02-14（星期日）". Several dates may share a line when separated by commas or spaces and carry no name.
    Raises ValidationFailed naming the first line it cannot read."""
    days: dict[datetime.date, str] = {}
    for number, raw in enumerate(text.splitlines(), start=1):
        line = raw.strip()
        if not line:
            continue
        pieces = [line]
        whole = _LINE.match(line)
        if whole and not whole["ed"] and whole["name"] and _DATES_ONLY.fullmatch(whole["name"]):
            # "2027-02-13, 2027-02-14": several dates, no names
            pieces = [piece for piece in re.split(r"[\s,，、;；]+", line) if piece]
        for piece in pieces:
            match = _LINE.match(piece)
            try:
                if match is None:
                    raise ValueError(piece)
                start = _date(match["sy"], match["sm"], match["sd"])
                end = start
                if match["ed"]:
                    end = _date(match["ey"] or str(start.year), match["em"] or str(start.month), match["ed"])
                if not start <= end <= start + datetime.timedelta(days=31):
                    raise ValueError(piece)
            except ValueError:
                raise ValidationFailed(
                    error_codes.INVALID_INPUT,
                    fields={
                        field_name: _("Line %(number)d is not a date or a date range: %(line)s")
                        % {"number": number, "line": raw.strip()[:80]}
                    },
                ) from None
            name = match["name"][: workdays.NAME_MAX_LENGTH]
            for offset in range((end - start).days + 1):
                day = start + datetime.timedelta(days=offset)
                days[day] = name or days.get(day, "")
    return days


def parse_holiday_rows(rows: list[HolidayRow]) -> dict[datetime.date, str]:
    """Dates and names from the holiday rows (a row with neither is skipped). Raises ValidationFailed naming the
    first row it cannot read."""
    days: dict[datetime.date, str] = {}
    for number, (raw, name) in enumerate(rows, start=1):
        text = raw.strip()
        if not text:
            if name.strip():
                raise ValidationFailed(
                    error_codes.INVALID_INPUT,
                    fields={"holidays": _("Row %(number)d has a name but no date.") % {"number": number}},
                )
            continue
        try:
            day = datetime.date.fromisoformat(text)
        except ValueError:
            raise ValidationFailed(
                error_codes.INVALID_INPUT,
                fields={
                    "holidays": _("Row %(number)d: %(value)s is not a date.")
                    % {"number": number, "value": text[:40]}
                },
            ) from None
        days[day] = name.strip()[: workdays.NAME_MAX_LENGTH] or days.get(day, "")
    return days


class _HolidayRows(forms.Widget):
    """The holiday rows: the repeated holiday_date and holiday_name, paired (a missing name is blank)."""

    def value_from_datadict(self, data: Any, files: Any, name: str) -> list[HolidayRow]:
        dates, names = data.getlist("holiday_date"), data.getlist("holiday_name")
        return list(zip(dates, [*names, *[""] * len(dates)], strict=False))


class HolidayRowsField(forms.Field):
    """(date, name) of every holiday row, as typed."""

    widget = _HolidayRows

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(required=False, **kwargs)

    def to_python(self, value: Any) -> list[HolidayRow]:
        return list(value or ())


class ArrangementForm(forms.Form):
    """One year's arrangement: `action` is "confirm" on the preview's confirm button, with the `digest` of what was
    previewed; any other post asks for a preview."""

    note = RawTextField()
    action = RawTextField()
    digest = RawTextField()
    holiday_rows = HolidayRowsField()
    holidays_text = RawTextField()
    workdays_text = RawTextField()

    refusal: ValidationFailed | None = None

    def clean_note(self) -> str:
        return str(self.cleaned_data["note"]).strip()

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        try:
            holidays = parse_holiday_rows(data["holiday_rows"])
            pasted = parse_day_lines(data["holidays_text"], field_name="holidays_text")
            made_up = parse_day_lines(data["workdays_text"], field_name="workdays")
        except ValidationFailed as failure:
            self.refusal = failure
            raise ValidationError(failure.message, code=failure.code) from None
        for day, name in pasted.items():
            holidays[day] = name or holidays.get(day, "")
        data["arrangement"] = Arrangement(
            holidays=dict(sorted(holidays.items())), workdays=dict(sorted(made_up.items()))
        )
        return data

    def arrangement(self) -> Arrangement:
        """The arrangement entered; raises the ValidationFailed naming the first row or line that cannot be read.
        The fields as typed are in cleaned_data either way."""
        if not self.is_valid():
            raise self.refusal or invalid_input(self)
        arrangement: Arrangement = self.cleaned_data["arrangement"]
        return arrangement

    def confirms(self) -> bool:
        """Whether this post confirms a preview (the digest says which) rather than asking for one."""
        return bool(self.cleaned_data["action"] == "confirm")
