"""The forms of the document pages (公文): the office's input for one kind of document — its fields are the kind's
own (`Kind.inputs`), with the part it is about (a target unit, a review request) where the kind has one, and the
reason on a correction — and what the preview button asks for (PDF or .docx).

As everywhere on the workbench the form reads the shape only: whether a field may be empty, a date well written, a
target one of the inspection's, is the kind's to say (`Kind.clean`, raised by the service), and that error is
shown beside the field with the input kept.
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from ducha.documents.kinds import InputField, Kind
from ducha.inspections import selectors as inspection_selectors
from ducha.inspections.lifecycle import ReviewStatus
from ducha.inspections.models import Inspection
from ducha.orgs.models import User
from ducha.workbench.forms.fields import KnownChoiceField, TextField

Choices = list[tuple[str, Any]]

PART_LABELS: dict[str, Any] = {
    "target": _("target unit"),
    "review": _("review request"),
}
REASON = "reason"


class DateTimeInput(forms.TextInput):
    input_type = "datetime-local"


class DateInput(forms.TextInput):
    input_type = "date"


def _widget(spec: InputField) -> forms.Widget:
    attrs: dict[str, Any] = {"required": True} if spec.required else {}
    if spec.multiline:
        return forms.Textarea(attrs={"rows": 4, **attrs})
    if spec.kind == "date":
        return DateInput(attrs=attrs)
    if spec.kind == "datetime":
        return DateTimeInput(attrs=attrs)
    return forms.TextInput(attrs=attrs)


def part_choices(kind: Kind, subject: Any, user: User) -> Choices:
    """What a kind about one part of its subject may be about: the inspection's targets, or its decided review
    requests (as far as the user sees them)."""
    if not isinstance(subject, Inspection):
        return []
    if kind.part_input == "target":
        return [
            (str(target.unit_id), target.unit.name)
            for target in subject.targets.select_related("unit").order_by("unit__sort_order", "pk")
        ]
    if kind.part_input == "review":
        return [
            (str(review.pk), f"{review.conclusion.target.name} · {review.filed_on:%Y-%m-%d}")
            for review in inspection_selectors.review_requests_for_user(subject, user)
            .filter(status=ReviewStatus.DECIDED)
            .order_by("pk")
        ]
    return []


class DocumentForm(forms.Form):
    """The input for one kind: the part it is about (a select; not on a correction, which keeps the part of the
    version it corrects), the kind's fields in its order, and on a correction its reason first."""

    def __init__(
        self,
        *args: Any,
        kind: Kind,
        parts: Choices | None = None,
        correcting: bool = False,
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        self.kind = kind
        self.correcting = correcting
        if correcting:
            self.fields[REASON] = TextField(
                label=_("reason for the correction"),
                widget=forms.Textarea(attrs={"rows": 2, "required": True}),
            )
        if kind.part_input and not correcting:
            self.fields[kind.part_input] = TextField(
                label=PART_LABELS.get(kind.part_input, kind.part_input),
                widget=forms.Select(choices=[("", "—"), *(parts or [])], attrs={"required": True}),
            )
        for spec in kind.inputs:
            self.fields[spec.name] = TextField(label=spec.label, widget=_widget(spec))

    def inputs(self) -> dict[str, str]:
        """The kind's input as the service takes it (after `is_valid`): its fields, and its part unless this is a
        correction (a correction never changes what the document is about)."""
        names = [spec.name for spec in self.kind.inputs]
        if self.kind.part_input in self.fields:
            names.append(self.kind.part_input)
        return {name: self.cleaned_data.get(name) or "" for name in names}

    def reason(self) -> str:
        return str(self.cleaned_data.get(REASON) or "")


class PreviewForm(forms.Form):
    """Which file the preview button asks for: the PDF (unless the server cannot make one) or the .docx."""

    PDF = "pdf"
    DOCX = "docx"

    format = KnownChoiceField(choices=(PDF, DOCX))
