"""The inspection pages that only read: the list with what waits on the user, the rectifications, one inspection
with the actions open to the user on it and on each of its records, its report, an evidence file, and the
office's burden and mix page."""

from __future__ import annotations

from typing import Any

from django.contrib.auth.decorators import login_required
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone

from ducha.common.errors import DomainError
from ducha.inspections import lifecycle, overlap, selectors
from ducha.inspections.lifecycle import InspectionStatus
from ducha.inspections.models import (
    EvidenceKind,
    InspectionKind,
    InvitedKind,
    RectificationKind,
    ResultProposalKind,
    ReviewOutcome,
    ReviewRequest,
    TeamRole,
)
from ducha.orgs.models import Role, User
from ducha.reminders import selectors as reminder_selectors
from ducha.workbench.forms.fields import cleaned
from ducha.workbench.forms.inspections import BurdenPeriodForm, InspectionListForm, RectificationListForm
from ducha.workbench.views.inspections.base import (
    lead_units,
    names,
    open_plan_entries,
    team_options,
    units_of,
    user_of,
    visible,
)

# --- lists ---------------------------------------------------------------------------------------------------------


@login_required
def inspection_list(request: HttpRequest) -> HttpResponse:
    user = user_of(request)
    shown = cleaned(InspectionListForm(request.GET))
    try:
        page = selectors.inspection_list_for_user(
            user,
            status=shown["status"],
            kind=shown["kind"],
            keyword=shown["q"].strip(),
            cursor=shown["cursor"] or None,
            limit=30,
        )
    except DomainError:
        page = selectors.inspection_list_for_user(user, limit=30)
    counts = selectors.summary_counts(user)
    return render(
        request,
        "inspections/list.html",
        {
            "page": page,
            "todos": selectors.todos_for_user(user),
            "counts": [(status, label, counts.get(status, 0)) for status, label in InspectionStatus.choices],
            "kinds": InspectionKind.choices,
            "q": shown["q"],
            "can_create": user.has_role(Role.OFFICE),
            "can_see_burden": user.has_role(Role.OFFICE, Role.LEADER),
        },
    )


@login_required
def rectification_list(request: HttpRequest) -> HttpResponse:
    user = user_of(request)
    light = cleaned(RectificationListForm(request.GET))["light"] or None
    rows = selectors.rectification_list_for_user(user, light=light)[:300]
    return render(
        request,
        "inspections/rectifications.html",
        {"rectifications": rows, "today": timezone.localdate(), "light": light},
    )


# --- one inspection ------------------------------------------------------------------------------------------------


def _has_review(conclusion: Any) -> bool:
    try:
        conclusion.review_request  # noqa: B018 - the reverse one-to-one raises when absent
    except ReviewRequest.DoesNotExist:
        return False
    return True


@login_required
def inspection_detail(request: HttpRequest, inspection_id: int) -> HttpResponse:
    user = user_of(request)
    inspection = visible(request, inspection_id, record_view=True)
    full = selectors.has_full_view(inspection, user)
    conclusions = list(selectors.conclusions_for_user(inspection, user))
    for conclusion in conclusions:
        conclusion.inspection = inspection
        # What the template shows per record: the actions this user may take on it now, and its review request.
        conclusion.available = names(lifecycle.available_actions(conclusion, user))  # type: ignore[attr-defined]
        review = getattr(conclusion, "review_request", None) if _has_review(conclusion) else None
        conclusion.review = review  # type: ignore[attr-defined]
        if review is not None:
            review.inspection = inspection
            review.available = names(lifecycle.available_actions(review, user))
    rectifications = list(selectors.rectifications_for_inspection(inspection, user))
    for rectification in rectifications:
        rectification.inspection = inspection
        rectification.available = names(lifecycle.available_actions(rectification, user))  # type: ignore[attr-defined]
    results = list(selectors.result_proposals_for_user(inspection, user))
    for proposal in results:
        proposal.inspection = inspection
        proposal.available = names(lifecycle.available_actions(proposal, user))  # type: ignore[attr-defined]
    actions = lifecycle.available_actions(inspection, user)
    government = inspection.government
    report = overlap.inspection_overlaps(inspection, viewer=user) if full else None
    reviewer_candidates = []
    reviews = [getattr(c, "review", None) for c in conclusions]
    if any("reviewers_assign" in getattr(r, "available", ()) for r in reviews if r is not None):
        reviewer_candidates = list(
            User.objects.filter(
                is_active=True,
                unit__government=government,
                role_grants__role__in=[Role.OFFICE, Role.LEADER],
            )
            .distinct()
            .order_by("id")
        )
    return render(
        request,
        "inspections/detail.html",
        {
            "inspection": inspection,
            "full": full,
            "actions": names(actions),
            "action_list": actions,
            "overlaps": report,
            "rules": selectors.rules_for(government),
            "amendment": lifecycle.pending_amendment(inspection),
            "findings": selectors.findings_for_user(inspection, user),
            "conclusions": conclusions,
            "rectifications": rectifications,
            "results": results,
            "timeline": reminder_selectors.inspection_timeline(inspection, user),
            "today": timezone.localdate(),
            "kinds": InspectionKind.choices,
            "units": units_of(government) if "update" in names(actions) or "amend" in names(actions) else [],
            "lead_units": lead_units(government) if "update" in names(actions) else [],
            "plan_entries": open_plan_entries(government) if "update" in names(actions) else [],
            "team_options": team_options(government) if "team_set" in names(actions) else "",
            "team_roles": TeamRole.choices,
            "invited_kinds": InvitedKind.choices[1:],
            "rectification_kinds": RectificationKind.choices,
            "evidence_kinds": EvidenceKind.choices,
            "result_kinds": ResultProposalKind.choices,
            "review_outcomes": ReviewOutcome.choices,
            "reviewer_candidates": reviewer_candidates,
            "concluded_targets": {c.target_id for c in conclusions},
        },
    )


@login_required
def inspection_report(request: HttpRequest, inspection_id: int) -> HttpResponse:
    """督查报告: the plan, findings, conclusions, rectification status and proposals, as far as the user may see."""
    user = user_of(request)
    inspection = visible(request, inspection_id)
    rectifications = list(selectors.rectifications_for_inspection(inspection, user))
    counts: dict[str, int] = {}
    for rectification in rectifications:
        label = str(rectification.get_status_display())
        counts[label] = counts.get(label, 0) + 1
    return render(
        request,
        "inspections/report.html",
        {
            "inspection": inspection,
            "findings": selectors.findings_for_user(inspection, user),
            "conclusions": selectors.conclusions_for_user(inspection, user),
            "rectifications": rectifications,
            "rectification_counts": sorted(counts.items()),
            "results": selectors.result_proposals_for_user(inspection, user),
            "today": timezone.localdate(),
        },
    )


@login_required
def evidence_download(request: HttpRequest, inspection_id: int, evidence_id: int) -> FileResponse:
    inspection = visible(request, inspection_id)
    use = selectors.evidence_for_user(inspection, user_of(request)).filter(pk=evidence_id).first()
    if use is None:
        raise Http404
    return FileResponse(use.file.file.open("rb"), as_attachment=False, filename=use.file.original_name)


# --- burden and mix ------------------------------------------------------------------------------------------------


@login_required
def burden_page(request: HttpRequest) -> HttpResponse:
    user = user_of(request)
    if not user.has_role(Role.OFFICE, Role.LEADER) or user.unit is None or user.unit.government is None:
        raise Http404
    government = user.unit.government
    rules = selectors.rules_for(government)
    error = None
    asked = cleaned(BurdenPeriodForm(request.GET))["period"]
    try:
        period = selectors.parse_period(asked or selectors.current_period(rules.burden_period))
    except DomainError as refusal:
        error = refusal
        period = selectors.parse_period(selectors.current_period(rules.burden_period))
    year = period.start.year
    return render(
        request,
        "inspections/burden.html",
        {
            "burden": selectors.burden(government, period, viewer=user),
            "mix": selectors.office_mix(government, year, viewer=user),
            "period": period,
            "error": error,
            "rules": rules,
        },
    )
