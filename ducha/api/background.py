"""A background job (ducha.jobs) in the shape the API answers it (schemas.BackgroundJobOut): the generic job
endpoints (api/jobs.py) and those that start one (the scores' computation, the day's notices)."""

from __future__ import annotations

from typing import Any

from ducha.jobs import services
from ducha.jobs.models import Job, JobStatus
from ducha.orgs.models import User


def background_job_out(job: Job, user: User | None = None) -> dict[str, Any]:
    """`user`: the caller, for the file's link (offered only when they may download it now)."""
    result = job.result if isinstance(job.result, dict) else {}
    downloadable = (
        user is not None and job.status == JobStatus.DONE and services.download_refusal(job, user) is None
    )
    return {
        "id": job.pk,
        "kind": job.kind,
        "status": job.status,
        "done": job.done,
        "total": job.total,
        "percent": job.percent,
        "seconds_left": services.seconds_left(job),
        "stage": job.stage,
        "cancel_requested": job.cancel_requested,
        "error_code": job.error_code,
        "error": job.error,
        "summary": str(result.get("summary", "")),
        "url": f"/api/v1/jobs/{job.pk}",
        "page_url": f"/jobs/{job.pk}/",
        "download_url": f"/api/v1/jobs/{job.pk}/file" if downloadable else None,
        "expires_at": job.expires_at if job.file else None,
    }
