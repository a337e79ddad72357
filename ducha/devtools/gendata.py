"""A realistic large dataset for benchmarks: a synthetic province (cities → counties → departments and townships),
items over five years with their assignments and audit events, and a few accounts to measure with.

Rows are written in bulk: PostgreSQL COPY (psycopg) where available, executemany elsewhere; ids are assigned
here and the sequences reset afterwards. The data follows the domain's shape (numbers per government and year,
stored due and yellow-light dates from the real working-day calendar, statuses by age) but skips the services:
it is test data for measuring, never a way to change real records.
"""

from __future__ import annotations

import datetime
import functools
import json
import random
import time
from collections import defaultdict
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from typing import Any

from django.conf import settings
from django.contrib.auth.hashers import make_password
from django.core.management.color import no_style
from django.db import connection, models, transaction
from django.utils import timezone

from ducha.audit.models import Event
from ducha.items.models import Assignment, Item, NumberSequence
from ducha.orgs.models import RoleGrant, Unit, UnitKind, UnitLevel, User
from ducha.workcalendar.services import add_workdays, subtract_workdays

PASSWORD = "Ducha@2026"

TOPICS = [
    "老旧小区改造",
    "高标准农田建设",
    "义务教育学校扩容",
    "城乡供水一体化",
    "农贸市场提升改造",
    "县域医共体建设",
    "营商环境优化",
    "重点项目开工",
    "安全生产专项整治",
    "河湖长制落实",
    "秸秆禁烧",
    "农村人居环境整治",
    "就业困难人员帮扶",
    "养老服务设施建设",
    "背街小巷改造",
    "停车难治理",
    "城区防汛排涝",
    "中小学校舍安全",
    "食品安全监管",
    "燃气管道更新",
    "垃圾分类处理",
    "工业园区标准厂房",
    "招商引资项目落地",
    "乡村振兴示范村",
    "道路交通安全隐患整改",
    "森林防火",
    "危房改造",
    "农民工工资支付",
    "政务服务一网通办",
    "学前教育普惠",
]
ACTIONS = ["推进", "落实", "加快", "做好", "解决", "完成", "督促整改", "全面开展"]
SOURCES = [
    ("leader_instruction", "领导批示"),
    ("meeting_decision", "县政府常务会议"),
    ("work_report_task", "政府工作报告"),
    ("policy_document", "省政府文件"),
    ("npc_suggestion", "人大代表建议"),
    ("cppcc_proposal", "政协提案"),
    ("public_report", "12345热线"),
    ("leader_assignment", "领导交办"),
    ("inspection_tour", "视察调研"),
    ("livelihood_project", "民生实事"),
    ("other", "其他"),
]
PROGRESS = [
    "已制定工作方案，正在推进。",
    "已完成摸底排查，正在组织实施。",
    "主体工程已完工，正在验收。",
    "已召开专题会议研究部署。",
    "已完成年度任务的百分之八十。",
]


@dataclass
class GenResult:
    units: int = 0
    users: int = 0
    items: int = 0
    assignments: int = 0
    events: int = 0
    seconds: float = 0.0
    timings: dict[str, float] = field(default_factory=dict)


def _columns(model: type[models.Model]) -> list[str]:
    return [str(f.column) for f in model._meta.concrete_fields]


@functools.cache
def _defaults(model: type[models.Model]) -> dict[str, Any]:
    """Each column's value when a generator does not name it: the field's default as the database stores it, so
    that a column added to a model later does not break the generator."""
    out: dict[str, Any] = {}
    for f in model._meta.concrete_fields:
        value = f.get_default()
        if isinstance(f, models.JSONField):
            value = json.dumps(value if value is not None else {})
        out[str(f.column)] = value
    return out


def _row(model: type[models.Model], columns: Sequence[str], values: dict[str, Any]) -> tuple[Any, ...]:
    defaults = _defaults(model)
    return tuple(values[c] if c in values else defaults[c] for c in columns)


def _write(model: type[models.Model], columns: Sequence[str], rows: Iterable[Sequence[Any]]) -> int:
    """Write rows in bulk: COPY on PostgreSQL, executemany elsewhere."""
    table = connection.ops.quote_name(model._meta.db_table)
    cols = ", ".join(connection.ops.quote_name(c) for c in columns)
    count = 0
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            raw = cursor.cursor  # the psycopg cursor
            with raw.copy(f"COPY {table} ({cols}) FROM STDIN") as copy:
                for row in rows:
                    copy.write_row(row)
                    count += 1
            return count
        placeholders = ", ".join(["%s"] * len(columns))
        batch: list[Sequence[Any]] = []
        for row in rows:
            batch.append(row)
            if len(batch) >= 5000:
                cursor.executemany(f"INSERT INTO {table} ({cols}) VALUES ({placeholders})", batch)
                count += len(batch)
                batch = []
        if batch:
            cursor.executemany(f"INSERT INTO {table} ({cols}) VALUES ({placeholders})", batch)
            count += len(batch)
    return count


def _next_id(model: type[models.Model]) -> int:
    return (model._default_manager.aggregate(m=models.Max("id"))["m"] or 0) + 1


def _reset_sequences(*model_list: type[models.Model]) -> None:
    statements = connection.ops.sequence_reset_sql(no_style(), list(model_list))
    with connection.cursor() as cursor:
        for sql in statements:
            cursor.execute(sql)


class _Units:
    """Builds the unit tree with explicit ids and materialised paths."""

    def __init__(self) -> None:
        self.next_id = _next_id(Unit)
        self.rows: list[tuple[Any, ...]] = []
        self.now = timezone.now()

    def add(
        self,
        name: str,
        level: str,
        kind: str,
        parent: tuple[int, str] | None,
        government: int | None,
        sort_order: int = 0,
    ) -> tuple[int, str]:
        unit_id = self.next_id
        self.next_id += 1
        path = f"{parent[1] if parent else '/'}{unit_id}/"
        gov = unit_id if kind == UnitKind.GOVERNMENT else government
        values = {
            "id": unit_id,
            "created_at": self.now,
            "updated_at": self.now,
            "name": name,
            "short_name": "",
            "level": level,
            "kind": kind,
            "parent_id": parent[0] if parent else None,
            "government_id": gov,
            "path": path,
            "sort_order": sort_order,
            "is_active": True,
        }
        self.rows.append(_row(Unit, _columns(Unit), values))
        return unit_id, path


@dataclass
class _County:
    government: int
    units: list[int]  # departments and townships that receive items
    office: int = 0  # its supervision office (督查室)


def _build_units(
    cities: int, counties_per_city: int, departments: int, townships: int, tag: str
) -> tuple[_Units, tuple[int, str], tuple[int, str], tuple[int, str], list[_County]]:
    units = _Units()
    province = units.add(f"{tag}省人民政府", UnitLevel.PROVINCE, UnitKind.GOVERNMENT, None, None)
    general = units.add(
        f"{tag}省人民政府办公厅", UnitLevel.PROVINCE, UnitKind.GENERAL_OFFICE, province, province[0]
    )
    office = units.add(
        f"{tag}省人民政府督查室", UnitLevel.PROVINCE, UnitKind.SUPERVISION_OFFICE, general, province[0]
    )
    counties: list[_County] = []
    county_office: tuple[int, str] | None = None
    for c in range(cities):
        city = units.add(f"{tag}第{c + 1}市人民政府", UnitLevel.CITY, UnitKind.GOVERNMENT, province, None)
        for k in range(counties_per_city):
            county = units.add(
                f"{tag}第{c + 1}市第{k + 1}县人民政府", UnitLevel.COUNTY, UnitKind.GOVERNMENT, city, None
            )
            receivers = [
                units.add(
                    f"第{k + 1}县第{d + 1}局", UnitLevel.COUNTY, UnitKind.DEPARTMENT, county, county[0], d
                )[0]
                for d in range(departments)
            ] + [
                units.add(
                    f"第{k + 1}县第{t + 1}镇人民政府",
                    UnitLevel.TOWNSHIP,
                    UnitKind.GOVERNMENT,
                    county,
                    None,
                    t,
                )[0]
                for t in range(townships)
            ]
            supervision = units.add(
                f"{tag}第{c + 1}市第{k + 1}县督查室",
                UnitLevel.COUNTY,
                UnitKind.SUPERVISION_OFFICE,
                county,
                county[0],
            )
            counties.append(_County(government=county[0], units=receivers, office=supervision[0]))
            county_office = county_office or supervision
    assert county_office is not None
    return units, province, office, county_office, counties


def generate(
    *,
    items: int,
    cities: int = 10,
    counties_per_city: int = 10,
    departments: int = 20,
    townships: int = 12,
    years: int = 5,
    seed: int = 2026,
    tag: str = "基准",
    open_only: bool = False,
    progress: Callable[[str], None] = lambda message: None,
) -> GenResult:
    """Generate `items` items over `years` years in a synthetic province; with `open_only`, every item is running
    (assigned or in progress), as in an office with that many open items at once. Returns counts and timings."""
    started = time.perf_counter()
    result = GenResult()
    rng = random.Random(seed)
    today = timezone.localdate()
    tz = timezone.get_current_timezone()

    with transaction.atomic():
        units, _province, office, county_office, counties = _build_units(
            cities, counties_per_city, departments, townships, tag
        )
        result.units = _write(Unit, _columns(Unit), units.rows)
        result.timings["units"] = time.perf_counter() - started
        progress(f"units: {result.units}")

        password = make_password(PASSWORD)
        user_id = _next_id(User)
        now = timezone.now()
        accounts = [
            (f"bench_office_{user_id}", office[0], ["office"]),
            (f"bench_unit_{user_id}", counties[0].units[0], ["handler"]),
            (f"bench_county_office_{user_id}", county_office[0], ["office"]),
        ]
        # Every county's office and leader, and every receiving unit's liaison, head and a handler: the people
        # reminders go to.
        leaders: dict[int, int] = {}
        for county in counties:
            accounts.append((f"b{user_id}_{county.office}_office", county.office, ["office"]))
            leaders[county.government] = user_id + len(accounts)
            accounts.append((f"b{user_id}_{county.government}_leader", county.government, ["leader"]))
            for unit in county.units:
                accounts += [
                    (f"b{user_id}_{unit}_liaison", unit, ["liaison"]),
                    (f"b{user_id}_{unit}_head", unit, ["unit_head"]),
                    (f"b{user_id}_{unit}_handler", unit, ["handler"]),
                ]
        user_columns = _columns(User)
        user_rows, grant_rows = [], []
        for offset, (username, unit_id, roles) in enumerate(accounts):
            values = {
                "id": user_id + offset,
                "password": password,
                "last_login": None,
                "is_superuser": False,
                "username": username,
                "first_name": "",
                "last_name": "",
                "email": "",
                "is_staff": False,
                "is_active": True,
                "date_joined": now,
                "full_name": username,
                "unit_id": unit_id,
                "phone": "",
                "title": "",
                "password_changed_at": now,  # a password set today, so it does not expire during a benchmark
            }
            user_rows.append(_row(User, user_columns, values))
            grant_rows += [(user_id + offset, role) for role in roles]
        result.users = _write(User, user_columns, user_rows)
        _write(RoleGrant, ["user_id", "role"], grant_rows)
        creator = user_id  # the provincial office account "created" the items

        item_start = _next_id(Item)
        assignment_start = _next_id(Assignment)
        counters: dict[tuple[int, int], int] = defaultdict(int)
        assignments: list[tuple[Any, ...]] = []
        events: list[tuple[Any, ...]] = []
        item_columns, assignment_columns = _columns(Item), _columns(Assignment)
        event_columns = [c for c in _columns(Event) if c not in ("id", "chain_seq", "chain_hash")]  # unsealed
        span_days = 365 * years

        def item_rows() -> Iterator[tuple[Any, ...]]:
            nonlocal assignment_start
            for index in range(items):
                item_id = item_start + index
                county = counties[rng.randrange(len(counties))]
                if open_only:
                    status, age, workdays = _open_item(today, rng)
                else:
                    age = int(span_days * rng.random() ** 1.6)  # more recent items than old ones
                    status = _status_for(age, rng)
                    workdays = rng.choice([5, 10, 15, 15, 15, 20, 30, 60])
                created = datetime.datetime.combine(
                    today - datetime.timedelta(days=age), datetime.time(9), tz
                )
                created += datetime.timedelta(minutes=rng.randrange(600))
                source, source_label = SOURCES[rng.randrange(len(SOURCES))]
                urgency = rng.choices(["normal", "urgent", "extra_urgent"], [80, 15, 5])[0]
                registered = status not in ("draft", "pending_approval", "rejected")
                year = created.year
                number, seq = "", None
                if registered:
                    counters[(county.government, year)] += 1
                    seq = counters[(county.government, year)]
                    number = settings.DUCHA_ITEM_NUMBER_PATTERN.format(year=year, seq=seq)
                assigned = status not in ("draft", "pending_approval", "rejected", "registered")
                assigned_at = created + datetime.timedelta(days=1) if assigned else None
                due = add_workdays(assigned_at.date(), workdays) if assigned_at else None
                warn = subtract_workdays(due, settings.DUCHA_YELLOW_WORKDAYS) if due else None
                finished = status in ("under_review", "accepted", "closed", "archived")
                completed_at = None
                if finished and due is not None and assigned_at is not None:
                    late = rng.random() < 0.15
                    span = (due - assigned_at.date()).days
                    completed_at = assigned_at + datetime.timedelta(
                        days=span + (rng.randrange(1, 20) if late else -rng.randrange(0, max(span, 1)))
                    )
                title = f"{ACTIONS[rng.randrange(len(ACTIONS))]}{TOPICS[rng.randrange(len(TOPICS))]}工作"
                lead = county.units[rng.randrange(len(county.units))]
                cos = rng.sample([u for u in county.units if u != lead], rng.choice([0, 0, 1, 1, 2]))
                latest = PROGRESS[rng.randrange(len(PROGRESS))] if assigned else ""
                updated = max(filter(None, [created, assigned_at, completed_at]))
                values = {
                    "id": item_id,
                    "created_at": created,
                    "updated_at": updated,
                    "government_id": county.government,
                    "number": number,
                    "number_year": year if registered else None,
                    "number_seq": seq,
                    "title": title,
                    "content": f"{title}，按期报送办理情况。",
                    "requirements": "",
                    "source_type": source,
                    "source_reference": f"{source_label}（{year}）",
                    "source_date": None,
                    "approval_basis": "office_proposal",
                    "approver_id": leaders[county.government] if registered else None,
                    "approved_at": created if registered else None,
                    "rejection_reason": "",
                    "urgency": urgency,
                    "confidentiality": "secret" if rng.random() < 0.01 else "internal",
                    "status": status,
                    "deadline_basis": "workdays",
                    "deadline_workdays": workdays,
                    "due_date": due,
                    "warn_date": warn,
                    "due_date_is_provisional": False,
                    "assigned_at": assigned_at,
                    "progress_cycle": (
                        rng.choices(["", "weekly", "monthly", "quarterly"], [82, 3, 10, 5])[0]
                        if open_only
                        else ""
                    ),
                    "parent_id": None,
                    "delegating_unit_id": None,
                    "latest_progress": latest,
                    "latest_progress_at": assigned_at,
                    "closing_opinion": "",
                    "completed_at": completed_at,
                    "closed_at": completed_at if status in ("closed", "archived") else None,
                    "archived_at": completed_at if status == "archived" else None,
                    "cancel_requested_by_id": None,
                    "cancel_reason": "",
                    "created_by_id": creator,
                }
                yield _row(Item, item_columns, values)
                signed = assigned and status != "assigned"
                for role, unit in [("lead", lead), *[("co", u) for u in cos]]:
                    a = {
                        "id": assignment_start,
                        "created_at": created,
                        "updated_at": updated,
                        "item_id": item_id,
                        "unit_id": unit,
                        "role": role,
                        "share": None if role == "lead" else 30,
                        "share_note": "",
                        "status": (
                            "reported" if finished and role == "lead" else "signed" if signed else "assigned"
                        ),
                        "notified_at": assigned_at,
                        "signed_at": assigned_at + datetime.timedelta(hours=rng.randrange(1, 72))
                        if signed and assigned_at is not None
                        else None,
                        "signed_by_id": None,
                        "reported_at": completed_at if role == "lead" else None,
                    }
                    assignment_start += 1
                    assignments.append(_row(Assignment, assignment_columns, a))
                for event_type, moment in _events_for(status, created, assigned_at, completed_at):
                    e = {
                        "event_type": event_type,
                        "subject_type": "item",
                        "subject_id": item_id,
                        "actor_id": creator,
                        "actor_unit_id": None,
                        "created_at": moment,
                        "old": "{}",
                        "new": json.dumps({"status": status}) if event_type == "item_created" else "{}",
                        "comment": "",
                    }
                    events.append(_row(Event, event_columns, e))

        batch = 20_000
        written = 0
        generator = item_rows()
        while written < items:
            chunk = [row for _, row in zip(range(batch), generator, strict=False)]
            if not chunk:
                break
            written += _write(Item, item_columns, chunk)
            result.assignments += _write(Assignment, assignment_columns, assignments)
            result.events += _write(Event, event_columns, events)
            assignments.clear()
            events.clear()
            progress(f"items: {written}/{items}")
        result.items = written
        NumberSequence.objects.bulk_create(
            [NumberSequence(government_id=g, year=y, last=n) for (g, y), n in counters.items()],
            update_conflicts=True,
            unique_fields=["government", "year"],
            update_fields=["last"],
        )
        _reset_sequences(Unit, User, Item, Assignment)
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("VACUUM ANALYZE")  # as autovacuum would: statistics and visibility maps
    result.seconds = time.perf_counter() - started
    return result


# Deadlines (working days) as they are set, and how often: mostly two to six weeks, a few running to the year's end.
OPEN_DEADLINES = [5, 10, 15, 20, 30, 60, 120, 250]
OPEN_SHARES = [10, 15, 30, 15, 15, 10, 3, 2]


def _open_item(today: datetime.date, rng: random.Random) -> tuple[str, int, int]:
    """(status, age in days, deadline in working days) of a running item: most are in progress with due dates
    spread over the coming months and some overdue; a few were assigned in the last days and not yet signed for."""
    # The deadlines of the items open at any one moment: an item is open for as long as its deadline runs, so
    # long deadlines (a work report's yearly tasks) weigh in by their length, not by how often they are set.
    workdays = rng.choices(
        OPEN_DEADLINES, [share * days for days, share in zip(OPEN_DEADLINES, OPEN_SHARES, strict=True)]
    )[0]
    if rng.random() < 0.05:
        return "assigned", rng.randrange(1, 4), workdays
    # days since assignment: up to the deadline's length and, for one in ten, past it (overdue)
    span = int(workdays * 1.4)
    age = rng.randrange(1, span + 1) if rng.random() < 0.9 else span + rng.randrange(1, 40)
    return "in_progress", age, workdays


def _status_for(age_days: int, rng: random.Random) -> str:
    if age_days > 120:
        return rng.choices(["archived", "closed", "cancelled", "in_progress"], [70, 24, 3, 3])[0]
    if age_days > 30:
        return rng.choices(
            ["closed", "accepted", "under_review", "in_progress", "assigned", "archived"],
            [30, 8, 8, 40, 4, 10],
        )[0]
    return rng.choices(
        [
            "draft",
            "pending_approval",
            "registered",
            "rejected",
            "assigned",
            "in_progress",
            "under_review",
            "accepted",
            "closed",
        ],
        [4, 4, 3, 1, 15, 55, 10, 4, 4],
    )[0]


def _events_for(
    status: str,
    created: datetime.datetime,
    assigned_at: datetime.datetime | None,
    completed_at: datetime.datetime | None,
) -> list[tuple[str, datetime.datetime]]:
    steps = [("item_created", created)]
    if status == "draft":
        return steps
    steps.append(("item_submitted", created))
    if status == "pending_approval":
        return steps
    if status == "rejected":
        return [*steps, ("item_rejected", created)]
    steps.append(("item_approved", created))
    if assigned_at is None:
        return steps
    steps.append(("item_assigned", assigned_at))
    if status == "assigned":
        return steps
    steps += [("item_signed", assigned_at), ("item_progress", assigned_at)]
    if status == "cancelled":
        return [*steps, ("item_cancelled", assigned_at)]
    if completed_at is None:
        return steps
    steps += [("item_reported", completed_at), ("item_report_approved", completed_at)]
    if status == "under_review":
        return steps
    steps.append(("item_review_accepted", completed_at))
    if status in ("closed", "archived"):
        steps.append(("item_closed", completed_at))
    if status == "archived":
        steps.append(("item_archived", completed_at))
    return steps
