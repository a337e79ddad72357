"""What every area of the API shows the same way, from the model to the response's dict: a unit, a user, a timeline
event (the shapes `UnitRef`, `UserRef` and `EventOut` of ducha.api.schemas)."""

from __future__ import annotations

from typing import Any


def unit_ref(unit: Any) -> dict | None:
    return {"id": unit.pk, "name": unit.name} if unit is not None else None


def user_ref(user: Any) -> dict | None:
    return {"id": user.pk, "name": user.display_name} if user is not None else None


def event_out(event: Any) -> dict:
    """One entry of a timeline: an audit event, or a reminder entry built like one (its id is None)."""
    return {
        "id": event.pk,
        "event_type": event.event_type,
        "event_display": str(event.get_event_type_display()),
        "actor": user_ref(event.actor),
        "actor_unit": unit_ref(event.actor_unit),
        "created_at": event.created_at,
        "old": event.old,
        "new": event.new,
        "comment": event.comment,
    }
