"""The ledger's pages and its export: one page of rows after a cursor with its bounded count (one query), the
count on its own, and every row in page order streamed for the export.

Counts are bounded: at most COUNT_LIMIT + 1 rows are counted, never the whole table.
"""

from __future__ import annotations

import datetime
from collections.abc import Iterator
from dataclasses import dataclass
from itertools import islice
from typing import Any

from django.db.models import F, IntegerField, QuerySet, Subquery

from ducha.items.models import AssignmentRole, Item
from ducha.orgs.models import User
from ducha.workbench.ledger.cursors import Cursor, encode_cursor, keyset_after, ordered
from ducha.workbench.ledger.filters import SORTS, LedgerFilter, filter_queryset
from ducha.workbench.ledger.rows import (
    ROW_FIELDS,
    Labels,
    LedgerRow,
    RowUnits,
    make_rows,
    record_secret_reads,
)

PAGE_SIZE = 50
COUNT_LIMIT = 1000
EXPORT_CHUNK = 2000  # rows per fetch and per units query in the export


def bounded_count(queryset: QuerySet[Item], limit: int = COUNT_LIMIT) -> int:
    """How many rows match, counting at most limit + 1 (a LIMITed subquery): a result above `limit` means
    "more than limit"."""
    return queryset.order_by().values("pk")[: limit + 1].count()


class BoundedCount(Subquery):
    """How many rows of `queryset` there are, counting at most `limit` + 1 (see bounded_count), as a scalar
    subquery: the page query carries its own count instead of a second round trip. It refers to nothing outside
    itself, so the database computes it once per query, not once per row."""

    template = "(SELECT COUNT(*) FROM (%(subquery)s) bounded_rows)"
    output_field = IntegerField()

    def __init__(self, queryset: QuerySet[Item], limit: int) -> None:
        super().__init__(queryset.order_by().values("pk")[: limit + 1])


def _fetch_page(
    queryset: QuerySet[Item], limit: int, count: BoundedCount | None
) -> tuple[list[dict[str, Any]], RowUnits]:
    """The first `limit` rows of the ordered `queryset` as plain values (no model instances; `make_rows` gives each
    its light), their lead and co-units, and `count` (if given) on every row as "bounded_count".

    One query, a "late row lookup": the inner SELECT finds the page's ids in order — on PostgreSQL an index-only
    scan when an index covers the filter and the order (the ledger's indexes include the scope and light
    columns), so rows skipped by a filter cost an index entry, not a table row — and the outer one reads just
    those rows, joined with their assignments and units (one row per assignment, the lead first, then the
    co-units as given; `units_of` orders them alike)."""
    page_ids = queryset.values("pk")[:limit]
    rows = (
        Item.objects.filter(pk__in=page_ids)
        .order_by(*queryset.query.order_by, F("assignments__role").desc(), "assignments__id")
        .annotate(**({"bounded_count": count} if count is not None else {}))
        .values(
            *ROW_FIELDS,
            "assignments__role",
            "assignments__unit__name",
            *(("bounded_count",) if count is not None else ()),
        )
    )
    values: list[dict[str, Any]] = []
    lead: dict[int, str] = {}
    co: dict[int, list[str]] = {}
    for row in rows:
        item_id = row["id"]
        if not values or values[-1]["id"] != item_id:
            values.append(row)
        role, name = row["assignments__role"], row["assignments__unit__name"]
        if role == AssignmentRole.LEAD:
            lead[item_id] = name
        elif role is not None:
            co.setdefault(item_id, []).append(name)
    return values, RowUnits(lead, co)


def _cursor_after(value: dict[str, Any], spec: LedgerFilter, position: int) -> Cursor:
    columns = SORTS[spec.sort][0]
    return Cursor(
        spec.sort, spec.direction, tuple(value[column] for column in columns), value["id"], position
    )


@dataclass(frozen=True)
class LedgerCount:
    """How many rows a filter selects, counted up to a bound: count_limit + 1 means "more than count_limit"."""

    count: int
    count_limit: int = COUNT_LIMIT

    @property
    def count_is_bounded(self) -> bool:
        return self.count > self.count_limit

    @property
    def shown_count(self) -> int:
        return min(self.count, self.count_limit)


@dataclass(frozen=True)
class LedgerPage:
    rows: list[LedgerRow]
    next_cursor: str | None
    count: int | None  # bounded (see LedgerCount); None: not counted with the page (see counts_apart)
    start: int  # rows before this page
    count_limit: int = COUNT_LIMIT

    @property
    def counted(self) -> LedgerCount | None:
        return LedgerCount(self.count, self.count_limit) if self.count is not None else None

    @property
    def count_is_bounded(self) -> bool:
        return self.counted is not None and self.counted.count_is_bounded

    @property
    def shown_count(self) -> int | None:
        return self.counted.shown_count if self.counted is not None else None

    @property
    def is_first_page(self) -> bool:
        return self.start == 0


def counts_apart(spec: LedgerFilter) -> bool:
    """Whether the page leaves its count to a request of its own (`ledger_count`, which the page loads after it
    is shown). A keyword's count costs several times its page: the page reads the first matches in the sort's
    index order, but counting needs the trigram index to list every candidate first (33,000 for a word in 3% of
    a million items: 10 ms before the first is counted), so the rows come first and the count follows."""
    return bool(spec.keyword)


def ledger_count(
    user: User, spec: LedgerFilter, *, today: datetime.date, count_limit: int | None = None
) -> LedgerCount:
    """The bounded count of the filtered ledger, on its own (see counts_apart)."""
    count_limit = count_limit or COUNT_LIMIT
    return LedgerCount(bounded_count(filter_queryset(user, spec, today), count_limit), count_limit)


def ledger_page(
    user: User,
    spec: LedgerFilter,
    *,
    today: datetime.date,
    cursor: Cursor | None = None,
    limit: int | None = None,
    count_limit: int | None = None,
    with_count: bool = True,
) -> LedgerPage:
    """One page of the ledger: `limit` rows after `cursor` with their units and, `with_count`, the bounded count —
    one query whatever the number of rows (plus one INSERT for the secret items shown). Without `with_count` a
    first page holding every matching row is still its own count; otherwise `count` is None."""
    limit = limit or PAGE_SIZE
    count_limit = count_limit or COUNT_LIMIT
    base = filter_queryset(user, spec, today)
    queryset = ordered(base, spec)
    start = 0
    if cursor is not None:
        queryset = queryset.filter(keyset_after(cursor))
        start = cursor.position
    values, units = _fetch_page(queryset, limit + 1, BoundedCount(base, count_limit) if with_count else None)
    count: int | None = None
    if with_count and values:
        count = values[0]["bounded_count"]
    elif cursor is None and len(values) <= limit:
        count = min(len(values), count_limit + 1)
    elif with_count:  # a page beyond the last row (the rows after an old link's cursor are gone)
        count = bounded_count(base, count_limit)
    shown = values[:limit]
    record_secret_reads(shown, user)
    next_cursor = None
    if len(values) > limit:
        next_cursor = encode_cursor(_cursor_after(shown[-1], spec, start + limit))
    return LedgerPage(
        rows=make_rows(shown, start, Labels(), today, units),
        next_cursor=next_cursor,
        count=count,
        start=start,
        count_limit=count_limit,
    )


def ledger_rows(
    user: User, spec: LedgerFilter, *, today: datetime.date, chunk_size: int | None = None
) -> Iterator[LedgerRow]:
    """Every row of the filtered ledger in page order, for the export: ONE ordered query streamed with
    `.iterator(chunk_size)` (a server-side cursor on PostgreSQL, chunked reads on SQLite), handled in batches of
    `chunk_size` rows with one query for each batch's units. Memory stays bounded however many rows there are;
    the database sorts once (paging a million rows by keyset would sort once per chunk when no index fits the
    filter), and the export is one consistent snapshot: an item edited meanwhile is neither skipped nor
    repeated."""
    chunk_size = chunk_size or EXPORT_CHUNK
    labels = Labels()
    queryset = ordered(filter_queryset(user, spec, today), spec)
    stream = queryset.values(*ROW_FIELDS).iterator(chunk_size=chunk_size)
    position = 0
    while batch := list(islice(stream, chunk_size)):
        record_secret_reads(batch, user)
        yield from make_rows(batch, position, labels, today)
        position += len(batch)
