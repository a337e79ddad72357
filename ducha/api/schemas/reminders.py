"""Reminders, 催办 and the notification inbox: messages, 催办 sent, the item's reminder log, the tracker, channel
preferences and the kinds that always go on an external channel."""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any

from ninja import Schema
from pydantic import Field

# A (kind, channel) pair, e.g. ["overdue", "sms"]: documented as an array of exactly two strings. The same JSON as a
# tuple, whose JSON Schema (`prefixItems`, OpenAPI 3.1 only) the fuzzer and many client generators cannot read.
KindChannel = Annotated[list[str], Field(min_length=2, max_length=2)]


class MessageOut(Schema):
    id: int
    subject: str
    body: str
    lines: list[dict[str, Any]]
    line_count: int
    created_at: dt.datetime
    read_at: dt.datetime | None


class InboxOut(Schema):
    messages: list[MessageOut]
    next_cursor: int | None
    unread: int


class CountOut(Schema):
    unread: int


class ChaseIn(Schema):
    text: str
    units: list[int] | None = None


class ChaseOut(Schema):
    id: int
    unit: int
    text: str
    created_at: dt.datetime


class TrackerIn(Schema):
    user: int | None


class PreferencesIn(Schema):
    channels: dict[str, bool]


class PreferencesOut(Schema):
    channels: dict[str, bool]
    mandatory: list[KindChannel]
    addresses: dict[str, str]


class MandatoryIn(Schema):
    mandatory: list[KindChannel]


class ReminderOut(Schema):
    id: int
    kind: str
    step: int
    unit: int
    recipient: dict[str, Any]
    created_at: dt.datetime
    chase_text: str
    read_at: dt.datetime | None
    deliveries: list[dict[str, Any]]
