"""The archive dossiers (归档) from the shell:

    ducha archive export --year 2026 [--out DIR] [--by USERNAME]
        every item archived and every inspection closed in 2026 (Beijing time), one dossier each under DIR/2026/
        (DIR: DUCHA_ARCHIVE_DIR, default <var>/archive); --by names the 移交人. PDF/A where the PDF engine runs;
        without it the .docx files are written and the manifests say why there is no PDF.
    ducha archive verify PATH
        PATH is one dossier or a folder of them: every problem on its own line and exit status 1, or one line with
        the number of dossiers and files verified and exit status 0.

A mistake (a bad year, a missing path, an unknown user, a setting that cannot be used) ends with one line and a
non-zero exit status, never a traceback. The dossier itself: ducha/documents/archive.py.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils import timezone
from django.utils.translation import gettext as _

from ducha.documents import archive
from ducha.orgs.models import User

FIRST_YEAR = 1949


def parse_year(text: str) -> int:
    """A year from FIRST_YEAR to this one (Beijing time): a later one has nothing archived yet."""
    this_year = timezone.localdate().year
    try:
        year = int(text.strip())
    except ValueError:
        year = 0
    if not FIRST_YEAR <= year <= this_year:
        raise CommandError(
            _("Not a valid year: %(value)s (a year from %(first)d to %(last)d).")
            % {"value": text, "first": FIRST_YEAR, "last": this_year}
        )
    return year


class Command(BaseCommand):
    help = "Export the year's archive dossiers (归档) or verify dossiers against their manifests."
    # `verify` reads files only: it must answer on a machine that has the dossiers and nothing else set up.
    requires_system_checks: list[str] = []

    def add_arguments(self, parser: CommandParser) -> None:
        actions = parser.add_subparsers(dest="action", required=True, metavar="{export,verify}")
        export = actions.add_parser("export", help=_("write the dossiers of a year's archived matters"))
        export.add_argument("--year", required=True, help=_("the year the matters were archived, e.g. 2026"))
        export.add_argument("--out", default=None, help=_("the folder to write to (default <var>/archive)"))
        export.add_argument("--by", default=None, help=_("the user name of the person handing over"))
        verify = actions.add_parser("verify", help=_("verify a dossier, or a folder of dossiers"))
        verify.add_argument("path", help=_("a dossier's folder or a folder of dossiers"))

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            if options["action"] == "export":
                self._export(options)
            else:
                self._verify(Path(options["path"]))
        except (archive.ArchiveError, ImproperlyConfigured) as error:
            raise CommandError(str(error)) from error

    def _export(self, options: dict[str, Any]) -> None:
        year = parse_year(options["year"])
        out = Path(
            options["out"] or getattr(settings, "DUCHA_ARCHIVE_DIR", Path(settings.VAR_DIR) / "archive")
        )
        actor = None
        if options["by"]:
            actor = User.objects.filter(username=options["by"], is_active=True).first()
            if actor is None:
                raise CommandError(_("No active user named %(username)s.") % {"username": options["by"]})

        def progress(index: int, total: int, dossier: archive.Dossier) -> None:
            self.stdout.write(
                _("[%(index)d/%(total)d] %(code)s (%(retention)s): %(entries)d pieces, %(files)d files")
                % {
                    "index": index,
                    "total": total,
                    "code": dossier.filing.code,
                    "retention": dossier.filing.retention_label,
                    "entries": dossier.entries,
                    "files": dossier.files,
                }
            )
            for problem in dossier.problems:
                self.stderr.write(f"  {problem}")

        result = archive.dossiers_export(year=year, out=out, actor=actor, progress=progress)
        if result.pdf_reason is not None:
            self.stdout.write(
                _("No PDF/A was made: %(reason)s The .docx files are there and each manifest says so.")
                % {"reason": result.pdf_reason}
            )
        files = sum(dossier.files for dossier in result.dossiers)
        self.stdout.write(
            _("Exported %(dossiers)d dossiers of %(year)d, %(files)d files, to %(folder)s.")
            % {"dossiers": len(result.dossiers), "year": year, "files": files, "folder": result.folder}
        )

    def _verify(self, path: Path) -> None:
        results = archive.dossiers_verify(path)
        dossiers = [result for result in results if result.manifest != archive.NOT_A_DOSSIER]
        if not dossiers:
            raise CommandError(
                _("No dossier found in %(path)s (a dossier has a manifest.json).") % {"path": path}
            )
        problems = [problem for result in results for problem in result.problems()]
        for problem in problems:
            self.stdout.write(problem)
        if problems:
            raise CommandError(
                _("Verification failed: %(problems)d problems in %(dossiers)d dossiers.")
                % {"problems": len(problems), "dossiers": len(dossiers)},
                returncode=1,
            )
        self.stdout.write(
            _("Verified %(dossiers)d dossiers, %(files)d files: every file matches its manifest.")
            % {"dossiers": len(dossiers), "files": sum(result.files for result in dossiers)}
        )
