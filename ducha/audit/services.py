from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from ducha.audit.models import Event, EventType

if TYPE_CHECKING:
    from django.http import HttpRequest

    from ducha.common.uploads import Refusal
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


def client_address(request: HttpRequest | None) -> str:
    """The client's address as the lockout counts it (django-axes, behind DUCHA_PROXY_COUNT proxies)."""
    if request is None:
        return ""
    from axes.helpers import get_client_ip_address

    return str(get_client_ip_address(request) or "")


def security_event_record(
    *,
    event_type: EventType,
    user: User | None,
    request: HttpRequest | None = None,
    actor: User | None = None,
    username: str = "",
    new: dict[str, Any] | None = None,
    comment: str = "",
) -> Event:
    """Append one security event (sign-ins, failures, lockouts, refusals, exports, secret reads…) to the same log
    as everything else: subject the account concerned (`user`; id 0 when a name matched no account), actor whoever
    did it (default the account itself), with the client's address and browser. Safe outside a transaction."""
    values: dict[str, Any] = {}
    if request is not None:
        values["ip"] = client_address(request)
        values["agent"] = str(request.META.get("HTTP_USER_AGENT", ""))[:200]
    if username and user is None:
        values["username"] = username[:150]
    values.update(new or {})
    return event_record(
        event_type=event_type,
        subject_type="user",
        subject_id=user.pk if user is not None and user.pk else 0,
        actor=actor if actor is not None else user,
        new=values,
        comment=comment,
    )


def upload_refusal_record(refusal: Refusal) -> None:
    """UPLOAD_REFUSED for an upload refused by its content or the uploader's quota (ducha.common.uploads)."""
    security_event_record(
        event_type=EventType.UPLOAD_REFUSED,
        user=refusal.user,
        request=refusal.request,
        new={"code": refusal.code, **refusal.detail},
    )
