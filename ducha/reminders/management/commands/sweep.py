"""`ducha sweep [--at DATETIME]`: send the reminders due as of a moment (default now). Idempotent: run it as
often as you like (cron, systemd timer, `ducha scheduler`); `--at` replays a missed window."""

from __future__ import annotations

import datetime as dt

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils import timezone

from ducha.reminders.services import sweep


def parse_moment(text: str) -> dt.datetime:
    """ISO 8601, e.g. 2026-10-08T09:00 or 2026-10-08 09:00+08:00; a moment without an offset is local time."""
    try:
        moment = dt.datetime.fromisoformat(text.strip())
    except ValueError:
        try:
            moment = dt.datetime.combine(dt.date.fromisoformat(text.strip()), dt.time(9))
        except ValueError:
            raise CommandError(f"--at: not a date and time: {text!r}") from None
    return timezone.make_aware(moment) if timezone.is_naive(moment) else moment


class Command(BaseCommand):
    help = "Send the reminders due as of --at (default now) that have not gone out yet; safe to re-run."
    # Run by cron every few minutes: the system checks (every model, URL and API schema) belong to deployment,
    # not to each run, and would cost a second of each.
    requires_system_checks: list[str] = []

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--at", type=parse_moment, default=None, help="the moment to act as of (ISO 8601)"
        )

    def handle(self, *args: object, **options: object) -> None:
        at = options["at"]
        result = sweep(at=at if isinstance(at, dt.datetime) else None)
        kinds = ", ".join(f"{kind}={count}" for kind, count in result.inserted.items() if count) or "-"
        window = "in window" if result.in_window else "outside the sending window: dispatch only"
        self.stdout.write(
            f"sweep as of {timezone.localtime(result.at):%Y-%m-%d %H:%M:%S%z} ({window}): "
            f"{result.reminders} reminders [{kinds}], {result.messages} messages, {result.deliveries} deliveries, "
            f"{result.dispatched} queued, {result.dead_lettered} dead-lettered, {result.seconds:.2f} s"
        )
