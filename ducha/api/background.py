"""A background job (ducha.jobs) in the shape the API answers it (schemas.BackgroundJobOut), for the endpoints that
start one: the scores' computation, the day's notices."""

from __future__ import annotations

from typing import Any

from ducha.jobs import services
from ducha.jobs.models import Job


def background_job_out(job: Job) -> dict[str, Any]:
    result = job.result if isinstance(job.result, dict) else {}
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
        "page_url": f"/jobs/{job.pk}/",
    }
