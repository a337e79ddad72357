"""The soak's steady task producer (deploy/scaleout/soak.sh): every INTERVAL seconds queue the reminder sweep as a
task (ducha.reminders.tasks.sweep, what a deployment that triggers the sweep through the queue does) and write its
id to OUT, so that the report can account for every task queued. The sweep is idempotent and overlapping sweeps
queue on an advisory lock, so the two workers and the scheduler may all sweep at once: exactly what the run checks
(nothing written or sent twice).

    DJANGO_SETTINGS_MODULE=… .venv/bin/python deploy/scaleout/produce.py OUT [INTERVAL]
"""

from __future__ import annotations

import signal
import sys
import time
from pathlib import Path
from typing import Any

import django

running = True


def _stop(_signum: int, _frame: Any) -> None:
    global running
    running = False


def main() -> None:
    out = Path(sys.argv[1])
    interval = float(sys.argv[2]) if len(sys.argv) > 2 else 5.0
    django.setup()
    from ducha.reminders.tasks import sweep

    signal.signal(signal.SIGTERM, _stop)
    signal.signal(signal.SIGINT, _stop)
    with out.open("a") as handle:
        while running:
            try:
                result = sweep.enqueue()
            except Exception as error:  # Redis away for a moment: say so, go on
                print(f"producer: not queued: {error}", flush=True)
            else:
                handle.write(f"{result.id}\n")
                handle.flush()
            deadline = time.monotonic() + interval
            while running and time.monotonic() < deadline:
                time.sleep(0.2)


if __name__ == "__main__":
    main()
