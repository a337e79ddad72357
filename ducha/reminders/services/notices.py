"""Notices on events (交办, a decision waiting), manual 催办 and named trackers (专人跟踪)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable

from django.db import transaction
from django.db.models import (
    F,
    QuerySet,
)
from django.utils import timezone

from ducha.audit.models import EventType
from ducha.audit.services import event_record
from ducha.common import error_codes as codes
from ducha.common.errors import InvalidState, NotFound, NotPermitted, ValidationFailed
from ducha.items import lifecycle
from ducha.items.lifecycle import ItemStatus
from ducha.items.models import (
    Assignment,
    AssignmentStatus,
    ExtensionRequest,
    ExtensionStatus,
    Item,
    Report,
    ReportStatus,
)
from ducha.items.services.batch import BatchResult, batch_run
from ducha.orgs.models import Role, User
from ducha.reminders import timing
from ducha.reminders.models import (
    Audience,
    Chase,
    Reminder,
    ReminderKind,
    ReminderRun,
    Tracker,
)
from ducha.reminders.services.base import RUNNING, _insert_for, _period
from ducha.reminders.services.messages import _run_finish
from ducha.reminders.services.rules import DELEGATOR_REVIEWS, _audiences, _Base

# --- notices on events (交办, a decision waiting) -----------------------------------------------------------------


def _event_run(at: dt.datetime, source: str = ReminderRun.Source.EVENT) -> ReminderRun:
    return ReminderRun.objects.create(
        source=source, at=at, started_at=at, in_window=timing.in_send_window(at)
    )


NOTICE_EVENTS = ("assigned", "report_filed", "report_submitted", "extension")


@transaction.atomic
def notice_send(*, event: str, item_id: int, object_id: int | None = None) -> int:
    """Tell the people an event concerns, at once in the inbox (external channels wait for the sending window):
    - assigned: the item was assigned (交办) or delegated to units → their liaisons and handlers;
    - report_filed: a completion report waits for the unit head's check (object_id: the report);
    - report_submitted: a checked report waits for the office's review (object_id: the report);
    - extension: an extension request waits for the office (pending) or the leader (endorsed) (object_id).
    The named tracker hears of each. Called after the item service commits. Returns the reminders written."""
    at = timezone.now()
    if event != "assigned" and object_id is None:
        raise ValueError(f"{event} needs object_id")
    run = _event_run(at)
    everyone = [Audience.LIAISON, Audience.HANDLER, Audience.UNIT_HEAD, Audience.OFFICE, Audience.LEADER]
    if event == "assigned":
        base: QuerySet = Assignment.objects.filter(item_id=item_id, item__status__in=RUNNING)
        bases: list[_Base] = [
            (base, "item", "unit", _period("a#0"), frozenset({Audience.LIAISON, Audience.HANDLER}))
        ]
        kind = ReminderKind.ASSIGNED
    elif event == "report_filed":
        base = Report.objects.filter(pk=object_id or 0, item_id=item_id, status=ReportStatus.PENDING_HEAD)
        bases = [
            (base, "item", "assignment__unit", _period("r", F("id"), "#0"), frozenset({Audience.UNIT_HEAD}))
        ]
        kind = ReminderKind.REPORT_CHECK
    elif event == "report_submitted":
        base = Report.objects.filter(pk=object_id or 0, item_id=item_id, status=ReportStatus.SUBMITTED)
        period = _period("r", F("id"), "#0")
        bases = [
            (
                base.filter(item__parent__isnull=True),
                "item",
                "assignment__unit",
                period,
                frozenset({Audience.OFFICE}),
            ),
            (
                base.filter(item__parent__isnull=False),
                "item",
                "item__delegating_unit",
                period,
                DELEGATOR_REVIEWS,
            ),
        ]
        kind = ReminderKind.REVIEW
    elif event == "extension":
        base = ExtensionRequest.objects.filter(pk=object_id or 0, item_id=item_id, item__parent__isnull=True)
        period = _period("x", F("id"), "#0")
        bases = [
            (
                base.filter(status=ExtensionStatus.PENDING),
                "item",
                "unit",
                period,
                frozenset({Audience.OFFICE}),
            ),
            (
                base.filter(status=ExtensionStatus.ENDORSED),
                "item",
                "unit",
                period,
                frozenset({Audience.LEADER}),
            ),
        ]
        kind = ReminderKind.EXTENSION
    else:
        raise ValueError(f"unknown event {event!r}")
    total = 0
    for base, item, unit, period, audiences in bases:
        wanted = _audiences([*everyone, Audience.TRACKER], audiences)
        if Audience.TRACKER not in wanted:
            wanted.append(Audience.TRACKER)
        total += _insert_for(run, base, wanted, item=item, unit=unit, kind=kind, period=period, step=0)
    _run_finish(run, counts={"inserted": {kind: total}})
    return total


# --- manual 催办 ---------------------------------------------------------------------------------------------------

CHASE_AUDIENCES = (Audience.LIAISON, Audience.HANDLER, Audience.UNIT_HEAD, Audience.TRACKER)
CHASEABLE = frozenset({ItemStatus.ASSIGNED, ItemStatus.IN_PROGRESS})
CHASE_TEXT_MAX = 1000


@transaction.atomic
def chase_send(*, item_id: int, actor: User, text: str, unit_ids: Iterable[int] | None = None) -> list[Chase]:
    """The office chases units on an item (催办) with a message: by default every assigned unit that has not
    finished its part. Allowed while the item runs (assigned, in progress). The units' liaisons, handlers and
    heads (and the named tracker) get it in the inbox at once; external channels wait for the sending window.
    Audit: item_chased per unit (who chased whom, with the message)."""
    try:
        item = Item.objects.select_for_update().get(pk=item_id)
    except Item.DoesNotExist:
        raise NotFound() from None
    if code := lifecycle.office(item, actor):
        raise NotPermitted(code)
    if item.status not in CHASEABLE:
        raise InvalidState(codes.ACTION_NOT_ALLOWED)
    text = (text or "").strip()
    if not text:
        raise ValidationFailed(codes.TEXT_REQUIRED, fields={"text": codes.message_for(codes.TEXT_REQUIRED)})
    assignments = {
        a.unit_id: a for a in Assignment.objects.filter(item=item).exclude(status=AssignmentStatus.REPORTED)
    }
    wanted = list(dict.fromkeys(unit_ids)) if unit_ids is not None else list(assignments)
    if not wanted or any(unit_id not in assignments for unit_id in wanted):
        raise ValidationFailed(
            codes.UNIT_NOT_FOUND, fields={"units": codes.message_for(codes.UNIT_NOT_FOUND)}
        )
    at = timezone.now()
    run = _event_run(at, ReminderRun.Source.CHASE)
    chases = []
    for unit_id in wanted:
        chase = Chase.objects.create(
            item=item, unit_id=unit_id, actor=actor, text=text[:CHASE_TEXT_MAX], created_at=at
        )
        _insert_for(
            run,
            Assignment.objects.filter(item=item, unit_id=unit_id),
            CHASE_AUDIENCES,
            item="item",
            unit="unit",
            kind=ReminderKind.CHASE,
            period=_period(f"c{chase.pk}"),
            step=0,
            chase_id=chase.pk,
        )
        recipients = list(Reminder.objects.filter(chase=chase).values_list("recipient_id", flat=True))
        event_record(
            event_type=EventType.ITEM_CHASED,
            subject_type="item",
            subject_id=item.pk,
            actor=actor,
            new={"chase": chase.pk, "unit": unit_id, "recipients": sorted(recipients)},
            comment=chase.text,
        )
        chases.append(chase)
    _run_finish(run, counts={"chases": len(chases)})
    return chases


# --- named trackers (专人跟踪) ---------------------------------------------------------------------------------------


@transaction.atomic
def tracker_set(*, item_id: int, actor: User, user_id: int | None) -> Tracker | None:
    """The office names (or, with None, removes) the person who tracks the item; they receive its reminders.
    The tracker is office staff of the item's government. Audit: item_tracker_set."""
    try:
        item = Item.objects.select_for_update().get(pk=item_id)
    except Item.DoesNotExist:
        raise NotFound() from None
    if code := lifecycle.office(item, actor):
        raise NotPermitted(code)
    old = Tracker.objects.filter(item=item).values_list("user_id", flat=True).first()
    if user_id is None:
        Tracker.objects.filter(item=item).delete()
        tracker = None
    else:
        user = User.objects.filter(pk=user_id, is_active=True).select_related("unit").first()
        if (
            user is None
            or not user.has_role(Role.OFFICE)
            or user.unit is None
            or user.unit.government_id != item.government_id
        ):
            raise ValidationFailed(
                codes.INVALID_INPUT, fields={"user": codes.message_for(codes.INVALID_INPUT)}
            )
        tracker, _created = Tracker.objects.update_or_create(
            item=item, defaults={"user": user, "named_by": actor}
        )
    event_record(
        event_type=EventType.ITEM_TRACKER_SET,
        subject_type="item",
        subject_id=item.pk,
        actor=actor,
        old={"tracker": old},
        new={"tracker": user_id},
    )
    return tracker


def items_batch_chase(*, actor: User, item_ids: Iterable[int], text: str) -> BatchResult:
    """批量催办: chase every running item of the batch (office), as chase_send on each — every assigned unit that
    has not finished its part gets the message. Each item in its own savepoint; a refusal is listed, not fatal.
    Audit: item_chased per item and unit."""
    if not (text or "").strip():
        raise ValidationFailed(codes.TEXT_REQUIRED, fields={"text": codes.message_for(codes.TEXT_REQUIRED)})
    return batch_run(
        actor=actor, item_ids=item_ids, action=lambda pk: chase_send(item_id=pk, actor=actor, text=text)
    )
