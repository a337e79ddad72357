"""The shapes every area of the API shares: ids, the error body, units and users, the current user, timeline events,
available actions, the one-field inputs (a comment, a reason, a text) and milestones."""

from __future__ import annotations

import datetime
from typing import Annotated

from ninja import Field, Schema

# Database ids are 64-bit; a larger number is bad input (400), never a database overflow (500).
MAX_ID = 2**63 - 1
Id = Annotated[int, Field(ge=1, le=MAX_ID)]


class ErrorOut(Schema):
    code: str
    message: str
    fields: dict[str, str] | None = None


class UnitOut(Schema):
    id: int
    name: str
    level: str
    kind: str
    parent: int | None


class UnitPage(Schema):
    units: list[UnitOut]
    next_cursor: int | None


class UnitRef(Schema):
    id: int
    name: str


class UserRef(Schema):
    id: int
    name: str


class MeOut(Schema):
    id: int
    username: str
    name: str
    unit: UnitRef | None
    government: UnitRef | None
    roles: list[str]


class EventOut(Schema):
    id: int | None  # None: a reminder entry, built from the reminders rather than stored as an event
    event_type: str
    event_display: str
    actor: UserRef | None
    actor_unit: UnitRef | None
    created_at: datetime.datetime
    old: dict
    new: dict
    comment: str


class ActionOut(Schema):
    action: str
    label: str


class CommentIn(Schema):
    comment: str = ""


class ReasonIn(Schema):
    reason: str = ""


class TextIn(Schema):
    text: str = ""


class MilestoneIn(Schema):
    title: str = Field(..., max_length=200)
    due_date: datetime.date


class MilestoneOut(MilestoneIn):
    id: int
    completed_at: datetime.datetime | None
