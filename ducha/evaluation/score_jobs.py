"""A period's scores asked for by the office (or a leader), computed as a background job (ducha.jobs) of the asker:
kind "evaluation_scores", params {government_id, year, quarter}. The job reports a step per indicator counted and
then the run stored (scoring.scores_compute with the job's progress); its page shows how far, it can be cancelled
(before the run is stored: the run stays as it was) and run again, and the inbox tells the asker when it is done.

The run (ScoreRun) stays the record the pages and the API read: the job is its computation. A job that ends
without finishing — failed, cancelled (queued or running), its worker lost — leaves a run that was never computed
FAILED with the job's reason (`_settle`, on the jobs' "job.finished" event); one computed before keeps its figures
and its DONE. The province-wide computation of the `scores` command still goes through tasks.py, with no asker.
"""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from ducha.common import error_codes as codes
from ducha.common import events
from ducha.common.errors import NotPermitted
from ducha.evaluation import scoring
from ducha.evaluation.models import RunStatus, ScoreRun
from ducha.evaluation.periods import Period
from ducha.evaluation.selectors import is_manager
from ducha.jobs import registry, services
from ducha.jobs.models import Job, JobStatus
from ducha.orgs.models import User

SCORES = "evaluation_scores"


def scores_job_start(*, actor: User, government_id: int, period: Period) -> Job:
    """Queue the computation of the period's scores (the caller, scoring.run_request, has checked the asker), or
    the one already queued or running for the same government and period."""
    job, _joined = services.start(
        kind=SCORES,
        owner=actor,
        params={"government_id": government_id, "year": period.year, "quarter": period.quarter},
        title=_("Scores of %(period)s") % {"period": period.label},
    )
    return job


def _run(job: Job, progress: services.Progress) -> dict[str, Any]:
    government_id = int(job.params["government_id"])
    period = Period(int(job.params["year"]), int(job.params["quarter"]))
    if not is_manager(job.owner, government_id):  # asked by someone who has since left the office
        raise NotPermitted(codes.ROLE_REQUIRED)
    (run,) = scoring.scores_compute([government_id], period, steps=progress)
    units = run.scores.count()
    return {
        "summary": _("The scores of %(period)s were computed for %(count)d units.")
        % {"period": period.label, "count": units},
        "run": run.pk,
        "units": units,
    }


def _settle(*, job_id: int, owner_id: int, kind: str, status: str) -> None:
    """A scores job ended ("job.finished"): unless done, its run still waiting is FAILED with the job's reason."""
    if kind != SCORES or status == JobStatus.DONE:
        return
    job = Job.objects.filter(pk=job_id).only("params", "error").first()
    if job is None:
        return
    ScoreRun.objects.filter(
        government_id=job.params.get("government_id"),
        year=job.params.get("year"),
        quarter=job.params.get("quarter"),
        status=RunStatus.QUEUED,
    ).update(status=RunStatus.FAILED, error=job.error or str(codes.message_for(codes.JOB_FAILED)))


def register() -> None:
    registry.register(registry.JobKind(name=SCORES, label=gettext_lazy("Evaluation scores"), run=_run))
    events.listen(services.JOB_FINISHED, _settle)
