"""Background tasks (Django's Tasks API): thin — the job's id in, its service runs it."""

from __future__ import annotations

from django_tasks import task

from ducha.jobs import services


@task()
def run_job(job_id: int) -> dict:
    """Run a background job (ducha.jobs.services.run)."""
    return {"job": job_id, "status": services.run(job_id)}
