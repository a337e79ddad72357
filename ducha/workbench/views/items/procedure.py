"""The item page's procedure sections: on-site verification, the consolidated report of a complex item, the units'
implementation plans and milestones, progress reports waiting for the unit head, spot re-checks."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest

from ducha.items.models import Item
from ducha.orgs.models import User


def procedure_context(request: HttpRequest, item: Item, user: User) -> dict[str, Any]:
    """What the section's template reads; empty when it has nothing to show."""
    return {}
