"""The dashboard's summary (DashboardRollup) counted outside any request (issue 19): on deploy, and as a background
job the office asks for from the dashboard.

- On deploy: `build_on_migrate` listens to Django's post_migrate (connected by WorkbenchConfig.ready): after
  `migrate` (run by `make run`, `make prod`'s deploy/prepare.py and every deployment), a database with units but no
  summary of the current year gets it counted then and there — a fresh deployment's first dashboard never waits
  for the scheduler. A database that already holds it is left to the scheduler (`ducha scheduler` recounts every
  DUCHA_DASHBOARD_ROLLUP_INTERVAL_SECONDS, and at its start).
- The job kind "dashboard_rebuild" (ducha.jobs): the years a refresh would recount (the current year and those not
  counted today), one at a time, with its progress. One recount at a time, whoever asked: an ask while one is
  queued or running is sent to that one, and whoever may ask may watch it (the figures are everyone's; the job
  keeps no file).
"""

from __future__ import annotations

import datetime
import logging
from typing import Any

from django.db import DEFAULT_DB_ALIAS, connections
from django.utils import timezone
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from ducha.common import error_codes as codes
from ducha.common.errors import NotPermitted
from ducha.jobs import registry
from ducha.jobs import services as jobs
from ducha.jobs.models import Job, JobStatus
from ducha.orgs.models import Role, Unit, User
from ducha.workbench.dashboard import dashboard_rollup_rebuild, rollup_years, rollup_years_due
from ducha.workbench.models import DashboardRollup

logger = logging.getLogger("ducha.workbench")

DASHBOARD_REBUILD = "dashboard_rebuild"


def may_ask_for_rebuild(user: User) -> bool:
    """The supervision office (of any government) and the administrator."""
    return bool(user.is_active and (user.is_superuser or user.has_role(Role.OFFICE)))


def _may_read(job: Job, user: User) -> bool:
    return job.owner_id == user.pk or may_ask_for_rebuild(user)  # type: ignore[attr-defined]


def _run(job: Job, progress: jobs.Progress) -> dict[str, Any]:
    today = timezone.localdate()
    years = rollup_years_due(today)
    progress.begin(len(years), stage=gettext("Counting the dashboard's figures"))
    rows = 0
    for year in years:
        rows += dashboard_rollup_rebuild(years=[year]).rows
        progress.advance()
    return {
        "years": years,
        "rows": rows,
        "summary": gettext("The dashboard's figures of %(years)s were counted again (%(rows)d rows).")
        % {"years": ", ".join(map(str, years)), "rows": rows},
    }


def register() -> None:
    registry.register(
        registry.JobKind(
            name=DASHBOARD_REBUILD,
            label=_("Dashboard figures recount"),
            run=_run,
            may_read=_may_read,
        )
    )


def dashboard_rebuild_start(*, actor: User, now: datetime.datetime | None = None) -> tuple[Job, bool]:
    """Ask for the dashboard's summary to be counted again, in the background. Returns the job and whether an
    earlier ask (anyone's) already queued or running was joined instead. Refused (ROLE_REQUIRED) unless the actor is
    the office or the administrator. Writes nothing but the job."""
    if not may_ask_for_rebuild(actor):
        raise NotPermitted(codes.ROLE_REQUIRED)
    running = Job.objects.filter(kind=DASHBOARD_REBUILD, status__in=JobStatus.active()).order_by("id").first()
    if running is not None:
        return running, True
    return jobs.start(
        kind=DASHBOARD_REBUILD, owner=actor, params={}, title=str(_("Dashboard figures recount")), now=now
    )


def build_on_migrate(*, using: str = DEFAULT_DB_ALIAS, **kwargs: Any) -> None:
    """post_migrate: count the summary when the database has units but no summary of the current year."""
    if using != DEFAULT_DB_ALIAS:
        return
    tables = connections[using].introspection.table_names()
    if DashboardRollup._meta.db_table not in tables or Unit._meta.db_table not in tables:
        return  # migrated only part of the way
    today = timezone.localdate()
    if not Unit.objects.exists() or DashboardRollup.objects.filter(year=today.year).exists():
        return
    result = dashboard_rollup_rebuild(years=rollup_years(today))
    logger.info("dashboard summary counted on migrate: %s rows in %.1f s", result.rows, result.seconds)
