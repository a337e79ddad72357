"""The clue analytics' daily run, scheduled with the sweep (`ducha scheduler`), and its background tasks (Django's
Tasks API: thin — call the function).

Once a day, in the scheduler's first round after 06:00 local time, every government with clues in the last nine
weeks gets its early warnings of last week and of this week so far, and last week's brief drafted (or refreshed
while a draft) — ducha.clues.analytics.analytics_run. Everything it writes is idempotent (a warning per government,
kind, topic, township and week; a brief per government and week), so a second run in a day — a restarted
scheduler, `ducha clues analyze` by hand — only refreshes the counts. The scheduler remembers the day it ran in its
own process.
"""

from __future__ import annotations

import datetime as dt
import logging
import time

from django.utils import timezone
from django_tasks import task

from ducha.clues import analytics
from ducha.clues.services import reporter_notices_send
from ducha.orgs.models import Unit

logger = logging.getLogger("ducha.clues")

# The first round at or after this local hour runs the day's analytics.
DAILY_HOUR = 6


def analytics_for(government_ids: list[int], *, now: dt.datetime | None = None) -> dict[int, int]:
    """The analytics of these governments; how many warnings each has for the two weeks."""
    out: dict[int, int] = {}
    for government in Unit.objects.filter(pk__in=government_ids).order_by("pk"):
        out[government.pk] = analytics.analytics_run(government, now=now).warnings
    return out


def analytics_daily(*, now: dt.datetime | None = None) -> dict[int, int] | None:
    """The day's run (None before 06:00): every government with recent clues."""
    now = now or timezone.now()
    if timezone.localtime(now).hour < DAILY_HOUR:
        return None
    started = time.monotonic()
    governments = analytics.governments_with_clues(now)
    done = analytics_for(governments, now=now)
    logger.info(
        "clue analytics: %d governments, %d warnings, %.1f s",
        len(done),
        sum(done.values()),
        time.monotonic() - started,
    )
    return done


@task()
def clues_analytics(government_id: int) -> dict:
    """One government's analytics now (warnings of last week and this week, last week's brief)."""
    government = Unit.objects.get(pk=government_id)
    run = analytics.analytics_run(government)
    return {"government": run.government_id, "warnings": run.warnings, "brief": run.brief_id}


@task()
def clues_analytics_daily() -> dict:
    """The day's run of the analytics, if due (analytics_daily)."""
    done = analytics_daily()
    if done is None:
        return {"ran": False}
    return {"ran": True, "governments": len(done), "warnings": sum(done.values())}


@task()
def reporter_notices() -> dict:
    """The text messages telling reporters their answer is published (services.reporter_notices_send)."""
    return {"sent": reporter_notices_send()}
