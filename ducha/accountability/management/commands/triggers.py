"""The accountability triggers from the shell:

    ducha triggers --year 2026 (--government ID [ID ...] | --all)

runs every trigger rule that is on (ducha/accountability/triggers.py) over the year of the given governments, or
with --all of every government with items of the year, in one set-based run, and prints for each government how
many proposals are new and how long the run took. Idempotent: a second run proposes nothing new. The scheduler
runs the same every day (ducha.accountability.tasks); this is for cron, a backfill or a check.

A mistake (a year that is not a year or has not begun, an unknown government) ends with one line and a non-zero
exit status, and nothing is proposed.
"""

from __future__ import annotations

import time
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils import timezone
from django.utils.translation import gettext as _

from ducha.accountability.tasks import governments_with_items, triggers_with_counts
from ducha.common.errors import DomainError
from ducha.orgs.models import Unit, UnitKind

FIRST_YEAR = 2000


class Command(BaseCommand):
    help = "Run the accountability triggers over a year of some governments, or of every one with items."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--year", required=True, help=_("the year, e.g. 2026"))
        which = parser.add_mutually_exclusive_group(required=True)
        which.add_argument(
            "--government", nargs="+", default=None, metavar="ID", help=_("the governments, by id")
        )
        which.add_argument("--all", action="store_true", help=_("every government with items of the year"))

    def handle(self, *args: Any, **options: Any) -> None:
        year = self._year(options["year"])
        governments = self._governments(options, year)
        if not governments:
            self.stdout.write(
                _("No government has items of %(year)d: there is nothing to run.") % {"year": year}
            )
            return
        started = time.monotonic()
        try:
            new = triggers_with_counts([government.pk for government in governments], year)
        except DomainError as error:
            details = [error.message, *map(str, error.fields.values())]
            raise CommandError(" ".join(dict.fromkeys(details))) from error
        seconds = time.monotonic() - started
        for government in governments:
            self.stdout.write(
                _("%(government)s: %(new)d new proposals.")
                % {"government": government.name, "new": new[government.pk]}
            )
        self.stdout.write(
            self.style.SUCCESS(
                _(
                    "Ran the triggers of %(year)d for %(count)d governments in %(seconds).1f s: %(new)d new proposals."
                )
                % {"year": year, "count": len(governments), "seconds": seconds, "new": sum(new.values())}
            )
        )

    def _year(self, text: str) -> int:
        try:
            year = int(text)
        except ValueError:
            raise CommandError(_("Not a year: %(value)s (e.g. 2026).") % {"value": text}) from None
        if year < FIRST_YEAR:
            raise CommandError(_("Not a year: %(value)s (e.g. 2026).") % {"value": text})
        if year > timezone.localdate().year:
            raise CommandError(_("Nothing to run yet: %(year)d has not begun.") % {"year": year})
        return year

    def _governments(self, options: dict[str, Any], year: int) -> list[Unit]:
        if options["all"]:
            ids = governments_with_items(year)
            return list(Unit.objects.filter(pk__in=ids, kind=UnitKind.GOVERNMENT).order_by("pk"))
        wanted: list[int] = []
        for text in options["government"]:
            try:
                wanted.append(int(text))
            except ValueError:
                raise CommandError(
                    _("Not a government id: %(value)s (a whole number).") % {"value": text}
                ) from None
        found = {unit.pk: unit for unit in Unit.objects.filter(pk__in=wanted, kind=UnitKind.GOVERNMENT)}
        missing = [str(pk) for pk in wanted if pk not in found]
        if missing:
            raise CommandError(_("No government with the id %(ids)s.") % {"ids": ", ".join(missing)})
        return [found[pk] for pk in dict.fromkeys(wanted)]
