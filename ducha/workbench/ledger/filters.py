"""The ledger's filter: its GET parameters parsed into a LedgerFilter (anything invalid left out and reported as a
Notice, never a 500), and the user's items narrowed by it. Scope comes from `selectors.items_for_user`; every
filter here only narrows it.

Besides the filters of the form, the ledger reads those the dashboard's drill-down links need to select exactly the
items a figure counts (see ducha.workbench.dashboard for the definitions): `unit` (assigned to that unit or a unit
inside it, as lead or co-unit: the dashboard's unit filter), `lead_within` (led by that unit or a unit inside it:
a row of the dashboard's units table), `completed_from` / `completed_to` (the completion report approved in that
range, withdrawn items left out), `completion` (completed on time, or late) and `light=none` (no light shows)."""

from __future__ import annotations

import calendar
import datetime
from dataclasses import dataclass
from typing import Any, Protocol
from urllib.parse import urlencode

from django.db.models import Exists, F, Func, OuterRef, Q, QuerySet, TextField
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from ducha.items.lifecycle import ItemStatus
from ducha.items.models import Assignment, AssignmentRole, Item, Light, SourceType, Urgency
from ducha.items.selectors import MAX_ID, items_for_user, light_filter
from ducha.orgs.models import Unit, User

KEYWORD_MAX = 100
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
# light=none: the items that show no light (not running, or without a deadline).
NO_LIGHT = "none"
# completion=…: completed (not withdrawn) on or before the due date, or after it (or without one).
COMPLETION_ON_TIME, COMPLETION_LATE = "on_time", "late"
COMPLETIONS = (COMPLETION_ON_TIME, COMPLETION_LATE)

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
    "unit": gettext_lazy("Unit, with the units inside it"),
    "lead_within": gettext_lazy("Lead unit, with the units inside it"),
    "urgency": gettext_lazy("Urgency"),
    "assigned_from": gettext_lazy("Assigned from"),
    "assigned_to": gettext_lazy("Assigned until"),
    "due_from": gettext_lazy("Due from"),
    "due_to": gettext_lazy("Due until"),
    "completed_from": gettext_lazy("Completed from"),
    "completed_to": gettext_lazy("Completed until"),
    "completion": gettext_lazy("Completion"),
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
    within_unit_id: int | None = None
    lead_within_unit_id: int | None = None
    urgency: str = ""
    assigned_from: datetime.date | None = None
    assigned_to: datetime.date | None = None
    due_from: datetime.date | None = None
    due_to: datetime.date | None = None
    completed_from: datetime.date | None = None
    completed_to: datetime.date | None = None
    completion: str = ""
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
        add("unit", self.within_unit_id)
        add("lead_within", self.lead_within_unit_id)
        add("urgency", self.urgency)
        add("assigned_from", self.assigned_from)
        add("assigned_to", self.assigned_to)
        add("due_from", self.due_from)
        add("due_to", self.due_to)
        add("completed_from", self.completed_from)
        add("completed_to", self.completed_to)
        add("completion", self.completion)
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
        ("light", "light", (*LIGHTS, NO_LIGHT)),
        ("completion", "completion", COMPLETIONS),
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
    for name, key in (
        ("lead", "lead_unit_id"),
        ("co", "co_unit_id"),
        ("unit", "within_unit_id"),
        ("lead_within", "lead_within_unit_id"),
    ):
        if text := _single(params, name):
            unit_id = parse_unit_id(text)
            if unit_id is None:
                invalid(name)
            else:
                values[key] = unit_id
    for low_name, high_name in (
        ("assigned_from", "assigned_to"),
        ("due_from", "due_to"),
        ("completed_from", "completed_to"),
    ):
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


def _assigned_within(unit_id: int, role: str | None = None) -> Q:
    """Items to which `unit_id` or a unit inside it is assigned (in `role`, if given): one prefix match on the
    unit's path, as the dashboard counts them. The path is read first (by primary key) so that the prefix is a
    constant the path index serves; an unknown unit selects nothing."""
    path = Unit.objects.filter(pk=unit_id).values_list("path", flat=True).first()
    if not path:
        return Q(pk__in=[])
    assignments = Assignment.objects.filter(item=OuterRef("pk"), unit__path__startswith=path)
    if role is not None:
        assignments = assignments.filter(role=role)
    return Q(Exists(assignments))


def completed_q() -> Q:
    """Completed: the lead unit's completion report approved by its head, and the item not withdrawn."""
    return Q(completed_at__isnull=False) & ~Q(status=ItemStatus.CANCELLED)


def completed_on_time_q() -> Q:
    """Completed on or before the due date (local dates); the rest of the completed items are late."""
    return completed_q() & Q(completed_at__date__lte=F("due_date"))


def completed_late_q() -> Q:
    return completed_q() & (Q(due_date__isnull=True) | Q(completed_at__date__gt=F("due_date")))


def filter_queryset(
    user: User, spec: LedgerFilter, today: datetime.date, *, literal_governments: bool = True
) -> QuerySet[Item]:
    """The user's items (scope from selectors.items_for_user) narrowed by `spec`; unordered."""
    queryset = items_for_user(user, literal_governments=literal_governments)
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
    if spec.light == NO_LIGHT:
        queryset = queryset.filter(light_filter(Light.NONE, today))
    elif spec.light:
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
    if spec.within_unit_id is not None:
        queryset = queryset.filter(_assigned_within(spec.within_unit_id))
    if spec.lead_within_unit_id is not None:
        queryset = queryset.filter(_assigned_within(spec.lead_within_unit_id, AssignmentRole.LEAD))
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
    if spec.completed_from is not None or spec.completed_to is not None:
        queryset = queryset.filter(completed_q())
    if spec.completed_from is not None:
        queryset = queryset.filter(completed_at__gte=_local_midnight(spec.completed_from))
    if spec.completed_to is not None:
        queryset = queryset.filter(
            completed_at__lt=_local_midnight(spec.completed_to + datetime.timedelta(days=1))
        )
    if spec.completion == COMPLETION_ON_TIME:
        queryset = queryset.filter(completed_on_time_q())
    elif spec.completion == COMPLETION_LATE:
        queryset = queryset.filter(completed_late_q())
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
