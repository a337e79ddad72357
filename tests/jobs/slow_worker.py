"""`ducha db_worker`, its ledger exports slowed down so that a test can kill it in the middle of one: progress is
reported every 10 rows and each report waits 50 ms (the export itself is the real one, the process a real worker).
Run as: python slow_worker.py [db_worker options] (through tests.clock.python_command)."""

from __future__ import annotations

import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))


def main(argv: list[str]) -> None:
    import django

    django.setup()
    from django.core.management import call_command

    from ducha.jobs import services
    from ducha.workbench.excel import export

    export.PROGRESS_ROWS = 10
    services.PROGRESS_SECONDS = 0.2
    advance = services.Progress.advance

    def slowly(progress: services.Progress, count: int = 1) -> None:
        time.sleep(0.05)
        advance(progress, count)

    services.Progress.advance = slowly  # type: ignore[method-assign]
    call_command("db_worker", *argv)


if __name__ == "__main__":
    main(sys.argv[1:])
