"""The ledger's export over the API (ducha/api/exports.py), always a background job: started (202) or joined (200),
its state and progress, the file when ready and checked at download time, cancel, retry, and the refusals —
someone else's export or another kind of job (404), not ready or expired (409), a changed scope (403), a filter
the ledger would ignore (400)."""

from __future__ import annotations

import datetime
import io

import openpyxl
import pytest
import time_machine
from django.utils import timezone
from django.utils.http import content_disposition_header

from ducha.common import error_codes as codes
from ducha.items.lifecycle import ItemStatus
from ducha.jobs import registry, services
from ducha.jobs.models import Job, JobStatus
from ducha.orgs.models import Role, RoleGrant
from ducha.workbench import excel
from tests.helpers import item_in, make_item

pytestmark = pytest.mark.django_db


@pytest.fixture
def items(world):
    return [
        item_in(world, ItemStatus.ASSIGNED, title="道路硬化工程"),
        item_in(world, ItemStatus.ASSIGNED, title="学校改造工程"),
        make_item(world, title="停车场建设"),
    ]


def test_an_export_is_started_joined_followed_and_downloaded(world, api, items, today):
    office = api("office")
    started = office.post("/exports/", {"query": "status=assigned&status=draft&sort=due&dir=asc"})
    assert started.status_code == 202, started.content
    body = started.json()
    assert (body["status"], body["joined"], body["kind"], body["download_url"]) == (
        "queued",
        False,
        "ledger_export",
        None,
    )
    assert body["query"] == "status=draft&status=assigned&sort=due&dir=asc"  # canonical
    joined = office.post("/exports/", {"query": "dir=asc&sort=due&status=draft&status=assigned"})
    assert joined.status_code == 200 and joined.json()["joined"] is True
    assert joined.json()["id"] == body["id"] and Job.objects.count() == 1
    # Not ready yet.
    early = office.get(f"/exports/{body['id']}/file")
    assert early.status_code == 409 and early.json()["code"] == codes.JOB_NOT_READY

    services.run(body["id"], heartbeat=False)
    state = office.get(f"/exports/{body['id']}").json()
    job = Job.objects.get(pk=body["id"])
    assert (state["status"], state["done"], state["total"], state["percent"]) == ("done", 3, 3, 100)
    assert state["download_url"] == f"/api/v1/exports/{job.pk}/file"
    assert state["download_refusal"] is None and state["seconds_left"] is None
    assert abs(datetime.datetime.fromisoformat(state["expires_at"]) - job.expires_at) < datetime.timedelta(
        seconds=1
    )
    assert state["filename"] == excel.export_filename(today)
    response = office.get(f"/exports/{job.pk}/file")
    assert response.status_code == 200
    assert response["Content-Disposition"] == content_disposition_header(True, excel.export_filename(today))
    sheet = openpyxl.load_workbook(io.BytesIO(b"".join(response.streaming_content))).worksheets[0]
    assert {row[2] for row in sheet.iter_rows(min_row=3, values_only=True)} == {item.title for item in items}
    assert [row["id"] for row in office.get("/exports/").json()] == [job.pk]


def test_a_running_export_reports_its_progress_and_time_left(world, api):
    job, _joined = services.start(kind="ledger_export", owner=world.user("office"), params={"query": ""})
    now = timezone.now()
    Job.objects.filter(pk=job.pk).update(
        status=JobStatus.RUNNING,
        started_at=now - datetime.timedelta(seconds=20),
        heartbeat_at=now,
        done=100,
        total=400,
    )
    with time_machine.travel(now, tick=False):
        state = api("office").get(f"/exports/{job.pk}").json()
    assert (state["status"], state["done"], state["total"], state["percent"], state["seconds_left"]) == (
        "running",
        100,
        400,
        25,
        60,
    )


def test_cancel_and_retry(world, api, items):
    office = api("office")
    job_id = office.post("/exports/", {"query": ""}).json()["id"]
    cancelled = office.post(f"/exports/{job_id}/cancel")
    assert cancelled.status_code == 200
    assert (cancelled.json()["status"], cancelled.json()["error_code"]) == ("cancelled", codes.JOB_CANCELLED)
    again = office.post(f"/exports/{job_id}/cancel")
    assert again.status_code == 409 and again.json()["code"] == codes.JOB_NOT_CANCELLABLE
    retried = office.post(f"/exports/{job_id}/retry")
    assert retried.status_code == 202
    new = retried.json()
    assert (new["status"], new["retry_of"], new["attempt"], new["joined"]) == ("queued", job_id, 2, False)
    assert office.post(f"/exports/{job_id}/retry").status_code == 200  # the retry is running: joined
    assert office.post(f"/exports/{new['id']}/retry").json()["code"] == codes.JOB_NOT_RETRYABLE


def test_the_file_is_refused_once_the_callers_scope_changed(world, api, items):
    office = api("office")
    job_id = office.post("/exports/", {"query": ""}).json()["id"]
    services.run(job_id, heartbeat=False)
    # The office's account loses its office role (it becomes a handler of its unit).
    RoleGrant.objects.filter(user=world.user("office"), role=Role.OFFICE).update(role=Role.HANDLER)
    refused = office.get(f"/exports/{job_id}/file")
    assert refused.status_code == 403
    assert refused.json()["code"] == codes.JOB_SCOPE_CHANGED
    assert b"PK" not in refused.content
    state = office.get(f"/exports/{job_id}").json()
    assert state["download_url"] is None and state["download_refusal"]["code"] == codes.JOB_SCOPE_CHANGED


def test_an_expired_file_is_refused(world, api, items):
    office = api("office")
    job_id = office.post("/exports/", {"query": ""}).json()["id"]
    services.run(job_id, heartbeat=False)
    expires = Job.objects.get(pk=job_id).expires_at
    with time_machine.travel(expires + datetime.timedelta(seconds=1), tick=False):
        services.purge()
        refused = office.get(f"/exports/{job_id}/file")
        state = office.get(f"/exports/{job_id}").json()
    assert refused.status_code == 409 and refused.json()["code"] == codes.JOB_EXPIRED
    assert state["download_url"] is None and state["download_refusal"]["code"] == codes.JOB_EXPIRED


def test_someone_elses_export_or_another_kind_of_job_is_not_found(world, api, items):
    job_id = api("office").post("/exports/", {"query": ""}).json()["id"]
    services.run(job_id, heartbeat=False)
    leader = api("leader")
    for path in (f"/exports/{job_id}", f"/exports/{job_id}/file", "/exports/9223372036854775807"):
        response = leader.get(path)
        assert response.status_code == 404 and response.json()["code"] == codes.NOT_FOUND
    assert leader.post(f"/exports/{job_id}/cancel").status_code == 404
    assert leader.post(f"/exports/{job_id}/retry").status_code == 404
    assert leader.get("/exports/").json() == []
    registry.register(registry.JobKind(name="test_other", label="其他", run=lambda job, progress: None))
    other, _joined = services.start(kind="test_other", owner=world.user("office"), params={})
    assert api("office").get(f"/exports/{other.pk}").status_code == 404
    assert Job.objects.filter(status=JobStatus.QUEUED).count() == 1  # nothing started or changed


def test_a_filter_the_ledger_would_ignore_is_refused(api):
    response = api("office").post("/exports/", {"query": "light=purple&year=1"})
    assert response.status_code == 400
    body = response.json()
    assert body["code"] == codes.INVALID_INPUT and set(body["fields"]) == {"light", "year"}
    assert not Job.objects.exists()
