"""The triggers' daily run, scheduled with the sweep (`ducha scheduler`), and its background task (Django's Tasks
API: thin — call the function).

Once a day, in the first round after 06:00 local time (Beijing by default), the triggers run for every government
with items of the current year — and in January of the previous year too, whose last quarter is scored then. The
run is remembered in the audit log (one system event per day, `triggers_run`), so a restarted scheduler does not
run it again that day; a run that failed leaves no event, and the next round tries again. The triggers themselves
are idempotent (a second run proposes nothing new), so a run twice in a day is harmless, only wasted.
"""

from __future__ import annotations

import datetime as dt
import logging
import time
from dataclasses import dataclass, field

from django.db.models import Count
from django.utils import timezone
from django_tasks import task

from ducha.accountability.models import Proposal, RecordedFact
from ducha.accountability.triggers import triggers_run
from ducha.audit.models import Event, EventType
from ducha.audit.services import event_record
from ducha.evaluation.periods import Period
from ducha.items.models import Item

logger = logging.getLogger("ducha.accountability")

# The first round at or after this local hour runs the day's triggers.
DAILY_HOUR = 6
# The audit event that remembers the day's run: subject (SUBJECT_TYPE, the day as YYYYMMDD), no actor.
EVENT_TYPE = EventType.TRIGGERS_RUN
SUBJECT_TYPE = "accountability_triggers"


@dataclass
class DailyRun:
    """What one daily run did: the day, the years run, and for each year the new proposals by government."""

    day: dt.date
    years: list[int]
    new: dict[int, dict[int, int]] = field(default_factory=dict)
    seconds: float = 0.0

    @property
    def total(self) -> int:
        return sum(sum(by_government.values()) for by_government in self.new.values())


def _day_key(day: dt.date) -> int:
    return day.year * 10000 + day.month * 100 + day.day


def daily_years(today: dt.date) -> list[int]:
    """The years the daily run covers: this one, and in January the previous one."""
    return [today.year - 1, today.year] if today.month == 1 else [today.year]


def governments_with_items(year: int) -> list[int]:
    """The governments with items of the year (due or assigned in it) or facts recorded in it, by id."""
    start, end = dt.date(year, 1, 1), dt.date(year + 1, 1, 1)
    period = Period(year)
    due = Item.objects.filter(due_date__gte=start, due_date__lt=end).values_list("government_id", flat=True)
    assigned = Item.objects.filter(assigned_at__gte=period.start, assigned_at__lt=period.end).values_list(
        "government_id", flat=True
    )
    facts = RecordedFact.objects.filter(occurred_on__gte=start, occurred_on__lt=end).values_list(
        "government_id", flat=True
    )
    found: set[int] = set()
    for rows in (due, assigned, facts):
        found.update(rows.order_by().distinct())
    return sorted(found)


def proposals_by_government(government_ids: list[int], year: int) -> dict[int, int]:
    """How many proposals of the year each government has (one grouped query)."""
    rows = (
        Proposal.objects.filter(government_id__in=government_ids, year=year)
        .values("government_id")
        .annotate(n=Count("id"))
        .order_by()
    )
    counts = {gid: 0 for gid in government_ids}
    counts.update({row["government_id"]: row["n"] for row in rows})
    return counts


def triggers_with_counts(
    government_ids: list[int], year: int, *, today: dt.date | None = None
) -> dict[int, int]:
    """triggers_run over these governments at once (set-based), and how many proposals are new for each."""
    before = proposals_by_government(government_ids, year)
    triggers_run(government_ids, year, today=today)
    after = proposals_by_government(government_ids, year)
    return {gid: after[gid] - before[gid] for gid in government_ids}


def daily_done(day: dt.date) -> bool:
    """Whether the day's run is recorded already."""
    return Event.objects.filter(
        subject_type=SUBJECT_TYPE, subject_id=_day_key(day), event_type=EVENT_TYPE
    ).exists()


def daily_due(now: dt.datetime | None = None) -> bool:
    """Whether the day's run is due: 06:00 has passed and no run is recorded for today."""
    local = timezone.localtime(now or timezone.now())
    return local.hour >= DAILY_HOUR and not daily_done(local.date())


def triggers_daily(*, now: dt.datetime | None = None) -> DailyRun | None:
    """The day's run when it is due (else None): the triggers of every government with items of the year(s),
    then the audit event that remembers it."""
    now = now or timezone.now()
    if not daily_due(now):
        return None
    today = timezone.localdate(now)
    run = DailyRun(day=today, years=daily_years(today))
    started = time.monotonic()
    for year in run.years:
        governments = governments_with_items(year)
        run.new[year] = triggers_with_counts(governments, year, today=today) if governments else {}
    run.seconds = time.monotonic() - started
    event_record(
        event_type=EVENT_TYPE,
        subject_type=SUBJECT_TYPE,
        subject_id=_day_key(today),
        actor=None,
        new={
            "years": run.years,
            "governments": {str(year): len(by_government) for year, by_government in run.new.items()},
            "new": run.total,
            "seconds": round(run.seconds, 1),
        },
    )
    logger.info(
        "accountability triggers of %s: %d new proposals, %d governments, %.1f s",
        ", ".join(map(str, run.years)),
        run.total,
        sum(len(by_government) for by_government in run.new.values()),
        run.seconds,
    )
    return run


@task()
def triggers_daily_task() -> dict:
    """The day's run of the triggers, if due (triggers_daily)."""
    run = triggers_daily()
    if run is None:
        return {"ran": False}
    return {
        "ran": True,
        "day": run.day.isoformat(),
        "years": run.years,
        "new": run.total,
        "seconds": run.seconds,
    }
