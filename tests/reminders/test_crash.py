"""A sweep really killed (SIGKILL) midway and rerun sends every reminder exactly once; two sweeps at the same time
too. The sweeps run as `ducha sweep --at …` processes on a database file; deliveries go to a real HTTP server. The
subprocesses run at the suite's instant (tests/clock.py), which they are handed on their command line."""

from __future__ import annotations

import datetime
import os
import shutil
import signal
import sqlite3
import subprocess
import time
from pathlib import Path

import pytest

from tests import clock

REPO = Path(__file__).resolve().parents[2]


def _env(database: Path, **extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("DUCHA_SWEEP_TEST")}
    env.update(
        DATABASE_URL=f"sqlite:///{database}",
        DUCHA_TASKS_BACKEND="immediate",
        DUCHA_NOTIFY_DEFAULT_CHANNELS="",
        DJANGO_SETTINGS_MODULE="ducha.config.settings",
        DUCHA_LOG_LEVEL="WARNING",
        **extra,
    )
    return env


@pytest.fixture(scope="module")
def world_file(tmp_path_factory) -> tuple[Path, datetime.date]:
    """A migrated database file with the demo county and six items due on the last working day before today
    (built once, by a subprocess at this process's instant; it prints the day it chose)."""
    folder = tmp_path_factory.mktemp("crash")
    database = folder / "template.sqlite3"
    robot = "http://127.0.0.1:1/placeholder"
    built = subprocess.run(
        clock.python_command(str(Path(__file__).with_name("crash_world.py")), robot),
        env=_env(database),
        cwd=REPO,
        check=True,
        timeout=120,
        capture_output=True,
        text=True,
    )
    return database, datetime.date.fromisoformat(built.stdout.split()[-1])


@pytest.fixture(scope="module")
def due_day(world_file) -> datetime.date:
    """The sweeps act as of this day, so by the subprocesses' clock their deliveries are already due."""
    return world_file[1]


@pytest.fixture(scope="module")
def template(world_file) -> Path:
    return world_file[0]


@pytest.fixture
def database(template, tmp_path, http_server) -> Path:
    copy = tmp_path / "ducha.sqlite3"
    shutil.copy(template, copy)
    with sqlite3.connect(copy) as connection:
        connection.execute("UPDATE reminders_webhookendpoint SET url = ?", [f"{http_server.url}/robot"])
    return copy


def _sweep(database: Path, at: str, **extra: str) -> subprocess.Popen:
    return subprocess.Popen(
        clock.ducha_command("sweep", "--at", at),
        env=_env(database, **extra),
        cwd=REPO,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def _kill_at(database: Path, at: str, point: str, marker: Path) -> None:
    process = _sweep(database, at, DUCHA_SWEEP_TEST_PAUSE=point, DUCHA_SWEEP_TEST_MARKER=str(marker))
    deadline = time.monotonic() + 60
    while not marker.exists():
        assert process.poll() is None, process.communicate()
        assert time.monotonic() < deadline, "the sweep never reached the pause point"
        time.sleep(0.05)
    process.send_signal(signal.SIGKILL)
    process.wait(timeout=10)
    assert process.returncode == -signal.SIGKILL


def _finish(process: subprocess.Popen) -> str:
    out, err = process.communicate(timeout=120)
    assert process.returncode == 0, err
    return out


def _counts(database: Path) -> dict[str, int]:
    with sqlite3.connect(database) as connection:
        one = lambda sql: connection.execute(sql).fetchone()[0]  # noqa: E731
        return {
            "reminders": one("SELECT COUNT(*) FROM reminders_reminder"),
            "distinct": one(
                "SELECT COUNT(*) FROM (SELECT DISTINCT item_id, unit_id, recipient_id, kind, period "
                "FROM reminders_reminder)"
            ),
            "messages": one("SELECT COUNT(*) FROM reminders_message"),
            "per_recipient_max": one(
                "SELECT COALESCE(MAX(n), 0) FROM (SELECT COUNT(*) n FROM reminders_message GROUP BY recipient_id)"
            ),
            "sent": one("SELECT COUNT(*) FROM reminders_delivery WHERE status = 'sent'"),
            "pending": one("SELECT COUNT(*) FROM reminders_delivery WHERE status = 'pending'"),
            "runs": one(
                "SELECT COUNT(*) FROM reminders_reminderrun WHERE source = 'sweep' AND status = 'done'"
            ),
        }


def _at(day: datetime.date) -> str:
    return f"{day.isoformat()}T10:00+08:00"


def test_a_sweep_killed_inside_its_transaction_leaves_nothing_and_the_rerun_sends_once(
    database, http_server, due_day, tmp_path
):
    at = _at(due_day)

    _kill_at(database, at, "after_insert", tmp_path / "marker")

    assert _counts(database)["reminders"] == 0  # rolled back with the process
    assert http_server.requests == []

    _finish(_sweep(database, at))
    after = _counts(database)
    # six items due today: handler and liaison each get one digest of six lines, and one robot card each
    assert after["reminders"] == after["distinct"] == 12
    assert (after["messages"], after["per_recipient_max"], after["sent"]) == (2, 1, 2)
    assert len(http_server.requests) == 2


def test_a_sweep_killed_after_its_commit_is_completed_by_the_next_one_without_duplicates(
    database, http_server, due_day, tmp_path
):
    at = _at(due_day)

    _kill_at(database, at, "after_commit", tmp_path / "marker")

    killed = _counts(database)
    assert (killed["reminders"], killed["messages"], killed["pending"], killed["sent"]) == (12, 2, 2, 0)
    assert http_server.requests == []

    _finish(_sweep(database, at))  # writes nothing new; dispatches the two deliveries the crash left behind

    after = _counts(database)
    assert (after["reminders"], after["messages"], after["sent"], after["pending"]) == (12, 2, 2, 0)
    assert (killed["runs"], after["runs"]) == (1, 2)  # the second run found nothing new to write
    assert len(http_server.requests) == 2


def test_two_sweeps_at_once_send_each_reminder_once(database, http_server, due_day):
    at = _at(due_day)

    first, second = _sweep(database, at), _sweep(database, at)
    _finish(first)
    _finish(second)

    after = _counts(database)
    assert after["reminders"] == after["distinct"] == 12
    assert (after["messages"], after["per_recipient_max"], after["sent"]) == (2, 1, 2)
    assert len(http_server.requests) == 2
