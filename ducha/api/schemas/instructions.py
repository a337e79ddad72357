"""领导批示 and 责任领导: a leader's instruction on an item or one of its reports, the leader in charge."""

from __future__ import annotations

import datetime

from ninja import Field, Schema

from ducha.api.schemas.common import Id, UserRef


class InstructionIn(Schema):
    text: str = Field(..., description="批示内容，1–2000字", json_schema_extra={"maxLength": 2000})
    report: Id | None = Field(None, description="批示所针对的报告（须属于该事项）；不填则批示事项本身")


class InstructionOut(Schema):
    id: int
    text: str
    author: UserRef
    report: int | None
    created_at: datetime.datetime


class LeaderIn(Schema):
    leader: Id | None = Field(..., description="责任领导（本级政府的领导）；null 表示清除")
