"""The item page's 批示 section: the leader in charge, the leaders' instructions on the item and its reports, and
the form a leader writes one with."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest

from ducha.items.models import Item
from ducha.orgs.models import User


def instructions_context(request: HttpRequest, item: Item, user: User) -> dict[str, Any]:
    """What the section's template reads; empty when it has nothing to show."""
    return {}
