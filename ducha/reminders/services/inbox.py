"""The inbox (read marks) and each user's channel preferences; the office's mandatory channels."""

from __future__ import annotations

from collections.abc import Iterable

from django.db import transaction
from django.utils import timezone

from ducha.common import error_codes as codes
from ducha.common.errors import NotFound, NotPermitted, ValidationFailed
from ducha.orgs.models import Role, User
from ducha.reminders.models import (
    Channel,
    ChannelPreference,
    MandatoryChannel,
    Message,
    ReminderKind,
)
from ducha.reminders.selectors import channels_for

# --- the inbox and preferences --------------------------------------------------------------------------------------


def message_mark_read(*, message_id: int, user: User) -> Message:
    """Mark one of the user's own messages read (a message of someone else is not found)."""
    message = Message.objects.filter(pk=message_id, recipient=user).first()
    if message is None:
        raise NotFound()
    if message.read_at is None:
        message.read_at = timezone.now()
        Message.objects.filter(pk=message.pk, read_at__isnull=True).update(read_at=message.read_at)
    return message


def inbox_mark_all_read(*, user: User) -> int:
    return Message.objects.filter(recipient=user, read_at__isnull=True).update(read_at=timezone.now())


@transaction.atomic
def preferences_set(*, user: User, channels_enabled: dict[str, bool]) -> dict[str, bool]:
    """The user switches external channels on or off (the inbox is always on). Returns the resulting choice."""
    unknown = [name for name in channels_enabled if name not in Channel.external()]
    if unknown:
        raise ValidationFailed(
            codes.INVALID_INPUT, fields={name: codes.message_for(codes.INVALID_INPUT) for name in unknown}
        )
    for name, enabled in channels_enabled.items():
        ChannelPreference.objects.update_or_create(
            user=user, channel=name, defaults={"is_enabled": bool(enabled)}
        )
    chosen = channels_for([user.pk])[user.pk]
    return {name: name in chosen for name in Channel.external()}


@transaction.atomic
def mandatory_channels_set(*, actor: User, pairs: Iterable[tuple[str, str]]) -> list[tuple[str, str]]:
    """The office sets which kinds always go on which channel (replacing the previous list)."""
    if not actor.has_role(Role.OFFICE):
        raise NotPermitted(codes.ROLE_REQUIRED)
    wanted = sorted(set(pairs))
    bad = [p for p in wanted if p[0] not in ReminderKind.values or p[1] not in Channel.external()]
    if bad:
        raise ValidationFailed(
            codes.INVALID_INPUT, fields={"mandatory": codes.message_for(codes.INVALID_INPUT)}
        )
    MandatoryChannel.objects.all().delete()
    MandatoryChannel.objects.bulk_create(
        [MandatoryChannel(kind=kind, channel=channel, set_by=actor) for kind, channel in wanted]
    )
    return wanted
