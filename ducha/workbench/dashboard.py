"""驾驶舱 (dashboard) statistics: counts, rates and trends over the items a user may see.

Everything is counted by the database with conditional aggregation (`COUNT(...) FILTER (WHERE ...)`, `SUM`) in a
fixed number of queries whatever the number of items. `dashboard_stats` runs at most six: the ids of the units
in an office user's tree (a planner hint, see `dashboard_items`), the filtered unit's path (with a unit filter),
the items grouped by source type × status (with the month counts), the items grouped by lead unit, the
assignments grouped by day notified × day signed, and the units named in the table. Python only adds up the
grouped rows — a few dozen to a few thousand, never one per item.

Indexes that serve it on PostgreSQL (items of one county out of a million: a few milliseconds each query):
`Item(government, assigned_at) INCLUDE (id, completed_at, status, source_type, due_date, warn_date,
confidentiality)` for index-only scans, and the lead assignment's unique index with `INCLUDE (unit)`. A whole
province's year (a third of a million items) still takes seconds, hence the summary table: `DashboardRollup`
holds every government's figures counted ahead by the same grouped queries (`dashboard_rollup_rebuild`, run
periodically by `ducha dashboard_rollup`), and also each government's figures filtered on every unit directly
below it whose tree is larger than `LIVE_MAX_UNITS` (a province's cities); `dashboard_figures` serves an office's
whole scope, or such a filter, from it. What it does not hold is counted live through `dashboard_stats_cached`
when the scope is small, and never inside a request when it is large (issue 19).

Definitions (for a year Y, in local time, Asia/Shanghai):

- **the year's items**: items assigned (交办) in Y — `assigned_at` in [Y-01-01, Y+1-01-01). Items not yet
  assigned (drafts, pending approval, registered) belong to the workbench, not to the dashboard. The range on
  `assigned_at` is indexable; no `__year` function is applied to a column in a WHERE clause.
- **completed**: the lead unit's completion report was approved by its head (`completed_at`) in Y, whatever the
  year of assignment (an item assigned in December and completed in January counts for January's year);
  withdrawn items do not count. **On time**: completed on or before the due date (local dates).
- **open**: the year's items not finished (assigned, in progress, under review); **overdue**: the red light today.
  Every open item shows one light or none: open = red + yellow + green + no light, where **no light** is an open
  item whose deadline does not run (under review) or that has no due date. The figures carry the four parts
  (`red`, `yellow`, `green`, `no_light`) for the totals and for every row of the units table, so each adds up.
- **sign-for timeliness** (签收及时率): assignments of the year's items signed by the end of the first working day
  after the day of notification (a notice of Friday afternoon is signed in time on Monday). Unsigned assignments
  count as late once that day has passed and are left out (pending) before.
- **average working days to completion**: counted in SQL by the weekday rule (Monday to Friday) between the local
  dates of assignment and completion; public holidays and make-up working days are *not* taken into account, so
  an item whose period spans a holiday shows up to the holiday's length more than the exact figure.

- **the units table**: per lead unit, summed up to the units directly below the user's government (a county's
  departments and townships; a city's departments and counties); such a row has `lead_within` true (it counts
  the items led by the unit or a unit inside it), a lead unit outside that level stands for itself (false).
- **the unit filter**: items that unit, or a unit inside it, is assigned to (lead or co-unit), as in the ledger;
  sign-for timeliness then counts that unit's own notices.

Scope is `selectors.items_for_user(user)`; a unit user always sees their own unit's figures (see
`dashboard_unit_for`).

Every item figure has its drill-down in the ledger (`dashboard_ledger_filters`): the ledger's filters that select
exactly the items counted, built from the same conditions (`ducha.workbench.ledger.filters`). Sign-for timeliness
counts notices (assignments), not items, and has none.
"""

from __future__ import annotations

import calendar
import datetime
import time
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, replace
from typing import Any, cast

from django.conf import settings
from django.core.cache import cache
from django.db import transaction
from django.db.models import (
    Case,
    Count,
    Exists,
    F,
    Func,
    IntegerField,
    Max,
    OuterRef,
    Q,
    QuerySet,
    Sum,
    Value,
    When,
)
from django.db.models.functions import TruncDate
from django.utils import timezone
from django.utils.translation import get_language

from ducha.items.lifecycle import ItemStatus
from ducha.items.models import (
    Assignment,
    AssignmentRole,
    Confidentiality,
    Item,
    Light,
    SourceType,
)
from ducha.items.selectors import items_for_user, light_filter
from ducha.orgs.models import UNIT_ROLES, Role, Unit, UnitKind, User
from ducha.workbench.ledger.filters import (
    COMPLETION_LATE,
    COMPLETION_ON_TIME,
    NO_LIGHT,
    LedgerFilter,
    completed_on_time_q,
    completed_q,
)
from ducha.workbench.models import DashboardRollup
from ducha.workcalendar import services as workdays

YEAR_MIN = 2000
MONTHS = range(1, 13)
# Statuses an item of the year can be in: it has been assigned.
YEAR_STATUSES = [status for status in ItemStatus if status in ItemStatus.visible_to_units()]
# The statuses of an open item of the year (assigned, in progress, under review).
OPEN_STATUSES = tuple(status for status in YEAR_STATUSES if status not in ItemStatus.finished())
LIGHTS = [Light.RED, Light.YELLOW, Light.GREEN]
# The parts of the open items: each shows one light, or none.
OPEN_PARTS = ("red", "yellow", "green", "no_light")
# What the units table adds up per row (`_unit_rows`) and over its rows (`units_total`).
_LEAD_SUMS = ("items", "open", *OPEN_PARTS, "completed", "on_time", "workdays")
_UNIT_TOTAL_SUMS = ("items", "open", *OPEN_PARTS, "completed", "on_time")
HINT_MAX_UNITS = 1000


# --- SQL helpers ------------------------------------------------------------------------------------------------


class WeekdayIndex(Func):
    """The number of Mondays to Fridays from 1970-01-05 (a Monday) up to and including a date expression.

    The difference of two indexes is the number of weekdays d with a < d <= b: working days by the weekday rule,
    without holidays or make-up days (those live in the Python calendar, not in the database)."""

    arity = 1
    output_field = IntegerField()

    def as_sql(self, compiler: Any, connection: Any, **extra_context: Any) -> tuple[str, list[Any]]:  # type: ignore[override]
        date_sql, date_params = compiler.compile(self.source_expressions[0])
        if connection.vendor == "sqlite":
            days = f"(CAST(ROUND(julianday({date_sql}) - 2440591.5) AS INTEGER) + 1)"
        else:
            days = f"((({date_sql}) - DATE '1970-01-05') + 1)"
        # days = n + 1 for the n-th day since the epoch; weeks * 5 plus the weekdays of the last, partial week.
        # (x - 7 * (x / 7) is x mod 7 for x >= 0 with integer division, without a vendor-specific operator.)
        remainder = f"({days} - 7 * ({days} / 7))"
        sql = f"(5 * ({days} / 7) + CASE WHEN {remainder} > 5 THEN 5 ELSE {remainder} END)"
        return sql, [*date_params] * sql.count(days)


def weekdays_between_sql(start_field: str, end_field: str) -> Any:
    """Weekdays (Monday to Friday) after the local date of `start_field` up to that of `end_field`."""
    return WeekdayIndex(TruncDate(end_field)) - WeekdayIndex(TruncDate(start_field))


# --- inputs -----------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Period:
    """A calendar year in local time, as aware datetimes: [start, end) and the 13 month boundaries."""

    year: int
    month_starts: tuple[datetime.datetime, ...]

    @classmethod
    def of(cls, year: int) -> Period:
        zone = timezone.get_current_timezone()
        starts = [datetime.datetime(year, month, 1, tzinfo=zone) for month in MONTHS]
        starts.append(datetime.datetime(year + 1, 1, 1, tzinfo=zone))
        return cls(year=year, month_starts=tuple(starts))

    @property
    def start(self) -> datetime.datetime:
        return self.month_starts[0]

    @property
    def end(self) -> datetime.datetime:
        return self.month_starts[-1]

    def q(self, field: str, month: int | None = None) -> Q:
        low, high = (self.start, self.end) if month is None else self.month_starts[month - 1 : month + 1]
        return Q(**{f"{field}__gte": low, f"{field}__lt": high})


def dashboard_unit_for(user: User, unit_id: int | None) -> int | None:
    """The unit whose figures `user` sees. Office staff and leaders choose (None: everything in their scope); a
    unit user (head, liaison, handler) always sees their own unit."""
    if user.has_role(Role.OFFICE, Role.LEADER):
        return unit_id
    if user.has_role(*UNIT_ROLES) and user.unit_id is not None:
        return user.unit_id
    return unit_id


def _kind_order(unit: Unit) -> tuple[int, int, int]:
    order = {UnitKind.DEPARTMENT: 0, UnitKind.GOVERNMENT: 1}
    return (order.get(UnitKind(unit.kind), 2), unit.sort_order, unit.pk)


def dashboard_unit_choices(user: User) -> list[Unit]:
    """The units a user may pick in the unit filter. Office staff and leaders: the active units directly below
    their government (a county's departments and townships; a city's departments and counties), the level the
    units table shows. A unit user: their own unit."""
    unit = user.unit
    if unit is None:
        return []
    if user.has_role(Role.OFFICE, Role.LEADER) and unit.government_id is not None:
        return sorted(Unit.objects.filter(parent_id=unit.government_id, is_active=True), key=_kind_order)
    if user.has_role(*UNIT_ROLES):
        return [unit]
    return []


def dashboard_items(user: User, *, unit: Unit | None = None) -> QuerySet[Item]:
    """The items counted for `user`: their scope, narrowed to the items `unit` or a unit inside it is assigned
    to (as lead or co-unit)."""
    items = items_for_user(user)
    if user.has_role(Role.OFFICE, Role.LEADER) and not user.has_role(*UNIT_ROLES) and user.unit is not None:
        # Implied by the scope (the item's government lies in the user's government's tree), spelled out as a
        # list of ids: with the path join alone the planner cannot tell that a county's 30-odd units own 1% of
        # a million items, and scans them all instead of using the (government, assigned_at) index.
        # A large tree (a province) is scanned whole anyway, and its list would only lengthen the query.
        government = user.unit.government
        if government is not None:
            tree = Unit.objects.filter(path__startswith=government.path).values_list("id", flat=True)
            ids = list(tree[: HINT_MAX_UNITS + 1])
            if len(ids) <= HINT_MAX_UNITS:
                items = items.filter(government_id__in=ids)
    if unit is not None:
        items = items.filter(
            Exists(Assignment.objects.filter(item=OuterRef("pk"), unit__path__startswith=unit.path))
        )
    return items


# --- the statistics ---------------------------------------------------------------------------------------------


def _percent(part: int, whole: int) -> float | None:
    return round(100 * part / whole, 1) if whole else None


def _average(total: int, count: int) -> float | None:
    return round(total / count, 1) if count else None


class _Filters:
    """The conditions the aggregates share, for one period and day."""

    def __init__(self, period: Period, today: datetime.date) -> None:
        self.period = period
        self.today = today
        self.assigned = period.q("assigned_at")
        self.open = self.assigned & Q(status__in=OPEN_STATUSES)
        # The ledger's own conditions (its drill-down filters select exactly these items).
        self.completed = period.q("completed_at") & completed_q()
        self.on_time = period.q("completed_at") & completed_on_time_q()
        # Assigned or completed in the period, written so that an index on (government, assigned_at) serves it
        # (completion never precedes assignment); rows that match but were completed later count nowhere.
        self.touched = Q(assigned_at__lt=period.end) & (
            Q(assigned_at__gte=period.start) | Q(completed_at__gte=period.start)
        )

    def light(self, light: str) -> Q:
        return self.assigned & light_filter(light, self.today)

    def common(self) -> dict[str, Any]:
        return {
            "items": Count("id", filter=self.assigned),
            **{str(light): Count("id", filter=self.light(light)) for light in LIGHTS},
            "no_light": Count("id", filter=self.open & light_filter(Light.NONE, self.today)),
            "completed": Count("id", filter=self.completed),
            "on_time": Count("id", filter=self.on_time),
            "workdays": Sum(weekdays_between_sql("assigned_at", "completed_at"), filter=self.completed),
        }


def _by_source_and_status(
    items: QuerySet[Item], filters: _Filters, group: dict[str, Any] | None = None
) -> list[dict[str, Any]]:
    """One row per (source type, status) of the items assigned or completed in the period, with the month
    counts. Reads the item table only (an index on `assigned_at` covering these columns serves it). `group`
    adds grouping columns (the summary's build groups by government and confidentiality too)."""
    period = filters.period
    aggregates = filters.common()
    for month in MONTHS:
        aggregates[f"assigned_{month}"] = Count("id", filter=period.q("assigned_at", month))
        aggregates[f"completed_{month}"] = Count(
            "id", filter=filters.completed & period.q("completed_at", month)
        )
    rows = (
        items.filter(filters.touched)
        .values("source_type", "status", **(group or {}))
        .annotate(**aggregates)
        .order_by()
    )
    return cast(list[dict[str, Any]], list(rows))


def _by_lead_unit(
    items: QuerySet[Item], filters: _Filters, group: dict[str, Any] | None = None
) -> list[dict[str, Any]]:
    """One row per lead unit of the items assigned or completed in the period (and per `group` columns)."""
    rows = (
        items.filter(filters.touched)
        # One lead assignment per item (a unique constraint): the join does not multiply rows.
        .filter(assignments__role=AssignmentRole.LEAD)
        .values(lead_unit=F("assignments__unit"), **(group or {}))
        .annotate(open=Count("id", filter=filters.open))
        .annotate(**filters.common())
        .order_by()
    )
    return cast(list[dict[str, Any]], list(rows))


def _by_notice_and_signing_day(
    items: QuerySet[Item], filters: _Filters, unit: Unit | None, group: dict[str, Any] | None = None
) -> list[dict[str, Any]]:
    """The assignments of the period's items (of `unit` and the units inside it, if given), one row per (day
    notified, day signed) (and per `group` columns, spelled from the assignment), with the time waited in
    total."""
    assignments = Assignment.objects.filter(
        item__in=items.filter(filters.assigned), notified_at__isnull=False
    )
    if unit is not None:
        assignments = assignments.filter(unit__path__startswith=unit.path)
    rows = (
        assignments.values(
            notified_on=TruncDate("notified_at"), signed_on=TruncDate("signed_at"), **(group or {})
        )
        .annotate(n=Count("*"), waited=Sum(F("signed_at") - F("notified_at")))
        .order_by()
    )
    return cast(list[dict[str, Any]], list(rows))


def _sign_summary(groups: Iterable[dict[str, Any]], today: datetime.date) -> dict[str, Any]:
    in_time = late = pending = signed = 0
    waited = datetime.timedelta()
    deadlines: dict[datetime.date, datetime.date] = {}
    for group in groups:  # one row per (day notified, day signed)
        notified_on: datetime.date = group["notified_on"]
        if notified_on not in deadlines:
            deadlines[notified_on] = workdays.add_workdays(notified_on, 1)
        deadline = deadlines[notified_on]
        signed_on: datetime.date | None = group["signed_on"]
        n: int = group["n"]
        if signed_on is None:
            if today > deadline:
                late += n
            else:
                pending += n
            continue
        signed += n
        waited += group["waited"] or datetime.timedelta()
        if signed_on <= deadline:
            in_time += n
        else:
            late += n
    return {
        "assignments": in_time + late,
        "in_time": in_time,
        "late": late,
        "pending": pending,
        "signed": signed,
        "in_time_rate": _percent(in_time, in_time + late),
        "average_hours": round(waited.total_seconds() / 3600 / signed, 1) if signed else None,
    }


@dataclass(frozen=True)
class _UnitTree:
    """Every unit by id, and the ids of each unit's children: the summary's build reads the units once."""

    units: dict[int, Unit]
    children: dict[int, set[int]]

    @classmethod
    def load(cls) -> _UnitTree:
        units = {unit.pk: unit for unit in Unit.objects.only("name", "short_name", "path", "parent", "kind")}
        children: dict[int, set[int]] = defaultdict(set)
        for pk, unit in units.items():
            if unit.parent_id is not None:
                children[unit.parent_id].add(pk)
        return cls(units=units, children=children)


def _unit_rows(
    government_id: int | None, groups: list[dict[str, Any]], tree: _UnitTree | None = None
) -> list[dict[str, Any]]:
    """The units table: lead units summed up to the level directly below the user's government (a county's
    departments and townships, a city's counties and departments). A lead unit outside that government's tree
    (a county department, seen by a township) stands for itself. `tree` (every unit) saves the query when
    given."""
    lead_ids = [group["lead_unit"] for group in groups]
    if not lead_ids:
        return []
    if tree is not None:
        units = tree.units
        top_level = set(tree.children.get(government_id, ())) if government_id else set()
    else:
        nearby = Q(pk__in=lead_ids) | Q(parent_id=government_id) if government_id else Q(pk__in=lead_ids)
        units = {
            unit.pk: unit for unit in Unit.objects.filter(nearby).only("name", "short_name", "path", "parent")
        }
        top_level = {pk for pk, unit in units.items() if government_id and unit.parent_id == government_id}
    rows: dict[int, dict[str, int]] = {}
    for group in groups:  # one per lead unit
        lead = units.get(group["lead_unit"])
        path_ids = [int(part) for part in lead.path.strip("/").split("/")] if lead else []
        row_id = next((pk for pk in path_ids if pk in top_level), group["lead_unit"])
        row = rows.setdefault(row_id, dict.fromkeys(_LEAD_SUMS, 0))
        for field in row:
            row[field] += group[field] or 0
    result: list[dict[str, Any]] = []
    for pk, row in rows.items():
        unit = units.get(pk)
        name = unit.name if unit else ""
        result.append(
            {
                "unit_id": pk,
                "name": name,
                "short_name": (unit.short_name if unit else "") or name,
                "lead_within": pk in top_level,
                "items": row["items"],
                "open": row["open"],
                **{part: row[part] for part in OPEN_PARTS},
                "overdue": row["red"],
                "completed": row["completed"],
                "on_time": row["on_time"],
                "on_time_rate": _percent(row["on_time"], row["completed"]),
                "average_workdays": _average(row["workdays"], row["completed"]),
            }
        )
    result.sort(key=lambda row: (-row["items"], -row["completed"], row["name"], row["unit_id"]))
    return result


def dashboard_stats(
    user: User, *, year: int, unit_id: int | None = None, today: datetime.date
) -> dict[str, Any]:
    """The dashboard's figures for `user` and `year` (optionally one unit and the units inside it), as JSON-ready
    data. Keys: `totals`, `by_status`, `by_light`, `sign` (sign-for timeliness), `units` (the units table),
    `by_source`, `monthly`. Rates are percentages with one decimal, None where nothing was counted.
    Definitions are in the module docstring. At most six queries, whatever the item count."""
    filters = _Filters(Period.of(year), today)
    unit_id = dashboard_unit_for(user, unit_id)
    unit: Unit | None = None
    if unit_id is not None:
        unit = user.unit if user.unit_id == unit_id else Unit.objects.filter(pk=unit_id).first()
        if unit is None:  # no such unit: nothing to count
            unit = Unit(pk=unit_id, path="/-/")
    items = dashboard_items(user, unit=unit)
    government_id = user.unit.government_id if user.unit is not None else None
    return _figures(
        year=year,
        unit_id=unit_id,
        today=today,
        source_rows=_by_source_and_status(items, filters),
        sign=_sign_summary(_by_notice_and_signing_day(items, filters, unit), today),
        units=_unit_rows(government_id, _by_lead_unit(items, filters)),
    )


def _figures(
    *,
    year: int,
    unit_id: int | None,
    today: datetime.date,
    source_rows: Iterable[dict[str, Any]],
    sign: dict[str, Any],
    units: list[dict[str, Any]],
) -> dict[str, Any]:
    """The dashboard's figures from the grouped rows (one per source type × status), the sign-for summary and
    the units table."""
    statuses: dict[str, int] = defaultdict(int)
    lights: dict[str, int] = defaultdict(int)
    sources: dict[str, dict[str, int]] = defaultdict(lambda: defaultdict(int))
    months: dict[str, int] = defaultdict(int)
    totals: dict[str, int] = defaultdict(int)
    for row in source_rows:  # one row per (source type, status)
        statuses[row["status"]] += row["items"]
        if row["status"] in OPEN_STATUSES:
            totals["open"] += row["items"]
        for field in ("items", "completed", "on_time", "workdays", "no_light"):
            totals[field] += row[field] or 0
        for light in LIGHTS:
            lights[light] += row[light]
        source = sources[row["source_type"]]
        for field in ("items", "completed", "on_time"):
            source[field] += row[field]
        for month in MONTHS:
            months[f"assigned_{month}"] += row[f"assigned_{month}"]
            months[f"completed_{month}"] += row[f"completed_{month}"]

    units_total = {field: sum(row[field] for row in units) for field in _UNIT_TOTAL_SUMS}
    source_labels = dict(SourceType.choices)
    return {
        "year": year,
        "unit_id": unit_id,
        "today": today.isoformat(),
        "totals": {
            "items": totals["items"],
            "open": totals["open"],
            **{str(light): lights[light] for light in LIGHTS},
            "no_light": totals["no_light"],
            "overdue": lights[Light.RED],
            "completed": totals["completed"],
            "on_time": totals["on_time"],
            "late": totals["completed"] - totals["on_time"],
            "on_time_rate": _percent(totals["on_time"], totals["completed"]),
            "average_workdays": _average(totals["workdays"], totals["completed"]),
        },
        "by_status": [
            {"status": str(status), "label": str(status.label), "count": statuses[status]}
            for status in YEAR_STATUSES
        ],
        "by_light": [
            {"light": str(light), "label": str(light.label), "count": lights[light]} for light in LIGHTS
        ],
        "sign": sign,
        "units": units,
        # The units table's last row: its columns added up (every item of the year has one lead unit).
        "units_total": {
            **units_total,
            "on_time_rate": _percent(units_total["on_time"], units_total["completed"]),
        },
        "by_source": [
            {
                "source_type": code,
                "label": str(source_labels.get(code, code)),
                "items": sources[code]["items"],
                "completed": sources[code]["completed"],
                "on_time": sources[code]["on_time"],
                "on_time_rate": _percent(sources[code]["on_time"], sources[code]["completed"]),
            }
            for code in SourceType.values
            if code in sources
        ],
        "monthly": [
            {
                "month": month,
                "assigned": months[f"assigned_{month}"],
                "completed": months[f"completed_{month}"],
            }
            for month in MONTHS
        ],
    }


# --- the drill-down: the ledger's filters for each figure -------------------------------------------------------


def _parts(assigned: LedgerFilter, completed: LedgerFilter) -> dict[str, LedgerFilter]:
    """The filters of one row's figures: `assigned` selects the row's items of the year, `completed` those
    completed in the year."""
    open_items = replace(assigned, statuses=OPEN_STATUSES)
    return {
        "items": assigned,
        "open": open_items,
        **{str(light): replace(assigned, light=str(light)) for light in LIGHTS},
        "no_light": replace(open_items, light=NO_LIGHT),
        "overdue": replace(assigned, light=str(Light.RED)),
        "completed": completed,
        "on_time": replace(completed, completion=COMPLETION_ON_TIME),
        "late": replace(completed, completion=COMPLETION_LATE),
    }


def dashboard_ledger_filters(stats: dict[str, Any]) -> dict[str, Any]:
    """For each item figure of `stats` (from `dashboard_stats` or the summary), the ledger filter that selects
    exactly the items it counts, in the same shape: `totals` and `units_total` (figure → filter), `by_status`
    (status → filter), `by_light` (light → filter), `monthly` (one per month: assigned, completed), `by_source`
    (source type → figure → filter) and `units` (unit id, as text → figure → filter). The year's items are those
    assigned in it (the ledger's assigned date range), the completed ones those completed in it (its completed
    date range); with a unit chosen, every filter names it (`unit`: the unit or a unit inside it is assigned).
    Sign-for timeliness counts notices, not items: it has no filter."""
    year, unit_id = int(stats["year"]), stats["unit_id"]
    scope = LedgerFilter(within_unit_id=unit_id)

    def assigned_in(first: datetime.date, last: datetime.date, spec: LedgerFilter = scope) -> LedgerFilter:
        return replace(spec, assigned_from=first, assigned_to=last)

    def completed_in(first: datetime.date, last: datetime.date, spec: LedgerFilter = scope) -> LedgerFilter:
        return replace(spec, completed_from=first, completed_to=last)

    first_day, last_day = datetime.date(year, 1, 1), datetime.date(year, 12, 31)
    totals = _parts(assigned_in(first_day, last_day), completed_in(first_day, last_day))
    monthly = []
    for month in MONTHS:
        first = datetime.date(year, month, 1)
        last = datetime.date(year, month, calendar.monthrange(year, month)[1])
        monthly.append(
            {"month": month, "assigned": assigned_in(first, last), "completed": completed_in(first, last)}
        )
    by_source = {}
    for row in stats["by_source"]:
        source = replace(scope, source_type=row["source_type"])
        by_source[row["source_type"]] = _parts(
            assigned_in(first_day, last_day, source), completed_in(first_day, last_day, source)
        )
    units = {}
    for row in stats["units"]:
        # A row at the level below the government sums the units inside it; any other stands for itself.
        if row["lead_within"]:
            lead = replace(scope, lead_within_unit_id=row["unit_id"])
        else:
            lead = replace(scope, lead_unit_id=row["unit_id"])
        units[str(row["unit_id"])] = _parts(
            assigned_in(first_day, last_day, lead), completed_in(first_day, last_day, lead)
        )
    return {
        "totals": totals,
        "units_total": totals,
        "by_status": {
            row["status"]: replace(totals["items"], statuses=(row["status"],)) for row in stats["by_status"]
        },
        "by_light": {row["light"]: totals[row["light"]] for row in stats["by_light"]},
        "monthly": monthly,
        "by_source": by_source,
        "units": units,
    }


# --- the summary table (DashboardRollup) -------------------------------------------------------------------------

ROLLUP_YEARS = 6  # the current year and the five before it: the years the dashboard offers
_SOURCE_SUMS = (
    "items",
    *OPEN_PARTS,
    "completed",
    "on_time",
    "workdays",
    *(f"{kind}_{month}" for kind in ("assigned", "completed") for month in MONTHS),
)
# Grouping columns the build adds to the live queries: the item's government and whether it is secret.
_ITEM_GROUP = {
    "_government": F("government_id"),
    "_secret": Case(When(confidentiality=Confidentiality.SECRET, then=Value(True)), default=Value(False)),
}
_ASSIGNMENT_GROUP = {
    "_government": F("item__government_id"),
    "_secret": Case(
        When(item__confidentiality=Confidentiality.SECRET, then=Value(True)), default=Value(False)
    ),
}


@dataclass
class RollupResult:
    years: list[int]
    rows: int
    seconds: float


def rollup_applies(user: User) -> bool:
    """Whether the summary may hold `user`'s dashboard: an office or leader with no unit role (whose scope is
    exactly their government's tree, less other governments' secret items). It holds their whole scope, and their
    scope filtered on each large unit directly below their government (`_LargeUnits`)."""
    return (
        user.is_authenticated
        and user.is_active
        and user.unit is not None
        and user.unit.government_id is not None
        and user.has_role(Role.OFFICE, Role.LEADER)
        and not user.has_role(*UNIT_ROLES)
    )


def _scopes(units: dict[int, Unit]) -> dict[int, list[int]]:
    """For each government, the governments whose office sees its items: itself and the governments above it
    (scope_q: the item's government lies in the office's government's tree)."""
    governments = {pk for pk, unit in units.items() if unit.kind == UnitKind.GOVERNMENT}
    return {
        pk: [int(part) for part in units[pk].path.strip("/").split("/") if int(part) in governments]
        for pk in governments
    }


@dataclass(frozen=True)
class _LargeUnits:
    """The units directly below a government whose tree holds more than LIVE_MAX_UNITS units (a province's cities):
    the summary holds that government's figures filtered on each. `levels` groups them by depth, so that no unit
    of a level lies inside another of the same level: an assignment falls in at most one unit of each level."""

    # unit id → the government directly above it (whose office may filter on it)
    government_of: dict[int, int]
    levels: list[list[Unit]]

    @classmethod
    def of(cls, tree: _UnitTree) -> _LargeUnits:
        sizes: dict[int, int] = defaultdict(int)
        for unit in tree.units.values():
            for part in unit.path.strip("/").split("/"):
                sizes[int(part)] += 1
        government_of: dict[int, int] = {}
        by_depth: dict[int, list[Unit]] = defaultdict(list)
        for pk, unit in tree.units.items():
            parent = tree.units.get(unit.parent_id) if unit.parent_id is not None else None
            if parent is not None and parent.kind == UnitKind.GOVERNMENT and sizes[pk] > LIVE_MAX_UNITS:
                government_of[pk] = parent.pk
                by_depth[unit.path.count("/")].append(unit)
        levels = [sorted(by_depth[depth], key=lambda unit: unit.pk) for depth in sorted(by_depth)]
        return cls(government_of=government_of, levels=levels)


def _level_key(level: list[Unit], unit_field: str) -> Case:
    """The unit of `level` that the unit in `unit_field` lies in (itself or below it), or NULL."""
    return Case(
        *(When(**{f"{unit_field}__path__startswith": unit.path}, then=Value(unit.pk)) for unit in level),
        default=None,
        output_field=IntegerField(),
    )


def _items_within(level: list[Unit]) -> QuerySet[Item]:
    """Every item once for each unit of `level` it is assigned to (that unit or one inside it, as lead or co-unit:
    the dashboard's unit filter), that unit's id grouped on as `_unit`: the item joined with its assignments inside
    those units, keeping of each (item, unit) pair the assignment with the lowest id (an item is counted once
    however many of its units lie inside)."""
    inside = Q()
    for unit in level:
        inside |= Q(assignments__unit__path__startswith=unit.path)
    earlier = (
        Assignment.objects.filter(item=OuterRef("pk"), pk__lt=OuterRef("assignments__pk"))
        .alias(_earlier_within=_level_key(level, "unit"))
        .filter(_earlier_within=OuterRef("_within"))
    )
    # One filter() makes the join; the aliases after it reuse it (a later filter() on a multi-valued relation
    # would join again): `_within` and `earlier` name the assignment that was joined.
    return (
        Item.objects.filter(inside)
        .alias(_within=_level_key(level, "assignments__unit"))
        .alias(_first_within=~Exists(earlier))
        .filter(_first_within=True)
    )


def _visible_to(row: dict[str, Any], scopes: dict[int, list[int]]) -> list[int]:
    """The governments whose dashboard counts a grouped row: a secret item only in its own government's."""
    government = row["_government"]
    if row["_secret"]:
        return [government] if government in scopes else []
    return scopes.get(government, [])


def _add(into: dict[Any, dict[str, Any]], key: Any, row: dict[str, Any], fields: Iterable[str]) -> None:
    target = into.get(key)
    if target is None:
        into[key] = {field: row[field] for field in fields}
        return
    for field in fields:
        if row[field] is not None:
            target[field] = row[field] if target[field] is None else target[field] + row[field]


# A key of the summary: a government, and the unit its figures are filtered on (None: its whole scope).
_RollupKey = tuple[int, int | None]


def _rollup_year(
    year: int, today: datetime.date, tree: _UnitTree, scopes: dict[int, list[int]], large: _LargeUnits
) -> dict[_RollupKey, dict[str, Any]]:
    """Every government's dashboard figures for `year`, and each government's figures filtered on each of its
    large units: the grouped queries of `dashboard_stats`, run over every item with the item's government and
    secrecy (and, filtered, the large unit) as extra grouping columns; each grouped row is added to the
    governments that see it and reduced exactly as the live figures are. Three queries, and two more per level of
    large units, whatever the number of governments and units."""
    filters = _Filters(Period.of(year), today)
    items = Item.objects.all()
    sources: dict[_RollupKey, dict[tuple[str, str], dict[str, Any]]] = defaultdict(dict)
    leads: dict[_RollupKey, dict[int, dict[str, Any]]] = defaultdict(dict)
    signs: dict[_RollupKey, dict[tuple[Any, Any], dict[str, Any]]] = defaultdict(dict)

    def filtered_on(row: dict[str, Any], unit_id: int | None) -> _RollupKey | None:
        """The key of the figures filtered on `unit_id` that a grouped row counts in, if its government sees it."""
        if unit_id is None:
            return None
        government = large.government_of[unit_id]
        return (government, unit_id) if government in _visible_to(row, scopes) else None

    for row in _by_source_and_status(items, filters, _ITEM_GROUP):
        for government in _visible_to(row, scopes):
            _add(sources[(government, None)], (row["source_type"], row["status"]), row, _SOURCE_SUMS)
    for row in _by_lead_unit(items, filters, _ITEM_GROUP):
        for government in _visible_to(row, scopes):
            _add(leads[(government, None)], row["lead_unit"], row, _LEAD_SUMS)
    # A notice counts for the unit it was sent to: one query groups them by the large unit of each level too.
    level_columns = {f"_unit_{index}": _level_key(level, "unit") for index, level in enumerate(large.levels)}
    for row in _by_notice_and_signing_day(items, filters, None, {**_ASSIGNMENT_GROUP, **level_columns}):
        counted_in: list[_RollupKey] = [(government, None) for government in _visible_to(row, scopes)]
        for column in level_columns:
            if key := filtered_on(row, row[column]):
                counted_in.append(key)
        for key in counted_in:
            _add(signs[key], (row["notified_on"], row["signed_on"]), row, ("n", "waited"))
    for level in large.levels:
        within = _items_within(level)
        group = {**_ITEM_GROUP, "_unit": F("_within")}
        for row in _by_source_and_status(within, filters, group):
            if key := filtered_on(row, row["_unit"]):
                _add(sources[key], (row["source_type"], row["status"]), row, _SOURCE_SUMS)
        for row in _by_lead_unit(within, filters, group):
            if key := filtered_on(row, row["_unit"]):
                _add(leads[key], row["lead_unit"], row, _LEAD_SUMS)

    keys: list[_RollupKey] = [(government, None) for government in scopes]
    keys += [(government, unit) for unit, government in large.government_of.items()]
    figures = {}
    for key in keys:
        government, unit_id = key
        source_rows = [
            {"source_type": source_type, "status": status, **sums}
            for (source_type, status), sums in sources[key].items()
        ]
        lead_rows = [{"lead_unit": lead, **sums} for lead, sums in leads[key].items()]
        sign_rows = [
            {"notified_on": notified_on, "signed_on": signed_on, **sums}
            for (notified_on, signed_on), sums in signs[key].items()
        ]
        figures[key] = _figures(
            year=year,
            unit_id=unit_id,
            today=today,
            source_rows=source_rows,
            sign=_sign_summary(sign_rows, today),
            units=_unit_rows(government, lead_rows, tree),
        )
    return figures


def rollup_years(today: datetime.date) -> list[int]:
    """The years the summary holds: the current year and the five before it (the years the dashboard offers)."""
    return list(range(today.year - ROLLUP_YEARS + 1, today.year + 1))


def dashboard_rollup_rebuild(
    *, years: Iterable[int] | None = None, now: datetime.datetime | None = None
) -> RollupResult:
    """Count every government's dashboard figures ahead into `DashboardRollup`, one row per government and year
    (by default every year of `rollup_years`), as of today, and one per government, year and large unit directly
    below the government (its tree larger than LIVE_MAX_UNITS: a province's cities), the figures filtered on that
    unit. Set-based: three grouped queries per year over the whole item table, and two more per depth at which
    large units lie, whatever the number of governments and units; each year is replaced in one transaction, so
    a reader sees the old figures or the new ones."""
    started = time.perf_counter()
    today = timezone.localdate(now or timezone.now())
    chosen = sorted(set(years)) if years is not None else rollup_years(today)
    tree = _UnitTree.load()
    scopes = _scopes(tree.units)
    large = _LargeUnits.of(tree)
    rows = 0
    for year in chosen:
        counted_at = now or timezone.now()  # the figures are as of the start of their queries
        figures = _rollup_year(year, today, tree, scopes, large)
        with transaction.atomic():
            DashboardRollup.objects.filter(year=year).delete()
            DashboardRollup.objects.bulk_create(
                [
                    DashboardRollup(
                        year=year,
                        government_id=government,
                        unit_id=unit_id,
                        as_of=today,
                        built_at=counted_at,
                        stats=stats,
                    )
                    for (government, unit_id), stats in figures.items()
                ],
                batch_size=500,
            )
        rows += len(figures)
    return RollupResult(years=chosen, rows=rows, seconds=time.perf_counter() - started)


def dashboard_rollup_refresh(*, now: datetime.datetime | None = None) -> RollupResult:
    """The periodic job (`ducha dashboard_rollup`): recount the current year, and every other year of
    `rollup_years` whose figures were not counted today (so once a day, after midnight: figures counted for
    another day are not served). Past years change little within a day; the dashboard says as of when. On New
    Year's Day the oldest year leaves the dashboard's years, and its summary goes with it."""
    today = timezone.localdate(now or timezone.now())
    DashboardRollup.objects.exclude(year__in=rollup_years(today)).delete()
    return dashboard_rollup_rebuild(years=rollup_years_due(today), now=now)


def rollup_years_due(today: datetime.date) -> list[int]:
    """The years a refresh recounts: the current year, and every other year of `rollup_years` not counted today."""
    counted_today = set(
        DashboardRollup.objects.filter(year__in=rollup_years(today), as_of=today)
        .values_list("year", flat=True)
        .distinct()
    )
    return [year for year in rollup_years(today) if year == today.year or year not in counted_today]


def _relabelled(stats: dict[str, Any]) -> dict[str, Any]:
    """Stored figures with their labels in the current language (the build may have run in another)."""
    source_labels = dict(SourceType.choices)
    for row in stats["by_status"]:
        row["label"] = str(ItemStatus(row["status"]).label)
    for row in stats["by_light"]:
        row["label"] = str(Light(row["light"]).label)
    for row in stats["by_source"]:
        row["label"] = str(source_labels.get(row["source_type"], row["source_type"]))
    return stats


def _rollup_unit_q(unit_id: int | None) -> Q:
    """The summary's rows of the whole scope (no unit filter), or of the filter on `unit_id`."""
    return Q(unit__isnull=True) if unit_id is None else Q(unit_id=unit_id)


def dashboard_rollup_for(
    user: User, *, year: int, unit_id: int | None, today: datetime.date
) -> tuple[dict[str, Any], datetime.datetime] | None:
    """The counted-ahead figures for this dashboard and when they were counted, or None when the summary does
    not hold them (a filter on a unit it does not count ahead, a user with a unit role, a year not counted, or
    figures counted for another day: the lights change at midnight)."""
    if not rollup_applies(user):
        return None
    assert user.unit is not None
    found = (
        DashboardRollup.objects.filter(
            _rollup_unit_q(unit_id), year=year, government_id=user.unit.government_id, as_of=today
        )
        .values_list("stats", "built_at")
        .first()
    )
    if found is None:
        return None
    stats, built_at = found
    if "units_total" not in stats:
        return None  # counted before the figures had their parts (issue 13): counted live until the next run
    return _relabelled(stats), built_at


# A computation slower than this is served from the cache until it expires, even after items changed.
EXPENSIVE_SECONDS = 0.5


def dashboard_stats_cached(
    user: User, *, year: int, unit_id: int | None = None, today: datetime.date
) -> tuple[dict[str, Any], datetime.datetime]:
    """`dashboard_stats` through the cache, with the time the figures were computed.

    Counting a province's hundreds of thousands of items takes seconds, and a dashboard is read far more often
    than it changes (the house rule: no exact count over a million rows on every page view). The figures are kept
    per user, year, unit, day and language for `DUCHA_DASHBOARD_CACHE_SECONDS` (default 300; 0 turns the cache
    off). Cheap figures (a county's, a unit's) are recomputed as soon as any item changes — the latest
    `Item.updated_at`, one indexed MAX, tells — so they never lag; figures that took longer than
    `EXPENSIVE_SECONDS` to count are served until they expire, and the page says as of when. Changes that do not
    touch an item row (a co-unit signing for it) show within the time-out."""
    timeout = int(getattr(settings, "DUCHA_DASHBOARD_CACHE_SECONDS", 300))
    if timeout <= 0:
        return dashboard_stats(user, year=year, unit_id=unit_id, today=today), timezone.now()
    latest = Item.objects.aggregate(latest=Max("updated_at"))["latest"]
    key = ":".join(
        [
            "ducha:dashboard:v2",
            str(user.pk),
            str(year),
            str(unit_id or ""),
            today.isoformat(),
            get_language() or "",
        ]
    )
    cached = cache.get(key)
    if cached is not None and (cached["latest"] == latest or cached["seconds"] >= EXPENSIVE_SECONDS):
        return cached["stats"], cached["computed_at"]
    started = time.perf_counter()
    stats = dashboard_stats(user, year=year, unit_id=unit_id, today=today)
    computed_at = timezone.now()
    cache.set(
        key,
        {
            "stats": stats,
            "computed_at": computed_at,
            "latest": latest,
            "seconds": time.perf_counter() - started,
        },
        timeout,
    )
    return stats, computed_at


# A scope whose government's tree holds at most this many units (a county: 34 on the benchmark province, with
# 3,500 items a year) is counted live when the summary does not hold it: 0.3 s on the benchmark's busy 2-core host.
# A city (341 units, 34,000 items a year) takes seconds and a province (3,413 units, 340,000 items) five or more:
# those are never counted inside a request (issue 19).
LIVE_MAX_UNITS = 100


@dataclass(frozen=True)
class DashboardFigures:
    stats: dict[str, Any]
    computed_at: datetime.datetime | None
    counted_ahead: bool  # from the summary table (refreshed periodically), not counted for this request
    # From the summary of an earlier day (the last known figures): today's is not counted yet.
    stale: bool = False
    # Nothing to show: the summary holds no figures for this scope and year yet, and the scope is too large to
    # count inside a request (`stats` is empty).
    missing: bool = False


def dashboard_rollup_latest(
    user: User, *, year: int, unit_id: int | None = None
) -> tuple[dict[str, Any], datetime.datetime] | None:
    """The last figures the summary holds for this office's or leader's whole scope (or their scope filtered on
    `unit_id`) and year, whatever day they were counted for, with the time they were counted; None when it holds
    none."""
    assert user.unit is not None
    found = (
        DashboardRollup.objects.filter(
            _rollup_unit_q(unit_id), year=year, government_id=user.unit.government_id
        )
        .order_by("-as_of", "-built_at")
        .values_list("stats", "built_at")
        .first()
    )
    if found is None or "units_total" not in found[0]:
        return None
    return _relabelled(found[0]), found[1]


def counted_live_is_cheap(user: User, unit_id: int | None = None) -> bool:
    """Whether the scope of an office or leader (or, with `unit_id`, that unit's tree: the unit filter) is small
    enough to count inside a request (LIVE_MAX_UNITS): one indexed prefix count over the units. A unit that does
    not exist is cheap: nothing to count."""
    assert user.unit is not None and user.unit.government is not None
    if unit_id is None:
        path = user.unit.government.path
    else:
        found = Unit.objects.filter(pk=unit_id).values_list("path", flat=True).first()
        if found is None:
            return True
        path = found
    units = Unit.objects.filter(path__startswith=path)[: LIVE_MAX_UNITS + 1].count()
    return units <= LIVE_MAX_UNITS


def dashboard_figures(
    user: User, *, year: int, unit_id: int | None = None, today: datetime.date
) -> DashboardFigures:
    """The dashboard's figures: from the summary table when it holds them (an office's or leader's whole scope,
    or that scope filtered on a large unit directly below their government, counted for today), else counted live
    through the cache (`dashboard_stats_cached`) — but for an office or leader only when the scope, or the chosen
    unit's tree, is small (`counted_live_is_cheap`): a province, a city, or a filter on a city whose summary is not
    counted for today is shown its last known figures, with the time they were counted (`stale`), or nothing yet
    (`missing`) when the summary never held them. No request counts a province or a city."""
    counted = dashboard_rollup_for(user, year=year, unit_id=unit_id, today=today)
    if counted is not None:
        return DashboardFigures(stats=counted[0], computed_at=counted[1], counted_ahead=True)
    if rollup_applies(user) and not counted_live_is_cheap(user, unit_id):
        latest = dashboard_rollup_latest(user, year=year, unit_id=unit_id)
        if latest is not None:
            return DashboardFigures(stats=latest[0], computed_at=latest[1], counted_ahead=True, stale=True)
        return DashboardFigures(stats={}, computed_at=None, counted_ahead=True, missing=True)
    stats, computed_at = dashboard_stats_cached(user, year=year, unit_id=unit_id, today=today)
    return DashboardFigures(stats=stats, computed_at=computed_at, counted_ahead=False)
