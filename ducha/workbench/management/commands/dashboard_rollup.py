"""`ducha dashboard_rollup`: count every government's dashboard figures ahead (DashboardRollup). Run it
periodically (the scheduler, cron or a systemd timer): each run recounts the current year, and the past years
once a day (their first run after midnight). Figures counted for another day are not served (the lights change
with the date): the dashboard then counts live."""

from __future__ import annotations

from django.core.management.base import BaseCommand, CommandParser

from ducha.workbench.dashboard import dashboard_rollup_rebuild, dashboard_rollup_refresh


class Command(BaseCommand):
    help = "Count the dashboard's figures ahead for every government (the summary table)."
    # Run by cron every few minutes: the system checks (every model, URL and API schema) belong to deployment,
    # not to each run, and would cost a second of each.
    requires_system_checks: list[str] = []

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--year",
            type=int,
            action="append",
            dest="years",
            help="a year to count (repeatable); default: the current year, and past years not counted today",
        )
        parser.add_argument("--all", action="store_true", help="count every year the dashboard offers")

    def handle(self, *args: object, **options: object) -> None:
        years = options["years"]
        if isinstance(years, list):
            result = dashboard_rollup_rebuild(years=years)
        elif options["all"]:
            result = dashboard_rollup_rebuild()
        else:
            result = dashboard_rollup_refresh()
        self.stdout.write(
            f"dashboard summary: years {', '.join(map(str, result.years))}, {result.rows} rows, "
            f"{result.seconds:.1f} s"
        )
