"""立项: the office creates and edits a draft and submits it; the leader approves (the item gets its number),
or rejects it and the office revises it."""

from __future__ import annotations

import datetime
from collections.abc import Sequence
from typing import Any

from django.conf import settings
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from ducha.audit.models import EventType
from ducha.common import error_codes as codes
from ducha.common.errors import NotPermitted, ValidationFailed
from ducha.common.inputs import choice, invalid, require_text
from ducha.common.lifecycle import Change
from ducha.items.models import (
    ApprovalBasis,
    AssignmentRole,
    Confidentiality,
    DeadlineBasis,
    Item,
    NumberSequence,
    ProgressCycle,
    SourceRecord,
    SourceType,
    Urgency,
)
from ducha.items.services.attachments import item_attachment_add
from ducha.items.services.base import (
    LIFECYCLE,
    CoUnit,
    MilestoneInput,
    record,
    snapshot,
    validate_deadline,
    write_assignments,
    write_milestones,
)
from ducha.items.services.instructions import leader_of
from ducha.orgs.models import Role, Unit, User
from ducha.orgs.selectors import government_of

EDITABLE = frozenset(
    {
        "title",
        "content",
        "requirements",
        "source_type",
        "source_reference",
        "source_date",
        "approval_basis",
        "urgency",
        "confidentiality",
        "deadline_workdays",
        "due_date",
        "progress_cycle",
        "site_check_required",
        "is_complex",
        "progress_check_by_head",
        "leader_in_charge_id",
        "source_record_id",
    }
)
# Fields that may be set to None (cleared) on an update.
NULLABLE = frozenset(
    {"source_date", "deadline_workdays", "due_date", "leader_in_charge_id", "source_record_id"}
)
# The longest texts accepted, in characters (the forms and the API say them beside the fields).
TEXT_LIMITS: dict[str, int] = {"title": 200, "content": 5000, "requirements": 5000, "source_reference": 500}
_CHOICES = (
    ("source_type", SourceType),
    ("approval_basis", ApprovalBasis),
    ("urgency", Urgency),
    ("confidentiality", Confidentiality),
    ("progress_cycle", ProgressCycle),
)


def limit_text(limit: int) -> str:
    """What a form or the API says beside a text field: "at most 5000 characters"."""
    return str(_("At most %(limit)s characters.") % {"limit": limit})


def check_lengths(values: dict[str, Any]) -> None:
    """TEXT_TOO_LONG naming every text over its limit (all at once, so the form shows each)."""
    too_long = {
        name: limit_text(limit)
        for name, limit in TEXT_LIMITS.items()
        if isinstance(values.get(name), str) and len(values[name]) > limit
    }
    if too_long:
        raise ValidationFailed(codes.TEXT_TOO_LONG, fields=too_long)


def source_record_of(government: Unit, source_record_id: int) -> SourceRecord:
    """The source record when it belongs to `government`; else SOURCE_RECORD_INVALID."""
    source_record = SourceRecord.objects.filter(pk=source_record_id, government=government).first()
    if source_record is None:
        raise invalid(codes.SOURCE_RECORD_INVALID, "source_record")
    return source_record


def _links(item: Item) -> dict[str, Any]:
    """What the audit event records beside the snapshot: the leader in charge, the source record, the steps."""
    return {
        "leader_in_charge": item.leader_in_charge_id,
        "source_record": item.source_record_id,
        "site_check_required": item.site_check_required,
        "is_complex": item.is_complex,
        "progress_check_by_head": item.progress_check_by_head,
    }


@transaction.atomic
def item_create(
    *,
    actor: User,
    title: str,
    source_type: str,
    lead_unit_id: int,
    content: str = "",
    requirements: str = "",
    source_reference: str = "",
    source_date: datetime.date | None = None,
    approval_basis: str = ApprovalBasis.OFFICE_PROPOSAL,
    urgency: str = Urgency.NORMAL,
    confidentiality: str = Confidentiality.INTERNAL,
    co_units: Sequence[CoUnit] = (),
    deadline_workdays: int | None = None,
    due_date: datetime.date | None = None,
    progress_cycle: str = ProgressCycle.NONE,
    milestones: Sequence[MilestoneInput] = (),
    leader_in_charge_id: int | None = None,
    source_record_id: int | None = None,
    site_check_required: bool = False,
    is_complex: bool = False,
    progress_check_by_head: bool = False,
    upload: UploadedFile | None = None,
) -> Item:
    """Create a `draft` item owned by the actor's government. Office staff only. Texts within TEXT_LIMITS
    (TEXT_TOO_LONG); the leader in charge a leader of the government (LEADER_INVALID); the source record one of
    the government's (SOURCE_RECORD_INVALID). `upload`, the 批示件 or source document, is attached in the same
    transaction: if it is refused, nothing is created. Audit: item_created (and item_attachment_added)."""
    if not actor.has_role(Role.OFFICE):
        raise NotPermitted(codes.ROLE_REQUIRED)
    government = government_of(actor)
    title = require_text(title, codes.TITLE_REQUIRED, "title")
    check_lengths(
        {
            "title": title,
            "content": content,
            "requirements": requirements,
            "source_reference": source_reference,
        }
    )
    validate_deadline(deadline_workdays, due_date)
    leader = leader_of(government, leader_in_charge_id, "leader_in_charge") if leader_in_charge_id else None
    source_record = source_record_of(government, source_record_id) if source_record_id else None
    item = Item.objects.create(
        government=government,
        title=title,
        content=content,
        requirements=requirements,
        source_type=choice(source_type, SourceType, "source_type"),
        source_reference=source_reference,
        source_date=source_date,
        approval_basis=choice(approval_basis, ApprovalBasis, "approval_basis"),
        urgency=choice(urgency, Urgency, "urgency"),
        confidentiality=choice(confidentiality, Confidentiality, "confidentiality"),
        deadline_basis=DeadlineBasis.DATE if due_date else DeadlineBasis.WORKDAYS,
        deadline_workdays=deadline_workdays,
        due_date=due_date,
        progress_cycle=choice(progress_cycle, ProgressCycle, "progress_cycle"),
        leader_in_charge=leader,
        source_record=source_record,
        site_check_required=bool(site_check_required),
        is_complex=bool(is_complex),
        progress_check_by_head=bool(progress_check_by_head),
        created_by=actor,
    )
    write_assignments(item, government=government, lead_unit_id=lead_unit_id, co_units=co_units)
    write_milestones(item, milestones)
    record(item, EventType.ITEM_CREATED, actor, new={**snapshot(item), **_links(item)})
    if upload is not None:
        item_attachment_add(item_id=item.pk, actor=actor, upload=upload)
    return item


def item_update(
    *,
    item_id: int,
    actor: User,
    lead_unit_id: int | None = None,
    co_units: Sequence[CoUnit] | None = None,
    milestones: Sequence[MilestoneInput] | None = None,
    upload: UploadedFile | None = None,
    **fields: Any,
) -> Item:
    """Edit a `draft` item (office). Only the given fields change (EDITABLE; `leader_in_charge_id` and
    `source_record_id` may be None to clear them), with the checks of item_create. `upload` is attached in the
    same transaction. Audit: item_updated with old and new values."""

    def apply(item: Item) -> Change:
        unknown = set(fields) - EDITABLE
        if unknown:
            raise ValidationFailed(
                codes.INVALID_INPUT, fields={name: codes.message_for(codes.INVALID_INPUT) for name in unknown}
            )
        not_nullable = EDITABLE - NULLABLE
        nulls = [name for name in not_nullable if name in fields and fields[name] is None]
        if nulls:
            raise ValidationFailed(
                codes.INVALID_INPUT, fields={name: codes.message_for(codes.INVALID_INPUT) for name in nulls}
            )
        old = {**snapshot(item), **_links(item)}
        values = dict(fields)
        if "title" in values:
            values["title"] = require_text(values["title"], codes.TITLE_REQUIRED, "title")
        check_lengths(values)
        if values.get("leader_in_charge_id") is not None:
            leader_of(item.government, values["leader_in_charge_id"], "leader_in_charge")
        if values.get("source_record_id") is not None:
            source_record_of(item.government, values["source_record_id"])
        for name in ("site_check_required", "is_complex", "progress_check_by_head"):
            if name in values:
                values[name] = bool(values[name])
        for name, choices in _CHOICES:
            if name in values:
                choice(values[name], choices, name)
        if "deadline_workdays" in values or "due_date" in values:
            new_workdays = values.get("deadline_workdays")
            new_due = values.get("due_date")
            validate_deadline(new_workdays, new_due)
            values["deadline_workdays"] = new_workdays
            values["due_date"] = new_due
            values["deadline_basis"] = DeadlineBasis.DATE if new_due else DeadlineBasis.WORKDAYS
        for name, value in values.items():
            setattr(item, name, value)
        if lead_unit_id is not None or co_units is not None:
            current = list(item.assignments.all())
            lead = next(a.unit_id for a in current if a.role == AssignmentRole.LEAD)
            cos = [CoUnit(a.unit_id, a.share, a.share_note) for a in current if a.role == AssignmentRole.CO]
            write_assignments(
                item,
                government=item.government,
                lead_unit_id=lead_unit_id if lead_unit_id is not None else lead,
                co_units=co_units if co_units is not None else cos,
            )
        if milestones is not None:
            write_milestones(item, milestones)
        # The runner saves the fields; updated_at always, even when only the units or milestones changed.
        return Change(fields=[*values, "updated_at"], old=old, new={**snapshot(item), **_links(item)})

    with transaction.atomic():
        item = LIFECYCLE.run("update", subject_id=item_id, actor=actor, apply=apply)
        if upload is not None:
            item_attachment_add(item_id=item.pk, actor=actor, upload=upload)
    return item


def item_submit(*, item_id: int, actor: User) -> Item:
    """draft → pending_approval (office). Audit: item_submitted."""
    return LIFECYCLE.run("submit", subject_id=item_id, actor=actor)


def _next_number(government: Unit, year: int) -> tuple[int, str]:
    """The next number in the government's yearly sequence. The UPDATE takes the row lock, so concurrent
    approvals queue behind each other and get consecutive numbers; a rollback gives the number back (gapless)."""
    sequence, _created = NumberSequence.objects.get_or_create(government=government, year=year)
    NumberSequence.objects.filter(pk=sequence.pk).update(last=F("last") + 1)
    seq = NumberSequence.objects.values_list("last", flat=True).get(pk=sequence.pk)
    return seq, str(settings.DUCHA_ITEM_NUMBER_PATTERN).format(year=year, seq=seq)


def item_approve(*, item_id: int, actor: User, comment: str = "") -> Item:
    """pending_approval → registered (leader); the item gets its number. Audit: item_approved."""

    def apply(item: Item) -> Change:
        year = timezone.localdate().year
        item.number_seq, item.number = _next_number(item.government, year)
        item.number_year = year
        item.approver = actor
        item.approved_at = timezone.now()
        return Change(
            fields=["number", "number_seq", "number_year", "approver", "approved_at"],
            new={"number": item.number},
            comment=comment,
        )

    return LIFECYCLE.run("approve", subject_id=item_id, actor=actor, apply=apply)


def item_reject(*, item_id: int, actor: User, reason: str) -> Item:
    """pending_approval → rejected (leader), with a reason. Audit: item_rejected."""

    def apply(item: Item) -> Change:
        item.rejection_reason = require_text(reason, codes.REASON_REQUIRED, "reason")
        return Change(fields=["rejection_reason"], comment=item.rejection_reason)

    return LIFECYCLE.run("reject", subject_id=item_id, actor=actor, apply=apply)


def item_revise(*, item_id: int, actor: User) -> Item:
    """rejected → draft (office), to rework and submit again. Audit: item_revised."""
    return LIFECYCLE.run("revise", subject_id=item_id, actor=actor)
