"""Official documents: the kinds a subject offers, the versions issued, and the input to issue or correct one."""

from __future__ import annotations

import datetime

from ninja import Field, Schema

from ducha.api.schemas.background import BackgroundJobOut
from ducha.api.schemas.common import UserRef


class DocumentOut(Schema):
    id: int
    kind: str
    number: str
    version: int
    title: str
    part: str
    previous: int | None
    correction_reason: str
    issued_by: UserRef | None
    issued_at: datetime.datetime
    docx_sha256: str
    pdf_sha256: str
    docx_url: str
    pdf_url: str


class DocumentInputOut(Schema):
    name: str
    label: str
    required: bool
    multiline: bool
    type: str
    default: str


class DocumentKindOut(Schema):
    kind: str
    label: str
    available: bool
    unavailable_reason: str | None
    can_issue: bool
    repeatable: bool
    numbered: bool
    inputs: list[DocumentInputOut]
    # The draft (office) or, once issued, the current version.
    docx_url: str
    pdf_url: str
    issued: list[DocumentOut]


class DocumentKindsOut(Schema):
    pdf_available: bool
    pdf_unavailable_reason: str | None
    kinds: list[DocumentKindOut]


class DocumentIssueIn(Schema):
    inputs: dict[str, str] = Field(default_factory=dict, description="字段名 → 文字（日期用 ISO 格式）")


class DocumentCorrectIn(Schema):
    reason: str = Field(..., max_length=2000)
    inputs: dict[str, str] = Field(default_factory=dict)


class DocumentBatchIn(Schema):
    day: datetime.date | None = Field(None, description="交办日期，默认今天")


class DocumentBatchOut(Schema):
    id: int
    kind: str
    day: datetime.date
    status: str
    total: int
    done: int
    skipped: dict[str, str]
    error: str
    pdf_url: str | None
    created_at: datetime.datetime
    finished_at: datetime.datetime | None
    job: BackgroundJobOut | None = Field(
        None, description="生成它的后台任务（仅发起人可见：进度、取消、重试）"
    )
