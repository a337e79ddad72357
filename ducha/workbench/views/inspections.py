"""Web pages for inspections: thin views over the services (writes) and selectors (reads, scope). Included by
ducha/workbench/urls.py under /inspections/; URL names are namespaced: `inspections:list` is the entry point for the
main navigation.

Every page fetches the inspection through the scoped selector: out of scope — an unannounced visit for its targets
until it ends — is a 404. Every form posts to one dispatcher per kind of record, which parses the form, calls one
service and redirects back with a message; refusals come back as the error's message.
"""

from __future__ import annotations

import datetime
import re
from collections.abc import Callable
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import path, reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from ducha.common import error_codes as codes
from ducha.common.errors import DomainError, NotFound, ValidationFailed
from ducha.inspections import lifecycle, overlap, selectors, services
from ducha.inspections.lifecycle import InspectionStatus, ProposalStatus
from ducha.inspections.models import (
    EvidenceKind,
    Inspection,
    InspectionKind,
    InvitedKind,
    PlanProposal,
    RectificationKind,
    ResultProposalKind,
    ReviewOutcome,
    TeamRole,
)
from ducha.orgs.models import Role, Unit, UnitKind, User

# --- parsing form input ------------------------------------------------------------------------------------------


def _bad(field: str) -> ValidationFailed:
    return ValidationFailed(codes.INVALID_INPUT, fields={field: codes.message_for(codes.INVALID_INPUT)})


def _text(request: HttpRequest, name: str) -> str:
    return request.POST.get(name, "").strip()


def _int(request: HttpRequest, name: str, default: int | None = None) -> int | None:
    value = request.POST.get(name, "").strip()
    if not value:
        return default
    try:
        return int(value)
    except ValueError:
        raise _bad(name) from None


def _ints(request: HttpRequest, name: str) -> list[int]:
    try:
        return [int(value) for value in request.POST.getlist(name) if value.strip()]
    except ValueError:
        raise _bad(name) from None


def _date(request: HttpRequest, name: str) -> datetime.date | None:
    value = request.POST.get(name, "").strip()
    if not value:
        return None
    try:
        return datetime.date.fromisoformat(value)
    except ValueError:
        raise _bad(name) from None


def _datetime(request: HttpRequest, name: str) -> datetime.datetime | None:
    value = request.POST.get(name, "").strip()
    if not value:
        return None
    try:
        parsed = datetime.datetime.fromisoformat(value)
    except ValueError:
        raise _bad(name) from None
    return parsed if parsed.tzinfo else timezone.make_aware(parsed)


def _bool(request: HttpRequest, name: str) -> bool:
    return request.POST.get(name) in ("on", "1", "true", "yes")


def _user(request: HttpRequest) -> User:
    user = request.user
    assert isinstance(user, User)
    return user


def _visible(request: HttpRequest, inspection_id: int, *, record_view: bool = False) -> Inspection:
    try:
        return selectors.get_inspection_for_user(_user(request), inspection_id, record_view=record_view)
    except NotFound:
        raise Http404 from None


def _units_of(government: Unit) -> list[Unit]:
    return list(
        Unit.objects.filter(path__startswith=government.path, is_active=True)
        .exclude(pk=government.pk)
        .exclude(kind=UnitKind.GENERAL_OFFICE)
        .order_by("path")
    )


def _lead_units(government: Unit) -> list[Unit]:
    return list(
        Unit.objects.filter(
            government=government,
            is_active=True,
            kind__in=[UnitKind.SUPERVISION_OFFICE, UnitKind.GENERAL_OFFICE, UnitKind.DEPARTMENT],
        ).order_by("kind", "sort_order", "id")
    )


def _open_plan_entries(government: Unit) -> list[PlanProposal]:
    return list(
        PlanProposal.objects.filter(
            plan__government=government,
            plan__status="approved",
            status=ProposalStatus.ACCEPTED,
            inspection__isnull=True,
        ).order_by("start_date", "id")
    )


# --- lists ---------------------------------------------------------------------------------------------------------


@login_required
def inspection_list(request: HttpRequest) -> HttpResponse:
    user = _user(request)
    try:
        page = selectors.inspection_list_for_user(
            user,
            status=[s for s in request.GET.getlist("status") if s in InspectionStatus.values],
            kind=request.GET.get("kind", "") if request.GET.get("kind") in InspectionKind.values else "",
            keyword=request.GET.get("q", "").strip(),
            cursor=request.GET.get("cursor") or None,
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
            "q": request.GET.get("q", ""),
            "can_create": user.has_role(Role.OFFICE),
            "can_see_burden": user.has_role(Role.OFFICE, Role.LEADER),
        },
    )


@login_required
def rectification_list(request: HttpRequest) -> HttpResponse:
    user = _user(request)
    light = request.GET.get("light")
    rows = selectors.rectification_list_for_user(
        user, light=light if light in ("red", "yellow", "green") else None
    )[:300]
    return render(
        request,
        "inspections/rectifications.html",
        {"rectifications": rows, "today": timezone.localdate(), "light": light},
    )


# --- create --------------------------------------------------------------------------------------------------------


@login_required
def inspection_create(request: HttpRequest) -> HttpResponse:
    user = _user(request)
    if not user.has_role(Role.OFFICE) or user.unit is None or user.unit.government is None:
        raise Http404
    government = user.unit.government
    error = None
    if request.method == "POST":
        try:
            in_plan = _bool(request, "in_plan")
            inspection = services.inspection_create(
                actor=user,
                topic=_text(request, "topic"),
                kind=_text(request, "kind"),
                targets=_ints(request, "targets"),
                start_date=_date(request, "start_date"),  # type: ignore[arg-type]
                end_date=_date(request, "end_date"),  # type: ignore[arg-type]
                lead_unit_id=_int(request, "lead_unit") or 0,
                in_plan=in_plan,
                plan_entry_id=_int(request, "plan_entry") if in_plan else None,
                out_of_plan_reason=_text(request, "out_of_plan_reason"),
                basis=_text(request, "basis"),
                content=_text(request, "content"),
                scope=_text(request, "scope"),
                method=_text(request, "method"),
                schedule=_text(request, "schedule"),
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
            "form": request.POST,
            "kinds": InspectionKind.choices,
            "lead_units": _lead_units(government),
            "units": _units_of(government),
            "plan_entries": _open_plan_entries(government),
            "chosen_targets": {int(v) for v in request.POST.getlist("targets") if v.isdigit()},
        },
    )


# --- one inspection ------------------------------------------------------------------------------------------------


def _names(actions: list[lifecycle.Transition]) -> set[str]:
    return {t.action for t in actions}


@login_required
def inspection_detail(request: HttpRequest, inspection_id: int) -> HttpResponse:
    user = _user(request)
    inspection = _visible(request, inspection_id, record_view=True)
    full = selectors.has_full_view(inspection, user)
    conclusions = list(selectors.conclusions_for_user(inspection, user))
    for conclusion in conclusions:
        conclusion.inspection = inspection
        # What the template shows per record: the actions this user may take on it now, and its review request.
        conclusion.available = _names(lifecycle.available_actions(conclusion, user))  # type: ignore[attr-defined]
        review = getattr(conclusion, "review_request", None) if _has_review(conclusion) else None
        conclusion.review = review  # type: ignore[attr-defined]
        if review is not None:
            review.inspection = inspection
            review.available = _names(lifecycle.available_actions(review, user))
    rectifications = list(selectors.rectifications_for_inspection(inspection, user))
    for rectification in rectifications:
        rectification.inspection = inspection
        rectification.available = _names(lifecycle.available_actions(rectification, user))  # type: ignore[attr-defined]
    results = list(selectors.result_proposals_for_user(inspection, user))
    for proposal in results:
        proposal.inspection = inspection
        proposal.available = _names(lifecycle.available_actions(proposal, user))  # type: ignore[attr-defined]
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
            "actions": _names(actions),
            "action_list": actions,
            "overlaps": report,
            "rules": selectors.rules_for(government),
            "amendment": lifecycle.pending_amendment(inspection),
            "findings": selectors.findings_for_user(inspection, user),
            "conclusions": conclusions,
            "rectifications": rectifications,
            "results": results,
            "timeline": selectors.inspection_timeline(inspection, user),
            "today": timezone.localdate(),
            "kinds": InspectionKind.choices,
            "units": _units_of(government)
            if "update" in _names(actions) or "amend" in _names(actions)
            else [],
            "lead_units": _lead_units(government) if "update" in _names(actions) else [],
            "plan_entries": _open_plan_entries(government) if "update" in _names(actions) else [],
            "team_users": list(
                User.objects.filter(is_active=True, unit__path__startswith=government.path).order_by(
                    "unit__path", "id"
                )
            )
            if "team_set" in _names(actions)
            else [],
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


def _has_review(conclusion: Any) -> bool:
    from ducha.inspections.models import ReviewRequest

    try:
        conclusion.review_request  # noqa: B018 - the reverse one-to-one raises when absent
    except ReviewRequest.DoesNotExist:
        return False
    return True


def _team_inputs(inspection: Inspection) -> list[services.TeamMemberInput]:
    return [
        services.TeamMemberInput(
            user_id=m.user_id,
            name=m.name,
            role=m.role,
            invited_kind=m.invited_kind,
            is_trained=m.is_trained,
            trained_on=m.trained_on,
            days=m.days,
        )
        for m in inspection.team.all()
    ]


def _team_add(request: HttpRequest, inspection: Inspection, user: User) -> str:
    member = services.TeamMemberInput(
        user_id=_int(request, "user"),
        name=_text(request, "name"),
        role=_text(request, "role") or TeamRole.MEMBER,
        invited_kind=_text(request, "invited_kind"),
        is_trained=_bool(request, "is_trained"),
        days=_int(request, "days", 1) or 0,
    )
    services.inspection_team_set(
        inspection_id=inspection.pk, actor=user, members=[*_team_inputs(inspection), member]
    )
    return _("The team member was added.")


def _team_remove(request: HttpRequest, inspection: Inspection, user: User) -> str:
    member_id = _int(request, "member")
    kept = [
        m
        for m, row in zip(_team_inputs(inspection), inspection.team.all(), strict=True)
        if row.pk != member_id
    ]
    services.inspection_team_set(inspection_id=inspection.pk, actor=user, members=kept)
    return _("The team member was removed.")


def _update(request: HttpRequest, inspection: Inspection, user: User) -> str:
    in_plan = _bool(request, "in_plan")
    services.inspection_update(
        inspection_id=inspection.pk,
        actor=user,
        targets=_ints(request, "targets"),
        lead_unit_id=_int(request, "lead_unit"),
        plan_entry_id=(_int(request, "plan_entry") or 0) if in_plan else 0,
        topic=_text(request, "topic"),
        kind=_text(request, "kind"),
        start_date=_date(request, "start_date"),
        end_date=_date(request, "end_date"),
        in_plan=in_plan,
        out_of_plan_reason=_text(request, "out_of_plan_reason"),
        basis=_text(request, "basis"),
        content=_text(request, "content"),
        scope=_text(request, "scope"),
        method=_text(request, "method"),
        schedule=_text(request, "schedule"),
    )
    return _("The plan was saved.")


def _finding(request: HttpRequest, inspection: Inspection, user: User) -> str:
    services.finding_add(
        inspection_id=inspection.pk,
        actor=user,
        target_id=_int(request, "target") or 0,
        title=_text(request, "title"),
        description=_text(request, "description"),
        place=_text(request, "place"),
        observed_at=_datetime(request, "observed_at"),
        rectification_kind=_text(request, "rectification_kind") or RectificationKind.DEADLINE,
        rectification_due_date=_date(request, "rectification_due_date"),
        is_rebound_prone=_bool(request, "is_rebound_prone"),
        followup_months=_int(request, "followup_months"),
    )
    return _("The finding was recorded.")


def _evidence(request: HttpRequest, inspection: Inspection, user: User) -> str:
    use = services.finding_evidence_add(
        inspection_id=inspection.pk,
        finding_id=_int(request, "finding") or 0,
        actor=user,
        upload=request.FILES.get("file"),  # type: ignore[arg-type]
        kind=_text(request, "kind") or EvidenceKind.DOCUMENT,
        description=_text(request, "description"),
        place=_text(request, "place"),
        taken_at=_datetime(request, "taken_at"),
    )
    if use.is_flagged:
        return _(
            "The evidence was added. The same file was already used as evidence elsewhere: it is flagged."
        )
    return _("The evidence was added.")


def _simple(service: Callable[..., Any], **fields: Callable[[HttpRequest], Any]) -> Callable[..., str]:
    """A form that calls `service` with the named fields read from the POST data."""

    def run(request: HttpRequest, inspection: Inspection, user: User) -> str:
        service(
            inspection_id=inspection.pk, actor=user, **{name: read(request) for name, read in fields.items()}
        )
        return _("Done.")

    return run


INSPECTION_FORMS: dict[str, Callable[[HttpRequest, Inspection, User], str]] = {
    "update": _update,
    "team_add": _team_add,
    "team_remove": _team_remove,
    "train": lambda request, inspection, user: (
        services.inspection_train(
            inspection_id=inspection.pk, actor=user, member_ids=_ints(request, "members")
        ),
        _("Training was recorded."),
    )[1],
    "submit": _simple(services.inspection_submit),
    "approve": _simple(services.inspection_approve, comment=lambda r: _text(r, "comment")),
    "reject": _simple(services.inspection_reject, reason=lambda r: _text(r, "reason")),
    "revise": _simple(services.inspection_revise),
    "amend": _simple(
        services.inspection_amend,
        reason=lambda r: _text(r, "reason"),
        add_target_ids=lambda r: _ints(r, "add_targets"),
        remove_target_ids=lambda r: _ints(r, "remove_targets"),
        end_date=lambda r: _date(r, "end_date"),
        scope=lambda r: _text(r, "scope") or None,
    ),
    "amendment_decide": _simple(
        services.inspection_amendment_decide,
        approve=lambda r: r.POST.get("approve") == "1",
        comment=lambda r: _text(r, "comment"),
    ),
    "start": _simple(services.inspection_start),
    "finding_add": _finding,
    "evidence_add": _evidence,
    "burden_record": _simple(
        services.inspection_burden_record,
        unit_id=lambda r: _int(r, "unit") or 0,
        forms_demanded=lambda r: _int(r, "forms_demanded", 0),
        people_days=lambda r: _int(r, "people_days", 0),
    ),
    "finish": _simple(services.inspection_finish),
    "conclusion_draft": _simple(
        services.conclusion_draft,
        target_id=lambda r: _int(r, "target") or 0,
        facts=lambda r: _text(r, "facts"),
        judgement=lambda r: _text(r, "judgement"),
        evidence_summary=lambda r: _text(r, "evidence_summary"),
    ),
    "result_propose": _simple(
        services.result_propose,
        unit_id=lambda r: _int(r, "unit") or 0,
        kind=lambda r: _text(r, "kind"),
        reason=lambda r: _text(r, "reason"),
        referred_to=lambda r: _text(r, "referred_to"),
    ),
    "close": _simple(services.inspection_close, comment=lambda r: _text(r, "comment")),
    "cancel": _simple(services.inspection_cancel, reason=lambda r: _text(r, "reason")),
}


_ANCHOR = re.compile(r"^[a-z0-9-]{1,40}$")


def _anchor(request: HttpRequest) -> str:
    anchor = request.POST.get("anchor", "")
    return f"#{anchor}" if _ANCHOR.match(anchor) else ""


@login_required
@require_POST
def inspection_act(request: HttpRequest, inspection_id: int, action: str) -> HttpResponse:
    inspection = _visible(request, inspection_id)
    form = INSPECTION_FORMS.get(action)
    if form is None:
        raise Http404
    try:
        messages.success(request, form(request, inspection, _user(request)))
    except DomainError as refusal:
        messages.error(request, refusal.message)
    return redirect(reverse("inspections:detail", args=[inspection_id]) + _anchor(request))


CONCLUSION_FORMS: dict[str, Callable[[HttpRequest, int, User], Any]] = {
    "submit": lambda r, pk, u: services.conclusion_submit(conclusion_id=pk, actor=u),
    "approve": lambda r, pk, u: services.conclusion_approve(
        conclusion_id=pk, actor=u, comment=_text(r, "comment")
    ),
    "return": lambda r, pk, u: services.conclusion_return(
        conclusion_id=pk, actor=u, reason=_text(r, "reason")
    ),
    "issue": lambda r, pk, u: services.conclusion_issue(conclusion_id=pk, actor=u),
    "acknowledge": lambda r, pk, u: services.conclusion_acknowledge(conclusion_id=pk, actor=u),
    "object": lambda r, pk, u: services.conclusion_object(
        conclusion_id=pk, actor=u, reasons=_text(r, "reasons"), uploads=r.FILES.getlist("files")
    ),
    "update": lambda r, pk, u: services.conclusion_update(
        conclusion_id=pk, actor=u, facts=_text(r, "facts"), judgement=_text(r, "judgement")
    ),
}

REVIEW_FORMS: dict[str, Callable[[HttpRequest, int, User], Any]] = {
    "reviewers": lambda r, pk, u: services.review_reviewers_assign(
        review_id=pk, actor=u, reviewer_ids=_ints(r, "reviewers")
    ),
    "decide": lambda r, pk, u: services.review_decide(
        review_id=pk,
        actor=u,
        outcome=_text(r, "outcome"),
        decision=_text(r, "decision"),
        revised_judgement=_text(r, "revised_judgement"),
    ),
}


def _milestones(request: HttpRequest) -> list[services.MilestoneInput]:
    titles = request.POST.getlist("milestone_title")
    dates = request.POST.getlist("milestone_date")
    result = []
    for title, day in zip(titles, dates, strict=False):
        if title.strip() and day.strip():
            try:
                result.append(
                    services.MilestoneInput(title.strip(), datetime.date.fromisoformat(day.strip()))
                )
            except ValueError:
                raise _bad("milestones") from None
    return result


RECTIFICATION_FORMS: dict[str, Callable[[HttpRequest, int, User], Any]] = {
    "plan": lambda r, pk, u: services.rectification_plan(
        rectification_id=pk, actor=u, plan=_text(r, "plan"), milestones=_milestones(r)
    ),
    "progress": lambda r, pk, u: services.rectification_progress(
        rectification_id=pk, actor=u, text=_text(r, "text"), milestone_id=_int(r, "milestone")
    ),
    "evidence": lambda r, pk, u: services.rectification_evidence_add(
        rectification_id=pk,
        actor=u,
        upload=r.FILES.get("file"),
        kind=_text(r, "kind") or EvidenceKind.PHOTO,
        description=_text(r, "description"),
    ),
    "report": lambda r, pk, u: services.rectification_report(
        rectification_id=pk, actor=u, text=_text(r, "text")
    ),
    "verify": lambda r, pk, u: services.rectification_verify(
        rectification_id=pk,
        actor=u,
        passed=r.POST.get("passed") == "1",
        note=_text(r, "note"),
        method=_text(r, "method") or "on_site",
    ),
    "close": lambda r, pk, u: services.rectification_close(
        rectification_id=pk, actor=u, comment=_text(r, "comment")
    ),
}


def _child_act(
    request: HttpRequest,
    inspection_id: int,
    record_id: int,
    action: str,
    forms: dict[str, Callable[[HttpRequest, int, User], Any]],
    fetch: Callable[[User, Inspection, int], Any],
    anchor: str,
) -> HttpResponse:
    user = _user(request)
    inspection = _visible(request, inspection_id)
    form = forms.get(action)
    if form is None:
        raise Http404
    try:
        fetch(user, inspection, record_id)
    except NotFound:
        raise Http404 from None
    try:
        form(request, record_id, user)
    except DomainError as refusal:
        messages.error(request, refusal.message)
    else:
        messages.success(request, _("Done."))
    return redirect(reverse("inspections:detail", args=[inspection_id]) + f"#{anchor}-{record_id}")


@login_required
@require_POST
def conclusion_act(request: HttpRequest, inspection_id: int, conclusion_id: int, action: str) -> HttpResponse:
    return _child_act(
        request,
        inspection_id,
        conclusion_id,
        action,
        CONCLUSION_FORMS,
        selectors.get_conclusion_for_user,
        "conclusion",
    )


@login_required
@require_POST
def review_act(request: HttpRequest, inspection_id: int, review_id: int, action: str) -> HttpResponse:
    return _child_act(
        request, inspection_id, review_id, action, REVIEW_FORMS, selectors.get_review_for_user, "review"
    )


@login_required
@require_POST
def rectification_act(
    request: HttpRequest, inspection_id: int, rectification_id: int, action: str
) -> HttpResponse:
    return _child_act(
        request,
        inspection_id,
        rectification_id,
        action,
        RECTIFICATION_FORMS,
        selectors.get_rectification_for_user,
        "rectification",
    )


@login_required
@require_POST
def result_act(request: HttpRequest, inspection_id: int, proposal_id: int) -> HttpResponse:
    forms = {
        "decide": lambda r, pk, u: services.result_decide(
            proposal_id=pk, actor=u, approve=r.POST.get("approve") == "1", comment=_text(r, "comment")
        )
    }
    return _child_act(
        request, inspection_id, proposal_id, "decide", forms, selectors.get_result_proposal_for_user, "result"
    )


@login_required
def evidence_download(request: HttpRequest, inspection_id: int, evidence_id: int) -> FileResponse:
    inspection = _visible(request, inspection_id)
    use = selectors.evidence_for_user(inspection, _user(request)).filter(pk=evidence_id).first()
    if use is None:
        raise Http404
    return FileResponse(use.file.file.open("rb"), as_attachment=False, filename=use.file.original_name)


@login_required
def inspection_report(request: HttpRequest, inspection_id: int) -> HttpResponse:
    """督查报告: the plan, findings, conclusions, rectification status and proposals, as far as the user may see."""
    user = _user(request)
    inspection = _visible(request, inspection_id)
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


# --- the annual plan ----------------------------------------------------------------------------------------------


@login_required
def plan_current(request: HttpRequest) -> HttpResponse:
    return redirect("inspections:plan", timezone.localdate().year)


@login_required
def plan_page(request: HttpRequest, year: int) -> HttpResponse:
    user = _user(request)
    if user.unit is None or user.unit.government is None or not 2000 <= year <= 9998:
        raise Http404
    government = user.unit.government
    summary = selectors.plan_summary(government, year, user)
    plan = summary.plan
    proposals = list(selectors.plan_proposals(plan, user)) if plan else []
    actions: set[str] = _names(lifecycle.available_actions(plan, user)) if plan else set()
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
            "units": _units_of(government),
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


PLAN_FORMS: dict[str, Callable[[HttpRequest, Any, User], Any]] = {
    "propose": lambda r, plan, u: services.plan_proposal_add(
        plan_id=plan.pk,
        actor=u,
        topic=_text(r, "topic"),
        kind=_text(r, "kind"),
        reason=_text(r, "reason"),
        start_date=_date(r, "start_date"),
        end_date=_date(r, "end_date"),
        target_ids=_ints(r, "targets"),
    ),
    "decide": lambda r, plan, u: services.plan_proposal_decide(
        plan_id=plan.pk,
        proposal_id=_int(r, "proposal") or 0,
        actor=u,
        decision=_text(r, "decision"),
        merged_into_id=_int(r, "merged_into"),
        note=_text(r, "note"),
    ),
    "submit": lambda r, plan, u: services.annual_plan_submit(plan_id=plan.pk, actor=u),
    "approve": lambda r, plan, u: services.annual_plan_approve(
        plan_id=plan.pk, actor=u, comment=_text(r, "comment")
    ),
    "return": lambda r, plan, u: services.annual_plan_return(
        plan_id=plan.pk, actor=u, reason=_text(r, "reason")
    ),
}


@login_required
@require_POST
def plan_act(request: HttpRequest, year: int, action: str) -> HttpResponse:
    user = _user(request)
    if user.unit is None or user.unit.government is None:
        raise Http404
    government = user.unit.government
    try:
        if action == "create":
            services.annual_plan_create(
                actor=user,
                year=year,
                baseline_count=_int(request, "baseline_count"),
                note=_text(request, "note"),
            )
        elif action == "designate":
            services.designation_grant(
                actor=user,
                unit_id=_int(request, "unit") or 0,
                matter=_text(request, "matter"),
                scope=_text(request, "scope"),
                start_date=_date(request, "start_date"),  # type: ignore[arg-type]
                end_date=_date(request, "end_date"),  # type: ignore[arg-type]
                target_ids=_ints(request, "targets"),
            )
        else:
            form = PLAN_FORMS.get(action)
            plan = selectors.plan_for(government, year)
            if form is None or plan is None:
                raise Http404
            form(request, plan, user)
    except DomainError as refusal:
        messages.error(request, refusal.message)
    else:
        messages.success(request, _("Done."))
    return redirect("inspections:plan", year)


# --- burden and mix ------------------------------------------------------------------------------------------------


@login_required
def burden_page(request: HttpRequest) -> HttpResponse:
    user = _user(request)
    if not user.has_role(Role.OFFICE, Role.LEADER) or user.unit is None or user.unit.government is None:
        raise Http404
    government = user.unit.government
    rules = selectors.rules_for(government)
    error = None
    try:
        period = selectors.parse_period(
            request.GET.get("period") or selectors.current_period(rules.burden_period)
        )
    except DomainError as refusal:
        error = refusal
        period = selectors.parse_period(selectors.current_period(rules.burden_period))
    year = period.start.year
    return render(
        request,
        "inspections/burden.html",
        {
            "burden": selectors.burden(government, period),
            "mix": selectors.office_mix(government, year),
            "period": period,
            "error": error,
            "rules": rules,
        },
    )


app_name = "inspections"

urlpatterns = [
    path("", inspection_list, name="list"),
    path("new/", inspection_create, name="create"),
    path("rectifications/", rectification_list, name="rectifications"),
    path("burden/", burden_page, name="burden"),
    path("plan/", plan_current, name="plan-current"),
    path("plan/<int:year>/", plan_page, name="plan"),
    path("plan/<int:year>/<str:action>/", plan_act, name="plan-act"),
    path("<int:inspection_id>/", inspection_detail, name="detail"),
    path("<int:inspection_id>/report/", inspection_report, name="report"),
    path("<int:inspection_id>/act/<str:action>/", inspection_act, name="act"),
    path(
        "<int:inspection_id>/conclusions/<int:conclusion_id>/<str:action>/",
        conclusion_act,
        name="conclusion-act",
    ),
    path("<int:inspection_id>/reviews/<int:review_id>/<str:action>/", review_act, name="review-act"),
    path(
        "<int:inspection_id>/rectifications/<int:rectification_id>/<str:action>/",
        rectification_act,
        name="rectification-act",
    ),
    path("<int:inspection_id>/results/<int:proposal_id>/decide/", result_act, name="result-act"),
    path("<int:inspection_id>/evidence/<int:evidence_id>/", evidence_download, name="evidence"),
]
