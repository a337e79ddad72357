"""`ducha partitions list|ensure|detach|attach`: the partitioned logs on PostgreSQL (ducha.common.partitions).

ducha partitions list                          # each partitioned table: its partitions, rows (estimated), archive
ducha partitions ensure                        # the partitions ahead (next year, next span of items) and the
                                               # default one; idempotent; the scheduler runs it daily
ducha partitions detach TABLE PARTITION        # a closed partition out into the schema ducha_archive, read-only
ducha partitions attach TABLE PARTITION        # an archived partition back

On SQLite (plain tables) every action says so and does nothing.
"""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import DEFAULT_DB_ALIAS, connections
from django.utils import timezone
from django.utils.translation import gettext as _

from ducha.common import partitions as partitioning


class Command(BaseCommand):
    help = "List, extend, archive or restore the partitions of the audit log and the reminders (PostgreSQL)."
    requires_system_checks: list[str] = []

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--database", default=DEFAULT_DB_ALIAS)
        actions = parser.add_subparsers(dest="action", required=True, metavar="list|ensure|detach|attach")
        actions.add_parser("list", help="the partitions of each partitioned table")
        actions.add_parser("ensure", help="make the partitions ahead of time (idempotent)")
        detach = actions.add_parser(
            "detach", help="archive a closed partition (read-only, schema ducha_archive)"
        )
        detach.add_argument("table")
        detach.add_argument("partition")
        detach.add_argument("--force", action="store_true", help="even when the partition is not closed yet")
        attach = actions.add_parser("attach", help="put an archived partition back")
        attach.add_argument("table")
        attach.add_argument("partition")

    def handle(self, *args: Any, **options: Any) -> None:
        connection = connections[options["database"]]
        if not partitioning.is_postgresql(connection):
            self.stdout.write(
                _("Plain tables on this database (%(vendor)s): nothing to do.")
                % {"vendor": connection.vendor}
            )
            return
        action = options["action"]
        now = timezone.now()
        if action == "ensure":
            for scheme in partitioning.registered():
                result = partitioning.ensure(connection, scheme, now=now)
                if not result.partitioned:
                    self.stdout.write(_("%(table)s: not partitioned.") % {"table": scheme.table})
                    continue
                made = ", ".join(result.created) if result.created else _("none")
                self.stdout.write(
                    _(
                        "%(table)s: partitions made: %(made)s; rows moved from the default partition: %(moved)d; "
                        "rows left in it: %(left)d."
                    )
                    % {
                        "table": scheme.table,
                        "made": made,
                        "moved": result.moved_from_default,
                        "left": result.default_rows,
                    }
                )
        elif action == "list":
            with connection.cursor() as cursor:
                for scheme in partitioning.registered():
                    if not partitioning.is_partitioned(cursor, scheme.table):
                        self.stdout.write(_("%(table)s: not partitioned.") % {"table": scheme.table})
                        continue
                    self.stdout.write(f"{scheme.table} ({scheme.key}):")
                    for partition in partitioning.partitions(cursor, scheme.table):
                        rows = _("not analysed") if partition.rows < 0 else f"~{partition.rows:,}"
                        self.stdout.write(f"  {partition.name}  {partition.bound}  {rows}")
                    for name in partitioning.archived(cursor, scheme):
                        self.stdout.write(f"  {partitioning.ARCHIVE_SCHEMA}.{name}  " + _("archived"))
        else:
            try:
                scheme = partitioning.scheme_for(options["table"])
            except KeyError:
                raise CommandError(
                    _("%(table)s is not a partitioned table.") % {"table": options["table"]}
                ) from None
            try:
                if action == "detach":
                    where = partitioning.detach(
                        connection, scheme, options["partition"], now=now, force=options["force"]
                    )
                    self.stdout.write(_("Detached into %(where)s, read-only.") % {"where": where})
                else:
                    partitioning.attach(connection, scheme, options["partition"])
                    self.stdout.write(_("Attached %(name)s.") % {"name": options["partition"]})
            except ValueError as error:
                raise CommandError(str(error)) from None
