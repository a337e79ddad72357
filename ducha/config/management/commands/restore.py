"""`ducha restore ARCHIVE [--media-root PATH]` restores an archive of `ducha backup` into an empty database and
MEDIA_ROOT, after verifying all of it; `ducha restore --check ARCHIVE` only verifies (docs/backup.md;
ducha.config.backup). Errors carry their code: backup_invalid, backup_tampered, restore_target_not_empty."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.exceptions import ImproperlyConfigured
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.template.defaultfilters import filesizeformat
from django.utils.translation import gettext as _

from ducha.common.errors import DomainError
from ducha.config.backup import BackupFailed, archive_check, archive_restore


class Command(BaseCommand):
    help = "Verify a backup archive and restore it into an empty database and MEDIA_ROOT (docs/backup.md)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("archive", type=Path, help="the .tar written by `ducha backup`")
        parser.add_argument(
            "--media-root", type=Path, default=None, help="where the files go (default MEDIA_ROOT)"
        )
        parser.add_argument(
            "--check", action="store_true", help="only verify the archive (signature, hashes); change nothing"
        )

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            if options["check"]:
                manifest = archive_check(archive=options["archive"])
                self._describe(manifest)
                self.stdout.write(_("The archive is intact."))
                return
            result = archive_restore(archive=options["archive"], media_root=options["media_root"])
        except (DomainError, BackupFailed, ImproperlyConfigured) as error:
            raise CommandError(str(error)) from None
        self._describe(result.manifest)
        self.stdout.write(
            _(
                "Restored the %(vendor)s database into %(database)s; %(written)d files written, %(present)d present."
            )
            % {
                "vendor": result.vendor,
                "database": result.database,
                "written": result.media_written,
                "present": result.media_present,
            }
        )
        if result.pending_migrations:
            self.stdout.write(
                _("This version has newer migrations (%(names)s): run `ducha migrate` now.")
                % {"names": ", ".join(result.pending_migrations)}
            )

    def _describe(self, manifest: dict[str, Any]) -> None:
        self.stdout.write(
            _("Made %(created)s, %(vendor)s database, %(files)d files (%(bytes)s).")
            % {
                "created": manifest["created_at"],
                "vendor": manifest["database"]["vendor"],
                "files": manifest["media"]["files"],
                "bytes": filesizeformat(manifest["media"]["bytes"]),
            }
        )
