"""Source records (一事一项的来源) and batch actions on items."""

from __future__ import annotations

import datetime

from ninja import Field, Schema

from ducha.api.schemas.common import Id, UnitRef, UserRef


class SourceRecordIn(Schema):
    kind: str = Field(description="meeting_minutes, work_report, document, instruction or other")
    title: str = Field(max_length=400)
    reference: str = ""
    issued_on: datetime.date | None = None
    leader: Id | None = Field(
        None, description="the meeting's chair or the leader who wrote the 批示 (a user id)"
    )
    summary: str = ""


class SourceRecordPatchIn(Schema):
    kind: str | None = None
    title: str | None = None
    reference: str | None = None
    issued_on: datetime.date | None = None
    leader: Id | None = None
    summary: str | None = None


class SourceStatusCountOut(Schema):
    status: str
    label: str
    count: int


class SourceProgressOut(Schema):
    total: int
    by_status: list[SourceStatusCountOut]
    overdue: int
    finished: int
    percent_finished: int


class SourceRecordOut(Schema):
    id: int
    kind: str
    kind_label: str
    title: str
    reference: str
    issued_on: datetime.date | None
    government: UnitRef
    leader: UserRef | None
    summary: str
    item_count: int | None = None
    progress: SourceProgressOut | None = None


class SourceRecordPage(Schema):
    items: list[SourceRecordOut]
    next_cursor: str | None


class BatchIn(Schema):
    items: list[Id] = Field(description="the items' ids, 1 to 200")
    comment: str = Field("", description="approve: the leader's comment")
    due_date: datetime.date | None = Field(None, description="assign: one due date for all")
    deadline_workdays: int | None = Field(None, description="assign: working days from today, for all")
    text: str = Field("", description="chase: the message")


class BatchRefusalOut(Schema):
    item_id: int
    code: str
    message: str


class BatchOut(Schema):
    done: list[int]
    refused: list[BatchRefusalOut]
