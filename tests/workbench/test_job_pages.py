"""The background jobs' pages (ducha/workbench/views/jobs.py), the same for every kind: progress with the time left
polled by htmx and reloaded without JavaScript, the file's link with its expiry, a worker found dead when the page
is read, an expired file refused, cancel and retry, someone else's job 404."""

from __future__ import annotations

import datetime

import pytest
import time_machine
from django.utils import timezone

from ducha.common import error_codes as codes
from ducha.devtools.demo import DEMO_PASSWORD
from ducha.jobs import registry, services
from ducha.jobs.models import Job, JobStatus


def _rows(job, progress):
    progress.begin(job.params["rows"], "写出")
    out = progress.output("测试.csv", "text/csv")
    for n in range(job.params["rows"]):
        out.write(f"{n}\n".encode())
        progress.advance()
    return {"summary": f"写出 {job.params['rows']} 行", "rows": job.params["rows"], "_private": "不显示"}


@pytest.fixture(autouse=True)
def _kind():
    registry.register(registry.JobKind(name="test_rows", label="测试任务", run=_rows))


@pytest.fixture
def office(client, world):
    assert client.login(username="office", password=DEMO_PASSWORD)
    return client


def start(world, rows: int = 3) -> Job:
    return services.start(kind="test_rows", owner=world.user("office"), params={"rows": rows})[0]


def test_a_running_job_shows_its_progress_and_polls_for_it(office, world):
    job = start(world)
    now = timezone.now()
    Job.objects.filter(pk=job.pk).update(
        status=JobStatus.RUNNING,
        started_at=now - datetime.timedelta(seconds=10),
        heartbeat_at=now,
        done=50,
        total=200,
        stage="写出",
    )
    with time_machine.travel(now, tick=False):
        page = office.get(f"/jobs/{job.pk}/")
    html = page.content.decode()
    assert page.status_code == 200 and "no-store" in page["Cache-Control"]
    assert '<h1 id="job-title">测试任务</h1>' in html
    assert 'data-done="50" data-total="200"' in html
    assert '<progress id="job-progress-bar" max="100" value="25"' in html
    assert 'id="job-time-left"' in html and "30" in html  # 10 s for 50 rows: 30 s for the other 150
    assert f'hx-get="/jobs/{job.pk}/" hx-trigger="every 1s"' in html
    assert '<noscript><meta http-equiv="refresh" content="3"></noscript>' in html
    assert f'<a href="/jobs/{job.pk}/" id="job-reload">' in html
    assert 'id="job-cancel"' in html and 'id="job-retry"' not in html and 'id="job-download"' not in html
    # htmx asks for the block alone.
    block = office.get(f"/jobs/{job.pk}/", headers={"HX-Request": "true"}).content.decode()
    assert block.lstrip().startswith('<div class="job-status" id="job-status" data-status="running"')
    assert "<html" not in block


def test_a_done_job_offers_its_file_with_its_expiry_and_stops_polling(office, world):
    job = start(world)
    services.run(job.pk, heartbeat=False)
    job.refresh_from_db()
    html = office.get(f"/jobs/{job.pk}/").content.decode()
    assert "hx-trigger" not in html and "http-equiv" not in html
    assert f'href="/jobs/{job.pk}/download"' in html
    expires = timezone.localtime(job.expires_at).strftime("%Y-%m-%d %H:%M")
    assert 'id="job-expires"' in html and expires in html
    assert '<p id="job-summary">写出 3 行</p>' in html
    # The summary says it all; the keys starting with "_" are the kind's own.
    assert "<dt>rows</dt>" not in html and "不显示" not in html
    download = office.get(f"/jobs/{job.pk}/download")
    assert b"".join(download.streaming_content) == b"0\n1\n2\n"
    listing = office.get("/jobs/").content.decode()
    assert f'<tr data-job="{job.pk}" data-status="done">' in listing
    assert 'data-nav="jobs"' in listing


def test_an_expired_file_is_refused_and_no_longer_offered(office, world):
    job = start(world)
    services.run(job.pk, heartbeat=False)
    job.refresh_from_db()
    with time_machine.travel(job.expires_at + datetime.timedelta(minutes=1), tick=False):
        services.purge()
        refused = office.get(f"/jobs/{job.pk}/download")
        page = office.get(f"/jobs/{job.pk}/").content.decode()
    assert refused.status_code == 409
    assert f'data-error-code="{codes.JOB_EXPIRED}"' in refused.content.decode()
    assert f'href="/jobs/{job.pk}/download"' not in page
    assert f'id="job-file-refused" data-error-code="{codes.JOB_EXPIRED}"' in page


def test_a_job_whose_worker_died_is_failed_when_its_page_is_read(office, world):
    job = start(world)
    then = timezone.now() - datetime.timedelta(seconds=services.DEAD_AFTER_SECONDS + 5)
    Job.objects.filter(pk=job.pk).update(status=JobStatus.RUNNING, started_at=then, heartbeat_at=then, done=1)
    html = office.get(f"/jobs/{job.pk}/").content.decode()
    job.refresh_from_db()
    assert (job.status, job.error_code) == (JobStatus.FAILED, codes.JOB_WORKER_LOST)
    assert f'data-error-code="{codes.JOB_WORKER_LOST}"' in html
    assert 'id="job-retry"' in html and "hx-trigger" not in html
    retried = office.post(f"/jobs/{job.pk}/retry")
    again = Job.objects.exclude(pk=job.pk).get()
    assert retried["Location"] == f"/jobs/{again.pk}/"
    assert (again.status, again.retry_of_id, again.attempt) == (JobStatus.QUEUED, job.pk, 2)


def test_cancel_and_retry_refused_when_they_do_not_apply(office, world):
    job = start(world)
    services.run(job.pk, heartbeat=False)
    cancelled = office.post(f"/jobs/{job.pk}/cancel", follow=True)
    assert str(codes.message_for(codes.JOB_NOT_CANCELLABLE)) in cancelled.content.decode()
    retried = office.post(f"/jobs/{job.pk}/retry", follow=True)
    assert str(codes.message_for(codes.JOB_NOT_RETRYABLE)) in retried.content.decode()
    assert Job.objects.count() == 1 and Job.objects.get().status == JobStatus.DONE
    assert office.get(f"/jobs/{job.pk}/cancel").status_code == 405


def test_someone_elses_job_does_not_exist(client, world):
    job = start(world)
    assert client.login(username="fgw", password=DEMO_PASSWORD)
    for url in (
        f"/jobs/{job.pk}/",
        f"/jobs/{job.pk}/download",
        "/jobs/99999999/",
        "/jobs/9223372036854775808/",
    ):
        assert client.get(url).status_code == 404
    assert client.post(f"/jobs/{job.pk}/cancel").status_code == 404
    assert Job.objects.get(pk=job.pk).status == JobStatus.QUEUED
    client.logout()
    assert client.get(f"/jobs/{job.pk}/").status_code == 302  # to the sign-in page


@pytest.mark.parametrize(
    ("where", "linked"),
    [
        ("/ledger/?status=draft", True),
        ("//elsewhere.example/x", False),
        ("https://elsewhere.example/", False),
    ],
)
def test_an_ended_job_links_to_where_its_result_is_used_on_this_site_only(office, world, where, linked):
    job = start(world)
    services.run(job.pk, heartbeat=False)
    Job.objects.filter(pk=job.pk).update(result={"summary": "已核验", "_url": where})
    html = office.get(f"/jobs/{job.pk}/").content.decode()
    assert ('id="job-next"' in html) is linked
    assert (f'href="{where.replace("&", "&amp;")}"' in html) is linked
