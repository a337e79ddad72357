"""`ducha clues`: the clue channel from the shell.

    ducha clues import FILE --as USERNAME      a batch file (.xlsx or .jsonl: ducha.clues.imports) taken in under
                                               the office account USERNAME (services.clues_import); prints how many
                                               clues were created, skipped (imported before) and the cases
    ducha clues analyze [--government ID]      the analytics now (warnings of last week and this week, last week's
                                               brief) for one government, or every one with recent clues

Importing the same file again creates nothing (each row's source and reference are imported once). A refusal — a
file that is not a batch, a bad row, an account that is not the office's — prints the reasons and exits 1, and
nothing is imported.
"""

from __future__ import annotations

import pathlib
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils.translation import gettext as _

from ducha.clues import imports, services, tasks
from ducha.common.errors import DomainError
from ducha.orgs.models import Unit, UnitKind, User


class Command(BaseCommand):
    help = "Import a batch of clues (.xlsx or .jsonl) or run the clue analytics."

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(dest="action", required=True)
        take = sub.add_parser("import", help=_("import a batch file of clues"))
        take.add_argument("file", help=_("the .xlsx or .jsonl file"))
        take.add_argument(
            "--as", dest="username", required=True, help=_("the office account the import is recorded under")
        )
        analyze = sub.add_parser("analyze", help=_("run the early warnings and the weekly brief now"))
        analyze.add_argument("--government", type=int, default=None, help=_("the government, by id"))

    def handle(self, *args: Any, **options: Any) -> None:
        if options["action"] == "import":
            self._import(options["file"], options["username"])
        else:
            self._analyze(options["government"])

    def _import(self, name: str, username: str) -> None:
        path = pathlib.Path(name)
        if not path.is_file():
            raise CommandError(_("No such file: %(name)s") % {"name": name})
        actor = User.objects.filter(username=username, is_active=True).select_related("unit").first()
        if actor is None:
            raise CommandError(_("No active account %(name)s.") % {"name": username})
        try:
            rows = imports.read_rows(path.name, path.read_bytes())
            result = services.clues_import(actor=actor, rows=rows)
        except DomainError as error:
            details = [error.message, *(f"{key}: {value}" for key, value in error.fields.items())]
            raise CommandError("\n".join(dict.fromkeys(details))) from error
        cases = {clue.case_id for clue in result.created}
        self.stdout.write(
            self.style.SUCCESS(
                _("%(created)d clues created, %(skipped)d skipped (imported before), in %(cases)d cases.")
                % {"created": len(result.created), "skipped": result.skipped, "cases": len(cases)}
            )
        )

    def _analyze(self, government_id: int | None) -> None:
        if government_id is not None:
            if not Unit.objects.filter(pk=government_id, kind=UnitKind.GOVERNMENT).exists():
                raise CommandError(_("No government with the id %(ids)s.") % {"ids": government_id})
            done = tasks.analytics_for([government_id])
        else:
            from ducha.clues.analytics import governments_with_clues

            done = tasks.analytics_for(governments_with_clues())
        for pk, count in done.items():
            self.stdout.write(_("Government %(id)d: %(count)d warnings.") % {"id": pk, "count": count})
        self.stdout.write(self.style.SUCCESS(_("Analysed %(count)d governments.") % {"count": len(done)}))
