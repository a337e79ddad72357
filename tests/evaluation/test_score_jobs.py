"""The office's "compute now" of a period's scores as a background job (ducha.evaluation.score_jobs): started (or
joined) through the jobs core, a step per indicator then the run stored, the result the units scored; cancelled or
failed, a run never computed is FAILED with the reason and no score is stored; someone else neither sees the job
nor starts one."""

from __future__ import annotations

import pytest
import time_machine
from django.test import Client
from django.utils.translation import gettext

from ducha.common import error_codes as codes
from ducha.common.errors import NotFound, NotPermitted
from ducha.devtools.demo import DEMO_PASSWORD
from ducha.evaluation import score_jobs, scoring
from ducha.evaluation.indicators import INDICATORS
from ducha.evaluation.models import RunStatus, Score, ScoreRun
from ducha.evaluation.periods import Period
from ducha.jobs import registry
from ducha.jobs import services as jobs
from ducha.jobs.models import Job, JobStatus
from ducha.orgs.models import Role
from tests.clock import moment
from tests.jobs.recording import Recorder

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def keep_the_test_transaction(monkeypatch):
    """jobs.services.run begins with close_old_connections(), which inside a test's transaction (autocommit off)
    closes the PostgreSQL connection; a worker never runs inside one. (Reported for the core: skip it there when
    connection.in_atomic_block.)"""
    monkeypatch.setattr(jobs, "close_old_connections", lambda: None)


NOVEMBER = moment(2026, 11, 18, 10)
Q3 = Period(2026, 3)


@pytest.fixture
def government(world):
    return world.user("office").unit.government


def _request(world, government, username="office") -> tuple[ScoreRun, Job]:
    return scoring.run_request(actor=world.user(username), government_id=government.pk, period=Q3)


def test_compute_now_runs_as_a_job_with_a_step_per_indicator(world, government, client):
    assert client.login(username="office", password=DEMO_PASSWORD)
    with time_machine.travel(NOVEMBER, tick=False):
        response = client.post("/evaluation/scores/compute/", {"year": "2026", "quarter": "3"})
        job = Job.objects.get(kind=score_jobs.SCORES)
        assert response.status_code == 302 and response["Location"] == f"/jobs/{job.pk}/"
        assert job.params == {"government_id": government.pk, "year": 2026, "quarter": 3}
        run = ScoreRun.objects.get(government=government, year=2026, quarter=3)
        assert run.status == RunStatus.QUEUED
        # Asked again while it waits: the same job.
        client.post("/evaluation/scores/compute/", {"year": "2026", "quarter": "3"})
        assert Job.objects.filter(kind=score_jobs.SCORES).count() == 1

        recorder = Recorder()
        result = registry.get(score_jobs.SCORES).run(job, recorder)
    assert recorder.stages == [
        [gettext("Counting the indicators"), len(INDICATORS), len(INDICATORS)],
        [gettext("Storing the scores"), 1, 1],
    ]
    run.refresh_from_db()
    assert run.status == RunStatus.DONE
    assert result["run"] == run.pk and result["units"] == Score.objects.filter(run=run).count() > 0


def test_the_job_run_by_the_core_stores_the_run(world, government):
    with time_machine.travel(NOVEMBER, tick=False):
        run, job = _request(world, government)
        assert jobs.run(job.pk, heartbeat=False) == JobStatus.DONE
    job.refresh_from_db()
    run.refresh_from_db()
    assert (job.done, job.total) == (1, 1)  # the last stage: the run stored
    assert run.status == RunStatus.DONE and job.result["run"] == run.pk


def test_a_cancel_while_counting_stores_nothing_and_fails_the_waiting_run(
    world, government, django_capture_on_commit_callbacks
):
    with time_machine.travel(NOVEMBER, tick=False):
        run, job = _request(world, government)
        with pytest.raises(jobs.Cancelled):
            registry.get(score_jobs.SCORES).run(job, Recorder(cancel_after=2))
        assert not Score.objects.filter(run=run).exists()
        # Cancelled by the asker before a worker took it: the run waiting for it says so.
        with django_capture_on_commit_callbacks(execute=True):
            jobs.cancel(job_id=job.pk, user=world.user("office"))
        assert jobs.run(job.pk, heartbeat=False) == JobStatus.CANCELLED
    run.refresh_from_db()
    assert run.status == RunStatus.FAILED and run.error == str(codes.message_for(codes.JOB_CANCELLED))
    assert not Score.objects.filter(run=run).exists()
    # Asked again: queued again, a new job.
    with time_machine.travel(NOVEMBER, tick=False):
        again_run, again = _request(world, government)
    assert again.pk != job.pk and again_run.status == RunStatus.QUEUED


def test_an_asker_who_left_the_office_computes_nothing(world, government, django_capture_on_commit_callbacks):
    with time_machine.travel(NOVEMBER, tick=False):
        run, job = _request(world, government)
        world.user("office").role_grants.filter(role=Role.OFFICE).delete()
        with django_capture_on_commit_callbacks(execute=True):
            assert jobs.run(job.pk, heartbeat=False) == JobStatus.FAILED
    job.refresh_from_db()
    run.refresh_from_db()
    assert job.error_code == codes.ROLE_REQUIRED
    assert run.status == RunStatus.FAILED and not Score.objects.filter(run=run).exists()


def test_someone_else_neither_sees_the_job_nor_starts_one(world, government):
    with time_machine.travel(NOVEMBER, tick=False):
        _run, job = _request(world, government)
        with pytest.raises(NotFound):
            jobs.job_for_user(world.user("leader"), job.pk)
        with pytest.raises(NotPermitted):
            _request(world, government, "fgw_head")
        other = Client()
        assert other.login(username="fgw_head", password=DEMO_PASSWORD)
        assert other.post("/evaluation/scores/compute/", {"year": "2026", "quarter": "3"}).status_code == 403
        assert other.get(f"/jobs/{job.pk}/").status_code == 404
    assert Job.objects.filter(kind=score_jobs.SCORES).count() == 1
    assert Job.objects.get().status == JobStatus.QUEUED
