"""Create the 回头看 (follow-up visits) that are due:

    ducha inspections_followups                 # due by today
    ducha inspections_followups --at 2027-03-01 # due by that date

Safe to re-run (daily from cron or a task queue): a follow-up already created is never created again.
"""

from __future__ import annotations

import datetime
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils.translation import gettext as _

from ducha.inspections.services import followups_create


class Command(BaseCommand):
    help = "Create the follow-up inspections (回头看) of rebound-prone findings that are due."
    # Run by cron every few minutes: the system checks (every model, URL and API schema) belong to deployment,
    # not to each run, and would cost a second of each.
    requires_system_checks: list[str] = []

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--at", metavar="DATE", help="Treat DATE (YYYY-MM-DD) as today.")

    def handle(self, *args: Any, **options: Any) -> None:
        today = None
        if options["at"]:
            try:
                today = datetime.date.fromisoformat(options["at"])
            except ValueError:
                raise CommandError(_("The date must be given as YYYY-MM-DD.")) from None
        created = followups_create(today=today)
        for inspection in created:
            self.stdout.write(f"#{inspection.pk} {inspection.topic}")
        self.stdout.write(_("%(count)d follow-up inspections created.") % {"count": len(created)})
