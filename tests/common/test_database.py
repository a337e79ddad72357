"""A command run on a database that was never migrated, or cannot be reached, ends with one clear Chinese line
telling the user what to do — never a traceback — and leaves the database as it was."""

from __future__ import annotations

import os
import sqlite3
import subprocess
from pathlib import Path

import pytest

from tests import clock

REPO = Path(__file__).resolve().parents[2]


def run(database_url: str, *argv: str) -> subprocess.CompletedProcess:
    env = {**os.environ, "DATABASE_URL": database_url, "DJANGO_SETTINGS_MODULE": "ducha.config.settings"}
    return subprocess.run(
        clock.ducha_command(*argv),
        env=env,
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


@pytest.mark.parametrize(
    "argv",
    [
        ("sweep",),
        ("sweep", "--at", "2026-10-08T09:00"),
        ("workdays", "add", "2026-09-30", "1"),
        ("workdays", "show", "2026-10-10"),
        ("scheduler", "--once"),
        ("dashboard_rollup",),
        ("inspections_followups",),
        ("token", "office"),
        ("demo",),
    ],
    ids=lambda argv: " ".join(argv),
)
def test_a_command_on_a_database_never_migrated_says_to_run_migrate(tmp_path, argv):
    database = tmp_path / "never-migrated.sqlite3"

    result = run(f"sqlite:///{database}", *argv)

    assert result.returncode == 1
    assert "Traceback" not in result.stderr
    assert result.stderr.strip().splitlines() == [
        "数据库尚未初始化或版本落后于程序，请先运行 `ducha migrate`。"
    ]
    assert result.stdout == ""
    with sqlite3.connect(database) as connection:  # nothing was created in it
        assert connection.execute("SELECT COUNT(*) FROM sqlite_master").fetchone() == (0,)


def test_a_database_that_cannot_be_reached_is_named_in_one_line():
    result = run("postgres://ducha@127.0.0.1:9/ducha", "sweep")

    assert result.returncode == 1
    assert "Traceback" not in result.stderr
    [line] = result.stderr.strip().splitlines()
    assert line.startswith("无法连接数据库（DATABASE_URL）：")
