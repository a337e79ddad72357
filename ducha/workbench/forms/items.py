"""Web forms of the workbench: one per lifecycle action, the create/edit form of an item, and the small forms that
read what else the item pages send — the list's filters, where an action was taken from, the item form's buttons
and its live helpers' values (those never refuse: see forms/fields.py).

Forms only parse and check the shape of the input; the rules live in the services, whose DomainError is shown
next to the form that caused it (see views/items/). Labels reuse the models' verbose names where one fits.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any, cast

from django import forms
from django.http import QueryDict
from django.utils.choices import BaseChoiceIterator
from django.utils.functional import lazy
from django.utils.translation import gettext_lazy as _

from ducha.items.lifecycle import ItemStatus
from ducha.items.models import (
    ApprovalBasis,
    Confidentiality,
    DeadlineBasis,
    ExtensionRequest,
    Item,
    ProgressCycle,
    Review,
    SourceRecord,
    SourceType,
    Urgency,
)
from ducha.items.services.registration import TEXT_LIMITS, limit_text
from ducha.orgs.models import Role, Unit, UnitKind, User
from ducha.orgs.selectors import delegation_targets
from ducha.workbench import todo
from ducha.workbench.forms.fields import KnownChoicesField, RawTextField
from ducha.workbench.forms.widgets import QuickSelect

Choices = list[tuple[Any, Any]]


def field_label(model: Any, name: str) -> Any:
    """A model field's verbose name: one label per field on every form."""
    return getattr(model._meta.get_field(name), "verbose_name", name)


class DateInput(forms.DateInput):
    input_type = "date"

    def __init__(self, attrs: dict[str, Any] | None = None) -> None:
        super().__init__(attrs=attrs, format="%Y-%m-%d")


def _text(label: Any, *, required: bool = True, rows: int = 3, **kwargs: Any) -> forms.CharField:
    return forms.CharField(
        label=label, required=required, widget=forms.Textarea(attrs={"rows": rows}), strip=True, **kwargs
    )


# --- units ----------------------------------------------------------------------------------------------------

_KIND_ORDER: dict[str, int] = {
    UnitKind.SUPERVISION_OFFICE.value: 0,
    UnitKind.GENERAL_OFFICE.value: 1,
    UnitKind.DEPARTMENT.value: 2,
    UnitKind.GOVERNMENT.value: 3,
    UnitKind.OTHER.value: 4,
}


def grouped_unit_choices(units: list[Unit]) -> Choices:
    """Units as <optgroup>s by parent unit, parents in tree order; inside a group offices first, then
    departments, then governments (townships), each in their sort order."""
    groups: dict[int | None, list[Unit]] = defaultdict(list)
    parents: dict[int | None, Unit | None] = {}
    for unit in units:
        groups[unit.parent_id].append(unit)
        parents[unit.parent_id] = unit.parent

    def parent_path(pk: int | None) -> str:
        parent = parents[pk]
        return parent.path if parent is not None else ""

    ordered = sorted(groups, key=parent_path)
    choices: Choices = []
    for parent_id in ordered:
        members = sorted(groups[parent_id], key=lambda u: (_KIND_ORDER.get(u.kind, 9), u.sort_order, u.name))
        parent = parents[parent_id]
        choices.append((parent.name if parent else "—", [(u.pk, u.name) for u in members]))
    return choices


@dataclass(frozen=True)
class _UnitShown:
    """What `grouped_unit_choices` reads of a unit and its parent, without a model instance each."""

    pk: int
    name: str
    kind: str
    sort_order: int
    parent_id: int | None
    parent: _UnitShown | None = None
    path: str = ""


def government_unit_choices(government: Unit) -> Choices:
    """`grouped_unit_choices(government_units(government))` from plain rows: a province's thousands of units read
    as tuples, not model instances (a third of a second on the benchmark province)."""
    rows = (
        Unit.objects.filter(is_active=True, path__startswith=government.path)
        .exclude(pk=government.pk)
        .values_list("pk", "name", "kind", "sort_order", "parent_id", "parent__name", "parent__path")
    )
    parents: dict[int, _UnitShown] = {}
    units = []
    for pk, name, kind, sort_order, parent_id, parent_name, parent_path in rows:
        parent = None
        if parent_id is not None:
            parent = parents.get(parent_id)
            if parent is None:
                parent = _UnitShown(parent_id, parent_name, "", 0, None, path=parent_path)
                parents[parent_id] = parent
        units.append(_UnitShown(pk, name, kind, sort_order, parent_id, parent))
    return grouped_unit_choices(units)  # type: ignore[arg-type]


class PreparedChoices(BaseChoiceIterator):
    """Choices already in Django's normal form (lists of pairs, groups as (label, pairs)): a ChoiceField takes an
    iterator of this kind as it is, instead of walking thousands of options again for each form (the item form's
    lead unit and each co-unit row share one list)."""

    def __init__(self, choices: Choices) -> None:
        self.choices = choices

    def __iter__(self) -> Iterator[Any]:
        return iter(self.choices)

    def __len__(self) -> int:
        return len(self.choices)


def government_units(government: Unit) -> list[Unit]:
    """Units that may be given an item of `government`: every active unit under it (not the government itself)."""
    # Only what the choices show and sort by (a province has thousands of units: whole rows cost a second).
    return list(
        Unit.objects.filter(is_active=True, path__startswith=government.path)
        .exclude(pk=government.pk)
        .select_related("parent")
        .only("name", "kind", "sort_order", "parent__name", "parent__path")
    )


def delegate_targets(own: Unit, government: Unit) -> list[Unit]:
    """The delegate form's choices: exactly the units item_delegate accepts."""
    return list(delegation_targets(own, government).select_related("parent"))


# --- lifecycle actions -----------------------------------------------------------------------------------------


class ActionForm(forms.Form):
    """Base of the action forms: bound with the action name as prefix, so every id on the item page is unique."""

    def __init__(self, *args: Any, item: Item | None = None, **kwargs: Any) -> None:
        self.item = item
        super().__init__(*args, **kwargs)


class EmptyForm(ActionForm):
    pass


class CommentForm(ActionForm):
    comment = _text(_("comment"), required=False, rows=2, max_length=2000)


class ReasonForm(ActionForm):
    reason = _text(_("reason"), max_length=2000)


class AssignForm(ActionForm):
    deadline_workdays = forms.IntegerField(
        label=_("working days"),
        required=False,
        min_value=1,
        max_value=365,
        help_text=_("Leave both empty to use the deadline set when the item was created."),
    )
    due_date = forms.DateField(label=_("due date"), required=False, widget=DateInput())

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if data.get("deadline_workdays") and data.get("due_date"):
            self.add_error("due_date", _("Give either a due date or a number of working days, not both."))
        return data


class ProgressForm(ActionForm):
    text = _text(_("text"), rows=4, max_length=5000)
    is_final = forms.BooleanField(label=_("final for this unit"), required=False)

    def __init__(self, *args: Any, may_be_final: bool = False, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if not may_be_final:
            del self.fields["is_final"]


class ReportForm(ActionForm):
    text = _text(_("text"), rows=5, max_length=10000)


class ReviewForm(ActionForm):
    task_completed = forms.BooleanField(label=field_label(Review, "task_completed"), required=False)
    problem_solved = forms.BooleanField(label=field_label(Review, "problem_solved"), required=False)
    conclusion_appropriate = forms.BooleanField(
        label=field_label(Review, "conclusion_appropriate"), required=False
    )
    lawful_compliant = forms.BooleanField(label=field_label(Review, "lawful_compliant"), required=False)
    opinion = _text(field_label(Review, "opinion"), max_length=5000)
    decision = forms.ChoiceField(
        label=field_label(Review, "decision"), choices=Review.Decision.choices, widget=forms.RadioSelect
    )

    CHECKS = ("task_completed", "problem_solved", "conclusion_appropriate", "lawful_compliant")


class ExtensionRequestForm(ActionForm):
    reason = _text(_("reason"), max_length=2000)
    proposed_due_date = forms.DateField(
        label=field_label(ExtensionRequest, "proposed_due_date"), widget=DateInput()
    )


class ExtensionDecideForm(ActionForm):
    GRANT, REFUSE = "grant", "refuse"
    decision = forms.ChoiceField(
        label=_("decision"),
        choices=[(GRANT, _("granted")), (REFUSE, _("refused"))],
        widget=forms.RadioSelect,
    )
    comment = _text(
        field_label(ExtensionRequest, "decision_comment"), required=False, rows=2, max_length=2000
    )
    due_date = forms.DateField(
        label=field_label(ExtensionRequest, "granted_due_date"),
        required=False,
        widget=DateInput(),
        help_text=_("Leave empty to grant the proposed date."),
    )


class DelegateForm(ActionForm):
    unit = forms.TypedChoiceField(label=_("unit"), coerce=int)
    title = forms.CharField(label=_("title"), required=False, max_length=200)
    content = _text(_("content"), required=False, rows=3)
    deadline_workdays = forms.IntegerField(
        label=_("working days"), required=False, min_value=1, max_value=365
    )
    due_date = forms.DateField(
        label=_("due date"),
        required=False,
        widget=DateInput(),
        help_text=_("Leave both empty to keep the parent item's due date."),
    )

    def __init__(self, *args: Any, targets: list[Unit] | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        unit_field = self.fields["unit"]
        assert isinstance(unit_field, forms.TypedChoiceField)
        unit_field.choices = [("", "—"), *grouped_unit_choices(targets or [])]

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if data.get("deadline_workdays") and data.get("due_date"):
            self.add_error("due_date", _("Give either a due date or a number of working days, not both."))
        return data


class DisputeEscalateForm(ActionForm):
    description = _text(_("description"), max_length=5000)


class DisputeCoordinateForm(ActionForm):
    coordination = _text(_("coordination"), max_length=5000)


class DisputeRuleForm(ActionForm):
    ruling = _text(_("ruling"), max_length=5000)


class AttachmentForm(forms.Form):
    file = forms.FileField(label=_("file"))


# --- create and edit -------------------------------------------------------------------------------------------

# What the "source reference" should say, by source type (shown next to the field).
SOURCE_REFERENCE_HINTS: dict[str, Any] = {
    SourceType.LEADER_INSTRUCTION: _("Leader's name and the text of the instruction"),
    SourceType.MEETING_DECISION: _("Name and date of the meeting"),
    SourceType.WORK_REPORT_TASK: _("Year of the work report and the task as written"),
    SourceType.POLICY_DOCUMENT: _("Document title and number"),
    SourceType.NPC_SUGGESTION: _("Number of the suggestion"),
    SourceType.CPPCC_PROPOSAL: _("Number of the proposal"),
    SourceType.PUBLIC_REPORT: _("Channel and reference of the report (hotline, letter, website)"),
    SourceType.LEADER_ASSIGNMENT: _("Leader's name and what was assigned"),
    SourceType.INSPECTION_TOUR: _("Leader, place and date of the tour"),
    SourceType.LIVELIHOOD_PROJECT: _("Year and number of the livelihood project"),
    SourceType.OTHER: _("Where the matter comes from"),
}


# "At most 5000 characters." beside a field, in the language of the request.
_limit_help = lazy(limit_text, str)


def _limited(limit: int) -> dict[str, str]:
    # The browser stops at the limit; a longer text posted anyway is refused by the service (TEXT_TOO_LONG).
    return {"maxlength": str(limit)}


SOURCE_RECORD_CHOICES_MAX = 300


def government_leaders(government: Unit) -> Choices:
    """The leaders of `government` (the leader in charge is one of them)."""
    leaders = (
        User.objects.filter(is_active=True, unit__government=government, role_grants__role=Role.LEADER)
        .distinct()
        .order_by("full_name", "username")
    )
    return [
        (user.pk, f"{user.display_name}（{user.title}）" if user.title else user.display_name)
        for user in leaders
    ]


def government_source_records(government: Unit, *, keep: int | None = None) -> Choices:
    """The office's source records, newest first (at most SOURCE_RECORD_CHOICES_MAX, plus `keep`, the one chosen)."""
    records = list(
        SourceRecord.objects.filter(government=government).order_by("-created_at", "-id")[
            :SOURCE_RECORD_CHOICES_MAX
        ]
    )
    if keep is not None and all(record.pk != keep for record in records):
        records += list(SourceRecord.objects.filter(government=government, pk=keep))
    return [
        (record.pk, f"{record.title}（{record.reference}）" if record.reference else record.title)
        for record in records
    ]


class ItemForm(forms.Form):
    title = forms.CharField(
        label=field_label(Item, "title"),
        widget=forms.TextInput(attrs=_limited(TEXT_LIMITS["title"])),
        help_text=_limit_help(TEXT_LIMITS["title"]),
    )
    source_type = forms.ChoiceField(
        label=field_label(Item, "source_type"), choices=[("", "—"), *SourceType.choices]
    )
    source_reference = forms.CharField(
        label=field_label(Item, "source_reference"),
        required=False,
        widget=forms.TextInput(attrs=_limited(TEXT_LIMITS["source_reference"])),
    )
    source_record = forms.TypedChoiceField(
        label=field_label(Item, "source_record"),
        coerce=int,
        required=False,
        empty_value=None,
        help_text=_(
            "The meeting, work report, document or instruction this item was split from, if recorded."
        ),
    )
    source_date = forms.DateField(label=field_label(Item, "source_date"), required=False, widget=DateInput())
    approval_basis = forms.ChoiceField(
        label=field_label(Item, "approval_basis"),
        choices=ApprovalBasis.choices,
        initial=ApprovalBasis.OFFICE_PROPOSAL,
    )
    content = forms.CharField(
        label=field_label(Item, "content"),
        required=False,
        strip=True,
        widget=forms.Textarea(attrs={"rows": 5, **_limited(TEXT_LIMITS["content"])}),
        help_text=_limit_help(TEXT_LIMITS["content"]),
    )
    requirements = forms.CharField(
        label=field_label(Item, "requirements"),
        required=False,
        strip=True,
        widget=forms.Textarea(attrs={"rows": 3, **_limited(TEXT_LIMITS["requirements"])}),
        help_text=_limit_help(TEXT_LIMITS["requirements"]),
    )
    attachment = forms.FileField(
        label=_("Leader's instruction document / source document"),
        required=False,
        help_text=_(
            "Optional: attached to the item when it is saved (PDF, Word, OFD, images; at most 20 MB)."
        ),
    )
    leader_in_charge = forms.TypedChoiceField(
        label=field_label(Item, "leader_in_charge"),
        coerce=int,
        required=False,
        empty_value=None,
        help_text=_("The leader responsible for the matter; sees it first and may write instructions on it."),
    )
    # Every unit of the government (thousands in a province): options joined in Python (forms/widgets.py).
    lead_unit = forms.TypedChoiceField(label=_("lead unit"), coerce=int, widget=QuickSelect)
    urgency = forms.ChoiceField(
        label=field_label(Item, "urgency"),
        choices=Urgency.choices,
        initial=Urgency.NORMAL,
        widget=forms.RadioSelect,
    )
    confidentiality = forms.ChoiceField(
        label=field_label(Item, "confidentiality"),
        choices=Confidentiality.choices,
        initial=Confidentiality.INTERNAL,
        widget=forms.RadioSelect,
    )
    progress_cycle = forms.ChoiceField(
        label=field_label(Item, "progress_cycle"), choices=ProgressCycle.choices, required=False
    )
    deadline_basis = forms.ChoiceField(
        label=field_label(Item, "deadline_basis"),
        choices=DeadlineBasis.choices,
        initial=DeadlineBasis.WORKDAYS,
        widget=forms.RadioSelect,
    )
    deadline_workdays = forms.IntegerField(
        label=field_label(Item, "deadline_workdays"),
        required=False,
        min_value=1,
        max_value=365,
        help_text=_(
            "Empty: the default for the source and urgency (15 working days unless a rule says else)."
        ),
    )
    due_date = forms.DateField(label=field_label(Item, "due_date"), required=False, widget=DateInput())
    site_check_required = forms.BooleanField(
        label=field_label(Item, "site_check_required"),
        required=False,
        help_text=_("The office verifies the result on site before accepting the report."),
    )
    is_complex = forms.BooleanField(
        label=field_label(Item, "is_complex"),
        required=False,
        help_text=_("A major or complex matter: the office gathers the units' opinions into one report."),
    )
    progress_check_by_head = forms.BooleanField(
        label=field_label(Item, "progress_check_by_head"),
        required=False,
        help_text=_("Each progress report goes to the unit head before the office sees it."),
    )

    def __init__(
        self,
        *args: Any,
        unit_choices: Choices,
        leader_choices: Choices | None = None,
        source_record_choices: Choices | None = None,
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        for name, choices in (
            ("lead_unit", unit_choices),
            ("leader_in_charge", leader_choices or []),
            ("source_record", source_record_choices or []),
        ):
            select = self.fields[name]
            assert isinstance(select, forms.TypedChoiceField)
            select.choices = PreparedChoices([("", "—"), *choices])

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if data.get("deadline_basis") == DeadlineBasis.DATE:
            data["deadline_workdays"] = None
            if not data.get("due_date") and "due_date" not in self.errors:
                self.add_error("due_date", forms.Field.default_error_messages["required"])
        else:
            data["due_date"] = None
        return data

    @property
    def source_hint(self) -> Any:
        value = self["source_type"].value()
        return SOURCE_REFERENCE_HINTS.get(value or "", "")


class CoUnitForm(forms.Form):
    unit = forms.TypedChoiceField(
        label=_("co-unit"), coerce=int, required=False, empty_value=None, widget=QuickSelect
    )
    share = forms.IntegerField(label=_("share (%)"), required=False, min_value=0, max_value=100)
    share_note = forms.CharField(label=_("share of the work"), required=False, max_length=300)

    def __init__(self, *args: Any, unit_choices: Choices, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        unit_field = self.fields["unit"]
        assert isinstance(unit_field, forms.TypedChoiceField)
        unit_field.choices = PreparedChoices([("", "—"), *unit_choices])


class MilestoneForm(forms.Form):
    title = forms.CharField(label=_("title"), required=False, max_length=200)
    due_date = forms.DateField(label=_("date"), required=False, widget=DateInput())

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if data.get("title") and not data.get("due_date") and "due_date" not in self.errors:
            self.add_error("due_date", forms.Field.default_error_messages["required"])
        if data.get("due_date") and not data.get("title"):
            self.add_error("title", forms.Field.default_error_messages["required"])
        return data


CoUnitFormSet = forms.formset_factory(CoUnitForm, extra=0, max_num=50, absolute_max=60)
MilestoneFormSet = forms.formset_factory(MilestoneForm, extra=0, max_num=50, absolute_max=60)

BLANK_ROWS = 3


def item_initial(item: Item) -> tuple[dict[str, Any], list[dict[str, Any]], list[dict[str, Any]]]:
    """The edit form's initial values from a stored item: the fields, the co-units, the milestones."""
    assignments = list(item.assignments.all())
    lead = next((a.unit_id for a in assignments if a.is_lead), None)
    fields = {
        name: getattr(item, name)
        for name in (
            "title",
            "source_type",
            "source_reference",
            "source_date",
            "approval_basis",
            "content",
            "requirements",
            "urgency",
            "confidentiality",
            "progress_cycle",
            "deadline_basis",
            "deadline_workdays",
            "due_date",
            "site_check_required",
            "is_complex",
            "progress_check_by_head",
        )
    }
    fields["lead_unit"] = lead
    fields["leader_in_charge"] = item.leader_in_charge_id
    fields["source_record"] = item.source_record_id
    co_units = [
        {"unit": a.unit_id, "share": a.share, "share_note": a.share_note}
        for a in assignments
        if not a.is_lead
    ]
    milestones = [{"title": m.title, "due_date": m.due_date} for m in item.milestones.all()]
    return fields, co_units, milestones


# --- what else the item pages read --------------------------------------------------------------------------------


class ItemListForm(forms.Form):
    """The home page's list of items: the statuses (unknown ones left out), the keyword as typed (the page shows
    it again; the search strips it) and the cursor of the next page."""

    status = KnownChoicesField(choices=ItemStatus.values)
    q = RawTextField()
    cursor = RawTextField()


class TodoSectionForm(forms.Form):
    """The to-do list's section a row belongs to ("item" when it names none of ours: it ends up in element ids)."""

    section = RawTextField()

    def clean_section(self) -> str:
        return todo.known_section(self.cleaned_data["section"])


class ActionContextForm(forms.Form):
    """Where an action was taken from: context=todo for a row of the to-do list (answered with the row, htmx),
    return_to=home to come back to the home page."""

    context = RawTextField()
    return_to = RawTextField()


class ItemFormButtonsForm(forms.Form):
    """The item form's buttons: intent=submit submits the item once saved; more=<prefix> (co, ms) shows the form
    again with more blank rows in that formset instead of saving. `more` is None when not pressed."""

    intent = RawTextField()
    more = forms.Field(required=False)

    def data_with_more_rows(self) -> Any:
        """The data posted, with BLANK_ROWS more rows (at most 50) in the formset the pressed button names."""
        data = cast(QueryDict, self.data).copy()
        key = f"{self.cleaned_data['more']}-TOTAL_FORMS"
        try:
            data[key] = str(min(int(data.get(key, 0)) + BLANK_ROWS, 50))
        except ValueError:
            data[key] = str(BLANK_ROWS)
        return data


class DeadlinePreviewForm(forms.Form):
    """The item form's values the deadline preview reads, as typed (deadline_preview_text reads them)."""

    deadline_basis = RawTextField()
    deadline_workdays = RawTextField()
    due_date = RawTextField()
    source_type = RawTextField()
    urgency = RawTextField()


class SourceHintForm(forms.Form):
    """The source type the source reference's hint is for."""

    source_type = RawTextField()


# --- 领导批示 -------------------------------------------------------------------------------------------------------


class InstructionForm(forms.Form):
    """A leader's 批示: on the item (no report chosen) or on one of its reports."""

    report = forms.TypedChoiceField(label=_("on"), coerce=int, required=False, empty_value=None)
    text = forms.CharField(
        label=_("instruction"),
        max_length=2000,
        strip=True,
        widget=forms.Textarea(attrs={"rows": 4, "maxlength": "2000"}),
        help_text=_limit_help(2000),
    )

    def __init__(self, *args: Any, report_choices: Choices, **kwargs: Any) -> None:
        kwargs.setdefault("prefix", "instruction")
        super().__init__(*args, **kwargs)
        report = self.fields["report"]
        assert isinstance(report, forms.TypedChoiceField)
        report.choices = [("", _("the item itself")), *report_choices]


class LeaderInChargeForm(forms.Form):
    """The office names (or clears) the leader in charge of an item after 立项."""

    leader = forms.TypedChoiceField(
        label=field_label(Item, "leader_in_charge"), coerce=int, required=False, empty_value=None
    )

    def __init__(self, *args: Any, leader_choices: Choices, **kwargs: Any) -> None:
        kwargs.setdefault("prefix", "leader")
        super().__init__(*args, **kwargs)
        leader = self.fields["leader"]
        assert isinstance(leader, forms.TypedChoiceField)
        leader.choices = [("", _("none")), *leader_choices]
