"""The item page's 批示 section: the leader in charge, the leaders' instructions on the item and its reports, and
the form a leader writes one with (POST → services.item_instruction_write → back to the section)."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.urls import path, reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from ducha.common import error_codes as codes
from ducha.common.errors import DomainError, ValidationFailed
from ducha.items import lifecycle, selectors, services
from ducha.items.lifecycle import ItemStatus
from ducha.items.models import Instruction, Item, Report
from ducha.items.services.instructions import instruction_refusal, item_instructions
from ducha.orgs.models import User
from ducha.workbench.forms.items import InstructionForm, LeaderInChargeForm, government_leaders
from ducha.workbench.views.items.actions import field_errors
from ducha.workbench.views.items.base import item_or_404, user_of

# Set on the request by the POST view when the instruction was refused: the page shows the form as it was sent.
_FAILED_FORM = "_instruction_form"
_FAILED_ERROR = "_instruction_error"
_FAILED_LEADER = "_leader_form"


def _report_choices(reports: list[Report]) -> list[tuple[int, str]]:
    return [
        (
            report.pk,
            f"{report.assignment.unit.short_name or report.assignment.unit.name} · "
            f"{report.get_kind_display()} · {report.created_at:%Y-%m-%d}",
        )
        for report in reports
    ]


def instructions_context(
    request: HttpRequest,
    item: Item,
    user: User,
    *,
    instructions: list[Instruction] | None = None,
    reports: list[Report] | None = None,
) -> dict[str, Any]:
    """What the section's template reads: the leader in charge, the instructions (newest first) and, for a
    leader who may write one, the form (with the item's reports to choose from). `instructions` and `reports`:
    already read (the item's record), else read here."""
    if instructions is None:
        instructions = list(item_instructions(item))
    may_write = instruction_refusal(item, user) is None
    form = getattr(request, _FAILED_FORM, None)
    if may_write and form is None:
        if reports is None:
            reports = list(selectors.item_reports(item))
        form = InstructionForm(report_choices=_report_choices(reports))
    return {
        "instructions": {
            "leader": item.leader_in_charge,
            "items": instructions,
            "form": form if may_write else None,
            "error": getattr(request, _FAILED_ERROR, None),
            "leader_form": _leader_form(request, item, user),
        }
    }


def _may_set_leader(item: Item, user: User) -> bool:
    return lifecycle.office(item, user) is None and item.status not in (
        ItemStatus.ARCHIVED,
        ItemStatus.CANCELLED,
    )


def _leader_form(request: HttpRequest, item: Item, user: User) -> LeaderInChargeForm | None:
    """The office's form to name the leader in charge, after 立项 (the item form holds it before)."""
    if item.status == ItemStatus.DRAFT or not _may_set_leader(item, user):
        return None
    failed = getattr(request, _FAILED_LEADER, None)
    if failed is not None:
        return failed
    return LeaderInChargeForm(
        initial={"leader": item.leader_in_charge_id}, leader_choices=government_leaders(item.government)
    )


@login_required
@require_POST
def instruction_write(request: HttpRequest, item_id: int) -> HttpResponse:
    # Imported here: the item page imports this module for instructions_context.
    from ducha.workbench.views.items.page import render_item_page

    user = user_of(request)
    item = item_or_404(user, item_id, record_view=False)
    form = InstructionForm(request.POST, report_choices=_report_choices(list(selectors.item_reports(item))))
    error: DomainError | None = None
    if form.is_valid():
        try:
            services.item_instruction_write(
                item_id=item.pk,
                actor=user,
                text=form.cleaned_data["text"],
                report_id=form.cleaned_data["report"],
            )
        except DomainError as exc:
            error = exc
            field_errors(form, exc)
    else:
        error = ValidationFailed(codes.INSTRUCTION_EMPTY)
    if error is None:
        messages.success(request, _("The instruction was written; the units and the office are told."))
        return redirect(reverse("item-detail", args=[item_id]) + "#instructions")
    setattr(request, _FAILED_FORM, form)
    setattr(request, _FAILED_ERROR, error)
    item = item_or_404(user, item_id, record_view=False)
    response = render_item_page(request, item)
    response.status_code = error.status
    return response


@login_required
@require_POST
def leader_set(request: HttpRequest, item_id: int) -> HttpResponse:
    from ducha.workbench.views.items.page import render_item_page

    user = user_of(request)
    item = item_or_404(user, item_id, record_view=False)
    form = LeaderInChargeForm(request.POST, leader_choices=government_leaders(item.government))
    error: DomainError | None = None
    if form.is_valid():
        try:
            services.item_leader_set(item_id=item.pk, actor=user, leader_id=form.cleaned_data["leader"])
        except DomainError as exc:
            error = exc
            field_errors(form, exc)
    else:
        error = ValidationFailed(
            codes.LEADER_INVALID, fields={"leader": codes.message_for(codes.LEADER_INVALID)}
        )
    if error is None:
        messages.success(request, _("The leader in charge is set."))
        return redirect(reverse("item-detail", args=[item_id]) + "#instructions")
    setattr(request, _FAILED_LEADER, form)
    setattr(request, _FAILED_ERROR, error)
    response = render_item_page(request, item_or_404(user, item_id, record_view=False))
    response.status_code = error.status
    return response


urlpatterns = [
    path("items/<int:item_id>/instructions/", instruction_write, name="item-instruction-write"),
    path("items/<int:item_id>/leader/", leader_set, name="item-leader-set"),
]
