"""What the clue pages read from a request. As on the other pages, a form only reads what is posted: a value
that cannot be read (a date that is not one) is invalid input naming its field; every other rule (a reason
required, a unit of this government) is the service's, so its code and message are the ones shown. The lists'
filters come from the address and are never refused."""

from __future__ import annotations

from django import forms

from ducha.clues.models import CaseStatus, Category, Channel
from ducha.workbench.forms.fields import (
    DigitsField,
    FlagField,
    IsoDateField,
    KnownChoiceField,
    NumberField,
    RawTextField,
    TextField,
    UploadField,
)

# --- filters: never refused -------------------------------------------------------------------------------------


class QueueFilterForm(forms.Form):
    status = KnownChoiceField(choices=CaseStatus.values)
    q = RawTextField()
    page = DigitsField()


class ClueFilterForm(forms.Form):
    channel = KnownChoiceField(choices=Channel.values)
    category = KnownChoiceField(choices=Category.values)
    township = DigitsField()
    urgent = FlagField()
    since = RawTextField()
    until = RawTextField()
    before = DigitsField()


# --- actions ----------------------------------------------------------------------------------------------------


class EmptyForm(forms.Form):
    """An action with nothing to read (accept, split out, submit, publish, reveal)."""


class RouteForm(forms.Form):
    unit = NumberField()
    title = TextField()
    requirements = TextField()
    due_date = IsoDateField()


class CheckForm(forms.Form):
    unit = NumberField()
    start_date = IsoDateField()
    end_date = IsoDateField()
    topic = TextField()


class ReasonForm(forms.Form):
    reason = TextField()


class RejectForm(forms.Form):
    reason = TextField()
    block_days = NumberField()


class MoveForm(forms.Form):
    case = NumberField()


class AnswerForm(forms.Form):
    text = TextField()


class DutiesForm(forms.Form):
    text = TextField()


class ImportForm(forms.Form):
    file = UploadField()
