"""The periodic sweep: one transaction writes every due reminder, its messages and deliveries."""

from __future__ import annotations

import datetime as dt
import time

from django.db import connection, transaction
from django.utils import timezone

from ducha.reminders import timing
from ducha.reminders.models import (
    ReminderKind,
    ReminderRun,
)
from ducha.reminders.services.base import SWEEP_LOCK_KEY, SweepResult, _test_pause
from ducha.reminders.services.deliveries import deliveries_dispatch
from ducha.reminders.services.messages import _run_finish
from ducha.reminders.services.rules import _Context, _sweep_kind

# --- the sweep ----------------------------------------------------------------------------------------------------


def _sweep_lock() -> None:
    """Overlapping sweeps queue here (PostgreSQL; SQLite's IMMEDIATE transactions already serialise writers).
    The sweep's statements are many short index-range joins: PostgreSQL's JIT compiler would spend more time
    compiling each of them than running it, so it is off for this transaction."""
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_xact_lock(%s)", [SWEEP_LOCK_KEY])
            cursor.execute("SET LOCAL jit = off")
            cursor.execute("SET LOCAL random_page_cost = 1.1")


def sweep(*, at: dt.datetime | None = None) -> SweepResult:
    """Send every reminder due as of `at` (default now) that has not gone out yet, and dispatch deliveries that
    are due (retries, and any a crash left unsent). Safe to run at any time, repeatedly, concurrently, and to kill:
    see the module's docstring. Outside the sending window it only dispatches.
    Audit: the reminders are the record (an item's and an inspection's timeline list them)."""
    started = time.monotonic()
    at = at or timezone.now()
    result = SweepResult(at=at, in_window=timing.in_send_window(at))
    result.dead_lettered, result.dispatched = deliveries_dispatch(at=at)
    if result.in_window:
        today = timing.local(at).date()
        first, last = timing.trigger_window(today)
        with transaction.atomic():
            _sweep_lock()
            run = ReminderRun.objects.create(
                source=ReminderRun.Source.SWEEP, at=at, started_at=timezone.now(), in_window=True
            )
            ctx = _Context(run=run, today=today, first=first, last=last)
            result.run_id = run.pk
            for kind in ReminderKind.swept():
                result.inserted[kind] = _sweep_kind(kind, ctx)
            _test_pause("after_insert")
            summary = _run_finish(run, counts={"inserted": result.inserted})
            result.messages, result.deliveries = summary.messages, len(summary.deliveries)
    result.seconds = time.monotonic() - started
    return result
