"""What the reminders hear from the domains (ducha.common.events), registered in `RemindersConfig.ready()`: each
item notification becomes a notice to the people it concerns (`services.notice_send`)."""

from __future__ import annotations

import functools

from ducha.common import events
from ducha.items import lifecycle as item_lifecycle
from ducha.reminders.services import notice_send

ITEM_NOTICES = (
    item_lifecycle.ASSIGNED,
    item_lifecycle.REPORT_FILED,
    item_lifecycle.REPORT_SUBMITTED,
    item_lifecycle.EXTENSION,
)


def _item_notice(event: str, *, item_id: int, object_id: int | None = None) -> int:
    return notice_send(event=event, item_id=item_id, object_id=object_id)


# One listener per notification, made once: registering them again changes nothing.
_LISTENERS = {name: functools.partial(_item_notice, name) for name in ITEM_NOTICES}


def connect() -> None:
    for name, listener in _LISTENERS.items():
        events.listen(f"item.{name}", listener)
