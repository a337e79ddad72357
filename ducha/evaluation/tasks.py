"""Background tasks (Django's Tasks API): thin — call the service."""

from __future__ import annotations

from django_tasks import task


@task()
def scores_compute_task(government_ids: list[int], year: int, quarter: int) -> dict:
    """Compute and store the period's scores of these governments (scoring.scores_compute)."""
    from ducha.evaluation import scoring
    from ducha.evaluation.periods import Period

    runs = scoring.scores_compute(government_ids, Period(year, quarter))
    return {"runs": [run.pk for run in runs]}
