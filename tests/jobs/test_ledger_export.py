"""The ledger's Excel export as a background job (ducha/workbench/exports.py): small exports stay immediate, large
ones run as a job that a second ask joins, report their progress, can be cancelled while running and retried; the
file is named for what it holds and when, checked against the owner's scope at download time, and its end is told
in the inbox."""

from __future__ import annotations

import datetime
import io
from pathlib import Path

import openpyxl
import pytest
from django.conf import settings as django_settings
from django.utils.http import content_disposition_header
from django.utils.translation import gettext as _

from ducha.common import error_codes as codes
from ducha.common.errors import NotFound, NotPermitted, ValidationFailed
from ducha.devtools.demo import DEMO_PASSWORD
from ducha.items.lifecycle import ItemStatus
from ducha.jobs import services
from ducha.jobs.models import Job, JobStatus
from ducha.orgs.models import User
from ducha.reminders.models import Message
from ducha.workbench import excel, exports
from ducha.workbench.excel import export as export_module
from tests.helpers import item_in, make_item

EXPORT = "/ledger/export.xlsx"


@pytest.fixture
def signed_in(client, world):
    def sign_in(username: str):
        assert client.login(username=username, password=DEMO_PASSWORD)
        return client

    return sign_in


@pytest.fixture
def items(world):
    """Three items the office sees: two assigned (visible to fgw too) and a draft."""
    return [
        item_in(world, ItemStatus.ASSIGNED, title="道路硬化工程"),
        item_in(world, ItemStatus.ASSIGNED, title="学校改造工程"),
        make_item(world, title="停车场建设"),
    ]


@pytest.fixture
def inline_rows(settings):
    settings.DUCHA_EXPORT_INLINE_ROWS = 2  # three items: a job
    return 2


def rows_of(data: bytes) -> list[tuple]:
    sheet = openpyxl.load_workbook(io.BytesIO(data)).worksheets[0]
    return list(sheet.iter_rows(min_row=3, values_only=True))


def job_files() -> list[Path]:
    folder = Path(django_settings.MEDIA_ROOT) / "jobs"
    return [path for path in folder.rglob("*") if path.is_file()] if folder.exists() else []


# --- immediate or a job ----------------------------------------------------------------------------------------


def test_a_small_export_still_downloads_at_once(signed_in, items, settings, today):
    settings.DUCHA_EXPORT_INLINE_ROWS = 3  # exactly the three items: at once
    response = signed_in("office").post(EXPORT)
    assert response.status_code == 200
    assert response["Content-Disposition"] == content_disposition_header(True, excel.export_filename(today))
    assert len(rows_of(b"".join(response.streaming_content))) == 3
    assert not Job.objects.exists()


def test_a_large_export_runs_as_a_job_that_a_second_ask_joins(signed_in, items, inline_rows, today):
    client = signed_in("office")
    first = client.post(f"{EXPORT}?status=assigned&status=draft&sort=due&dir=asc")
    job = Job.objects.get()
    assert first.status_code == 302 and first["Location"] == f"/jobs/{job.pk}/"
    assert (job.kind, job.owner, job.status) == ("ledger_export", job.owner, JobStatus.QUEUED)
    # The same filter, written in another order: the same job.
    second = client.post(f"{EXPORT}?dir=asc&status=draft&sort=due&status=assigned", follow=True)
    assert second.redirect_chain == [(f"/jobs/{job.pk}/", 302)]
    assert Job.objects.count() == 1
    assert _("The same export is already being made; here is its progress.") in second.content.decode()
    # Another filter is another job.
    client.post(f"{EXPORT}?status=draft&status=assigned")
    assert Job.objects.count() == 2
    # A GET (an old link) starts nothing: back to the ledger, saying how.
    stale = client.get(f"{EXPORT}?year={today.year}")
    assert stale.status_code == 302 and stale["Location"] == f"/ledger/?year={today.year}"
    assert Job.objects.count() == 2


def test_the_job_writes_the_filtered_ledger_with_its_progress_and_a_dated_name(
    signed_in, world, items, inline_rows, today, monkeypatch
):
    monkeypatch.setattr(export_module, "PROGRESS_ROWS", 2)
    reports: list[int] = []
    advance = services.Progress.advance

    def recording(progress, count=1):
        reports.append(count)
        advance(progress, count)

    monkeypatch.setattr(services.Progress, "advance", recording)
    client = signed_in("office")
    client.post(f"{EXPORT}?sort=due&dir=asc")
    job = Job.objects.get()
    assert services.run(job.pk, heartbeat=False) == JobStatus.DONE
    job.refresh_from_db()
    assert reports == [2, 1]  # every PROGRESS_ROWS rows, and the rest
    assert (job.done, job.total, job.result["rows"]) == (3, 3, 3)
    assert job.filename == excel.export_filename(today) == f"督查事项台账_{today:%Y-%m-%d}.xlsx"
    assert job.expires_at == job.finished_at + datetime.timedelta(hours=django_settings.DUCHA_JOB_FILE_HOURS)
    response = client.get(f"/jobs/{job.pk}/download")
    assert response.status_code == 200
    assert response["Content-Disposition"] == content_disposition_header(True, job.filename)
    page_ids = [
        row.item_id for row in client.get("/ledger/", {"sort": "due", "dir": "asc"}).context["page"].rows
    ]
    by_title = {item.title: item.pk for item in items}
    assert [by_title[row[2]] for row in rows_of(b"".join(response.streaming_content))] == page_ids


def test_the_export_holds_the_owners_scope_only(world, items, settings):
    settings.DUCHA_EXPORT_INLINE_ROWS = 0  # every export a job
    job, _joined = exports.export_start(owner=world.user("fgw"), spec=exports.ledger_module.LedgerFilter())
    services.run(job.pk, heartbeat=False)
    handle, _name, _type = services.open_download(job_id=job.pk, user=world.user("fgw"))
    with handle:
        titles = {row[2] for row in rows_of(handle.read())}
    assert titles == {"道路硬化工程", "学校改造工程"}  # not the office's draft


def test_a_filter_the_ledger_would_ignore_is_refused(world):
    with pytest.raises(ValidationFailed) as refused:
        services.start(kind="ledger_export", owner=world.user("office"), params={"query": "light=purple"})
    assert refused.value.code == codes.INVALID_INPUT and "light" in refused.value.fields
    assert not Job.objects.exists()


# --- cancel, retry -----------------------------------------------------------------------------------------------


def test_a_running_export_is_cancelled_at_its_next_report_and_keeps_nothing(
    signed_in, world, items, inline_rows, monkeypatch
):
    """The owner's cancel arrives while the worker writes the rows (here: after its first report)."""
    monkeypatch.setattr(export_module, "PROGRESS_ROWS", 1)
    monkeypatch.setattr(services, "PROGRESS_SECONDS", 0)  # every report is written and reads the cancel flag
    client = signed_in("office")
    client.post(EXPORT)
    job = Job.objects.get()
    advance = services.Progress.advance
    seen: list[int] = []

    def cancelled_meanwhile(progress, count=1):
        if not seen:
            assert client.post(f"/jobs/{job.pk}/cancel").status_code == 302
        seen.append(count)
        advance(progress, count)

    monkeypatch.setattr(services.Progress, "advance", cancelled_meanwhile)
    assert services.run(job.pk, heartbeat=False) == JobStatus.CANCELLED
    job.refresh_from_db()
    assert (len(seen), job.error_code, job.file.name, job.filename) == (1, codes.JOB_CANCELLED, "", "")
    assert job_files() == []
    assert client.get(f"/jobs/{job.pk}/download").status_code == 409
    # Retried: a new job, which runs to the end.
    monkeypatch.setattr(services.Progress, "advance", advance)
    retried = client.post(f"/jobs/{job.pk}/retry")
    again = Job.objects.exclude(pk=job.pk).get()
    assert retried["Location"] == f"/jobs/{again.pk}/"
    assert (again.retry_of_id, again.attempt, again.params) == (job.pk, 2, job.params)
    assert services.run(again.pk, heartbeat=False) == JobStatus.DONE
    assert len(rows_of(b"".join(client.get(f"/jobs/{again.pk}/download").streaming_content))) == 3


def test_a_queued_export_cancelled_never_runs(signed_in, items, inline_rows):
    client = signed_in("office")
    client.post(EXPORT)
    job = Job.objects.get()
    client.post(f"/jobs/{job.pk}/cancel")
    assert services.run(job.pk, heartbeat=False) == JobStatus.CANCELLED
    job.refresh_from_db()
    assert (job.status, job.started_at, job.file.name) == (JobStatus.CANCELLED, None, "")
    # A second ask after the cancel starts a new one.
    client.post(EXPORT)
    assert Job.objects.filter(status=JobStatus.QUEUED).exclude(pk=job.pk).count() == 1


# --- the file at download time ---------------------------------------------------------------------------------


def test_an_owner_whose_scope_changed_gets_no_file(signed_in, world, items, inline_rows):
    client = signed_in("office")
    client.post(EXPORT)
    job = Job.objects.get()
    services.run(job.pk, heartbeat=False)
    assert client.get(f"/jobs/{job.pk}/download").status_code == 200
    office = world.user("office")
    home = office.unit_id
    # The office's account moves to a department: it no longer sees the county's ledger.
    User.objects.filter(pk=office.pk).update(unit=world.departments["fgw"])
    refused = client.get(f"/jobs/{job.pk}/download")
    assert refused.status_code == 403
    assert refused["Content-Type"].startswith("text/html")
    assert 'data-error-code="job_scope_changed"' in refused.content.decode()
    assert "道路硬化工程" not in refused.content.decode()
    page = client.get(f"/jobs/{job.pk}/").content.decode()
    assert 'id="job-file-refused" data-error-code="job_scope_changed"' in page
    assert f"/jobs/{job.pk}/download" not in page
    with pytest.raises(NotPermitted) as error:
        services.open_download(job_id=job.pk, user=User.objects.get(pk=office.pk))
    assert error.value.code == codes.JOB_SCOPE_CHANGED
    # Back in its unit, it is its file again.
    User.objects.filter(pk=office.pk).update(unit_id=home)
    assert client.get(f"/jobs/{job.pk}/download").status_code == 200


def test_nobody_else_sees_the_job_or_its_file(signed_in, world, items, inline_rows):
    signed_in("office").post(EXPORT)
    job = Job.objects.get()
    services.run(job.pk, heartbeat=False)
    leader = signed_in("leader")  # the same government's leader: still not theirs
    for url in (f"/jobs/{job.pk}/", f"/jobs/{job.pk}/download"):
        assert leader.get(url).status_code == 404
    assert leader.post(f"/jobs/{job.pk}/retry").status_code == 404
    assert f"/jobs/{job.pk}/" not in leader.get("/jobs/").content.decode()
    with pytest.raises(NotFound):
        services.open_download(job_id=job.pk, user=world.user("leader"))


# --- the inbox ---------------------------------------------------------------------------------------------------


def test_the_owner_is_told_in_the_inbox_with_a_link_to_the_job(
    signed_in, world, items, inline_rows, django_capture_on_commit_callbacks
):
    client = signed_in("office")
    client.post(EXPORT)
    job = Job.objects.get()
    before = Message.objects.filter(recipient=world.user("office")).count()
    with django_capture_on_commit_callbacks(execute=True):
        services.run(job.pk, heartbeat=False)
    job.refresh_from_db()
    message = Message.objects.filter(recipient=world.user("office")).latest("id")
    assert Message.objects.filter(recipient=world.user("office")).count() == before + 1
    assert message.link == f"/jobs/{job.pk}/"
    assert "Ledger export (Excel)" in message.subject or "台账" in message.subject
    assert f"{job.expires_at.astimezone(datetime.timezone(datetime.timedelta(hours=8))):%Y-%m-%d %H:%M}" in (
        message.subject
    )
    inbox = client.get("/inbox/").content.decode()
    assert f'href="/jobs/{job.pk}/" data-link="page"' in inbox
    opened = client.get(f"/inbox/{message.pk}/").content.decode()
    assert 'id="message-link"' in opened


def test_a_failed_job_is_told_with_its_reason_and_a_cancelled_one_not_at_all(
    signed_in, world, items, inline_rows, django_capture_on_commit_callbacks, monkeypatch
):
    client = signed_in("office")
    client.post(EXPORT)
    job = Job.objects.get()

    def broken(**kwargs):
        raise RuntimeError("disk full")

    monkeypatch.setattr(excel, "ledger_export", broken)
    with django_capture_on_commit_callbacks(execute=True):
        assert services.run(job.pk, heartbeat=False) == JobStatus.FAILED
    message = Message.objects.filter(recipient=world.user("office"), link=f"/jobs/{job.pk}/").get()
    assert str(codes.message_for(codes.JOB_FAILED))[:20] in message.subject
    queued, _joined = services.start(kind="ledger_export", owner=world.user("office"), params={"query": ""})
    with django_capture_on_commit_callbacks(execute=True):
        client.post(f"/jobs/{queued.pk}/cancel")
    assert not Message.objects.filter(link=f"/jobs/{queued.pk}/").exists()
