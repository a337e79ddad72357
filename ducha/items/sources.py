"""Reads of source records (一事一项的来源) and their ledger. Scope: the office staff and leaders of the record's
government and of the governments above it see a record; unit users see none (they see the items assigned to
them, on their own lists). A record out of scope is "not found"."""

from __future__ import annotations

import datetime
from collections.abc import Sequence
from dataclasses import dataclass, field

from django.db.models import Count, Q, QuerySet

from ducha.common.errors import NotFound
from ducha.items.lifecycle import ItemStatus
from ducha.items.models import AssignmentRole, Item, SourceRecord
from ducha.items.selectors import MAX_ID, decode_cursor, items_for_user
from ducha.items.selectors import _with_related as with_related
from ducha.orgs.models import Role, Unit, UnitKind, User

# A source record is split into tens of items, a work report into a hundred or two: one page shows them all.
ITEMS_SHOWN_MAX = 500
FINISHED_WORK = frozenset({ItemStatus.ACCEPTED, ItemStatus.CLOSED, ItemStatus.ARCHIVED})


def source_records_for_user(user: User) -> QuerySet[SourceRecord]:
    """The records `user` may see: office staff and leaders, those of their government and of the governments
    below it (an upper government reads the lower ones' ledgers; the lower office keeps its own)."""
    if not user.is_authenticated or not user.is_active or user.unit is None:
        return SourceRecord.objects.none()
    government = user.unit.government
    if government is None or not user.has_role(Role.OFFICE, Role.LEADER):
        return SourceRecord.objects.none()
    governments = Unit.objects.filter(path__startswith=government.path, kind=UnitKind.GOVERNMENT)
    return SourceRecord.objects.filter(government_id__in=governments.values("id"))


def source_record_for_user(user: User, source_record_id: int) -> SourceRecord:
    if not 1 <= source_record_id <= MAX_ID:
        raise NotFound()
    record = (
        source_records_for_user(user)
        .select_related("government", "leader", "created_by")
        .filter(pk=source_record_id)
        .first()
    )
    if record is None:
        raise NotFound()
    return record


def source_records_of_government(user: User) -> QuerySet[SourceRecord]:
    """The records the user's own government keeps: what the item form offers to link an item to."""
    if user.unit is None or user.unit.government_id is None or not user.has_role(Role.OFFICE):
        return SourceRecord.objects.none()
    return SourceRecord.objects.filter(government_id=user.unit.government_id).order_by("-created_at", "-id")


@dataclass
class SourcePage:
    records: list[SourceRecord]
    next_cursor: str | None
    # Per record: how many of its items the user sees.
    item_counts: dict[int, int] = field(default_factory=dict)


def source_record_list_for_user(
    user: User, *, kind: str = "", keyword: str = "", cursor: str | None = None, limit: int = 30
) -> SourcePage:
    """A page of the user's records, newest first, paged by keyset on the id (never OFFSET), with the count of
    items per record in one grouped query."""
    queryset = source_records_for_user(user)
    if kind:
        queryset = queryset.filter(kind=kind)
    if keyword:
        queryset = queryset.filter(Q(title__icontains=keyword) | Q(reference__icontains=keyword))
    if cursor:
        queryset = queryset.filter(id__lt=decode_cursor(cursor))
    rows = list(queryset.select_related("government", "leader").order_by("-id")[: limit + 1])
    next_cursor = str(rows[limit - 1].pk) if len(rows) > limit else None
    records = rows[:limit]
    counts = (
        items_for_user(user)
        .filter(source_record_id__in=[record.pk for record in records])
        .values("source_record_id")
        .annotate(n=Count("id"))
        .order_by()
    )
    return SourcePage(
        records=records,
        next_cursor=next_cursor,
        item_counts={row["source_record_id"]: row["n"] for row in counts},
    )


def source_record_items(user: User, record: SourceRecord) -> list[Item]:
    """The record's items the user may see, in the order they were registered, with their units (one query for
    the items and one per prefetched relation, whatever their number)."""
    items = list(
        with_related(items_for_user(user).filter(source_record=record)).order_by("id")[:ITEMS_SHOWN_MAX]
    )
    for item in items:
        item.lead_unit = next(  # type: ignore[attr-defined]
            (a.unit for a in item.assignments.all() if a.role == AssignmentRole.LEAD), None
        )
    return items


@dataclass(frozen=True)
class SourceProgress:
    total: int
    by_status: list[tuple[str, str, int]]  # (status, label, count), in lifecycle order
    overdue: int
    finished: int

    @property
    def percent_finished(self) -> int:
        counted = self.total - sum(
            n for status, _label, n in self.by_status if status == ItemStatus.CANCELLED
        )
        return round(100 * self.finished / counted) if counted else 0


def source_record_progress(
    user: User, record: SourceRecord, today: datetime.date, items: Sequence[Item] | None = None
) -> SourceProgress:
    """Counts by status, overdue items and the share finished (accepted, closed or archived; withdrawn items do
    not count) — from the rows already read when given, else one grouped query."""
    if items is not None:
        rows = [
            (
                item.status,
                item.status in ItemStatus.running() and item.due_date is not None and item.due_date < today,
            )
            for item in items
        ]
        counts: dict[str, int] = {}
        for status, _overdue in rows:
            counts[status] = counts.get(status, 0) + 1
        overdue = sum(1 for _status, is_overdue in rows if is_overdue)
    else:
        scoped = items_for_user(user).filter(source_record=record)
        counts = {
            row["status"]: row["n"] for row in scoped.values("status").annotate(n=Count("id")).order_by()
        }
        overdue = scoped.filter(status__in=ItemStatus.running(), due_date__lt=today).count()
    by_status = [
        (status, str(label), counts[status]) for status, label in ItemStatus.choices if counts.get(status)
    ]
    return SourceProgress(
        total=sum(counts.values()),
        by_status=by_status,
        overdue=overdue,
        finished=sum(n for status, n in counts.items() if status in FINISHED_WORK),
    )
