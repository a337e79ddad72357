"""领导批示 and 责任领导: a leader writes an instruction on an item or on one of its reports; the office names the
leader in charge of an item (002 art. 14).

Notification: `item.instruction` is published on commit with `item_id` and `object_id` (the instruction); the
reminders app turns it into messages for the assigned units and the office.
"""

from __future__ import annotations

from django.db import transaction
from django.db.models import QuerySet
from django.utils import timezone

from ducha.audit.models import EventType
from ducha.common import error_codes as codes
from ducha.common import events
from ducha.common.errors import InvalidState, NotPermitted
from ducha.common.inputs import invalid
from ducha.items import lifecycle
from ducha.items.lifecycle import ItemStatus
from ducha.items.models import Instruction, Item, Report
from ducha.items.services.base import lock, record
from ducha.orgs.models import Role, Unit, User

INSTRUCTION_MAX = 2000
# Published on commit as `item.instruction` (payload: item_id, object_id = the instruction).
INSTRUCTION_NOTICE = "instruction"
# A 批示 is written on a live matter: not on the office's private draft, not on a withdrawn item.
_NO_INSTRUCTION = frozenset({ItemStatus.DRAFT, ItemStatus.CANCELLED})
# The leader in charge is named until the item is archived or withdrawn.
_NO_LEADER_CHANGE = frozenset({ItemStatus.ARCHIVED, ItemStatus.CANCELLED})


def instruction_refusal(item: Item, user: User) -> NotPermitted | InvalidState | None:
    """Why `user` may not write an instruction on `item` now, or None: a leader of the item's government or of
    a government above it; any status but draft and withdrawn."""
    if not user.has_role(Role.LEADER):
        return NotPermitted(codes.ROLE_REQUIRED)
    own = user.unit.government if user.unit is not None else None
    if own is None or not item.government.path.startswith(own.path):
        return NotPermitted(codes.NOT_YOUR_UNIT)
    if item.status in _NO_INSTRUCTION:
        return InvalidState(codes.ACTION_NOT_ALLOWED)
    return None


@transaction.atomic
def item_instruction_write(
    *, item_id: int, actor: User, text: str, report_id: int | None = None
) -> Instruction:
    """A leader writes a 批示 on an item, or on one of its reports (`report_id`, which must belong to the item).
    Allowed in every status but draft and withdrawn; the text is 1–2,000 characters. Not a transition: the
    status stays. Audit: item_instruction. Notification on commit: item.instruction (the units assigned and the
    office are told)."""
    item = lock(item_id)
    if error := instruction_refusal(item, actor):
        raise error
    text = (text or "").strip()
    if not text or len(text) > INSTRUCTION_MAX:
        raise invalid(codes.INSTRUCTION_EMPTY, "text")
    report = None
    if report_id is not None:
        report = Report.objects.filter(pk=report_id, item=item).first()
        if report is None:
            raise invalid(codes.NOT_FOUND, "report")
    instruction = Instruction.objects.create(item=item, report=report, author=actor, text=text)
    record(
        item,
        EventType.ITEM_INSTRUCTION,
        actor,
        new={"instruction": instruction.pk, "report": report_id},
        comment=text,
    )
    events.publish_on_commit(f"item.{INSTRUCTION_NOTICE}", item_id=item.pk, object_id=instruction.pk)
    return instruction


def leader_of(government: Unit, leader_id: int, field: str = "leader") -> User:
    """The active user `leader_id` when they are a leader of `government`; else LEADER_INVALID on `field`."""
    leader = User.objects.filter(pk=leader_id, is_active=True).select_related("unit").first()
    if (
        leader is None
        or not leader.has_role(Role.LEADER)
        or leader.unit is None
        or leader.unit.government_id != government.pk
    ):
        raise invalid(codes.LEADER_INVALID, field)
    return leader


@transaction.atomic
def item_leader_set(*, item_id: int, actor: User, leader_id: int | None) -> Item:
    """The office of the item's government names (or changes, or with None clears) the leader in charge, a
    leader of that government. Any status until archived or withdrawn. Audit: item_leader_set (old, new)."""
    item = lock(item_id)
    if code := lifecycle.office(item, actor):
        raise NotPermitted(code)
    if item.status in _NO_LEADER_CHANGE:
        raise InvalidState(codes.ITEM_FINISHED)
    leader = leader_of(item.government, leader_id) if leader_id is not None else None
    old = item.leader_in_charge_id
    item.leader_in_charge = leader
    item.updated_at = timezone.now()
    item.save(update_fields=["leader_in_charge", "updated_at"])
    record(
        item,
        EventType.ITEM_LEADER_SET,
        actor,
        old={"leader_in_charge": old},
        new={"leader_in_charge": leader_id},
    )
    return item


# --- reads (the item is already in the reader's scope) -------------------------------------------------------------


def item_instructions(item: Item) -> QuerySet[Instruction]:
    """The item's instructions, newest first, with their author and report (and the report's unit)."""
    return (
        Instruction.objects.filter(item=item)
        .select_related("author", "report__assignment__unit")
        .order_by("-created_at", "-id")
    )
