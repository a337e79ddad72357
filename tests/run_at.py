"""Run a Python module or script with the clock started at an instant and ticking from there:

    python tests/run_at.py 2026-11-18T02:00:00+00:00 -m ducha sweep --at 2026-11-18T10:00
    python tests/run_at.py 2026-11-18T02:00:00+00:00 tests/reminders/crash_world.py …

The suite's subprocesses use it (through `tests.clock.python_command`) so they see the instant the test sees."""

from __future__ import annotations

import datetime
import runpy
import sys

import time_machine


def main() -> None:
    instant = datetime.datetime.fromisoformat(sys.argv[1])
    target, rest = sys.argv[2], sys.argv[3:]
    time_machine.travel(instant, tick=True).start()
    if target == "-m":
        module, *arguments = rest
        sys.argv = [module, *arguments]
        runpy.run_module(module, run_name="__main__", alter_sys=True)
    else:
        sys.argv = [target, *rest]
        runpy.run_path(target, run_name="__main__")


if __name__ == "__main__":
    main()
