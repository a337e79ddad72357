"""`ducha bench_accountability`: the accountability's benchmark (ducha/devtools/bench_accountability.py)."""

from __future__ import annotations

import datetime
import pathlib

from django.core.management.base import BaseCommand, CommandError
from django.db import connection
from django.utils import timezone

from ducha.devtools import bench_accountability as bench
from ducha.devtools import bench_evaluation


class Command(BaseCommand):
    help = (
        "Measure the accountability triggers (issue 14): a province's year as the daily job runs them (time, "
        "queries, peak memory), a second run (idempotent: nothing new), each rule's share, and the proposal list "
        "serially and under concurrency, side by side with a reference query. Runs over `ducha gendata` data; "
        "--prepare adds the evaluation's enrichment, the ended quarters' scores and recorded facts (once)."
    )

    def add_arguments(self, parser):  # type: ignore[no-untyped-def]
        parser.add_argument("--prepare", action="store_true", help="add the triggers' data first (once)")
        parser.add_argument("--year", type=int, default=None, help="the year (default: this year)")
        parser.add_argument(
            "--keep", action="store_true", help="keep the proposals of an earlier run (default: start afresh)"
        )
        parser.add_argument("--runs", type=int, default=30, help="serial runs of each page")
        parser.add_argument("--threads", type=int, default=8)
        parser.add_argument("--each", type=int, default=10, help="calls of each page per thread")
        parser.add_argument("--explain", default="", help="write EXPLAIN ANALYZE of each rule's SQL here")

    def handle(self, *args, **options):  # type: ignore[no-untyped-def]
        if connection.vendor != "postgresql":
            raise CommandError("Run the accountability's benchmark on PostgreSQL (DATABASE_URL).")
        if connection.settings_dict["NAME"] == "ducha":
            raise CommandError("Not on the main database `ducha`: use a benchmark database of its own.")
        write = self.stdout.write
        year = options["year"] or timezone.localdate().year
        try:
            if options["prepare"]:
                bench.prepare(year, write)
            self._run(options, year, write)
        except RuntimeError as error:
            raise CommandError(str(error)) from error

    def _run(self, options, year, write):  # type: ignore[no-untyped-def]
        governments = bench_evaluation.counties()
        if not governments:
            raise RuntimeError("No items: run `ducha gendata --items N` first.")
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT relname, reltuples::bigint FROM pg_class WHERE relname IN ('items_item', "
                "'items_assignment', 'items_review', 'reminders_reminder', 'evaluation_score', "
                "'accountability_recordedfact', 'audit_event') ORDER BY relname"
            )
            sizes = ", ".join(f"{name} ≈ {rows:,}" for name, rows in cursor.fetchall())
        write(f"measured {datetime.datetime.now(datetime.UTC):%Y-%m-%d %H:%M} UTC; rows: {sizes}")
        write(f"year: {year}; governments with items: {len(governments)}")
        if not options["keep"]:
            write(f"cleared {bench.proposals_clear(governments, year):,} undecided proposals of earlier runs")

        write("\n| run | new proposals | job s | SQL s | queries | peak RSS MB |")
        write("|---|---:|---:|---:|---:|---:|")
        for label in ("first", "second (idempotent)"):
            result = bench.run_job(governments, year)
            write(
                f"| {label} | {int(result['new']):,} | {result['seconds']:.1f} | {result['sql_seconds']:.1f} | "
                f"{result['queries']} | {result['peak_mb']:.0f} |"
            )
        tiers = bench.proposals_by_tier(governments, year)
        write("proposals by tier: " + ", ".join(f"{tier} {n:,}" for tier, n in tiers.items()))

        write("\nEach rule alone over every government (in this process):")
        write("| rule | tier | s | queries | candidates |\n|---|---|---:|---:|---:|")
        timed = bench.rule_times(governments, year)
        for code, tier, seconds, queries, found, _sql in timed:
            write(f"| {code} | {tier} | {seconds:.2f} | {queries} | {found:,} |")
        if options["explain"]:
            folder = pathlib.Path(options["explain"])
            folder.mkdir(parents=True, exist_ok=True)
            for code, _tier, _seconds, _queries, _found, statements in timed:
                plans = [f"-- {sql}\n{bench_evaluation.explain(sql)}" for sql in statements]
                (folder / f"{code}.txt").write_text("\n\n".join(plans))

        government, count = bench.busiest_government(governments, year)
        office = bench_evaluation.office_of(government)
        write(
            f"\nproposal list: the office of {bench.government_name(government)} ({office.username}), "
            f"{count:,} proposals of {year}"
        )
        if options["explain"]:
            (pathlib.Path(options["explain"]) / "proposals_page.txt").write_text(
                bench.explain_page(office, year)
            )
        cases = [
            ("proposal list, first page of 50 (→ JSON)", lambda: bench.proposals_page(office, year)),
            (
                "proposal list, one tier, waiting (→ JSON)",
                lambda: bench.proposals_page(office, year, tier="written_examination", status="proposed"),
            ),
            (
                "reference: the office's 50 latest items (ledger query)",
                lambda: bench_evaluation.reference_page(office),
            ),
        ]
        rows = bench_evaluation.side_by_side(cases, options["runs"])
        concurrent, rates, wall = bench_evaluation.concurrent(
            cases, threads=options["threads"], each=options["each"]
        )
        write("\n| measurement | p50 ms | p95 ms | queries | how |\n|---|---:|---:|---:|---|")
        for row in rows:
            write(f"| {row.name} | {row.p50_ms:.1f} | {row.p95_ms:.1f} | {row.queries} | {row.note} |")
        for row in concurrent:
            write(
                f"| {row.name} | {row.p50_ms:.1f} | {row.p95_ms:.1f} | | {row.note}, "
                f"{rates[row.name]:.1f}/s |"
            )
        write(f"\n{options['threads']} threads × {options['each']} rounds of the three: {wall:.1f} s")
