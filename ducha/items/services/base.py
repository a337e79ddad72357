"""What every item service shares: the item's lifecycle runner (lock, audit, notify), the deadline arithmetic and
the writing of assignments and milestones."""

from __future__ import annotations

import datetime
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.db.models import Prefetch, Q, prefetch_related_objects
from django.utils import timezone

from ducha.audit.models import EventType
from ducha.audit.services import event_record
from ducha.common import error_codes as codes
from ducha.common.errors import NotFound, ValidationFailed
from ducha.common.inputs import invalid
from ducha.common.lifecycle import Lifecycle
from ducha.items import lifecycle
from ducha.items.models import Assignment, AssignmentRole, DeadlineBasis, DeadlineRule, Item, Milestone
from ducha.orgs.models import Unit, User
from ducha.workcalendar import services as workdays

MAX_DEADLINE_WORKDAYS = 365


@dataclass(frozen=True)
class CoUnit:
    unit_id: int
    share: int | None = None
    share_note: str = ""


@dataclass(frozen=True)
class MilestoneInput:
    title: str
    due_date: datetime.date


def lock(item_id: int) -> Item:
    """The item row, locked for this transaction, with what the lifecycle checks read."""
    try:
        item = Item.objects.select_for_update().get(pk=item_id)
    except Item.DoesNotExist:
        raise NotFound() from None
    # Assignments are read by every permission check; load them once, after the lock.
    prefetch_related_objects(
        [item], Prefetch("assignments", queryset=Assignment.objects.select_related("unit"))
    )
    return item


def record(
    item: Item,
    event_type: EventType | str,
    actor: User | None,
    *,
    old: Any = None,
    new: Any = None,
    comment: str = "",
) -> None:
    event_record(
        event_type=EventType(event_type),
        subject_type="item",
        subject_id=item.pk,
        actor=actor,
        old=old,
        new=new,
        comment=comment,
    )


# The item's runner: every transition of ducha.items.lifecycle.TRANSITIONS goes through it.
LIFECYCLE: Lifecycle[Item] = Lifecycle(
    name="item", table=lifecycle.TRANSITIONS, lock=lock, record=record, refusal=lifecycle.refusal
)


def units_in_scope(government: Unit, unit_ids: Iterable[int], field: str) -> dict[int, Unit]:
    ids = list(unit_ids)
    units = {
        u.pk: u for u in Unit.objects.filter(pk__in=ids, is_active=True, path__startswith=government.path)
    }
    missing = [pk for pk in ids if pk not in units]
    if missing:
        raise invalid(codes.UNIT_NOT_FOUND, field)
    return units


# --- deadlines ------------------------------------------------------------------------------------------------


def deadline_default_workdays(*, source_type: str, urgency: str) -> int:
    """Working days allowed when none are given: the most specific DeadlineRule, else the setting (15)."""
    rules = DeadlineRule.objects.filter(
        Q(source_type=source_type) | Q(source_type=""), Q(urgency=urgency) | Q(urgency="")
    )
    best = max(rules, key=lambda rule: (bool(rule.source_type), bool(rule.urgency)), default=None)
    return best.workdays if best else int(settings.DUCHA_DEFAULT_DEADLINE_WORKDAYS)


def validate_deadline(deadline_workdays: int | None, due_date: datetime.date | None) -> None:
    if deadline_workdays is not None and due_date is not None:
        raise invalid(codes.DEADLINE_CONFLICT, "due_date")
    if deadline_workdays is not None and not 1 <= deadline_workdays <= MAX_DEADLINE_WORKDAYS:
        raise invalid(codes.DEADLINE_WORKDAYS_RANGE, "deadline_workdays")
    if due_date is not None and due_date <= timezone.localdate():
        raise invalid(codes.DEADLINE_IN_PAST, "due_date")


def set_due_date(item: Item, due_date: datetime.date, *, is_provisional: bool) -> None:
    warn = workdays.subtract_workdays(due_date, settings.DUCHA_YELLOW_WORKDAYS)
    item.due_date = due_date
    item.warn_date = warn
    # The yellow-light date may rest on provisional days as well as the due date itself.
    item.due_date_is_provisional = is_provisional or workdays.year_source(due_date.year) == "provisional"


def compute_due_date(item: Item, start: datetime.date) -> None:
    if item.deadline_basis == DeadlineBasis.DATE and item.due_date is not None:
        set_due_date(item, item.due_date, is_provisional=False)
        return
    if item.deadline_workdays is None:
        item.deadline_workdays = deadline_default_workdays(source_type=item.source_type, urgency=item.urgency)
    result = workdays.add_workdays_detailed(start, item.deadline_workdays)
    set_due_date(item, result.date, is_provisional=result.is_provisional)


DEADLINE_FIELDS = ["deadline_basis", "deadline_workdays", "due_date", "warn_date", "due_date_is_provisional"]


# --- assignments and milestones -------------------------------------------------------------------------------


def write_assignments(
    item: Item, *, government: Unit, lead_unit_id: int, co_units: Sequence[CoUnit]
) -> list[Assignment]:
    if lead_unit_id is None:
        raise invalid(codes.LEAD_UNIT_REQUIRED, "lead_unit")
    co_ids = [co.unit_id for co in co_units]
    if len(set(co_ids)) != len(co_ids):
        raise invalid(codes.UNIT_DUPLICATED, "co_units")
    if lead_unit_id in co_ids:
        raise invalid(codes.CO_UNIT_IS_LEAD, "co_units")
    for co in co_units:
        if co.share is not None and not 0 <= co.share <= 100:
            raise invalid(codes.SHARE_RANGE, "co_units")
    if lead_unit_id == government.pk:
        raise invalid(codes.LEAD_IS_GOVERNMENT, "lead_unit")
    units_in_scope(government, [lead_unit_id], "lead_unit")
    units_in_scope(government, co_ids, "co_units")
    Assignment.objects.filter(item=item).delete()
    rows = [Assignment(item=item, unit_id=lead_unit_id, role=AssignmentRole.LEAD)] + [
        Assignment(
            item=item, unit_id=co.unit_id, role=AssignmentRole.CO, share=co.share, share_note=co.share_note
        )
        for co in co_units
    ]
    return Assignment.objects.bulk_create(rows)


def write_milestones(item: Item, milestones: Sequence[MilestoneInput]) -> None:
    for milestone in milestones:
        if not milestone.title.strip() or (item.due_date is not None and milestone.due_date > item.due_date):
            raise ValidationFailed(
                codes.MILESTONE_INVALID, fields={"milestones": codes.message_for(codes.MILESTONE_INVALID)}
            )
    Milestone.objects.filter(item=item, unit__isnull=True).delete()  # the units' own plans stay
    Milestone.objects.bulk_create(
        [Milestone(item=item, title=m.title.strip(), due_date=m.due_date) for m in milestones]
    )


def snapshot(item: Item) -> dict[str, Any]:
    return {
        "title": item.title,
        "source_type": item.source_type,
        "urgency": item.urgency,
        "confidentiality": item.confidentiality,
        "deadline_workdays": item.deadline_workdays,
        "due_date": item.due_date.isoformat() if item.due_date else None,
    }
