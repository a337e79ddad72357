"""The `ducha workdays` management command."""

from __future__ import annotations

import datetime as dt
import subprocess
import sys
from io import StringIO
from pathlib import Path

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from ducha.workcalendar.services import calendar_year_set

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("package_until_2026")]


def run(*args: str) -> tuple[str, str]:
    out, err = StringIO(), StringIO()
    call_command("workdays", *args, stdout=out, stderr=err)
    return out.getvalue(), err.getvalue()


def test_add_prints_only_the_date() -> None:
    assert run("add", "2026-09-30", "1") == ("2026-10-08\n", "")
    assert run("add", "2026-10-09", "1") == ("2026-10-10\n", "")
    assert run("add", "2026-10-09", "0") == ("2026-10-09\n", "")


def test_add_into_a_provisional_year_warns_on_stderr() -> None:
    out, err = run("add", "2026-12-30", "3")
    assert out == "2027-01-05\n"
    assert "临时日历" in err and "2027" in err


def test_no_warning_once_the_year_is_official() -> None:
    calendar_year_set(year=2027, holidays=[dt.date(2027, 1, 1)], workdays=[], actor=None)
    assert run("add", "2026-12-30", "3") == ("2027-01-05\n", "")


def test_between_prints_the_count() -> None:
    assert run("between", "2026-09-30", "2026-10-08") == ("1\n", "")
    assert run("between", "2026-10-08", "2026-09-30") == ("-1\n", "")
    out, err = run("between", "2026-12-01", "2027-01-31")
    assert out == "42\n"  # Dec 2-31 2026: 22; January 2027: 20 (Jan 1 is a provisional holiday)
    assert "2027" in err


def test_show_describes_the_day() -> None:
    out, _err = run("show", "2026-10-10")
    assert out.startswith("2026-10-10 ")
    assert "工作日" in out and "国庆节" in out and "chinesecalendar" in out
    out, _err = run("show", "2027-02-05")
    assert "休息日" in out and "春节" in out and "临时日历" in out


@pytest.mark.parametrize(
    "args",
    [
        ("add", "2026-13-01", "1"),
        ("add", "20261001", "1"),
        ("add", "tomorrow", "1"),
        ("add", "2026-10-01", "-3"),
        ("add", "2026-10-01", "three"),
        ("between", "2026-10-01", "2026-02-30"),
        ("show", "2026/10/01"),
        ("add", "2026-10-01"),
        ("frobnicate",),
        ("add", "9999-12-30", "5"),
    ],
)
def test_bad_input_raises_command_error(args: tuple[str, ...]) -> None:
    with pytest.raises(CommandError):
        run(*args)


def test_bad_input_from_the_shell_exits_non_zero_without_traceback() -> None:
    ducha = Path(sys.executable).with_name("ducha")
    result = subprocess.run(
        [str(ducha), "workdays", "add", "2026-13-01", "1"],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert result.returncode != 0
    assert "2026-13-01" in result.stderr
    assert "Traceback" not in result.stderr
    assert result.stdout == ""
