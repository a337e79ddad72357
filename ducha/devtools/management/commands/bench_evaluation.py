from __future__ import annotations

import datetime
import pathlib

from django.core.management.base import BaseCommand, CommandError
from django.db import connection
from django.utils import timezone

from ducha.devtools import bench_evaluation as bench
from ducha.evaluation.periods import Period


class Command(BaseCommand):
    help = (
        "Measure the evaluation (issue 13): the province's scores for a year as the background job computes them "
        "(time, queries, peak memory; at several scales), each indicator's share, and the scores and facts pages "
        "serially and under concurrency, side by side with a reference query. Runs over `ducha gendata` data; "
        "--enrich (first, once per database) adds the reports, reviews, extensions and reminders the indicators read."
    )

    def add_arguments(self, parser):  # type: ignore[no-untyped-def]
        parser.add_argument(
            "--enrich",
            action="store_true",
            help="only add the indicators' data (once per database), measure nothing",
        )
        parser.add_argument("--year", type=int, default=None, help="the year scored (default: this year)")
        parser.add_argument(
            "--scales",
            default="10,25,50",
            help="numbers of governments (counties) to time the job at before the whole province",
        )
        parser.add_argument("--repeat", type=int, default=2, help="runs of the whole province's job")
        parser.add_argument("--runs", type=int, default=30, help="serial runs of each page")
        parser.add_argument("--threads", type=int, default=8)
        parser.add_argument("--each", type=int, default=10, help="calls of each page per thread")
        parser.add_argument(
            "--explain", default="", help="write EXPLAIN ANALYZE of each indicator's SQL here"
        )
        parser.add_argument("--skip-job", action="store_true", help="pages only (the scores must be stored)")

    def handle(self, *args, **options):  # type: ignore[no-untyped-def]
        if connection.vendor != "postgresql":
            raise CommandError("Run the evaluation's benchmark on PostgreSQL (DATABASE_URL).")
        write = self.stdout.write
        try:
            if options["enrich"]:
                bench.enrich(write)
                return
            self._run(options, write)
        except RuntimeError as error:
            raise CommandError(str(error)) from error

    def _run(self, options, write):  # type: ignore[no-untyped-def]
        year = options["year"] or timezone.localdate().year
        period = Period(year, 0)
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT relname, reltuples::bigint FROM pg_class WHERE relname IN ('items_item', "
                "'items_assignment', 'audit_event', 'items_review', 'items_extensionrequest', "
                "'reminders_reminder', 'orgs_unit') ORDER BY relname"
            )
            sizes = ", ".join(f"{name} ≈ {rows:,}" for name, rows in cursor.fetchall())
            cursor.execute(
                "SELECT count(*) FROM items_assignment WHERE notified_at >= %s AND notified_at < %s",
                [period.start, period.end],
            )
            in_year = cursor.fetchone()[0]
        write(f"measured {datetime.datetime.now(datetime.UTC):%Y-%m-%d %H:%M} UTC; rows: {sizes}")
        write(
            f"period: {year} (cutoff {min(period.end, timezone.now()):%Y-%m-%d %H:%M}); "
            f"assignments sent in it: {in_year:,}"
        )
        governments = bench.counties()
        if not governments:
            raise RuntimeError("No items: run `ducha gendata --items N` first.")

        if not options["skip_job"]:
            scales = sorted({int(n) for n in options["scales"].split(",") if n.strip()} - {0})
            write(
                "\n| governments | units scored | job s | SQL s | queries | peak RSS MB | reference s | job ÷ reference |"
            )
            write("|---:|---:|---:|---:|---:|---:|---:|---:|")
            plan = [n for n in scales if n < len(governments)] + [len(governments)] * options["repeat"]
            for n in plan:
                result = bench.run_job(governments[:n], period)
                write(
                    f"| {n} | {bench.score_rows(governments[:n], period):,} | {result['seconds']:.1f} | "
                    f"{result['sql_seconds']:.1f} | {result['queries']} | {result['peak_mb']:.0f} | "
                    f"{result['reference_seconds']:.2f} | {result['seconds'] / result['reference_seconds']:.0f}× |"
                )
            write("\nEach indicator alone over every unit of the province (in this process):")
            write("| indicator | s | queries |\n|---|---:|---:|")
            timed = bench.indicator_times(governments, period)
            for code, seconds, queries, _sql in timed:
                write(f"| {code} | {seconds:.2f} | {queries} |")
            if options["explain"]:
                folder = pathlib.Path(options["explain"])
                folder.mkdir(parents=True, exist_ok=True)
                for code, _seconds, _queries, statements in timed:
                    plans = [f"-- {sql}\n{bench.explain(sql)}" for sql in statements]
                    (folder / f"{code}.txt").write_text("\n\n".join(plans))
                write(f"EXPLAIN (ANALYZE, BUFFERS) of each indicator's SQL written to {folder}/")

        government = governments[0]
        office = bench.office_of(government)
        unit_id, assignments = bench.busiest_unit(government, period)
        write(
            f"\npages: the office of government {government} ({office.username}); facts of "
            f"{bench.unit_name(unit_id)} (unit {unit_id}, {assignments} assignments sent in {year})"
        )
        cases = [
            ("scores page (stored results → JSON)", lambda: bench.scores_page(office, period)),
            (
                "facts page, busiest unit (all 8 indicators → JSON)",
                lambda: bench.facts_page(office, unit_id, period),
            ),
            ("reference: the office's 50 latest items (ledger query)", lambda: bench.reference_page(office)),
        ]
        rows = bench.side_by_side(cases, options["runs"])
        concurrent, rates, wall = bench.concurrent(cases, threads=options["threads"], each=options["each"])
        write("\n| measurement | p50 ms | p95 ms | queries | how |\n|---|---:|---:|---:|---|")
        for row in rows:
            write(f"| {row.name} | {row.p50_ms:.1f} | {row.p95_ms:.1f} | {row.queries} | {row.note} |")
        for row in concurrent:
            write(
                f"| {row.name} | {row.p50_ms:.1f} | {row.p95_ms:.1f} | | {row.note}, "
                f"{rates[row.name]:.1f}/s |"
            )
        write(f"\n{options['threads']} threads × {options['each']} rounds of the three: {wall:.1f} s")
