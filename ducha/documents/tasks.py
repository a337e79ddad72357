"""Background tasks (Django's Tasks API): thin — load by id, call the service."""

from __future__ import annotations

from django_tasks import task

from ducha.documents import batch


@task()
def notices_batch(batch_id: int) -> dict:
    """Issue and merge the day's 督办通知单 (documents/batch.py). Batches now run as background jobs (ducha.jobs,
    kind "notices_batch"); this task stays for the ones queued before, until the queue has none left."""
    result = batch.batch_run(batch_id)
    return {"batch": result.pk, "status": result.status, "done": result.done, "skipped": len(result.skipped)}
