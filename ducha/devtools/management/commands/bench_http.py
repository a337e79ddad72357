from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from ducha.devtools.bench_http import Settings, run


class Command(BaseCommand):
    help = (
        "Throughput under concurrency (docs/benchmarks.md, issue 18): start gunicorn on the current database with "
        "production settings, sign in as the provincial office of `ducha gendata`, and load the bare signed-in "
        "request (/api/v1/me), the ledger's first page, a few item pages and the dashboard with ApacheBench, side "
        "by side in rounds; print each page's rate, its share of the bare request's rate and its latencies."
    )

    def add_arguments(self, parser):  # type: ignore[no-untyped-def]
        parser.add_argument("--workers", type=int, default=3, help="gunicorn sync workers (default 3)")
        parser.add_argument("--concurrency", type=int, default=6, help="ab -c (default 6)")
        parser.add_argument("--seconds", type=float, default=10, help="per page per round (default 10)")
        parser.add_argument("--rounds", type=int, default=3, help="the summary is their median (default 3)")
        parser.add_argument("--items", type=int, default=3, help="different item pages (default 3)")
        parser.add_argument("--warmup-seconds", type=float, default=2)
        parser.add_argument("--port", type=int, default=0, help="default: a free port")
        parser.add_argument(
            "--base-url", default="", help="measure a server already running there (it is not started)"
        )
        parser.add_argument("--user-prefix", default="bench_office_", help="the account signed in (newest)")
        parser.add_argument("--log", default="", help="gunicorn's log file")
        parser.add_argument(
            "--collectstatic",
            action="store_true",
            help="collect the static files even if the manifest exists",
        )
        parser.add_argument(
            "--source",
            default="",
            help="serve the ducha package of this directory instead (another checkout, e.g. `git archive` of the "
            "code before a change), with this checkout's collected static files",
        )

    def handle(self, *args, **options):  # type: ignore[no-untyped-def]
        settings = Settings(
            workers=options["workers"],
            concurrency=options["concurrency"],
            seconds=options["seconds"],
            rounds=options["rounds"],
            items=options["items"],
            warmup_seconds=options["warmup_seconds"],
            port=options["port"],
            base_url=options["base_url"],
            user_prefix=options["user_prefix"],
            collectstatic=options["collectstatic"],
        )
        if options["source"]:
            settings.source = Path(options["source"]).resolve()
            if not (settings.source / "ducha" / "__init__.py").is_file():
                raise CommandError(f"{settings.source} holds no ducha package")
        if options["log"]:
            settings.log = Path(options["log"])
        try:
            run(settings, self.stdout.write)
        except RuntimeError as error:
            raise CommandError(str(error)) from error
