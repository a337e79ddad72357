"""The ledger's pages and its export: one page of rows after a cursor with its bounded count (one query), the
count on its own, and every row in page order streamed for the export.

Counts are bounded: at most COUNT_LIMIT + 1 rows are counted, never the whole table.
"""

from __future__ import annotations

import datetime
import functools
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass
from itertools import islice
from typing import Any, TypeVar

from django.core.exceptions import EmptyResultSet
from django.db import connections, router
from django.db.models import F, IntegerField, QuerySet, Subquery
from django.db.models.functions import TruncDate
from django.utils import timezone

from ducha.items.models import AssignmentRole, Confidentiality, Item
from ducha.items.selectors import NO_SCOPE, prepared_cursor, scope_signature
from ducha.items.services import secret_reads_record
from ducha.orgs.models import User
from ducha.workbench.fragments import fetch, fragment_key, keep
from ducha.workbench.ledger.cursors import Cursor, encode_cursor, keyset_after, ordered
from ducha.workbench.ledger.filters import SORTS, LedgerFilter, filter_queryset
from ducha.workbench.ledger.rows import (
    EXPORT_FIELDS,
    ROW_FIELDS,
    Labels,
    LedgerRow,
    RowUnits,
    make_rows,
    record_secret_reads,
    units_by_id,
)

T = TypeVar("T")

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
    itself, so the database computes it once per query, not once per row.

    The rows are counted in `queryset`'s order when it has one — the page's own order: on PostgreSQL the same
    covering index the page's ids come from, read in shared memory. Unordered, the planner takes the first
    thousand rows of a sequential scan of the table, which reads them through a small ring of buffers that
    does not keep them: every page view read its 48 pages again (5 ms of the page's 7 on the benchmark
    province, against under 1 ms through the index)."""

    template = "(SELECT COUNT(*) FROM (%(subquery)s) bounded_rows)"
    output_field = IntegerField()

    def __init__(self, queryset: QuerySet[Item], limit: int) -> None:
        super().__init__(queryset.values("pk")[: limit + 1])


def _page_rows(queryset: QuerySet[Item], limit: int, count: BoundedCount | None) -> QuerySet[Item]:
    page_ids = queryset.values("pk")[:limit]
    return (
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


def _page_values(rows: Iterable[Any]) -> tuple[list[dict[str, Any]], RowUnits]:
    """The page's rows (one per assignment) as one value per item, and their lead and co-units."""
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
    return _page_values(_page_rows(queryset, limit, count))


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


def _page_query(
    base: QuerySet[Item],
    spec: LedgerFilter,
    cursor: Cursor | None,
    limit: int,
    count_limit: int,
    with_count: bool,
) -> QuerySet[Item]:
    """The page's query: `limit` + 1 rows after `cursor` (one more tells whether a next page exists)."""
    queryset = ordered(base, spec)
    if cursor is not None:
        queryset = queryset.filter(keyset_after(cursor))
    return _page_rows(
        queryset, limit + 1, BoundedCount(ordered(base, spec), count_limit) if with_count else None
    )


def _assemble(
    user: User,
    spec: LedgerFilter,
    values: list[dict[str, Any]],
    units: RowUnits,
    *,
    base: Callable[[], QuerySet[Item]],
    today: datetime.date,
    cursor: Cursor | None,
    limit: int,
    count_limit: int,
    with_count: bool,
) -> LedgerPage:
    start = cursor.position if cursor is not None else 0
    count: int | None = None
    if with_count and values:
        count = values[0]["bounded_count"]
    elif cursor is None and len(values) <= limit:
        count = min(len(values), count_limit + 1)
    elif with_count:  # a page beyond the last row (the rows after an old link's cursor are gone)
        count = bounded_count(base(), count_limit)
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
    values, units = _page_values(_page_query(base, spec, cursor, limit, count_limit, with_count))
    return _assemble(
        user,
        spec,
        values,
        units,
        base=lambda: base,
        today=today,
        cursor=cursor,
        limit=limit,
        count_limit=count_limit,
        with_count=with_count,
    )


# --- a first page kept in the cache (PostgreSQL) ----------------------------------------------------------------


@dataclass(frozen=True)
class _Prepared:
    """A first page's two statements, compiled once (their values written into the SQL, so that the database
    plans each once per connection): the page's version and the page itself, with the page columns' names and
    Django's converters for them."""

    version_sql: str
    page_sql: str
    names: tuple[str, ...]
    converters: dict[int, Any]
    compiler: Any


_PREPARED: dict[tuple[Any, ...], _Prepared] = {}
_PREPARED_MAX = 1024

# The version of a first page: the ids and last changes (updated_at, to the microsecond) of the rows it shows and
# the one after them, and its bounded count — two index-only scans of the covering index the page reads.
_VERSION = (
    "SELECT (SELECT md5(coalesce(string_agg(page.id::text || ':' || "
    "((extract(epoch FROM page.updated_at) * 1000000)::bigint)::text, ',' ORDER BY page.id), '')) "
    "FROM ({page}) page), {count}"
)


def _inline(sql: str, params: Sequence[Any], alias: str) -> str:
    """`sql` with `params` written in as literals (psycopg's own quoting)."""
    from psycopg import ClientCursor

    connection = connections[alias]
    connection.ensure_connection()
    return ClientCursor(connection.connection).mogrify(sql, params)


def _prepare(
    user: User,
    spec: LedgerFilter,
    alias: str,
    *,
    today: datetime.date,
    limit: int,
    count_limit: int,
    with_count: bool,
) -> _Prepared:
    base = filter_queryset(user, spec, today, literal_governments=False)
    shown = ordered(base, spec).values("id", "updated_at")[: limit + 1]
    shown_sql = _inline(*shown.query.sql_with_params(), alias)
    count = "NULL"
    if with_count:
        counted = ordered(base, spec).values("id")[: count_limit + 1]
        count = f"(SELECT COUNT(*) FROM ({_inline(*counted.query.sql_with_params(), alias)}) counted)"
    rows = _page_query(base, spec, None, limit, count_limit, with_count)
    compiler = rows.query.get_compiler(using=alias)
    page_sql, params = compiler.as_sql()
    names = (*rows.query.extra_select, *rows.query.values_select, *rows.query.annotation_select)
    converters = compiler.get_converters([column for column, _sql, _alias in compiler.select])
    return _Prepared(
        _VERSION.format(page=shown_sql, count=count),
        _inline(page_sql, params, alias),
        names,
        converters,
        compiler,
    )


def kept_page(
    user: User,
    spec: LedgerFilter,
    *,
    today: datetime.date,
    cursor: Cursor | None = None,
    with_count: bool = True,
    render: Callable[[LedgerPage], T],
    vary: Sequence[object] = (),
) -> tuple[LedgerPage, Callable[[], T]]:
    """`ledger_page` and a function giving `render(page)` (the page's markup): for a first page, kept in the cache
    under the page's version — the ids and last changes of the rows it shows and its bounded count, read from
    the covering index in one small query — with the filter, the day (the lights) and `vary` (what else `render`
    depends on). A first page whose rows have not changed since it was kept is served with that one query; a
    changed one is read again (a second query) and kept. Every change of an item moves its `updated_at` (the
    services save it with every change; the ledger's order rests on it too), and the rows' units change only with
    their item — except a unit's new name, which shows when the kept page expires (fragments.FRAGMENT_SECONDS).
    The version is of the rows the user's own scope selects: nothing is served to anyone who may not read it.

    The statements are compiled once per process and scope signature (`selectors.scope_signature`), filter and
    day, and run prepared (`selectors.prepared_cursor`). Later pages, a filter on a unit with the units inside it
    (the unit's path is read while the query is built), other databases: `ledger_page`, rendered each time."""
    limit, count_limit = PAGE_SIZE, COUNT_LIMIT
    alias = router.db_for_read(Item)
    signature = scope_signature(user)
    if (
        cursor is not None
        or connections[alias].vendor != "postgresql"
        or signature == NO_SCOPE
        or spec.within_unit_id is not None
        or spec.lead_within_unit_id is not None
    ):
        page = ledger_page(user, spec, today=today, cursor=cursor, with_count=with_count)
        return page, functools.partial(render, page)
    key = (alias, *signature, spec, today, with_count, limit, count_limit)
    prepared = _PREPARED.get(key)
    if prepared is None:
        try:
            prepared = _prepare(
                user, spec, alias, today=today, limit=limit, count_limit=count_limit, with_count=with_count
            )
        except EmptyResultSet:  # a scope of nothing: the page is empty, read as ever
            page = ledger_page(user, spec, today=today, cursor=cursor, with_count=with_count)
            return page, functools.partial(render, page)
        if len(_PREPARED) >= _PREPARED_MAX:
            _PREPARED.clear()
        _PREPARED[key] = prepared
    with prepared_cursor(alias) as database:
        database.execute(prepared.version_sql)
        version = database.fetchone()
        fragment = fragment_key(
            "ledger-page", *version, spec.querystring, today, with_count, limit, count_limit, *vary
        )
        kept: tuple[LedgerPage, T, list[int]] | None = fetch(fragment)
        if kept is None:
            database.execute(prepared.page_sql)
            rows: Any = database.fetchall()
    if kept is not None:
        page, markup, secret_ids = kept
        secret_reads_record(item_ids=secret_ids, actor=user)
        return page, lambda: markup
    if prepared.converters:
        rows = prepared.compiler.apply_converters(rows, prepared.converters)
    values, units = _page_values(dict(zip(prepared.names, row, strict=True)) for row in rows)
    page = _assemble(
        user,
        spec,
        values,
        units,
        base=lambda: filter_queryset(user, spec, today),
        today=today,
        cursor=None,
        limit=limit,
        count_limit=count_limit,
        with_count=with_count,
    )
    secret_ids = [
        value["id"] for value in values[:limit] if value["confidentiality"] == Confidentiality.SECRET
    ]

    @functools.cache
    def rendered() -> T:
        """Rendered when the page's template reaches it (the page's own template renders first), then kept."""
        fresh = render(page)
        keep(fragment, (page, fresh, secret_ids))
        return fresh

    return page, rendered


def ledger_rows(
    user: User, spec: LedgerFilter, *, today: datetime.date, chunk_size: int | None = None
) -> Iterator[LedgerRow]:
    """Every row of the filtered ledger in page order, for the export: ONE ordered query streamed with
    `.iterator(chunk_size)` (a server-side cursor on PostgreSQL, chunked reads on SQLite), handled in batches of
    `chunk_size` rows with one query for each batch's units (`units_by_id`: their ids, the names read once per
    export). Memory stays bounded however many rows there are;
    the database sorts once (paging a million rows by keyset would sort once per chunk when no index fits the
    filter), and the export is one consistent snapshot: an item edited meanwhile is neither skipped nor
    repeated."""
    chunk_size = chunk_size or EXPORT_CHUNK
    labels = Labels()
    queryset = ordered(filter_queryset(user, spec, today), spec)
    assigned_on = TruncDate("assigned_at", tzinfo=timezone.get_current_timezone())
    stream = queryset.values(*EXPORT_FIELDS, assigned_on=assigned_on).iterator(chunk_size=chunk_size)
    unit_names: dict[int, str] = {}
    position = 0
    while batch := list(islice(stream, chunk_size)):
        record_secret_reads(batch, user)
        units = units_by_id([value["id"] for value in batch], unit_names, using=queryset.db)
        yield from make_rows(batch, position, labels, today, units)
        position += len(batch)
