"""Web forms of the accountability pages (问责与通报): the proposals' filters and decisions, the trigger settings,
the recorded facts, the sanctions' approval, answer, follow-up and referrals, the bulletins and the commendations.

As on the evaluation pages, the markup is written in the templates and these forms only read what is posted: a
value that cannot be read (a date that is not one, a year out of range) is invalid input naming its field; every
other rule (a reason required, a unit of the government, a follow-up after today) is the service's, so its error
code and message are the ones shown. The list's filters come from the address and are never refused.
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext as _

from ducha.accountability.models import ProposalStatus, SanctionStatus, Tier
from ducha.accountability.triggers import BY_CODE, ESCALATION
from ducha.common import error_codes as codes
from ducha.common.errors import ValidationFailed
from ducha.workbench.forms.fields import (
    DigitsField,
    FlagField,
    IsoDateField,
    KnownChoiceField,
    RawTextField,
    TextField,
    read_digits,
)

FIRST_YEAR, LAST_YEAR = 2000, 2100


def year_of(value: Any, field: str = "year") -> int:
    """A year as typed (digits, 2000-2100), or invalid input naming the field."""
    year = read_digits(value.strip() if isinstance(value, str) else value)
    if year is None or not FIRST_YEAR <= year <= LAST_YEAR:
        raise ValidationFailed(codes.INVALID_INPUT, fields={field: _("Enter a year from 2000 to 2100.")})
    return year


def quarter_of(value: Any) -> int:
    """A quarter as typed: 0 (the whole year) to 4; blank is the year."""
    text = value.strip() if isinstance(value, str) else ""
    quarter = read_digits(text or "0")
    if quarter is None or not 0 <= quarter <= 4:
        raise ValidationFailed(codes.INVALID_INPUT, fields={"quarter": _("Choose the year or a quarter.")})
    return quarter


class EmptyForm(forms.Form):
    """An action with nothing to read (submit, vet, publish)."""


# --- the list's filters: never refused -------------------------------------------------------------------------------


class ProposalFilterForm(forms.Form):
    tier = KnownChoiceField(choices=Tier.values)
    status = KnownChoiceField(choices=ProposalStatus.values)
    rule = KnownChoiceField(choices=[*BY_CODE, ESCALATION])
    unit = DigitsField()
    before = DigitsField()


class SanctionFilterForm(forms.Form):
    tier = KnownChoiceField(choices=Tier.values)
    status = KnownChoiceField(choices=SanctionStatus.values)


# --- proposals and settings ------------------------------------------------------------------------------------------


class RunForm(forms.Form):
    year = RawTextField()


class AcceptForm(forms.Form):
    person = TextField()
    follow_up_due = IsoDateField()


class ReasonForm(forms.Form):
    reason = TextField()


class TriggerForm(forms.Form):
    """One rule's switch and its parameters (named as the rule names them), as typed."""

    enabled = FlagField()

    def __init__(self, *args: Any, params: dict[str, int], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for name in params:
            self.fields[name] = RawTextField()
        self.param_names = list(params)

    def params(self) -> dict[str, str]:
        return {name: self.cleaned_data.get(name, "") for name in self.param_names}


class FactForm(forms.Form):
    unit = RawTextField()
    kind = RawTextField()
    occurred_on = IsoDateField()
    description = TextField()
    person = TextField()
    item = TextField()
    listed_by = TextField()


# --- sanctions and referrals -----------------------------------------------------------------------------------------


class CommentForm(forms.Form):
    comment = TextField()


class RespondForm(forms.Form):
    text = TextField()


class FollowUpForm(forms.Form):
    improved = FlagField(true_values=("yes",))
    note = TextField()


class ReferralForm(forms.Form):
    body = RawTextField()
    body_name = TextField()
    recommendation = TextField()
    letter_number = TextField()


class ReceivedForm(forms.Form):
    received_by_name = TextField()


class DecisionForm(forms.Form):
    decision = TextField()


# --- bulletins -------------------------------------------------------------------------------------------------------


class DraftForm(forms.Form):
    kind = RawTextField()
    year = RawTextField()
    quarter = RawTextField()


class BulletinEditForm(forms.Form):
    """The draft's title, text and due date; the units named come as repeated `unit` and `role` pairs (a row with
    no unit chosen is left out)."""

    title = TextField()
    text = TextField()
    fixes_due = IsoDateField()

    def named(self) -> list[tuple[object, str]]:
        data: Any = self.data
        units = data.getlist("unit") if hasattr(data, "getlist") else []
        roles = data.getlist("role") if hasattr(data, "getlist") else []
        return [
            (unit.strip(), role)
            for unit, role in zip(units, roles, strict=False)
            if isinstance(unit, str) and unit.strip()
        ]


class IssueForm(forms.Form):
    contact_name = TextField()
    contact_phone = TextField()


# --- commendations ---------------------------------------------------------------------------------------------------


class ProposeForm(forms.Form):
    title = TextField()
    year = RawTextField()
    unit = RawTextField()
    person = TextField()
