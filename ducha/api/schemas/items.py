"""Supervision items (督办事项): the item and its page, the inputs of its stages (立项, 交办, 报告, 审核, 延期, 转办, 分歧)
and what they answer."""

from __future__ import annotations

import datetime
from typing import Any

from ninja import Field, Schema

from ducha.api.schemas.common import Id, MilestoneIn, MilestoneOut, TextIn, UnitRef, UserRef


class AssignmentOut(Schema):
    id: int
    unit: UnitRef
    role: str
    share: int | None
    share_note: str
    status: str
    notified_at: datetime.datetime | None
    signed_at: datetime.datetime | None
    reported_at: datetime.datetime | None
    light: str


class CoUnitIn(Schema):
    unit: Id
    share: int | None = Field(None, ge=0, le=100)
    share_note: str = Field("", max_length=300)


class ItemOut(Schema):
    id: int
    number: str
    title: str
    content: str
    requirements: str
    status: str
    status_display: str
    source_type: str
    source_reference: str
    source_date: datetime.date | None
    approval_basis: str
    approver: UserRef | None
    urgency: str
    confidentiality: str
    government: UnitRef
    deadline_workdays: int | None
    due_date: datetime.date | None
    warn_date: datetime.date | None
    due_date_is_provisional: bool
    light: str
    assigned_at: datetime.datetime | None
    progress_cycle: str
    parent: int | None
    delegating_unit: UnitRef | None
    latest_progress: str
    closing_opinion: str
    rejection_reason: str
    cancel_requested: bool
    cancel_reason: str
    leader_in_charge: int | None
    source_record: int | None
    site_check_required: bool
    is_complex: bool
    progress_check_by_head: bool
    assignments: list[AssignmentOut]
    milestones: list[MilestoneOut]
    created_at: datetime.datetime
    updated_at: datetime.datetime


class ItemPage(Schema):
    items: list[ItemOut]
    next_cursor: str | None


# The longest texts (in characters): the service refuses more with text_too_long naming the field.
# The schema documents the limits; the service enforces them (a Field limit would answer 422 without the code).
def _limited(default: Any, limit: int) -> Any:
    return Field(default, description=f"最多{limit}字", json_schema_extra={"maxLength": limit})


class ItemCreateIn(Schema):
    title: str = _limited(..., 200)
    content: str = _limited("", 5000)
    requirements: str = _limited("", 5000)
    source_type: str
    source_reference: str = _limited("", 500)
    source_record: Id | None = None
    leader_in_charge: Id | None = None
    site_check_required: bool = False
    is_complex: bool = False
    progress_check_by_head: bool = False
    source_date: datetime.date | None = None
    approval_basis: str = "office_proposal"
    urgency: str = "normal"
    confidentiality: str = "internal"
    lead_unit: Id
    co_units: list[CoUnitIn | Id] = []
    deadline_workdays: int | None = None
    due_date: datetime.date | None = None
    progress_cycle: str = ""
    milestones: list[MilestoneIn] = []


class ItemUpdateIn(Schema):
    title: str | None = _limited(None, 200)
    content: str | None = _limited(None, 5000)
    requirements: str | None = _limited(None, 5000)
    source_type: str | None = None
    source_reference: str | None = _limited(None, 500)
    source_record: Id | None = None
    leader_in_charge: Id | None = None
    site_check_required: bool | None = None
    is_complex: bool | None = None
    progress_check_by_head: bool | None = None
    source_date: datetime.date | None = None
    approval_basis: str | None = None
    urgency: str | None = None
    confidentiality: str | None = None
    lead_unit: Id | None = None
    co_units: list[CoUnitIn | Id] | None = None
    deadline_workdays: int | None = None
    due_date: datetime.date | None = None
    progress_cycle: str | None = None
    milestones: list[MilestoneIn] | None = None


class AssignIn(Schema):
    deadline_workdays: int | None = None
    due_date: datetime.date | None = None


class ItemProgressIn(TextIn):
    is_final: bool = False


class ItemReviewIn(Schema):
    decision: str
    opinion: str = ""
    task_completed: bool = False
    problem_solved: bool = False
    conclusion_appropriate: bool = False
    lawful_compliant: bool = False


class ItemReportOut(Schema):
    id: int
    kind: str
    status: str
    text: str
    is_final: bool
    unit: UnitRef
    author: UserRef
    created_at: datetime.datetime


class ItemReviewOut(Schema):
    id: int
    decision: str
    opinion: str
    task_completed: bool
    problem_solved: bool
    conclusion_appropriate: bool
    lawful_compliant: bool
    item_status: str


class ExtensionIn(Schema):
    reason: str = ""
    proposed_due_date: datetime.date


class ExtensionDecideIn(Schema):
    grant: bool
    comment: str = ""
    due_date: datetime.date | None = None


class ExtensionOut(Schema):
    id: int
    status: str
    reason: str
    old_due_date: datetime.date
    proposed_due_date: datetime.date
    granted_due_date: datetime.date | None
    requires_leader: bool
    item_due_date: datetime.date | None


class DelegateIn(Schema):
    unit: Id
    title: str = ""
    content: str = ""
    deadline_workdays: int | None = None
    due_date: datetime.date | None = None


class DisputeIn(Schema):
    description: str = ""


class CoordinationIn(Schema):
    coordination: str = ""


class RulingIn(Schema):
    ruling: str = ""


class DisputeOut(Schema):
    id: int
    status: str
    description: str
    coordination: str
    ruling: str


class AttachmentOut(Schema):
    id: int
    name: str
    size: int
    sha256: str
    report: int | None


class ItemReportDetailOut(ItemReportOut):
    head_decided_by: UserRef | None
    head_decided_at: datetime.datetime | None
    head_comment: str


class ExtensionDetailOut(Schema):
    id: int
    status: str
    unit: UnitRef
    requested_by: UserRef
    reason: str
    old_due_date: datetime.date
    proposed_due_date: datetime.date
    granted_due_date: datetime.date | None
    requires_leader: bool
    decision_comment: str
    created_at: datetime.datetime
