"""The accountability's benchmark (`ducha bench_accountability`, docs/benchmarks.md, issue 14): the triggers over a
province's year as the daily job runs them (time, queries, peak memory, in a fresh process), a second run (it must
propose nothing new), each rule's share, and the proposal list the office waits on (`selectors.proposals_for`,
newest first, the first page of 50) serially and under concurrency, side by side with a reference query in the
same run.

Runs over `ducha gendata` data, enriched as the evaluation's benchmark does (bench_evaluation.enrich: reports and
returns, extensions, progress, overdue and chase reminders). `prepare()` adds what the triggers read besides: the
scores of the year's ended quarters (scoring.scores_compute, so "last in the county" and "last twice in a row"
fire) and a handful of recorded facts per county (meetings missed, 挂牌督办, criticism from the city, false
reporting), marked as benchmark data. It is benchmark data, written once per database, never a way to change real
records; run it on a database of its own (e.g. ducha_bench_acc).
"""

from __future__ import annotations

import datetime as dt
import json
import os
import subprocess
import sys
import time
from collections.abc import Callable, Sequence
from typing import Any

from django.db import connection
from django.db.models import Count
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from ducha.accountability import selectors
from ducha.accountability.models import FactKind, Proposal, RecordedFact
from ducha.accountability.triggers import RULES, settings_for
from ducha.devtools import bench_evaluation
from ducha.evaluation import scoring
from ducha.evaluation.models import RunStatus, ScoreRun
from ducha.evaluation.periods import Period
from ducha.orgs.models import Unit, UnitKind, User

MARK = "基准问责数据"  # the description of the benchmark's recorded facts: prepared on this database
# The facts recorded per county: (kind, which of its comparable units by position, listed by).
FACTS = [
    (FactKind.MEETING_ABSENT, 0, ""),
    (FactKind.MEETING_LATE_LEAVE, 1, ""),
    (FactKind.LISTED, 2, "基准市人民政府"),
    (FactKind.CRITICISED_FROM_ABOVE, 3, ""),
    (FactKind.FALSE_REPORTING, 4, ""),
]


def ended_quarters(year: int, now: dt.datetime) -> list[Period]:
    return [Period(year, quarter) for quarter in (1, 2, 3, 4) if Period(year, quarter).end <= now]


def prepare(year: int, write: Callable[[str], None]) -> None:
    """The evaluation's enrichment (once), the year's ended quarters scored (once each), the facts (once)."""
    bench_evaluation.enrich(write)
    governments = bench_evaluation.counties()
    now = timezone.now()
    for period in ended_quarters(year, now):
        done = ScoreRun.objects.filter(
            year=period.year, quarter=period.quarter, status=RunStatus.DONE, government_id__in=governments
        ).count()
        if done >= len(governments):
            write(f"scores {period.label}: already computed")
            continue
        started = time.perf_counter()
        scoring.scores_compute(governments, period, now=now)
        write(
            f"scores {period.label}: {len(governments)} governments in {time.perf_counter() - started:.1f} s"
        )
    if RecordedFact.objects.filter(description=MARK).exists():
        write("facts: already recorded on this database")
        return
    groups = scoring.comparable_units(governments)
    rows = []
    day = min(timezone.localdate(now), dt.date(year, 12, 31)) - dt.timedelta(days=3)
    for government_id in governments:
        offices = bench_evaluation.office_of(government_id)
        units = sorted(u for members in groups[government_id].values() for u in members)
        for kind, position, listed_by in FACTS:
            rows.append(
                RecordedFact(
                    government_id=government_id,
                    unit_id=units[position % len(units)],
                    kind=kind,
                    occurred_on=day,
                    description=MARK,
                    listed_by=listed_by,
                    recorded_by=offices,
                )
            )
    RecordedFact.objects.bulk_create(rows, batch_size=1000)
    write(f"facts: {len(rows)} recorded ({len(FACTS)} per county)")


def proposals_clear(government_ids: Sequence[int], year: int) -> int:
    """Forget the year's undecided proposals of these governments (benchmark data only), so the first run starts
    from nothing."""
    if not RecordedFact.objects.filter(description=MARK).exists():
        raise RuntimeError("Not a prepared benchmark database: run with --prepare first.")
    deleted, _ = Proposal.objects.filter(
        government_id__in=government_ids, year=year, status="proposed", escalated_from__isnull=True
    ).delete()
    return deleted


# --- the province's job ----------------------------------------------------------------------------------------

JOB_CHILD = r"""
import datetime, json, os, sys, time
import django
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "ducha.config.settings")
django.setup()
from django.db import connection
from django.test.utils import CaptureQueriesContext
from ducha.accountability.triggers import triggers_run
ids = json.loads(sys.argv[1])
year = int(sys.argv[2])
with CaptureQueriesContext(connection) as captured:
    started = time.perf_counter()
    new = triggers_run(ids, year)
    elapsed = time.perf_counter() - started
with open("/proc/self/status") as status:
    peak_kib = next(int(line.split()[1]) for line in status if line.startswith("VmHWM:"))
sql = sum(float(q["time"]) for q in captured.captured_queries)
print(json.dumps({"seconds": elapsed, "sql_seconds": sql, "queries": len(captured), "new": new,
                  "peak_mb": peak_kib / 1024}))
"""


def run_job(government_ids: Sequence[int], year: int) -> dict[str, float]:
    """triggers_run over these governments in a fresh process, as the daily job runs it: wall time of the call
    (Django's start-up excluded), its queries and their time, the new proposals, the process's peak RSS."""
    done = subprocess.run(
        [sys.executable, "-c", JOB_CHILD, json.dumps(list(government_ids)), str(year)],
        capture_output=True,
        text=True,
        env=os.environ.copy(),
    )
    if done.returncode != 0:
        raise RuntimeError(f"The job's process failed:\n{done.stderr[-3000:]}")
    result: dict[str, float] = json.loads(done.stdout.strip().splitlines()[-1])
    return result


def rule_times(government_ids: Sequence[int], year: int) -> list[tuple[str, str, float, int, int, list[str]]]:
    """Each rule's search over every government at once, timed alone: (code, tier, seconds, queries, candidates,
    their SQL)."""
    today = timezone.localdate()
    settings_for(government_ids)
    result = []
    for rule in RULES:
        with CaptureQueriesContext(connection) as captured:
            started = time.perf_counter()
            found = rule.find(government_ids, year, today, rule.params)
            elapsed = time.perf_counter() - started
        result.append(
            (
                rule.code,
                str(rule.tier),
                elapsed,
                len(captured),
                len(found),
                [q["sql"] for q in captured.captured_queries],
            )
        )
    return result


def proposals_by_tier(government_ids: Sequence[int], year: int) -> dict[str, int]:
    rows = (
        Proposal.objects.filter(government_id__in=government_ids, year=year)
        .values("tier")
        .annotate(n=Count("id"))
        .order_by("tier")
    )
    return {row["tier"]: row["n"] for row in rows}


def busiest_government(government_ids: Sequence[int], year: int) -> tuple[int, int]:
    """The government with the most proposals of the year: (id, proposals)."""
    row = (
        Proposal.objects.filter(government_id__in=government_ids, year=year)
        .values("government_id")
        .annotate(n=Count("id"))
        .order_by("-n", "government_id")
        .first()
    )
    if row is None:
        raise RuntimeError("No proposals: the triggers found nothing.")
    return row["government_id"], row["n"]


# --- the page --------------------------------------------------------------------------------------------------


def _proposal_json(proposal: Proposal) -> dict[str, Any]:
    """A proposal as the API lists it (GET /api/v1/accountability/proposals)."""
    sanction = getattr(proposal, "sanction", None)
    return {
        "id": proposal.pk,
        "unit": {"id": proposal.unit_id, "name": proposal.unit.name},
        "person": proposal.person,
        "tier": proposal.tier,
        "tier_display": str(proposal.get_tier_display()),
        "rule": proposal.rule,
        "year": proposal.year,
        "facts": proposal.facts,
        "status": proposal.status,
        "reason": proposal.reason,
        "decided_at": proposal.decided_at.isoformat() if proposal.decided_at else None,
        "sanction": sanction.pk if sanction is not None else None,
        "escalated_from": proposal.escalated_from_id,
        "created_at": proposal.created_at.isoformat(),
    }


def proposals_page(actor: User, year: int, **filters: Any) -> str:
    """The first page of the office's proposals of the year (50, newest first, one more to know of a next page),
    as the API's JSON."""
    rows = list(selectors.proposals_for(actor, year=year, **filters).select_related("sanction")[:51])
    return json.dumps(
        {"rows": [_proposal_json(p) for p in rows[:50]], "next": rows[49].pk if len(rows) > 50 else None},
        ensure_ascii=False,
    )


def explain_page(actor: User, year: int) -> str:
    query = selectors.proposals_for(actor, year=year).select_related("sanction")[:51].query
    sql, params = query.sql_with_params()
    with connection.cursor() as cursor:
        cursor.execute(f"EXPLAIN (ANALYZE, BUFFERS) {sql}", params)
        return "\n".join(row[0] for row in cursor.fetchall())


def government_name(government_id: int) -> str:
    return Unit.objects.filter(pk=government_id, kind=UnitKind.GOVERNMENT).values_list(
        "name", flat=True
    ).first() or str(government_id)
