"""What the reminders hear from the domains (ducha.common.events), registered in `RemindersConfig.ready()`: each
item notification becomes a notice to the people it concerns (`services.notice_send`)."""

from __future__ import annotations

import functools

from django.conf import settings
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import override

from ducha.common import events
from ducha.items import lifecycle as item_lifecycle
from ducha.items.models import Assignment, Confidentiality, Instruction
from ducha.items.services.instructions import INSTRUCTION_NOTICE as item_instruction_notice
from ducha.orgs.models import UNIT_ROLES, Role, User
from ducha.reminders.models import Message
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


def _instruction_notice(*, item_id: int, object_id: int) -> int:
    """A leader's 批示 (item.instruction): a message to the assigned units' people and the item's office, at once
    in the inbox. The subject names the item (its number, or its title unless it is secret) and quotes the
    instruction. Returns the messages written."""
    instruction = (
        Instruction.objects.filter(pk=object_id, item_id=item_id).select_related("item", "author").first()
    )
    if instruction is None:
        return 0
    item = instruction.item
    unit_ids = Assignment.objects.filter(item_id=item_id).values("unit_id")
    recipients = (
        User.objects.filter(is_active=True)
        .filter(
            Q(unit_id__in=unit_ids, role_grants__role__in=UNIT_ROLES)
            | Q(unit__government_id=item.government_id, role_grants__role=Role.OFFICE)
        )
        .exclude(pk=instruction.author_id)
        .values_list("pk", flat=True)
        .distinct()
    )
    reference = item.number or ("" if item.confidentiality == Confidentiality.SECRET else item.title)
    with override(settings.LANGUAGE_CODE):
        subject = str(
            _("Leader's instruction (%(leader)s) on %(item)s: %(text)s")
            % {"leader": instruction.author.display_name, "item": reference, "text": instruction.text}
        )
    now = timezone.now()
    messages = [Message(recipient_id=pk, subject=subject[:200], created_at=now) for pk in recipients]
    Message.objects.bulk_create(messages)
    return len(messages)


def connect() -> None:
    for name, listener in _LISTENERS.items():
        events.listen(f"item.{name}", listener)
    events.listen(f"item.{item_instruction_notice}", _instruction_notice)
