"""`ducha jobs reap|purge [--at DATETIME]`: the background jobs' housekeeping, which `ducha scheduler` also does
every round — `reap` fails the running jobs whose worker died (no heartbeat for services.DEAD_AFTER_SECONDS),
`purge` deletes the files kept past their time. Both are safe to re-run; `--at` acts as of another moment."""

from __future__ import annotations

import datetime as dt

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils import timezone

from ducha.jobs import services


def parse_moment(text: str) -> dt.datetime:
    """ISO 8601, e.g. 2026-12-05T09:00 or 2026-12-05 09:00+08:00; a moment without an offset is local time."""
    try:
        moment = dt.datetime.fromisoformat(text.strip())
    except ValueError:
        raise CommandError(f"--at: not a date and time: {text!r}") from None
    return timezone.make_aware(moment) if timezone.is_naive(moment) else moment


class Command(BaseCommand):
    help = "Background jobs: reap (fail the jobs whose worker died) or purge (delete expired files)."
    requires_system_checks: list[str] = []  # run by cron: the checks belong to deployment

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("action", choices=["reap", "purge"])
        parser.add_argument(
            "--at", type=parse_moment, default=None, help="the moment to act as of (ISO 8601)"
        )

    def handle(self, *args: object, **options: object) -> None:
        at = options["at"] if isinstance(options["at"], dt.datetime) else None
        if options["action"] == "reap":
            self.stdout.write(f"jobs reap: {services.reap(at)} failed as lost")
        else:
            self.stdout.write(f"jobs purge: {services.purge(at)} files deleted")
