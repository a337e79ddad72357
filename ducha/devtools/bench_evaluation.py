"""The evaluation's benchmark (`ducha bench_evaluation`, docs/benchmarks.md, issue 13): the province's scores for
a year as the background job computes them (time, queries, peak memory, in a fresh process), how that time grows
with the number of governments, each indicator's share, and the two pages users wait on — the stored scores
(`selectors.scores_for`) and a unit's facts (`selectors.facts_for`) — serially and under concurrency, side by side
with a reference query in the same run.

Runs over `ducha gendata` data. `gendata` writes items, assignments and audit events only; `enrich()` adds what
the indicators read besides (completion reports and the office's reviews, one in eight returned first; granted
extensions; a monthly progress cycle on one assigned item in five; progress, chase and overdue reminders), in
set-based SQL on PostgreSQL. It is benchmark data, written once per database (rows are marked), never a way to
change real records. Inspections (conclusions, rectifications) are not generated: their indicators run over
empty tables here.
"""

from __future__ import annotations

import json
import os
import statistics
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from django.db import connection, connections, transaction
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from ducha.evaluation import selectors
from ducha.evaluation.indicators import INDICATORS, Window
from ducha.evaluation.models import Score
from ducha.evaluation.periods import Period
from ducha.evaluation.scoring import comparable_units
from ducha.items.models import Assignment, Item, Report
from ducha.items.selectors import items_for_user
from ducha.orgs.models import Role, Unit, UnitKind, User

MARK = "基准考核数据"  # the text of the benchmark's reports: enrichment ran on this database


@dataclass
class Row:
    name: str
    p50_ms: float
    p95_ms: float
    queries: int = 0
    note: str = ""


def _percentile(samples: list[float], share: float) -> float:
    ordered = sorted(samples)
    return ordered[min(len(ordered) - 1, max(0, round(share * (len(ordered) - 1))))]


# --- data ------------------------------------------------------------------------------------------------------

ENRICH_SQL = [
    (
        "completion reports returned once (one finished item in eight)",
        """
        INSERT INTO items_report (created_at, updated_at, kind, text, is_final, status, head_decided_at,
                                  head_comment, assignment_id, author_id, head_decided_by_id, item_id)
        SELECT i.completed_at - interval '6 days', i.completed_at - interval '5 days', 'completion', %(mark)s,
               true, 'returned', i.completed_at - interval '6 days', '', a.id, %(actor)s, %(actor)s, i.id
        FROM items_item i JOIN items_assignment a ON a.item_id = i.id AND a.role = 'lead'
        WHERE i.status IN ('under_review', 'accepted', 'closed', 'archived') AND i.completed_at IS NOT NULL
          AND i.id %% 8 = 0
        """,
    ),
    (
        "the office's returns",
        """
        INSERT INTO items_review (created_at, updated_at, decision, opinion, task_completed, problem_solved,
                                  conclusion_appropriate, lawful_compliant, item_id, report_id, reviewer_id)
        SELECT r.created_at + interval '1 day', r.created_at + interval '1 day', 'return', '材料不全，请补充。',
               false, false, true, true, r.item_id, r.id, %(actor)s
        FROM items_report r WHERE r.text = %(mark)s AND r.status = 'returned'
        """,
    ),
    (
        "final completion reports",
        """
        INSERT INTO items_report (created_at, updated_at, kind, text, is_final, status, head_decided_at,
                                  head_comment, assignment_id, author_id, head_decided_by_id, item_id)
        SELECT i.completed_at, i.completed_at, 'completion', %(mark)s, true,
               CASE WHEN i.status = 'under_review' THEN 'submitted' ELSE 'accepted' END,
               i.completed_at, '', a.id, %(actor)s, %(actor)s, i.id
        FROM items_item i JOIN items_assignment a ON a.item_id = i.id AND a.role = 'lead'
        WHERE i.status IN ('under_review', 'accepted', 'closed', 'archived') AND i.completed_at IS NOT NULL
        """,
    ),
    (
        "the office's acceptances",
        """
        INSERT INTO items_review (created_at, updated_at, decision, opinion, task_completed, problem_solved,
                                  conclusion_appropriate, lawful_compliant, item_id, report_id, reviewer_id)
        SELECT r.created_at + interval '1 day', r.created_at + interval '1 day', 'accept', '同意办结。',
               true, true, true, true, r.item_id, r.id, %(actor)s
        FROM items_report r WHERE r.text = %(mark)s AND r.status = 'accepted'
        """,
    ),
    (
        "granted extensions (one assigned item in seventeen)",
        """
        INSERT INTO items_extensionrequest (created_at, updated_at, reason, old_due_date, proposed_due_date,
               granted_due_date, requires_leader, status, decided_at, decision_comment, decided_by_id,
               office_decided_by_id, requested_by_id, unit_id, item_id)
        SELECT i.assigned_at + interval '2 days', i.assigned_at + interval '3 days', '工程量大，申请延期。',
               i.due_date - 10, i.due_date, i.due_date, false, 'granted', i.assigned_at + interval '3 days', '',
               %(actor)s, %(actor)s, %(actor)s, a.unit_id, i.id
        FROM items_item i JOIN items_assignment a ON a.item_id = i.id AND a.role = 'lead'
        WHERE i.assigned_at IS NOT NULL AND i.due_date IS NOT NULL AND i.id %% 17 = 0
        """,
    ),
    (
        "a monthly progress cycle (one assigned item in five)",
        """
        UPDATE items_item SET progress_cycle = 'monthly'
        WHERE assigned_at IS NOT NULL AND progress_cycle = '' AND id %% 5 = 0
        """,
    ),
    ("statistics of the items after the update", "ANALYZE items_item"),
    (
        "progress reminders (a third of the items with a cycle, one or two months, liaison and handler)",
        """
        INSERT INTO reminders_reminder (audience, kind, period, step, due_date, created_at, chase_id, item_id,
                                        recipient_id, unit_id, run_id, rectification_id)
        SELECT g.role, 'progress_due', 'm' || n, 0, NULL, i.assigned_at + n * interval '31 days', NULL, i.id,
               u.id, a.unit_id, NULL, NULL
        FROM items_item i
        JOIN items_assignment a ON a.item_id = i.id AND a.role = 'lead'
        CROSS JOIN generate_series(1, 2) AS n
        JOIN orgs_user u ON u.unit_id = a.unit_id
        JOIN orgs_rolegrant g ON g.user_id = u.id AND g.role IN ('liaison', 'handler')
        WHERE i.progress_cycle = 'monthly' AND i.id %% 15 = 0
          AND i.assigned_at + n * interval '31 days' < coalesce(i.completed_at, now())
        """,
    ),
    (
        "overdue reminders (late items, three steps, liaison, handler and head)",
        """
        INSERT INTO reminders_reminder (audience, kind, period, step, due_date, created_at, chase_id, item_id,
                                        recipient_id, unit_id, run_id, rectification_id)
        SELECT g.role, 'overdue', i.due_date::text || '/' || n, n, i.due_date, (i.due_date + n * 3)::timestamptz
               + interval '2 hours', NULL, i.id, u.id, a.unit_id, NULL, NULL
        FROM items_item i
        JOIN items_assignment a ON a.item_id = i.id AND a.role = 'lead'
        CROSS JOIN generate_series(1, 3) AS n
        JOIN orgs_user u ON u.unit_id = a.unit_id
        JOIN orgs_rolegrant g ON g.user_id = u.id AND g.role IN ('liaison', 'handler', 'unit_head')
        WHERE i.due_date IS NOT NULL AND (i.due_date + n * 3) < current_date
          AND coalesce(i.completed_at::date, current_date) > i.due_date + n * 3
          AND i.status NOT IN ('cancelled', 'draft', 'pending_approval', 'rejected', 'registered')
        """,
    ),
    (
        "the office's chases (one assigned item in ninety-seven)",
        """
        INSERT INTO reminders_reminder (audience, kind, period, step, due_date, created_at, chase_id, item_id,
                                        recipient_id, unit_id, run_id, rectification_id)
        SELECT g.role, 'chase', 'c1', 0, NULL, i.assigned_at + interval '9 days', NULL, i.id, u.id, a.unit_id,
               NULL, NULL
        FROM items_item i
        JOIN items_assignment a ON a.item_id = i.id AND a.role = 'lead'
        JOIN orgs_user u ON u.unit_id = a.unit_id
        JOIN orgs_rolegrant g ON g.user_id = u.id AND g.role = 'liaison'
        WHERE i.assigned_at IS NOT NULL AND i.id %% 97 = 0
          AND i.assigned_at + interval '9 days' < coalesce(i.completed_at, now())
        """,
    ),
]


def enrich(write: Callable[[str], None]) -> bool:
    """Add what the indicators read besides gendata's rows (PostgreSQL; once per database). True when written."""
    if connection.vendor != "postgresql":
        raise RuntimeError("The evaluation's benchmark data is written with PostgreSQL SQL: use PostgreSQL.")
    if Report.objects.filter(text=MARK).exists():
        write("enrichment: already done on this database")
        return False
    actor = User.objects.filter(username__startswith="bench_office_").order_by("-id").first()
    if actor is None:
        raise RuntimeError("No benchmark account: run `ducha gendata --items N` first.")
    with transaction.atomic(), connection.cursor() as cursor:
        for label, sql in ENRICH_SQL:
            started = time.perf_counter()
            cursor.execute(sql, {"mark": MARK, "actor": actor.pk})
            write(f"enrichment: {label}: {cursor.rowcount} rows, {time.perf_counter() - started:.1f} s")
    with connection.cursor() as cursor:
        started = time.perf_counter()
        cursor.execute("VACUUM ANALYZE")
        write(f"enrichment: VACUUM ANALYZE {time.perf_counter() - started:.1f} s")
    return True


def counties() -> list[int]:
    """The governments with items (gendata's counties), by id."""
    return list(
        Item.objects.order_by().values_list("government_id", flat=True).distinct().order_by("government_id")
    )


# --- the province's job ----------------------------------------------------------------------------------------

JOB_CHILD = r"""
import json, os, sys, time
import django
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "ducha.config.settings")
django.setup()
from django.db import connection
from django.test.utils import CaptureQueriesContext
from ducha.evaluation.periods import Period
from ducha.evaluation.scoring import scores_compute
ids = json.loads(sys.argv[1])
period = Period(int(sys.argv[2]), int(sys.argv[3]))
from ducha.evaluation.scoring import comparable_units
units = sorted({u for g in comparable_units(ids).values() for m in g.values() for u in m})
# The reference, in the same process and minute: one grouped pass over the same units' assignments due in the
# period, joined to their items (what the simplest per-unit yearly figure must read).
REFERENCE = (
    "SELECT a.unit_id, count(*), count(*) FILTER (WHERE a.reported_at::date > i.due_date) "
    "FROM items_assignment a JOIN items_item i ON i.id = a.item_id "
    "WHERE i.due_date >= %s AND i.due_date < %s AND a.unit_id = ANY(%s) GROUP BY a.unit_id"
)
with connection.cursor() as cursor:
    started = time.perf_counter()
    cursor.execute(REFERENCE, [period.first_day, period.end_day, units])
    cursor.fetchall()
    reference = time.perf_counter() - started
with CaptureQueriesContext(connection) as captured:
    started = time.perf_counter()
    runs = scores_compute(ids, period)
    elapsed = time.perf_counter() - started
with open("/proc/self/status") as status:
    peak_kib = next(int(line.split()[1]) for line in status if line.startswith("VmHWM:"))
sql = sum(float(q["time"]) for q in captured.captured_queries)
print(json.dumps({"seconds": elapsed, "sql_seconds": sql, "reference_seconds": reference, "queries": len(captured), "runs": len(runs),
                  "peak_mb": peak_kib / 1024}))
"""


def run_job(government_ids: Sequence[int], period: Period) -> dict[str, float]:
    """scores_compute over these governments in a fresh process, as the background task runs it: wall time (of the
    call; Django's start-up excluded), its queries and their time, the process's peak RSS."""
    arguments = [json.dumps(list(government_ids)), str(period.year), str(period.quarter)]
    done = subprocess.run(
        [sys.executable, "-c", JOB_CHILD, *arguments], capture_output=True, text=True, env=os.environ.copy()
    )
    if done.returncode != 0:
        raise RuntimeError(f"The job's process failed:\n{done.stderr[-3000:]}")
    return json.loads(done.stdout.strip().splitlines()[-1])


def indicator_times(government_ids: Sequence[int], period: Period) -> list[tuple[str, float, int, list[str]]]:
    """Each indicator's counts over every comparable unit of these governments, timed alone: (code, seconds,
    queries, their SQL)."""
    groups = comparable_units(government_ids)
    units = sorted({u for by_group in groups.values() for members in by_group.values() for u in members})
    window = Window(period.start, period.end, period.cutoff(timezone.now()))
    result = []
    for indicator in INDICATORS:
        with CaptureQueriesContext(connection) as captured:
            started = time.perf_counter()
            indicator.counts(units, window)
            elapsed = time.perf_counter() - started
        result.append((indicator.code, elapsed, len(captured), [q["sql"] for q in captured.captured_queries]))
    return result


def explain(sql: str) -> str:
    with connection.cursor() as cursor:
        cursor.execute(f"EXPLAIN (ANALYZE, BUFFERS) {sql}")
        return "\n".join(row[0] for row in cursor.fetchall())


# --- the pages -------------------------------------------------------------------------------------------------


def office_of(government_id: int) -> User:
    user = (
        User.objects.filter(
            role_grants__role=Role.OFFICE,
            unit__government_id=government_id,
            unit__kind=UnitKind.SUPERVISION_OFFICE,
        )
        .order_by("id")
        .first()
    )
    if user is None:
        raise RuntimeError(f"No office account in government {government_id}.")
    return user


def busiest_unit(government_id: int, period: Period) -> tuple[int, int]:
    """The unit of the government with the most assignments sent in the period: (unit id, assignments)."""
    from django.db.models import Count

    row = (
        Assignment.objects.filter(
            unit__government_id=government_id, notified_at__gte=period.start, notified_at__lt=period.end
        )
        .values("unit_id")
        .annotate(n=Count("id"))
        .order_by("-n")
        .first()
    )
    if row is None:
        raise RuntimeError("No assignments in the period.")
    return row["unit_id"], row["n"]


def scores_page(actor: User, period: Period) -> str:
    """The scores page's data as the API gives it (`{"rows": [...]}`), from the stored results."""
    found = selectors.scores_for(actor, period)
    rows = [
        {
            "unit": {"id": row.unit_id, "name": row.unit.name},
            "group": row.group,
            "score": str(row.score),
            "rank": row.rank,
            "last": row.last,
            "last_twice": row.last_twice,
            "components": row.components,
        }
        for row in found.rows
    ]
    return json.dumps({"rows": rows}, ensure_ascii=False)


def facts_page(actor: User, unit_id: int, period: Period) -> str:
    """A unit's facts page's data: its score and every fact behind every figure."""
    found = selectors.facts_for(actor, unit_id, period)
    facts = {
        code: [
            {
                "bad": fact.bad,
                "when": fact.when.isoformat(),
                "what": fact.what,
                "item": fact.item_id,
                "number": fact.number,
                "title": fact.title,
                "subject": [fact.subject_type, fact.subject_id],
                "detail": fact.detail,
            }
            for fact in rows
        ]
        for code, rows in found.facts.items()
    }
    return json.dumps(
        {"score": str(found.score.score), "components": found.score.components, "facts": facts},
        ensure_ascii=False,
    )


def reference_page(actor: User) -> list[Item]:
    """Reference: the office's first 50 items by last change (the ledger's page query, no rendering)."""
    return list(items_for_user(actor).order_by("-updated_at", "-id")[:50])


def side_by_side(cases: list[tuple[str, Callable[[], object]]], runs: int) -> list[Row]:
    """The cases in turns (a, b, c, a, b, c…) so that they meet the same machine."""
    samples: dict[str, list[float]] = {name: [] for name, _ in cases}
    queries: dict[str, int] = {}
    for _name, call in cases:
        call()  # warm-up
    for _ in range(runs):
        for name, call in cases:
            with CaptureQueriesContext(connection) as captured:
                started = time.perf_counter()
                call()
                samples[name].append((time.perf_counter() - started) * 1000)
            queries[name] = len(captured)
    return [
        Row(name, statistics.median(taken), _percentile(taken, 0.95), queries[name], "serial, side by side")
        for name, taken in samples.items()
    ]


def concurrent(
    cases: list[tuple[str, Callable[[], object]]], *, threads: int, each: int
) -> tuple[list[Row], dict[str, float], float]:
    """`threads` callers at once, each calling every case in turn `each` times (so that the cases share the
    load): latency per case under that load, calls per second per case, and the wall time. Each thread has its
    own database connection (closed at the end)."""
    samples: dict[str, list[float]] = {name: [] for name, _ in cases}
    lock = threading.Lock()
    barrier = threading.Barrier(threads)
    errors: list[BaseException] = []

    def work(offset: int) -> None:
        try:
            mine: dict[str, list[float]] = {name: [] for name, _ in cases}
            for _name, call in cases:
                call()  # the connection's warm-up
            barrier.wait()
            for n in range(each):
                for k in range(len(cases)):
                    name, call = cases[(k + offset + n) % len(cases)]
                    started = time.perf_counter()
                    call()
                    mine[name].append((time.perf_counter() - started) * 1000)
            with lock:
                for name, taken in mine.items():
                    samples[name] += taken
        except BaseException as error:  # reported below
            errors.append(error)
            barrier.abort()
        finally:
            connections.close_all()

    workers = [threading.Thread(target=work, args=(i,)) for i in range(threads)]
    started = time.perf_counter()
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join()
    wall = time.perf_counter() - started
    if errors:
        raise errors[0]
    rows = [
        Row(name, statistics.median(taken), _percentile(taken, 0.95), 0, f"{threads} threads at once")
        for name, taken in samples.items()
    ]
    rates = {name: len(taken) / wall for name, taken in samples.items()}
    return rows, rates, wall


def rss_mb() -> float:
    with open("/proc/self/statm") as handle:
        pages = int(handle.read().split()[1])
    return pages * os.sysconf("SC_PAGE_SIZE") / 1e6


def unit_name(unit_id: int) -> str:
    return Unit.objects.filter(pk=unit_id).values_list("name", flat=True).first() or str(unit_id)


def score_rows(government_ids: Sequence[int], period: Period) -> int:
    return Score.objects.filter(
        run__government_id__in=government_ids, run__year=period.year, run__quarter=period.quarter
    ).count()
