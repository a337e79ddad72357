"""The suite's own clock (tests/clock.py): pinned unless DUCHA_TEST_NOW=real, handed on to subprocesses."""

from __future__ import annotations

import datetime
import subprocess
from pathlib import Path

import pytest
from django.utils import timezone

from tests import clock

REPO = Path(__file__).resolve().parents[1]
PRINT_NOW = "from django.utils import timezone; print(timezone.now().isoformat())"


def test_the_suite_runs_at_the_pinned_instant():
    pinned = clock.pinned_instant()
    if pinned is None:
        pytest.skip("DUCHA_TEST_NOW=real: the suite runs on the wall clock")
    # The clock ticks from the pinned instant; a whole run takes minutes, never an hour.
    assert pinned <= timezone.now() < pinned + datetime.timedelta(hours=1)


def test_the_instant_is_read_as_beijing_time_unless_it_says_otherwise():
    assert clock.parse_instant("2027-01-04 09:30") == clock.moment(2027, 1, 4, 9, 30)
    assert clock.parse_instant("2026-12-31T23:30:00Z") == clock.moment(2027, 1, 1, 7, 30)


@pytest.mark.parametrize("when", [None, clock.moment(2027, 1, 1, 7, 30)], ids=["suite-clock", "travelled"])
def test_a_subprocess_sees_the_tests_instant(time_machine, when):
    if when is not None:
        time_machine.move_to(when)
    before = timezone.now()

    printed = subprocess.run(
        clock.ducha_command("shell", "-c", PRINT_NOW), cwd=REPO, capture_output=True, text=True, check=True
    ).stdout

    seen = datetime.datetime.fromisoformat(printed.split()[-1])
    assert before <= seen < before + datetime.timedelta(minutes=2)
