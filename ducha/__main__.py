"""The `ducha` console script: Django's management commands with the project's settings.

A command that fails because the database is unreachable or was never migrated ends with one Chinese line that
says what to do (exit status 1) instead of a traceback from its first query."""

import os
import sys


def main() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "ducha.config.settings")
    from django.core.management import execute_from_command_line
    from django.db import DatabaseError

    try:
        execute_from_command_line(sys.argv)
    except DatabaseError:
        problem = _database_problem()
        if problem is None:
            raise  # the database is fine: a real error, with its traceback
        _fail(problem)
    except Exception as error:
        from ducha.common.database import DatabaseNotReady

        if not isinstance(error, DatabaseNotReady):
            raise
        _fail(str(error))


def _database_problem() -> str | None:
    from django.conf import settings
    from django.utils import translation

    from ducha.common.database import database_problem

    translation.activate(settings.LANGUAGE_CODE)
    return database_problem()


def _fail(line: str) -> None:
    sys.stderr.write(line + "\n")
    sys.exit(1)


if __name__ == "__main__":
    main()
