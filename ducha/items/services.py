"""Writes on supervision items. Every transition has the same shape:

    transaction.atomic → lock the item row → lifecycle.ensure_allowed (who, status, guard) → validate input →
    save with update_fields → audit event in the same transaction.

Services are keyword-only and raise ducha.common.errors (400/403/404/409) with stable codes; on any error the
transaction rolls back, so nothing is half done. Notifications hook in later through transaction.on_commit.
"""

from __future__ import annotations

import datetime
import hashlib
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.db.models import F, Prefetch, Q, prefetch_related_objects
from django.utils import timezone
from django.utils.translation import gettext as _

from ducha.audit.models import EventType
from ducha.audit.services import event_record, events_record
from ducha.common import error_codes as codes
from ducha.common.errors import NotFound, NotPermitted, ValidationFailed
from ducha.items import lifecycle
from ducha.items.lifecycle import ItemStatus
from ducha.items.models import (
    ApprovalBasis,
    Assignment,
    AssignmentRole,
    AssignmentStatus,
    Attachment,
    Confidentiality,
    DeadlineBasis,
    DeadlineRule,
    Dispute,
    DisputeStatus,
    ExtensionRequest,
    ExtensionStatus,
    Item,
    Milestone,
    NumberSequence,
    ProgressCycle,
    Report,
    ReportKind,
    ReportStatus,
    Review,
    SourceType,
    Urgency,
)
from ducha.orgs.models import Role, Unit, User
from ducha.orgs.selectors import delegation_targets
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


# --- helpers --------------------------------------------------------------------------------------------------


def _lock(item_id: int) -> Item:
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


def _record(
    item: Item,
    event_type: EventType,
    actor: User | None,
    *,
    old: Any = None,
    new: Any = None,
    comment: str = "",
) -> None:
    event_record(
        event_type=event_type,
        subject_type="item",
        subject_id=item.pk,
        actor=actor,
        old=old,
        new=new,
        comment=comment,
    )


def _require_text(value: str, code: str, field: str) -> str:
    text = (value or "").strip()
    if not text:
        raise ValidationFailed(code, fields={field: codes.message_for(code)})
    return text


def _choice(value: str, choices: Any, field: str) -> str:
    if value not in choices.values:
        raise ValidationFailed(codes.INVALID_INPUT, fields={field: codes.message_for(codes.INVALID_INPUT)})
    return str(value)


def _government_of(actor: User) -> Unit:
    if actor.unit is None or actor.unit.government_id is None:
        raise NotPermitted(codes.NO_GOVERNMENT)
    government = actor.unit.government
    assert government is not None
    return government


def _units_in_scope(government: Unit, unit_ids: Iterable[int], field: str) -> dict[int, Unit]:
    ids = list(unit_ids)
    units = {
        u.pk: u for u in Unit.objects.filter(pk__in=ids, is_active=True, path__startswith=government.path)
    }
    missing = [pk for pk in ids if pk not in units]
    if missing:
        raise ValidationFailed(codes.UNIT_NOT_FOUND, fields={field: codes.message_for(codes.UNIT_NOT_FOUND)})
    return units


def deadline_default_workdays(*, source_type: str, urgency: str) -> int:
    """Working days allowed when none are given: the most specific DeadlineRule, else the setting (15)."""
    rules = DeadlineRule.objects.filter(
        Q(source_type=source_type) | Q(source_type=""), Q(urgency=urgency) | Q(urgency="")
    )
    best = max(rules, key=lambda rule: (bool(rule.source_type), bool(rule.urgency)), default=None)
    return best.workdays if best else settings.DUCHA_DEFAULT_DEADLINE_WORKDAYS


def _validate_deadline(deadline_workdays: int | None, due_date: datetime.date | None) -> None:
    if deadline_workdays is not None and due_date is not None:
        raise ValidationFailed(
            codes.DEADLINE_CONFLICT, fields={"due_date": codes.message_for(codes.DEADLINE_CONFLICT)}
        )
    if deadline_workdays is not None and not 1 <= deadline_workdays <= MAX_DEADLINE_WORKDAYS:
        raise ValidationFailed(
            codes.DEADLINE_WORKDAYS_RANGE,
            fields={"deadline_workdays": codes.message_for(codes.DEADLINE_WORKDAYS_RANGE)},
        )
    if due_date is not None and due_date <= timezone.localdate():
        raise ValidationFailed(
            codes.DEADLINE_IN_PAST, fields={"due_date": codes.message_for(codes.DEADLINE_IN_PAST)}
        )


def _set_due_date(item: Item, due_date: datetime.date, *, is_provisional: bool) -> None:
    warn = workdays.subtract_workdays(due_date, settings.DUCHA_YELLOW_WORKDAYS)
    item.due_date = due_date
    item.warn_date = warn
    # The yellow-light date may rest on provisional days as well as the due date itself.
    item.due_date_is_provisional = is_provisional or workdays.year_source(due_date.year) == "provisional"


def _compute_due_date(item: Item, start: datetime.date) -> None:
    if item.deadline_basis == DeadlineBasis.DATE and item.due_date is not None:
        _set_due_date(item, item.due_date, is_provisional=False)
        return
    if item.deadline_workdays is None:
        item.deadline_workdays = deadline_default_workdays(source_type=item.source_type, urgency=item.urgency)
    result = workdays.add_workdays_detailed(start, item.deadline_workdays)
    _set_due_date(item, result.date, is_provisional=result.is_provisional)


def _write_assignments(
    item: Item, *, government: Unit, lead_unit_id: int, co_units: Sequence[CoUnit]
) -> list[Assignment]:
    if lead_unit_id is None:
        raise ValidationFailed(
            codes.LEAD_UNIT_REQUIRED, fields={"lead_unit": codes.message_for(codes.LEAD_UNIT_REQUIRED)}
        )
    co_ids = [co.unit_id for co in co_units]
    if len(set(co_ids)) != len(co_ids):
        raise ValidationFailed(
            codes.UNIT_DUPLICATED, fields={"co_units": codes.message_for(codes.UNIT_DUPLICATED)}
        )
    if lead_unit_id in co_ids:
        raise ValidationFailed(
            codes.CO_UNIT_IS_LEAD, fields={"co_units": codes.message_for(codes.CO_UNIT_IS_LEAD)}
        )
    for co in co_units:
        if co.share is not None and not 0 <= co.share <= 100:
            raise ValidationFailed(
                codes.SHARE_RANGE, fields={"co_units": codes.message_for(codes.SHARE_RANGE)}
            )
    if lead_unit_id == government.pk:
        raise ValidationFailed(
            codes.LEAD_IS_GOVERNMENT, fields={"lead_unit": codes.message_for(codes.LEAD_IS_GOVERNMENT)}
        )
    _units_in_scope(government, [lead_unit_id], "lead_unit")
    _units_in_scope(government, co_ids, "co_units")
    Assignment.objects.filter(item=item).delete()
    rows = [Assignment(item=item, unit_id=lead_unit_id, role=AssignmentRole.LEAD)] + [
        Assignment(
            item=item, unit_id=co.unit_id, role=AssignmentRole.CO, share=co.share, share_note=co.share_note
        )
        for co in co_units
    ]
    return Assignment.objects.bulk_create(rows)


def _write_milestones(item: Item, milestones: Sequence[MilestoneInput]) -> None:
    for milestone in milestones:
        if not milestone.title.strip() or (item.due_date is not None and milestone.due_date > item.due_date):
            raise ValidationFailed(
                codes.MILESTONE_INVALID, fields={"milestones": codes.message_for(codes.MILESTONE_INVALID)}
            )
    Milestone.objects.filter(item=item).delete()
    Milestone.objects.bulk_create(
        [Milestone(item=item, title=m.title.strip(), due_date=m.due_date) for m in milestones]
    )


def _snapshot(item: Item) -> dict[str, Any]:
    return {
        "title": item.title,
        "source_type": item.source_type,
        "urgency": item.urgency,
        "confidentiality": item.confidentiality,
        "deadline_workdays": item.deadline_workdays,
        "due_date": item.due_date.isoformat() if item.due_date else None,
    }


# --- create and edit ------------------------------------------------------------------------------------------


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
) -> Item:
    """Create a `draft` item owned by the actor's government. Office staff only. Audit: item_created."""
    if not actor.has_role(Role.OFFICE):
        raise NotPermitted(codes.ROLE_REQUIRED)
    government = _government_of(actor)
    title = _require_text(title, codes.TITLE_REQUIRED, "title")
    _validate_deadline(deadline_workdays, due_date)
    item = Item.objects.create(
        government=government,
        title=title[:200],
        content=content,
        requirements=requirements,
        source_type=_choice(source_type, SourceType, "source_type"),
        source_reference=source_reference,
        source_date=source_date,
        approval_basis=_choice(approval_basis, ApprovalBasis, "approval_basis"),
        urgency=_choice(urgency, Urgency, "urgency"),
        confidentiality=_choice(confidentiality, Confidentiality, "confidentiality"),
        deadline_basis=DeadlineBasis.DATE if due_date else DeadlineBasis.WORKDAYS,
        deadline_workdays=deadline_workdays,
        due_date=due_date,
        progress_cycle=_choice(progress_cycle, ProgressCycle, "progress_cycle"),
        created_by=actor,
    )
    _write_assignments(item, government=government, lead_unit_id=lead_unit_id, co_units=co_units)
    _write_milestones(item, milestones)
    _record(item, EventType.ITEM_CREATED, actor, new=_snapshot(item))
    return item


@transaction.atomic
def item_update(
    *,
    item_id: int,
    actor: User,
    lead_unit_id: int | None = None,
    co_units: Sequence[CoUnit] | None = None,
    milestones: Sequence[MilestoneInput] | None = None,
    **fields: Any,
) -> Item:
    """Edit a `draft` item (office). Only the given fields change. Audit: item_updated with old and new values."""
    item = _lock(item_id)
    lifecycle.ensure_allowed("update", item, actor)
    editable = {
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
    }
    unknown = set(fields) - editable
    if unknown:
        raise ValidationFailed(
            codes.INVALID_INPUT, fields={name: codes.message_for(codes.INVALID_INPUT) for name in unknown}
        )
    not_nullable = editable - {"source_date", "deadline_workdays", "due_date"}
    nulls = [name for name in not_nullable if name in fields and fields[name] is None]
    if nulls:
        raise ValidationFailed(
            codes.INVALID_INPUT, fields={name: codes.message_for(codes.INVALID_INPUT) for name in nulls}
        )
    old = _snapshot(item)
    if "title" in fields:
        fields["title"] = _require_text(fields["title"], codes.TITLE_REQUIRED, "title")[:200]
    for name, choices in (
        ("source_type", SourceType),
        ("approval_basis", ApprovalBasis),
        ("urgency", Urgency),
        ("confidentiality", Confidentiality),
        ("progress_cycle", ProgressCycle),
    ):
        if name in fields:
            _choice(fields[name], choices, name)
    if "deadline_workdays" in fields or "due_date" in fields:
        new_workdays = fields.get("deadline_workdays")
        new_due = fields.get("due_date")
        _validate_deadline(new_workdays, new_due)
        fields["deadline_workdays"] = new_workdays
        fields["due_date"] = new_due
        fields["deadline_basis"] = DeadlineBasis.DATE if new_due else DeadlineBasis.WORKDAYS
    for name, value in fields.items():
        setattr(item, name, value)
    item.save(update_fields=[*fields, "updated_at"])
    if lead_unit_id is not None or co_units is not None:
        current = list(item.assignments.all())
        lead = next(a.unit_id for a in current if a.role == AssignmentRole.LEAD)
        cos = [CoUnit(a.unit_id, a.share, a.share_note) for a in current if a.role == AssignmentRole.CO]
        _write_assignments(
            item,
            government=item.government,
            lead_unit_id=lead_unit_id if lead_unit_id is not None else lead,
            co_units=co_units if co_units is not None else cos,
        )
    if milestones is not None:
        _write_milestones(item, milestones)
    _record(item, EventType.ITEM_UPDATED, actor, old=old, new=_snapshot(item))
    return item


# --- approval (立项) ------------------------------------------------------------------------------------------


@transaction.atomic
def item_submit(*, item_id: int, actor: User) -> Item:
    """draft → pending_approval (office). Audit: item_submitted."""
    item = _lock(item_id)
    lifecycle.ensure_allowed("submit", item, actor)
    item.status = ItemStatus.PENDING_APPROVAL
    item.save(update_fields=["status", "updated_at"])
    _record(
        item, EventType.ITEM_SUBMITTED, actor, old={"status": ItemStatus.DRAFT}, new={"status": item.status}
    )
    return item


def _next_number(government: Unit, year: int) -> tuple[int, str]:
    """The next number in the government's yearly sequence. The UPDATE takes the row lock, so concurrent
    approvals queue behind each other and get consecutive numbers; a rollback gives the number back (gapless)."""
    sequence, _created = NumberSequence.objects.get_or_create(government=government, year=year)
    NumberSequence.objects.filter(pk=sequence.pk).update(last=F("last") + 1)
    seq = NumberSequence.objects.values_list("last", flat=True).get(pk=sequence.pk)
    return seq, settings.DUCHA_ITEM_NUMBER_PATTERN.format(year=year, seq=seq)


@transaction.atomic
def item_approve(*, item_id: int, actor: User, comment: str = "") -> Item:
    """pending_approval → registered (leader); the item gets its number. Audit: item_approved."""
    item = _lock(item_id)
    lifecycle.ensure_allowed("approve", item, actor)
    year = timezone.localdate().year
    item.number_seq, item.number = _next_number(item.government, year)
    item.number_year = year
    item.status = ItemStatus.REGISTERED
    item.approver = actor
    item.approved_at = timezone.now()
    item.save(
        update_fields=[
            "number",
            "number_seq",
            "number_year",
            "status",
            "approver",
            "approved_at",
            "updated_at",
        ]
    )
    _record(
        item,
        EventType.ITEM_APPROVED,
        actor,
        old={"status": ItemStatus.PENDING_APPROVAL},
        new={"status": item.status, "number": item.number},
        comment=comment,
    )
    return item


@transaction.atomic
def item_reject(*, item_id: int, actor: User, reason: str) -> Item:
    """pending_approval → rejected (leader), with a reason. Audit: item_rejected."""
    item = _lock(item_id)
    lifecycle.ensure_allowed("reject", item, actor)
    reason = _require_text(reason, codes.REASON_REQUIRED, "reason")
    item.status = ItemStatus.REJECTED
    item.rejection_reason = reason
    item.save(update_fields=["status", "rejection_reason", "updated_at"])
    _record(
        item,
        EventType.ITEM_REJECTED,
        actor,
        old={"status": ItemStatus.PENDING_APPROVAL},
        new={"status": item.status},
        comment=reason,
    )
    return item


@transaction.atomic
def item_revise(*, item_id: int, actor: User) -> Item:
    """rejected → draft (office), to rework and submit again. Audit: item_revised."""
    item = _lock(item_id)
    lifecycle.ensure_allowed("revise", item, actor)
    item.status = ItemStatus.DRAFT
    item.save(update_fields=["status", "updated_at"])
    _record(
        item, EventType.ITEM_REVISED, actor, old={"status": ItemStatus.REJECTED}, new={"status": item.status}
    )
    return item


# --- assignment (交办) and signing (签收) -----------------------------------------------------------------------


@transaction.atomic
def item_assign(
    *,
    item_id: int,
    actor: User,
    deadline_workdays: int | None = None,
    due_date: datetime.date | None = None,
) -> Item:
    """registered → assigned (office). The due date is computed now: the given date, or N working days from
    today (the item's own N, else the DeadlineRule for its source and urgency, else 15). Audit: item_assigned."""
    item = _lock(item_id)
    lifecycle.ensure_allowed("assign", item, actor)
    if deadline_workdays is not None or due_date is not None:
        _validate_deadline(deadline_workdays, due_date)
        item.deadline_workdays = deadline_workdays
        item.due_date = due_date
        item.deadline_basis = DeadlineBasis.DATE if due_date else DeadlineBasis.WORKDAYS
    elif item.deadline_basis == DeadlineBasis.DATE and item.due_date is not None:
        _validate_deadline(None, item.due_date)
    now = timezone.now()
    _compute_due_date(item, timezone.localdate(now))
    item.status = ItemStatus.ASSIGNED
    item.assigned_at = now
    item.save(
        update_fields=[
            "status",
            "assigned_at",
            "deadline_basis",
            "deadline_workdays",
            "due_date",
            "warn_date",
            "due_date_is_provisional",
            "updated_at",
        ]
    )
    Assignment.objects.filter(item=item).update(notified_at=now, status=AssignmentStatus.ASSIGNED)
    _record(
        item,
        EventType.ITEM_ASSIGNED,
        actor,
        old={"status": ItemStatus.REGISTERED},
        new={
            "status": item.status,
            "due_date": item.due_date.isoformat() if item.due_date else None,
            "deadline_workdays": item.deadline_workdays,
            "due_date_is_provisional": item.due_date_is_provisional,
            "units": [a.unit_id for a in item.assignments.all()],
        },
    )
    from ducha.reminders.services import notice_send

    transaction.on_commit(lambda: notice_send(event="assigned", item_id=item.pk), robust=True)
    return item


@transaction.atomic
def item_sign(*, item_id: int, actor: User) -> Assignment:
    """Sign for the item on behalf of the actor's unit (签收). When the lead unit signs, assigned → in_progress.
    The signing time is kept: late signing counts in later scoring. Audit: item_signed."""
    item = _lock(item_id)
    lifecycle.ensure_allowed("sign", item, actor)
    assignment = lifecycle.assignment_for(item, actor)
    assert assignment is not None
    now = timezone.now()
    assignment.status = AssignmentStatus.SIGNED
    assignment.signed_at = now
    assignment.signed_by = actor
    assignment.save(update_fields=["status", "signed_at", "signed_by", "updated_at"])
    old_status = item.status
    if assignment.is_lead and item.status == ItemStatus.ASSIGNED:
        item.status = ItemStatus.IN_PROGRESS
        item.save(update_fields=["status", "updated_at"])
    _record(
        item,
        EventType.ITEM_SIGNED,
        actor,
        old={"status": old_status},
        new={"status": item.status, "unit": assignment.unit_id, "role": assignment.role},
    )
    return assignment


# --- progress and completion reports ---------------------------------------------------------------------------


@transaction.atomic
def item_progress(*, item_id: int, actor: User, text: str, is_final: bool = False) -> Report:
    """A progress report (阶段性进展) by an assigned unit. A co-unit marks its last one final: its share is done.
    Audit: item_progress."""
    item = _lock(item_id)
    lifecycle.ensure_allowed("progress", item, actor)
    text = _require_text(text, codes.TEXT_REQUIRED, "text")
    assignment = lifecycle.assignment_for(item, actor)
    assert assignment is not None
    now = timezone.now()
    report = Report.objects.create(
        item=item,
        assignment=assignment,
        kind=ReportKind.PROGRESS,
        text=text,
        author=actor,
        is_final=is_final and not assignment.is_lead,
    )
    if report.is_final:
        assignment.status = AssignmentStatus.REPORTED
        assignment.reported_at = now
        assignment.save(update_fields=["status", "reported_at", "updated_at"])
    if assignment.is_lead:
        item.latest_progress = text
        item.latest_progress_at = now
        item.save(update_fields=["latest_progress", "latest_progress_at", "updated_at"])
    _record(
        item,
        EventType.ITEM_PROGRESS,
        actor,
        new={"report": report.pk, "unit": assignment.unit_id, "is_final": report.is_final},
        comment=text,
    )
    return report


@transaction.atomic
def item_report(*, item_id: int, actor: User, text: str) -> Report:
    """The lead unit's completion report (办结报告); it waits for the unit head's check. Refused while a delegated
    child item is open or another report is waiting. Audit: item_reported."""
    item = _lock(item_id)
    lifecycle.ensure_allowed("report", item, actor)
    text = _require_text(text, codes.TEXT_REQUIRED, "text")
    assignment = lifecycle.assignment_for(item, actor)
    assert assignment is not None
    report = Report.objects.create(
        item=item,
        assignment=assignment,
        kind=ReportKind.COMPLETION,
        text=text,
        author=actor,
        status=ReportStatus.PENDING_HEAD,
    )
    _record(item, EventType.ITEM_REPORTED, actor, new={"report": report.pk}, comment=text)
    from ducha.reminders.services import notice_send

    transaction.on_commit(
        lambda: notice_send(event="report_filed", item_id=item.pk, object_id=report.pk), robust=True
    )
    return report


@transaction.atomic
def item_report_approve(*, item_id: int, actor: User, comment: str = "") -> Report:
    """The lead unit head's check (第一责任人): in_progress → under_review; the report goes to the office.
    Audit: item_report_approved."""
    item = _lock(item_id)
    lifecycle.ensure_allowed("report_approve", item, actor)
    report = lifecycle.pending_completion_report(item)
    now = timezone.now()
    report.status = ReportStatus.SUBMITTED
    report.head_decided_by = actor
    report.head_decided_at = now
    report.head_comment = comment
    report.save(update_fields=["status", "head_decided_by", "head_decided_at", "head_comment", "updated_at"])
    Assignment.objects.filter(pk=report.assignment_id).update(
        status=AssignmentStatus.REPORTED, reported_at=now, updated_at=now
    )
    item.status = ItemStatus.UNDER_REVIEW
    item.completed_at = now
    item.save(update_fields=["status", "completed_at", "updated_at"])
    _record(
        item,
        EventType.ITEM_REPORT_APPROVED,
        actor,
        old={"status": ItemStatus.IN_PROGRESS},
        new={"status": item.status, "report": report.pk},
        comment=comment,
    )
    from ducha.reminders.services import notice_send

    transaction.on_commit(
        lambda: notice_send(event="report_submitted", item_id=item.pk, object_id=report.pk), robust=True
    )
    return report


@transaction.atomic
def item_report_return(*, item_id: int, actor: User, reason: str) -> Report:
    """The lead unit head sends the completion report back to the handler. Audit: item_report_returned."""
    item = _lock(item_id)
    lifecycle.ensure_allowed("report_return", item, actor)
    reason = _require_text(reason, codes.REASON_REQUIRED, "reason")
    report = lifecycle.pending_completion_report(item)
    report.status = ReportStatus.RETURNED_BY_HEAD
    report.head_decided_by = actor
    report.head_decided_at = timezone.now()
    report.head_comment = reason
    report.save(update_fields=["status", "head_decided_by", "head_decided_at", "head_comment", "updated_at"])
    _record(item, EventType.ITEM_REPORT_RETURNED, actor, new={"report": report.pk}, comment=reason)
    return report


# --- review (审核), close (办结), archive (归档) -----------------------------------------------------------------


@transaction.atomic
def item_review(
    *,
    item_id: int,
    actor: User,
    decision: str,
    opinion: str,
    task_completed: bool = False,
    problem_solved: bool = False,
    conclusion_appropriate: bool = False,
    lawful_compliant: bool = False,
) -> Review:
    """The office's review of the completion report (the delegating unit's, for a child item).
    accept: under_review → accepted, only when all four checks pass; the opinion becomes the closing opinion.
    return: under_review → in_progress, the lead unit redoes and reports again.
    Audit: item_review_accepted / item_review_returned."""
    item = _lock(item_id)
    lifecycle.ensure_allowed("review", item, actor)
    decision = _choice(decision, Review.Decision, "decision")
    opinion = _require_text(opinion, codes.OPINION_REQUIRED, "opinion")
    checks = [task_completed, problem_solved, conclusion_appropriate, lawful_compliant]
    if decision == Review.Decision.ACCEPT and not all(checks):
        raise ValidationFailed(
            codes.REVIEW_CHECKS_INCOMPLETE,
            fields={"checks": codes.message_for(codes.REVIEW_CHECKS_INCOMPLETE)},
        )
    report = item.reports.filter(kind=ReportKind.COMPLETION, status=ReportStatus.SUBMITTED).latest(
        "created_at"
    )
    review = Review.objects.create(
        item=item,
        report=report,
        decision=decision,
        opinion=opinion,
        task_completed=task_completed,
        problem_solved=problem_solved,
        conclusion_appropriate=conclusion_appropriate,
        lawful_compliant=lawful_compliant,
        reviewer=actor,
    )
    if decision == Review.Decision.ACCEPT:
        report.status = ReportStatus.ACCEPTED
        item.status = ItemStatus.ACCEPTED
        item.closing_opinion = opinion
        event_type = EventType.ITEM_REVIEW_ACCEPTED
    else:
        report.status = ReportStatus.RETURNED
        item.status = ItemStatus.IN_PROGRESS
        item.completed_at = None
        Assignment.objects.filter(pk=report.assignment_id).update(
            status=AssignmentStatus.SIGNED, reported_at=None, updated_at=timezone.now()
        )
        event_type = EventType.ITEM_REVIEW_RETURNED
    report.save(update_fields=["status", "updated_at"])
    item.save(update_fields=["status", "closing_opinion", "completed_at", "updated_at"])
    _record(
        item,
        event_type,
        actor,
        old={"status": ItemStatus.UNDER_REVIEW},
        new={"status": item.status, "review": review.pk, "checks": checks},
        comment=opinion,
    )
    return review


@transaction.atomic
def item_close(*, item_id: int, actor: User, comment: str = "") -> Item:
    """accepted → closed (the leader; the delegating unit's head for a child item). Audit: item_closed."""
    item = _lock(item_id)
    lifecycle.ensure_allowed("close", item, actor)
    item.status = ItemStatus.CLOSED
    item.closed_at = timezone.now()
    item.save(update_fields=["status", "closed_at", "updated_at"])
    _record(
        item,
        EventType.ITEM_CLOSED,
        actor,
        old={"status": ItemStatus.ACCEPTED},
        new={"status": item.status},
        comment=comment,
    )
    return item


@transaction.atomic
def item_archive(*, item_id: int, actor: User) -> Item:
    """closed → archived (office). Audit: item_archived."""
    item = _lock(item_id)
    lifecycle.ensure_allowed("archive", item, actor)
    item.status = ItemStatus.ARCHIVED
    item.archived_at = timezone.now()
    item.save(update_fields=["status", "archived_at", "updated_at"])
    _record(
        item, EventType.ITEM_ARCHIVED, actor, old={"status": ItemStatus.CLOSED}, new={"status": item.status}
    )
    return item


# --- withdrawal (撤销) -----------------------------------------------------------------------------------------


def _cancel_now(item: Item, actor: User, reason: str) -> None:
    """Withdraw `item` and, with it, every open child delegated from it (their work is part of the parent's)."""
    old_status = item.status
    item.status = ItemStatus.CANCELLED
    item.cancel_reason = reason
    item.save(update_fields=["status", "cancel_reason", "updated_at"])
    _record(
        item,
        EventType.ITEM_CANCELLED,
        actor,
        old={"status": old_status},
        new={"status": item.status},
        comment=reason,
    )
    for child in (
        Item.objects.select_for_update().filter(parent=item).exclude(status__in=ItemStatus.finished())
    ):
        _cancel_now(child, actor, str(_("The parent item was withdrawn: %(reason)s") % {"reason": reason}))


@transaction.atomic
def item_cancel(*, item_id: int, actor: User, reason: str) -> Item:
    """Withdraw an item, with a reason. A draft is withdrawn at once by the office; later the office asks and the
    leader approves (item_cancel_approve); the leader, or the delegating unit for a child item, withdraws at once.
    Audit: item_cancel_requested or item_cancelled."""
    item = _lock(item_id)
    lifecycle.ensure_allowed("cancel", item, actor)
    reason = _require_text(reason, codes.REASON_REQUIRED, "reason")
    if item.status == ItemStatus.DRAFT or item.parent_id or lifecycle.leader(item, actor) is None:
        _cancel_now(item, actor, reason)
        return item
    item.cancel_requested_by = actor
    item.cancel_reason = reason
    item.save(update_fields=["cancel_requested_by", "cancel_reason", "updated_at"])
    _record(item, EventType.ITEM_CANCEL_REQUESTED, actor, new={"status": item.status}, comment=reason)
    return item


@transaction.atomic
def item_cancel_approve(*, item_id: int, actor: User, comment: str = "") -> Item:
    """The leader approves the office's withdrawal request: → cancelled. Audit: item_cancelled."""
    item = _lock(item_id)
    lifecycle.ensure_allowed("cancel_approve", item, actor)
    _cancel_now(item, actor, item.cancel_reason + (f"\n{comment}" if comment else ""))
    return item


@transaction.atomic
def item_cancel_refuse(*, item_id: int, actor: User, reason: str) -> Item:
    """The leader refuses the withdrawal request; the item goes on. Audit: item_cancel_refused."""
    item = _lock(item_id)
    lifecycle.ensure_allowed("cancel_refuse", item, actor)
    reason = _require_text(reason, codes.REASON_REQUIRED, "reason")
    item.cancel_requested_by = None
    item.save(update_fields=["cancel_requested_by", "updated_at"])
    _record(item, EventType.ITEM_CANCEL_REFUSED, actor, comment=reason)
    return item


# --- extensions (延期) ------------------------------------------------------------------------------------------


@transaction.atomic
def item_extension_request(
    *, item_id: int, actor: User, reason: str, proposed_due_date: datetime.date
) -> ExtensionRequest:
    """The lead unit asks for a later due date, not after the current one has passed. It needs the leader's
    decision too when the item rests on the head's instruction or a leader's instruction.
    Audit: item_extension_requested."""
    item = _lock(item_id)
    lifecycle.ensure_allowed("extension_request", item, actor)
    reason = _require_text(reason, codes.REASON_REQUIRED, "reason")
    assert item.due_date is not None
    if proposed_due_date <= item.due_date:
        raise ValidationFailed(
            codes.EXTENSION_DATE_NOT_LATER,
            fields={"proposed_due_date": codes.message_for(codes.EXTENSION_DATE_NOT_LATER)},
        )
    if item.parent_id and item.parent and item.parent.due_date and proposed_due_date > item.parent.due_date:
        raise ValidationFailed(
            codes.DELEGATE_DEADLINE_LATE,
            fields={"proposed_due_date": codes.message_for(codes.DELEGATE_DEADLINE_LATE)},
        )
    assignment = lifecycle.assignment_for(item, actor)
    assert assignment is not None
    extension = ExtensionRequest.objects.create(
        item=item,
        unit_id=assignment.unit_id,
        requested_by=actor,
        reason=reason,
        old_due_date=item.due_date,
        proposed_due_date=proposed_due_date,
        requires_leader=not item.parent_id
        and (
            item.approval_basis == ApprovalBasis.HEAD_INSTRUCTION
            or item.source_type in (SourceType.LEADER_INSTRUCTION, SourceType.LEADER_ASSIGNMENT)
        ),
    )
    _record(
        item,
        EventType.ITEM_EXTENSION_REQUESTED,
        actor,
        new={
            "extension": extension.pk,
            "old_due_date": item.due_date.isoformat(),
            "proposed_due_date": proposed_due_date.isoformat(),
        },
        comment=reason,
    )
    from ducha.reminders.services import notice_send

    transaction.on_commit(
        lambda: notice_send(event="extension", item_id=item.pk, object_id=extension.pk), robust=True
    )
    return extension


@transaction.atomic
def item_extension_decide(
    *, item_id: int, actor: User, grant: bool, comment: str = "", due_date: datetime.date | None = None
) -> ExtensionRequest:
    """Decide the open extension request. The office grants or refuses; where the leader must decide, the office's
    grant is an endorsement and the leader's decision is final. On grant the due date becomes the proposed date
    (or the decider's `due_date`, not earlier than the current one); both dates stay in the history.
    Audit: item_extension_endorsed / _granted / _refused."""
    item = _lock(item_id)
    lifecycle.ensure_allowed("extension_decide", item, actor)
    extension = lifecycle.open_extension(item)
    assert extension is not None and item.due_date is not None
    if not grant:
        _require_text(comment, codes.REASON_REQUIRED, "comment")
    now = timezone.now()
    as_office = (
        not item.parent_id
        and lifecycle.office(item, actor) is None
        and (extension.status == ExtensionStatus.PENDING)
    )
    if as_office:
        extension.office_decided_by = actor
    if grant and as_office and extension.requires_leader:
        extension.status = ExtensionStatus.ENDORSED
        extension.decision_comment = comment
        extension.save(update_fields=["status", "office_decided_by", "decision_comment", "updated_at"])
        _record(
            item, EventType.ITEM_EXTENSION_ENDORSED, actor, new={"extension": extension.pk}, comment=comment
        )
        from ducha.reminders.services import notice_send

        transaction.on_commit(
            lambda: notice_send(event="extension", item_id=item.pk, object_id=extension.pk), robust=True
        )
        return extension
    extension.decided_by = actor
    extension.decided_at = now
    extension.decision_comment = comment
    if not grant:
        extension.status = ExtensionStatus.REFUSED
        extension.save(
            update_fields=[
                "status",
                "office_decided_by",
                "decided_by",
                "decided_at",
                "decision_comment",
                "updated_at",
            ]
        )
        _record(
            item, EventType.ITEM_EXTENSION_REFUSED, actor, new={"extension": extension.pk}, comment=comment
        )
        return extension
    new_due = due_date or extension.proposed_due_date
    if new_due <= item.due_date:
        raise ValidationFailed(
            codes.EXTENSION_DATE_NOT_LATER,
            fields={"due_date": codes.message_for(codes.EXTENSION_DATE_NOT_LATER)},
        )
    extension.status = ExtensionStatus.GRANTED
    extension.granted_due_date = new_due
    extension.save(
        update_fields=[
            "status",
            "granted_due_date",
            "office_decided_by",
            "decided_by",
            "decided_at",
            "decision_comment",
            "updated_at",
        ]
    )
    old_due = item.due_date
    item.deadline_basis = DeadlineBasis.DATE
    _set_due_date(item, new_due, is_provisional=False)
    item.save(
        update_fields=["deadline_basis", "due_date", "warn_date", "due_date_is_provisional", "updated_at"]
    )
    _record(
        item,
        EventType.ITEM_EXTENSION_GRANTED,
        actor,
        old={"due_date": old_due.isoformat()},
        new={"due_date": new_due.isoformat(), "extension": extension.pk},
        comment=comment,
    )
    return extension


# --- delegation (转办) ------------------------------------------------------------------------------------------


@transaction.atomic
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
    delegating unit; the parent cannot be reported complete while it is open. Audit: item_delegated on both."""
    parent = _lock(item_id)
    lifecycle.ensure_allowed("delegate", parent, actor)
    assert actor.unit is not None and parent.due_date is not None
    _validate_deadline(deadline_workdays, due_date)
    if not Unit.objects.filter(pk=unit_id, is_active=True).exists():
        raise ValidationFailed(codes.UNIT_NOT_FOUND, fields={"unit": codes.message_for(codes.UNIT_NOT_FOUND)})
    own = actor.unit
    target = delegation_targets(own, parent.government).filter(pk=unit_id).first()
    if target is None:
        raise ValidationFailed(
            codes.DELEGATE_TARGET_INVALID, fields={"unit": codes.message_for(codes.DELEGATE_TARGET_INVALID)}
        )
    child_count = parent.children.count()
    child = Item(
        government=parent.government,
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
        deadline_basis=DeadlineBasis.DATE if due_date else DeadlineBasis.WORKDAYS,
        deadline_workdays=deadline_workdays,
        due_date=due_date,
        parent=parent,
        delegating_unit=own,
        created_by=actor,
    )
    now = timezone.now()
    if due_date is None and deadline_workdays is None:
        child.deadline_basis = DeadlineBasis.DATE
        child.due_date = parent.due_date
    _compute_due_date(child, timezone.localdate(now))
    assert child.due_date is not None
    if child.due_date > parent.due_date:
        raise ValidationFailed(
            codes.DELEGATE_DEADLINE_LATE, fields={"due_date": codes.message_for(codes.DELEGATE_DEADLINE_LATE)}
        )
    child.assigned_at = now
    child.save()
    Assignment.objects.create(item=child, unit=target, role=AssignmentRole.LEAD, notified_at=now)
    _record(
        parent,
        EventType.ITEM_DELEGATED,
        actor,
        new={"child": child.pk, "unit": target.pk, "due_date": child.due_date.isoformat()},
    )
    _record(
        child,
        EventType.ITEM_DELEGATED,
        actor,
        new={"parent": parent.pk, "unit": target.pk, "due_date": child.due_date.isoformat()},
    )
    from ducha.reminders.services import notice_send

    transaction.on_commit(lambda: notice_send(event="assigned", item_id=child.pk), robust=True)
    return child


# --- disagreements between lead and co-units --------------------------------------------------------------------


@transaction.atomic
def item_dispute_escalate(*, item_id: int, actor: User, description: str) -> Dispute:
    """The lead unit escalates a disagreement with co-units to the office. Audit: item_dispute_escalated."""
    item = _lock(item_id)
    lifecycle.ensure_allowed("dispute_escalate", item, actor)
    description = _require_text(description, codes.TEXT_REQUIRED, "description")
    dispute = Dispute.objects.create(item=item, raised_by=actor, description=description)
    _record(item, EventType.ITEM_DISPUTE_ESCALATED, actor, new={"dispute": dispute.pk}, comment=description)
    return dispute


@transaction.atomic
def item_dispute_coordinate(*, item_id: int, actor: User, coordination: str) -> Dispute:
    """The office records its coordination. Audit: item_dispute_coordinated."""
    item = _lock(item_id)
    lifecycle.ensure_allowed("dispute_coordinate", item, actor)
    coordination = _require_text(coordination, codes.TEXT_REQUIRED, "coordination")
    dispute = lifecycle.unresolved_dispute(item)
    dispute.status = DisputeStatus.COORDINATED
    dispute.coordination = coordination
    dispute.coordinated_by = actor
    dispute.save(update_fields=["status", "coordination", "coordinated_by", "updated_at"])
    _record(
        item, EventType.ITEM_DISPUTE_COORDINATED, actor, new={"dispute": dispute.pk}, comment=coordination
    )
    return dispute


@transaction.atomic
def item_dispute_rule(*, item_id: int, actor: User, ruling: str) -> Dispute:
    """The responsible leader rules (裁定). Audit: item_dispute_ruled."""
    item = _lock(item_id)
    lifecycle.ensure_allowed("dispute_rule", item, actor)
    ruling = _require_text(ruling, codes.TEXT_REQUIRED, "ruling")
    dispute = lifecycle.unresolved_dispute(item)
    dispute.status = DisputeStatus.RULED
    dispute.ruling = ruling
    dispute.ruled_by = actor
    dispute.save(update_fields=["status", "ruling", "ruled_by", "updated_at"])
    _record(item, EventType.ITEM_DISPUTE_RULED, actor, new={"dispute": dispute.pk}, comment=ruling)
    return dispute


# --- attachments -----------------------------------------------------------------------------------------------


@transaction.atomic
def item_attachment_add(
    *, item_id: int, actor: User, upload: UploadedFile, report_id: int | None = None
) -> Attachment:
    """Attach a file to an item (or one of its reports), within the size and type limits. Anyone who may act on
    the item may attach: the office, the leader, an assigned or delegating unit. Audit: item_attachment_added."""
    item = _lock(item_id)
    if error := lifecycle.attach_refusal(item, actor):
        raise error
    name = (upload.name or "").rsplit("/", 1)[-1][:200]
    extension = name.rsplit(".", 1)[-1].lower() if "." in name else ""
    if extension not in settings.DUCHA_ATTACHMENT_EXTENSIONS:
        raise ValidationFailed(
            codes.ATTACHMENT_TYPE, fields={"file": codes.message_for(codes.ATTACHMENT_TYPE)}
        )
    if upload.size is None or upload.size > settings.DUCHA_ATTACHMENT_MAX_BYTES:
        raise ValidationFailed(
            codes.ATTACHMENT_TOO_LARGE, fields={"file": codes.message_for(codes.ATTACHMENT_TOO_LARGE)}
        )
    report = None
    if report_id is not None:
        report = Report.objects.filter(pk=report_id, item=item).first()
        if report is None:
            raise ValidationFailed(codes.NOT_FOUND, fields={"report": codes.message_for(codes.NOT_FOUND)})
    digest = hashlib.sha256()
    for chunk in upload.chunks():
        digest.update(chunk)
    upload.seek(0)
    attachment = Attachment(
        item=item,
        report=report,
        original_name=name,
        size=upload.size,
        content_type=getattr(upload, "content_type", "") or "",
        sha256=digest.hexdigest(),
        uploaded_by=actor,
    )
    attachment.file.save(name, upload, save=False)
    attachment.save()
    _record(
        item,
        EventType.ITEM_ATTACHMENT_ADDED,
        actor,
        new={"attachment": attachment.pk, "name": name, "sha256": attachment.sha256},
    )
    return attachment


# --- reads that write: confidential items --------------------------------------------------------------------


def item_view_record(*, item: Item, actor: User) -> None:
    """Every read of a secret item is logged."""
    if item.confidentiality == Confidentiality.SECRET:
        _record(item, EventType.ITEM_VIEWED, actor)


def secret_reads_record(*, item_ids: Sequence[int], actor: User) -> None:
    """The reads of the secret items (these ids) a list, a page or an export showed `actor`: one audit event
    each, written in one statement."""
    if item_ids:
        events_record(
            event_type=EventType.ITEM_VIEWED, subject_type="item", subject_ids=item_ids, actor=actor
        )


# --- calendar changes -----------------------------------------------------------------------------------------


def deadline_recompute_candidates(year: int | None) -> Q:
    """The items a change of `year`'s arrangement may move: running items resting on provisional days, or whose
    deadline period touches `year`. Shared by the recomputation and the calendar page's preview."""
    affected = Q(due_date_is_provisional=True)
    if year is not None:
        affected |= Q(
            due_date__gte=datetime.date(year, 1, 1), assigned_at__date__lt=datetime.date(year + 1, 1, 1)
        )
    return affected & Q(status__in=ItemStatus.running())


@transaction.atomic
def item_deadlines_recompute(*, actor: User | None, year: int | None = None) -> int:
    """Recompute stored due dates after a year's working-day arrangement was entered or corrected.

    Affected: running items whose due date rests on provisional days, and (with `year`) running items whose
    deadline period touches that year. Items whose deadline is N working days are recounted from their
    assignment date; items with a fixed date keep it and only their yellow-light date moves. Returns how many
    items changed. Audit: item_deadline_recomputed per changed item (old and new due date)."""
    queryset = Item.objects.select_for_update().filter(deadline_recompute_candidates(year))
    changed = 0
    for item in queryset.order_by("pk").iterator(chunk_size=500):
        old = (item.due_date, item.warn_date, item.due_date_is_provisional)
        assert item.assigned_at is not None
        _compute_due_date(item, timezone.localdate(item.assigned_at))
        if (item.due_date, item.warn_date, item.due_date_is_provisional) == old:
            continue
        item.save(update_fields=["due_date", "warn_date", "due_date_is_provisional", "updated_at"])
        _record(
            item,
            EventType.ITEM_DEADLINE_RECOMPUTED,
            actor,
            old={"due_date": old[0].isoformat() if old[0] else None, "provisional": old[2]},
            new={
                "due_date": item.due_date.isoformat() if item.due_date else None,
                "provisional": item.due_date_is_provisional,
            },
        )
        changed += 1
    return changed


@transaction.atomic
def calendar_arrangement_enter(
    *,
    year: int,
    holidays: dict[datetime.date, str] | list[datetime.date],
    workdays_list: list[datetime.date],
    actor: User,
    note: str = "",
) -> int:
    """Enter the State Council's arrangement for `year` (holidays and make-up working days) and move every
    deadline that depends on it, in one transaction. Returns how many items' due dates changed."""
    workdays.calendar_year_set(year=year, holidays=holidays, workdays=workdays_list, actor=actor, note=note)
    return item_deadlines_recompute(actor=actor, year=year)
