"""An inspection before and around its approval: the office proposes it (the create form), edits its plan,
submits it; the leader approves, rejects or sends it back; the office amends an approved plan and the leader
decides the amendment."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _

from ducha.common.errors import DomainError
from ducha.inspections import services
from ducha.inspections.models import Inspection, InspectionKind
from ducha.orgs.models import Role, User
from ducha.workbench.forms.fields import cleaned
from ducha.workbench.forms.inspections import (
    AmendForm,
    CommentForm,
    DecisionForm,
    EmptyForm,
    InspectionForm,
    ReasonForm,
)
from ducha.workbench.views.inspections.base import (
    Action,
    lead_units,
    open_plan_entries,
    simple,
    units_of,
    user_of,
)

PLAN_TEXTS = ("out_of_plan_reason", "basis", "content", "scope", "method", "schedule")


@login_required
def inspection_create(request: HttpRequest) -> HttpResponse:
    user = user_of(request)
    if not user.has_role(Role.OFFICE) or user.unit is None or user.unit.government is None:
        raise Http404
    government = user.unit.government
    error = None
    form = InspectionForm(request.POST if request.method == "POST" else None)
    if form.is_bound:
        try:
            data = cleaned(form)
            inspection = services.inspection_create(
                actor=user,
                topic=data["topic"],
                kind=data["kind"],
                targets=data["targets"],
                start_date=data["start_date"],
                end_date=data["end_date"],
                lead_unit_id=data["lead_unit"] or 0,
                in_plan=data["in_plan"],
                plan_entry_id=data["plan_entry"] if data["in_plan"] else None,
                **{name: data[name] for name in PLAN_TEXTS},
            )
        except DomainError as refusal:
            error = refusal
        else:
            messages.success(request, _("The inspection was proposed."))
            return redirect("inspections:detail", inspection.pk)
    return render(
        request,
        "inspections/form.html",
        {
            "error": error,
            # The page is written by hand: it shows back what was typed, as typed.
            "form": form.data,
            "kinds": InspectionKind.choices,
            "lead_units": lead_units(government),
            "units": units_of(government),
            "plan_entries": open_plan_entries(government),
            "chosen_targets": form.chosen_targets(),
        },
    )


def _update(data: dict[str, Any], inspection: Inspection, user: User) -> str:
    services.inspection_update(
        inspection_id=inspection.pk,
        actor=user,
        targets=data["targets"],
        lead_unit_id=data["lead_unit"],
        plan_entry_id=(data["plan_entry"] or 0) if data["in_plan"] else 0,
        topic=data["topic"],
        kind=data["kind"],
        start_date=data["start_date"],
        end_date=data["end_date"],
        in_plan=data["in_plan"],
        **{name: data[name] for name in PLAN_TEXTS},
    )
    return _("The plan was saved.")


PROPOSAL_ACTIONS: dict[str, Action] = {
    "update": Action(InspectionForm, _update),
    "submit": Action(EmptyForm, simple(services.inspection_submit)),
    "approve": Action(CommentForm, simple(services.inspection_approve, comment=lambda d: d["comment"])),
    "reject": Action(ReasonForm, simple(services.inspection_reject, reason=lambda d: d["reason"])),
    "revise": Action(EmptyForm, simple(services.inspection_revise)),
    "amend": Action(
        AmendForm,
        simple(
            services.inspection_amend,
            reason=lambda d: d["reason"],
            add_target_ids=lambda d: d["add_targets"],
            remove_target_ids=lambda d: d["remove_targets"],
            end_date=lambda d: d["end_date"],
            scope=lambda d: d["scope"] or None,
        ),
    ),
    "amendment_decide": Action(
        DecisionForm,
        simple(
            services.inspection_amendment_decide,
            approve=lambda d: d["approve"],
            comment=lambda d: d["comment"],
        ),
    ),
}
