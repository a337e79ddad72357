"""Web forms of the evaluation pages (the year's ledger, the scores, the weights, the reports to the level above).

As on the inspection pages, the markup is written in the templates and these forms only read what is posted: a
value that cannot be read is invalid input naming its field; every other rule (a reason required, a year that
exists, weights adding up to 100) is the service's, so its error code and message are the ones shown. The pages'
addresses (year, quarter, group) are never refused: a value that cannot be used is read as none.
"""

from __future__ import annotations

import re
from typing import Any

from django import forms

from ducha.evaluation.indicators import INDICATORS
from ducha.evaluation.models import ScoreGroup
from ducha.workbench.forms.fields import NumberField, RawTextField, TextField, read_digits


class EmptyForm(forms.Form):
    """An action with nothing to read (submit, confirm, the mid-year check, close)."""


class YearForm(forms.Form):
    year = RawTextField()


class CommentForm(forms.Form):
    comment = TextField()


class ReasonForm(forms.Form):
    reason = TextField()


class ObjectionForm(forms.Form):
    objection = TextField()


class ReplyForm(forms.Form):
    reply = TextField()


class AnswerForm(forms.Form):
    answer = TextField()


class NoteForm(forms.Form):
    text = TextField()
    entry = NumberField()


_SEPARATORS = re.compile(r"[\s,，、;；]+")


def tokens_of(text: str) -> list[str]:
    """The item numbers or ids typed in one box, separated by spaces, commas or 、."""
    return [token for token in _SEPARATORS.split(text or "") if token]


class ItemsForm(forms.Form):
    """Items to put on the ledger as key work of the year: their numbers (or ids) as typed."""

    items = TextField()

    def tokens(self) -> list[str]:
        return tokens_of(self.cleaned_data.get("items", ""))


class ReportGenerateForm(forms.Form):
    """A report's period: the kind (month, quarter, year), the year and the month or quarter, as typed."""

    period = RawTextField()
    year = RawTextField()
    number = RawTextField()


class SchemeForm(forms.Form):
    """One weight per indicator, as typed: scoring.weights_clean reads them (whole numbers 0-100, adding up to
    100) and names the fields it refuses."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for indicator in INDICATORS:
            self.fields[indicator.code] = RawTextField(label=indicator.label)

    def weights(self) -> dict[str, str]:
        return {indicator.code: self.cleaned_data.get(indicator.code, "") for indicator in INDICATORS}


# --- the pages' addresses: never refused -----------------------------------------------------------------------------


def read_period(data: Any, *, this_year: int, this_quarter: int) -> tuple[int, int]:
    """The scores page's year and quarter (0 = the year) from its address; the current quarter when absent or
    unusable."""
    year = read_digits(data.get("year"))
    if year is None or not 2000 <= year <= 2100:
        return this_year, this_quarter
    quarter = read_digits(data.get("quarter", "0") or "0")
    if quarter is None or not 0 <= quarter <= 4:
        quarter = 0
    return year, quarter


def read_group(data: Any) -> str:
    value = data.get("kind")
    return value if value in ScoreGroup.values else ScoreGroup.DEPARTMENT
