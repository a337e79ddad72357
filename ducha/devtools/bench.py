"""Benchmarks over a large dataset (see `ducha gendata`): server time of the pages users wait on, the Excel
export's time and peak memory, and Django's admin changelist over the same table for comparison.

Pages are measured in-process through Django's test client (the full middleware and view stack, no network), as
the provincial benchmark account from `ducha gendata`, which sees every item. Each figure is the p50 and p95 of
several runs after one warm-up run.
"""

from __future__ import annotations

import html
import os
import re
import statistics
import subprocess
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass
from functools import partial

from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext, override_settings
from django.utils import timezone

from ducha.items.selectors import items_for_user
from ducha.orgs.models import User
from ducha.workbench.dashboard import dashboard_rollup_rebuild, dashboard_stats, dashboard_unit_choices

NEXT_LINK = re.compile(r'href="([^"]*cursor=[^"]*)"')


@dataclass
class Figure:
    name: str
    p50_ms: float
    p95_ms: float
    queries: int
    note: str = ""


def _percentile(samples: list[float], share: float) -> float:
    ordered = sorted(samples)
    index = min(len(ordered) - 1, max(0, round(share * (len(ordered) - 1))))
    return ordered[index]


def _timed(name: str, fetch: Callable[[], object]) -> tuple[float, int]:
    """One request: its time in milliseconds and its number of queries (any status but 200 stops the bench)."""
    with CaptureQueriesContext(connection) as captured:
        started = time.perf_counter()
        response = fetch()
        elapsed = (time.perf_counter() - started) * 1000
    status = getattr(response, "status_code", 200)
    if status != 200:
        raise RuntimeError(f"{name}: HTTP {status}")
    return elapsed, len(captured)


def _figure(name: str, samples: list[float], queries: int, note: str = "") -> Figure:
    return Figure(name, statistics.median(samples), _percentile(samples, 0.95), queries, note)


def measure(name: str, fetch: Callable[[], object], *, runs: int, note: str = "") -> Figure:
    fetch()  # warm-up: connections, caches, the calendar
    samples, queries = [], 0
    for _ in range(runs):
        elapsed, queries = _timed(name, fetch)
        samples.append(elapsed)
    return _figure(name, samples, queries, note)


def measure_side_by_side(
    first: tuple[str, Callable[[], object]], second: tuple[str, Callable[[], object]], *, runs: int
) -> list[Figure]:
    """Two pages measured in turns (first, second, first, second…) so that both meet the same machine: on a
    shared host the time of one page drifts by a fifth from minute to minute, and a ratio of two figures taken
    minutes apart follows the drift."""
    samples: dict[str, list[float]] = {first[0]: [], second[0]: []}
    queries: dict[str, int] = {}
    for _name, fetch in (first, second):
        fetch()  # warm-up
    for _ in range(runs):
        for name, fetch in (first, second):
            elapsed, queries[name] = _timed(name, fetch)
            samples[name].append(elapsed)
    return [_figure(name, taken, queries[name], "side by side") for name, taken in samples.items()]


def bench_user(prefix: str = "bench_office_") -> User:
    user = User.objects.filter(username__startswith=prefix).order_by("-id").first()
    if user is None:
        raise RuntimeError("No benchmark account: run `ducha gendata --items N` first.")
    return user


def _admin_client() -> Client:
    admin, _created = User.objects.get_or_create(
        username="bench_admin", defaults={"is_staff": True, "is_superuser": True, "full_name": "bench_admin"}
    )
    client = Client()
    client.force_login(admin)
    return client


def _deep_url(client: Client, url: str, pages: int) -> str:
    """Follow the page's "next" link `pages` times (keyset cursors are opaque) and return that URL."""
    for _ in range(pages):
        content = client.get(url).content.decode()
        links = NEXT_LINK.findall(content)
        if not links:
            break
        url = html.unescape(links[-1])
        if not url.startswith("/"):
            url = "/ledger/" + url
    return url


def _client(user: User) -> Client:
    client = Client()
    client.force_login(user)
    return client


def run_pages(*, runs: int = 20, deep_pages: int = 100, province_live: bool = True) -> list[Figure]:
    client = _client(bench_user())
    figures = [
        measure("ledger, first page", lambda: client.get("/ledger/"), runs=runs),
        measure(
            "ledger, first page, status + light filter",
            lambda: client.get("/ledger/?status=in_progress&light=red"),
            runs=runs,
        ),
        measure("ledger, first page, keyword", lambda: client.get("/ledger/?q=老旧小区"), runs=runs),
        measure(
            "ledger, the keyword page's count (its own request, after the page)",
            lambda: client.get("/ledger/count/?q=老旧小区"),
            runs=runs,
        ),
        measure("ledger, sorted by deadline", lambda: client.get("/ledger/?sort=due"), runs=runs),
    ]
    deep = _deep_url(client, "/ledger/", deep_pages)
    figures.append(measure(f"ledger, page {deep_pages + 1} (keyset)", lambda: client.get(deep), runs=runs))
    deep_due = _deep_url(client, "/ledger/?sort=due", deep_pages)
    figures.append(
        measure(f"ledger, page {deep_pages + 1}, sorted by deadline", lambda: client.get(deep_due), runs=runs)
    )
    for label, prefix in (("a county office", "bench_county_office_"), ("a unit's handler", "bench_unit_")):
        other = _client(bench_user(prefix))
        figures.append(measure(f"ledger, first page, {label}", partial(other.get, "/ledger/"), runs=runs))
    ids = list(items_for_user(bench_user()).order_by("?").values_list("id", flat=True)[: runs + 1])
    iterator = iter(ids * 2)
    figures.append(measure("item page", lambda: client.get(f"/items/{next(iterator)}/"), runs=runs))
    figures += run_dashboard(client, runs=runs, province_live=province_live)
    figures.append(
        measure(
            "ledger unit filter options (once per browser session, then from the browser's cache)",
            lambda: client.get("/ledger/unit-options/"),
            runs=runs,
        )
    )
    admin = _admin_client()
    figures += measure_side_by_side(
        (LEDGER_SIDE_BY_SIDE, lambda: client.get("/ledger/")),
        (ADMIN_SIDE_BY_SIDE, lambda: admin.get("/admin/items/item/")),
        runs=runs,
    )
    figures += measure_side_by_side(
        (
            "ledger, status filter (side by side with the admin)",
            lambda: client.get("/ledger/?status=in_progress"),
        ),
        (
            "Django admin changelist, status filter (side by side)",
            lambda: admin.get("/admin/items/item/?status__exact=in_progress"),
        ),
        runs=runs,
    )
    return figures


LEDGER_SIDE_BY_SIDE = "ledger, first page (side by side with the admin)"
ADMIN_SIDE_BY_SIDE = "Django admin changelist, same table (side by side)"


def run_dashboard(province: Client, *, runs: int, province_live: bool) -> list[Figure]:
    """The dashboard: the province's from the summary table (rebuilt first, timed), and counted live (the
    per-user cache off) for a county office, a unit and — once — the province."""
    started = time.perf_counter()
    result = dashboard_rollup_rebuild()
    rebuild = (time.perf_counter() - started) * 1000
    figures = [
        Figure(
            f"dashboard summary rebuild (years {result.years[0]}–{result.years[-1]}, {result.rows} rows)",
            rebuild,
            rebuild,
            0,
        ),
        measure("dashboard, province (summary table)", lambda: province.get("/dashboard/"), runs=runs),
    ]
    county_office = bench_user("bench_county_office_")
    county = _client(county_office)
    unit = _client(bench_user("bench_unit_"))
    with override_settings(DUCHA_DASHBOARD_CACHE_SECONDS=0):
        figures.append(
            measure("dashboard, county office (summary table)", lambda: county.get("/dashboard/"), runs=runs)
        )
        figures.append(measure("dashboard, unit (counted live)", lambda: unit.get("/dashboard/"), runs=runs))
        fgw = dashboard_unit_choices(county_office)[0].pk
        figures.append(
            measure(
                "dashboard, county office, one unit (counted live)",
                lambda: county.get(f"/dashboard/?unit={fgw}"),
                runs=runs,
            )
        )
    if province_live:
        user, today = bench_user(), timezone.localdate()
        figures.append(
            measure(
                "dashboard figures, province, counted live (what the summary saves; one run)",
                lambda: dashboard_stats(user, year=today.year, today=today),
                runs=1,
            )
        )
    return figures


EXPORT_CHILD = r"""
import os, resource, sys, time
import django
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "ducha.config.settings")
django.setup()
from django.test import Client
from ducha.devtools.bench import bench_user
client = Client()
client.force_login(bench_user())
started = time.perf_counter()
response = client.get(sys.argv[1])
size = 0
for chunk in response.streaming_content if response.streaming else [response.content]:
    size += len(chunk)
elapsed = time.perf_counter() - started
# The peak RSS of this process's own memory (VmHWM). getrusage's ru_maxrss would not do: Linux carries into it
# the RSS of the parent this process was forked from, and the bench's parent holds a few hundred megabytes.
peak_kib = 0
try:
    with open("/proc/self/status") as status:
        peak_kib = next(int(line.split()[1]) for line in status if line.startswith("VmHWM:"))
except (OSError, StopIteration):
    peak_kib = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
print(f"{response.status_code} {size} {elapsed:.2f} {peak_kib}")
"""


def run_export(url: str = "/ledger/export.xlsx") -> tuple[int, int, float, float]:
    """Export in a fresh process and report (HTTP status, bytes, seconds, peak RSS in MB) of that process."""
    output = subprocess.run(
        [sys.executable, "-c", EXPORT_CHILD, url],
        capture_output=True,
        text=True,
        check=True,
        env=os.environ.copy(),
    ).stdout.split()
    status, size, seconds, peak_kib = int(output[0]), int(output[1]), float(output[2]), int(output[3])
    return status, size, seconds, peak_kib / 1024


def table(figures: list[Figure]) -> str:
    lines = ["| measurement | p50 ms | p95 ms | queries |", "| --- | ---: | ---: | ---: |"]
    lines += [f"| {f.name} | {f.p50_ms:.1f} | {f.p95_ms:.1f} | {f.queries} |" for f in figures]
    by_name = {figure.name: figure for figure in figures}
    for ledger_name, admin_name, label in (
        (LEDGER_SIDE_BY_SIDE, ADMIN_SIDE_BY_SIDE, "first page"),
        (
            "ledger, status filter (side by side with the admin)",
            "Django admin changelist, status filter (side by side)",
            "status filter",
        ),
    ):
        ledger, admin = by_name.get(ledger_name), by_name.get(admin_name)
        if ledger is not None and admin is not None:
            lines.append(
                f"\nadmin changelist ÷ ledger, {label}, side by side: {admin.p50_ms / ledger.p50_ms:.1f}× at p50, "
                f"{admin.p95_ms / ledger.p95_ms:.1f}× at p95"
            )
    return "\n".join(lines)
