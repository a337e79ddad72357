"""Inspections (督查活动): thin endpoints over ducha.inspections.services (writes) and .selectors (reads, scope).

Every endpoint on an inspection fetches it through the scoped selector first: out of scope — including an
unannounced visit for anyone but its team and approvers until it ends — is 404 whatever the action.
Routes with fixed words (`/inspections/plans/…`, `/inspections/burden`, …) are declared before
`/inspections/{inspection_id}` so that they are matched first.
"""

from __future__ import annotations

import datetime
from typing import Annotated, Any, Literal

from django.http import FileResponse, HttpRequest
from django.utils import timezone
from ninja import Field, File, Form, Router, Schema, Status
from ninja.files import UploadedFile

from ducha.api.base import actor
from ducha.api.schemas import ActionOut, ErrorOut, EventOut, Id, UnitRef, UserRef
from ducha.common import error_codes as codes
from ducha.common.errors import NotFound, NotPermitted
from ducha.inspections import lifecycle, overlap, selectors, services
from ducha.inspections.models import (
    AnnualPlan,
    Conclusion,
    EvidenceUse,
    Finding,
    Inspection,
    Rectification,
    ResultProposal,
    ReviewRequest,
)
from ducha.orgs.models import Role

router = Router(tags=["inspections"])

ERRORS: dict[int, Any] = {400: ErrorOut, 401: ErrorOut, 403: ErrorOut, 404: ErrorOut, 409: ErrorOut}
Year = Annotated[int, Field(ge=2000, le=9998)]
Kind = Literal[
    "comprehensive",
    "special",
    "joint",
    "case_investigation",
    "routine",
    "clue_check",
    "unannounced",
    "written",
    "on_site",
    "self_check",
    "third_party",
    "follow_up",
]


# --- schemas -----------------------------------------------------------------------------------------------------


class TargetIn(Schema):
    unit: Id
    forms_demanded: int = Field(0, ge=0, le=10_000)
    people_days: int = Field(0, ge=0, le=100_000)


class InspectionCreateIn(Schema):
    topic: str = Field(..., max_length=200)
    kind: Kind
    targets: list[TargetIn | Id]
    start_date: datetime.date
    end_date: datetime.date
    lead_unit: Id
    in_plan: bool = True
    plan_entry: Id | None = None
    out_of_plan_reason: str = ""
    basis: str = ""
    basis_items: list[Id] = []
    content: str = ""
    scope: str = ""
    method: str = ""
    schedule: str = ""


class InspectionUpdateIn(Schema):
    topic: str | None = Field(None, max_length=200)
    kind: Kind | None = None
    targets: list[TargetIn | Id] | None = None
    start_date: datetime.date | None = None
    end_date: datetime.date | None = None
    lead_unit: Id | None = None
    in_plan: bool | None = None
    plan_entry: int | None = Field(None, ge=0)
    out_of_plan_reason: str | None = None
    basis: str | None = None
    basis_items: list[Id] | None = None
    content: str | None = None
    scope: str | None = None
    method: str | None = None
    schedule: str | None = None


class TargetOut(Schema):
    unit: UnitRef
    forms_demanded: int
    people_days: int
    notified_at: datetime.datetime | None


class TeamMemberIn(Schema):
    user: Id | None = None
    name: str = Field("", max_length=50)
    role: Literal["leader", "member", "invited"] = "member"
    invited_kind: Literal["", "npc_deputy", "cppcc_member", "expert", "journalist", "other"] = ""
    is_trained: bool = False
    trained_on: datetime.date | None = None
    days: int = Field(1, ge=0, le=366)


class TeamMemberOut(Schema):
    id: int
    user: UserRef | None
    name: str
    role: str
    invited_kind: str
    is_trained: bool
    trained_on: datetime.date | None
    days: int


class AmendmentOut(Schema):
    id: int
    status: str
    reason: str
    changes: dict
    old: dict
    is_widening: bool


class InspectionOut(Schema):
    id: int
    topic: str
    kind: str
    kind_display: str
    status: str
    status_display: str
    year: int
    government: UnitRef
    lead_unit: UnitRef
    in_plan: bool
    plan_entry: int | None
    out_of_plan_reason: str
    filed_at: datetime.datetime | None
    designation: int | None
    basis: str
    basis_items: list[int]
    follows_up: int | None
    start_date: datetime.date
    end_date: datetime.date
    content: str
    scope: str
    method: str
    schedule: str
    approver: UserRef | None
    approved_at: datetime.datetime | None
    rejection_reason: str
    started_at: datetime.datetime | None
    ended_at: datetime.datetime | None
    closed_at: datetime.datetime | None
    cancel_reason: str
    targets: list[TargetOut]
    team: list[TeamMemberOut]
    pending_amendment: AmendmentOut | None
    created_at: datetime.datetime
    updated_at: datetime.datetime


class OverlapInspectionOut(Schema):
    id: int
    topic: str
    kind: str
    status: str
    government: UnitRef
    lead_unit: UnitRef
    start_date: datetime.date
    end_date: datetime.date


class OverlapOut(Schema):
    inspection: OverlapInspectionOut
    reason: Literal["concurrent", "similar_topic"]
    shared_targets: list[int]
    similarity: float
    blocks: bool
    in_scope: bool


class OverlapsOut(Schema):
    overlaps: list[OverlapOut]
    hidden_overlaps: int
    rule: str


class InspectionCreatedOut(InspectionOut):
    overlaps: list[OverlapOut]
    hidden_overlaps: int


class InspectionPage(Schema):
    inspections: list[InspectionOut]
    next_cursor: str | None


class CommentIn(Schema):
    comment: str = ""


class ReasonIn(Schema):
    reason: str = ""


class TrainIn(Schema):
    members: list[Id]
    trained_on: datetime.date | None = None


class AmendIn(Schema):
    reason: str = ""
    add_targets: list[Id] = []
    remove_targets: list[Id] = []
    start_date: datetime.date | None = None
    end_date: datetime.date | None = None
    content: str | None = None
    scope: str | None = None
    method: str | None = None
    schedule: str | None = None


class DecideIn(Schema):
    approve: bool
    comment: str = ""


class BurdenIn(Schema):
    unit: Id
    forms_demanded: int = Field(..., ge=0, le=10_000)
    people_days: int = Field(..., ge=0, le=100_000)


class FindingIn(Schema):
    target: Id
    title: str = Field(..., max_length=200)
    description: str = ""
    place: str = Field("", max_length=200)
    observed_at: datetime.datetime | None = None
    rectification_kind: Literal["immediate", "deadline", "long_term"] = "deadline"
    rectification_due_date: datetime.date | None = None
    is_rebound_prone: bool = False
    followup_months: int | None = Field(None, ge=1, le=60)


class EvidenceOut(Schema):
    id: int
    kind: str
    name: str
    size: int
    sha256: str
    description: str
    place: str
    taken_at: datetime.datetime | None
    recorded_by: UserRef
    is_flagged: bool
    finding: int | None
    rectification: int | None
    review_request: int | None
    created_at: datetime.datetime


class FindingOut(Schema):
    id: int
    target: UnitRef
    title: str
    description: str
    place: str
    observed_at: datetime.datetime | None
    recorded_by: UserRef
    rectification_kind: str
    rectification_due_date: datetime.date | None
    is_rebound_prone: bool
    followup_months: int | None
    evidence: list[EvidenceOut]


class ConclusionIn(Schema):
    target: Id
    facts: str = ""
    judgement: str = ""
    evidence_summary: str = ""


class ConclusionUpdateIn(Schema):
    facts: str | None = None
    judgement: str | None = None
    evidence_summary: str | None = None


class ReviewOut(Schema):
    id: int
    conclusion: int
    status: str
    reasons: str
    filed_by: UserRef
    filed_on: datetime.date
    decide_by: datetime.date
    reviewers: list[UserRef]
    outcome: str
    decision: str
    decided_by: UserRef | None
    decided_at: datetime.datetime | None
    sent_at: datetime.datetime | None
    is_late: bool


class ConclusionOut(Schema):
    id: int
    target: UnitRef
    status: str
    status_display: str
    facts: str
    evidence_summary: str
    judgement: str
    revised_judgement: str
    effective_judgement: str
    approved_by: UserRef | None
    approved_at: datetime.datetime | None
    issued_at: datetime.datetime | None
    acknowledged_at: datetime.datetime | None
    objection_deadline: datetime.date | None
    objection_open: bool
    review: ReviewOut | None


class ObjectionIn(Schema):
    reasons: str = ""


class ReviewersIn(Schema):
    reviewers: list[Id]


class ReviewDecideIn(Schema):
    outcome: Literal["upheld", "changed", "withdrawn"]
    decision: str = ""
    revised_judgement: str = ""


class MilestoneIn(Schema):
    title: str = Field(..., max_length=200)
    due_date: datetime.date


class MilestoneOut(MilestoneIn):
    id: int
    completed_at: datetime.datetime | None


class RectificationOut(Schema):
    id: int
    inspection: int
    finding: int
    finding_title: str
    target: UnitRef
    kind: str
    status: str
    status_display: str
    due_date: datetime.date
    warn_date: datetime.date
    light: str
    plan: str
    latest_progress: str
    completion_report: str
    reported_at: datetime.datetime | None
    verified_at: datetime.datetime | None
    verification_method: str
    verification_note: str
    closed_at: datetime.datetime | None
    milestones: list[MilestoneOut]
    evidence: list[EvidenceOut]


class RectificationPlanIn(Schema):
    plan: str = ""
    milestones: list[MilestoneIn] = []


class ProgressIn(Schema):
    text: str = ""
    milestone: Id | None = None


class TextIn(Schema):
    text: str = ""


class VerifyIn(Schema):
    passed: bool
    note: str = ""
    method: Literal["documents", "on_site"] = "on_site"


class ResultIn(Schema):
    unit: Id
    kind: Literal["praise", "reward", "criticise", "accountability"]
    reason: str = ""
    referred_to: str = Field("", max_length=200)


class ResultOut(Schema):
    id: int
    unit: UnitRef
    kind: str
    reason: str
    referred_to: str
    status: str
    is_effective: bool
    decided_by: UserRef | None
    decided_at: datetime.datetime | None
    decision_comment: str


class ReportOut(Schema):
    inspection: InspectionOut
    findings: list[FindingOut]
    conclusions: list[ConclusionOut]
    rectifications: list[RectificationOut]
    results: list[ResultOut]
    rectification_counts: dict[str, int]


class PlanCreateIn(Schema):
    year: int = Field(..., ge=2000, le=9998)
    baseline_count: int | None = Field(None, ge=0)
    note: str = ""


class ProposalIn(Schema):
    topic: str = Field(..., max_length=200)
    kind: Kind
    reason: str = ""
    start_date: datetime.date
    end_date: datetime.date
    targets: list[Id]


class ProposalDecideIn(Schema):
    decision: Literal["accept", "merge", "cut"]
    merged_into: Id | None = None
    note: str = ""


class ProposalOut(Schema):
    id: int
    topic: str
    kind: str
    reason: str
    start_date: datetime.date
    end_date: datetime.date
    proposing_unit: UnitRef
    targets: list[UnitRef]
    status: str
    merged_into: int | None
    decision_note: str
    inspection: int | None
    overlapping_proposals: list[int]


class PlanOut(Schema):
    id: int | None
    year: int
    status: str | None
    baseline_count: int | None
    approved_at: datetime.datetime | None
    planned: int
    out_of_plan: int
    total: int
    last_year_total: int | None
    planned_cut_percent: float | None
    cut_percent: float | None
    target_cut_percent: int
    meets_target: bool | None
    proposals: list[ProposalOut]
    out_of_plan_inspections: list[OverlapInspectionOut]


class DesignationIn(Schema):
    unit: Id
    matter: str = Field(..., max_length=200)
    scope: str = ""
    start_date: datetime.date
    end_date: datetime.date
    targets: list[Id] = []


class DesignationOut(Schema):
    id: int
    unit: UnitRef
    matter: str
    scope: str
    start_date: datetime.date
    end_date: datetime.date
    targets: list[UnitRef]
    source: str
    granted_by: UserRef


class BurdenRowOut(Schema):
    unit: UnitRef
    inspections: int
    forms: int
    people_days: int
    over: list[str]


class BurdenOut(Schema):
    period: str
    start: datetime.date
    end: datetime.date
    caps: dict[str, float | None]
    rows: list[BurdenRowOut]


class MixOut(Schema):
    year: int
    people: int
    people_on_rule_kinds: int
    people_share: float | None
    days: int
    days_on_rule_kinds: int
    days_share: float | None
    meets_rule: bool | None
    by_kind: dict[str, int]


class TodosOut(Schema):
    to_approve: list[int]
    to_submit: list[int]
    to_start: list[int]
    conclusions_to_approve: list[int]
    conclusions_to_issue: list[int]
    conclusions_to_acknowledge: list[int]
    reviews_to_assign: list[int]
    reviews_to_decide: list[int]
    rectifications_to_do: list[int]
    rectifications_to_verify: list[int]
    results_to_decide: list[int]


# --- shapes ----------------------------------------------------------------------------------------------------


def _unit(unit: Any) -> dict | None:
    return {"id": unit.pk, "name": unit.name} if unit is not None else None


def _user(user: Any) -> dict | None:
    return {"id": user.pk, "name": user.display_name} if user is not None else None


def inspection_out(inspection: Inspection) -> dict:
    pending = getattr(inspection, "pending_amendments", None)
    amendment = (
        (pending[0] if pending else None) if pending is not None else lifecycle.pending_amendment(inspection)
    )
    return {
        "id": inspection.pk,
        "topic": inspection.topic,
        "kind": inspection.kind,
        "kind_display": str(inspection.get_kind_display()),
        "status": inspection.status,
        "status_display": str(inspection.get_status_display()),
        "year": inspection.year,
        "government": _unit(inspection.government),
        "lead_unit": _unit(inspection.lead_unit),
        "in_plan": inspection.in_plan,
        "plan_entry": inspection.plan_entry_id,
        "out_of_plan_reason": inspection.out_of_plan_reason,
        "filed_at": inspection.filed_at,
        "designation": inspection.designation_id,
        "basis": inspection.basis,
        "basis_items": [item.pk for item in inspection.basis_items.all()],
        "follows_up": inspection.follows_up_id,
        "start_date": inspection.start_date,
        "end_date": inspection.end_date,
        "content": inspection.content,
        "scope": inspection.scope,
        "method": inspection.method,
        "schedule": inspection.schedule,
        "approver": _user(inspection.approver),
        "approved_at": inspection.approved_at,
        "rejection_reason": inspection.rejection_reason,
        "started_at": inspection.started_at,
        "ended_at": inspection.ended_at,
        "closed_at": inspection.closed_at,
        "cancel_reason": inspection.cancel_reason,
        "targets": [
            {
                "unit": _unit(t.unit),
                "forms_demanded": t.forms_demanded,
                "people_days": t.people_days,
                "notified_at": t.notified_at,
            }
            for t in inspection.targets.all()
        ],
        "team": [
            {
                "id": m.pk,
                "user": _user(m.user),
                "name": m.name,
                "role": m.role,
                "invited_kind": m.invited_kind,
                "is_trained": m.is_trained,
                "trained_on": m.trained_on,
                "days": m.days,
            }
            for m in inspection.team.all()
        ],
        "pending_amendment": _amendment_out(amendment) if amendment else None,
        "created_at": inspection.created_at,
        "updated_at": inspection.updated_at,
    }


def _amendment_out(amendment: Any) -> dict:
    return {
        "id": amendment.pk,
        "status": amendment.status,
        "reason": amendment.reason,
        "changes": amendment.changes,
        "old": amendment.old,
        "is_widening": amendment.is_widening,
    }


def _brief(inspection: Inspection) -> dict:
    return {
        "id": inspection.pk,
        "topic": inspection.topic,
        "kind": inspection.kind,
        "status": inspection.status,
        "government": _unit(inspection.government),
        "lead_unit": _unit(inspection.lead_unit),
        "start_date": inspection.start_date,
        "end_date": inspection.end_date,
    }


def _overlaps_out(report: overlap.OverlapReport) -> list[dict]:
    return [
        {
            "inspection": _brief(o.inspection),
            "reason": o.reason,
            "shared_targets": o.shared_target_ids,
            "similarity": o.similarity,
            "blocks": o.blocks,
            "in_scope": o.in_scope,
        }
        for o in report.overlaps
    ]


def _evidence_out(use: EvidenceUse) -> dict:
    return {
        "id": use.pk,
        "kind": use.kind,
        "name": use.file.original_name,
        "size": use.file.size,
        "sha256": use.file.sha256,
        "description": use.description,
        "place": use.place,
        "taken_at": use.taken_at,
        "recorded_by": _user(use.recorded_by),
        "is_flagged": use.is_flagged,
        "finding": use.finding_id,
        "rectification": use.rectification_id,
        "review_request": use.review_request_id,
        "created_at": use.created_at,
    }


def _finding_out(finding: Finding) -> dict:
    return {
        "id": finding.pk,
        "target": _unit(finding.target),
        "title": finding.title,
        "description": finding.description,
        "place": finding.place,
        "observed_at": finding.observed_at,
        "recorded_by": _user(finding.recorded_by),
        "rectification_kind": finding.rectification_kind,
        "rectification_due_date": finding.rectification_due_date,
        "is_rebound_prone": finding.is_rebound_prone,
        "followup_months": finding.followup_months,
        "evidence": [_evidence_out(use) for use in finding.evidence.all()],
    }


def _review_out(review: ReviewRequest) -> dict:
    return {
        "id": review.pk,
        "conclusion": review.conclusion_id,
        "status": review.status,
        "reasons": review.reasons,
        "filed_by": _user(review.filed_by),
        "filed_on": review.filed_on,
        "decide_by": review.decide_by,
        "reviewers": [_user(u) for u in review.reviewers.all()],
        "outcome": review.outcome,
        "decision": review.decision,
        "decided_by": _user(review.decided_by),
        "decided_at": review.decided_at,
        "sent_at": review.sent_at,
        "is_late": review.is_late,
    }


def _conclusion_out(conclusion: Conclusion) -> dict:
    review = getattr(conclusion, "review_request", None) if _has_review(conclusion) else None
    return {
        "id": conclusion.pk,
        "target": _unit(conclusion.target),
        "status": conclusion.status,
        "status_display": str(conclusion.get_status_display()),
        "facts": conclusion.facts,
        "evidence_summary": conclusion.evidence_summary,
        "judgement": conclusion.judgement,
        "revised_judgement": conclusion.revised_judgement,
        "effective_judgement": conclusion.effective_judgement,
        "approved_by": _user(conclusion.approved_by),
        "approved_at": conclusion.approved_at,
        "issued_at": conclusion.issued_at,
        "acknowledged_at": conclusion.acknowledged_at,
        "objection_deadline": conclusion.objection_deadline,
        "objection_open": conclusion.objection_open_on(timezone.localdate()),
        "review": _review_out(review) if review else None,
    }


def _has_review(conclusion: Conclusion) -> bool:
    try:
        conclusion.review_request  # noqa: B018 - the reverse one-to-one raises when absent
    except ReviewRequest.DoesNotExist:
        return False
    return True


def _rectification_out(rectification: Rectification) -> dict:
    return {
        "id": rectification.pk,
        "inspection": rectification.inspection_id,
        "finding": rectification.finding_id,
        "finding_title": rectification.finding.title,
        "target": _unit(rectification.target),
        "kind": rectification.kind,
        "status": rectification.status,
        "status_display": str(rectification.get_status_display()),
        "due_date": rectification.due_date,
        "warn_date": rectification.warn_date,
        "light": rectification.light_on(timezone.localdate()),
        "plan": rectification.plan,
        "latest_progress": rectification.latest_progress,
        "completion_report": rectification.completion_report,
        "reported_at": rectification.reported_at,
        "verified_at": rectification.verified_at,
        "verification_method": rectification.verification_method,
        "verification_note": rectification.verification_note,
        "closed_at": rectification.closed_at,
        "milestones": [
            {"id": m.pk, "title": m.title, "due_date": m.due_date, "completed_at": m.completed_at}
            for m in rectification.milestones.all()
        ],
        "evidence": [_evidence_out(use) for use in rectification.evidence.all()],
    }


def _result_out(proposal: ResultProposal) -> dict:
    return {
        "id": proposal.pk,
        "unit": _unit(proposal.unit),
        "kind": proposal.kind,
        "reason": proposal.reason,
        "referred_to": proposal.referred_to,
        "status": proposal.status,
        "is_effective": proposal.is_effective,
        "decided_by": _user(proposal.decided_by),
        "decided_at": proposal.decided_at,
        "decision_comment": proposal.decision_comment,
    }


def _targets(values: list | None) -> list[services.TargetInput] | None:
    if values is None:
        return None
    return [
        services.TargetInput(unit_id=v)
        if isinstance(v, int)
        else services.TargetInput(v.unit, v.forms_demanded, v.people_days)
        for v in values
    ]


def _visible(request: HttpRequest, inspection_id: int) -> Inspection:
    """Scope first: out of scope is 404 whatever the action."""
    return selectors.get_inspection_for_user(actor(request), inspection_id, record_view=False)


def _fresh(request: HttpRequest, inspection_id: int) -> dict:
    return inspection_out(_visible(request, inspection_id))


def _office_or_leader(request: HttpRequest) -> Any:
    user = actor(request)
    if not user.has_role(Role.OFFICE, Role.LEADER) or user.unit is None or user.unit.government is None:
        raise NotPermitted(codes.ROLE_REQUIRED)
    return user.unit.government


# --- lists and the office's overviews ------------------------------------------------------------------------------


@router.get("/inspections/", response={200: InspectionPage, **ERRORS}, summary="督查活动列表")
def inspection_list(
    request: HttpRequest,
    status: str = "",
    kind: Kind | None = None,
    year: Year | None = None,
    in_plan: bool | None = None,
    target: Id | None = None,
    q: str = "",
    cursor: str | None = None,
    limit: int = 50,
) -> dict:
    """Inspections in the caller's scope (an unannounced visit is absent for its targets until it ends), most
    recently changed first; keyset-paged (pass `next_cursor` as `cursor`)."""
    page = selectors.inspection_list_for_user(
        actor(request),
        status=[s for s in status.split(",") if s.strip()],
        kind=kind or "",
        year=year,
        in_plan=in_plan,
        target_id=target,
        keyword=q.strip(),
        cursor=cursor,
        limit=max(1, min(limit, 200)),
    )
    return {"inspections": [inspection_out(i) for i in page.inspections], "next_cursor": page.next_cursor}


@router.post(
    "/inspections/", response={201: InspectionCreatedOut, **ERRORS}, summary="新建督查活动（拟开展）"
)
def inspection_create(request: HttpRequest, payload: InspectionCreateIn) -> Status[dict]:
    """Propose an inspection (office). The answer lists `overlaps`: other inspections — of any department or
    government — touching one of the same targets in an overlapping window, or on a similar topic recently; where
    the government's rule blocks, the request is refused with 409 inspection_overlap."""
    user = actor(request)
    inspection = services.inspection_create(
        actor=user,
        topic=payload.topic,
        kind=payload.kind,
        targets=_targets(payload.targets) or [],
        start_date=payload.start_date,
        end_date=payload.end_date,
        lead_unit_id=payload.lead_unit,
        in_plan=payload.in_plan,
        plan_entry_id=payload.plan_entry,
        out_of_plan_reason=payload.out_of_plan_reason,
        basis=payload.basis,
        basis_item_ids=payload.basis_items,
        content=payload.content,
        scope=payload.scope,
        method=payload.method,
        schedule=payload.schedule,
    )
    fresh = _visible(request, inspection.pk)
    report = overlap.inspection_overlaps(fresh, viewer=user)
    return Status(
        201, {**inspection_out(fresh), "overlaps": _overlaps_out(report), "hidden_overlaps": report.hidden}
    )


@router.get("/inspections/todos", response={200: TodosOut, **ERRORS}, summary="督查待办")
def inspection_todos(request: HttpRequest) -> dict:
    todos = selectors.todos_for_user(actor(request))
    return {name: [record.pk for record in records] for name, records in todos.__dict__.items()}


@router.get(
    "/inspections/rectifications/", response={200: list[RectificationOut], **ERRORS}, summary="整改任务列表"
)
def rectification_list(
    request: HttpRequest, status: str = "", light: Literal["red", "yellow", "green", "none"] | None = None
) -> list[dict]:
    rows = selectors.rectification_list_for_user(
        actor(request),
        status=[s for s in status.split(",") if s.strip()],
        light="" if light == "none" else light,
    )
    return [_rectification_out(r) for r in rows[:500]]


@router.get("/inspections/burden", response={200: BurdenOut, **ERRORS}, summary="基层督查负担")
def inspection_burden(request: HttpRequest, period: str = "") -> dict:
    """Per unit of the caller's government: inspections received, reports and forms demanded, people-days hosted
    in a period ("2026", "2026-Q1", "2026-03"; default the current period of the cap), flagged over the caps."""
    government = _office_or_leader(request)
    rules = selectors.rules_for(government)
    result = selectors.burden(
        government, selectors.parse_period(period or selectors.current_period(rules.burden_period))
    )
    return {
        "period": result.period.text,
        "start": result.period.start,
        "end": result.period.end,
        "caps": {key: float(value) if value is not None else None for key, value in result.caps.items()},
        "rows": [
            {
                "unit": _unit(row.unit),
                "inspections": row.inspections,
                "forms": row.forms,
                "people_days": row.people_days,
                "over": row.over,
            }
            for row in result.rows
        ],
    }


@router.get("/inspections/mix", response={200: MixOut, **ERRORS}, summary="线索核查与暗访占比（三分之二）")
def inspection_mix(request: HttpRequest, year: Year | None = None) -> dict:
    government = _office_or_leader(request)
    mix = selectors.office_mix(government, year or timezone.localdate().year)
    return {
        "year": mix.year,
        "people": mix.people,
        "people_on_rule_kinds": mix.people_on_rule_kinds,
        "people_share": mix.people_share,
        "days": mix.days,
        "days_on_rule_kinds": mix.days_on_rule_kinds,
        "days_share": mix.days_share,
        "meets_rule": mix.meets_rule,
        "by_kind": mix.by_kind,
    }


# --- the annual plan and designations --------------------------------------------------------------------------


def _plan_out(request: HttpRequest, government: Any, year: int) -> dict:
    user = actor(request)
    summary = selectors.plan_summary(government, year, user)
    plan = summary.plan
    proposals: list[dict] = []
    if plan is not None:
        rows = list(selectors.plan_proposals(plan, user))
        rules = selectors.rules_for(government)
        windows = {
            p.pk: overlap.Window(frozenset(t.pk for t in p.targets.all()), p.start_date, p.end_date, p.topic)
            for p in rows
        }
        linked = dict(Inspection.objects.filter(plan_entry__in=rows).values_list("plan_entry_id", "pk"))
        for p in rows:
            others = [(pk, w) for pk, w in windows.items() if pk != p.pk]
            proposals.append(
                {
                    "id": p.pk,
                    "topic": p.topic,
                    "kind": p.kind,
                    "reason": p.reason,
                    "start_date": p.start_date,
                    "end_date": p.end_date,
                    "proposing_unit": _unit(p.proposing_unit),
                    "targets": [_unit(t) for t in p.targets.all()],
                    "status": p.status,
                    "merged_into": p.merged_into_id,
                    "decision_note": p.decision_note,
                    "inspection": linked.get(p.pk),
                    "overlapping_proposals": overlap.proposals_overlapping(windows[p.pk], others, rules),
                }
            )
    return {
        "id": plan.pk if plan else None,
        "year": year,
        "status": plan.status if plan else None,
        "baseline_count": plan.baseline_count if plan else None,
        "approved_at": plan.approved_at if plan else None,
        "planned": summary.planned,
        "out_of_plan": summary.out_of_plan,
        "total": summary.total,
        "last_year_total": summary.last_year_total,
        "planned_cut_percent": summary.planned_cut_percent,
        "cut_percent": summary.cut_percent,
        "target_cut_percent": summary.target_cut_percent,
        "meets_target": summary.meets_target,
        "proposals": proposals,
        "out_of_plan_inspections": [_brief(i) for i in summary.out_of_plan_inspections],
    }


def _plan_government(request: HttpRequest) -> Any:
    user = actor(request)
    if user.unit is None or user.unit.government is None:
        raise NotFound()
    return user.unit.government


@router.get("/inspections/plans/{year}", response={200: PlanOut, **ERRORS}, summary="年度督查计划")
def plan_detail(request: HttpRequest, year: int) -> dict:
    """The caller's government's plan for `year`: this year's count against last year's and the cut in percent;
    out-of-plan inspections counted and listed separately; proposals (a department sees its own)."""
    if not 2000 <= year <= 9998:
        raise NotFound()
    return _plan_out(request, _plan_government(request), year)


@router.post("/inspections/plans/", response={201: PlanOut, **ERRORS}, summary="建立年度督查计划")
def plan_create(request: HttpRequest, payload: PlanCreateIn) -> Status[dict]:
    plan = services.annual_plan_create(
        actor=actor(request), year=payload.year, baseline_count=payload.baseline_count, note=payload.note
    )
    return Status(201, _plan_out(request, plan.government, plan.year))


def _plan(request: HttpRequest, plan_id: int) -> AnnualPlan:
    return selectors.get_plan_for_user(actor(request), plan_id)


@router.post(
    "/inspections/plans/{plan_id}/proposals", response={201: PlanOut, **ERRORS}, summary="申报计划督查事项"
)
def plan_propose(request: HttpRequest, plan_id: int, payload: ProposalIn) -> Status[dict]:
    plan = _plan(request, plan_id)
    services.plan_proposal_add(
        plan_id=plan.pk,
        actor=actor(request),
        topic=payload.topic,
        kind=payload.kind,
        reason=payload.reason,
        start_date=payload.start_date,
        end_date=payload.end_date,
        target_ids=payload.targets,
    )
    return Status(201, _plan_out(request, plan.government, plan.year))


@router.post(
    "/inspections/plans/{plan_id}/proposals/{proposal_id}/decide",
    response={200: PlanOut, **ERRORS},
    summary="采纳、合并或压减申报事项",
)
def plan_proposal_decide(
    request: HttpRequest, plan_id: int, proposal_id: int, payload: ProposalDecideIn
) -> dict:
    plan = _plan(request, plan_id)
    services.plan_proposal_decide(
        plan_id=plan.pk,
        proposal_id=proposal_id,
        actor=actor(request),
        decision=payload.decision,
        merged_into_id=payload.merged_into,
        note=payload.note,
    )
    return _plan_out(request, plan.government, plan.year)


@router.post(
    "/inspections/plans/{plan_id}/submit", response={200: PlanOut, **ERRORS}, summary="报请审批年度计划"
)
def plan_submit(request: HttpRequest, plan_id: int) -> dict:
    plan = _plan(request, plan_id)
    services.annual_plan_submit(plan_id=plan.pk, actor=actor(request))
    return _plan_out(request, plan.government, plan.year)


@router.post(
    "/inspections/plans/{plan_id}/approve", response={200: PlanOut, **ERRORS}, summary="批准年度计划"
)
def plan_approve(request: HttpRequest, plan_id: int, payload: CommentIn | None = None) -> dict:
    plan = _plan(request, plan_id)
    services.annual_plan_approve(
        plan_id=plan.pk, actor=actor(request), comment=payload.comment if payload else ""
    )
    return _plan_out(request, plan.government, plan.year)


@router.post("/inspections/plans/{plan_id}/return", response={200: PlanOut, **ERRORS}, summary="退回年度计划")
def plan_return(request: HttpRequest, plan_id: int, payload: ReasonIn) -> dict:
    plan = _plan(request, plan_id)
    services.annual_plan_return(plan_id=plan.pk, actor=actor(request), reason=payload.reason)
    return _plan_out(request, plan.government, plan.year)


def _designation_out(designation: Any) -> dict:
    return {
        "id": designation.pk,
        "unit": _unit(designation.unit),
        "matter": designation.matter,
        "scope": designation.scope,
        "start_date": designation.start_date,
        "end_date": designation.end_date,
        "targets": [_unit(t) for t in designation.targets.all()],
        "source": designation.source,
        "granted_by": _user(designation.granted_by),
    }


@router.get(
    "/inspections/designations/", response={200: list[DesignationOut], **ERRORS}, summary="部门督查指定"
)
def designation_list(request: HttpRequest) -> list[dict]:
    government = _office_or_leader(request)
    return [_designation_out(d) for d in selectors.designations_for(government)]


@router.post(
    "/inspections/designations/", response={201: DesignationOut, **ERRORS}, summary="指定部门开展督查"
)
def designation_grant(request: HttpRequest, payload: DesignationIn) -> Status[dict]:
    designation = services.designation_grant(
        actor=actor(request),
        unit_id=payload.unit,
        matter=payload.matter,
        scope=payload.scope,
        start_date=payload.start_date,
        end_date=payload.end_date,
        target_ids=payload.targets,
    )
    return Status(
        201, _designation_out(selectors.designations_for(designation.government).get(pk=designation.pk))
    )


# --- one inspection ------------------------------------------------------------------------------------------------


@router.get("/inspections/{inspection_id}", response={200: InspectionOut, **ERRORS}, summary="督查活动详情")
def inspection_detail(request: HttpRequest, inspection_id: int) -> dict:
    return inspection_out(selectors.get_inspection_for_user(actor(request), inspection_id))


@router.patch("/inspections/{inspection_id}", response={200: InspectionOut, **ERRORS}, summary="修改督查方案")
def inspection_update(request: HttpRequest, inspection_id: int, payload: InspectionUpdateIn) -> dict:
    _visible(request, inspection_id)
    data = payload.dict(exclude_unset=True)
    targets = _targets(payload.targets) if "targets" in data else None
    for name in ("targets", "lead_unit", "plan_entry", "basis_items"):
        data.pop(name, None)
    services.inspection_update(
        inspection_id=inspection_id,
        actor=actor(request),
        targets=targets,
        lead_unit_id=payload.lead_unit,
        plan_entry_id=payload.plan_entry,
        basis_item_ids=payload.basis_items,
        **data,
    )
    return _fresh(request, inspection_id)


@router.get(
    "/inspections/{inspection_id}/actions",
    response={200: list[ActionOut], **ERRORS},
    summary="当前可执行的操作",
)
def inspection_actions(request: HttpRequest, inspection_id: int) -> list[dict]:
    inspection = _visible(request, inspection_id)
    return [
        {"action": t.action, "label": str(t.label)}
        for t in lifecycle.available_actions(inspection, actor(request))
    ]


@router.get(
    "/inspections/{inspection_id}/timeline",
    response={200: list[EventOut], **ERRORS},
    summary="督查活动时间线",
)
def inspection_timeline(request: HttpRequest, inspection_id: int) -> list[dict]:
    inspection = _visible(request, inspection_id)
    return [
        {
            "id": event.pk,
            "event_type": event.event_type,
            "event_display": str(event.get_event_type_display()),
            "actor": _user(event.actor),
            "actor_unit": _unit(event.actor_unit),
            "created_at": event.created_at,
            "old": event.old,
            "new": event.new,
            "comment": event.comment,
        }
        for event in selectors.inspection_timeline(inspection, actor(request))
    ]


@router.get(
    "/inspections/{inspection_id}/overlaps", response={200: OverlapsOut, **ERRORS}, summary="重叠与相似督查"
)
def inspection_overlaps(request: HttpRequest, inspection_id: int) -> dict:
    user = actor(request)
    inspection = _visible(request, inspection_id)
    if not selectors.has_full_view(inspection, user):
        raise NotPermitted(codes.ROLE_REQUIRED)
    report = overlap.inspection_overlaps(inspection, viewer=user)
    rules = selectors.rules_for(inspection.government)
    return {"overlaps": _overlaps_out(report), "hidden_overlaps": report.hidden, "rule": rules.overlap_rule}


@router.put(
    "/inspections/{inspection_id}/team", response={200: InspectionOut, **ERRORS}, summary="设置督查组"
)
def inspection_team_set(request: HttpRequest, inspection_id: int, payload: list[TeamMemberIn]) -> dict:
    _visible(request, inspection_id)
    services.inspection_team_set(
        inspection_id=inspection_id,
        actor=actor(request),
        members=[
            services.TeamMemberInput(
                user_id=m.user,
                name=m.name,
                role=m.role,
                invited_kind=m.invited_kind,
                is_trained=m.is_trained,
                trained_on=m.trained_on,
                days=m.days,
            )
            for m in payload
        ],
    )
    return _fresh(request, inspection_id)


@router.post(
    "/inspections/{inspection_id}/train", response={200: InspectionOut, **ERRORS}, summary="记录督查人员培训"
)
def inspection_train(request: HttpRequest, inspection_id: int, payload: TrainIn) -> dict:
    _visible(request, inspection_id)
    services.inspection_train(
        inspection_id=inspection_id,
        actor=actor(request),
        member_ids=payload.members,
        trained_on=payload.trained_on,
    )
    return _fresh(request, inspection_id)


@router.post(
    "/inspections/{inspection_id}/submit", response={200: InspectionOut, **ERRORS}, summary="报请审批"
)
def inspection_submit(request: HttpRequest, inspection_id: int) -> dict:
    _visible(request, inspection_id)
    services.inspection_submit(inspection_id=inspection_id, actor=actor(request))
    return _fresh(request, inspection_id)


@router.post(
    "/inspections/{inspection_id}/approve", response={200: InspectionOut, **ERRORS}, summary="批准立项和方案"
)
def inspection_approve(request: HttpRequest, inspection_id: int, payload: CommentIn | None = None) -> dict:
    _visible(request, inspection_id)
    services.inspection_approve(
        inspection_id=inspection_id, actor=actor(request), comment=payload.comment if payload else ""
    )
    return _fresh(request, inspection_id)


@router.post(
    "/inspections/{inspection_id}/reject", response={200: InspectionOut, **ERRORS}, summary="不予批准"
)
def inspection_reject(request: HttpRequest, inspection_id: int, payload: ReasonIn) -> dict:
    _visible(request, inspection_id)
    services.inspection_reject(inspection_id=inspection_id, actor=actor(request), reason=payload.reason)
    return _fresh(request, inspection_id)


@router.post(
    "/inspections/{inspection_id}/revise", response={200: InspectionOut, **ERRORS}, summary="退回修改"
)
def inspection_revise(request: HttpRequest, inspection_id: int) -> dict:
    _visible(request, inspection_id)
    services.inspection_revise(inspection_id=inspection_id, actor=actor(request))
    return _fresh(request, inspection_id)


@router.post(
    "/inspections/{inspection_id}/amendments", response={201: AmendmentOut, **ERRORS}, summary="调整督查方案"
)
def inspection_amend(request: HttpRequest, inspection_id: int, payload: AmendIn) -> Status[dict]:
    _visible(request, inspection_id)
    amendment = services.inspection_amend(
        inspection_id=inspection_id,
        actor=actor(request),
        reason=payload.reason,
        add_target_ids=payload.add_targets,
        remove_target_ids=payload.remove_targets,
        start_date=payload.start_date,
        end_date=payload.end_date,
        content=payload.content,
        scope=payload.scope,
        method=payload.method,
        schedule=payload.schedule,
    )
    return Status(201, _amendment_out(amendment))


@router.post(
    "/inspections/{inspection_id}/amendments/decide",
    response={200: AmendmentOut, **ERRORS},
    summary="审批方案调整",
)
def inspection_amendment_decide(request: HttpRequest, inspection_id: int, payload: DecideIn) -> dict:
    _visible(request, inspection_id)
    amendment = services.inspection_amendment_decide(
        inspection_id=inspection_id, actor=actor(request), approve=payload.approve, comment=payload.comment
    )
    return _amendment_out(amendment)


@router.post(
    "/inspections/{inspection_id}/start", response={200: InspectionOut, **ERRORS}, summary="开始实地督查"
)
def inspection_start(request: HttpRequest, inspection_id: int) -> dict:
    _visible(request, inspection_id)
    services.inspection_start(inspection_id=inspection_id, actor=actor(request))
    return _fresh(request, inspection_id)


@router.post(
    "/inspections/{inspection_id}/finish", response={200: InspectionOut, **ERRORS}, summary="结束实地督查"
)
def inspection_finish(request: HttpRequest, inspection_id: int) -> dict:
    _visible(request, inspection_id)
    services.inspection_finish(inspection_id=inspection_id, actor=actor(request))
    return _fresh(request, inspection_id)


@router.post(
    "/inspections/{inspection_id}/burden",
    response={200: InspectionOut, **ERRORS},
    summary="记录对督查对象的负担",
)
def inspection_burden_record(request: HttpRequest, inspection_id: int, payload: BurdenIn) -> dict:
    _visible(request, inspection_id)
    services.inspection_burden_record(
        inspection_id=inspection_id,
        actor=actor(request),
        unit_id=payload.unit,
        forms_demanded=payload.forms_demanded,
        people_days=payload.people_days,
    )
    return _fresh(request, inspection_id)


@router.post(
    "/inspections/{inspection_id}/close",
    response={200: InspectionOut, **ERRORS},
    summary="批准督查报告并办结",
)
def inspection_close(request: HttpRequest, inspection_id: int, payload: CommentIn | None = None) -> dict:
    _visible(request, inspection_id)
    services.inspection_close(
        inspection_id=inspection_id, actor=actor(request), comment=payload.comment if payload else ""
    )
    return _fresh(request, inspection_id)


@router.post(
    "/inspections/{inspection_id}/cancel", response={200: InspectionOut, **ERRORS}, summary="撤销督查活动"
)
def inspection_cancel(request: HttpRequest, inspection_id: int, payload: ReasonIn) -> dict:
    _visible(request, inspection_id)
    services.inspection_cancel(inspection_id=inspection_id, actor=actor(request), reason=payload.reason)
    return _fresh(request, inspection_id)


# --- findings and evidence ------------------------------------------------------------------------------------


@router.get(
    "/inspections/{inspection_id}/findings", response={200: list[FindingOut], **ERRORS}, summary="发现问题"
)
def finding_list(request: HttpRequest, inspection_id: int) -> list[dict]:
    inspection = _visible(request, inspection_id)
    return [_finding_out(f) for f in selectors.findings_for_user(inspection, actor(request))]


@router.post(
    "/inspections/{inspection_id}/findings", response={201: FindingOut, **ERRORS}, summary="记录发现问题"
)
def finding_add(request: HttpRequest, inspection_id: int, payload: FindingIn) -> Status[dict]:
    inspection = _visible(request, inspection_id)
    finding = services.finding_add(
        inspection_id=inspection_id,
        actor=actor(request),
        target_id=payload.target,
        title=payload.title,
        description=payload.description,
        place=payload.place,
        observed_at=payload.observed_at,
        rectification_kind=payload.rectification_kind,
        rectification_due_date=payload.rectification_due_date,
        is_rebound_prone=payload.is_rebound_prone,
        followup_months=payload.followup_months,
    )
    return Status(
        201, _finding_out(selectors.findings_for_user(inspection, actor(request)).get(pk=finding.pk))
    )


EvidenceKindIn = Literal["document", "photo", "interview", "video", "other"]


@router.post(
    "/inspections/{inspection_id}/findings/{finding_id}/evidence",
    response={201: EvidenceOut, **ERRORS},
    summary="上传问题证据（同一文件重复使用将被标记）",
)
def finding_evidence_add(
    request: HttpRequest,
    inspection_id: int,
    finding_id: int,
    file: File[UploadedFile],
    kind: Form[EvidenceKindIn] = "document",
    description: Form[str] = "",
    place: Form[str] = "",
    taken_at: Form[datetime.datetime | None] = None,
) -> Status[dict]:
    _visible(request, inspection_id)
    use = services.finding_evidence_add(
        inspection_id=inspection_id,
        finding_id=finding_id,
        actor=actor(request),
        upload=file,
        kind=kind,
        description=description,
        place=place,
        taken_at=taken_at,
    )
    return Status(
        201, _evidence_out(EvidenceUse.objects.select_related("file", "recorded_by").get(pk=use.pk))
    )


@router.get(
    "/inspections/{inspection_id}/evidence/{evidence_id}", response={200: None, **ERRORS}, summary="下载证据"
)
def evidence_download(request: HttpRequest, inspection_id: int, evidence_id: int) -> FileResponse:
    inspection = _visible(request, inspection_id)
    use = (
        selectors.evidence_for_user(inspection, actor(request))
        .filter(pk=min(evidence_id, selectors.MAX_ID))
        .first()
    )
    if use is None:
        raise NotFound()
    return FileResponse(use.file.file.open("rb"), as_attachment=True, filename=use.file.original_name)


# --- conclusions, objections, reviews ------------------------------------------------------------------------------


@router.get(
    "/inspections/{inspection_id}/conclusions",
    response={200: list[ConclusionOut], **ERRORS},
    summary="督查结论",
)
def conclusion_list(request: HttpRequest, inspection_id: int) -> list[dict]:
    inspection = _visible(request, inspection_id)
    return [_conclusion_out(c) for c in selectors.conclusions_for_user(inspection, actor(request))]


def _conclusion_fresh(request: HttpRequest, inspection: Inspection, conclusion_id: int) -> dict:
    return _conclusion_out(selectors.get_conclusion_for_user(actor(request), inspection, conclusion_id))


@router.post(
    "/inspections/{inspection_id}/conclusions",
    response={201: ConclusionOut, **ERRORS},
    summary="起草督查结论",
)
def conclusion_draft(request: HttpRequest, inspection_id: int, payload: ConclusionIn) -> Status[dict]:
    inspection = _visible(request, inspection_id)
    conclusion = services.conclusion_draft(
        inspection_id=inspection_id,
        actor=actor(request),
        target_id=payload.target,
        facts=payload.facts,
        judgement=payload.judgement,
        evidence_summary=payload.evidence_summary,
    )
    return Status(201, _conclusion_fresh(request, inspection, conclusion.pk))


@router.patch(
    "/inspections/{inspection_id}/conclusions/{conclusion_id}",
    response={200: ConclusionOut, **ERRORS},
    summary="修改结论",
)
def conclusion_update(
    request: HttpRequest, inspection_id: int, conclusion_id: int, payload: ConclusionUpdateIn
) -> dict:
    inspection = _visible(request, inspection_id)
    selectors.get_conclusion_for_user(actor(request), inspection, conclusion_id)
    services.conclusion_update(
        conclusion_id=conclusion_id, actor=actor(request), **payload.dict(exclude_unset=True)
    )
    return _conclusion_fresh(request, inspection, conclusion_id)


def _conclusion_action(
    request: HttpRequest, inspection_id: int, conclusion_id: int, service: Any, **kwargs: Any
) -> dict:
    inspection = _visible(request, inspection_id)
    selectors.get_conclusion_for_user(actor(request), inspection, conclusion_id)
    service(conclusion_id=conclusion_id, actor=actor(request), **kwargs)
    return _conclusion_fresh(request, inspection, conclusion_id)


@router.post(
    "/inspections/{inspection_id}/conclusions/{conclusion_id}/submit",
    response={200: ConclusionOut, **ERRORS},
    summary="结论报批",
)
def conclusion_submit(request: HttpRequest, inspection_id: int, conclusion_id: int) -> dict:
    return _conclusion_action(request, inspection_id, conclusion_id, services.conclusion_submit)


@router.post(
    "/inspections/{inspection_id}/conclusions/{conclusion_id}/approve",
    response={200: ConclusionOut, **ERRORS},
    summary="政府负责人批准结论",
)
def conclusion_approve(
    request: HttpRequest, inspection_id: int, conclusion_id: int, payload: CommentIn | None = None
) -> dict:
    return _conclusion_action(
        request,
        inspection_id,
        conclusion_id,
        services.conclusion_approve,
        comment=payload.comment if payload else "",
    )


@router.post(
    "/inspections/{inspection_id}/conclusions/{conclusion_id}/return",
    response={200: ConclusionOut, **ERRORS},
    summary="退回结论",
)
def conclusion_return(
    request: HttpRequest, inspection_id: int, conclusion_id: int, payload: ReasonIn
) -> dict:
    return _conclusion_action(
        request, inspection_id, conclusion_id, services.conclusion_return, reason=payload.reason
    )


@router.post(
    "/inspections/{inspection_id}/conclusions/{conclusion_id}/issue",
    response={200: ConclusionOut, **ERRORS},
    summary="向督查对象反馈结论",
)
def conclusion_issue(request: HttpRequest, inspection_id: int, conclusion_id: int) -> dict:
    return _conclusion_action(request, inspection_id, conclusion_id, services.conclusion_issue)


@router.post(
    "/inspections/{inspection_id}/conclusions/{conclusion_id}/acknowledge",
    response={200: ConclusionOut, **ERRORS},
    summary="督查对象签收（知悉）结论",
)
def conclusion_acknowledge(request: HttpRequest, inspection_id: int, conclusion_id: int) -> dict:
    return _conclusion_action(request, inspection_id, conclusion_id, services.conclusion_acknowledge)


@router.post(
    "/inspections/{inspection_id}/conclusions/{conclusion_id}/objection",
    response={201: ReviewOut, **ERRORS},
    summary="提出异议，申请复核（收到结论30日内）",
)
def conclusion_object(
    request: HttpRequest, inspection_id: int, conclusion_id: int, payload: ObjectionIn
) -> Status[dict]:
    inspection = _visible(request, inspection_id)
    selectors.get_conclusion_for_user(actor(request), inspection, conclusion_id)
    review = services.conclusion_object(
        conclusion_id=conclusion_id, actor=actor(request), reasons=payload.reasons
    )
    return Status(201, _review_out(selectors.get_review_for_user(actor(request), inspection, review.pk)))


@router.get(
    "/inspections/{inspection_id}/reviews", response={200: list[ReviewOut], **ERRORS}, summary="复核申请"
)
def review_list(request: HttpRequest, inspection_id: int) -> list[dict]:
    inspection = _visible(request, inspection_id)
    return [_review_out(r) for r in selectors.review_requests_for_user(inspection, actor(request))]


@router.post(
    "/inspections/{inspection_id}/reviews/{review_id}/reviewers",
    response={200: ReviewOut, **ERRORS},
    summary="指定复核人员（参与结论者回避）",
)
def review_reviewers_assign(
    request: HttpRequest, inspection_id: int, review_id: int, payload: ReviewersIn
) -> dict:
    inspection = _visible(request, inspection_id)
    selectors.get_review_for_user(actor(request), inspection, review_id)
    services.review_reviewers_assign(
        review_id=review_id, actor=actor(request), reviewer_ids=payload.reviewers
    )
    return _review_out(selectors.get_review_for_user(actor(request), inspection, review_id))


@router.post(
    "/inspections/{inspection_id}/reviews/{review_id}/decide",
    response={200: ReviewOut, **ERRORS},
    summary="作出复核决定",
)
def review_decide(request: HttpRequest, inspection_id: int, review_id: int, payload: ReviewDecideIn) -> dict:
    inspection = _visible(request, inspection_id)
    selectors.get_review_for_user(actor(request), inspection, review_id)
    services.review_decide(
        review_id=review_id,
        actor=actor(request),
        outcome=payload.outcome,
        decision=payload.decision,
        revised_judgement=payload.revised_judgement,
    )
    return _review_out(selectors.get_review_for_user(actor(request), inspection, review_id))


# --- rectification ---------------------------------------------------------------------------------------------


@router.get(
    "/inspections/{inspection_id}/rectifications",
    response={200: list[RectificationOut], **ERRORS},
    summary="整改任务",
)
def inspection_rectifications(request: HttpRequest, inspection_id: int) -> list[dict]:
    inspection = _visible(request, inspection_id)
    return [
        _rectification_out(r) for r in selectors.rectifications_for_inspection(inspection, actor(request))
    ]


def _rectification_action(
    request: HttpRequest, inspection_id: int, rectification_id: int, service: Any, **kwargs: Any
) -> dict:
    inspection = _visible(request, inspection_id)
    selectors.get_rectification_for_user(actor(request), inspection, rectification_id)
    service(rectification_id=rectification_id, actor=actor(request), **kwargs)
    return _rectification_out(
        selectors.get_rectification_for_user(actor(request), inspection, rectification_id)
    )


@router.post(
    "/inspections/{inspection_id}/rectifications/{rectification_id}/plan",
    response={200: RectificationOut, **ERRORS},
    summary="报送整改方案",
)
def rectification_plan(
    request: HttpRequest, inspection_id: int, rectification_id: int, payload: RectificationPlanIn
) -> dict:
    return _rectification_action(
        request,
        inspection_id,
        rectification_id,
        services.rectification_plan,
        plan=payload.plan,
        milestones=[services.MilestoneInput(m.title, m.due_date) for m in payload.milestones],
    )


@router.post(
    "/inspections/{inspection_id}/rectifications/{rectification_id}/progress",
    response={200: RectificationOut, **ERRORS},
    summary="报送整改进展",
)
def rectification_progress(
    request: HttpRequest, inspection_id: int, rectification_id: int, payload: ProgressIn
) -> dict:
    return _rectification_action(
        request,
        inspection_id,
        rectification_id,
        services.rectification_progress,
        text=payload.text,
        milestone_id=payload.milestone,
    )


@router.post(
    "/inspections/{inspection_id}/rectifications/{rectification_id}/report",
    response={200: RectificationOut, **ERRORS},
    summary="报告整改完成（单位负责人）",
)
def rectification_report(
    request: HttpRequest, inspection_id: int, rectification_id: int, payload: TextIn
) -> dict:
    return _rectification_action(
        request, inspection_id, rectification_id, services.rectification_report, text=payload.text
    )


@router.post(
    "/inspections/{inspection_id}/rectifications/{rectification_id}/verify",
    response={200: RectificationOut, **ERRORS},
    summary="整改核查",
)
def rectification_verify(
    request: HttpRequest, inspection_id: int, rectification_id: int, payload: VerifyIn
) -> dict:
    return _rectification_action(
        request,
        inspection_id,
        rectification_id,
        services.rectification_verify,
        passed=payload.passed,
        note=payload.note,
        method=payload.method,
    )


@router.post(
    "/inspections/{inspection_id}/rectifications/{rectification_id}/close",
    response={200: RectificationOut, **ERRORS},
    summary="整改销号",
)
def rectification_close(
    request: HttpRequest, inspection_id: int, rectification_id: int, payload: CommentIn | None = None
) -> dict:
    return _rectification_action(
        request,
        inspection_id,
        rectification_id,
        services.rectification_close,
        comment=payload.comment if payload else "",
    )


@router.post(
    "/inspections/{inspection_id}/rectifications/{rectification_id}/evidence",
    response={201: EvidenceOut, **ERRORS},
    summary="上传整改证据（同一文件重复使用将被标记）",
)
def rectification_evidence_add(
    request: HttpRequest,
    inspection_id: int,
    rectification_id: int,
    file: File[UploadedFile],
    kind: Form[EvidenceKindIn] = "photo",
    description: Form[str] = "",
    place: Form[str] = "",
    taken_at: Form[datetime.datetime | None] = None,
) -> Status[dict]:
    inspection = _visible(request, inspection_id)
    selectors.get_rectification_for_user(actor(request), inspection, rectification_id)
    use = services.rectification_evidence_add(
        rectification_id=rectification_id,
        actor=actor(request),
        upload=file,
        kind=kind,
        description=description,
        place=place,
        taken_at=taken_at,
    )
    return Status(
        201, _evidence_out(EvidenceUse.objects.select_related("file", "recorded_by").get(pk=use.pk))
    )


# --- use of the results, the report ----------------------------------------------------------------------------


@router.get(
    "/inspections/{inspection_id}/results", response={200: list[ResultOut], **ERRORS}, summary="结果运用建议"
)
def result_list(request: HttpRequest, inspection_id: int) -> list[dict]:
    inspection = _visible(request, inspection_id)
    return [_result_out(p) for p in selectors.result_proposals_for_user(inspection, actor(request))]


@router.post(
    "/inspections/{inspection_id}/results",
    response={201: ResultOut, **ERRORS},
    summary="提出表扬、批评或问责建议",
)
def result_propose(request: HttpRequest, inspection_id: int, payload: ResultIn) -> Status[dict]:
    inspection = _visible(request, inspection_id)
    proposal = services.result_propose(
        inspection_id=inspection_id,
        actor=actor(request),
        unit_id=payload.unit,
        kind=payload.kind,
        reason=payload.reason,
        referred_to=payload.referred_to,
    )
    return Status(
        201, _result_out(selectors.get_result_proposal_for_user(actor(request), inspection, proposal.pk))
    )


@router.post(
    "/inspections/{inspection_id}/results/{proposal_id}/decide",
    response={200: ResultOut, **ERRORS},
    summary="政府审定建议",
)
def result_decide(request: HttpRequest, inspection_id: int, proposal_id: int, payload: DecideIn) -> dict:
    inspection = _visible(request, inspection_id)
    selectors.get_result_proposal_for_user(actor(request), inspection, proposal_id)
    services.result_decide(
        proposal_id=proposal_id, actor=actor(request), approve=payload.approve, comment=payload.comment
    )
    return _result_out(selectors.get_result_proposal_for_user(actor(request), inspection, proposal_id))


@router.get("/inspections/{inspection_id}/report", response={200: ReportOut, **ERRORS}, summary="督查报告")
def inspection_report(request: HttpRequest, inspection_id: int) -> dict:
    """The inspection report assembled from the plan, findings, conclusions, rectification status and proposals —
    as far as the caller may see them."""
    user = actor(request)
    inspection = _visible(request, inspection_id)
    rectifications = list(selectors.rectifications_for_inspection(inspection, user))
    counts: dict[str, int] = {}
    for rectification in rectifications:
        counts[rectification.status] = counts.get(rectification.status, 0) + 1
    return {
        "inspection": inspection_out(inspection),
        "findings": [_finding_out(f) for f in selectors.findings_for_user(inspection, user)],
        "conclusions": [_conclusion_out(c) for c in selectors.conclusions_for_user(inspection, user)],
        "rectifications": [_rectification_out(r) for r in rectifications],
        "results": [_result_out(p) for p in selectors.result_proposals_for_user(inspection, user)],
        "rectification_counts": counts,
    }
