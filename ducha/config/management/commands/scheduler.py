"""`ducha scheduler`: run the sweep every DUCHA_SWEEP_INTERVAL_SECONDS (default 300), recount the dashboard's
summary every DUCHA_DASHBOARD_ROLLUP_INTERVAL_SECONDS (default 900) and run the accountability triggers once a day
(the first round after 06:00, remembered in the database so that a restart does not run them again:
ducha.accountability.tasks.triggers_daily) and the clue analytics once a day after 06:00 too (early warnings and
the weekly brief: ducha.clues.tasks.analytics_daily, idempotent), and every round fails the background jobs whose
worker died and deletes the job files kept past their time (ducha.jobs.services.reap and purge; also `ducha jobs
reap|purge`) until stopped — the embedded setup's clock. Production may use cron or
a systemd timer running `ducha sweep`, `ducha dashboard_rollup` and `ducha triggers --year YYYY --all` instead;
all are safe together, because the sweep and the triggers are idempotent, overlapping sweeps queue, and a recount
replaces a year whole.

One scheduler sweeps at a time (ducha.ops.locks): of the schedulers sharing a database, the one that holds the
scheduler lock (a PostgreSQL advisory lock on a connection of its own; a file lock beside an SQLite database) runs
the rounds, and the others wait in standby, trying again every --retry seconds (3), so one of them takes over within
seconds when the active one dies, is killed or loses its connection. `--once` with the lock held elsewhere sweeps
nothing and exits with status 1, saying so. Each sweep's duration and counts go to the metrics
(ducha.ops.metrics.record_sweep)."""

from __future__ import annotations

import datetime
import logging
import os
import signal
import threading
import time
from collections.abc import Callable
from typing import TypeVar

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import close_old_connections
from django.utils import timezone
from django.utils.translation import gettext as _

from ducha.accountability.tasks import DAILY_HOUR, triggers_daily
from ducha.audit.chain import chain_anchor, chain_seal
from ducha.clues.tasks import analytics_daily
from ducha.common.database import require_database_ready
from ducha.common.partitions import ensure_all
from ducha.jobs.services import purge as jobs_purge
from ducha.jobs.services import reap as jobs_reap
from ducha.ops import metrics
from ducha.ops.locks import SchedulerLock, scheduler_lock
from ducha.reminders.services import SweepResult, sweep
from ducha.workbench.dashboard import dashboard_rollup_refresh

logger = logging.getLogger("ducha.scheduler")
T = TypeVar("T")


class Command(BaseCommand):
    help = "Run the reminder sweep periodically (the embedded scheduler)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--interval", type=int, default=None, help="seconds between sweeps")
        parser.add_argument("--once", action="store_true", help="run one sweep and stop")
        parser.add_argument(
            "--retry",
            type=float,
            default=3.0,
            help="seconds between attempts at the scheduler lock while another scheduler holds it (standby)",
        )

    def handle(self, *args: object, **options: object) -> None:
        interval = int(options["interval"] or settings.DUCHA_SWEEP_INTERVAL_SECONDS)  # type: ignore[call-overload]
        # Each round forgives a failed sweep; a database that was never migrated would fail every round.
        require_database_ready()
        stop = threading.Event()

        def request_stop(signum: int, frame: object) -> None:
            stop.set()

        signal.signal(signal.SIGTERM, request_stop)
        signal.signal(signal.SIGINT, request_stop)
        self.stdout.write(f"scheduler: a sweep every {interval} s")
        retry = float(options["retry"])  # type: ignore[arg-type]
        lock = scheduler_lock()
        try:
            self._run(lock, interval=interval, stop=stop, once=bool(options["once"]), retry=retry)
        finally:
            lock.release()
        self.stdout.write("scheduler: stopped")

    def _standby(self, lock: SchedulerLock, *, once: bool, retry: float, announced: bool) -> None:
        """This process does not hold the lock: say so once (until it holds it again); `--once` stops here."""
        if once:
            holder = lock.holder()
            raise CommandError(
                _("Another scheduler holds the scheduler lock (%(holder)s): nothing was swept.")
                % {"holder": holder or lock.description}
            )
        if not announced:
            logger.info(
                "scheduler: standby, %s is held by %s; trying again every %s s",
                lock.description,
                lock.holder() or "another scheduler",
                f"{retry:g}",
            )

    def _run(
        self, lock: SchedulerLock, *, interval: int, stop: threading.Event, once: bool, retry: float
    ) -> None:
        rollup_every = settings.DUCHA_DASHBOARD_ROLLUP_INTERVAL_SECONDS
        rollup_due = time.monotonic()  # the first round recounts the dashboard too
        # The day whose triggers this process has seen run (or found run by an earlier process).
        triggers_day: datetime.date | None = None
        # The day whose clue analytics this process has run (idempotent: a restart runs them again, harmlessly).
        clues_day: datetime.date | None = None
        # The day this process anchored the audit chain's head of the day before (idempotent in the database).
        anchor_day: datetime.date | None = None
        active = False
        announced = False  # the standby message, logged once per stay in standby
        while not stop.is_set():
            # Checked at the start of every round: a lock whose connection has gone is no longer this process's,
            # and another scheduler may already have taken it.
            if active and not lock.is_held():
                logger.warning("scheduler: lost %s; no more sweeps until it is taken again", lock.description)
                active = announced = False
            if not active:
                active = lock.acquire()
                if not active:
                    self._standby(lock, once=once, retry=retry, announced=announced)
                    announced = True
                    _pause(stop, retry)
                    continue
                logger.info("scheduler: active, holding %s (process %d)", lock.description, os.getpid())
                announced = False
                rollup_due = time.monotonic()  # a scheduler taking over recounts at once, as at start-up
            started = time.monotonic()
            close_old_connections()
            if anchor_day != timezone.localdate():
                # First thing after midnight: seal, then anchor the head of the day that ended (ducha.audit.chain).
                if _step("audit chain anchor", chain_anchor):  # the next round tries again
                    anchor_day = timezone.localdate()
                # Next year's partitions made ahead of time (PostgreSQL; nothing on SQLite); the default partitions
                # take the rows meanwhile.
                _step("partitions ensure", ensure_all)
            sweep_started = time.monotonic()
            # One failed sweep must not stop the clock; the next one catches up.
            swept = _step("sweep", sweep)
            result: SweepResult | None = swept if isinstance(swept, SweepResult) else None
            if result is not None and (result.reminders or result.dispatched or result.dead_lettered):
                logger.info(
                    "sweep: %d reminders, %d messages, %d queued, %d dead-lettered",
                    result.reminders,
                    result.messages,
                    result.dispatched,
                    result.dead_lettered,
                )
            _record_sweep(time.monotonic() - sweep_started, result)
            if rollup_every > 0 and time.monotonic() >= rollup_due:
                rollup_due = time.monotonic() + rollup_every
                counted = _step(
                    "dashboard summary", dashboard_rollup_refresh
                )  # the last figures stay meanwhile
                if counted:
                    logger.info("dashboard summary recounted: %s", counted)
            today = timezone.localtime()
            daily = today.hour >= DAILY_HOUR
            # The triggers log what they did (nothing when an earlier process ran today's); the clue analytics
            # make the warnings and last week's brief of every government with clues.
            if daily and triggers_day != today.date() and _step("accountability triggers", triggers_daily):
                triggers_day = today.date()
            if daily and clues_day != today.date() and _step("clue analytics", analytics_daily):
                clues_day = today.date()
            _step("audit chain seal", chain_seal)  # the round's events, chained (ducha.audit.chain)
            # Background jobs: fail those whose worker died, delete the files kept past their time.
            reaped, purged = _step("jobs reap", jobs_reap) or 0, _step("jobs purge", jobs_purge) or 0
            if reaped or purged:
                logger.info("jobs: %d failed as lost, %d files deleted", reaped, purged)
            if once:
                break
            _pause(stop, max(0.0, interval - (time.monotonic() - started)))


_DONE = object()  # what _step gives for a step that returned None


def _step(name: str, work: Callable[[], T]) -> T | object | None:
    """Run one step of the round: its result (`_DONE` for a step that returns nothing), or None when it failed —
    logged, and the round goes on (the next round tries again). The database connections are closed after it,
    whatever happened, so a step never leaves the next one a broken connection."""
    try:
        result = work()
        return _DONE if result is None else result
    except Exception:
        logger.exception("%s failed", name)
        return None
    finally:
        close_old_connections()


def _pause(stop: threading.Event, seconds: float) -> None:
    """Wait until the next round or attempt, or until asked to stop."""
    stop.wait(seconds)


def _record_sweep(seconds: float, result: SweepResult | None) -> None:
    """The round's sweep in the metrics (None: it failed). The metrics never stop the clock."""
    try:
        if result is None:
            metrics.record_sweep(seconds=seconds, ok=False)
        else:
            metrics.record_sweep(
                seconds=seconds,
                ok=True,
                reminders=result.reminders,
                messages=result.messages,
                dispatched=result.dispatched,
                dead_lettered=result.dead_lettered,
            )
    except Exception:
        logger.exception("sweep metrics failed")
