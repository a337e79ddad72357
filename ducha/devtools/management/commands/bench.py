from django.core.management.base import BaseCommand
from django.db import connection

from ducha.devtools.bench import run_export, run_pages, table
from ducha.items.models import Item


class Command(BaseCommand):
    help = (
        "Measure the ledger, item page, dashboard, Excel export and the admin changelist over the current data "
        "(rebuilds the dashboard's summary table first)."
    )

    def add_arguments(self, parser):  # type: ignore[no-untyped-def]
        parser.add_argument("--runs", type=int, default=20)
        parser.add_argument("--deep-pages", type=int, default=100)
        parser.add_argument("--skip-export", action="store_true")
        parser.add_argument(
            "--skip-live-province",
            action="store_true",
            help="do not count the province's dashboard live once (seconds) for comparison",
        )

    def handle(self, *args, **options):  # type: ignore[no-untyped-def]
        items = Item.objects.count()
        self.stdout.write(f"database: {connection.vendor}, items: {items}")
        figures = run_pages(
            runs=options["runs"],
            deep_pages=options["deep_pages"],
            province_live=not options["skip_live_province"],
        )
        self.stdout.write(table(figures))
        if not options["skip_export"]:
            status, size, seconds, peak_mb = run_export()
            self.stdout.write(
                f"\nExcel export of every item ({items} rows): HTTP {status}, {size / 1e6:.1f} MB, "
                f"{seconds:.1f} s, peak RSS {peak_mb:.0f} MB"
            )
