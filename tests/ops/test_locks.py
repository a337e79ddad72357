"""The scheduler's singleton lock (ducha.ops.locks) and `ducha scheduler` with it: of two holders only one gets the
lock, in two processes as in one; it is released when its holder dies (SIGKILL included) or, on PostgreSQL, when the
holder's own connection goes; closing Django's connection — which the scheduler does every round — leaves it held.
A scheduler without the lock waits in standby and takes over when it is free; `--once` says so and exits."""

from __future__ import annotations

import logging
import os
import signal
import subprocess
import sys
import textwrap
import time
import uuid
from collections.abc import Iterator
from io import StringIO
from pathlib import Path
from unittest import mock

import pytest
import time_machine
from django.core.management import CommandError, call_command
from django.db import close_old_connections, connection

from ducha.config.management.commands import scheduler as scheduler_command
from ducha.ops.locks import SCHEDULER_LOCK_KEY, AdvisoryLock, FileLock, LocalLock, scheduler_lock
from ducha.reminders.models import ReminderRun
from tests.clock import moment

REPO = Path(__file__).resolve().parents[2]
PG_SERVER = {"host": "127.0.0.1", "port": 5432, "user": "postgres"}


def _wait_for_line(process: subprocess.Popen, expected: str, timeout: float = 60) -> None:
    assert process.stdout is not None
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        line = process.stdout.readline()
        if not line:
            break
        if line.strip() == expected:
            return
    process.kill()
    raise AssertionError(f"no {expected!r} from the holder: {process.communicate(timeout=10)}")


def _kill(process: subprocess.Popen) -> None:
    if process.poll() is None:
        process.kill()
    process.wait(timeout=10)


def _until(check, timeout: float = 10.0) -> float:
    """Seconds until check() is true (fails after timeout)."""
    started = time.monotonic()
    while not check():
        assert time.monotonic() - started < timeout, "not within the time allowed"
        time.sleep(0.05)
    return time.monotonic() - started


# --- SQLite: a file lock ---------------------------------------------------------------------------------------

FILE_HOLDER = textwrap.dedent(
    """
    import sys, time
    from pathlib import Path
    from ducha.ops.locks import FileLock
    lock = FileLock(Path(sys.argv[1]))
    print("held" if lock.acquire() else "refused", flush=True)
    time.sleep(600)
    """
)


def test_a_file_lock_is_one_holders_and_freed_when_that_process_is_killed(tmp_path):
    path = tmp_path / "var" / "ducha.sqlite3.scheduler.lock"
    holder = subprocess.Popen(
        [sys.executable, "-c", FILE_HOLDER, str(path)], stdout=subprocess.PIPE, text=True, cwd=REPO
    )
    try:
        _wait_for_line(holder, "held")
        contender = FileLock(path)
        # given another process holding it, when this one tries: refused, and told who holds it
        assert contender.acquire() is False
        assert contender.is_held() is False
        assert contender.holder() == f"process {holder.pid}"

        # when the holder is killed outright, the kernel frees the lock
        os.kill(holder.pid, signal.SIGKILL)
        holder.wait(timeout=10)
        assert contender.acquire() is True
        assert contender.is_held() is True
        assert path.read_text().strip() == str(os.getpid())
    finally:
        _kill(holder)
    contender.release()
    assert contender.is_held() is False


def test_two_file_locks_in_one_process_exclude_each_other_until_released(tmp_path):
    path = tmp_path / "scheduler.lock"
    first, second = FileLock(path), FileLock(path)

    assert first.acquire() is True
    assert first.acquire() is True  # again: still held, nothing changes
    assert second.acquire() is False

    first.release()
    first.release()  # idempotent
    assert first.is_held() is False
    assert second.acquire() is True
    assert first.acquire() is False
    second.release()


def test_the_lock_is_chosen_by_the_database(tmp_path):
    if connection.vendor == "postgresql":
        lock = scheduler_lock()
        assert isinstance(lock, AdvisoryLock)
        assert lock.description == (
            f"PostgreSQL advisory lock {SCHEDULER_LOCK_KEY} on database {connection.settings_dict['NAME']}"
        )
        return
    # The suite's SQLite database in memory is this process's alone: nothing to share.
    assert isinstance(scheduler_lock(), LocalLock)
    # A database file: a lock file beside it (var/ducha.sqlite3.scheduler.lock for the embedded default).
    with mock.patch.dict(connection.settings_dict, {"NAME": str(tmp_path / "ducha.sqlite3")}):
        lock = scheduler_lock()
    assert isinstance(lock, FileLock)
    assert lock.path == tmp_path / "ducha.sqlite3.scheduler.lock"


# --- PostgreSQL: an advisory lock on a connection of its own ----------------------------------------------------


def _postgres_admin():
    psycopg = pytest.importorskip("psycopg")
    try:
        return psycopg.connect(**PG_SERVER, dbname="postgres", autocommit=True, connect_timeout=3)
    except psycopg.OperationalError as error:
        pytest.skip(f"PostgreSQL is not reachable on 127.0.0.1:5432: {error}")


@pytest.fixture
def pg_database() -> Iterator[str]:
    """A database of this test's own (advisory locks are per database), dropped afterwards."""
    from psycopg import sql

    admin = _postgres_admin()
    name = f"ducha_test_locks_{os.getpid()}_{uuid.uuid4().hex[:6]}"
    admin.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
    try:
        yield name
    finally:
        admin.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name)))
        admin.close()


def _advisory(database: str) -> AdvisoryLock:
    return AdvisoryLock({**PG_SERVER, "dbname": database})


def _lock_holders(database: str) -> list[int]:
    """The server processes holding the scheduler lock in `database` (seen from a third connection)."""
    import psycopg

    with psycopg.connect(**PG_SERVER, dbname=database, autocommit=True) as observer:
        rows = observer.execute(
            "SELECT pid FROM pg_locks WHERE locktype = 'advisory' AND granted"
            " AND database = (SELECT oid FROM pg_database WHERE datname = current_database())"
            " AND classid = %s::bigint::oid AND objid = %s::bigint::oid",
            [SCHEDULER_LOCK_KEY >> 32, SCHEDULER_LOCK_KEY & 0xFFFFFFFF],
        ).fetchall()
    return [pid for (pid,) in rows]


def test_an_advisory_lock_is_one_connections_and_freed_when_it_closes(pg_database):
    first, second = _advisory(pg_database), _advisory(pg_database)
    try:
        assert first.acquire() is True
        assert second.acquire() is False
        assert first.is_held() is True
        assert len(_lock_holders(pg_database)) == 1
        assert second.holder() is not None and "ducha-scheduler" in second.holder()

        # when the holder's connection goes (the server restarted, the network cut it): no longer held, and free
        first._connection.close()
        assert first.is_held() is False
        assert second.acquire() is True
        assert first.acquire() is False

        second.release()
        assert _lock_holders(pg_database) == []
        assert first.acquire() is True
    finally:
        first.release()
        second.release()


def test_an_advisory_lock_cut_off_by_the_server_is_noticed(pg_database):
    import psycopg

    lock = _advisory(pg_database)
    assert lock.acquire() is True
    [backend] = _lock_holders(pg_database)
    with psycopg.connect(**PG_SERVER, dbname="postgres", autocommit=True) as admin:
        admin.execute("SELECT pg_terminate_backend(%s)", [backend])

    assert lock.is_held() is False
    assert _lock_holders(pg_database) == []
    lock.release()


def test_an_unreachable_server_is_a_refusal_not_an_error(caplog):
    lock = AdvisoryLock({"host": "127.0.0.1", "port": 9, "user": "postgres", "dbname": "ducha"})
    with caplog.at_level(logging.WARNING, logger="ducha.scheduler"):
        assert lock.acquire() is False
        assert lock.acquire() is False
    # said once, not at every attempt
    messages = [record.getMessage() for record in caplog.records if record.name == "ducha.scheduler"]
    assert len(messages) == 1 and messages[0].startswith("scheduler lock: cannot connect to the database")


PG_HOLDER = textwrap.dedent(
    """
    import sys, time
    import django
    django.setup()
    from django.db import close_old_connections, connection, connections
    from ducha.ops.locks import AdvisoryLock, scheduler_lock
    lock = scheduler_lock()
    assert isinstance(lock, AdvisoryLock), lock
    print("held" if lock.acquire() else "refused", flush=True)
    # What the scheduler does every round: use Django's connection, then close it.
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
    close_old_connections()
    connections.close_all()
    assert connection.connection is None
    print("still held" if lock.is_held() else "lost", flush=True)
    time.sleep(600)
    """
)


def test_the_advisory_lock_outlives_djangos_connection_and_dies_with_its_process(pg_database):
    environment = {
        **os.environ,
        "DATABASE_URL": f"postgres://postgres@127.0.0.1:5432/{pg_database}",
        "DJANGO_SETTINGS_MODULE": "ducha.config.settings",
    }
    holder = subprocess.Popen(
        [sys.executable, "-c", PG_HOLDER], stdout=subprocess.PIPE, text=True, cwd=REPO, env=environment
    )
    contender = _advisory(pg_database)
    try:
        _wait_for_line(holder, "held")
        _wait_for_line(holder, "still held")
        # Django's connection is closed; the lock's own is not.
        assert len(_lock_holders(pg_database)) == 1
        assert contender.acquire() is False

        os.kill(holder.pid, signal.SIGKILL)
        holder.wait(timeout=10)
        # The server notices the dead client and releases the lock: within a second or so on one machine.
        waited = _until(contender.acquire, timeout=10)
        assert waited < 5
    finally:
        _kill(holder)
        contender.release()


# --- `ducha scheduler` with the lock -----------------------------------------------------------------------------


@pytest.fixture
def restore_signals() -> Iterator[None]:
    saved = {number: signal.getsignal(number) for number in (signal.SIGTERM, signal.SIGINT)}
    yield
    for number, handler in saved.items():
        signal.signal(number, handler)


@pytest.mark.django_db(transaction=True)
def test_once_with_the_lock_held_elsewhere_sweeps_nothing_and_fails(
    world, settings, tmp_path, restore_signals
):
    settings.DUCHA_DASHBOARD_ROLLUP_INTERVAL_SECONDS = 0
    path = tmp_path / "scheduler.lock"
    other = FileLock(path)
    assert other.acquire()
    try:
        with (
            mock.patch.object(scheduler_command, "scheduler_lock", return_value=FileLock(path)),
            time_machine.travel(moment(2026, 11, 18, 10), tick=False),
            pytest.raises(CommandError) as refused,
        ):
            call_command("scheduler", "--once", stdout=StringIO())
    finally:
        other.release()
    assert f"process {os.getpid()}" in str(refused.value)
    assert not ReminderRun.objects.exists()


@pytest.mark.django_db(transaction=True)
def test_a_scheduler_in_standby_takes_over_when_the_lock_is_freed(
    world, settings, tmp_path, caplog, restore_signals
):
    settings.DUCHA_DASHBOARD_ROLLUP_INTERVAL_SECONDS = 0
    path = tmp_path / "scheduler.lock"
    holder, contender = FileLock(path), FileLock(path)
    assert holder.acquire()
    attempts: list[bool] = []
    runs_at_takeover: list[int] = []
    pauses: list[float] = []

    def attempt() -> bool:
        taken = FileLock.acquire(contender)
        attempts.append(taken)
        if taken:
            runs_at_takeover.append(ReminderRun.objects.count())
        elif len(attempts) == 3:
            holder.release()  # the active scheduler dies after the standby one has tried three times
        return taken

    real_sweep = scheduler_command.sweep

    def sweep_then_stop():
        result = real_sweep()
        os.kill(os.getpid(), signal.SIGTERM)  # ends the loop after this round, as `kill` would
        return result

    out = StringIO()
    with (
        mock.patch.object(
            scheduler_command, "_pause", side_effect=lambda stop, seconds: pauses.append(seconds)
        ),
        mock.patch.object(scheduler_command, "scheduler_lock", return_value=contender),
        mock.patch.object(contender, "acquire", side_effect=attempt),
        mock.patch.object(scheduler_command, "sweep", side_effect=sweep_then_stop),
        time_machine.travel(moment(2026, 11, 18, 10), tick=True),
        caplog.at_level(logging.INFO, logger="ducha.scheduler"),
    ):
        call_command("scheduler", "--retry", "0.05", "--interval", "3600", stdout=out)

    assert attempts == [False, False, False, True]
    assert runs_at_takeover == [0]  # nothing was swept in standby
    # --retry between the attempts (no real wait here: a timed wait hangs under CI's libfaketime), then the wait
    # for the next round
    assert pauses[:3] == [0.05, 0.05, 0.05] and len(pauses) == 4 and 3500 < pauses[3] <= 3600
    assert ReminderRun.objects.filter(source="sweep").count() == 1
    messages = [record.getMessage() for record in caplog.records if record.name == "ducha.scheduler"]
    standby = [m for m in messages if m.startswith("scheduler: standby")]
    active = [m for m in messages if m.startswith("scheduler: active")]
    assert len(standby) == 1 and f"process {os.getpid()}" in standby[0]  # logged once, naming the holder
    assert active == [f"scheduler: active, holding file lock {path} (process {os.getpid()})"]
    assert out.getvalue().splitlines()[-1] == "scheduler: stopped"
    assert contender.is_held() is False  # released on the way out


@pytest.mark.django_db(transaction=True)
def test_a_scheduler_that_loses_the_lock_stops_sweeping(world, settings, restore_signals):
    settings.DUCHA_DASHBOARD_ROLLUP_INTERVAL_SECONDS = 0
    lock = LocalLock()
    checks: list[bool] = []
    rounds: list[int] = []

    def is_held() -> bool:
        checks.append(False)
        return False  # its connection went between the rounds

    def acquire() -> bool:
        if rounds:  # the second attempt: another scheduler has it now; stop the test here
            os.kill(os.getpid(), signal.SIGTERM)
            return False
        return LocalLock.acquire(lock)

    real_sweep = scheduler_command.sweep

    def counted_sweep():
        rounds.append(1)
        return real_sweep()

    with (
        mock.patch.object(scheduler_command, "_pause"),  # no real wait (a timed wait hangs under libfaketime)
        mock.patch.object(scheduler_command, "scheduler_lock", return_value=lock),
        mock.patch.object(lock, "is_held", side_effect=is_held),
        mock.patch.object(lock, "acquire", side_effect=acquire),
        mock.patch.object(scheduler_command, "sweep", side_effect=counted_sweep),
        time_machine.travel(moment(2026, 11, 18, 10), tick=True),
    ):
        call_command("scheduler", "--retry", "0.05", "--interval", "1", stdout=StringIO())

    assert rounds == [1]  # one round while held; none after the lock was lost
    assert checks == [False]
    close_old_connections()
