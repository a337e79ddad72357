"""交办, 签收 and 转办: the office assigns the item to its units with a due date; each unit signs for it; an assigned
unit passes its part on to a unit below it as a child item."""

from __future__ import annotations

import datetime

from django.utils import timezone

from ducha.audit.models import EventType
from ducha.common import error_codes as codes
from ducha.common.inputs import invalid
from ducha.common.lifecycle import Change
from ducha.items import lifecycle
from ducha.items.lifecycle import ItemStatus
from ducha.items.models import Assignment, AssignmentRole, AssignmentStatus, DeadlineBasis, Item
from ducha.items.services.base import (
    DEADLINE_FIELDS,
    LIFECYCLE,
    compute_due_date,
    record,
    validate_deadline,
)
from ducha.orgs.models import Unit, UnitKind, User
from ducha.orgs.selectors import delegation_targets


def item_assign(
    *,
    item_id: int,
    actor: User,
    deadline_workdays: int | None = None,
    due_date: datetime.date | None = None,
) -> Item:
    """registered → assigned (office). The due date is computed now: the given date, or N working days from
    today (the item's own N, else the DeadlineRule for its source and urgency, else 15). The units are told.
    Audit: item_assigned."""

    def apply(item: Item) -> Change:
        if deadline_workdays is not None or due_date is not None:
            validate_deadline(deadline_workdays, due_date)
            item.deadline_workdays = deadline_workdays
            item.due_date = due_date
            item.deadline_basis = DeadlineBasis.DATE if due_date else DeadlineBasis.WORKDAYS
        elif item.deadline_basis == DeadlineBasis.DATE and item.due_date is not None:
            validate_deadline(None, item.due_date)
        now = timezone.now()
        compute_due_date(item, timezone.localdate(now))
        item.assigned_at = now
        Assignment.objects.filter(item=item).update(notified_at=now, status=AssignmentStatus.ASSIGNED)
        return Change(
            fields=["assigned_at", *DEADLINE_FIELDS],
            new={
                "due_date": item.due_date.isoformat() if item.due_date else None,
                "deadline_workdays": item.deadline_workdays,
                "due_date_is_provisional": item.due_date_is_provisional,
                "units": [a.unit_id for a in item.assignments.all()],
            },
        )

    return LIFECYCLE.run("assign", subject_id=item_id, actor=actor, apply=apply)


def item_sign(*, item_id: int, actor: User) -> Assignment:
    """Sign for the item on behalf of the actor's unit (签收). When the lead unit signs, assigned → in_progress.
    The signing time is kept: late signing counts in later scoring. Audit: item_signed."""

    def apply(item: Item) -> Change:
        assignment = lifecycle.assignment_for(item, actor)
        assert assignment is not None
        assignment.status = AssignmentStatus.SIGNED
        assignment.signed_at = timezone.now()
        assignment.signed_by = actor
        assignment.save(update_fields=["status", "signed_at", "signed_by", "updated_at"])
        return Change(
            outcome="lead" if assignment.is_lead else "co",
            new={"unit": assignment.unit_id, "role": assignment.role},
            result=assignment,
        )

    return LIFECYCLE.run("sign", subject_id=item_id, actor=actor, apply=apply)


def item_delegate(
    *,
    item_id: int,
    actor: User,
    unit_id: int,
    title: str = "",
    content: str = "",
    deadline_workdays: int | None = None,
    due_date: datetime.date | None = None,
) -> Item:
    """An assigned unit passes its part to a unit below it (a lower level, or inside its own subtree) as a child
    item, already assigned, with a due date not later than the parent's. The child is reviewed and closed by the
    delegating unit; the parent cannot be reported complete while it is open; the child's unit is told.
    The delegating unit is the one the actor acts for (lifecycle.acting_unit): when the office passes on what an
    upper level assigned to its government, the child is that government's own item (its ledger, its office and
    leader review and close it). Audit: item_delegated on both."""

    def apply(parent: Item) -> Change:
        own = lifecycle.acting_unit(parent, actor)
        assert own is not None and parent.due_date is not None
        validate_deadline(deadline_workdays, due_date)
        if not Unit.objects.filter(pk=unit_id, is_active=True).exists():
            raise invalid(codes.UNIT_NOT_FOUND, "unit")
        target = delegation_targets(own, parent.government).filter(pk=unit_id).first()
        if target is None:
            raise invalid(codes.DELEGATE_TARGET_INVALID, "unit")
        child = _child_item(parent, own, actor, title=title, content=content)
        child.deadline_basis = DeadlineBasis.DATE if due_date else DeadlineBasis.WORKDAYS
        child.deadline_workdays = deadline_workdays
        child.due_date = due_date
        now = timezone.now()
        if due_date is None and deadline_workdays is None:
            child.deadline_basis = DeadlineBasis.DATE
            child.due_date = parent.due_date
        compute_due_date(child, timezone.localdate(now))
        assert child.due_date is not None
        if child.due_date > parent.due_date:
            raise invalid(codes.DELEGATE_DEADLINE_LATE, "due_date")
        child.assigned_at = now
        child.save()
        Assignment.objects.create(item=child, unit=target, role=AssignmentRole.LEAD, notified_at=now)
        due = child.due_date.isoformat()
        record(
            child,
            EventType.ITEM_DELEGATED,
            actor,
            new={"parent": parent.pk, "unit": target.pk, "due_date": due},
        )
        # The notice is about the child: its unit has something to sign for.
        return Change(
            new={"child": child.pk, "unit": target.pk, "due_date": due},
            notice={"item_id": child.pk},
            result=child,
        )

    return LIFECYCLE.run("delegate", subject_id=item_id, actor=actor, apply=apply)


def _child_item(parent: Item, own: Unit, actor: User, *, title: str, content: str) -> Item:
    """The child item a delegation creates: the parent's matter, already assigned, numbered after it."""
    child_count = parent.children.count()
    # A lower government assigned by the upper one passes the matter on as its own item.
    government = (
        own if own.kind == UnitKind.GOVERNMENT and own.pk != parent.government_id else parent.government
    )
    return Item(
        government=government,
        number=f"{parent.number}-{child_count + 1}" if parent.number else "",
        number_year=parent.number_year,
        title=(title.strip() or parent.title)[:200],
        content=content or parent.content,
        requirements=parent.requirements,
        source_type=parent.source_type,
        source_reference=parent.source_reference,
        source_date=parent.source_date,
        approval_basis=parent.approval_basis,
        approver=parent.approver,
        approved_at=parent.approved_at,
        urgency=parent.urgency,
        confidentiality=parent.confidentiality,
        status=ItemStatus.ASSIGNED,
        parent=parent,
        delegating_unit=own,
        created_by=actor,
    )
