"""`ducha bench_clues`: 互联网+督查's benchmark (ducha/devtools/bench_clues.py).

    DATABASE_URL=postgres://…/ducha_bench_clues ducha bench_clues [--intake 2000] [--clues 100000] [--skip-intake]

(a) imports --intake realistic clues through services.clues_import and prints clues/s; (b) grows the benchmark
province to --clues clues (set-based) and times the duplicate candidate search for 500 new clues (p50/p95) beside
a primary-key lookup; (c) times the analytics (this week's warnings and a year's hotspots) of every county. The
quick default holds 100,000 clues; the issue's figure is `--clues 1000000` on PostgreSQL. Never on the main
database: DATABASE_URL names a benchmark database of its own, migrated first (`ducha migrate`)."""

from __future__ import annotations

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import connection

from ducha.devtools import bench_clues as bench


class Command(BaseCommand):
    help = (
        "Measure 互联网+督查 (issue 15): intake throughput through the import, the duplicate candidate search "
        "over a province's year of clues (p50/p95 beside a primary-key lookup), and the analytics of every county."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--intake", type=int, default=2000, help="clues in the timed import batch")
        parser.add_argument(
            "--clues", type=int, default=100000, help="clues the province holds for (b) and (c)"
        )
        parser.add_argument("--skip-intake", action="store_true", help="skip (a)")

    def handle(self, *args: object, **options: object) -> None:
        if connection.settings_dict["NAME"] == "ducha":
            raise CommandError("Not on the main database `ducha`: use a benchmark database of its own.")
        bench.run(
            intake_n=int(options["intake"]),  # type: ignore[call-overload]
            clues=int(options["clues"]),  # type: ignore[call-overload]
            skip_intake=bool(options["skip_intake"]),
            write=self.stdout.write,
        )
