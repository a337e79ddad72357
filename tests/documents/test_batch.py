"""The day's 督办通知单 in one PDF, made by a background task: every item assigned that day, its notice issued
where not yet, the pages of all in one file; items that cannot have one are left out with the reason; the office
only; refused with the reason when there is no PDF engine."""

from __future__ import annotations

import datetime
import io

import pypdfium2
import pytest

from ducha.common import error_codes as codes
from ducha.common.errors import NotPermitted
from ducha.documents import batch, services
from ducha.documents.kinds import KINDS
from ducha.documents.models import BatchStatus, Document, DocumentBatch, DocumentProfile
from ducha.documents.pdf import PdfUnavailable
from ducha.items.lifecycle import ItemStatus
from ducha.items.models import Item
from tests.helpers import item_in

pytestmark = pytest.mark.django_db

CONTACT = {"contact_name": "王明", "contact_phone": "0931-1234567"}


@pytest.fixture
def immediate_tasks(settings):
    settings.TASKS = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}


def _pages(data: bytes) -> int:
    document = pypdfium2.PdfDocument(io.BytesIO(data))
    try:
        return len(document)
    finally:
        document.close()


def test_the_days_notices_issued_and_merged_in_one_pdf(
    world, pdf_engine, immediate_tasks, django_capture_on_commit_callbacks, today, monkeypatch
):
    # The merged file is written out and reopened every two notices here (every 25 in use): memory stays bounded.
    monkeypatch.setattr(batch._Merged, "FLUSH_EVERY", 2)
    office = world.user("office")
    profile = services.profile_for(world.county)
    DocumentProfile.objects.filter(pk=profile.pk).update(contact_name="王明", contact_phone="0931-1234567")
    items = [item_in(world, ItemStatus.ASSIGNED, title=f"批量事项{n}") for n in range(3)]
    issued = services.document_issue(
        kind=KINDS["supervision_notice"], subject=items[1], actor=office, inputs=CONTACT
    )
    yesterday = item_in(world, ItemStatus.ASSIGNED, title="昨日交办事项")
    Item.objects.filter(pk=yesterday.pk).update(
        assigned_at=datetime.datetime.combine(
            today - datetime.timedelta(days=1), datetime.time(10), datetime.UTC
        )
    )

    with django_capture_on_commit_callbacks(execute=True):
        started = batch.batch_start(actor=office)
    assert started.total == 3

    done = DocumentBatch.objects.get(pk=started.pk)
    assert (done.status, done.done, done.total, done.skipped) == (BatchStatus.DONE, 3, 3, {})
    notices = Document.objects.filter(kind="supervision_notice", subject_type="item")
    assert set(notices.values_list("subject_id", flat=True)) == {item.pk for item in items}
    assert notices.count() == 3  # the one issued before is not issued again
    assert notices.get(subject_id=items[1].pk).pk == issued.pk
    merged = batch.batch_pdf(done)
    each = sum(_pages(services.document_pdf(document)) for document in notices)
    assert _pages(merged) == each >= 6  # every notice with its receipt page


def test_items_without_what_a_notice_needs_are_left_out_with_the_reason(
    world, pdf_engine, immediate_tasks, django_capture_on_commit_callbacks
):
    item = item_in(world, ItemStatus.ASSIGNED)  # the profile has no contact: the notice cannot be issued
    with django_capture_on_commit_callbacks(execute=True):
        started = batch.batch_start(actor=world.user("office"))
    done = DocumentBatch.objects.get(pk=started.pk)
    assert done.status == BatchStatus.DONE and done.done == 1
    assert list(done.skipped) == [item.number] and done.skipped[item.number]
    assert not Document.objects.exists()


def test_only_the_office_and_only_with_an_engine(world, settings):
    with pytest.raises(NotPermitted):
        batch.batch_start(actor=world.user("fgw"))
    settings.DUCHA_PDF_ENGINE = ""
    with pytest.raises(PdfUnavailable) as refused:
        batch.batch_start(actor=world.user("office"))
    assert refused.value.code == codes.DOCUMENT_PDF_UNAVAILABLE
    assert not DocumentBatch.objects.exists()


def test_an_unexpected_failure_leaves_the_batch_failed_not_running(world, pdf_engine, monkeypatch):
    profile = services.profile_for(world.county)
    DocumentProfile.objects.filter(pk=profile.pk).update(contact_name="王明", contact_phone="0931-1234567")
    item_in(world, ItemStatus.ASSIGNED)
    started = batch.batch_start(actor=world.user("office"))  # queued: no task runs without on-commit here

    def broken(document):
        raise RuntimeError("storage went away")

    monkeypatch.setattr(services, "document_docx", broken)
    with pytest.raises(RuntimeError):
        batch.batch_run(started.pk)
    failed = DocumentBatch.objects.get(pk=started.pk)
    assert failed.status == BatchStatus.FAILED and failed.error and failed.finished_at is not None
