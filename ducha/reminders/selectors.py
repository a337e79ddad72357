"""Reads of the reminders app: the inbox, an item's reminder log, a unit's record, dead letters."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from django.db.models import Count, Prefetch, QuerySet

from ducha.common.errors import NotFound
from ducha.items.models import Item
from ducha.orgs.models import User
from ducha.reminders.models import (
    Channel,
    Delivery,
    DeliveryStatus,
    MandatoryChannel,
    Message,
    Reminder,
    ReminderKind,
)

UNREAD_CAP = 99


def unread_count(user: User, *, cap: int = UNREAD_CAP) -> int:
    """The user's unread messages, counted up to `cap` (the badge shows "99+"): a bounded, indexed count."""
    return len(
        Message.objects.filter(recipient=user, read_at__isnull=True).values_list("id", flat=True)[: cap + 1]
    )


@dataclass(frozen=True)
class InboxPage:
    messages: list[Message]
    next_cursor: int | None


def inbox_page(
    user: User, *, unread_only: bool = False, cursor: int | None = None, limit: int = 30
) -> InboxPage:
    """The user's messages, newest first, paged by keyset on id."""
    queryset = Message.objects.filter(recipient=user)
    if unread_only:
        queryset = queryset.filter(read_at__isnull=True)
    if cursor is not None:
        queryset = queryset.filter(id__lt=cursor)
    rows = list(queryset.order_by("-id")[: limit + 1])
    return InboxPage(messages=rows[:limit], next_cursor=rows[limit - 1].pk if len(rows) > limit else None)


def message_for_user(user: User, message_id: int) -> Message:
    message = Message.objects.filter(pk=message_id, recipient=user).first()
    if message is None:
        raise NotFound()
    return message


def item_reminder_log(item: Item) -> QuerySet[Reminder]:
    """Every reminder and 催办 of the item: who was reminded of what, when, how (deliveries) and whether read."""
    return (
        Reminder.objects.filter(item=item)
        .select_related("recipient", "unit", "chase__actor", "message")
        .prefetch_related(Prefetch("message__deliveries", queryset=Delivery.objects.order_by("channel")))
        .order_by("-created_at", "-id")
    )


def unit_record(
    *, unit_id: int, since: dt.datetime | None = None, until: dt.datetime | None = None
) -> dict[str, int]:
    """How often the unit was reminded, by kind (distinct items; for scoring late sign-for, overdue items and
    missed progress reports). Uses the (unit, kind, created_at) index."""
    queryset = Reminder.objects.filter(unit_id=unit_id)
    if since is not None:
        queryset = queryset.filter(created_at__gte=since)
    if until is not None:
        queryset = queryset.filter(created_at__lt=until)
    rows = queryset.values("kind").annotate(items=Count("item_id", distinct=True)).order_by()
    record = {kind: 0 for kind in ReminderKind.values}
    record.update({row["kind"]: row["items"] for row in rows})
    return record


def dead_letters(*, cursor: int | None = None, limit: int = 50) -> tuple[list[Delivery], int | None]:
    queryset = Delivery.objects.filter(status=DeliveryStatus.DEAD).select_related("message__recipient")
    if cursor is not None:
        queryset = queryset.filter(id__lt=cursor)
    rows = list(queryset.order_by("-id")[: limit + 1])
    return rows[:limit], (rows[limit - 1].pk if len(rows) > limit else None)


def mandatory_channels() -> list[tuple[str, str]]:
    return sorted(MandatoryChannel.objects.values_list("kind", "channel"))


def channel_preferences(user: User) -> dict[str, Any]:
    from ducha.reminders.services import channels_for

    chosen = channels_for([user.pk])[user.pk]
    return {
        "channels": {name: name in chosen for name in Channel.external()},
        "mandatory": mandatory_channels(),
        "addresses": {"email": user.email, "sms": user.phone},
    }
