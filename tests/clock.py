"""The suite's clock: every test runs at one pinned instant, so a failure reproduces on any day.

`DUCHA_TEST_NOW` chooses the instant, as ISO 8601 (`2027-01-04T09:30:00+08:00`; without an offset it is Beijing
time). Unset, the suite runs at `DEFAULT_INSTANT`, an ordinary working Wednesday; `DUCHA_TEST_NOW=real` leaves the
wall clock alone (CI runs the suite that way too, and under libfaketime at dates it does not announce).

The clock starts in `pytest_configure` — before collection, before the demo county is built — and ticks from the
pinned instant (time-machine, `tick=True`), so ordering by time still works. Tests that care about particular
dates move it further themselves (`time_machine.travel`, `moment(...)`); subprocesses get the instant through
`ducha_command` and `python_command`.
"""

from __future__ import annotations

import datetime
import os
import sys
from pathlib import Path
from zoneinfo import ZoneInfo

import time_machine

BEIJING = ZoneInfo("Asia/Shanghai")
ENV = "DUCHA_TEST_NOW"
REAL = "real"
# Wednesday 18 November 2026, 10:00 Beijing time: a working day in the middle of a month, a year whose arrangement
# is published, with the next year's still provisional.
DEFAULT_INSTANT = "2026-11-18T10:00:00+08:00"
RUNNER = Path(__file__).with_name("run_at.py")

_traveller: time_machine.travel | None = None


def moment(
    year: int, month: int, day: int, hour: int = 0, minute: int = 0, second: int = 0
) -> datetime.datetime:
    """A moment in Beijing time."""
    return datetime.datetime(year, month, day, hour, minute, second, tzinfo=BEIJING)


def parse_instant(text: str) -> datetime.datetime:
    """An ISO 8601 instant; one without an offset is Beijing time."""
    value = datetime.datetime.fromisoformat(text.strip())
    return value if value.tzinfo is not None else value.replace(tzinfo=BEIJING)


def pinned_instant() -> datetime.datetime | None:
    """The instant the suite runs at, or None when it runs on the wall clock."""
    text = os.environ.get(ENV, "").strip() or DEFAULT_INSTANT
    return None if text.lower() == REAL else parse_instant(text)


def start() -> datetime.datetime | None:
    global _traveller
    instant = pinned_instant()
    if instant is not None and _traveller is None:
        # A fixed offset, not a zone name: time-machine would otherwise set TZ for the whole process.
        _traveller = time_machine.travel(
            instant.astimezone(datetime.timezone(instant.utcoffset())), tick=True
        )
        _traveller.start()
    return instant


def stop() -> None:
    global _traveller
    if _traveller is not None:
        _traveller.stop()
        _traveller = None


def describe() -> str:
    instant = pinned_instant()
    if instant is None:
        return f"clock: the wall clock ({ENV}={REAL}), now {datetime.datetime.now(BEIJING):%Y-%m-%d %H:%M %z}"
    return (
        f"clock: pinned at {instant.isoformat()} = {instant.astimezone(BEIJING):%Y-%m-%d %H:%M} Beijing "
        f"(set {ENV} to move it, or {ENV}={REAL})"
    )


def python_command(*argv: str) -> list[str]:
    """The command line of `python ARGV…` (`-m ducha sweep`, or a script of the tests) for a subprocess that runs
    at this process's current instant: `tests/run_at.py` starts the subprocess's clock where this one is now and
    lets it tick. Always, even on the wall clock: under libfaketime every new process would start its clock again
    at the faked instant, minutes behind this one."""
    now = datetime.datetime.now(datetime.UTC)
    return [sys.executable, str(RUNNER), now.isoformat(), *argv]


def ducha_command(*argv: str) -> list[str]:
    """`ducha ARGV…` in a subprocess at this process's current instant."""
    return python_command("-m", "ducha", *argv)


def environment_without_faketime() -> dict[str, str]:
    """This process's environment without libfaketime (its LD_PRELOAD entry and FAKETIME* settings), for the
    helpers that must keep the wall clock under CI's libfaketime run: Chromium, LibreOffice."""
    environment = {
        name: value
        for name, value in os.environ.items()
        if name != "LD_PRELOAD" and not name.startswith("FAKETIME")
    }
    preload = [
        part for part in os.environ.get("LD_PRELOAD", "").split(":") if part and "faketime" not in part
    ]
    if preload:
        environment["LD_PRELOAD"] = ":".join(preload)
    return environment
