"""互联网+督查: the public submission and its tracking code, the office's clue and case lists with the engine's
findings (similar clues, suggested units, urgency), the triage actions, the public answer, the imports, the places
the public form offers, the units' duties and the keeper's reveal of a reporter. The reporter's name and phone
appear in one shape only, `ClueReporterOut`, the keeper's."""

from __future__ import annotations

import datetime as dt

from ninja import Field, Schema

from ducha.api.schemas.common import Id, UnitRef, UserRef

# --- the public channel -----------------------------------------------------------------------------------------


class ClueSubmitIn(Schema):
    government_id: Id = Field(..., description="受理线索的政府（县级）")
    text: str = Field(..., description="问题描述，10-2000 字")
    category: str = Field(..., description="implementation、conduct、policy、suggestion")
    township_id: Id | None = None
    place_id: Id | None = Field(None, description="村（社区）")
    anonymous: bool = True
    name: str = Field("", description="实名反映时必填")
    phone: str = Field("", description="实名反映时必填：手机或固定电话")


class ClueSubmittedOut(Schema):
    code: str = Field(..., description="查询码")
    submitted_at: dt.datetime
    progress: str
    progress_label: str


class CluePublicOut(Schema):
    code: str
    submitted_at: dt.datetime
    category: str
    place: str
    progress: str = Field(
        ..., description="received、accepted、in_progress、checking、done、answered、closed、rejected"
    )
    progress_label: str
    answer: str
    answered_at: dt.datetime | None
    reason: str = Field(..., description="不予受理或办结（关闭）的理由")


class CluePlaceOut(Schema):
    id: int
    name: str
    kind: str


class ClueTownshipOut(Schema):
    id: int
    name: str
    places: list[CluePlaceOut]


class CluePlacesOut(Schema):
    government: UnitRef
    townships: list[ClueTownshipOut]


# --- the office's lists ------------------------------------------------------------------------------------------


class CluePlaceRef(Schema):
    id: int
    name: str


class ClueCaseRef(Schema):
    id: int
    number: str
    status: str
    clue_count: int


class ClueSimilarOut(Schema):
    id: int
    score: float


class ClueSuggestionOut(Schema):
    unit: UnitRef
    score: float


class ClueOut(Schema):
    id: int
    code: str
    channel: str
    source: str
    source_ref: str
    submitted_at: dt.datetime
    category: str
    text: str
    township: UnitRef | None
    place: CluePlaceRef | None
    status: str = Field(..., description="active、rejected")
    case: ClueCaseRef | None
    similar: list[ClueSimilarOut]
    suggested_units: list[ClueSuggestionOut] = Field(..., description="建议承办单位，最可能者在前")
    suggested_category: str
    urgent: bool
    urgent_reasons: list[str]
    reporter: str = Field(..., description="反映人（已遮蔽）；姓名和电话只有线索保密员可查看")


class ClueDetailOut(ClueOut):
    anonymous: bool
    reject_reason: str
    grouped_score: float | None
    photos: int


class CluePage(Schema):
    rows: list[ClueOut]
    next: int | None = Field(..., description="下一页：作为 after 传回")


class ClueCaseOut(Schema):
    id: int
    number: str
    title: str
    category: str
    township: UnitRef | None
    place: CluePlaceRef | None
    status: str
    urgent: bool
    clue_count: int
    first_at: dt.datetime
    last_at: dt.datetime
    unit: UnitRef | None
    item: int | None
    inspection: int | None
    close_reason: str
    decided_at: dt.datetime | None


class ClueCasePage(Schema):
    rows: list[ClueCaseOut]
    next: int | None = Field(..., description="下一页：作为 after 传回")


class ClueAnswerOut(Schema):
    id: int
    case: int
    text: str
    status: str
    drafted_by: UserRef
    reviewed_by: UserRef | None
    reviewed_at: dt.datetime | None
    return_reason: str
    published_at: dt.datetime | None


class ClueCaseDetailOut(ClueCaseOut):
    clues: list[ClueOut]
    answers: list[ClueAnswerOut]


# --- triage -------------------------------------------------------------------------------------------------------


class ClueRouteIn(Schema):
    unit_id: Id
    title: str = Field("", max_length=200)
    requirements: str = ""
    due_date: dt.date | None = None
    deadline_workdays: int | None = Field(None, ge=1, le=365)


class ClueRoutedOut(Schema):
    item_id: int


class ClueCheckIn(Schema):
    unit_id: Id
    start_date: dt.date
    end_date: dt.date
    topic: str = Field("", max_length=200)


class ClueMoveIn(Schema):
    case_id: Id | None = Field(None, description="并入的案件；为空则单独立案")


class ClueRejectIn(Schema):
    reason: str = ""
    block_days: int = Field(0, ge=0, le=365, description="屏蔽其来源的天数（0 不屏蔽）")


# --- imports, identities and duties ------------------------------------------------------------------------------


class ClueImportRowIn(Schema):
    text: str = ""
    place: str = ""
    submitted_at: str = Field("", description="ISO 8601；空则为导入时间")
    category: str = ""
    source: str = Field("", description="如 国务院互联网+督查平台、12345")
    source_ref: str = Field("", description="来源平台的编号：同一编号只导入一次")
    channel: str = Field("", description="upper 或 hotline；空则按来源判断")


class ClueImportIn(Schema):
    rows: list[ClueImportRowIn] = Field(..., max_length=5000)


class ClueImportOut(Schema):
    created: int
    skipped: int
    cases: int


class ClueReporterOut(Schema):
    name: str
    phone: str


class ClueDutiesOut(Schema):
    unit: UnitRef
    text: str
    updated_at: dt.datetime
