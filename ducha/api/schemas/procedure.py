"""The procedure's steps (issue 16): the office's switches, on-site verification, the consolidated report, the
units' plans, the head's check of progress reports, spot re-checks. Names are unique across the API."""

from __future__ import annotations

import datetime

from ninja import Field, Schema

from ducha.api.schemas.common import MilestoneIn, UnitRef, UserRef


class ProcedureFlagsIn(Schema):
    site_check_required: bool | None = Field(None, description="审核通过前须现场核验；null 不变")
    is_complex: bool | None = Field(None, description="复杂事项：须综合报告经领导批准；null 不变")
    progress_check_by_head: bool | None = Field(None, description="进展报告须单位主要负责人审核；null 不变")


class ProcedureFlagsOut(Schema):
    item: int
    site_check_required: bool
    is_complex: bool
    progress_check_by_head: bool


class SiteCheckIn(Schema):
    checked_on: datetime.date = Field(..., description="核验日期，不得晚于今天")
    inspectors: str = Field(..., description="核验人员，1–200字", json_schema_extra={"maxLength": 200})
    findings: str = Field(..., description="核验情况，1–5000字", json_schema_extra={"maxLength": 5000})
    conclusion: str = Field(..., description="confirmed 属实 / problems 发现问题")


class SiteCheckPhotoOut(Schema):
    id: int
    name: str
    size: int


class SiteCheckOut(Schema):
    id: int
    checked_on: datetime.date
    inspectors: str
    findings: str
    conclusion: str
    recorded_by: UserRef
    photos: list[SiteCheckPhotoOut]
    created_at: datetime.datetime


class ConsolidatedIn(Schema):
    text: str = Field(
        ..., description="综合报告，1–20000字；各单位最新报告自动汇入", json_schema_extra={"maxLength": 20000}
    )


class ConsolidatedDecisionIn(Schema):
    approve: bool
    comment: str = Field("", description="退回时必填", json_schema_extra={"maxLength": 2000})


class UnitOpinionOut(Schema):
    unit: int
    unit_name: str
    role: str
    kind: str
    text: str
    reported_at: str | None


class ConsolidatedOut(Schema):
    id: int
    status: str
    text: str
    opinions: list[UnitOpinionOut]
    author: UserRef
    decided_by: UserRef | None
    decided_at: datetime.datetime | None
    leader_comment: str
    created_at: datetime.datetime


class UnitPlanIn(Schema):
    text: str = Field(..., description="实施方案，1–5000字", json_schema_extra={"maxLength": 5000})
    milestones: list[MilestoneIn] = Field(default_factory=list, description="本单位节点，日期不晚于办理期限")


class UnitMilestoneOut(Schema):
    id: int
    unit: UnitRef
    title: str
    due_date: datetime.date
    completed_at: datetime.datetime | None


class UnitPlanOut(Schema):
    id: int
    unit: UnitRef
    text: str
    author: UserRef
    updated_at: datetime.datetime
    milestones: list[UnitMilestoneOut]


class ProgressCheckIn(Schema):
    approve: bool
    comment: str = Field("", description="退回时必填", json_schema_extra={"maxLength": 2000})


class ProgressCheckOut(Schema):
    id: int
    item: int
    status: str
    head_comment: str


class HeldProgressOut(Schema):
    id: int
    unit: UnitRef
    author: UserRef
    text: str
    created_at: datetime.datetime


class RecheckDrawIn(Schema):
    closed_from: datetime.date
    closed_to: datetime.date
    batch: str = Field(..., description="批次名称，1–40字", json_schema_extra={"maxLength": 40})
    count: int | None = Field(None, description="抽取件数（与比例二选一）")
    share_percent: int | None = Field(None, description="抽取比例 1–100（与件数二选一）")
    seed: int | None = Field(None, ge=0, le=2**32 - 1, description="随机种子；相同种子重现抽取结果")


class RecheckOut(Schema):
    id: int
    item: int
    item_title: str
    batch: str
    result: str
    findings: str
    checked_by: UserRef | None
    checked_at: datetime.datetime | None


class RecheckDrawOut(Schema):
    batch: str
    seed: int
    rechecks: list[RecheckOut]


class RecheckRecordIn(Schema):
    result: str = Field(..., description="confirmed 结果属实 / problems 发现问题")
    findings: str = Field("", description="发现问题时必填", json_schema_extra={"maxLength": 5000})


class ItemProcedureOut(Schema):
    flags: ProcedureFlagsOut
    site_checks: list[SiteCheckOut]
    consolidated_reports: list[ConsolidatedOut]
    plans: list[UnitPlanOut]
    held_progress: list[HeldProgressOut]
    rechecks: list[RecheckOut]
