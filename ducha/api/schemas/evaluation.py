"""The evaluation and the year's ledger: scores per unit and the facts behind them, the weights, the year's ledger
(entries, confirmations, the mid-year check, notes, the close) and the reports to the level above."""

from __future__ import annotations

import datetime as dt
from typing import Any, Literal

from ninja import Field, Schema

from ducha.api.schemas.background import BackgroundJobOut
from ducha.api.schemas.common import Id, UnitRef, UserRef

# --- scores -----------------------------------------------------------------------------------------------------


class EvaluationPeriodOut(Schema):
    year: int
    quarter: int = Field(..., description="1-4；0 表示全年")
    label: str
    start: dt.datetime
    end: dt.datetime


class ScoreRowOut(Schema):
    unit: UnitRef
    group: str
    score: str
    rank: int
    components: dict[str, Any]
    last: bool
    last_twice: bool


class ScoresOut(Schema):
    period: EvaluationPeriodOut
    cutoff: dt.datetime | None
    computed_at: dt.datetime | None
    frozen: bool
    digest: str
    everyone: bool = Field(..., description="是否看到全部单位（督查室、领导）；否则只有本单位")
    rows: list[ScoreRowOut]


class ScoreComputeIn(Schema):
    year: int
    quarter: int = 0


class ScoreRunOut(Schema):
    id: int
    year: int
    quarter: int
    status: str
    cutoff: dt.datetime | None
    computed_at: dt.datetime | None
    frozen: bool
    error: str
    job: BackgroundJobOut | None = Field(None, description="计算它的后台任务（请求计算时给出）")


class FactOut(Schema):
    bad: bool
    when: dt.date
    what: str
    item_id: int | None
    number: str
    title: str
    subject_type: str
    subject_id: int | None
    detail: dict[str, Any]


class IndicatorOut(Schema):
    label: str
    rule: str
    group: str


class UnitFactsOut(Schema):
    unit: UnitRef
    score: str
    rank: int
    group: str
    cutoff: dt.datetime | None
    components: dict[str, Any]
    facts: dict[str, list[FactOut]]
    indicators: dict[str, IndicatorOut]


class SchemeOut(Schema):
    weights: dict[str, int]
    is_default: bool
    updated_by: UserRef | None
    updated_at: dt.datetime | None
    indicators: dict[str, IndicatorOut]


class SchemeIn(Schema):
    weights: dict[str, Any] = Field(..., description="指标代码 → 权重（0-100 的整数，合计 100）")


# --- the year's ledger --------------------------------------------------------------------------------------------


class LedgerYearIn(Schema):
    year: int


class LedgerYearOut(Schema):
    id: int
    government: UnitRef
    year: int
    status: str
    status_display: str
    created_by: UserRef | None
    created_at: dt.datetime
    approved_by: UserRef | None
    approved_at: dt.datetime | None
    return_reason: str
    closed_by: UserRef | None
    closed_at: dt.datetime | None
    frozen_digest: str


class LedgerConfirmationOut(Schema):
    id: int
    unit: UnitRef
    status: str
    objection: str
    office_reply: str
    decided_by: UserRef | None
    decided_at: dt.datetime | None


class LedgerExplanationOut(Schema):
    id: int
    entry: int
    unit: UnitRef
    question: str
    answer: str
    answered_by: UserRef | None
    answered_at: dt.datetime | None


class LedgerCheckOut(Schema):
    id: int
    as_of: dt.date
    figures: dict[str, Any]
    report: str
    created_at: dt.datetime
    explanations: list[LedgerExplanationOut]


class LedgerNoteOut(Schema):
    id: int
    entry: int | None
    kind: str
    text: str
    author: UserRef | None
    created_at: dt.datetime


class LedgerYearDetailOut(LedgerYearOut):
    figures: dict[str, Any] = Field(..., description="今天为止各单位台账任务的状态")
    confirmations: list[LedgerConfirmationOut]
    mid_year_check: LedgerCheckOut | None
    notes: list[LedgerNoteOut]
    frozen_figures: dict[str, Any]
    frozen_intact: bool | None = Field(..., description="封存数据与摘要是否一致；未结账为 null")


class LedgerItemRef(Schema):
    id: int
    number: str
    title: str
    status: str
    due_date: dt.date | None


class LedgerEntryOut(Schema):
    id: int
    item: LedgerItemRef
    unit: UnitRef
    category: str
    carried_from: int | None
    carry_reason: str
    settlement: str
    settled_at: dt.datetime | None
    state: str = Field(..., description="今天的状态：done、done_late、on_time、at_risk、late、cancelled")


class LedgerEntriesIn(Schema):
    item_ids: list[Id] | None = Field(None, description="不填：当年的政府工作报告任务和民生实事")
    category: Literal["work_report", "livelihood", "key_work"] = "key_work"


class LedgerObjectionIn(Schema):
    objection: str = ""


class LedgerReplyIn(Schema):
    reply: str = ""


class LedgerCheckIn(Schema):
    as_of: dt.date | None = Field(None, description="查账日期，默认今天")


class LedgerAnswerIn(Schema):
    answer: str = ""


class LedgerNoteIn(Schema):
    text: str = ""
    entry: Id | None = None


# --- reports to the level above -----------------------------------------------------------------------------------


class PeriodReportIn(Schema):
    period: Literal["month", "quarter", "year"]
    year: int
    number: int = Field(0, description="月份（1-12）或季度（1-4）；年报为 0")


class PeriodReportOut(Schema):
    id: int
    government: UnitRef
    recipient: UnitRef
    period: str
    year: int
    number: int
    label: str
    status: str
    cutoff: dt.datetime
    figures: dict[str, Any]
    summary: str
    created_by: UserRef | None
    created_at: dt.datetime
    approved_by: UserRef | None
    approved_at: dt.datetime | None
    submitted_by: UserRef | None
    submitted_at: dt.datetime | None
    xlsx_url: str


class ReceivedReportsOut(Schema):
    reports: list[PeriodReportOut]
    rollup: dict[str, Any]
