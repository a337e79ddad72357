"""The jobs core (ducha/jobs/services.py) with a kind registered by the test: start and join, progress, the file
kept only on success, cancel, a lost worker, retry, the download checked at download time, the purge."""

from __future__ import annotations

import datetime

import pytest
import time_machine
from django.utils import timezone

from ducha.common import error_codes as codes
from ducha.common.errors import InvalidState, NotFound
from ducha.jobs import registry, services
from ducha.jobs.models import Job, JobStatus


def _count(job, progress):
    progress.begin(job.params["rows"], "写出")
    out = progress.output("台账.csv", "text/csv")
    for n in range(job.params["rows"]):
        out.write(f"{n}\n".encode())
        progress.advance()
        if job.params.get("fail_at") == n:
            raise RuntimeError("boom")
    return {"rows": job.params["rows"]}


@pytest.fixture(autouse=True)
def _kind():
    registry.register(registry.JobKind(name="test_count", label="计数", run=_count))
    yield


def test_a_job_is_joined_while_it_runs_and_its_file_is_kept_only_when_done(world):
    job, joined = services.start(kind="test_count", owner=world.user("office"), params={"rows": 3})
    again, joined_again = services.start(kind="test_count", owner=world.user("office"), params={"rows": 3})
    other, _ = services.start(kind="test_count", owner=world.user("office"), params={"rows": 4})
    assert (joined, joined_again, again.pk) == (False, True, job.pk)
    assert other.pk != job.pk
    assert services.run(job.pk, heartbeat=False) == JobStatus.DONE
    job.refresh_from_db()
    assert (job.done, job.total, job.result, job.filename) == (3, 3, {"rows": 3}, "台账.csv")
    handle, _name, _content_type = services.open_download(job_id=job.pk, user=world.user("office"))
    with handle:
        assert handle.read() == b"0\n1\n2\n"
    # Ended: asking again starts a new job.
    fresh, joined = services.start(kind="test_count", owner=world.user("office"), params={"rows": 3})
    assert not joined and fresh.pk != job.pk


def test_a_failed_job_keeps_no_file_and_can_be_retried(world):
    job, _ = services.start(kind="test_count", owner=world.user("office"), params={"rows": 5, "fail_at": 2})
    assert services.run(job.pk, heartbeat=False) == JobStatus.FAILED
    job.refresh_from_db()
    assert (job.error_code, job.file.name) == (codes.JOB_FAILED, "")
    with pytest.raises(InvalidState) as refused:
        services.open_download(job_id=job.pk, user=world.user("office"))
    assert refused.value.code == codes.JOB_NOT_READY
    again, joined = services.retry(job_id=job.pk, user=world.user("office"))
    assert not joined and again.retry_of_id == job.pk and again.attempt == 2


def test_another_user_cannot_read_or_cancel_the_job(world):
    job, _ = services.start(kind="test_count", owner=world.user("office"), params={"rows": 1})
    with pytest.raises(NotFound):
        services.job_for_user(world.user("leader"), job.pk)
    with pytest.raises(NotFound):
        services.cancel(job_id=job.pk, user=world.user("leader"))
    assert Job.objects.get(pk=job.pk).status == JobStatus.QUEUED


def test_a_queued_job_cancelled_never_runs(world):
    job, _ = services.start(kind="test_count", owner=world.user("office"), params={"rows": 1})
    services.cancel(job_id=job.pk, user=world.user("office"))
    assert services.run(job.pk, heartbeat=False) == JobStatus.CANCELLED
    with pytest.raises(InvalidState) as refused:
        services.cancel(job_id=job.pk, user=world.user("office"))
    assert refused.value.code == codes.JOB_NOT_CANCELLABLE


def test_a_running_job_without_heartbeat_is_failed_as_lost(world):
    job, _ = services.start(kind="test_count", owner=world.user("office"), params={"rows": 1})
    start = timezone.now()
    Job.objects.filter(pk=job.pk).update(status=JobStatus.RUNNING, started_at=start, heartbeat_at=start)
    assert services.reap(start + datetime.timedelta(seconds=services.DEAD_AFTER_SECONDS - 1)) == 0
    assert services.reap(start + datetime.timedelta(seconds=services.DEAD_AFTER_SECONDS + 1)) == 1
    job.refresh_from_db()
    assert (job.status, job.error_code) == (JobStatus.FAILED, codes.JOB_WORKER_LOST)


def test_an_expired_file_is_deleted_and_refused(world):
    job, _ = services.start(kind="test_count", owner=world.user("office"), params={"rows": 2})
    services.run(job.pk, heartbeat=False)
    job.refresh_from_db()
    name = job.file.name
    assert job.file.storage.exists(name)
    assert services.purge(job.expires_at - datetime.timedelta(seconds=1)) == 0
    with time_machine.travel(job.expires_at + datetime.timedelta(seconds=1), tick=False):
        assert services.purge() == 1
        with pytest.raises(InvalidState) as refused:
            services.open_download(job_id=job.pk, user=world.user("office"))
    assert refused.value.code == codes.JOB_EXPIRED
    assert not job.file.storage.exists(name)


def test_a_step_without_a_count_is_shown_with_its_seconds_by_the_heartbeat(world):
    job, _ = services.start(kind="test_count", owner=world.user("office"), params={"rows": 1})
    Job.objects.filter(pk=job.pk).update(status=JobStatus.RUNNING)
    ticks = iter([100.0, 100.0, 103.4])
    progress = services.Progress(job, clock=lambda: next(ticks))
    beat = services._Heartbeat(job.pk, progress)
    # Counting: a heartbeat every HEARTBEAT_SECONDS; waiting: every PULSE_SECONDS (the thread wakes that often).
    assert not beat._due(100.0, 100.0 + services.PULSE_SECONDS)
    assert beat._due(100.0, 100.0 + services.HEARTBEAT_SECONDS)
    with progress.waiting("正在打包文件"):
        assert progress.stage == "正在打包文件"
        assert progress.waiting_since == 103.4  # the clock read as the step began
        assert beat._due(100.0, 100.0 + services.PULSE_SECONDS) and services.PULSE_SECONDS <= 2
    assert progress.waiting_since is None and not beat._due(100.0, 100.0 + services.PULSE_SECONDS)
