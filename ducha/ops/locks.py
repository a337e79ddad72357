"""The scheduler's singleton lock: of all the `ducha scheduler` processes that share a database, one sweeps and the
others wait in standby, ready to take over within seconds when it dies.

- PostgreSQL: a session-level advisory lock (`pg_try_advisory_lock(SCHEDULER_LOCK_KEY)`, scoped to the database)
  held on a connection of its own for the life of the process. Not on Django's connection: the scheduler closes
  that one after every round (close_old_connections), and the lock would go with it. The server releases the lock
  when the connection ends, so a scheduler that exits, is killed (SIGKILL included) or loses its connection frees
  it at once; the holder checks its connection at the start of every round and stops sweeping when it is gone.
- SQLite (a file): an exclusive `flock` on a file beside the database (`var/ducha.sqlite3.scheduler.lock` for the
  embedded default). The kernel releases it when the process ends, however it ends.
- SQLite in memory (the tests): that database belongs to one process, so there is nothing to share: always held.

A standby scheduler simply tries again every few seconds (`SchedulerLock.acquire` never waits).
"""

from __future__ import annotations

import fcntl
import logging
import os
import socket
from pathlib import Path
from typing import IO, Any

from django.conf import settings
from django.db import DEFAULT_DB_ALIAS, connections

logger = logging.getLogger("ducha.scheduler")

# The sweep's own transaction-scoped lock is 7_240_513_001 (ducha.reminders.services.base.SWEEP_LOCK_KEY).
SCHEDULER_LOCK_KEY = 7_240_513_002


class SchedulerLock:
    """One attempt at a time: `acquire` tries once and answers at once; `is_held` checks the lock is still this
    process's; `release` gives it up (idempotent)."""

    description = "scheduler lock"

    def acquire(self) -> bool:
        raise NotImplementedError

    def is_held(self) -> bool:
        raise NotImplementedError

    def release(self) -> None:
        raise NotImplementedError

    def holder(self) -> str | None:
        """Who holds the lock, as far as can be told (for the standby message)."""
        return None


class LocalLock(SchedulerLock):
    """For a database private to this process (SQLite in memory): no other scheduler can share it."""

    description = "no lock (a database in memory, private to this process)"

    def __init__(self) -> None:
        self._held = False

    def acquire(self) -> bool:
        self._held = True
        return True

    def is_held(self) -> bool:
        return self._held

    def release(self) -> None:
        self._held = False


class FileLock(SchedulerLock):
    """An exclusive flock on a file. The file stays when released (removing a lock file races with the next
    holder); it holds the holder's process id, for people and for the standby message."""

    def __init__(self, path: Path) -> None:
        self.path = Path(path)
        self.description = f"file lock {self.path}"
        self._file: IO[str] | None = None

    def acquire(self) -> bool:
        if self._file is not None:
            return True
        self.path.parent.mkdir(parents=True, exist_ok=True)
        handle = open(self.path, "a+", encoding="utf-8")  # noqa: SIM115 - kept open while held
        try:
            fcntl.flock(handle.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            handle.close()
            return False
        except BaseException:
            handle.close()
            raise
        handle.seek(0)
        handle.truncate()
        handle.write(f"{os.getpid()}\n")
        handle.flush()
        self._file = handle
        return True

    def is_held(self) -> bool:
        return self._file is not None and not self._file.closed

    def release(self) -> None:
        handle, self._file = self._file, None
        if handle is not None and not handle.closed:
            try:
                fcntl.flock(handle.fileno(), fcntl.LOCK_UN)
            finally:
                handle.close()

    def holder(self) -> str | None:
        try:
            text = self.path.read_text(encoding="utf-8").strip()
        except OSError:
            return None
        return f"process {text}" if text else None


class AdvisoryLock(SchedulerLock):
    """A PostgreSQL session-level advisory lock on a dedicated connection (psycopg, outside Django's connection
    handling, so nothing in Django closes it)."""

    # Connection liveness: a dead peer is noticed by TCP keepalives within about half a minute even when no packet
    # says so (a cable pulled, a firewall); a closed socket (the server restarted) at the next check.
    KEEPALIVES = {"keepalives": 1, "keepalives_idle": 10, "keepalives_interval": 5, "keepalives_count": 3}

    def __init__(self, connection_params: dict[str, Any], *, key: int = SCHEDULER_LOCK_KEY) -> None:
        self.key = key
        self._params = {
            name: value
            for name, value in connection_params.items()
            # Django's cursor class and type adapters are for its own connection wrapper.
            if name not in {"cursor_factory", "context"}
        }
        self._params.setdefault("connect_timeout", 5)
        for name, value in self.KEEPALIVES.items():
            self._params.setdefault(name, value)
        # Shown in pg_stat_activity, so an operator (and a standby scheduler) can tell who holds the lock.
        self._params["application_name"] = f"ducha-scheduler {socket.gethostname()}:{os.getpid()}"[:63]
        self.description = f"PostgreSQL advisory lock {key} on database {self._params.get('dbname', '')!s}"
        self._connection: Any = None
        self._last_error = ""  # a standby scheduler says why it cannot reach the lock once, not every attempt

    @classmethod
    def for_database(cls, using: str = DEFAULT_DB_ALIAS) -> AdvisoryLock:
        """The lock on the database Django's `using` connection points at, with the same credentials."""
        return cls(connections[using].get_connection_params())

    def _connect(self) -> Any:
        import psycopg

        return psycopg.connect(**self._params, autocommit=True)

    def acquire(self) -> bool:
        if self._connection is not None and self.is_held():
            return True
        import psycopg

        try:
            connection = self._connect()
        except psycopg.Error as error:
            self._failed(f"cannot connect to the database: {str(error).strip()}")
            return False
        try:
            row = connection.execute("SELECT pg_try_advisory_lock(%s)", [self.key]).fetchone()
        except psycopg.Error as error:
            self._failed(f"cannot take the lock: {str(error).strip()}")
            connection.close()
            return False
        self._last_error = ""
        if row is None or not row[0]:
            connection.close()
            return False
        self._connection = connection
        return True

    def _failed(self, message: str) -> None:
        if message != self._last_error:
            logger.warning("scheduler lock: %s", message)
            self._last_error = message

    def is_held(self) -> bool:
        connection = self._connection
        if connection is None or connection.closed:
            self._connection = None
            return False
        import psycopg

        try:
            row = connection.execute(
                "SELECT EXISTS (SELECT 1 FROM pg_locks WHERE locktype = 'advisory' AND pid = pg_backend_pid()"
                " AND granted AND classid = %s::bigint::oid AND objid = %s::bigint::oid AND objsubid = 1)",
                [self.key >> 32, self.key & 0xFFFFFFFF],
            ).fetchone()
        except psycopg.Error:
            row = None
        if row is None or not row[0]:
            self.release()
            return False
        return True

    def release(self) -> None:
        connection, self._connection = self._connection, None
        if connection is not None and not connection.closed:
            # Closing the session releases its advisory locks; no explicit unlock needed.
            connection.close()

    def holder(self) -> str | None:
        import psycopg

        try:
            with self._connect() as connection:
                row = connection.execute(
                    "SELECT a.application_name, a.pid, host(a.client_addr) FROM pg_locks l"
                    " JOIN pg_stat_activity a ON a.pid = l.pid WHERE l.locktype = 'advisory' AND l.granted"
                    " AND l.database = (SELECT oid FROM pg_database WHERE datname = current_database())"
                    " AND l.classid = %s::bigint::oid AND l.objid = %s::bigint::oid AND l.objsubid = 1",
                    [self.key >> 32, self.key & 0xFFFFFFFF],
                ).fetchone()
        except psycopg.Error:
            return None
        if row is None:
            return None
        application, pid, address = row
        return f"{application or 'a session'} (server process {pid}{', from ' + address if address else ''})"


def scheduler_lock(using: str = DEFAULT_DB_ALIAS) -> SchedulerLock:
    """The lock that makes one scheduler of those sharing the `using` database the one that sweeps."""
    connection = connections[using]
    if connection.vendor == "postgresql":
        return AdvisoryLock.for_database(using)
    if connection.vendor == "sqlite":
        name = str(connection.settings_dict["NAME"])
        if name == ":memory:" or "mode=memory" in name:
            return LocalLock()
        return FileLock(Path(name).resolve().with_name(Path(name).name + ".scheduler.lock"))
    # Any other engine: one scheduler per machine at least.
    return FileLock(Path(settings.VAR_DIR) / "scheduler.lock")
