"""Any background job over the API (ducha/api/jobs.py): its state and progress polled, its file when ready and
checked at download time, cancel and retry, and the refusals — another user's job (404), not ready (409), not
cancellable or retryable (409), with nothing changed."""

from __future__ import annotations

import pytest

from ducha.common import error_codes as codes
from ducha.jobs import registry, services
from ducha.jobs.models import Job, JobStatus

pytestmark = pytest.mark.django_db


def _rows(job, progress):
    progress.begin(job.params["rows"], "写出")
    out = progress.output("核验结果.csv", "text/csv")
    for n in range(job.params["rows"]):
        out.write(f"{n}\n".encode())
        progress.advance()
    if job.params.get("fail"):
        raise RuntimeError("boom")
    return {"summary": f"写出 {job.params['rows']} 行"}


@pytest.fixture(autouse=True)
def _kind():
    registry.register(registry.JobKind(name="test_api_rows", label="测试任务", run=_rows))


def start(world, **params) -> Job:
    return services.start(kind="test_api_rows", owner=world.user("office"), params={"rows": 2, **params})[0]


def test_a_job_is_polled_then_its_file_downloaded(world, api):
    office = api("office")
    job = start(world)
    queued = office.get(f"/jobs/{job.pk}")
    assert queued.status_code == 200
    body = queued.json()
    assert (body["status"], body["url"], body["page_url"], body["download_url"]) == (
        "queued",
        f"/api/v1/jobs/{job.pk}",
        f"/jobs/{job.pk}/",
        None,
    )
    early = office.get(f"/jobs/{job.pk}/file")
    assert early.status_code == 409 and early.json()["code"] == codes.JOB_NOT_READY

    services.run(job.pk, heartbeat=False)
    done = office.get(f"/jobs/{job.pk}").json()
    assert (done["status"], done["done"], done["total"], done["percent"], done["summary"]) == (
        "done",
        2,
        2,
        100,
        "写出 2 行",
    )
    assert done["download_url"] == f"/api/v1/jobs/{job.pk}/file" and done["expires_at"]
    got = office.get(f"/jobs/{job.pk}/file")
    assert got.status_code == 200 and b"".join(got.streaming_content) == b"0\n1\n"
    assert [row["id"] for row in office.get("/jobs/").json()] == [job.pk]


def test_another_users_job_is_not_found_and_left_alone(world, api):
    job = start(world)
    leader = api("leader")
    for response in (
        leader.get(f"/jobs/{job.pk}"),
        leader.get(f"/jobs/{job.pk}/file"),
        leader.post(f"/jobs/{job.pk}/cancel", {}),
        leader.post(f"/jobs/{job.pk}/retry", {}),
    ):
        assert response.status_code == 404 and response.json()["code"] == codes.NOT_FOUND
    assert leader.get("/jobs/").json() == []
    job.refresh_from_db()
    assert (job.status, job.cancel_requested) == (JobStatus.QUEUED, False)


def test_cancel_then_retry_and_the_refusals_when_they_do_not_apply(world, api):
    office = api("office")
    job = start(world)
    refused = office.post(f"/jobs/{job.pk}/retry", {})
    assert refused.status_code == 409 and refused.json()["code"] == codes.JOB_NOT_RETRYABLE
    cancelled = office.post(f"/jobs/{job.pk}/cancel", {})
    assert cancelled.status_code == 200 and cancelled.json()["status"] == "cancelled"
    again = office.post(f"/jobs/{job.pk}/cancel", {})
    assert again.status_code == 409 and again.json()["code"] == codes.JOB_NOT_CANCELLABLE
    retried = office.post(f"/jobs/{job.pk}/retry", {})
    assert retried.status_code == 202
    fresh = Job.objects.get(pk=retried.json()["id"])
    assert (fresh.retry_of_id, fresh.attempt, fresh.status) == (job.pk, 2, JobStatus.QUEUED)
    joined = office.post(f"/jobs/{job.pk}/retry", {})
    assert joined.status_code == 200 and joined.json()["id"] == fresh.pk


def test_a_failed_job_says_why_and_offers_no_file(world, api):
    office = api("office")
    job = start(world, fail=True)
    services.run(job.pk, heartbeat=False)
    body = office.get(f"/jobs/{job.pk}").json()
    assert (body["status"], body["error_code"], body["download_url"]) == ("failed", codes.JOB_FAILED, None)
    assert office.get(f"/jobs/{job.pk}/file").json()["code"] == codes.JOB_NOT_READY
