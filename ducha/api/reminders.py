"""Reminders, 催办 and the notification inbox: thin endpoints over ducha.reminders.services and selectors."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from ninja import Router, Status

from ducha.api.base import ERRORS, actor
from ducha.api.schemas import (
    ChaseIn,
    ChaseOut,
    CountOut,
    InboxOut,
    MandatoryIn,
    MessageOut,
    PreferencesIn,
    PreferencesOut,
    ReminderOut,
    TrackerIn,
)
from ducha.items import selectors as item_selectors
from ducha.reminders import selectors, services
from ducha.reminders.models import Message, Reminder

router = Router(tags=["reminders"])


def _message(message: Message) -> dict[str, Any]:
    body = selectors.message_text(message)  # reads the lines first when they are not attached yet
    return {
        "id": message.pk,
        "subject": message.subject,
        "body": body,
        "lines": message.lines,
        "line_count": message.line_count,
        "created_at": message.created_at,
        "read_at": message.read_at,
    }


@router.get("/inbox", response={200: InboxOut, **ERRORS})
def inbox(request: HttpRequest, unread: bool = False, cursor: int | None = None, limit: int = 30) -> Any:
    user = actor(request)
    page = selectors.inbox_page(user, unread_only=unread, cursor=cursor, limit=max(1, min(limit, 100)))
    return {
        "messages": [_message(m) for m in page.messages],
        "next_cursor": page.next_cursor,
        "unread": selectors.unread_count(user),
    }


@router.get("/inbox/unread-count", response={200: CountOut, **ERRORS})
def inbox_unread_count(request: HttpRequest) -> Any:
    return {"unread": selectors.unread_count(actor(request))}


# Before /inbox/{message_id}: Django tries the routes in order and that one takes any word, "read-all" too.
@router.post("/inbox/read-all", response={200: CountOut, **ERRORS})
def inbox_mark_all_read(request: HttpRequest) -> Any:
    services.inbox_mark_all_read(user=actor(request))
    return {"unread": 0}


@router.get("/inbox/{message_id}", response={200: MessageOut, **ERRORS})
def inbox_message(request: HttpRequest, message_id: int) -> Any:
    return _message(selectors.message_for_user(actor(request), message_id))


@router.post("/inbox/{message_id}/read", response={200: MessageOut, **ERRORS})
def inbox_mark_read(request: HttpRequest, message_id: int) -> Any:
    return _message(services.message_mark_read(message_id=message_id, user=actor(request)))


@router.post("/items/{item_id}/chase", response={201: list[ChaseOut], **ERRORS})
def item_chase(request: HttpRequest, item_id: int, payload: ChaseIn) -> Any:
    """Manual 催办 by the office: to the given units of the item (default: every unit still working on it)."""
    user = actor(request)
    item = item_selectors.get_item_for_user(user, item_id, record_view=False)
    chases = services.chase_send(item_id=item.pk, actor=user, text=payload.text, unit_ids=payload.units)
    return Status(
        201, [{"id": c.pk, "unit": c.unit_id, "text": c.text, "created_at": c.created_at} for c in chases]
    )


@router.get("/items/{item_id}/reminders", response={200: list[ReminderOut], **ERRORS})
def item_reminders(request: HttpRequest, item_id: int) -> Any:
    """Every reminder and 催办 of the item: who was reminded, when, on which channels, delivered and read."""
    item = item_selectors.get_item_for_user(actor(request), item_id, record_view=False)
    rows: list[Reminder] = selectors.item_reminder_log(item, limit=500)
    return [
        {
            "id": r.pk,
            "kind": r.kind,
            "step": r.step,
            "unit": r.unit_id,
            "recipient": {"id": r.recipient_id, "name": r.recipient.display_name},
            "created_at": r.created_at,
            "chase_text": r.chase.text if r.chase else "",
            "read_at": r.message.read_at if r.message else None,
            "deliveries": [
                {"channel": d.channel, "status": d.status, "attempts": d.attempts, "sent_at": d.sent_at}
                for d in (r.message.deliveries.all() if r.message else [])
            ],
        }
        for r in rows
    ]


@router.put("/items/{item_id}/tracker", response={200: TrackerIn, **ERRORS})
def item_tracker(request: HttpRequest, item_id: int, payload: TrackerIn) -> Any:
    """Name (or, with null, remove) the office member who tracks the item (专人跟踪)."""
    user = actor(request)
    item = item_selectors.get_item_for_user(user, item_id, record_view=False)
    tracker = services.tracker_set(item_id=item.pk, actor=user, user_id=payload.user)
    return {"user": tracker.user_id if tracker else None}


@router.get("/me/notification-preferences", response={200: PreferencesOut, **ERRORS})
def preferences(request: HttpRequest) -> Any:
    return selectors.channel_preferences(actor(request))


@router.put("/me/notification-preferences", response={200: PreferencesOut, **ERRORS})
def preferences_update(request: HttpRequest, payload: PreferencesIn) -> Any:
    user = actor(request)
    services.preferences_set(user=user, channels_enabled=payload.channels)
    return selectors.channel_preferences(user)


@router.get("/reminders/mandatory", response={200: MandatoryIn, **ERRORS})
def mandatory(request: HttpRequest) -> Any:
    actor(request)
    return {"mandatory": selectors.mandatory_channels()}


@router.put("/reminders/mandatory", response={200: MandatoryIn, **ERRORS})
def mandatory_update(request: HttpRequest, payload: MandatoryIn) -> Any:
    """The office sets which kinds always go on which external channel, e.g. [["overdue", "sms"]]."""
    pairs = [(kind, channel) for kind, channel in payload.mandatory]
    return {"mandatory": services.mandatory_channels_set(actor=actor(request), pairs=pairs)}
