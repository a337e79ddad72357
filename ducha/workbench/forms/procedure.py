"""Forms of the procedure's steps on an item page and of the spot re-checks page (services/procedure.py)."""

from __future__ import annotations

import datetime
from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from ducha.items.models import Item, RecheckResult, SiteCheck, SiteCheckConclusion
from ducha.items.services import MilestoneInput
from ducha.items.services.procedure import (
    BATCH_NAME_MAX,
    COMMENT_MAX,
    FINDINGS_MAX,
    MILESTONES_MAX,
    PLAN_TEXT_MAX,
    RECHECK_DRAW_MAX,
    REPORT_TEXT_MAX,
)
from ducha.workbench.forms.items import DateInput, field_label


def _text(
    label: Any, *, max_length: int, required: bool = True, rows: int = 3, **kwargs: Any
) -> forms.CharField:
    return forms.CharField(
        label=label,
        required=required,
        max_length=max_length,
        widget=forms.Textarea(attrs={"rows": rows}),
        strip=True,
        **kwargs,
    )


class _Prefixed(forms.Form):
    """Each form of the section has its own prefix, so every id on the item page is unique."""

    prefix_name = ""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("prefix", self.prefix_name)
        kwargs.setdefault("label_suffix", "")
        super().__init__(*args, **kwargs)


class ProcedureFlagsForm(_Prefixed):
    prefix_name = "procedure"
    site_check_required = forms.BooleanField(label=field_label(Item, "site_check_required"), required=False)
    is_complex = forms.BooleanField(label=field_label(Item, "is_complex"), required=False)
    progress_check_by_head = forms.BooleanField(
        label=field_label(Item, "progress_check_by_head"), required=False
    )


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class MultipleImageField(forms.FileField):
    widget = MultipleFileInput

    def clean(self, data: Any, initial: Any = None) -> list[Any]:
        files = data if isinstance(data, list | tuple) else [data] if data else []
        return [super(MultipleImageField, self).clean(one, initial) for one in files]


class SiteCheckForm(_Prefixed):
    prefix_name = "site_check"
    checked_on = forms.DateField(label=field_label(SiteCheck, "checked_on"), widget=DateInput())
    inspectors = forms.CharField(label=field_label(SiteCheck, "inspectors"), max_length=200)
    findings = _text(
        field_label(SiteCheck, "findings"), max_length=FINDINGS_MAX, help_text=_("At most 5,000 characters.")
    )
    conclusion = forms.ChoiceField(
        label=field_label(SiteCheck, "conclusion"),
        choices=SiteCheckConclusion.choices,
        widget=forms.RadioSelect,
    )
    photos = MultipleImageField(
        label=_("photos"),
        required=False,
        widget=MultipleFileInput(attrs={"accept": "image/jpeg,image/png"}),
        help_text=_("JPEG or PNG, up to 20 photos."),
    )


class ConsolidatedForm(_Prefixed):
    prefix_name = "consolidated"
    text = _text(
        _("consolidated report"),
        max_length=REPORT_TEXT_MAX,
        rows=6,
        help_text=_("The units' latest reports are attached to it as they stand."),
    )


class DecisionForm(_Prefixed):
    APPROVE, RETURN = "approve", "return"
    decision = forms.ChoiceField(
        label=_("decision"),
        choices=[(APPROVE, _("approve")), (RETURN, _("return"))],
        widget=forms.RadioSelect,
    )
    comment = _text(
        _("comment"), max_length=COMMENT_MAX, required=False, rows=2, help_text=_("Required when returning.")
    )

    @property
    def approve(self) -> bool:
        return bool(self.cleaned_data["decision"] == self.APPROVE)


class ConsolidatedDecideForm(DecisionForm):
    prefix_name = "consolidated_decide"


class ProgressCheckForm(DecisionForm):
    prefix_name = "progress_check"


class PlanForm(_Prefixed):
    prefix_name = "plan"
    text = _text(_("implementation plan"), max_length=PLAN_TEXT_MAX, rows=5)
    milestones = _text(
        _("milestones"),
        max_length=MILESTONES_MAX * 220,
        required=False,
        rows=4,
        help_text=_("One per line: the date (YYYY-MM-DD), a space, then the milestone."),
    )

    def clean_milestones(self) -> list[MilestoneInput]:
        parsed = []
        for number, line in enumerate(self.cleaned_data["milestones"].splitlines(), start=1):
            if not line.strip():
                continue
            date_text, _space, title = line.strip().partition(" ")
            try:
                due = datetime.date.fromisoformat(date_text)
            except ValueError:
                raise forms.ValidationError(
                    _("Line %(number)s: start with a date such as 2026-12-31."), params={"number": number}
                ) from None
            parsed.append(MilestoneInput(title=title.strip(), due_date=due))
        return parsed


class RecheckDrawForm(_Prefixed):
    prefix_name = "draw"
    batch = forms.CharField(label=_("batch"), max_length=BATCH_NAME_MAX, help_text=_("For example 2026 Q4."))
    closed_from = forms.DateField(label=_("closed from"), widget=DateInput())
    closed_to = forms.DateField(label=_("closed until"), widget=DateInput())
    count = forms.IntegerField(
        label=_("number of items"), required=False, min_value=1, max_value=RECHECK_DRAW_MAX
    )
    share_percent = forms.IntegerField(
        label=_("or share of the items (%)"), required=False, min_value=1, max_value=100
    )
    seed = forms.IntegerField(
        label=_("seed"),
        required=False,
        min_value=0,
        max_value=2**32 - 1,
        help_text=_("Leave empty for a new random draw; the same seed repeats a draw."),
    )


class RecheckRecordForm(_Prefixed):
    prefix_name = "recheck"
    result = forms.ChoiceField(
        label=_("result"),
        choices=[
            (RecheckResult.CONFIRMED, RecheckResult.CONFIRMED.label),
            (RecheckResult.PROBLEMS, RecheckResult.PROBLEMS.label),
        ],
        widget=forms.RadioSelect,
    )
    findings = _text(
        _("findings"),
        max_length=FINDINGS_MAX,
        required=False,
        rows=2,
        help_text=_("Required when problems are found."),
    )
