"""The reminder rules, and per rule step the rows that are due: the bases each kind of reminder is drawn from."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass

from django.db.models import (
    Exists,
    Expression,
    F,
    OuterRef,
    Q,
    QuerySet,
)

from ducha.inspections.lifecycle import RectificationStatus
from ducha.inspections.models import Rectification
from ducha.items.lifecycle import ItemStatus
from ducha.items.models import (
    Assignment,
    AssignmentStatus,
    ExtensionRequest,
    ExtensionStatus,
    Report,
    ReportKind,
    ReportStatus,
)
from ducha.reminders import timing
from ducha.reminders.defaults import default_rules
from ducha.reminders.models import (
    Audience,
    ReminderKind,
    ReminderRule,
    ReminderRun,
)
from ducha.reminders.services.base import RECTIFICATION, RUNNING, _insert_for, _period

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
    for cycle in timing.PROGRESS_CYCLES:
        for period in timing.periods_around(cycle, ctx.today):
            trigger = timing.progress_trigger(cycle, period, rule.offset_workdays)
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
