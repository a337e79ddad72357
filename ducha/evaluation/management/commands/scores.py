"""The evaluation's scores from the shell:

    ducha scores --year 2026 [--quarter N] (--government ID [ID ...] | --all) [--enqueue]

computes and stores the period's scores (a quarter, or the year without --quarter) of the given governments, or
with --all of every government that has items (a province's job). Inline by default, one government after the
other, printing for each how many units were scored and how long it took; with --enqueue the computation is
queued for the task worker (`ducha db_worker`) instead. A frozen period (the year closed) is left as it is.

A mistake (a period that does not exist or has not begun, an unknown government) ends with one line and a
non-zero exit status, and nothing is stored. The computation itself: ducha/evaluation/scoring.py.
"""

from __future__ import annotations

import time
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils import timezone
from django.utils.translation import gettext as _

from ducha.common.errors import DomainError
from ducha.evaluation import scoring
from ducha.evaluation.models import Score
from ducha.evaluation.periods import Period, period_of
from ducha.items.models import Item
from ducha.orgs.models import Unit, UnitKind


def _error(error: DomainError) -> CommandError:
    details = [error.message, *error.fields.values()]
    return CommandError(" ".join(dict.fromkeys(details)))


class Command(BaseCommand):
    help = "Compute and store a period's evaluation scores of some governments, or of every one with items."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--year", required=True, help=_("the year to score, e.g. 2026"))
        parser.add_argument(
            "--quarter", default="0", help=_("the quarter, 1 to 4 (without it: the whole year)")
        )
        which = parser.add_mutually_exclusive_group(required=True)
        which.add_argument(
            "--government",
            nargs="+",
            default=None,
            metavar="ID",
            help=_("the governments to score, by id"),
        )
        which.add_argument("--all", action="store_true", help=_("every government that has items"))
        parser.add_argument(
            "--enqueue", action="store_true", help=_("queue the computation for the task worker")
        )

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            period = period_of(options["year"], options["quarter"])
        except DomainError as error:
            raise _error(error) from error
        if not period.has_begun(timezone.now()):
            raise CommandError(
                _("Nothing to score yet: %(period)s has not begun.") % {"period": period.label}
            )
        governments = self._governments(options)
        if not governments:
            self.stdout.write(_("No government has items: there is nothing to score."))
            return
        if options["enqueue"]:
            self._enqueue(governments, period)
        else:
            self._compute(governments, period)

    def _governments(self, options: dict[str, Any]) -> list[Unit]:
        if options["all"]:
            ids = Item.objects.values_list("government_id", flat=True).distinct().order_by()
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

    def _compute(self, governments: list[Unit], period: Period) -> None:
        started = time.monotonic()
        for government in governments:
            began = time.monotonic()
            try:
                (run,) = scoring.scores_compute([government.pk], period)
            except DomainError as error:
                raise _error(error) from error
            units = Score.objects.filter(run=run).count()
            values = {
                "government": government.name,
                "units": units,
                "seconds": time.monotonic() - began,
            }
            if run.frozen:
                self.stdout.write(
                    _(
                        "%(government)s: the scores are frozen (the year is closed), %(units)d units, left as they are."
                    )
                    % values
                )
            else:
                self.stdout.write(_("%(government)s: %(units)d units scored in %(seconds).2f s.") % values)
        self.stdout.write(
            self.style.SUCCESS(
                _("Scored %(period)s for %(count)d governments in %(seconds).1f s.")
                % {
                    "period": period.label,
                    "count": len(governments),
                    "seconds": time.monotonic() - started,
                }
            )
        )

    def _enqueue(self, governments: list[Unit], period: Period) -> None:
        from ducha.evaluation.tasks import scores_compute_task

        scores_compute_task.enqueue(
            [government.pk for government in governments], period.year, period.quarter
        )
        for government in governments:
            self.stdout.write(_("%(government)s: queued.") % {"government": government.name})
        self.stdout.write(
            self.style.SUCCESS(
                _("Queued the scores of %(period)s for %(count)d governments: the task worker computes them.")
                % {"period": period.label, "count": len(governments)}
            )
        )
