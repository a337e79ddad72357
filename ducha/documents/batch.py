"""The day's 督办通知单 in one PDF: every item of the government assigned on the day, its notice issued where the
office has not issued it yet (with the profile's contact and the item's own requirements), each converted by the
PDF engine once (and kept with the document) and the pages appended to one file — in a background job (ducha.jobs,
kind "notices_batch", params {batch_id}) that reports a step per notice, so the batch's page, the job's page and the
API show how far it is; the requester can cancel it (the batch ends FAILED saying so, the notices issued so far are
kept: each is a document of its own) and run it again (the same batch, from the start: notices issued already are
not issued again), and the inbox tells them when it is done.

The batch stays the record (its day, the items left out and why, its PDF — kept, and open to the whole office of
the government, where a job's file is its requester's and kept DUCHA_JOB_FILE_HOURS); the job is its run. A job
that ends without finishing — cancelled while queued, its worker lost — fails the batch too (`_settle`, on the
jobs' "job.finished" event), so no batch is left "running".

Memory stays flat: one notice is held at a time; the merged file is PDFium's, built page by page. Items that cannot
have a notice (a field the profile does not fill) are left out with the reason, and the rest go on.
"""

from __future__ import annotations

import contextlib
import datetime
import tempfile
from collections import deque
from collections.abc import Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from typing import IO, Any

import pypdfium2
from django.core.files import File
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from ducha.common import error_codes as codes
from ducha.common import events
from ducha.common.errors import DomainError, InvalidState, NotFound, NotPermitted
from ducha.documents import pdf, services
from ducha.documents.kinds import KINDS
from ducha.documents.kinds.items import prefetch_for_documents
from ducha.documents.models import BatchStatus, Document, DocumentBatch, DocumentKind
from ducha.items.models import Item
from ducha.jobs import registry as job_registry
from ducha.jobs import services as jobs
from ducha.jobs.models import Job, JobStatus
from ducha.orgs.models import User
from ducha.orgs.selectors import government_of

KIND = DocumentKind.SUPERVISION_NOTICE
NOTICES_JOB = "notices_batch"


def _items(government_id: int, day: datetime.date):  # type: ignore[no-untyped-def]
    start = timezone.make_aware(datetime.datetime.combine(day, datetime.time.min))
    end = start + datetime.timedelta(days=1)
    return (
        Item.objects.filter(government_id=government_id, assigned_at__gte=start, assigned_at__lt=end)
        .exclude(assigned_at=None)
        .order_by("assigned_at", "id")
    )


def batch_start(*, actor: User, day: datetime.date | None = None) -> DocumentBatch:
    """Queue the day's notices (today by default) as a background job of the actor's; the office only."""
    government = government_of(actor)
    if not services.may_issue(actor, government):
        raise NotPermitted(codes.ROLE_REQUIRED, _("Only the supervision office issues its documents."))
    reason = pdf.pdf_unavailable()
    if reason is not None:
        raise pdf.PdfUnavailable(reason)
    day = day or timezone.localdate()
    with transaction.atomic():
        batch = DocumentBatch.objects.create(
            government=government,
            kind=KIND,
            day=day,
            total=_items(government.pk, day).count(),
            created_by=actor,
            created_at=timezone.now(),
        )
        jobs.start(
            kind=NOTICES_JOB,
            owner=actor,
            params={"batch_id": batch.pk},
            title=_("Supervision notices of the items assigned on %(day)s") % {"day": day.isoformat()},
        )
    return batch


def batch_job(batch: DocumentBatch) -> Job | None:
    """The batch's latest job (its first run, or the latest retry)."""
    return Job.objects.filter(kind=NOTICES_JOB, params__batch_id=batch.pk).order_by("-id").first()


def batch_for_user(user: User, batch_id: int) -> DocumentBatch:
    government = government_of(user)
    batch = DocumentBatch.objects.filter(pk=batch_id, government=government).first() if batch_id > 0 else None
    if batch is None or not services.may_issue(user, government):
        raise NotFound()
    return batch


class _Merged:
    """One PDF grown notice by notice, its memory bounded: every FLUSH_EVERY notices the document so far is written
    to a temporary file and reopened from it (PDFium then reads its pages from disk as it needs them), so what is
    held is the pages added since, not the whole batch."""

    FLUSH_EVERY = 25

    def __init__(self) -> None:
        self.folder = tempfile.TemporaryDirectory(prefix="ducha-batch-")
        self.document = pypdfium2.PdfDocument.new()
        self.added = 0
        self.flushes = 0

    def append(self, data: bytes) -> None:
        part = pypdfium2.PdfDocument(data)
        try:
            self.document.import_pages(part)
        finally:
            part.close()
        self.added += 1
        if self.added % self.FLUSH_EVERY == 0:
            self._flush()

    def _save(self) -> str:
        # Two files in turn: the open document is read from one while written to the other.
        path = f"{self.folder.name}/merged-{self.flushes % 2}.pdf"
        self.flushes += 1
        self.document.save(path)
        self.document.close()
        return path

    def _flush(self) -> None:
        self.document = pypdfium2.PdfDocument(self._save())

    @contextlib.contextmanager
    def finished(self) -> Iterator[IO[bytes]]:
        with open(self._save(), "rb") as handle:
            yield handle

    def close(self) -> None:
        with contextlib.suppress(Exception):
            self.document.close()
        self.folder.cleanup()


def batch_run(batch_id: int, progress: jobs.Progress | None = None) -> DocumentBatch:
    """Run a queued batch (its job calls this, with the job's `progress`: a step per notice, and the cancel, which
    raises jobs.Cancelled). A batch already taken by another worker is left alone; run by a job, a failed batch is
    run again from the start (the job's retry). A DomainError fails the batch, and then its job."""
    claimable = (BatchStatus.QUEUED, BatchStatus.FAILED) if progress is not None else (BatchStatus.QUEUED,)
    taken = DocumentBatch.objects.filter(pk=batch_id, status__in=claimable).update(
        status=BatchStatus.RUNNING, done=0, skipped={}, error="", finished_at=None
    )
    batch = DocumentBatch.objects.select_related("created_by").get(pk=batch_id)
    if not taken:
        return batch
    kind = KINDS[KIND]
    merged = _Merged()
    skipped: dict[str, str] = {}
    # The engines convert while the next notices are issued: one conversion in flight per engine and no more
    # waiting, so memory holds a handful of notices at most.
    engines = max(1, len(pdf.engine_addresses()))
    converter = ThreadPoolExecutor(max_workers=engines, thread_name_prefix="pdf")
    pending: deque[tuple[Document, Future[bytes] | None]] = deque()
    done = 0

    def settle() -> None:
        nonlocal done
        document, future = pending.popleft()
        if future is None:
            data = services.document_pdf(document)
        else:
            data = future.result()
            services.pdf_keep(document, data)
        merged.append(data)
        done += 1
        DocumentBatch.objects.filter(pk=batch.pk).update(done=done)
        if progress is not None:
            progress.advance()

    try:
        items = prefetch_for_documents(_items(batch.government_id, batch.day).select_related("government"))
        total = items.count()
        DocumentBatch.objects.filter(pk=batch.pk).update(total=total)
        if progress is not None:
            progress.begin(total, _("Issuing the notices and putting them in one PDF"))
        # The notices issued before, the latest version of each, in one query (a day holds hundreds of items).
        issued = {
            document.subject_id: document
            for document in Document.objects.filter(
                subject_type="item", kind=KIND, subject_id__in=items.values("pk")
            ).order_by("subject_id", "version", "id")
        }
        for item in items.iterator(chunk_size=50):
            try:
                document = issued.get(item.pk) or services.document_issue(
                    kind=kind, subject=item, actor=batch.created_by, inputs={}
                )
            except pdf.PdfUnavailable:
                raise  # the engine went away: the batch fails saying so
            except DomainError as error:
                skipped[item.number or str(item.pk)] = error.message + "".join(
                    f" {message}" for message in error.fields.values()
                )
                done += 1
                DocumentBatch.objects.filter(pk=batch.pk).update(done=done)
                if progress is not None:
                    progress.advance()
                continue
            future = (
                None if document.pdf else converter.submit(pdf.docx_to_pdf, services.document_docx(document))
            )
            pending.append((document, future))
            while len(pending) > engines:
                settle()
        while pending:
            settle()
        with merged.finished() as buffer:
            batch.file.save(f"notices-{batch.day:%Y%m%d}-{batch.pk}.pdf", File(buffer), save=False)
        DocumentBatch.objects.filter(pk=batch.pk).update(
            status=BatchStatus.DONE, file=batch.file.name, skipped=skipped, finished_at=timezone.now()
        )
    except jobs.Cancelled:
        DocumentBatch.objects.filter(pk=batch.pk).update(
            status=BatchStatus.FAILED,
            error=str(codes.message_for(codes.JOB_CANCELLED)),
            skipped=skipped,
            finished_at=timezone.now(),
        )
        raise
    except DomainError as error:
        DocumentBatch.objects.filter(pk=batch.pk).update(
            status=BatchStatus.FAILED, error=error.message, skipped=skipped, finished_at=timezone.now()
        )
        if progress is not None:
            raise  # the job fails with the batch, saying why
    except Exception:
        # Never left "running": the page says it failed; the task's log has the cause.
        DocumentBatch.objects.filter(pk=batch.pk).update(
            status=BatchStatus.FAILED,
            error=str(_("The batch failed.")),
            skipped=skipped,
            finished_at=timezone.now(),
        )
        raise
    finally:
        converter.shutdown(wait=True, cancel_futures=True)
        merged.close()
    batch.refresh_from_db()
    return batch


def _run_job(job: Job, progress: jobs.Progress) -> dict[str, Any]:
    batch = DocumentBatch.objects.select_related("government").filter(pk=job.params.get("batch_id")).first()
    if batch is None:
        raise NotFound()
    if not services.may_issue(
        job.owner, batch.government
    ):  # the requester has since left the office (_settle)
        raise NotPermitted(codes.ROLE_REQUIRED)
    ran = batch_run(batch.pk, progress)
    if ran.status != BatchStatus.DONE:  # taken by another run meanwhile
        raise InvalidState(codes.JOB_NOT_READY, _("The batch is being made by another run."))
    left_out = len(ran.skipped or {})
    return {
        "summary": _("%(count)d notices of %(day)s in one PDF; %(left)d items left out.")
        % {"count": ran.total - left_out, "day": ran.day.isoformat(), "left": left_out},
        "batch": ran.pk,
        "notices": ran.total - left_out,
        "left_out": left_out,
    }


def _settle(*, job_id: int, owner_id: int, kind: str, status: str) -> None:
    """A batch's job ended ("job.finished") without finishing it (cancelled while queued, its worker lost): the
    batch says it failed, with the job's reason, rather than waiting or running for ever."""
    if kind != NOTICES_JOB or status == JobStatus.DONE:
        return
    job = Job.objects.filter(pk=job_id).only("params", "error").first()
    if job is None:
        return
    DocumentBatch.objects.filter(
        pk=job.params.get("batch_id"), status__in=(BatchStatus.QUEUED, BatchStatus.RUNNING)
    ).update(
        status=BatchStatus.FAILED,
        error=job.error or str(codes.message_for(codes.JOB_FAILED)),
        finished_at=timezone.now(),
    )


def register() -> None:
    job_registry.register(
        job_registry.JobKind(
            name=NOTICES_JOB, label=gettext_lazy("The day's supervision notices"), run=_run_job
        )
    )
    events.listen(jobs.JOB_FINISHED, _settle)


def batch_pdf(batch: DocumentBatch) -> bytes:
    if batch.status != BatchStatus.DONE or not batch.file:
        raise InvalidState(codes.DOCUMENT_NOT_ISSUED, _("The batch has not finished yet."))
    with batch.file.open("rb") as handle:
        return bytes(handle.read())
