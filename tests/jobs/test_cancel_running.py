"""A running job cancelled from its page while a worker thread runs it (committed transactions, the worker on its
own connection, its heartbeat thread on another): the worker sees the cancel at its next report and ends the job
CANCELLED with no file. PostgreSQL only: SQLite's in-memory test database serialises the threads' connections by
table locks that fail at once ("database table is locked"); on SQLite the cancel of a running export is followed
in one process (test_ledger_export.py) and a real worker process in test_worker_killed.py."""

from __future__ import annotations

import threading
import time

import pytest
from django.db import connection

from ducha.common import error_codes as codes
from ducha.devtools.demo import DEMO_PASSWORD
from ducha.jobs import registry, services
from ducha.jobs.models import Job, JobStatus


def _until_cancelled(job, progress):
    """Writes a file row by row until its owner cancels (or 20 s pass: then it ends, and the test fails)."""
    progress.begin(None, "等待")
    out = progress.output("长任务.csv", "text/csv")
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline:
        out.write(b"row\n")
        progress.advance()
        time.sleep(0.02)
    return {"timed_out": True}


@pytest.fixture
def blocking_kind():
    registry.register(registry.JobKind(name="test_until_cancelled", label="等到取消", run=_until_cancelled))


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_a_running_job_is_cancelled_from_its_page(client, world, blocking_kind, monkeypatch):
    if connection.vendor != "postgresql":
        pytest.skip("concurrent connections in one process need PostgreSQL (see the docstring)")
    monkeypatch.setattr(services, "PROGRESS_SECONDS", 0.2)
    monkeypatch.setattr(services, "HEARTBEAT_SECONDS", 0.1)
    job, _joined = services.start(kind="test_until_cancelled", owner=world.user("office"), params={})
    ended: list[str] = []

    def work() -> None:
        try:
            ended.append(services.run(job.pk))
        finally:
            connection.close()  # the thread's own connection, as a worker's ends with its task

    worker = threading.Thread(target=work)
    worker.start()
    try:
        deadline = time.monotonic() + 10
        while Job.objects.get(pk=job.pk).done == 0 and time.monotonic() < deadline:
            time.sleep(0.05)
        running = Job.objects.get(pk=job.pk)
        assert running.status == JobStatus.RUNNING and running.done > 0
        assert client.login(username="office", password=DEMO_PASSWORD)
        assert b'id="job-cancel"' in client.get(f"/jobs/{job.pk}/").content
        assert client.post(f"/jobs/{job.pk}/cancel").status_code == 302
    finally:
        worker.join(timeout=25)
    assert ended == [JobStatus.CANCELLED]
    job.refresh_from_db()
    assert (job.status, job.error_code, job.file.name, job.result) == (
        JobStatus.CANCELLED,
        codes.JOB_CANCELLED,
        "",
        {},
    )
    page = client.get(f"/jobs/{job.pk}/").content.decode()
    assert 'id="job-retry"' in page and 'id="job-cancel"' not in page
