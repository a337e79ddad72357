"""The dashboard's address: the year and the unit shown. Read as the page always read them: a value that is not
plain digits, a year outside 2000 to next year, a unit the user may not pick, all read as the default (this year;
no unit)."""

from __future__ import annotations

import datetime
from collections.abc import Iterable
from typing import Any

from django import forms

from ducha.workbench.dashboard import YEAR_MIN
from ducha.workbench.forms.fields import DigitsField


class DashboardForm(forms.Form):
    year = DigitsField(strip=True)
    unit = DigitsField(strip=True)

    def __init__(self, *args: Any, today: datetime.date, unit_ids: Iterable[int], **kwargs: Any) -> None:
        self.today = today
        self.unit_ids = set(unit_ids)
        super().__init__(*args, **kwargs)

    def clean_year(self) -> int:
        year: int | None = self.cleaned_data["year"]
        if year is None or not YEAR_MIN <= year <= self.today.year + 1:
            return self.today.year
        return year

    def clean_unit(self) -> int | None:
        unit: int | None = self.cleaned_data["unit"]
        return unit if unit in self.unit_ids else None
