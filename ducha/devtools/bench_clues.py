"""互联网+督查's benchmark (`ducha bench_clues`, docs/benchmarks.md, issue 15):

(a) intake throughput: a batch of N realistic clues (the labelled messages with random wording and places)
    imported through services.clues_import (analysis, duplicate grouping, routing, set-based writes): clues/s;
(b) the duplicate candidate search at scale: a province's year of clues (100 counties × 12 townships) written
    set-based (Clue and ClueKey rows: COPY on PostgreSQL, executemany elsewhere), then intake.candidates_for timed
    for 500 new clues — p50/p95 — side by side with a primary-key lookup in the same run;
(c) the analytics over that year: warnings_compute of this week and hotspots of the whole year, for every county.

The province is benchmark data (counties named "基准县NNN"), written once per database and grown to --clues on a
later run; run it on a database of its own, e.g.

    createdb ducha_bench_clues
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/ducha_bench_clues ducha migrate
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/ducha_bench_clues ducha bench_clues --clues 1000000
"""

from __future__ import annotations

import dataclasses
import datetime
import json
import random
import time
import uuid
from collections.abc import Callable, Iterator, Sequence
from typing import Any

from django.db import connection, transaction
from django.db.models import Max
from django.utils import timezone

from ducha.clues import analytics, intake, services, text
from ducha.clues.models import Clue, ClueKey
from ducha.devtools.demo import clues as demo_clues
from ducha.devtools.demo.world import COUNTY_NAME, demo_world_create, demo_world_exists, demo_world_load
from ducha.devtools.gendata import _reset_sequences, _write
from ducha.orgs.models import Unit, UnitKind, UnitLevel
from ducha.orgs.services import unit_create

COUNTIES = 100
TOWNSHIPS = 12
DEPARTMENTS = ["住建局", "城管局", "生态环境分局", "人社局", "市场监管局", "交通运输局", "水利局", "公安局"]
PROVINCE = "基准省人民政府"
DAYS = 365
CHUNK = 20000

Write = Callable[[str], None]


def percentile(values: Sequence[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(share * (len(ordered) - 1)))]


# --- the province --------------------------------------------------------------------------------------------


@dataclasses.dataclass
class County:
    id: int
    townships: list[int]
    departments: list[int]


def province(write: Write) -> tuple[Any, list[County]]:
    """The demo county (the intake's, with places, duties and the office) and 99 benchmark counties."""
    if not demo_world_exists():
        demo_world_create()
        write("demo county created")
    world = demo_world_load()
    if not demo_clues.Place.objects.filter(government=world.county).exists():
        with transaction.atomic():
            demo_clues._places(world)
            demo_clues._duties(world)
        write("demo places and duties created")
    root = Unit.objects.filter(name=PROVINCE).first()
    if root is None:
        root = unit_create(name=PROVINCE, level=UnitLevel.PROVINCE, kind=UnitKind.GOVERNMENT)
    existing = Unit.objects.filter(parent=root, kind=UnitKind.GOVERNMENT).count()
    started = time.perf_counter()
    with transaction.atomic():
        for index in range(existing, COUNTIES - 1):
            county = unit_create(
                name=f"基准县{index:03d}人民政府",
                level=UnitLevel.COUNTY,
                kind=UnitKind.GOVERNMENT,
                parent=root,
            )
            for number in range(TOWNSHIPS):
                unit_create(
                    name=f"基准县{index:03d}第{number}镇人民政府",
                    short_name=f"第{number}镇",
                    level=UnitLevel.TOWNSHIP,
                    kind=UnitKind.GOVERNMENT,
                    parent=county,
                    sort_order=number,
                )
            for number, name in enumerate(DEPARTMENTS):
                unit_create(
                    name=f"基准县{index:03d}{name}",
                    short_name=name,
                    level=UnitLevel.COUNTY,
                    kind=UnitKind.DEPARTMENT,
                    parent=county,
                    sort_order=number,
                )
    if existing < COUNTIES - 1:
        write(f"benchmark counties created in {time.perf_counter() - started:.1f} s")
    counties = [world.county, *Unit.objects.filter(parent=root, kind=UnitKind.GOVERNMENT).order_by("pk")]
    out = []
    for county in counties:
        townships = [unit.pk for unit in intake.townships_of(county.pk)]
        departments = list(
            Unit.objects.filter(government=county, kind=UnitKind.DEPARTMENT)
            .order_by("sort_order", "pk")
            .values_list("pk", flat=True)
        )
        out.append(County(county.pk, townships, departments))
    return world, out


# --- (a) intake --------------------------------------------------------------------------------------------------


def realistic_rows(world: Any, n: int, rng: random.Random) -> list[dict[str, Any]]:
    rows = demo_clues.labelled()
    villages = [(code, name) for code, names in demo_clues.VILLAGES.items() for name in names]
    batch = uuid.uuid4().hex[:8]
    now = timezone.now()
    out = []
    for index in range(n):
        row = rng.choice(rows)
        code, village = (row.township, row.village) if row.township else rng.choice(villages)
        out.append(
            {
                "text": f"{rng.choice(demo_clues.OPENINGS)}{row.text}{rng.choice(demo_clues.CLOSINGS)}",
                "place": f"{demo_clues.TOWNSHIP_NAMES[code]}{village or ''}",
                "submitted_at": now - datetime.timedelta(minutes=n - index),
                "category": row.category,
                "source": "12345",
                "source_ref": f"BENCH-{batch}-{index:06d}",
            }
        )
    return out


def intake_throughput(world: Any, n: int, write: Write) -> dict[str, float]:
    rng = random.Random(15)
    rows = realistic_rows(world, n, rng)
    office = world.user("office")
    # Warm the process: jieba's dictionary, the router's training (once per process in production).
    services.clues_import(actor=office, rows=realistic_rows(world, 5, rng))
    started = time.perf_counter()
    result = services.clues_import(actor=office, rows=rows)
    seconds = time.perf_counter() - started
    cases = len({clue.case_id for clue in result.created})
    write(
        f"(a) intake: {len(result.created):,} clues in {seconds:.1f} s = {len(result.created) / seconds:,.0f} "
        f"clues/s ({cases:,} cases)"
    )
    return {"clues": len(result.created), "seconds": seconds, "per_second": len(result.created) / seconds}


# --- (b) the candidate search at scale ---------------------------------------------------------------------------


@dataclasses.dataclass
class Template:
    terms: dict[str, float]
    keys: list[str]
    text: str
    category: str


def templates(world: Any) -> list[Template]:
    analyzer = text.analyzer_for(intake.gazetteer_for(world.county.pk))
    out = []
    for row in demo_clues.labelled():
        analysis = analyzer.analyze(row.text)
        out.append(Template(analysis.terms, analysis.keys, row.text, row.category))
    return out


def fill(counties: list[County], target: int, shapes: list[Template], write: Write) -> int:
    """Clue and ClueKey rows until the province holds `target` clues (set-based, ids assigned here)."""
    have = Clue.objects.count()
    missing = target - have
    if missing <= 0:
        write(f"(b) {have:,} clues held already")
        return have
    rng = random.Random(have)
    now = timezone.now()
    next_clue = (Clue.objects.aggregate(m=Max("id"))["m"] or 0) + 1
    next_key = (ClueKey.objects.aggregate(m=Max("id"))["m"] or 0) + 1
    clue_columns = [
        "id", "created_at", "updated_at", "government_id", "code", "channel", "source", "source_ref", "category",
        "township_id", "place_id", "text", "submitted_at", "status", "reject_reason", "case_id", "anonymous",
        "reporter_name", "reporter_phone", "reporter_masked", "source_digest", "terms", "similar",
        "suggested_units", "suggested_category", "urgent_reasons", "grouped_score", "created_by_id",
    ]  # fmt: skip
    key_columns = ["id", "clue_id", "key", "submitted_at"]
    started = time.perf_counter()
    done = 0
    while done < missing:
        size = min(CHUNK, missing - done)
        clues: list[tuple[Any, ...]] = []
        keys: list[tuple[Any, ...]] = []
        for _ in range(size):
            county = counties[rng.randrange(len(counties))]
            township = rng.choice(county.townships)
            shape = shapes[rng.randrange(len(shapes))]
            at = now - datetime.timedelta(seconds=rng.randrange(DAYS * 86400))
            unit = rng.choice(county.departments) if county.departments and rng.random() < 0.7 else township
            clues.append(
                (
                    next_clue, now, now, county.id, f"B{next_clue:011d}", "hotline", "12345", "", shape.category,
                    township, None, shape.text, at, "active", "", None, True, "", "", "", "",
                    json.dumps(shape.terms, ensure_ascii=False), "[]",
                    json.dumps([{"unit_id": unit, "score": 0.6}]), shape.category, "[]", None, None,
                )
            )  # fmt: skip
            for term in set(shape.keys):
                keys.append((next_key, next_clue, intake.key_of(county.id, township, term), at))
                next_key += 1
            next_clue += 1
        with transaction.atomic():
            _write(Clue, clue_columns, iter(clues))
            _write(ClueKey, key_columns, iter(keys))
        done += size
        if done % 200000 < CHUNK or done == missing:
            rate = done / (time.perf_counter() - started)
            write(f"(b) filled {have + done:,} clues ({rate:,.0f}/s)")
    _reset_sequences(Clue, ClueKey)
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE clues_clue")
            cursor.execute("ANALYZE clues_cluekey")
    return have + done


def timed(calls: Iterator[Callable[[], Any]]) -> list[float]:
    out = []
    for call in calls:
        started = time.perf_counter()
        call()
        out.append((time.perf_counter() - started) * 1000)
    return out


def candidate_search(
    world: Any, counties: list[County], shapes: list[Template], write: Write
) -> dict[str, float]:
    rng = random.Random(500)
    analyzer = text.analyzer_for(intake.gazetteer_for(world.county.pk))
    since = timezone.now() - datetime.timedelta(days=180)
    probes = []
    found = 0
    for _ in range(500):
        county = counties[rng.randrange(len(counties))]
        shape = shapes[rng.randrange(len(shapes))]
        body = f"{rng.choice(demo_clues.OPENINGS)}{shape.text}{rng.choice(demo_clues.CLOSINGS)}"
        analysis = dataclasses.replace(analyzer.analyze(body), township_id=rng.choice(county.townships))
        probes.append((county, analysis))

    def search(county: County, analysis: text.Analysis) -> Callable[[], Any]:
        def call() -> None:
            nonlocal found
            found += len(intake.candidates_for(county.id, analysis, since, county.townships))

        return call

    high = Clue.objects.aggregate(m=Max("id"))["m"] or 1
    ids = [rng.randint(1, high) for _ in range(500)]

    def lookup(pk: int) -> Callable[[], object]:
        return lambda: Clue.objects.filter(pk=pk).values("pk", "terms", "case_id").first()

    reference = timed(lookup(pk) for pk in ids)
    searched = timed(search(county, analysis) for county, analysis in probes)
    figures = {
        "p50": percentile(searched, 0.5),
        "p95": percentile(searched, 0.95),
        "ref_p50": percentile(reference, 0.5),
        "ref_p95": percentile(reference, 0.95),
        "candidates": found / len(probes),
    }
    write(
        f"(b) candidates_for over {Clue.objects.count():,} clues, 500 new clues: p50 {figures['p50']:.1f} ms, "
        f"p95 {figures['p95']:.1f} ms ({figures['candidates']:.1f} candidates each); reference (primary-key "
        f"lookup): p50 {figures['ref_p50']:.2f} ms, p95 {figures['ref_p95']:.2f} ms"
    )
    return figures


# --- (c) the analytics ---------------------------------------------------------------------------------------------


def analytics_year(counties: list[County], write: Write) -> dict[str, float]:
    current = analytics.this_week()
    start = current - datetime.timedelta(weeks=52)
    end = current + datetime.timedelta(days=7)
    governments = {unit.pk: unit for unit in Unit.objects.filter(pk__in=[c.id for c in counties])}
    warnings = 0
    spent_warnings = spent_hotspots = 0.0
    per_county = []
    for county in counties:
        government = governments[county.id]
        started = time.perf_counter()
        warnings += len(analytics.warnings_compute(government, current))
        middle = time.perf_counter()
        analytics.hotspots(government, start, end)
        finished = time.perf_counter()
        spent_warnings += middle - started
        spent_hotspots += finished - middle
        per_county.append(finished - started)
    total = spent_warnings + spent_hotspots
    write(
        f"(c) analytics of {len(counties)} counties over a year: {total:.1f} s (warnings_compute "
        f"{spent_warnings:.1f} s, hotspots {spent_hotspots:.1f} s; slowest county {max(per_county):.2f} s); "
        f"{warnings} warnings this week"
    )
    return {"seconds": total, "warnings_seconds": spent_warnings, "hotspots_seconds": spent_hotspots}


def run(*, intake_n: int, clues: int, write: Write, skip_intake: bool = False) -> dict[str, Any]:
    write(
        f"database: {connection.vendor} {connection.settings_dict['NAME']}; measured "
        f"{datetime.datetime.now(datetime.UTC):%Y-%m-%d %H:%M} UTC"
    )
    world, counties = province(write)
    results: dict[str, Any] = {}
    if not skip_intake:
        results["intake"] = intake_throughput(world, intake_n, write)
    shapes = templates(world)
    fill(counties, clues, shapes, write)
    results["search"] = candidate_search(world, counties, shapes, write)
    results["analytics"] = analytics_year(counties, write)
    return results


__all__ = ["COUNTY_NAME", "run"]
