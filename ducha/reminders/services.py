"""Writes of the reminders app: the periodic sweep, event notices, manual 催办, named trackers, the inbox,
channel preferences, and the delivery of messages on external channels.

How a reminder goes out exactly once
------------------------------------
1. The sweep computes the due reminders in SQL, one `INSERT … SELECT … ON CONFLICT DO NOTHING` per rule step and
   audience, into `Reminder`, whose unique key is (item, unit, recipient, kind, period). A row that exists already
   (an earlier or an overlapping sweep wrote it) is skipped by the database, not by a check in Python.
2. Only the rows this run inserted (they carry its run id) become messages: one digest per recipient per run, and
   per message one `Delivery` per external channel the recipient chose or the office made mandatory.
3. Steps 1-2 are one transaction. A sweep killed before the commit leaves nothing; after it, everything — the
   deliveries are sent afterwards by tasks, and any a crash left unsent are picked up by the next sweep's dispatch.
   Concurrent sweeps queue on a transaction-scoped advisory lock (PostgreSQL) or the write lock (SQLite), and the
   unique key holds even without them.
4. A delivery is claimed by a conditional UPDATE before it is sent (two workers never send the same one); one
   `DeliveryAttempt` per try; exponential backoff; a dead letter after the last attempt. A worker that dies while
   sending leaves the outcome unknown: the delivery is dead-lettered, not resent (at most once), and an
   administrator may retry it.

Timing: a sweep acts only inside the sending window (a working day, from the start of office hours); a reminder
whose trigger falls on a rest day or before that waits for the next working day's start. Triggers are monotone
in one stored column, so each rule step becomes one range condition (see timing.py). Notices and 催办 are written
at once (the inbox shows them), while their external deliveries wait for the window too.
"""

from __future__ import annotations

import datetime as dt
import logging
import os
import time
from collections import defaultdict
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from typing import Any

from django.conf import settings
from django.db import connection, transaction
from django.db.models import (
    BigIntegerField,
    CharField,
    Count,
    DateTimeField,
    Exists,
    Expression,
    F,
    IntegerField,
    OuterRef,
    Q,
    QuerySet,
    Value,
)
from django.db.models.functions import Cast, Concat
from django.utils import timezone
from django.utils.translation import ngettext, override

from ducha.audit.models import EventType
from ducha.audit.services import event_record
from ducha.common import error_codes as codes
from ducha.common.errors import InvalidState, NotFound, NotPermitted, ValidationFailed
from ducha.inspections.lifecycle import RectificationStatus
from ducha.inspections.models import Rectification
from ducha.items import lifecycle
from ducha.items.lifecycle import ItemStatus
from ducha.items.models import (
    Assignment,
    AssignmentStatus,
    ExtensionRequest,
    ExtensionStatus,
    Item,
    ProgressCycle,
    Report,
    ReportKind,
    ReportStatus,
)
from ducha.orgs.models import Role, User
from ducha.reminders import channels, timing
from ducha.reminders.defaults import default_rules
from ducha.reminders.models import (
    Audience,
    Channel,
    ChannelPreference,
    Chase,
    Delivery,
    DeliveryAttempt,
    DeliveryStatus,
    MandatoryChannel,
    Message,
    Reminder,
    ReminderKind,
    ReminderRule,
    ReminderRun,
    Tracker,
    WebhookEndpoint,
)

logger = logging.getLogger(__name__)

RUNNING = sorted(ItemStatus.running())
# A delivery claimed this long ago and still "sending" belonged to a worker that died.
SENDING_LEASE = dt.timedelta(minutes=15)
# A delivery queued this long ago and still waiting is queued again (the queue may have lost it).
REQUEUE_AFTER = dt.timedelta(minutes=10)
DISPATCH_BATCH = 5000
SWEEP_LOCK_KEY = 7_240_513_001  # pg_advisory_xact_lock key of the sweep

# Test hook: `DUCHA_SWEEP_TEST_PAUSE=after_insert|after_commit` makes a sweep write the file named by
# `DUCHA_SWEEP_TEST_MARKER` and sleep there, so that a test can kill it at that very point.
_PAUSE_ENV = "DUCHA_SWEEP_TEST_PAUSE"
_MARKER_ENV = "DUCHA_SWEEP_TEST_MARKER"

# The unit's roles a reminder may go to; each role has its audience's name, so one join with the unit's users
# serves all of them.
UNIT_AUDIENCE_ROLES: dict[str, str] = {
    Audience.LIAISON: Role.LIAISON,
    Audience.HANDLER: Role.HANDLER,
    Audience.UNIT_HEAD: Role.UNIT_HEAD,
}
assert all(audience == role for audience, role in UNIT_AUDIENCE_ROLES.items())
# In place of an item path: the base queryset is of inspection rectifications (整改), whose deadlines follow the
# items' rules. Their office is the inspection's government's, their leader the inspection's approver.
RECTIFICATION = "@rectification"
# Reminder's columns, in the order _rows selects them.
REMINDER_COLUMNS = [
    "item_id",
    "rectification_id",
    "unit_id",
    "recipient_id",
    "audience",
    "kind",
    "period",
    "step",
    "due_date",
    "chase_id",
    "created_at",
    "run_id",
]


@dataclass
class SweepResult:
    at: dt.datetime
    in_window: bool
    run_id: int | None = None
    inserted: dict[str, int] = field(default_factory=dict)
    messages: int = 0
    deliveries: int = 0
    dispatched: int = 0
    dead_lettered: int = 0
    seconds: float = 0.0

    @property
    def reminders(self) -> int:
        return sum(self.inserted.values())


@dataclass(frozen=True)
class RunSummary:
    reminders: int
    messages: int
    deliveries: list[int]


# --- SQL building blocks --------------------------------------------------------------------------------------


def _const(value: Any, output_field: Any) -> Expression:
    """A constant in a SELECT that feeds an INSERT. PostgreSQL types an untyped literal as text there, so it gets
    an explicit cast; SQLite takes the value as it is."""
    expression = Value(value, output_field=output_field)
    if connection.vendor == "postgresql":
        return Cast(expression, output_field)
    return expression


def _text(expression: Any) -> Expression:
    return Cast(expression, CharField())


def _insert_reminders(rows: QuerySet) -> int:
    """One `INSERT … SELECT … ON CONFLICT DO NOTHING` into Reminder: the unique key skips every reminder sent
    already (one index probe per candidate, however large the table grows) and any that another connection writes
    meanwhile. Every row carries its run's id: a run's reminders are exactly those rows."""
    sql, params = rows.query.sql_with_params()
    quote = connection.ops.quote_name
    columns = ", ".join(quote(column) for column in REMINDER_COLUMNS)
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {quote(Reminder._meta.db_table)} ({columns}) {sql} ON CONFLICT DO NOTHING", params
        )
        return max(cursor.rowcount, 0)


def _rows(
    base: QuerySet,
    *,
    item: str,
    unit: str,
    audiences: list[str],
    kind: str,
    period: Expression,
    step: int,
    run: ReminderRun,
    chase_id: int | None = None,
) -> QuerySet | None:
    """The reminder rows for `audiences` over `base` (assignments, reports or extension requests), with the
    columns of REMINDER_COLUMNS in order. `item` and `unit` are the paths from the base model to the item (or
    RECTIFICATION: the base is of rectifications) and to the unit the reminder is about. `audiences` is either
    some of the unit's roles (liaison, handlers, head — one join with the unit's users, whose role names the
    audience) or a single other audience."""
    audience: Expression | F
    is_rectification = item == RECTIFICATION
    owner = "inspection" if is_rectification else item  # what has the government and the approver
    if all(a in UNIT_AUDIENCE_ROLES for a in audiences):
        users = f"{unit}__users"
        base = base.filter(
            **{
                f"{users}__is_active": True,
                f"{users}__role_grants__role__in": [UNIT_AUDIENCE_ROLES[a] for a in audiences],
            }
        )
        recipient = F(f"{users}__id")
        # The role's name is the audience's (see UNIT_AUDIENCE_ROLES).
        audience = F(f"{users}__role_grants__role")
    elif audiences == [Audience.OFFICE]:
        users = f"{owner}__government__member_units__users"
        base = base.filter(**{f"{users}__is_active": True, f"{users}__role_grants__role": Role.OFFICE})
        recipient = F(f"{users}__id")
        audience = _const(Audience.OFFICE, CharField())
    elif audiences == [Audience.LEADER]:
        base = base.filter(**{f"{owner}__approver__is_active": True})
        recipient = F(f"{owner}__approver_id")
        audience = _const(Audience.LEADER, CharField())
    elif audiences == [Audience.TRACKER] and not is_rectification:
        base = base.filter(**{f"{item}__tracker__user__is_active": True})
        recipient = F(f"{item}__tracker__user_id")
        audience = _const(Audience.TRACKER, CharField())
    else:
        return None
    return (
        base.order_by()
        .annotate(
            r_item=_const(None, BigIntegerField()) if is_rectification else F(f"{item}_id"),
            r_rectification=F("id") if is_rectification else _const(None, BigIntegerField()),
            r_unit=F(f"{unit}_id"),
            r_recipient=recipient,
            r_audience=audience,
            r_kind=_const(kind, CharField()),
            r_period=period,
            r_step=_const(step, IntegerField()),
            r_due_date=F("due_date") if is_rectification else F(f"{item}__due_date"),
            r_chase=_const(chase_id, BigIntegerField()),
            r_created_at=_const(run.at, DateTimeField()),
            r_run=_const(run.pk, BigIntegerField()),
        )
        .values_list(
            "r_item",
            "r_rectification",
            "r_unit",
            "r_recipient",
            "r_audience",
            "r_kind",
            "r_period",
            "r_step",
            "r_due_date",
            "r_chase",
            "r_created_at",
            "r_run",
        )
    )


def _insert_for(
    run: ReminderRun,
    base: QuerySet,
    audiences: Iterable[str],
    *,
    item: str,
    unit: str,
    kind: str,
    period: Expression,
    step: int,
    chase_id: int | None = None,
) -> int:
    """Write the reminders of one rule step: one statement for the unit's roles together, one for each other
    audience."""
    wanted = list(dict.fromkeys(audiences))
    in_unit = [a for a in wanted if a in UNIT_AUDIENCE_ROLES]
    groups = ([in_unit] if in_unit else []) + [[a] for a in wanted if a not in UNIT_AUDIENCE_ROLES]
    total = 0
    for group in groups:
        rows = _rows(
            base,
            item=item,
            unit=unit,
            audiences=group,
            kind=kind,
            period=period,
            step=step,
            run=run,
            chase_id=chase_id,
        )
        if rows is not None:
            total += _insert_reminders(rows)
    return total


def _period(*parts: Any) -> Expression:
    """A period key assembled in SQL from constants and columns (e.g. the due date and the step)."""
    expressions = [_const(part, CharField()) if isinstance(part, str) else _text(part) for part in parts]
    return expressions[0] if len(expressions) == 1 else Concat(*expressions, output_field=CharField())


# --- rules --------------------------------------------------------------------------------------------------------


def _match(item: str, urgency: str, source_type: str) -> Q:
    condition = Q()
    if urgency:
        condition &= Q(**{f"{item}__urgency": urgency})
    if source_type:
        condition &= Q(**{f"{item}__source_type": source_type})
    return condition


def rule_sets(kind: str, item: str = "item") -> list[tuple[Q, list[ReminderRule]]]:
    """The active steps of `kind`, grouped by (urgency, source type), each with the item condition that selects
    the items it applies to: the most specific group wins (a source type is more specific than an urgency)."""
    groups: dict[tuple[str, str], list[ReminderRule]] = defaultdict(list)
    rules = list(ReminderRule.objects.filter(kind=kind, is_active=True).order_by("step"))
    if not rules and not ReminderRule.objects.exists():
        rules = default_rules(kind)
    for rule in rules:
        groups[(rule.urgency, rule.source_type)].append(rule)

    def specificity(key: tuple[str, str]) -> tuple[bool, bool]:
        return (bool(key[1]), bool(key[0]))

    result = []
    for key, steps in groups.items():
        condition = _match(item, *key)
        for other in groups:
            if specificity(other) > specificity(key):
                condition &= ~_match(item, *other)
        result.append((condition, steps))
    return result


@dataclass(frozen=True)
class _Context:
    run: ReminderRun
    today: dt.date
    first: dt.date  # the trigger window: first <= trigger date <= last
    last: dt.date

    def day_range(self, offset: int) -> tuple[dt.date, dt.date] | None:
        lo, hi = timing.anchor_range(offset, self.first, self.last)
        return (lo, hi) if lo <= hi else None

    def moment_range(self, offset: int) -> tuple[dt.datetime, dt.datetime] | None:
        days = self.day_range(offset)
        if days is None:
            return None
        return timing.start_of_day(days[0]), timing.start_of_day(days[1] + dt.timedelta(days=1))


# Each kind: (base queryset, item path, unit path, period, audiences), per step. The audiences: None for the
# rule's own, a set to keep only those of the rule's, or a mapping to put others in their place.
_Audiences = frozenset[str] | dict[str, tuple[str, ...]] | None
_Base = tuple[QuerySet, str, str, Expression, _Audiences]
# Who reviews a delegated child item in the office's place: the delegating unit's liaison and head.
DELEGATOR_REVIEWS: dict[str, tuple[str, ...]] = {
    Audience.OFFICE: (Audience.LIAISON, Audience.UNIT_HEAD),
    Audience.TRACKER: (Audience.TRACKER,),
}


def _audiences(wanted: Iterable[str], allowed: _Audiences) -> list[str]:
    if allowed is None:
        return list(wanted)
    if isinstance(allowed, dict):
        return [substitute for audience in wanted for substitute in allowed.get(audience, ())]
    return [audience for audience in wanted if audience in allowed]


def _bases_not_signed(rule: ReminderRule, ctx: _Context) -> Iterator[_Base]:
    hours = rule.offset_hours + rule.offset_workdays * timing.office_hours().length.total_seconds() / 3600
    # The N working hours ran out inside the trigger window: after the start of its first day, by now.
    cutoff = timing.working_hours_cutoff(ctx.run.at, max(hours, 0))
    since = timing.working_hours_cutoff(timing.start_of_day(ctx.first), max(hours, 0))
    base = Assignment.objects.filter(
        status=AssignmentStatus.ASSIGNED,
        signed_at__isnull=True,
        item__status__in=RUNNING,
        notified_at__gt=since,
        notified_at__lte=cutoff,
    )
    yield base, "item", "unit", _period(f"n#{rule.step}"), None


def _bases_deadline(rule: ReminderRule, ctx: _Context) -> Iterator[_Base]:
    days = ctx.day_range(rule.offset_workdays)
    if days is None:
        return
    base = Assignment.objects.filter(
        status__in=[AssignmentStatus.ASSIGNED, AssignmentStatus.SIGNED],
        item__status__in=RUNNING,
        item__due_date__gte=days[0],
        item__due_date__lte=days[1],
    )
    rectifications = Rectification.objects.filter(
        status__in=RectificationStatus.running(), due_date__gte=days[0], due_date__lte=days[1]
    )
    if rule.kind == ReminderKind.DUE_SOON:
        # A due-soon step caught up late is no use once "due today" or "overdue" has taken over.
        base = base.filter(item__due_date__gt=ctx.today)
        rectifications = rectifications.filter(due_date__gt=ctx.today)
    yield base, "item", "unit", _period(F("item__due_date"), f"#{rule.step}"), None
    if not (rule.urgency or rule.source_type):  # rectifications have neither: the general steps apply
        yield rectifications, RECTIFICATION, "target", _period(F("due_date"), f"#{rule.step}"), None


def _bases_progress(rule: ReminderRule, ctx: _Context) -> Iterator[_Base]:
    for cycle in (ProgressCycle.WEEKLY, ProgressCycle.MONTHLY, ProgressCycle.QUARTERLY):
        for period in timing.periods_around(cycle, ctx.today):
            trigger = timing.shift(period.last_workday, rule.offset_workdays)
            if not ctx.first <= trigger <= ctx.last:
                continue
            filed = Report.objects.filter(
                assignment_id=OuterRef("pk"),
                kind=ReportKind.PROGRESS,
                created_at__gte=timing.start_of_day(period.start),
            )
            base = Assignment.objects.filter(
                ~Exists(filed),
                status=AssignmentStatus.SIGNED,
                item__status__in=RUNNING,
                item__progress_cycle=cycle,
                item__assigned_at__lt=timing.start_of_day(trigger),
            )
            yield base, "item", "unit", _period(f"{period.key}#{rule.step}"), None


def _bases_report_check(rule: ReminderRule, ctx: _Context) -> Iterator[_Base]:
    moments = ctx.moment_range(rule.offset_workdays)
    if moments is None:
        return
    base = Report.objects.filter(
        kind=ReportKind.COMPLETION,
        status=ReportStatus.PENDING_HEAD,
        item__status__in=RUNNING,
        created_at__gte=moments[0],
        created_at__lt=moments[1],
    )
    yield base, "item", "assignment__unit", _period("r", F("id"), f"#{rule.step}"), None


def _bases_review(rule: ReminderRule, ctx: _Context) -> Iterator[_Base]:
    moments = ctx.moment_range(rule.offset_workdays)
    if moments is None:
        return
    waiting = Report.objects.filter(
        kind=ReportKind.COMPLETION,
        status=ReportStatus.SUBMITTED,
        item__status=ItemStatus.UNDER_REVIEW,
        head_decided_at__gte=moments[0],
        head_decided_at__lt=moments[1],
    )
    period = _period("r", F("id"), f"#{rule.step}")
    yield waiting.filter(item__parent__isnull=True), "item", "assignment__unit", period, None
    # A delegated child item is reviewed by the unit that delegated it: its liaison and head stand in for the office.
    children = waiting.filter(item__parent__isnull=False)
    yield children, "item", "item__delegating_unit", period, DELEGATOR_REVIEWS


def _bases_extension(rule: ReminderRule, ctx: _Context) -> Iterator[_Base]:
    moments = ctx.moment_range(rule.offset_workdays)
    if moments is None:
        return
    period = _period("x", F("id"), f"#{rule.step}")
    common = {"item__parent__isnull": True, "item__status__in": RUNNING}
    pending = ExtensionRequest.objects.filter(
        status=ExtensionStatus.PENDING, created_at__gte=moments[0], created_at__lt=moments[1], **common
    )
    yield pending, "item", "unit", period, frozenset({Audience.OFFICE, Audience.TRACKER})
    endorsed = ExtensionRequest.objects.filter(
        status=ExtensionStatus.ENDORSED, updated_at__gte=moments[0], updated_at__lt=moments[1], **common
    )
    yield endorsed, "item", "unit", period, frozenset({Audience.LEADER, Audience.TRACKER})


_BASES: dict[str, Callable[[ReminderRule, _Context], Iterator[_Base]]] = {
    ReminderKind.NOT_SIGNED: _bases_not_signed,
    ReminderKind.DUE_SOON: _bases_deadline,
    ReminderKind.DUE_TODAY: _bases_deadline,
    ReminderKind.OVERDUE: _bases_deadline,
    ReminderKind.PROGRESS_DUE: _bases_progress,
    ReminderKind.REPORT_CHECK: _bases_report_check,
    ReminderKind.REVIEW: _bases_review,
    ReminderKind.EXTENSION: _bases_extension,
}


def _sweep_kind(kind: str, ctx: _Context) -> int:
    total = 0
    for condition, steps in rule_sets(kind):
        for rule in steps:
            for base, item, unit, period, allowed in _BASES[kind](rule, ctx):
                audiences = _audiences(rule.audiences(), allowed)
                total += _insert_for(
                    ctx.run,
                    base if item == RECTIFICATION else base.filter(condition),
                    audiences,
                    item=item,
                    unit=unit,
                    kind=kind,
                    period=period,
                    step=rule.step,
                )
    return total


# --- the sweep ----------------------------------------------------------------------------------------------------


def _test_pause(point: str) -> None:
    if os.environ.get(_PAUSE_ENV) != point:
        return
    marker = os.environ.get(_MARKER_ENV)
    if marker:
        with open(marker, "w") as handle:
            handle.write(str(os.getpid()))
    time.sleep(600)


def _sweep_lock() -> None:
    """Overlapping sweeps queue here (PostgreSQL; SQLite's IMMEDIATE transactions already serialise writers).
    The sweep's statements are many short index-range joins: PostgreSQL's JIT compiler would spend more time
    compiling each of them than running it, so it is off for this transaction."""
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_xact_lock(%s)", [SWEEP_LOCK_KEY])
            cursor.execute("SET LOCAL jit = off")
            cursor.execute("SET LOCAL random_page_cost = 1.1")


def sweep(*, at: dt.datetime | None = None) -> SweepResult:
    """Send every reminder due as of `at` (default now) that has not gone out yet, and dispatch deliveries that
    are due (retries, and any a crash left unsent). Safe to run at any time, repeatedly, concurrently, and to kill:
    see the module's docstring. Outside the sending window it only dispatches.
    Audit: the reminders are the record (an item's and an inspection's timeline list them)."""
    started = time.monotonic()
    at = at or timezone.now()
    result = SweepResult(at=at, in_window=timing.in_send_window(at))
    result.dead_lettered, result.dispatched = deliveries_dispatch(at=at)
    if result.in_window:
        today = timing.local(at).date()
        first, last = timing.trigger_window(today)
        with transaction.atomic():
            _sweep_lock()
            run = ReminderRun.objects.create(
                source=ReminderRun.Source.SWEEP, at=at, started_at=timezone.now(), in_window=True
            )
            ctx = _Context(run=run, today=today, first=first, last=last)
            result.run_id = run.pk
            for kind in ReminderKind.swept():
                result.inserted[kind] = _sweep_kind(kind, ctx)
            _test_pause("after_insert")
            summary = _run_finish(run, counts={"inserted": result.inserted})
            result.messages, result.deliveries = summary.messages, len(summary.deliveries)
    result.seconds = time.monotonic() - started
    return result


# --- turning a run's reminders into messages ------------------------------------------------------------------


def _digest(run: ReminderRun) -> dict[int, dict[str, int]]:
    """One message per recipient for the run's reminders: how many of each kind, with a subject; its lines are
    the reminders themselves (see selectors.message_lines). Counted in SQL, so the work in Python is one row per
    recipient, however many reminders the run wrote. Returns {recipient: {kind: reminders}}."""
    counts: dict[int, dict[str, int]] = defaultdict(dict)
    rows = Reminder.objects.filter(run=run).values_list("recipient_id", "kind").annotate(n=Count("id"))
    for recipient, kind, count in rows.order_by():
        counts[recipient][kind] = count
    if not counts:
        return {}
    messages = []
    with override(settings.LANGUAGE_CODE):
        for recipient, kinds in counts.items():
            messages.append(
                Message(
                    run=run,
                    recipient_id=recipient,
                    subject=_subject(kinds),
                    line_count=sum(kinds.values()),
                    created_at=run.at,
                )
            )
        Message.objects.bulk_create(messages, batch_size=2000)
        _subjects_for_single_lines(run)
    return counts


def _subject(kind_counts: dict[str, int]) -> str:
    total = sum(kind_counts.values())
    if total == 1:
        return str(ReminderKind(next(iter(kind_counts))).label)
    return ngettext("%(count)d supervision reminder", "%(count)d supervision reminders", total) % {
        "count": total
    }


def _subjects_for_single_lines(run: ReminderRun) -> None:
    """A message about one item names it in the subject (its number, or its title unless it is secret)."""
    from ducha.reminders.selectors import message_lines

    single = list(Message.objects.filter(run=run, line_count=1))
    if not single:
        return
    lines = message_lines(single, limit=1)
    for message in single:
        first = (lines.get(message.pk) or [{}])[0]
        reference = first.get("number") or ("" if first.get("is_secret") else first.get("title", ""))
        message.subject = f"{message.subject}: {reference}".strip(": ")[:200]
    Message.objects.bulk_update(single, ["subject"], batch_size=2000)


def _run_finish(run: ReminderRun, *, counts: dict[str, Any] | None = None) -> RunSummary:
    """Digest the run's new reminders, create the deliveries and (after the commit) queue those that are due
    now. The reminders are their own record: timelines read them (selectors.reminder_timeline)."""
    counts_by_recipient = _digest(run)
    messages = len(counts_by_recipient)
    deliveries = _deliveries_create(run, counts_by_recipient) if messages else []
    run.status = ReminderRun.Status.DONE
    run.finished_at = timezone.now()
    run.counts = {**(counts or {}), "messages": messages, "deliveries": len(deliveries)}
    run.save(update_fields=["status", "finished_at", "counts"])

    def after_commit() -> None:
        _test_pause("after_commit")
        deliveries_enqueue(deliveries)

    transaction.on_commit(after_commit, robust=True)
    return RunSummary(reminders=0, messages=messages, deliveries=deliveries)


# --- deliveries ---------------------------------------------------------------------------------------------------


def channels_for(users: Iterable[int]) -> dict[int, set[str]]:
    """The external channels each user has switched on (the inbox is always on)."""
    defaults = {c for c in settings.DUCHA_NOTIFY_DEFAULT_CHANNELS if c in Channel.external()}
    ids = list(users)
    chosen: dict[int, set[str]] = {user: set(defaults) for user in ids}
    for user, channel, enabled in ChannelPreference.objects.filter(user_id__in=ids).values_list(
        "user_id", "channel", "is_enabled"
    ):
        if channel not in Channel.external():
            continue
        (chosen[user].add if enabled else chosen[user].discard)(channel)
    return chosen


def _webhook_targets() -> tuple[dict[int, WebhookEndpoint], WebhookEndpoint | None]:
    by_unit: dict[int, WebhookEndpoint] = {}
    default: WebhookEndpoint | None = None
    for endpoint in WebhookEndpoint.objects.filter(is_active=True):
        if endpoint.unit_id is None:
            default = default or endpoint
        else:
            by_unit[endpoint.unit_id] = endpoint
    if default is None and settings.DUCHA_WEBHOOK_URL:
        default = WebhookEndpoint(
            name="default", url=settings.DUCHA_WEBHOOK_URL, style=settings.DUCHA_WEBHOOK_STYLE
        )
    return by_unit, default


def _deliveries_create(run: ReminderRun, kinds: dict[int, dict[str, int]]) -> list[int]:
    """Per message of the run, one delivery per external channel the recipient chose or the office made mandatory
    for one of the message's kinds (`kinds`: the digest's counts by recipient and kind). Returns the new
    deliveries' ids."""
    messages = dict(Message.objects.filter(run=run).values_list("recipient_id", "id"))
    if not messages:
        return []
    mandatory: dict[str, set[str]] = defaultdict(set)
    for kind, channel in MandatoryChannel.objects.values_list("kind", "channel"):
        mandatory[kind].add(channel)
    chosen = channels_for(messages)
    by_unit, default_robot = _webhook_targets()
    users = User.objects.filter(pk__in=list(messages)).only("id", "email", "phone", "unit_id")
    not_before = timing.next_send_moment(run.at)
    created = timezone.now()
    deliveries = []
    for user in users:
        wanted = set(chosen.get(user.pk, set()))
        required: set[str] = set()
        for kind in kinds.get(user.pk, {}):
            required |= mandatory.get(kind, set())
        for channel in sorted(wanted | required):
            robot = by_unit.get(user.unit_id or 0, default_robot) if channel == Channel.WEBHOOK else None
            targets: dict[str, str] = {
                Channel.EMAIL: user.email,
                Channel.SMS: user.phone,
                Channel.WEBHOOK: robot.url if robot else "",
            }
            target = targets[channel]
            if not target and channel not in required:
                continue  # chosen but no address: nothing to try; a mandatory one is dead-lettered for the admin
            deliveries.append(
                Delivery(
                    message_id=messages[user.pk],
                    channel=channel,
                    target=target,
                    next_attempt_at=not_before,
                    created_at=created,
                )
            )
    Delivery.objects.bulk_create(deliveries, batch_size=1000)
    return list(Delivery.objects.filter(message__run=run).order_by("id").values_list("id", flat=True))


def _backend_defers() -> bool:
    from django_tasks import default_task_backend

    return bool(default_task_backend.supports_defer)


def deliveries_enqueue(delivery_ids: list[int]) -> int:
    """Queue a send task for each delivery: those due now at once, later ones deferred where the task backend
    can defer (else the sweep's dispatch queues them when they are due). Returns how many were queued."""
    from ducha.reminders.tasks import deliver

    if not delivery_ids:
        return 0
    now = timezone.now()
    defers = _backend_defers()
    queued = 0
    rows = Delivery.objects.filter(
        pk__in=delivery_ids, status__in=[DeliveryStatus.PENDING, DeliveryStatus.RETRY]
    ).values_list("id", "next_attempt_at")
    for delivery_id, next_attempt_at in list(rows):
        if next_attempt_at <= now:
            Delivery.objects.filter(pk=delivery_id).update(enqueued_at=now)
            deliver.enqueue(delivery_id)
        elif defers:
            Delivery.objects.filter(pk=delivery_id).update(enqueued_at=next_attempt_at)
            deliver.using(run_after=next_attempt_at).enqueue(delivery_id)
        else:
            continue
        queued += 1
    return queued


def deliveries_dispatch(*, at: dt.datetime | None = None) -> tuple[int, int]:
    """Housekeeping that every sweep does first: dead-letter deliveries whose worker died while sending (their
    outcome is unknown; resending could send twice), and queue due deliveries that no task is waiting for
    (retries on a backend that cannot defer, a lost queue, a crash between commit and queueing).
    Returns (dead-lettered, queued)."""
    at = at or timezone.now()
    dead = Delivery.objects.filter(status=DeliveryStatus.SENDING, claimed_at__lt=at - SENDING_LEASE).update(
        status=DeliveryStatus.DEAD,
        dead_at=at,
        last_error="interrupted while sending; the outcome is unknown, so it was not resent",
    )
    due = list(
        Delivery.objects.filter(
            Q(enqueued_at__isnull=True) | Q(enqueued_at__lt=at - REQUEUE_AFTER),
            status__in=[DeliveryStatus.PENDING, DeliveryStatus.RETRY],
            next_attempt_at__lte=at,
        )
        .order_by("next_attempt_at", "id")
        .values_list("id", flat=True)[:DISPATCH_BATCH]
    )
    return dead, deliveries_enqueue(due)


def _outgoing(delivery: Delivery) -> channels.Outgoing:
    message = delivery.message
    style, use_markdown = settings.DUCHA_WEBHOOK_STYLE, True
    if delivery.channel == Channel.WEBHOOK:
        endpoint = WebhookEndpoint.objects.filter(url=delivery.target).first()
        if endpoint is not None:
            style, use_markdown = endpoint.style, endpoint.use_markdown
    from ducha.reminders.selectors import message_lines

    return channels.Outgoing(
        subject=message.subject,
        lines=message_lines([message], limit=channels.WEBHOOK_MAX_LINES).get(message.pk, []),
        line_count=message.line_count,
        target=delivery.target,
        inbox_url=f"{settings.DUCHA_SITE_URL}/inbox/",
        style=style,
        use_markdown=use_markdown,
    )


def backoff(attempts: int) -> dt.timedelta:
    """The wait after the n-th failed attempt: the base doubled each time (60 s, 2 min, 4 min …), at most a day."""
    seconds = settings.DUCHA_DELIVERY_BACKOFF_SECONDS * 2 ** max(attempts - 1, 0)
    return dt.timedelta(seconds=min(seconds, 86400))


def delivery_attempt(*, delivery_id: int) -> str | None:
    """Try to send one delivery (the task's body). The delivery is claimed first with a conditional UPDATE: if
    it is not due, already sent, dead or being sent by another worker, nothing happens (returns None).
    Otherwise one DeliveryAttempt is recorded; on failure the delivery waits (exponential backoff) or, after the
    last attempt, becomes a dead letter. Returns the new status."""
    now = timezone.now()
    claimed = Delivery.objects.filter(
        pk=delivery_id,
        status__in=[DeliveryStatus.PENDING, DeliveryStatus.RETRY],
        next_attempt_at__lte=now,
    ).update(status=DeliveryStatus.SENDING, claimed_at=now, attempts=F("attempts") + 1)
    if not claimed:
        return None
    delivery = Delivery.objects.select_related("message").get(pk=delivery_id)
    attempt = DeliveryAttempt.objects.create(
        delivery=delivery, number=delivery.attempt_log.count() + 1, started_at=now
    )
    try:
        result = channels.send(delivery.channel, _outgoing(delivery))
    except Exception as error:  # a channel must not leave the delivery claimed for ever
        logger.exception("channel %s failed", delivery.channel)
        result = channels.SendResult(ok=False, error=f"{type(error).__name__}: {error}")
    finished = timezone.now()
    DeliveryAttempt.objects.filter(pk=attempt.pk).update(
        finished_at=finished, is_success=result.ok, error=result.error, response=result.response[:500]
    )
    if result.ok:
        Delivery.objects.filter(pk=delivery_id).update(
            status=DeliveryStatus.SENT, sent_at=finished, last_error=""
        )
        return DeliveryStatus.SENT
    if result.permanent or delivery.attempts >= settings.DUCHA_DELIVERY_MAX_ATTEMPTS:
        Delivery.objects.filter(pk=delivery_id).update(
            status=DeliveryStatus.DEAD, dead_at=finished, last_error=result.error
        )
        return DeliveryStatus.DEAD
    next_attempt = timing.next_send_moment(finished + backoff(delivery.attempts))
    Delivery.objects.filter(pk=delivery_id).update(
        status=DeliveryStatus.RETRY, next_attempt_at=next_attempt, last_error=result.error, enqueued_at=None
    )
    if _backend_defers():
        deliveries_enqueue([delivery_id])
    return DeliveryStatus.RETRY


def _require_admin(actor: User) -> None:
    if not (actor.is_staff or actor.is_superuser or actor.has_role(Role.ADMIN)):
        raise NotPermitted(codes.ROLE_REQUIRED)


def delivery_retry(*, delivery_id: int, actor: User) -> Delivery:
    """An administrator sends a dead letter again: it gets a fresh round of attempts, starting now."""
    _require_admin(actor)
    now = timezone.now()
    updated = Delivery.objects.filter(pk=delivery_id, status=DeliveryStatus.DEAD).update(
        status=DeliveryStatus.PENDING,
        attempts=0,
        next_attempt_at=now,
        dead_at=None,
        enqueued_at=None,
        claimed_at=None,
    )
    if not updated:
        if not Delivery.objects.filter(pk=delivery_id).exists():
            raise NotFound()
        raise InvalidState(codes.ACTION_NOT_ALLOWED)
    transaction.on_commit(lambda: deliveries_enqueue([delivery_id]), robust=True)
    return Delivery.objects.get(pk=delivery_id)


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
