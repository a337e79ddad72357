"""The unread count for the top bar of every page (one bounded, indexed query per signed-in page view)."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest

from ducha.reminders.selectors import unread_count


def inbox(request: HttpRequest) -> dict[str, Any]:
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}
    return {"inbox_unread": lambda: unread_count(user)}  # evaluated only where a template shows it
