"""Whether the database is ready for the project's commands: reachable, and carrying every migration the code
ships. A command run on a database that was never migrated ends with one line saying what to do
(`ducha.__main__`), not with a traceback from the first query."""

from __future__ import annotations

from django.db import DEFAULT_DB_ALIAS, DatabaseError, connections
from django.db.migrations.executor import MigrationExecutor
from django.utils.translation import gettext as _


class DatabaseNotReady(Exception):
    """The database cannot serve the project yet; the message (one line, Chinese) says what to do."""


def database_problem(using: str = DEFAULT_DB_ALIAS) -> str | None:
    """None when the database is reachable and fully migrated; otherwise the one line that tells the user why not
    and what to do."""
    connection = connections[using]
    connection.close()  # a failed command may have left it inside an aborted transaction
    try:
        connection.ensure_connection()
    except DatabaseError as error:
        return _("Cannot connect to the database (DATABASE_URL): %(error)s") % {
            "error": str(error).strip().splitlines()[0] if str(error).strip() else type(error).__name__
        }
    try:
        executor = MigrationExecutor(connection)
        pending = bool(executor.migration_plan(executor.loader.graph.leaf_nodes()))
    except DatabaseError:
        pending = True  # not even the migrations table
    if pending:
        return _("The database is not set up yet, or is behind the code: run `ducha migrate` first.")
    return None


def require_database_ready(using: str = DEFAULT_DB_ALIAS) -> None:
    """Raise DatabaseNotReady unless the database is reachable and fully migrated (for long-running commands, which
    would otherwise fail on every round)."""
    problem = database_problem(using)
    if problem is not None:
        raise DatabaseNotReady(problem)
