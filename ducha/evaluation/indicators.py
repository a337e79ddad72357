"""The indicators of the evaluation (考核), each a rule over the record of a period, as of a cutoff instant.

The five things seed 004 §3 makes the year's evaluation rest on, grouped as the issue names them: timeliness
(通知的接收 — signed for on time; 结果的反馈 — completed on time, progress on time, extensions), quality (reports
accepted the first time), effect (rectifications done by their deadline) and cooperation (督查活动的配合 — the
liaison in place, inspection conclusions acknowledged on time). Sanctions join when the results issue lands.

Every rule counts, per unit, a population and how many of it went wrong ("bad"); the indicator's rate is
1 − bad / total (full marks with nothing to count). A fact belongs to the period in which it became decidable —
the sign-for deadline passed, the due date passed, the review was made — and only what was on record at the cutoff
counts: the dates a rule reads (notified, signed, reported, reviewed, decided) are written once by the domain and
never moved, so the same period as of the same cutoff gives the same figures whenever it is computed again.

`counts()` is set-based (one grouped query per indicator for any number of units); `facts()` lists the rows
behind one unit's figure, each with the item or rectification it is about.
"""

from __future__ import annotations

import datetime as dt
import functools
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

from django.db import connection
from django.db.models import (
    BigIntegerField,
    Case,
    Count,
    DateField,
    DateTimeField,
    Exists,
    F,
    IntegerField,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Value,
    When,
)
from django.db.models.fields.json import KT
from django.db.models.functions import Cast, Coalesce, TruncDate
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from ducha.audit.models import Event, EventType
from ducha.inspections.models import Conclusion, Rectification
from ducha.items.models import (
    Assignment,
    ExtensionRequest,
    ExtensionStatus,
    Report,
    ReportKind,
    ReportStatus,
    Review,
)
from ducha.items.statuses import ItemStatus
from ducha.orgs.models import Role, User
from ducha.reminders.models import Reminder, ReminderKind
from ducha.workcalendar import services as workdays

# Working days a unit has to sign for an assignment (the day it is notified and the next working day), and to
# acknowledge an inspection conclusion issued to it.
SIGN_FOR_WORKDAYS = 1
ACKNOWLEDGE_WORKDAYS = 5
# Sign-for and acknowledgement deadlines are found from the notification day: look this far back before the
# period for notifications whose deadline falls inside it.
_LOOKBACK = dt.timedelta(days=40)

# A progress report missed (the reminder's second step, after the day it was due — the first is a heads-up before
# it) or the office's chase.
MISSED_PROGRESS = Q(kind=ReminderKind.CHASE) | Q(kind=ReminderKind.PROGRESS_DUE, step__gte=2)

# Statuses in which an item was never assigned (or was rejected): its assignments do not count.
NOT_ASSIGNED = [ItemStatus.DRAFT, ItemStatus.PENDING_APPROVAL, ItemStatus.REGISTERED, ItemStatus.REJECTED]
# Completion reports that passed the unit head's check (sent to the office, whatever the office decided since).
_HEAD_APPROVED = [ReportStatus.SUBMITTED, ReportStatus.ACCEPTED, ReportStatus.RETURNED]


@dataclass(frozen=True)
class Window:
    """A period [start, end) as of `cutoff`: only what was on record at the cutoff counts."""

    start: dt.datetime
    end: dt.datetime
    cutoff: dt.datetime

    @property
    def until(self) -> dt.datetime:
        return min(self.end, self.cutoff)

    @property
    def first_day(self) -> dt.date:
        return timezone.localdate(self.start)

    @property
    def until_day(self) -> dt.date:
        """Days before this one have fully passed within the window."""
        return timezone.localdate(self.until)


@dataclass(frozen=True)
class Fact:
    """One row behind a figure: about an item (item_id) or a rectification or conclusion (subject), when it
    became decidable, and whether it went wrong."""

    indicator: str
    bad: bool
    when: dt.date
    what: str
    item_id: int | None = None
    number: str = ""
    title: str = ""
    subject_type: str = "item"
    subject_id: int | None = None
    detail: dict[str, Any] = field(default_factory=dict)


Counts = dict[int, tuple[int, int]]


def _add(counts: dict[int, list[int]], unit_id: int, n: int, bad: bool) -> None:
    slot = counts.setdefault(unit_id, [0, 0])
    slot[0] += n
    if bad:
        slot[1] += n


def _freeze(counts: dict[int, list[int]]) -> Counts:
    return {unit: (total, bad) for unit, (total, bad) in counts.items()}


@functools.lru_cache(maxsize=4096)
def _deadline(day: dt.date, n: int) -> dt.date:
    return workdays.add_workdays(day, n)


class Indicator:
    code: str = ""
    group: str = ""
    label: Any = ""
    rule: Any = ""

    def counts(self, units: Sequence[int], window: Window) -> Counts:
        raise NotImplementedError

    def facts(self, unit_id: int, window: Window) -> list[Fact]:
        raise NotImplementedError


class _DeadlineFromNotice(Indicator):
    """Something sent to the unit on a day, to be answered within N working days: counted in the period in which
    the deadline passed; bad when not answered by the deadline (as of the cutoff)."""

    workdays_allowed = 1
    sent = ""
    answered = ""

    def queryset(self, units: Sequence[int], window: Window) -> QuerySet[Any]:
        raise NotImplementedError

    def _grouped(self, units: Sequence[int], window: Window) -> Iterable[dict[str, Any]]:
        return (
            self.queryset(units, window)
            .filter(**{f"{self.sent}__gte": window.start - _LOOKBACK, f"{self.sent}__lt": window.until})
            .annotate(
                sent_day=TruncDate(self.sent),
                answered_day=Case(
                    When(**{f"{self.answered}__lte": window.cutoff}, then=TruncDate(self.answered)),
                    default=Value(None),
                    output_field=DateField(),
                ),
            )
            .values("unit_key", "sent_day", "answered_day")
            .annotate(n=Count("id"))
            .order_by()
        )

    def _judge(self, sent_day: dt.date, answered_day: dt.date | None, window: Window) -> tuple[bool, bool]:
        """(counted in this window, bad)."""
        deadline = _deadline(sent_day, self.workdays_allowed)
        if not window.first_day <= deadline < window.until_day:
            return False, False
        return True, answered_day is None or answered_day > deadline

    def counts(self, units: Sequence[int], window: Window) -> Counts:
        if connection.vendor == "postgresql":
            return self._counts_in_sql(units, window)
        counts: dict[int, list[int]] = {}
        for row in self._grouped(units, window):
            counted, bad = self._judge(row["sent_day"], row["answered_day"], window)
            if counted:
                _add(counts, row["unit_key"], row["n"], bad)
        return _freeze(counts)

    def _counts_in_sql(self, units: Sequence[int], window: Window) -> Counts:
        """The same judgement in the database: the calendar's (day sent → deadline) pairs of the deadlines falling
        in the window go in as two arrays, so that a province's hundreds of thousands of (unit, day sent, day
        answered) groups are judged and summed per unit there instead of in Python."""
        sent_days, deadlines = [], []
        day = timezone.localdate(window.start - _LOOKBACK)
        while day <= window.until_day:
            deadline = _deadline(day, self.workdays_allowed)
            if window.first_day <= deadline < window.until_day:
                sent_days.append(day)
                deadlines.append(deadline)
            day += dt.timedelta(days=1)
        inner, params = self._grouped(units, window).query.sql_with_params()  # type: ignore[attr-defined]
        sql = (
            "SELECT g.unit_key, SUM(g.n), COALESCE(SUM(g.n) FILTER (WHERE g.answered_day IS NULL"
            " OR g.answered_day > d.deadline), 0)"
            f" FROM ({inner}) g JOIN unnest(%s::date[], %s::date[]) AS d(sent_day, deadline)"
            " ON d.sent_day = g.sent_day GROUP BY g.unit_key"
        )
        with connection.cursor() as cursor:
            cursor.execute(sql, [*params, sent_days, deadlines])
            return {unit: (int(total), int(bad)) for unit, total, bad in cursor.fetchall()}


class SignFor(_DeadlineFromNotice):
    code = "sign_for"
    group = "timeliness"
    label = _("signed for on time")
    rule = _("Each assignment is signed for by the end of the next working day after it was sent.")
    workdays_allowed = SIGN_FOR_WORKDAYS
    sent = "notified_at"
    answered = "signed_at"

    def queryset(self, units: Sequence[int], window: Window) -> QuerySet[Any]:
        return (
            Assignment.objects.filter(unit_id__in=units, notified_at__isnull=False)
            .exclude(item__status__in=NOT_ASSIGNED)
            .annotate(unit_key=F("unit_id"))
        )

    def facts(self, unit_id: int, window: Window) -> list[Fact]:
        rows = (
            self.queryset([unit_id], window)
            .filter(notified_at__gte=window.start - _LOOKBACK, notified_at__lt=window.until)
            .values("item_id", "item__number", "item__title", "notified_at", "signed_at")
            .order_by("notified_at", "id")
        )
        facts = []
        for row in rows:
            signed = row["signed_at"] if row["signed_at"] and row["signed_at"] <= window.cutoff else None
            counted, bad = self._judge(
                timezone.localdate(row["notified_at"]), timezone.localdate(signed) if signed else None, window
            )
            if counted:
                deadline = _deadline(timezone.localdate(row["notified_at"]), self.workdays_allowed)
                facts.append(
                    Fact(
                        self.code,
                        bad,
                        deadline,
                        str(
                            _("signed for late")
                            if signed and bad
                            else _("not signed for")
                            if bad
                            else _("signed for on time")
                        ),
                        row["item_id"],
                        row["item__number"],
                        row["item__title"],
                        detail={
                            "sent": _iso(row["notified_at"]),
                            "answered": _iso(signed),
                            "deadline": deadline.isoformat(),
                        },
                    )
                )
        return facts


class ConclusionAcknowledged(_DeadlineFromNotice):
    code = "conclusion_ack"
    group = "cooperation"
    label = _("inspection conclusions acknowledged on time")
    rule = _("A conclusion issued to the unit is acknowledged within five working days.")
    workdays_allowed = ACKNOWLEDGE_WORKDAYS
    sent = "issued_at"
    answered = "acknowledged_at"

    def queryset(self, units: Sequence[int], window: Window) -> QuerySet[Any]:
        return Conclusion.objects.filter(target_id__in=units, issued_at__isnull=False).annotate(
            unit_key=F("target_id")
        )

    def facts(self, unit_id: int, window: Window) -> list[Fact]:
        rows = (
            self.queryset([unit_id], window)
            .filter(issued_at__gte=window.start - _LOOKBACK, issued_at__lt=window.until)
            .values("id", "inspection_id", "inspection__topic", "issued_at", "acknowledged_at")
            .order_by("issued_at", "id")
        )
        facts = []
        for row in rows:
            answered = (
                row["acknowledged_at"]
                if row["acknowledged_at"] and row["acknowledged_at"] <= window.cutoff
                else None
            )
            sent_day = timezone.localdate(row["issued_at"])
            counted, bad = self._judge(sent_day, timezone.localdate(answered) if answered else None, window)
            if counted:
                deadline = _deadline(sent_day, self.workdays_allowed)
                facts.append(
                    Fact(
                        self.code,
                        bad,
                        deadline,
                        str(
                            _("acknowledged late")
                            if answered and bad
                            else _("not acknowledged")
                            if bad
                            else _("acknowledged on time")
                        ),
                        title=row["inspection__topic"],
                        subject_type="inspection",
                        subject_id=row["inspection_id"],
                        detail={
                            "sent": _iso(row["issued_at"]),
                            "answered": _iso(answered),
                            "deadline": deadline.isoformat(),
                        },
                    )
                )
        return facts


class Completion(Indicator):
    """Each assignment whose item fell due in the period: the lead unit's completion report (a co-unit's final
    report of its share) filed by the due date."""

    code = "completion"
    group = "timeliness"
    label = _("completed on time")
    rule = _("Each task due in the period is reported complete (a co-unit: its share) by its due date.")

    def _queryset(self, units: Sequence[int], window: Window) -> QuerySet[Any]:
        # The report standing at the cutoff, read from the reports themselves: the assignment's `reported_at` is
        # cleared when the office returns the report, which would move a past period's figure.
        returned = Review.objects.filter(
            report_id=OuterRef("pk"), decision=Review.Decision.RETURN, created_at__lte=window.cutoff
        )
        standing = (
            Report.objects.filter(assignment_id=OuterRef("pk"))
            .filter(
                Q(
                    kind=ReportKind.COMPLETION,
                    status__in=_HEAD_APPROVED,
                    head_decided_at__lte=window.cutoff,
                )
                | Q(kind=ReportKind.PROGRESS, is_final=True, created_at__lte=window.cutoff)
            )
            .exclude(Exists(returned))
            .annotate(
                at=Case(
                    When(kind=ReportKind.COMPLETION, then=F("head_decided_at")),
                    default=F("created_at"),
                    output_field=DateTimeField(),
                )
            )
            .order_by("at")
            .values("at")[:1]
        )
        # The due date as it stood at the cutoff: an extension granted since moved it, from its old date.
        extended_since = ExtensionRequest.objects.filter(
            item_id=OuterRef("item_id"), status=ExtensionStatus.GRANTED, decided_at__gt=window.cutoff
        )
        due_then = extended_since.order_by("decided_at", "id").values("old_due_date")[:1]
        return (
            Assignment.objects.filter(unit_id__in=units)
            .filter(
                Q(item__due_date__gte=window.first_day, item__due_date__lt=window.until_day)
                | Exists(extended_since)
            )
            .exclude(item__status__in=NOT_ASSIGNED)
            .exclude(Exists(_cancelled_by(window.cutoff)))
            .annotate(due=Coalesce(Subquery(due_then, output_field=DateField()), F("item__due_date")))
            .filter(due__gte=window.first_day, due__lt=window.until_day)
            .annotate(reported=Subquery(standing, output_field=DateTimeField()))
            .annotate(reported_day=TruncDate("reported"))
            .annotate(
                late=Case(
                    When(
                        Q(reported__isnull=True) | Q(reported_day__gt=F("due")),
                        then=Value(1),
                    ),
                    default=Value(0),
                    output_field=IntegerField(),
                )
            )
        )

    def counts(self, units: Sequence[int], window: Window) -> Counts:
        counts: dict[int, list[int]] = {}
        rows = self._queryset(units, window).values("unit_id", "late").annotate(n=Count("id")).order_by()
        for row in rows:
            _add(counts, row["unit_id"], row["n"], bool(row["late"]))
        return _freeze(counts)

    def facts(self, unit_id: int, window: Window) -> list[Fact]:
        rows = (
            self._queryset([unit_id], window)
            .values("item_id", "item__number", "item__title", "due", "reported", "late", "role")
            .order_by("due", "id")
        )
        return [
            Fact(
                self.code,
                bool(row["late"]),
                row["due"],
                str(_("not complete by the due date") if row["late"] else _("complete by the due date")),
                row["item_id"],
                row["item__number"],
                row["item__title"],
                detail={
                    "due": row["due"].isoformat(),
                    "reported": _iso(row["reported"]),
                    "role": row["role"],
                },
            )
            for row in rows
        ]


def _active(units: Sequence[int], window: Window) -> QuerySet[Assignment]:
    """Assignments the unit was working on during the window: sent before its end, the item not closed or withdrawn
    before its start (dates written once: a report returned later does not move an earlier period's figure)."""
    return (
        Assignment.objects.filter(unit_id__in=units, notified_at__lt=window.until)
        .filter(Q(item__closed_at__isnull=True) | Q(item__closed_at__gte=window.start))
        .exclude(item__status__in=NOT_ASSIGNED)
        .exclude(Exists(_cancelled_by(window.start)))
    )


def _cancelled_by(instant: dt.datetime) -> QuerySet[Event]:
    """The item (OuterRef item_id) withdrawn before `instant`, by its audit event (the status says only now)."""
    return Event.objects.filter(
        subject_type="item",
        subject_id=OuterRef("item_id"),
        event_type=EventType.ITEM_CANCELLED,
        created_at__lt=instant,
    )


class _PerActiveItem(Indicator):
    """Items that went wrong in the window (distinct), out of the items the unit was working on."""

    def active(self, units: Sequence[int], window: Window) -> QuerySet[Assignment]:
        return _active(units, window)

    def wrong(self, units: Sequence[int], window: Window) -> QuerySet[Any]:
        """Rows with `unit_key`, `item_id`, `when` (an instant), one per occurrence."""
        raise NotImplementedError

    what: Any = ""

    def counts(self, units: Sequence[int], window: Window) -> Counts:
        totals = dict(self.active(units, window).values_list("unit_id").annotate(n=Count("id")).order_by())
        bad = dict(
            self.wrong(units, window)
            .values_list("unit_key")
            .annotate(n=Count("item_id", distinct=True))
            .order_by()
        )
        counts: dict[int, list[int]] = {}
        for unit_id in set(totals) | set(bad):
            total = max(totals.get(unit_id, 0), bad.get(unit_id, 0))
            counts[unit_id] = [total, bad.get(unit_id, 0)]
        return _freeze(counts)

    def facts(self, unit_id: int, window: Window) -> list[Fact]:
        rows = (
            self.wrong([unit_id], window)
            .values("item_id", "item__number", "item__title", "when")
            .order_by("when")
        )
        seen: set[int] = set()
        facts = []
        for row in rows:
            if row["item_id"] in seen:
                continue
            seen.add(row["item_id"])
            facts.append(
                Fact(
                    self.code,
                    True,
                    timezone.localdate(row["when"]),
                    str(self.what),
                    row["item_id"],
                    row["item__number"],
                    row["item__title"],
                    detail={"at": _iso(row["when"])},
                )
            )
        return facts


class Progress(_PerActiveItem):
    code = "progress"
    group = "timeliness"
    label = _("progress reported on time")
    rule = _(
        "Items with a progress cycle get their progress reports in time: each item reminded for a missed report or chased by the office counts once."
    )
    what = _("progress report missed or chased by the office")

    def active(self, units: Sequence[int], window: Window) -> QuerySet[Assignment]:
        return _active(units, window).exclude(item__progress_cycle="")

    def wrong(self, units: Sequence[int], window: Window) -> QuerySet[Any]:
        return Reminder.objects.filter(
            MISSED_PROGRESS,
            unit_id__in=units,
            created_at__gte=window.start,
            created_at__lt=window.until,
        ).annotate(unit_key=F("unit_id"), when=F("created_at"))


class Extensions(_PerActiveItem):
    code = "extensions"
    group = "timeliness"
    label = _("kept to the original deadline")
    rule = _("Each item whose deadline was extended in the period counts once against the unit that asked.")
    what = _("deadline extended")

    def wrong(self, units: Sequence[int], window: Window) -> QuerySet[Any]:
        return ExtensionRequest.objects.filter(
            unit_id__in=units,
            status=ExtensionStatus.GRANTED,
            decided_at__gte=window.start,
            decided_at__lt=window.until,
        ).annotate(unit_key=F("unit_id"), when=F("decided_at"))


class FirstTime(Indicator):
    """Completion reports accepted in the period: bad when the office had returned the item before."""

    code = "first_time"
    group = "quality"
    label = _("reports accepted the first time")
    rule = _(
        "Each item the office accepted in the period counts; it is a failure when the office had returned it to be redone before."
    )

    def _queryset(self, units: Sequence[int], window: Window) -> QuerySet[Any]:
        returned_before = Review.objects.filter(
            item_id=OuterRef("item_id"),
            decision=Review.Decision.RETURN,
            created_at__lt=OuterRef("created_at"),
        )
        return Review.objects.filter(
            decision=Review.Decision.ACCEPT,
            created_at__gte=window.start,
            created_at__lt=window.until,
            item__assignments__unit_id__in=units,
            item__assignments__role="lead",
        ).annotate(unit_key=F("item__assignments__unit_id"), returned=Exists(returned_before))

    def counts(self, units: Sequence[int], window: Window) -> Counts:
        counts: dict[int, list[int]] = {}
        rows = (
            self._queryset(units, window)
            .values("unit_key", "returned")
            .annotate(n=Count("item_id", distinct=True))
            .order_by()
        )
        for row in rows:
            _add(counts, row["unit_key"], row["n"], bool(row["returned"]))
        return _freeze(counts)

    def facts(self, unit_id: int, window: Window) -> list[Fact]:
        rows = (
            self._queryset([unit_id], window)
            .values("item_id", "item__number", "item__title", "created_at", "returned")
            .order_by("created_at")
        )
        return [
            Fact(
                self.code,
                bool(row["returned"]),
                timezone.localdate(row["created_at"]),
                str(_("accepted after a return") if row["returned"] else _("accepted the first time")),
                row["item_id"],
                row["item__number"],
                row["item__title"],
                detail={"accepted": _iso(row["created_at"])},
            )
            for row in rows
        ]


class RectificationOnTime(Indicator):
    code = "rectification"
    group = "effect"
    label = _("rectifications done on time")
    rule = _(
        "Each rectification due in the period is reported complete by its due date and not failed at the check since."
    )

    def _queryset(self, units: Sequence[int], window: Window) -> QuerySet[Any]:
        # Read from the inspection's audit events (they name the rectification), as they stood at the cutoff: the
        # rectification's `reported_at` is cleared when a check fails, which would move a past period's figure.
        def events(event_type: EventType) -> QuerySet[Event]:
            # The key as a number (a bare `new__rectification=` compares jsonb with bigint on PostgreSQL).
            return Event.objects.alias(
                rectification_id=Cast(KT("new__rectification"), BigIntegerField())
            ).filter(
                subject_type="inspection",
                subject_id=OuterRef("inspection_id"),
                event_type=event_type,
                rectification_id=OuterRef("pk"),
                created_at__lte=window.cutoff,
            )

        last_report = (
            events(EventType.INSPECTION_RECTIFICATION_REPORTED)
            .order_by("-created_at")
            .values("created_at")[:1]
        )
        return (
            Rectification.objects.filter(
                target_id__in=units, due_date__gte=window.first_day, due_date__lt=window.until_day
            )
            .exclude(Exists(events(EventType.INSPECTION_RECTIFICATION_CANCELLED)))
            .annotate(reported=Subquery(last_report, output_field=DateTimeField()))
            .annotate(
                reported_day=TruncDate("reported"),
                failed_since=Exists(
                    events(EventType.INSPECTION_RECTIFICATION_FAILED).filter(
                        created_at__gt=OuterRef("reported")
                    )
                ),
            )
            .annotate(
                late=Case(
                    When(
                        Q(reported__isnull=True) | Q(failed_since=True) | Q(reported_day__gt=F("due_date")),
                        then=Value(1),
                    ),
                    default=Value(0),
                    output_field=IntegerField(),
                )
            )
        )

    def counts(self, units: Sequence[int], window: Window) -> Counts:
        counts: dict[int, list[int]] = {}
        for row in (
            self._queryset(units, window).values("target_id", "late").annotate(n=Count("id")).order_by()
        ):
            _add(counts, row["target_id"], row["n"], bool(row["late"]))
        return _freeze(counts)

    def facts(self, unit_id: int, window: Window) -> list[Fact]:
        rows = (
            self._queryset([unit_id], window)
            .values("id", "inspection_id", "finding__description", "due_date", "reported", "late")
            .order_by("due_date", "id")
        )
        return [
            Fact(
                self.code,
                bool(row["late"]),
                row["due_date"],
                str(_("not rectified by the due date") if row["late"] else _("rectified by the due date")),
                title=(row["finding__description"] or "")[:80],
                subject_type="rectification",
                subject_id=row["id"],
                detail={
                    "inspection": row["inspection_id"],
                    "due": row["due_date"].isoformat(),
                    "reported": _iso(row["reported"]),
                },
            )
            for row in rows
        ]


class Liaison(Indicator):
    code = "liaison"
    group = "cooperation"
    label = _("liaison in place")
    rule = _(
        "The unit has named an active liaison (督查联络员, seed 004 §5(2)); read when the scores are computed."
    )

    def _with_liaison(self, units: Sequence[int]) -> set[int]:
        return set(
            User.objects.filter(unit_id__in=units, is_active=True, role_grants__role=Role.LIAISON)
            .values_list("unit_id", flat=True)
            .distinct()
        )

    def counts(self, units: Sequence[int], window: Window) -> Counts:
        present = self._with_liaison(units)
        return {unit: (1, 0 if unit in present else 1) for unit in units}

    def facts(self, unit_id: int, window: Window) -> list[Fact]:
        present = unit_id in self._with_liaison([unit_id])
        return [
            Fact(
                self.code,
                not present,
                timezone.localdate(window.until),
                str(_("a liaison is named") if present else _("no liaison is named")),
                subject_type="unit",
                subject_id=unit_id,
            )
        ]


INDICATORS: list[Indicator] = [
    SignFor(),
    Completion(),
    Progress(),
    Extensions(),
    FirstTime(),
    RectificationOnTime(),
    Liaison(),
    ConclusionAcknowledged(),
]
BY_CODE = {indicator.code: indicator for indicator in INDICATORS}

GROUPS = {
    "timeliness": _("timeliness"),
    "quality": _("quality"),
    "effect": _("effect"),
    "cooperation": _("cooperation"),
}

# The defaults, from the seeds: delivery on time weighs most (004 §3(2)(4)), then its quality and effect (002 art.
# 16), then cooperation with inspections (004 §3(5)). Percent; they add up to 100.
DEFAULT_WEIGHTS: dict[str, int] = {
    "sign_for": 10,
    "completion": 20,
    "progress": 5,
    "extensions": 5,
    "first_time": 25,
    "rectification": 20,
    "liaison": 5,
    "conclusion_ack": 10,
}


def _iso(value: dt.datetime | None) -> str | None:
    return timezone.localtime(value).isoformat() if value is not None else None


def all_counts(units: Sequence[int], window: Window) -> dict[str, Counts]:
    """Every indicator's counts for these units: one grouped query (or two) per indicator."""
    return {indicator.code: indicator.counts(units, window) for indicator in INDICATORS}


def unit_facts(unit_id: int, window: Window, codes: Iterable[str] | None = None) -> dict[str, list[Fact]]:
    wanted = set(codes) if codes is not None else set(BY_CODE)
    return {
        indicator.code: indicator.facts(unit_id, window)
        for indicator in INDICATORS
        if indicator.code in wanted
    }
