"""`ducha backup [--output PATH]`: one archive (database dump, every file under MEDIA_ROOT, a manifest with SM3
hashes sealed by HMAC-SM3) written atomically, online (docs/backup.md; ducha.config.backup)."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ImproperlyConfigured
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.template.defaultfilters import filesizeformat
from django.utils.translation import gettext as _

from ducha.common.errors import DomainError
from ducha.config.backup import BackupFailed, backup_create


class Command(BaseCommand):
    help = "Back up the database and the attachments into one signed archive (docs/backup.md)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--output",
            default=None,
            help="the archive's path, or a folder (an existing one, or ending in /) for the default name "
            "(default DUCHA_BACKUP_DIR)",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            result = backup_create(output=options["output"])
        except (BackupFailed, ImproperlyConfigured) as error:
            raise CommandError(str(error)) from None
        except DomainError as error:
            raise CommandError(str(error)) from None
        for skipped in result.skipped:
            self.stderr.write(_("Not a regular file, left out: %(path)s") % {"path": skipped})
        self.stdout.write(str(result.path))
        self.stdout.write(
            _("%(member)s: %(database)s; %(files)d files: %(media)s; archive: %(archive)s")
            % {
                "member": result.database_member,
                "database": filesizeformat(result.database_size),
                "files": result.media_files,
                "media": filesizeformat(result.media_bytes),
                "archive": filesizeformat(result.size),
            }
        )
