from __future__ import annotations

from typing import TYPE_CHECKING, Any

from ducha.audit.models import Event, EventType

if TYPE_CHECKING:
    from ducha.orgs.models import User


def event_record(
    *,
    event_type: EventType,
    subject_type: str,
    subject_id: int,
    actor: User | None,
    old: dict[str, Any] | None = None,
    new: dict[str, Any] | None = None,
    comment: str = "",
) -> Event:
    """Append one audit event. Call inside the transaction of the change it records."""
    return Event.objects.create(
        event_type=event_type,
        subject_type=subject_type,
        subject_id=subject_id,
        actor=actor if actor is not None and actor.pk else None,
        actor_unit_id=getattr(actor, "unit_id", None),
        old=old or {},
        new=new or {},
        comment=comment,
    )
