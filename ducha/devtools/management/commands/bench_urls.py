from django.core.management.base import BaseCommand, CommandError

from ducha.devtools.bench_urls import run


class Command(BaseCommand):
    help = (
        "Every URL at a million items (docs/benchmarks.md, issue 19): every page of the workbench and every GET "
        "operation of the API, with real ids the provincial office may see, requested as that office in-process "
        "(Django's test client) once to warm up and then --runs times; p50/p95/p99/max per URL, slowest first, and "
        "the URLs over --limit-ms at p99 (exit status 1 if any, or any server error). Patterns it cannot fill are "
        "listed as skipped, the ones left out on purpose as excluded, each with the reason."
    )

    def add_arguments(self, parser):  # type: ignore[no-untyped-def]
        parser.add_argument(
            "--runs", type=int, default=20, help="requests per URL after the warm-up (default 20)"
        )
        parser.add_argument("--limit-ms", type=float, default=1000, help="the p99 limit (default 1000)")
        parser.add_argument(
            "--user",
            default="",
            help="the account (default: the newest bench_office_<id> of `ducha gendata`)",
        )
        parser.add_argument("--only", default="", help="measure only the URLs or names matching this regex")
        parser.add_argument("--top", type=int, default=0, help="show only the slowest N (default: all)")

    def handle(self, *args, **options):  # type: ignore[no-untyped-def]
        try:
            outcome = run(
                runs=max(1, options["runs"]),
                limit_ms=options["limit_ms"],
                username=options["user"],
                only=options["only"],
                top=options["top"] or None,
                write=self.stdout.write,
            )
        except RuntimeError as error:
            raise CommandError(str(error)) from error
        if not outcome.ok:
            raise CommandError(
                f"{len(outcome.over)} URL(s) over {options['limit_ms']:g} ms at p99, "
                f"{len(outcome.failures)} with a server error",
                returncode=1,
            )
