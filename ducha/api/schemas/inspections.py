"""Inspections (督查活动): the annual plan and designations, the inspection and its 方案 and team, findings and
evidence, conclusions and their review (复核), rectification, the use of the results, the report, and the office's
overviews (burden, the two-thirds mix, to-dos)."""

from __future__ import annotations

import datetime
from typing import Annotated, Literal

from ninja import Field, Schema

from ducha.api.schemas.common import Id, MilestoneIn, MilestoneOut, UnitRef, UserRef

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
EvidenceKindIn = Literal["document", "photo", "interview", "video", "other"]


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


class ReviewRequestOut(Schema):
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
    review: ReviewRequestOut | None


class ObjectionIn(Schema):
    reasons: str = ""


class ReviewersIn(Schema):
    reviewers: list[Id]


class ReviewDecideIn(Schema):
    outcome: Literal["upheld", "changed", "withdrawn"]
    decision: str = ""
    revised_judgement: str = ""


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


class RectificationProgressIn(Schema):
    text: str = ""
    milestone: Id | None = None


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


class InspectionReportOut(Schema):
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
