"""The annual plan (年度督查计划): the office opens a year's plan, departments propose inspections, the office
decides each proposal and submits the plan, the leader approves or returns it; the leader also designates
departments to inspect in their own field (designations)."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from ducha.common.errors import DomainError
from ducha.inspections import lifecycle, overlap, selectors, services
from ducha.inspections.lifecycle import ProposalStatus
from ducha.inspections.models import InspectionKind
from ducha.orgs.models import Role, Unit, UnitKind
from ducha.workbench.forms.inspections import (
    AnnualPlanCreateForm,
    CommentForm,
    DesignationForm,
    EmptyForm,
    PlanProposalDecideForm,
    PlanProposalForm,
    ReasonForm,
)
from ducha.workbench.views.inspections.base import Action, names, units_of, user_of


@login_required
def plan_current(request: HttpRequest) -> HttpResponse:
    return redirect("inspections:plan", timezone.localdate().year)


@login_required
def plan_page(request: HttpRequest, year: int) -> HttpResponse:
    user = user_of(request)
    if user.unit is None or user.unit.government is None or not 2000 <= year <= 9998:
        raise Http404
    government = user.unit.government
    summary = selectors.plan_summary(government, year, user)
    plan = summary.plan
    proposals = list(selectors.plan_proposals(plan, user)) if plan else []
    actions: set[str] = names(lifecycle.available_actions(plan, user)) if plan else set()
    if plan is not None:
        rules = selectors.rules_for(government)
        windows = {
            p.pk: overlap.Window(frozenset(t.pk for t in p.targets.all()), p.start_date, p.end_date, p.topic)
            for p in proposals
        }
        for p in proposals:
            p.overlapping = overlap.proposals_overlapping(  # type: ignore[attr-defined]
                windows[p.pk], [(pk, w) for pk, w in windows.items() if pk != p.pk], rules
            )
    is_leader = user.has_role(Role.LEADER)
    return render(
        request,
        "inspections/plan.html",
        {
            "year": year,
            "summary": summary,
            "plan": plan,
            "proposals": proposals,
            "actions": actions,
            "accepted": [p for p in proposals if p.status == ProposalStatus.ACCEPTED],
            "kinds": InspectionKind.choices,
            "units": units_of(government),
            "can_create": plan is None and user.has_role(Role.OFFICE),
            "designations": selectors.designations_for(government)
            if user.has_role(Role.OFFICE, Role.LEADER)
            else [],
            "can_designate": is_leader,
            "departments": list(
                Unit.objects.filter(government=government, kind=UnitKind.DEPARTMENT, is_active=True).order_by(
                    "sort_order"
                )
            )
            if is_leader
            else [],
        },
    )


# Actions that need no plan (the subject is the year).
YEAR_ACTIONS: dict[str, Action] = {
    "create": Action(
        AnnualPlanCreateForm,
        lambda d, year, u: services.annual_plan_create(
            actor=u, year=year, baseline_count=d["baseline_count"], note=d["note"]
        ),
    ),
    "designate": Action(
        DesignationForm,
        lambda d, year, u: services.designation_grant(
            actor=u,
            unit_id=d["unit"] or 0,
            matter=d["matter"],
            scope=d["scope"],
            start_date=d["start_date"],
            end_date=d["end_date"],
            target_ids=d["targets"],
        ),
    ),
}

# Actions on the year's plan (the subject).
PLAN_ACTIONS: dict[str, Action] = {
    "propose": Action(
        PlanProposalForm,
        lambda d, plan, u: services.plan_proposal_add(
            plan_id=plan.pk,
            actor=u,
            topic=d["topic"],
            kind=d["kind"],
            reason=d["reason"],
            start_date=d["start_date"],
            end_date=d["end_date"],
            target_ids=d["targets"],
        ),
    ),
    "decide": Action(
        PlanProposalDecideForm,
        lambda d, plan, u: services.plan_proposal_decide(
            plan_id=plan.pk,
            proposal_id=d["proposal"] or 0,
            actor=u,
            decision=d["decision"],
            merged_into_id=d["merged_into"],
            note=d["note"],
        ),
    ),
    "submit": Action(EmptyForm, lambda d, plan, u: services.annual_plan_submit(plan_id=plan.pk, actor=u)),
    "approve": Action(
        CommentForm,
        lambda d, plan, u: services.annual_plan_approve(plan_id=plan.pk, actor=u, comment=d["comment"]),
    ),
    "return": Action(
        ReasonForm,
        lambda d, plan, u: services.annual_plan_return(plan_id=plan.pk, actor=u, reason=d["reason"]),
    ),
}


@login_required
@require_POST
def plan_act(request: HttpRequest, year: int, action: str) -> HttpResponse:
    user = user_of(request)
    if user.unit is None or user.unit.government is None:
        raise Http404
    government = user.unit.government
    try:
        if action in YEAR_ACTIONS:
            YEAR_ACTIONS[action].take(request, year)
        else:
            taken = PLAN_ACTIONS.get(action)
            plan = selectors.plan_for(government, year)
            if taken is None or plan is None:
                raise Http404
            taken.take(request, plan)
    except DomainError as refusal:
        messages.error(request, refusal.message)
    else:
        messages.success(request, _("Done."))
    return redirect("inspections:plan", year)
