"""台账 (ledger): the filter spec of the ledger page → the user's queryset → keyset pages and rows. The page and the
Excel export share all of it, so an export holds exactly what the page lists, in the same order.

Scope comes from `selectors.items_for_user` and every filter here only narrows it.

Paging is by keyset (seek) for every sort order: the sort key with the id as tie-break, encoded in an opaque cursor;
never OFFSET. Nullable keys (an unnumbered item has no number, a draft no due date) sort last in both directions.
Counts are bounded: at most COUNT_LIMIT + 1 rows are counted, never the whole table.
"""

from __future__ import annotations

import base64
import binascii
import calendar
import datetime
import html
import json
import unicodedata
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from itertools import islice
from typing import Any, NamedTuple, Protocol
from urllib.parse import urlencode

from django.core.cache import cache
from django.db import transaction
from django.db.models import (
    Count,
    Exists,
    F,
    Func,
    IntegerField,
    Max,
    OrderBy,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    TextField,
)
from django.urls import reverse
from django.utils import timezone
from django.utils.safestring import SafeString, mark_safe
from django.utils.text import Truncator
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from ducha.items.lifecycle import ItemStatus
from ducha.items.models import (
    Assignment,
    AssignmentRole,
    Confidentiality,
    Item,
    Light,
    SourceType,
    Urgency,
    light_of,
)
from ducha.items.selectors import MAX_ID, items_for_user, light_filter
from ducha.items.services import secret_reads_record
from ducha.orgs.models import Unit, User
from ducha.workbench.models import SavedFilter

PAGE_SIZE = 50
COUNT_LIMIT = 1000
EXPORT_CHUNK = 2000  # rows per fetch and per units query in the export
KEYWORD_MAX = 100
SAVED_FILTERS_MAX = 50
SAVED_FILTER_NAME_MAX = 50
MIN_YEAR, MAX_YEAR = 1900, 2200

# Sort name → (columns in order, which of them may be NULL). The id is always the last tie-break.
SORTS: dict[str, tuple[tuple[str, ...], frozenset[str]]] = {
    "due": (("due_date",), frozenset({"due_date"})),
    "number": (("number_year", "number_seq"), frozenset({"number_year", "number_seq"})),
    "updated": (("updated_at",), frozenset()),
}
SORTS_NULLABLE = frozenset().union(*(nullable for _columns, nullable in SORTS.values()))
SORT_LABELS = {
    "due": gettext_lazy("Due date"),
    "number": gettext_lazy("Number"),
    "updated": gettext_lazy("Last update"),
}
DIRECTIONS = ("asc", "desc")
DEFAULT_SORT, DEFAULT_DIRECTION = "updated", "desc"
LIGHTS = (Light.RED, Light.YELLOW, Light.GREEN)

# Built-in saved filters, expanded at request time (so a bookmark of "due this month" stays right next month).
PRESET_DUE_THIS_MONTH = "due_this_month"
PRESET_OVERDUE = "overdue"
PRESETS = {
    PRESET_DUE_THIS_MONTH: gettext_lazy("Due this month"),
    PRESET_OVERDUE: gettext_lazy("Overdue and not finished"),
}

# GET parameter → its label in notices.
PARAMETER_LABELS = {
    "year": gettext_lazy("Year"),
    "source": gettext_lazy("Source"),
    "status": gettext_lazy("Status"),
    "light": gettext_lazy("Light"),
    "lead": gettext_lazy("Lead unit"),
    "co": gettext_lazy("Co-unit"),
    "urgency": gettext_lazy("Urgency"),
    "assigned_from": gettext_lazy("Assigned from"),
    "assigned_to": gettext_lazy("Assigned until"),
    "due_from": gettext_lazy("Due from"),
    "due_to": gettext_lazy("Due until"),
    "q": gettext_lazy("Keyword"),
    "preset": gettext_lazy("Built-in filter"),
    "sort": gettext_lazy("Sort by"),
    "dir": gettext_lazy("Order"),
    "cursor": gettext_lazy("Page"),
}


class Params(Protocol):
    """What the parser reads: a QueryDict, or a MultiValueDict built in tests."""

    def get(self, key: str, default: Any = None) -> Any: ...

    def getlist(self, key: str) -> list[str]: ...


@dataclass(frozen=True)
class Notice:
    """A GET parameter that was ignored, and why; shown on the page (never a 500)."""

    parameter: str
    code: str

    @property
    def message(self) -> str:
        label = PARAMETER_LABELS.get(self.parameter, self.parameter)
        if self.code == "cursor_mismatch":
            return _("The page link does not match the sort order; showing the first page.")
        if self.code == "too_long":
            return _("The keyword was shortened to %(max)d characters.") % {"max": KEYWORD_MAX}
        if self.code == "range_reversed":
            return _("The “%(name)s” range ends before it starts; it was ignored.") % {"name": label}
        return _("The value of “%(name)s” is not valid and was ignored.") % {"name": label}


@dataclass(frozen=True)
class LedgerFilter:
    year: int | None = None
    source_type: str = ""
    statuses: tuple[str, ...] = ()
    light: str = ""
    lead_unit_id: int | None = None
    co_unit_id: int | None = None
    urgency: str = ""
    assigned_from: datetime.date | None = None
    assigned_to: datetime.date | None = None
    due_from: datetime.date | None = None
    due_to: datetime.date | None = None
    keyword: str = ""
    preset: str = ""
    sort: str = DEFAULT_SORT
    direction: str = DEFAULT_DIRECTION

    def query_pairs(self, *, with_order: bool = True) -> list[tuple[str, str]]:
        """The canonical GET parameters of this filter (no cursor), defaults left out."""
        pairs: list[tuple[str, str]] = []

        def add(name: str, value: object) -> None:
            if value is None or value == "":
                return
            pairs.append((name, value.isoformat() if isinstance(value, datetime.date) else str(value)))

        add("preset", self.preset)
        add("year", self.year)
        add("source", self.source_type)
        for status in self.statuses:
            add("status", status)
        add("light", self.light)
        add("lead", self.lead_unit_id)
        add("co", self.co_unit_id)
        add("urgency", self.urgency)
        add("assigned_from", self.assigned_from)
        add("assigned_to", self.assigned_to)
        add("due_from", self.due_from)
        add("due_to", self.due_to)
        add("q", self.keyword)
        if with_order and (self.sort, self.direction) != (DEFAULT_SORT, DEFAULT_DIRECTION):
            add("sort", self.sort)
            add("dir", self.direction)
        return pairs

    @property
    def querystring(self) -> str:
        return urlencode(self.query_pairs())

    @property
    def is_filtered(self) -> bool:
        return bool(self.query_pairs(with_order=False))


# --- parsing GET parameters -----------------------------------------------------------------------------------


def _single(params: Params, name: str) -> str:
    value = params.get(name)
    return value.strip() if isinstance(value, str) else ""


def _int_in(text: str, low: int, high: int) -> int | None:
    if not text.isascii() or not text.isdigit() or len(text) > 20:
        return None
    value = int(text)
    return value if low <= value <= high else None


def _date(text: str) -> datetime.date | None:
    try:
        value = datetime.date.fromisoformat(text)
    except ValueError:
        return None
    return value if MIN_YEAR <= value.year <= MAX_YEAR else None


def parse_unit_id(text: str) -> int | None:
    return _int_in(text.strip(), 1, MAX_ID)


def parse_filter(params: Params) -> tuple[LedgerFilter, list[Notice]]:
    """Read the ledger's GET parameters. Anything invalid is left out and reported as a Notice."""
    notices: list[Notice] = []
    values: dict[str, Any] = {}

    def invalid(name: str, code: str = "invalid") -> None:
        notices.append(Notice(name, code))

    if text := _single(params, "preset"):
        if text in PRESETS:
            values["preset"] = text
        else:
            invalid("preset")
    if text := _single(params, "year"):
        year = _int_in(text, MIN_YEAR, MAX_YEAR)
        if year is None:
            invalid("year")
        else:
            values["year"] = year
    for name, key, choices in (
        ("source", "source_type", SourceType.values),
        ("urgency", "urgency", Urgency.values),
        ("light", "light", LIGHTS),
    ):
        if text := _single(params, name):
            if text in choices:
                values[key] = text
            else:
                invalid(name)
    statuses: list[str] = []
    for text in params.getlist("status"):
        text = text.strip()
        if not text:
            continue
        if text in ItemStatus.values:
            if text not in statuses:
                statuses.append(text)
        else:
            invalid("status")
    # The order of the statuses in the link does not matter; keep one canonical order.
    values["statuses"] = tuple(s for s in ItemStatus.values if s in statuses)
    for name, key in (("lead", "lead_unit_id"), ("co", "co_unit_id")):
        if text := _single(params, name):
            unit_id = parse_unit_id(text)
            if unit_id is None:
                invalid(name)
            else:
                values[key] = unit_id
    for low_name, high_name in (("assigned_from", "assigned_to"), ("due_from", "due_to")):
        low = high = None
        for name in (low_name, high_name):
            if text := _single(params, name):
                day = _date(text)
                if day is None:
                    invalid(name)
                elif name == low_name:
                    low = day
                else:
                    high = day
        if low is not None and high is not None and low > high:
            notices.append(Notice(low_name, "range_reversed"))
            low = high = None
        values[low_name], values[high_name] = low, high
    keyword = " ".join(_single(params, "q").split())
    if len(keyword) > KEYWORD_MAX:
        notices.append(Notice("q", "too_long"))
        keyword = keyword[:KEYWORD_MAX]
    values["keyword"] = keyword
    if text := _single(params, "sort"):
        if text in SORTS:
            values["sort"] = text
        else:
            invalid("sort")
    if text := _single(params, "dir"):
        if text in DIRECTIONS:
            values["direction"] = text
        else:
            invalid("dir")
    return LedgerFilter(**values), notices


# --- the queryset ---------------------------------------------------------------------------------------------


def _local_midnight(day: datetime.date) -> datetime.datetime:
    return timezone.make_aware(datetime.datetime.combine(day, datetime.time.min))


def month_bounds(today: datetime.date) -> tuple[datetime.date, datetime.date]:
    last = calendar.monthrange(today.year, today.month)[1]
    return today.replace(day=1), today.replace(day=last)


class SearchText(Func):
    """The title, content and number of an item joined by line feeds: what the keyword searches. A keyword holds
    no line feed (parse_filter folds every whitespace into a space), so it matches this text exactly when it
    matches the title, the content or the number — and one expression takes one trigram index on PostgreSQL
    (migration 0006 indexes this very expression)."""

    template = "(%(expressions)s)"
    output_field = TextField()

    def __init__(self) -> None:
        super().__init__(F("title"), F("content"), F("number"))

    def as_sql(self, compiler: Any, connection: Any, **extra_context: Any) -> Any:  # type: ignore[override]
        newline = "chr(10)" if connection.vendor == "postgresql" else "char(10)"
        return super().as_sql(compiler, connection, arg_joiner=f" || {newline} || ", **extra_context)


def filter_queryset(user: User, spec: LedgerFilter, today: datetime.date) -> QuerySet[Item]:
    """The user's items (scope from selectors.items_for_user) narrowed by `spec`; unordered."""
    queryset = items_for_user(user)
    if spec.preset == PRESET_DUE_THIS_MONTH:
        first, last = month_bounds(today)
        queryset = queryset.filter(status__in=ItemStatus.running(), due_date__gte=first, due_date__lte=last)
    elif spec.preset == PRESET_OVERDUE:
        queryset = queryset.filter(light_filter(Light.RED, today))
    if spec.year is not None:
        start = _local_midnight(datetime.date(spec.year, 1, 1))
        end = _local_midnight(datetime.date(spec.year + 1, 1, 1))
        queryset = queryset.filter(
            Q(number_year=spec.year) | Q(number_year__isnull=True, created_at__gte=start, created_at__lt=end)
        )
    if spec.source_type:
        queryset = queryset.filter(source_type=spec.source_type)
    if spec.statuses:
        queryset = queryset.filter(status__in=spec.statuses)
    if spec.light:
        queryset = queryset.filter(light_filter(spec.light, today))
    if spec.lead_unit_id is not None:
        queryset = queryset.filter(
            Exists(
                Assignment.objects.filter(
                    item=OuterRef("pk"), unit_id=spec.lead_unit_id, role=AssignmentRole.LEAD
                )
            )
        )
    if spec.co_unit_id is not None:
        queryset = queryset.filter(
            Exists(
                Assignment.objects.filter(
                    item=OuterRef("pk"), unit_id=spec.co_unit_id, role=AssignmentRole.CO
                )
            )
        )
    if spec.urgency:
        queryset = queryset.filter(urgency=spec.urgency)
    if spec.assigned_from is not None:
        queryset = queryset.filter(assigned_at__gte=_local_midnight(spec.assigned_from))
    if spec.assigned_to is not None:
        queryset = queryset.filter(
            assigned_at__lt=_local_midnight(spec.assigned_to + datetime.timedelta(days=1))
        )
    if spec.due_from is not None:
        queryset = queryset.filter(due_date__gte=spec.due_from)
    if spec.due_to is not None:
        queryset = queryset.filter(due_date__lte=spec.due_to)
    if spec.keyword:
        if "\n" in spec.keyword:  # parse_filter never leaves one; SearchText relies on it
            queryset = queryset.filter(
                Q(title__icontains=spec.keyword)
                | Q(content__icontains=spec.keyword)
                | Q(number__icontains=spec.keyword)
            )
        else:
            queryset = queryset.alias(search_text=SearchText()).filter(search_text__icontains=spec.keyword)
    return queryset


def bounded_count(queryset: QuerySet[Item], limit: int = COUNT_LIMIT) -> int:
    """How many rows match, counting at most limit + 1 (a LIMITed subquery): a result above `limit` means
    "more than limit"."""
    return queryset.order_by().values("pk")[: limit + 1].count()


def ordered(queryset: QuerySet[Item], spec: LedgerFilter) -> QuerySet[Item]:
    columns, nullable = SORTS[spec.sort]
    descending = spec.direction == "desc"
    order: list[OrderBy] = []
    for column in columns:
        expression = F(column)
        if column in nullable:
            order.append(expression.desc(nulls_last=True) if descending else expression.asc(nulls_last=True))
        else:
            order.append(expression.desc() if descending else expression.asc())
    order.append(F("id").desc() if descending else F("id").asc())
    return queryset.order_by(*order)


# --- keyset cursors -------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Cursor:
    """Where a page starts: just after the row with these sort-key values and id. `position` is only the
    number of rows before the page (for the 序号 column); the query never uses it."""

    sort: str
    direction: str
    values: tuple[Any, ...]
    item_id: int
    position: int


def encode_cursor(cursor: Cursor) -> str:
    values = [v.isoformat() if isinstance(v, datetime.date) else v for v in cursor.values]
    payload = {
        "s": cursor.sort,
        "d": cursor.direction,
        "k": values,
        "i": cursor.item_id,
        "n": cursor.position,
    }
    raw = json.dumps(payload, separators=(",", ":")).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


# Largest values of the integer sort columns (a smallint and an int), so a forged cursor stays a valid query.
CURSOR_INT_MAX = {"number_year": 32767, "number_seq": 2**31 - 1}


def _decode_value(column: str, value: Any) -> Any:
    if value is None:
        if column not in SORTS_NULLABLE:
            raise ValueError(column)
        return None
    if column == "due_date":
        if not isinstance(value, str):
            raise ValueError(column)
        return datetime.date.fromisoformat(value)
    if column == "updated_at":
        if not isinstance(value, str):
            raise ValueError(column)
        stamp = datetime.datetime.fromisoformat(value)
        if timezone.is_naive(stamp):
            raise ValueError(column)
        return stamp
    if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value <= CURSOR_INT_MAX[column]:
        raise ValueError(column)
    return value


def decode_cursor(text: str, spec: LedgerFilter) -> tuple[Cursor | None, Notice | None]:
    """The cursor in `text` for the page sorted as `spec` says; a malformed or foreign one → (None, notice)."""
    text = text.strip()
    if not text:
        return None, None
    try:
        if len(text) > 500:
            raise ValueError("too long")
        raw = base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))
        payload = json.loads(raw)
        if not isinstance(payload, dict):
            raise ValueError("not an object")
        sort, direction = payload["s"], payload["d"]
        if sort not in SORTS or direction not in DIRECTIONS:
            raise ValueError("sort")
        columns = SORTS[sort][0]
        values = payload["k"]
        if not isinstance(values, list) or len(values) != len(columns):
            raise ValueError("values")
        item_id, position = payload["i"], payload["n"]
        for number in (item_id, position):
            if isinstance(number, bool) or not isinstance(number, int):
                raise ValueError("number")
        if not 1 <= item_id <= MAX_ID or not 0 <= position <= 10**12:
            raise ValueError("range")
        decoded = tuple(_decode_value(column, value) for column, value in zip(columns, values, strict=True))
    except (ValueError, KeyError, TypeError, binascii.Error, UnicodeDecodeError, OverflowError):
        return None, Notice("cursor", "invalid")
    if (sort, direction) != (spec.sort, spec.direction):
        return None, Notice("cursor", "cursor_mismatch")
    return Cursor(sort, direction, decoded, item_id, position), None


def keyset_after(cursor: Cursor) -> Q:
    """Rows strictly after the cursor in the order of `ordered()` (NULL keys last in both directions):
    the lexicographic "greater than" over (key columns…, id)."""
    columns, nullable = SORTS[cursor.sort]
    descending = cursor.direction == "desc"
    after = Q(pk__in=[])
    equal_so_far = Q()
    for column, value in zip(columns, cursor.values, strict=True):
        if value is None:
            # Nothing comes after NULL in this column: NULLs are last. Stay on the NULL rows.
            equal_so_far &= Q(**{f"{column}__isnull": True})
            continue
        beyond = Q(**{f"{column}__lt" if descending else f"{column}__gt": value})
        if column in nullable:
            beyond |= Q(**{f"{column}__isnull": True})
        after |= equal_so_far & beyond
        equal_so_far &= Q(**{column: value})
    after |= equal_so_far & Q(**{"id__lt" if descending else "id__gt": cursor.item_id})
    return after


# --- rows -----------------------------------------------------------------------------------------------------

ROW_FIELDS = (
    "id",
    "number",
    "number_year",
    "number_seq",
    "title",
    "source_type",
    "source_reference",
    "status",
    "due_date",
    "warn_date",
    "assigned_at",
    "latest_progress",
    "confidentiality",
    "updated_at",
)


@dataclass(frozen=True)
class _Units:
    lead: dict[int, str]
    co: dict[int, list[str]]


def _units_of(item_ids: Sequence[int]) -> _Units:
    """Lead and co-units of a batch of items: one query for the whole batch."""
    lead: dict[int, str] = {}
    co: dict[int, list[str]] = {}
    if item_ids:
        rows = (
            Assignment.objects.filter(item_id__in=list(item_ids))
            .order_by("item_id", "-role", "id")  # the lead first ("lead" > "co"), then co-units as given
            .values_list("item_id", "role", "unit__name")
        )
        for item_id, role, name in rows:
            if role == AssignmentRole.LEAD:
                lead[item_id] = name
            else:
                co.setdefault(item_id, []).append(name)
    return _Units(lead, co)


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
) -> tuple[list[dict[str, Any]], _Units]:
    """The first `limit` rows of the ordered `queryset` as plain values (no model instances; `_rows` gives each
    its light), their lead and co-units, and `count` (if given) on every row as "bounded_count".

    One query, a "late row lookup": the inner SELECT finds the page's ids in order — on PostgreSQL an index-only
    scan when an index covers the filter and the order (the ledger's indexes include the scope and light
    columns), so rows skipped by a filter cost an index entry, not a table row — and the outer one reads just
    those rows, joined with their assignments and units (one row per assignment, the lead first, then the
    co-units as given; `_units_of` orders them alike)."""
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
    return values, _Units(lead, co)


@dataclass(frozen=True)
class LedgerRow:
    position: int  # 序号, from 1
    item_id: int
    number: str
    title: str
    source_type: str
    source_label: str
    source_reference: str
    lead_unit: str
    co_units: tuple[str, ...]
    assigned_on: datetime.date | None
    due_date: datetime.date | None
    progress: str
    status: str
    status_label: str
    light: str
    light_label: str

    @property
    def co_units_text(self) -> str:
        return "、".join(self.co_units)


class _Labels:
    """Display labels, translated once per page or export rather than once per row."""

    def __init__(self) -> None:
        self.source = {value: str(label) for value, label in SourceType.choices}
        self.status = {value: str(label) for value, label in ItemStatus.choices}
        self.light = {value: str(label) for value, label in Light.choices if value}


def _rows(
    values: Sequence[dict[str, Any]],
    start: int,
    labels: _Labels,
    today: datetime.date,
    units: _Units | None = None,
) -> list[LedgerRow]:
    if units is None:
        units = _units_of([value["id"] for value in values])
    rows = []
    for position, value in enumerate(values, start=start + 1):
        item_id = value["id"]
        light = light_of(value["status"], value["due_date"], value["warn_date"], today)
        rows.append(
            LedgerRow(
                position=position,
                item_id=item_id,
                number=value["number"],
                title=value["title"],
                source_type=value["source_type"],
                source_label=labels.source.get(value["source_type"], value["source_type"]),
                source_reference=value["source_reference"],
                lead_unit=units.lead.get(item_id, ""),
                co_units=tuple(units.co.get(item_id, ())),
                assigned_on=timezone.localdate(value["assigned_at"]) if value["assigned_at"] else None,
                due_date=value["due_date"],
                progress=value["latest_progress"],
                status=value["status"],
                status_label=labels.status.get(value["status"], value["status"]),
                light=light,
                light_label=labels.light.get(light, ""),
            )
        )
    return rows


def _record_secret_reads(values: Sequence[dict[str, Any]], user: User) -> None:
    """Every read of a secret item is logged, in lists and exports too (one audit event per secret item)."""
    secret_reads_record(
        item_ids=[value["id"] for value in values if value["confidentiality"] == Confidentiality.SECRET],
        actor=user,
    )


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
    _record_secret_reads(shown, user)
    next_cursor = None
    if len(values) > limit:
        next_cursor = encode_cursor(_cursor_after(shown[-1], spec, start + limit))
    return LedgerPage(
        rows=_rows(shown, start, _Labels(), today, units),
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
    labels = _Labels()
    queryset = ordered(filter_queryset(user, spec, today), spec)
    stream = queryset.values(*ROW_FIELDS).iterator(chunk_size=chunk_size)
    position = 0
    while batch := list(islice(stream, chunk_size)):
        _record_secret_reads(batch, user)
        yield from _rows(batch, position, labels, today)
        position += len(batch)


# --- the rows as HTML -----------------------------------------------------------------------------------------

_ITEM_URL_SENTINEL = 987654321


def _text(value: object) -> str:
    """`value` escaped for HTML text and attribute values, as the template engine escapes it (Django's escape is
    the standard library's html.escape)."""
    return html.escape(str(value))


def _truncated(text: str, length: int) -> str:
    """truncatechars: Truncator's result, without its character-by-character walk when the text is short enough
    (it returns the text NFC-normalised then)."""
    if len(text) <= length:
        return unicodedata.normalize("NFC", text)
    return Truncator(text).chars(length)


def rows_html(rows: Sequence[LedgerRow]) -> SafeString:
    """The table rows of a ledger page, the markup a template loop would give (every value escaped with
    django.utils.html.escape, texts shortened with Truncator as truncatechars does), joined as strings: 50 rows of
    11 cells through the template engine cost more than the page's queries."""
    item_url = reverse("item-detail", args=[_ITEM_URL_SENTINEL])
    none = "—"
    parts = []
    for row in rows:
        reference = (
            f"<br><small>{_text(_truncated(row.source_reference, 40))}</small>"
            if row.source_reference
            else ""
        )
        progress_title = f' title="{_text(row.progress)}"' if row.progress else ""
        progress = _text(_truncated(row.progress, 60)) if row.progress else none
        light = (
            f'<span class="light-dot {_text(row.light)}" aria-hidden="true"></span>{_text(row.light_label)}'
            if row.light
            else none
        )
        url = item_url.replace(str(_ITEM_URL_SENTINEL), str(row.item_id))
        parts.append(
            f'<tr data-item-id="{row.item_id}" data-status="{_text(row.status)}" data-light="{_text(row.light)}">'
            f'<td class="col-position">{row.position}</td>'
            f'<td class="col-number">{_text(row.number) if row.number else none}</td>'
            f'<td class="col-title"><a href="{url}">{_text(row.title)}</a></td>'
            f'<td class="col-source" data-source="{_text(row.source_type)}">{_text(row.source_label)}{reference}</td>'
            f"<td>{_text(row.lead_unit)}</td>"
            f"<td>{_text(row.co_units_text) if row.co_units else none}</td>"
            f'<td class="col-date">{row.assigned_on.isoformat() if row.assigned_on else none}</td>'
            f'<td class="col-date">{row.due_date.isoformat() if row.due_date else none}</td>'
            f'<td class="col-progress"{progress_title}>{progress}</td>'
            f"<td>{_text(row.status_label)}</td>"
            f'<td class="col-light">{light}</td>'
            "</tr>\n"
        )
    return mark_safe("".join(parts))


# --- choices for the filter form ------------------------------------------------------------------------------


class UnitChoice(NamedTuple):
    pk: int
    name: str


def unit_choices(user: User) -> list[UnitChoice]:
    """Units of the user's government (and those below it), for the lead / co-unit filters: one query, plain
    tuples (a province has thousands of units; model instances would cost a hundred milliseconds)."""
    government = user.unit.government if user.unit is not None else None
    if government is None:
        return []
    rows = (
        Unit.objects.filter(path__startswith=government.path, is_active=True)
        .order_by("path")
        .values_list("id", "name")
    )
    return [UnitChoice(pk, name) for pk, name in rows]


def unit_options_html(units: Sequence[UnitChoice]) -> SafeString:
    """The <option>s of a unit filter, none selected (UnitOptions.render selects one). A province's list has
    thousands of units: joined as strings here (names escaped with the standard library's html.escape), this
    costs a few milliseconds where a template loop over them cost a hundred."""
    return mark_safe(
        "".join(f'<option value="{unit.pk}">{html.escape(unit.name)}</option>' for unit in units)
    )


UNIT_OPTIONS_CACHE_SECONDS = 3600


@dataclass(frozen=True)
class UnitOptions:
    """The <option>s of the unit filters, none selected (a province's run to a few hundred kilobytes), and the
    version of the units they were built from (for the ETag of the options' own URL)."""

    html: str
    version: str = ""

    def render(self, selected_id: int | None) -> SafeString:
        """The options with `selected_id` selected (the options are safe HTML built by unit_options_html)."""
        if selected_id is None:
            return mark_safe(self.html)
        plain = f'<option value="{selected_id}">'
        return mark_safe(self.html.replace(plain, f'<option value="{selected_id}" selected>', 1))


def unit_options(user: User) -> UnitOptions:
    """The unit filters' options for `user` (the units of unit_choices), built once per government and kept in
    the cache: a province has thousands of units, and fetching and escaping them cost more than the rest of the
    ledger page. The cache key carries the number of the government's units and their latest change, one cheap
    aggregate, so a unit added, renamed, moved or deactivated shows at once."""
    government = user.unit.government if user.unit is not None else None
    if government is None:
        return UnitOptions("")
    version = Unit.objects.filter(path__startswith=government.path).aggregate(
        count=Count("id"), latest=Max("updated_at")
    )
    latest = version["latest"].isoformat() if version["latest"] is not None else ""
    key = f"ducha:ledger:unit-options:v1:{government.pk}:{government.path}:{version['count']}:{latest}"
    cached = cache.get(key)
    if isinstance(cached, str):
        return UnitOptions(cached, key)
    options = str(unit_options_html(unit_choices(user)))
    cache.set(key, options, UNIT_OPTIONS_CACHE_SECONDS)
    return UnitOptions(options, key)


def selected_unit(user: User, unit_id: int | None) -> UnitChoice | None:
    """The unit a unit filter names, when it is one of the filter's options (see unit_choices): the page shows
    it as the selected option before the whole list arrives."""
    government = user.unit.government if user.unit is not None else None
    if unit_id is None or government is None:
        return None
    row = (
        Unit.objects.filter(pk=unit_id, path__startswith=government.path, is_active=True)
        .values_list("id", "name")
        .first()
    )
    return UnitChoice(*row) if row is not None else None


def year_choices(today: datetime.date, spec: LedgerFilter) -> list[int]:
    years = set(range(today.year - 5, today.year + 2))
    if spec.year is not None:
        years.add(spec.year)
    return sorted(years, reverse=True)


# --- saved filters --------------------------------------------------------------------------------------------


class SavedFilterError(ValueError):
    def __init__(self, code: str) -> None:
        self.code = code
        super().__init__(code)

    @property
    def message(self) -> str:
        messages = {
            "name_required": _("Please give the filter a name."),
            "name_too_long": _("A filter name may have at most %(max)d characters.")
            % {"max": SAVED_FILTER_NAME_MAX},
            "too_many": _("You may keep at most %(max)d saved filters; delete one first.")
            % {"max": SAVED_FILTERS_MAX},
        }
        return messages.get(self.code, self.code)


def saved_filters_for_user(user: User) -> list[SavedFilter]:
    return list(SavedFilter.objects.filter(user=user).order_by("name", "id"))


def canonical_query(query: str) -> str:
    """The saved form of a ledger query string: parsed and re-encoded, so nothing invalid is stored."""
    from django.http import QueryDict

    spec, _notices = parse_filter(QueryDict(query[:4000]))
    return spec.querystring


@transaction.atomic
def saved_filter_save(*, user: User, name: str, query: str) -> SavedFilter:
    """Save the current ledger filter under `name` for `user`; the same name again replaces it."""
    name = " ".join((name or "").split())
    if not name:
        raise SavedFilterError("name_required")
    if len(name) > SAVED_FILTER_NAME_MAX:
        raise SavedFilterError("name_too_long")
    exists = SavedFilter.objects.filter(user=user, name=name).exists()
    if not exists and SavedFilter.objects.filter(user=user).count() >= SAVED_FILTERS_MAX:
        raise SavedFilterError("too_many")
    saved, _created = SavedFilter.objects.update_or_create(
        user=user, name=name, defaults={"query": canonical_query(query)}
    )
    return saved


def saved_filter_delete(*, user: User, filter_id: int) -> bool:
    """Delete one of the user's own saved filters; False when there is no such filter of theirs."""
    if not 1 <= filter_id <= MAX_ID:
        return False
    deleted, _details = SavedFilter.objects.filter(user=user, pk=filter_id).delete()
    return deleted > 0


# --- helpers for templates ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class FilterForm:
    """What the filter form needs to render the current filter. The choices' labels are read only when the
    form's cached fragment is rendered afresh (ledger.html), so they are worked out then, not on every page."""

    spec: LedgerFilter
    lead_unit: UnitChoice | None
    co_unit: UnitChoice | None
    years: Sequence[int]

    @property
    def statuses(self) -> list[tuple[str, str]]:
        return [(value, str(label)) for value, label in ItemStatus.choices]

    @property
    def source_types(self) -> list[tuple[str, str]]:
        return [(value, str(label)) for value, label in SourceType.choices]

    @property
    def urgencies(self) -> list[tuple[str, str]]:
        return [(value, str(label)) for value, label in Urgency.choices]

    @property
    def lights(self) -> list[tuple[str, str]]:
        return [(value, str(Light(value).label)) for value in LIGHTS]

    @property
    def sorts(self) -> list[tuple[str, str]]:
        return [(value, str(label)) for value, label in SORT_LABELS.items()]


def filter_form(user: User, spec: LedgerFilter, today: datetime.date) -> FilterForm:
    return FilterForm(
        spec=spec,
        lead_unit=selected_unit(user, spec.lead_unit_id),
        co_unit=selected_unit(user, spec.co_unit_id),
        years=year_choices(today, spec),
    )
