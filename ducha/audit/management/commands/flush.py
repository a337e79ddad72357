"""`ducha flush`, Django's, except for the audit log: the database refuses to delete audit events (triggers, see
ducha.audit.models), so a flush that would erase some lifts those guards for its own transaction — only on a test
database (what Django's test runner makes: transactional tests are flushed after each) or when asked in so many
words with --erase-audit-log. Anywhere else it refuses, and nothing is deleted."""

from __future__ import annotations

from typing import Any

from django.core.management.base import CommandError, CommandParser
from django.core.management.commands import flush
from django.db import connections
from django.db.backends.base.base import BaseDatabaseWrapper
from django.db.backends.base.creation import TEST_DATABASE_PREFIX
from django.utils.translation import gettext as _

from ducha.audit.chain import guards_lifted
from ducha.audit.models import Event


def is_test_database(connection: BaseDatabaseWrapper) -> bool:
    name = str(connection.settings_dict.get("NAME") or "")
    if connection.vendor == "sqlite" and connection.is_in_memory_db():  # type: ignore[attr-defined]
        return True
    test_name = (connection.settings_dict.get("TEST") or {}).get("NAME")
    return name.startswith(TEST_DATABASE_PREFIX) or (bool(test_name) and name == test_name)


class Command(flush.Command):
    help = flush.Command.help + " The audit log only on a test database or with --erase-audit-log."

    def add_arguments(self, parser: CommandParser) -> None:
        super().add_arguments(parser)
        parser.add_argument(
            "--erase-audit-log",
            action="store_true",
            help="erase the audit log too (the database refuses otherwise)",
        )

    def handle(self, **options: Any) -> None:
        connection = connections[options["database"]]
        permitted = options.get("erase_audit_log") or is_test_database(connection)
        if not permitted and Event.objects.using(connection.alias).exists():
            raise CommandError(
                _("The audit log is append-only: flushing this database would erase it. Nothing was deleted.")
            )
        if options["interactive"]:  # asked before the table is locked, not while it is
            confirm = input(
                _(
                    "This will IRREVERSIBLY DESTROY all data in the %(name)s database, the audit log included.\n"
                    "Type 'yes' to continue, or 'no' to cancel: "
                )
                % {"name": connection.settings_dict["NAME"]}
            )
            if confirm != "yes":
                self.stdout.write(_("Flush cancelled."))
                return
            options = {**options, "interactive": False}
        # Lifted even when the log is empty: PostgreSQL's TRUNCATE guard fires on an empty table too.
        with guards_lifted(connection):
            super().handle(**options)
