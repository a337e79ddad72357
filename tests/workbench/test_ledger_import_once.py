"""The ledger's import is committed exactly once (ducha.workbench.ledger_import.commit_once): the items and the
record of their upload (ImportedUpload) are written in one transaction, so a run of the same upload after a worker
died between that commit and the end of its job — the reaped job retried, the upload confirmed again, a second run
at the same time — finds the record, imports nothing and ends DONE saying so, with what was left of the file
deleted. A refusal or a cancel inside the transaction leaves no record: the retry imports. The small-file import
in the request shares the record."""

from __future__ import annotations

import datetime
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
import time_machine
from django.utils import timezone
from django.utils.translation import ngettext

from ducha.common import error_codes as codes
from ducha.common.errors import ValidationFailed
from ducha.items import services as item_services
from ducha.items.models import Item
from ducha.jobs import registry
from ducha.jobs import services as jobs
from ducha.jobs.models import Job, JobStatus
from ducha.workbench import ledger_import
from ducha.workbench.models import ImportedUpload
from tests import clock
from tests.jobs.recording import Recorder
from tests.workbench.test_excel import confirm, good_row, preview_of, stored_files, workbook_bytes
from tests.workbench.test_ledger_import_jobs import _checked_and_confirmed, _confirm, _preview, _token

pytestmark = pytest.mark.django_db

NOW = clock.moment(2026, 11, 18, 10, 0)
LATER = NOW + datetime.timedelta(seconds=jobs.DEAD_AFTER_SECONDS + 15)  # the dead worker's job is reaped then


@pytest.fixture(autouse=True)
def frozen():
    with time_machine.travel(NOW, tick=False):
        yield


@pytest.fixture(autouse=True)
def keep_the_test_transaction(monkeypatch):
    """As in test_ledger_import_jobs: a worker never runs inside a test's transaction, which this keeps open."""
    monkeypatch.setattr(jobs, "close_old_connections", lambda: None)


@pytest.fixture(autouse=True)
def small_threshold(settings):
    settings.DUCHA_IMPORT_INLINE_ROWS = 2


def _already(count: int) -> str:
    return ngettext(
        "This file was imported already (%(count)d item, as a draft); nothing was imported again.",
        "This file was imported already (%(count)d items, as drafts); nothing was imported again.",
        count,
    ) % {"count": count}


@contextmanager
def _dying_at_the_claimed_files_deletion() -> Iterator[None]:
    """The worker "dies" (SystemExit: none of the job's handlers runs, as with kill -9) when it deletes the claimed
    file, i.e. right after the import's transaction committed."""
    real_unlink = Path.unlink

    def unlink(path: Path, missing_ok: bool = False) -> None:
        if path.suffix == ".importing":
            raise SystemExit(137)
        real_unlink(path, missing_ok=missing_ok)

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(Path, "unlink", unlink)
        with pytest.raises(SystemExit):
            yield


def _reaped_and_retried(job: Job, user) -> Job:
    with time_machine.travel(LATER, tick=False):
        assert jobs.reap() == 1
        job.refresh_from_db()
        assert (job.status, job.error_code) == (JobStatus.FAILED, codes.JOB_WORKER_LOST)
        again, joined = jobs.retry(job_id=job.pk, user=user)
        assert not joined and again.retry_of_id == job.pk
        assert jobs.run(again.pk, heartbeat=False) == JobStatus.DONE
    again.refresh_from_db()
    return again


def test_a_worker_dying_after_the_commit_leaves_a_retry_that_imports_nothing_again(
    browser, world, monkeypatch
):
    client = browser("office")
    before = Item.objects.count()
    check, commit = _checked_and_confirmed(client, world)

    # given: the import's transaction committed, then the worker died before the file was deleted
    with _dying_at_the_claimed_files_deletion():
        jobs.run(commit.pk, heartbeat=False)
    commit.refresh_from_db()
    assert commit.status == JobStatus.RUNNING
    assert Item.objects.count() == before + 3
    record = ImportedUpload.objects.get()
    assert (
        record.owner_id,
        record.token,
        record.sha256,
        record.job_id,
        record.items,
        record.imported_at,
    ) == (
        world.user("office").pk,
        _token(check),
        check.params["sha256"],
        commit.pk,
        3,
        NOW,
    )
    assert [path.suffix for path in stored_files()] == [".importing"]

    # when: the job is failed as lost; its page tells the truth, and the retry runs
    with time_machine.travel(LATER, tick=False):
        page = _preview(client, check).content.decode()  # reaps it as its page is read
    assert 'id="import-commit" data-status="failed"' in page and _already(3) in page
    assert 'id="import-confirm"' not in page and "Nothing has been imported yet." not in page
    with time_machine.travel(LATER, tick=False):
        again, joined = jobs.retry(job_id=commit.pk, user=world.user("office"))
        assert not joined
        assert jobs.run(again.pk, heartbeat=False) == JobStatus.DONE

    # then: nothing imported twice, the job DONE with the recorded outcome, the file gone
    again.refresh_from_db()
    assert again.result == {
        "summary": _already(3),
        "created": 3,
        "_already_imported": True,
        "_url": "/ledger/?status=draft",
    }
    assert Item.objects.count() == before + 3
    assert stored_files() == []
    assert list(ImportedUpload.objects.values_list("job_id", "items")) == [(commit.pk, 3)]
    # Confirmed once more: nothing left to import, nothing imported.
    response = _confirm(client, check)
    assert response.status_code == 409 and 'data-code="preview_expired"' in response.content.decode()
    assert Item.objects.count() == before + 3


def test_a_worker_dying_after_deleting_the_file_leaves_a_retry_that_ends_done(browser, world, monkeypatch):
    client = browser("office")
    before = Item.objects.count()
    _check, commit = _checked_and_confirmed(client, world)
    real_end = jobs._end

    def dies_before_the_job_ends(job, **fields):
        if fields.get("status") == JobStatus.DONE:
            raise SystemExit(137)
        return real_end(job, **fields)

    monkeypatch.setattr(jobs, "_end", dies_before_the_job_ends)
    with pytest.raises(SystemExit):
        jobs.run(commit.pk, heartbeat=False)
    monkeypatch.setattr(jobs, "_end", real_end)
    assert stored_files() == [] and Item.objects.count() == before + 3

    # Without the record the retry would fail "expired"; it ends DONE with the recorded outcome.
    again = _reaped_and_retried(commit, world.user("office"))
    assert (again.result["summary"], again.result["created"]) == (_already(3), 3)
    assert Item.objects.count() == before + 3


def test_an_error_after_the_commit_gives_the_file_back_and_a_new_confirmation_imports_nothing(
    browser, world, monkeypatch
):
    """An error raised after the commit (an on-commit callback's) fails the job and renames the file back, as if
    nothing had been imported: the upload confirmed again starts a second job, which finds the record."""
    client = browser("office")
    before = Item.objects.count()
    check, commit = _checked_and_confirmed(client, world)
    real_commit_once = ledger_import.commit_once

    def fails_after_the_commit(**kwargs):
        real_commit_once(**kwargs)
        raise RuntimeError("an on-commit callback failed")

    monkeypatch.setattr(ledger_import, "commit_once", fails_after_the_commit)
    assert jobs.run(commit.pk, heartbeat=False) == JobStatus.FAILED
    monkeypatch.setattr(ledger_import, "commit_once", real_commit_once)
    assert Item.objects.count() == before + 3
    assert [path.suffix for path in stored_files()] == [".xlsx"]

    response = _confirm(client, check)
    second = Job.objects.filter(kind=ledger_import.COMMIT).exclude(pk=commit.pk).get()
    assert response.status_code == 302 and response["Location"] == f"/jobs/{second.pk}/"
    assert jobs.run(second.pk, heartbeat=False) == JobStatus.DONE
    second.refresh_from_db()
    assert second.result["summary"] == _already(3)
    assert Item.objects.count() == before + 3
    assert stored_files() == []
    assert list(ImportedUpload.objects.values_list("job_id", flat=True)) == [commit.pk]


def test_two_runs_at_once_meet_at_the_records_key(browser, world, monkeypatch):
    """A worker failed as lost while it still ran, its job retried: the retry looked for the record before the
    first run committed, then meets its key inside its own transaction and creates nothing."""
    client = browser("office")
    before = Item.objects.count()
    _check, commit = _checked_and_confirmed(client, world)
    with _dying_at_the_claimed_files_deletion():
        jobs.run(commit.pk, heartbeat=False)
    real_lookup, lookups = ledger_import.imported_upload, []

    def too_early_the_first_time(user_id, token):
        lookups.append(token)
        return None if len(lookups) == 1 else real_lookup(user_id, token)

    created = []
    real_create = item_services.item_create
    monkeypatch.setattr(ledger_import, "imported_upload", too_early_the_first_time)
    monkeypatch.setattr(
        item_services, "item_create", lambda **kwargs: created.append(1) or real_create(**kwargs)
    )

    again = _reaped_and_retried(commit, world.user("office"))
    assert len(lookups) == 2  # before, and after meeting the key
    assert (again.result["summary"], again.result["_already_imported"]) == (_already(3), True)
    assert created == []  # stopped at the record, before the first row
    assert Item.objects.count() == before + 3
    assert ImportedUpload.objects.count() == 1
    assert stored_files() == []


def test_a_refusal_inside_the_transaction_leaves_no_record_and_the_retry_imports(browser, world, monkeypatch):
    client = browser("office")
    before = Item.objects.count()
    _check, commit = _checked_and_confirmed(client, world)
    real_create = item_services.item_create

    def refused(**kwargs):
        raise ValidationFailed("unit_not_found")

    monkeypatch.setattr(item_services, "item_create", refused)
    assert jobs.run(commit.pk, heartbeat=False) == JobStatus.FAILED
    commit.refresh_from_db()
    assert commit.error_code == codes.LEDGER_IMPORT_ROW_REFUSED
    assert not ImportedUpload.objects.exists() and Item.objects.count() == before

    monkeypatch.setattr(item_services, "item_create", real_create)
    again, _joined = jobs.retry(job_id=commit.pk, user=world.user("office"))
    assert jobs.run(again.pk, heartbeat=False) == JobStatus.DONE
    again.refresh_from_db()
    assert again.result["created"] == 3 and "_already_imported" not in again.result
    assert Item.objects.count() == before + 3
    assert list(ImportedUpload.objects.values_list("job_id", "items")) == [(again.pk, 3)]


def test_a_cancel_inside_the_transaction_leaves_no_record(browser, world, monkeypatch):
    client = browser("office")
    before = Item.objects.count()
    _check, commit = _checked_and_confirmed(client, world)
    recorder = Recorder()
    real_create, calls = item_services.item_create, []

    def cancelled_after_the_first(**kwargs):
        calls.append(1)
        recorder.cancelled.set()  # the owner pressed cancel: seen after this row, inside the transaction
        return real_create(**kwargs)

    monkeypatch.setattr(item_services, "item_create", cancelled_after_the_first)
    with pytest.raises(jobs.Cancelled):
        registry.get(ledger_import.COMMIT).run(commit, recorder)
    assert calls == [1]
    assert not ImportedUpload.objects.exists() and Item.objects.count() == before
    assert [path.suffix for path in stored_files()] == [".xlsx"]


# --- the small file, imported in the request ------------------------------------------------------------------


def test_a_small_import_given_back_after_its_commit_is_not_imported_again(
    browser, world, settings, monkeypatch
):
    settings.DUCHA_IMPORT_INLINE_ROWS = 500
    client = browser("office")
    before = Item.objects.count()
    preview = preview_of(client, workbook_bytes([good_row(world, title=f"小文件{n}") for n in range(2)]))
    real_commit_once = ledger_import.commit_once

    def fails_after_the_commit(**kwargs):
        real_commit_once(**kwargs)
        raise RuntimeError("an on-commit callback failed")

    monkeypatch.setattr(ledger_import, "commit_once", fails_after_the_commit)
    with pytest.raises(RuntimeError):
        confirm(client, preview)
    monkeypatch.setattr(ledger_import, "commit_once", real_commit_once)
    assert Item.objects.count() == before + 2
    assert [path.suffix for path in stored_files()] == [".xlsx"]  # given back as if nothing had been imported
    record = ImportedUpload.objects.get()
    assert (record.token, record.job_id, record.items) == (preview.context["token"], None, 2)

    response = confirm(client, preview)
    assert response.status_code == 302 and response["Location"] == "/ledger/?status=draft"
    assert [str(message) for message in response.wsgi_request._messages] == [_already(2)]
    assert Item.objects.count() == before + 2
    assert stored_files() == []
    assert client.get(f"/ledger/import/?token={preview.context['token']}").status_code == 404


def test_a_small_import_is_recorded_with_its_items(browser, world, settings):
    settings.DUCHA_IMPORT_INLINE_ROWS = 500
    client = browser("office")
    preview = preview_of(client, workbook_bytes([good_row(world)]))
    assert confirm(client, preview).status_code == 302
    assert list(ImportedUpload.objects.values_list("owner_id", "token", "sha256", "job_id", "items")) == [
        (world.user("office").pk, preview.context["token"], preview.context["sha256"], None, 1)
    ]
    assert ImportedUpload.objects.get().imported_at == timezone.now() == NOW
