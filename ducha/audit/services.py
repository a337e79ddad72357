from __future__ import annotations

from collections.abc import Sequence
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


def events_record(
    *, event_type: EventType, subject_type: str, subject_ids: Sequence[int], actor: User | None
) -> list[Event]:
    """Append one audit event per subject in one INSERT: what a list page or an export logs for the secret items
    it shows (one statement, not one per row)."""
    actor_id = actor.pk if actor is not None and actor.pk else None
    actor_unit_id = getattr(actor, "unit_id", None)
    return Event.objects.bulk_create(
        Event(
            event_type=event_type,
            subject_type=subject_type,
            subject_id=subject_id,
            actor_id=actor_id,
            actor_unit_id=actor_unit_id,
        )
        for subject_id in subject_ids
    )
