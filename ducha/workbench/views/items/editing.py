"""Creating and editing an item (the office's form): the item's fields, its co-units and milestones as formsets,
saved as a draft or saved and submitted; and the form's live helpers (htmx GET): the deadline it would get if
assigned today, and what the source reference should say."""

from __future__ import annotations

import datetime
from dataclasses import dataclass
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.dateparse import parse_date
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from ducha.common import error_codes as codes
from ducha.common.errors import DomainError, ValidationFailed
from ducha.items import lifecycle, services
from ducha.items.models import DeadlineBasis, Item, SourceKind, SourceRecord, SourceType
from ducha.orgs.models import Role, Unit
from ducha.workbench.forms.fields import cleaned
from ducha.workbench.forms.items import (
    BLANK_ROWS,
    SOURCE_REFERENCE_HINTS,
    CoUnitFormSet,
    DeadlinePreviewForm,
    ItemForm,
    ItemFormButtonsForm,
    MilestoneFormSet,
    SourceHintForm,
    government_leaders,
    government_source_records,
    government_unit_choices,
    item_initial,
)
from ducha.workbench.views.items.base import government_for, item_or_404, user_of
from ducha.workcalendar import services as workdays


@dataclass
class ItemForms:
    item: ItemForm
    co_units: Any
    milestones: Any
    error: DomainError | None = None
    co_units_error: str = ""
    milestones_error: str = ""
    show_errors: bool = True

    def is_valid(self) -> bool:
        # All three, so that every mistake shows at once.
        results = [self.item.is_valid(), self.co_units.is_valid(), self.milestones.is_valid()]
        return all(results)

    def service_input(self) -> dict[str, Any]:
        data = dict(self.item.cleaned_data)
        lead = data.pop("lead_unit")
        data.pop("deadline_basis")
        upload = data.pop("attachment", None)
        data["leader_in_charge_id"] = data.pop("leader_in_charge", None)
        data["source_record_id"] = data.pop("source_record", None)
        data["progress_cycle"] = data.get("progress_cycle") or ""
        co_units = [
            services.CoUnit(unit_id=row["unit"], share=row.get("share"), share_note=row.get("share_note", ""))
            for row in self.co_units.cleaned_data
            if row.get("unit")
        ]
        milestones = [
            services.MilestoneInput(title=row["title"], due_date=row["due_date"])
            for row in self.milestones.cleaned_data
            if row.get("title")
        ]
        return {
            "fields": data,
            "lead_unit_id": lead,
            "co_units": co_units,
            "milestones": milestones,
            "upload": upload or None,
        }

    def show(self, error: DomainError) -> None:
        self.error = error
        for name, message in error.fields.items():
            if name == "co_units":
                self.co_units_error = message
            elif name == "milestones":
                self.milestones_error = message
            else:
                # item_attachment_add names the refused file `file`; the form calls it `attachment`.
                name = {"file": "attachment"}.get(name, name)
                self.item.add_error(name if name in self.item.fields else None, message)


def _item_forms(
    government: Unit,
    data: Any = None,
    *,
    initial: tuple[dict[str, Any], list[dict[str, Any]], list[dict[str, Any]]] | None = None,
    files: Any = None,
) -> ItemForms:
    choices = government_unit_choices(government)
    fields, co_units, milestones = initial or ({}, [], [])
    kept = fields.get("source_record") if fields else None
    co_initial = co_units + [{}] * BLANK_ROWS if data is None else None
    ms_initial = milestones + [{}] * BLANK_ROWS if data is None else None
    return ItemForms(
        item=ItemForm(
            data,
            files,
            initial=fields or None,
            unit_choices=choices,
            leader_choices=government_leaders(government),
            source_record_choices=government_source_records(government, keep=kept),
            label_suffix="",
        ),
        co_units=CoUnitFormSet(
            data, initial=co_initial, prefix="co", form_kwargs={"unit_choices": choices, "label_suffix": ""}
        ),
        milestones=MilestoneFormSet(data, initial=ms_initial, prefix="ms", form_kwargs={"label_suffix": ""}),
    )


def _render_item_form(
    request: HttpRequest, forms: ItemForms, *, item: Item | None, status: int = 200
) -> HttpResponse:
    today = timezone.localdate()
    return render(
        request,
        "items/item_form.html",
        {
            "forms": forms,
            "form": forms.item,
            "item": item,
            "preview": deadline_preview_text(
                basis=forms.item["deadline_basis"].value(),
                workdays_text=forms.item["deadline_workdays"].value(),
                due_text=forms.item["due_date"].value(),
                source_type=forms.item["source_type"].value(),
                urgency=forms.item["urgency"].value(),
                today=today,
            ),
            "source_hints": SOURCE_REFERENCE_HINTS,
        },
        status=status,
    )


def _save_item(request: HttpRequest, forms: ItemForms, item: Item | None) -> HttpResponse:
    user = user_of(request)
    if not forms.is_valid():
        forms.error = ValidationFailed(codes.INVALID_INPUT)
        return _render_item_form(request, forms, item=item, status=400)
    given = forms.service_input()
    try:
        if item is None:
            saved = services.item_create(
                actor=user,
                lead_unit_id=given["lead_unit_id"],
                co_units=given["co_units"],
                milestones=given["milestones"],
                upload=given["upload"],
                **given["fields"],
            )
        else:
            saved = services.item_update(
                item_id=item.pk,
                actor=user,
                lead_unit_id=given["lead_unit_id"],
                co_units=given["co_units"],
                milestones=given["milestones"],
                upload=given["upload"],
                **given["fields"],
            )
    except DomainError as exc:
        forms.show(exc)
        return _render_item_form(request, forms, item=item, status=exc.status)
    if cleaned(ItemFormButtonsForm(request.POST))["intent"] == "submit":
        try:
            services.item_submit(item_id=saved.pk, actor=user)
        except DomainError as exc:
            messages.error(request, exc.message)
        else:
            messages.success(request, _("Saved and submitted for approval."))
    else:
        messages.success(request, _("Saved as a draft."))
    return redirect("item-detail", saved.pk)


# The item's source type for each kind of source record (a record of kind "other" leaves it to the office).
SOURCE_TYPE_OF_RECORD = {
    SourceKind.MEETING_MINUTES: SourceType.MEETING_DECISION,
    SourceKind.WORK_REPORT: SourceType.WORK_REPORT_TASK,
    SourceKind.DOCUMENT: SourceType.POLICY_DOCUMENT,
    SourceKind.INSTRUCTION: SourceType.LEADER_INSTRUCTION,
}


def _from_source_record(
    government: Unit, request: HttpRequest
) -> tuple[dict[str, Any], list[dict[str, Any]], list[dict[str, Any]]] | None:
    """`?source_record=<id>` (the link "register an item from this record"): the form starts linked to the record,
    with its source type, reference and date. A record of another government, or no record, gives a blank form."""
    record_id = str(request.GET.get("source_record", ""))
    record = (
        SourceRecord.objects.filter(government=government, pk=int(record_id)).first()
        if record_id.isdigit() and len(record_id) < 19
        else None
    )
    if record is None:
        return None
    fields: dict[str, Any] = {
        "source_record": record.pk,
        "source_reference": " ".join(part for part in (record.title, record.reference) if part)[:500],
        "source_date": record.issued_on,
    }
    if record.kind in SOURCE_TYPE_OF_RECORD:
        fields["source_type"] = SOURCE_TYPE_OF_RECORD[SourceKind(record.kind)]
    return fields, [], []


@login_required
def item_create(request: HttpRequest) -> HttpResponse:
    user = user_of(request)
    if not user.has_role(Role.OFFICE):
        raise PermissionDenied
    government = government_for(user)
    if request.method != "POST":
        return _render_item_form(
            request, _item_forms(government, initial=_from_source_record(government, request)), item=None
        )
    buttons = ItemFormButtonsForm(request.POST)
    if cleaned(buttons)["more"] is not None:
        forms = _item_forms(government, buttons.data_with_more_rows())
        forms.show_errors = False
        return _render_item_form(request, forms, item=None)
    return _save_item(request, _item_forms(government, request.POST, files=request.FILES), None)


@login_required
def item_edit(request: HttpRequest, item_id: int) -> HttpResponse:
    user = user_of(request)
    item = item_or_404(user, item_id, record_view=request.method != "POST")
    refusal = lifecycle.refusal("update", item, user)
    if refusal is not None:
        return render(request, "items/refused.html", {"item": item, "error": refusal}, status=refusal.status)
    if request.method != "POST":
        return _render_item_form(request, _item_forms(item.government, initial=item_initial(item)), item=item)
    buttons = ItemFormButtonsForm(request.POST)
    if cleaned(buttons)["more"] is not None:
        forms = _item_forms(item.government, buttons.data_with_more_rows())
        forms.show_errors = False
        return _render_item_form(request, forms, item=item)
    return _save_item(request, _item_forms(item.government, request.POST, files=request.FILES), item)


# --- live helpers of the form (htmx GET) --------------------------------------------------------------------------


@dataclass(frozen=True)
class DeadlinePreview:
    text: str
    due_date: datetime.date | None = None
    workdays: int | None = None
    is_provisional: bool = False
    provisional_note: str = ""
    is_error: bool = False


def deadline_preview_text(
    *,
    basis: Any,
    workdays_text: Any,
    due_text: Any,
    source_type: Any,
    urgency: Any,
    today: datetime.date,
) -> DeadlinePreview:
    """What the deadline would be if the item were assigned today."""
    provisional_note = _(
        "This rests on a provisional calendar: the State Council's holiday arrangement for that year has not "
        "been entered yet, so the date may still change."
    )
    if basis == DeadlineBasis.DATE:
        due = due_text if isinstance(due_text, datetime.date) else parse_date(str(due_text or ""))
        if due is None:
            return DeadlinePreview(_("Choose the due date."))
        if due <= today:
            return DeadlinePreview(str(codes.message_for(codes.DEADLINE_IN_PAST)), is_error=True)
        count = workdays.workdays_between_detailed(today, due)
        return DeadlinePreview(
            _("Due %(date)s: %(days)s working days from today.")
            % {"date": due.isoformat(), "days": count.number},
            due_date=due,
            workdays=count.number,
            is_provisional=count.is_provisional,
            provisional_note=provisional_note if count.is_provisional else "",
        )
    try:
        number = int(workdays_text) if str(workdays_text or "").strip() else None
    except ValueError:
        return DeadlinePreview(str(codes.message_for(codes.DEADLINE_WORKDAYS_RANGE)), is_error=True)
    if number is None:
        number = services.deadline_default_workdays(
            source_type=str(source_type or ""), urgency=str(urgency or "normal")
        )
    if not 1 <= number <= services.MAX_DEADLINE_WORKDAYS:
        return DeadlinePreview(str(codes.message_for(codes.DEADLINE_WORKDAYS_RANGE)), is_error=True)
    result = workdays.add_workdays_detailed(today, number)
    return DeadlinePreview(
        _("If assigned today, the due date is %(date)s (%(days)s working days).")
        % {"date": result.date.isoformat(), "days": number},
        due_date=result.date,
        workdays=number,
        is_provisional=result.is_provisional,
        provisional_note=provisional_note if result.is_provisional else "",
    )


@login_required
@require_GET
def deadline_preview(request: HttpRequest) -> HttpResponse:
    typed = cleaned(DeadlinePreviewForm(request.GET))
    preview = deadline_preview_text(
        basis=typed["deadline_basis"],
        workdays_text=typed["deadline_workdays"],
        due_text=typed["due_date"],
        source_type=typed["source_type"],
        urgency=typed["urgency"],
        today=timezone.localdate(),
    )
    return render(request, "items/partials/deadline_preview.html", {"preview": preview})


@login_required
@require_GET
def source_hint(request: HttpRequest) -> HttpResponse:
    hint = SOURCE_REFERENCE_HINTS.get(cleaned(SourceHintForm(request.GET))["source_type"], "")
    return render(request, "items/partials/source_hint.html", {"hint": hint})
