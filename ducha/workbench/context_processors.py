"""The unread count for the top bar of every page (one bounded, indexed query per signed-in page view)."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest

from ducha.reminders.models import Message
from ducha.reminders.selectors import UNREAD_CAP
from ducha.workbench.prepared import PreparedQuery

# reminders.selectors.unread_count, compiled once per process: the badge is on every page, and building the
# query cost more than running it (tests/workbench/test_prepared_queries.py holds the two to the same answer).
_UNREAD = PreparedQuery(
    lambda user_id: Message.objects.filter(recipient_id=user_id, read_at__isnull=True).values_list("id")[
        : UNREAD_CAP + 1
    ]
)


def unread_count(user_id: int) -> int:
    """The user's unread messages, counted up to UNREAD_CAP + 1 (the badge shows "99+")."""
    return len(_UNREAD.rows(user_id))


def inbox(request: HttpRequest) -> dict[str, Any]:
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}
    return {"inbox_unread": lambda: unread_count(user.pk)}  # evaluated only where a template shows it
