"""A real worker (`ducha db_worker`, a process of its own on a database file) killed with SIGKILL in the middle of a
ledger export: the job is left running with nothing offered, `ducha jobs reap` fails it with JOB_WORKER_LOST once
its heartbeat is older than DEAD_AFTER_SECONDS (and tells its owner in the inbox), and a retry run by a fresh
worker makes the whole file. The killed worker's export is slowed down (tests/jobs/slow_worker.py) so that the kill
lands while it writes rows; everything else is as in production: the database task backend, the worker command,
the heartbeat thread, the temporary file, the storage."""

from __future__ import annotations

import datetime
import io
import os
import signal
import sqlite3
import subprocess
import time
from pathlib import Path

import openpyxl
import pytest

from ducha.jobs import services
from tests import clock

REPO = Path(__file__).resolve().parents[2]
HERE = Path(__file__).resolve().parent
ITEMS = 600


def _env(database: Path, media: Path) -> dict[str, str]:
    env = dict(os.environ)
    env.update(
        DATABASE_URL=f"sqlite:///{database}",
        DUCHA_MEDIA_ROOT=str(media),
        DUCHA_TASKS_BACKEND="db",
        DUCHA_NOTIFY_DEFAULT_CHANNELS="",
        DJANGO_SETTINGS_MODULE="ducha.config.settings",
        DUCHA_LOG_LEVEL="WARNING",
    )
    return env


def _row(database: Path, job_id: int) -> dict:
    with sqlite3.connect(database, timeout=20) as connection:
        connection.row_factory = sqlite3.Row
        row = connection.execute("SELECT * FROM jobs_job WHERE id = ?", [job_id]).fetchone()
    return dict(row)


def _run(command: list[str], env: dict[str, str], timeout: int = 120) -> str:
    done = subprocess.run(
        command, env=env, cwd=REPO, check=True, timeout=timeout, capture_output=True, text=True
    )
    return done.stdout


@pytest.fixture
def files(tmp_path) -> tuple[Path, Path]:
    return tmp_path / "ducha.sqlite3", tmp_path / "media"


def test_a_worker_killed_mid_export_leaves_a_failed_job_and_no_file_and_the_retry_works(files):
    database, media = files
    env = _env(database, media)
    job_id = int(_run(clock.python_command(str(HERE / "kill_world.py"), str(ITEMS)), env).split()[-1])
    assert _row(database, job_id)["status"] == "queued"

    worker = subprocess.Popen(
        clock.python_command(
            str(HERE / "slow_worker.py"), "--no-reload", "--no-startup-delay", "--interval", "0.1"
        ),
        env=env,
        cwd=REPO,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    try:
        deadline = time.monotonic() + 90
        row = _row(database, job_id)
        while not (row["status"] == "running" and row["done"] >= 50) and time.monotonic() < deadline:
            assert worker.poll() is None, worker.stderr.read().decode() if worker.stderr else ""
            time.sleep(0.1)
            row = _row(database, job_id)
        assert row["status"] == "running" and 50 <= row["done"] < ITEMS, row
        assert row["total"] == ITEMS
        os.kill(worker.pid, signal.SIGKILL)
        worker.wait(timeout=10)
    finally:
        if worker.poll() is None:
            worker.kill()
            worker.wait(timeout=10)
        if worker.stderr:
            worker.stderr.close()
    assert worker.returncode == -signal.SIGKILL

    # Killed: still "running" for a while, and nothing offered or left behind.
    row = _row(database, job_id)
    assert (row["status"], row["file"], row["filename"]) == ("running", "", "")
    assert not (media / "jobs").exists() or not any(path.is_file() for path in (media / "jobs").rglob("*"))
    assert "0 failed" in _run(clock.ducha_command("jobs", "reap"), env)  # its heartbeat is still fresh
    assert _row(database, job_id)["status"] == "running"

    later = datetime.datetime.now(datetime.UTC) + datetime.timedelta(seconds=services.DEAD_AFTER_SECONDS + 30)
    assert "1 failed" in _run(clock.ducha_command("jobs", "reap", "--at", later.isoformat()), env)
    row = _row(database, job_id)
    assert (row["status"], row["error_code"], row["file"]) == ("failed", "job_worker_lost", "")
    with sqlite3.connect(database) as connection:
        told = connection.execute(
            "SELECT COUNT(*) FROM reminders_message WHERE link = ?", [f"/jobs/{job_id}/"]
        ).fetchone()[0]
    assert told == 1

    # Retried by its owner, run by a fresh worker (not slowed) to the end: the whole file.
    retry = (
        "from ducha.jobs import services; from ducha.orgs.models import User; "
        f"print(services.retry(job_id={job_id}, user=User.objects.get(username='office'))[0].pk)"
    )
    again = int(_run(clock.ducha_command("shell", "-c", retry), env).split()[-1])
    _run(clock.ducha_command("db_worker", "--batch", "--no-reload", "--no-startup-delay"), env, timeout=180)
    row = _row(database, again)
    assert (row["status"], row["retry_of_id"], row["attempt"], row["done"]) == ("done", job_id, 2, ITEMS)
    book = openpyxl.load_workbook(io.BytesIO((media / row["file"]).read_bytes()))
    assert len(list(book.worksheets[0].iter_rows(min_row=3, values_only=True))) == ITEMS
    assert _row(database, job_id)["status"] == "failed"
