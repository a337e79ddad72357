"""Web forms of the inspection pages: the lists' addresses (filters, cursor, light, period), then one per action,
by stage — the annual plan, an inspection's plan and its changes, fieldwork (team, findings, evidence, burden),
conclusions and their review, rectification, results.

The pages' markup is written in the templates; these forms only read what they post, under the same names
(see forms/fields.py: a value that cannot be read is invalid input naming its field; every other rule is the
service's, so its error code and message are the ones shown). The lists' addresses are never refused: a filter
that names nothing known filters nothing.
"""

from __future__ import annotations

import datetime
import re
from typing import Any

from django import forms
from django.core.exceptions import ValidationError

from ducha.inspections.lifecycle import InspectionStatus
from ducha.inspections.models import InspectionKind, Light
from ducha.workbench.forms.fields import (
    FlagField,
    IsoDateField,
    IsoDateTimeField,
    KnownChoiceField,
    KnownChoicesField,
    NumberField,
    NumberListField,
    RawTextField,
    TextField,
    UploadField,
    UploadsField,
    read_digits,
)

# --- the lists' addresses ------------------------------------------------------------------------------------------


class InspectionListForm(forms.Form):
    """The inspection list's filters: the statuses and the kind (unknown ones left out), the keyword as typed (the
    page shows it again; the search strips it) and the cursor of the next page."""

    status = KnownChoicesField(choices=InspectionStatus.values)
    kind = KnownChoiceField(choices=InspectionKind.values)
    q = RawTextField()
    cursor = RawTextField()


LIGHTS = (Light.RED.value, Light.YELLOW.value, Light.GREEN.value)


class RectificationListForm(forms.Form):
    """The rectification list's light: red, yellow or green; "" for every rectification."""

    light = KnownChoiceField(choices=LIGHTS)


_ANCHOR = re.compile(r"^[a-z0-9-]{1,40}$")


class AnchorForm(forms.Form):
    """Where on the detail page to come back to after an action (a form says which section it belongs to): "#" and
    the section, or "" when it names none (a few lowercase letters, digits and hyphens)."""

    anchor = RawTextField()

    def clean_anchor(self) -> str:
        value: str = self.cleaned_data["anchor"]
        return f"#{value}" if _ANCHOR.match(value) else ""


class BurdenPeriodForm(forms.Form):
    """The burden page's period as typed ("" for the current one): the selectors read it, and refuse it."""

    period = RawTextField()


class EmptyForm(forms.Form):
    """An action that takes nothing but the button."""


class CommentForm(forms.Form):
    comment = TextField()


class ReasonForm(forms.Form):
    reason = TextField()


class DecisionForm(forms.Form):
    """A yes or no (the button sends approve=1 or 0), with a comment."""

    approve = FlagField(true_values=("1",))
    comment = TextField()


# --- the annual plan ----------------------------------------------------------------------------------------------


class AnnualPlanCreateForm(forms.Form):
    baseline_count = NumberField()
    note = TextField()


class DesignationForm(forms.Form):
    unit = NumberField()
    matter = TextField()
    scope = TextField()
    start_date = IsoDateField()
    end_date = IsoDateField()
    targets = NumberListField()


class PlanProposalForm(forms.Form):
    topic = TextField()
    kind = TextField()
    reason = TextField()
    start_date = IsoDateField()
    end_date = IsoDateField()
    targets = NumberListField()


class PlanProposalDecideForm(forms.Form):
    proposal = NumberField()
    decision = TextField()
    merged_into = NumberField()
    note = TextField()


# --- an inspection's plan and its changes --------------------------------------------------------------------------


class InspectionForm(forms.Form):
    """Propose an inspection, or edit its plan before approval."""

    topic = TextField()
    kind = TextField()
    targets = NumberListField()
    start_date = IsoDateField()
    end_date = IsoDateField()
    lead_unit = NumberField()
    in_plan = FlagField()
    plan_entry = NumberField()
    out_of_plan_reason = TextField()
    basis = TextField()
    content = TextField()
    scope = TextField()
    method = TextField()
    schedule = TextField()

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        # The plan entry is read only for an inspection in the plan: otherwise whatever the select sent is moot.
        if not data.get("in_plan"):
            self.errors.pop("plan_entry", None)
            data["plan_entry"] = None
        return data

    def chosen_targets(self) -> set[int]:
        """The targets to show checked again when the page comes back: every one sent that is written in digits
        (also when another value makes the form invalid)."""
        sent = self["targets"].value() or ()
        return {number for number in map(read_digits, sent) if number is not None}


class AmendForm(forms.Form):
    reason = TextField()
    add_targets = NumberListField()
    remove_targets = NumberListField()
    end_date = IsoDateField()
    scope = TextField()


# --- fieldwork -----------------------------------------------------------------------------------------------------


class TeamMemberForm(forms.Form):
    user = NumberField()
    name = TextField()
    role = TextField()
    invited_kind = TextField()
    is_trained = FlagField()
    days = NumberField()


class TeamRemoveForm(forms.Form):
    member = NumberField()


class TrainingForm(forms.Form):
    members = NumberListField()


class FindingForm(forms.Form):
    target = NumberField()
    title = TextField()
    description = TextField()
    place = TextField()
    observed_at = IsoDateTimeField()
    rectification_kind = TextField()
    rectification_due_date = IsoDateField()
    is_rebound_prone = FlagField()
    followup_months = NumberField()


class EvidenceForm(forms.Form):
    finding = NumberField()
    file = UploadField()
    kind = TextField()
    description = TextField()
    place = TextField()
    taken_at = IsoDateTimeField()


class BurdenForm(forms.Form):
    unit = NumberField()
    forms_demanded = NumberField()
    people_days = NumberField()


# --- conclusions, their review, results ----------------------------------------------------------------------------


class ConclusionDraftForm(forms.Form):
    target = NumberField()
    facts = TextField()
    judgement = TextField()
    evidence_summary = TextField()


class ConclusionUpdateForm(forms.Form):
    facts = TextField()
    judgement = TextField()


class ObjectionForm(forms.Form):
    reasons = TextField()
    # The page posts the files as "files": a declared field leaves the class (Django's form metaclass collects it),
    # so it does not hide the form's own `files`, whatever mypy reads here.
    files = UploadsField()  # type: ignore[assignment]


class ReviewersForm(forms.Form):
    reviewers = NumberListField()


class ReviewDecideForm(forms.Form):
    outcome = TextField()
    decision = TextField()
    revised_judgement = TextField()


class ResultProposeForm(forms.Form):
    unit = NumberField()
    kind = TextField()
    reason = TextField()
    referred_to = TextField()


# --- rectification -------------------------------------------------------------------------------------------------


class _MilestoneRows(forms.Widget):
    """The milestone rows of the plan form: the repeated milestone_title and milestone_date, paired."""

    def value_from_datadict(self, data: Any, files: Any, name: str) -> list[tuple[str, str]]:
        return list(zip(data.getlist("milestone_title"), data.getlist("milestone_date"), strict=False))


class MilestonesField(forms.Field):
    """(title, date) of each milestone row that has both; a date that is not one makes the field invalid."""

    widget = _MilestoneRows
    default_error_messages = {"invalid": forms.DateField.default_error_messages["invalid"]}

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(required=False, **kwargs)

    def to_python(self, value: Any) -> list[tuple[str, datetime.date]]:
        rows = []
        for title, day in value or ():
            if title.strip() and day.strip():
                try:
                    rows.append((title.strip(), datetime.date.fromisoformat(day.strip())))
                except ValueError:
                    raise ValidationError(self.error_messages["invalid"], code="invalid") from None
        return rows


class RectificationPlanForm(forms.Form):
    plan = TextField()
    milestones = MilestonesField()


class RectificationProgressForm(forms.Form):
    text = TextField()
    milestone = NumberField()


class RectificationEvidenceForm(forms.Form):
    file = UploadField()
    kind = TextField()
    description = TextField()


class TextForm(forms.Form):
    text = TextField()


class VerificationForm(forms.Form):
    passed = FlagField(true_values=("1",))
    note = TextField()
    method = TextField()
