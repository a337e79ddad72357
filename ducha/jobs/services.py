"""Background jobs: asked for, run, watched, cancelled, retried, their files handed out and deleted.

- `start` queues a job of a registered kind (ducha.jobs.registry), or joins the one already queued or running
  for the same owner, kind and parameters (the key): a second click does not start a second export.
- `run` (the task ducha.jobs.tasks.run_job, in a worker) calls the kind's function with a `Progress`. The
  function reports how far it is; progress is written at most every PROGRESS_SECONDS (so a page polling it sees
  a change at least that often while work goes on), and a thread of the worker writes the job's heartbeat every
  HEARTBEAT_SECONDS on its own connection (even while the work holds a long transaction). A cancel asked for by
  the user is seen at the next report, and the job ends CANCELLED with nothing kept.
- A file is written by the function to `progress.output()`, a temporary file unlinked from the start: when the
  worker dies, nothing is left of it; only a finished job's file is saved to storage and offered.
- `reap` fails the jobs whose heartbeat stopped (the worker was killed): JOB_WORKER_LOST, nothing offered. A
  job read by its page is checked the same way (`job_for_user`), so its owner sees it without waiting for the
  scheduler. `retry` runs a failed or cancelled job again (a new job, `retry_of` the old one).
- `purge` deletes files past their time (settings.DUCHA_JOB_FILE_HOURS, or the kind's own).
- `open_download` checks, at download time, that the user may still read the job (the kind's `may_read`: the
  owner), that its file is ready and not expired, and the kind's own check of the user as they are now
  (`refuse_download`: the ledger's export refuses an owner whose scope changed since the file was made).

A job's end is published as the event "job.finished" (ducha.common.events) with job_id, owner_id, kind, status:
the inbox listens and tells the owner, with the download link.
"""

from __future__ import annotations

import datetime
import functools
import hashlib
import json
import logging
import secrets
import tempfile
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import IO, Any

from django.conf import settings
from django.core.files import File
from django.core.files.storage import default_storage
from django.db import IntegrityError, close_old_connections, connection, transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import override

from ducha.common import error_codes as codes
from ducha.common import events
from ducha.common.errors import DomainError, InvalidState, NotFound, NotPermitted, ValidationFailed
from ducha.jobs import registry
from ducha.jobs.models import Job, JobStatus
from ducha.orgs.models import User

logger = logging.getLogger("ducha.jobs")

PROGRESS_SECONDS = (
    1.0  # progress written at most this often (the issue asks for an update at least every 2 s)
)
HEARTBEAT_SECONDS = 5.0
PULSE_SECONDS = 1.0  # the heartbeat's pace while a step cannot count (Progress.waiting)
DEAD_AFTER_SECONDS = 45  # a running job without a heartbeat for this long lost its worker
JOB_FINISHED = "job.finished"  # event: job_id, owner_id, kind, status


class Cancelled(Exception):
    """Raised in the job's function by Progress when its owner cancelled it."""


def job_key(kind: str, owner_id: int, params: dict[str, Any]) -> str:
    described = json.dumps([kind, owner_id, params], sort_keys=True, ensure_ascii=False, default=str)
    return hashlib.sha256(described.encode()).hexdigest()


def keep_hours(job: Job) -> int:
    kind = registry.get(job.kind)
    if kind is not None and kind.keep_hours is not None:
        return kind.keep_hours
    return int(getattr(settings, "DUCHA_JOB_FILE_HOURS", 72))


# --- asking ---------------------------------------------------------------------------------------------------


def start(
    *, kind: str, owner: User, params: dict[str, Any], title: str = "", now: datetime.datetime | None = None
) -> tuple[Job, bool]:
    """Queue a job of `kind` for `owner` with `params` (JSON), or join the active one with the same key. Returns
    the job and whether it was joined. The caller has checked that the owner may ask for it; the kind's `prepare`
    (if any) checks and normalises `params` first (a DomainError refuses the ask)."""
    described = registry.get(kind)
    if described is None:
        raise ValidationFailed(codes.JOB_KIND_UNKNOWN)
    if described.prepare is not None:
        params = described.prepare(owner, params)
    key = job_key(kind, owner.pk, params)
    now = now or timezone.now()
    for _attempt in range(3):
        existing = Job.objects.filter(key=key, status__in=JobStatus.active()).first()
        if existing is not None:
            return existing, True
        try:
            with transaction.atomic():
                job = Job.objects.create(
                    kind=kind, owner=owner, key=key, params=params, title=title[:200], created_at=now
                )
                transaction.on_commit(functools.partial(_enqueue, job.pk))
            return job, False
        except IntegrityError:  # another request queued it between the read and the insert: join that one
            continue
    raise InvalidState(codes.JOB_NOT_READY)


def _enqueue(job_id: int) -> None:
    from ducha.jobs.tasks import run_job  # the task module imports this one

    result = run_job.enqueue(job_id)
    Job.objects.filter(pk=job_id, task_id="").update(task_id=str(result.id)[:64])


def cancel(*, job_id: int, user: User, now: datetime.datetime | None = None) -> Job:
    """Cancel a queued job at once; ask a running one to stop (its worker stops at its next report)."""
    now = now or timezone.now()
    job = job_for_user(user, job_id, now=now)
    if job.status not in JobStatus.active():
        raise InvalidState(codes.JOB_NOT_CANCELLABLE)
    queued = Job.objects.filter(pk=job.pk, status=JobStatus.QUEUED).update(
        status=JobStatus.CANCELLED,
        cancel_requested=True,
        error_code=codes.JOB_CANCELLED,
        error=str(codes.message_for(codes.JOB_CANCELLED)),
        finished_at=now,
    )
    if queued:
        _finished(job.pk)
    else:
        Job.objects.filter(pk=job.pk, status=JobStatus.RUNNING).update(cancel_requested=True)
    job.refresh_from_db()
    return job


def retry(*, job_id: int, user: User, now: datetime.datetime | None = None) -> tuple[Job, bool]:
    """Run a failed or cancelled job again, as a new job (or join the one already running for the same ask)."""
    now = now or timezone.now()
    job = job_for_user(user, job_id, now=now)
    if job.status not in (JobStatus.FAILED, JobStatus.CANCELLED):
        raise InvalidState(codes.JOB_NOT_RETRYABLE)
    again, joined = start(kind=job.kind, owner=job.owner, params=job.params, title=job.title, now=now)
    if not joined:
        Job.objects.filter(pk=again.pk).update(retry_of=job, attempt=job.attempt + 1)
        again.retry_of, again.attempt = job, job.attempt + 1
    return again, joined


# --- reading --------------------------------------------------------------------------------------------------


def _lost(job: Job, now: datetime.datetime) -> bool:
    last = job.heartbeat_at or job.started_at
    return (
        job.status == JobStatus.RUNNING
        and last is not None
        and (now - last).total_seconds() > DEAD_AFTER_SECONDS
    )


def _fail_lost(job_ids: list[int], now: datetime.datetime) -> int:
    failed = 0
    for job_id in job_ids:
        limit = now - datetime.timedelta(seconds=DEAD_AFTER_SECONDS)
        updated = Job.objects.filter(pk=job_id, status=JobStatus.RUNNING, heartbeat_at__lt=limit).update(
            status=JobStatus.FAILED,
            error_code=codes.JOB_WORKER_LOST,
            error=str(codes.message_for(codes.JOB_WORKER_LOST)),
            finished_at=now,
        )
        if updated:
            failed += 1
            _finished(job_id)
    return failed


def job_for_user(user: User, job_id: int, *, now: datetime.datetime | None = None) -> Job:
    """The job, if `user` may read it now (NotFound otherwise); a running job whose worker died is failed first."""
    job = Job.objects.select_related("owner").filter(pk=job_id).first() if 0 < job_id < 2**63 else None
    kind = registry.get(job.kind) if job is not None else None
    if job is None or kind is None or not user.is_authenticated or not kind.may_read(job, user):
        raise NotFound()
    now = now or timezone.now()
    if _lost(job, now) and _fail_lost([job.pk], now):
        job.refresh_from_db()
    return job


def jobs_for_user(user: User, *, kind: str | None = None, limit: int = 20) -> list[Job]:
    """The user's latest jobs (of `kind`), newest first."""
    queryset = Job.objects.filter(owner_id=user.pk)
    if kind is not None:
        queryset = queryset.filter(kind=kind)
    return list(queryset.order_by("-id")[:limit])


def seconds_left(job: Job, now: datetime.datetime | None = None) -> int | None:
    """A guess of the time left, from the rate so far; None when it cannot be told."""
    if job.status != JobStatus.RUNNING or not job.total or not job.done or job.started_at is None:
        return None
    now = now or timezone.now()
    spent = (now - job.started_at).total_seconds()
    if spent <= 0:
        return None
    return max(0, int(spent * (job.total - job.done) / job.done))


def download_refusal(job: Job, user: User, now: datetime.datetime | None = None) -> DomainError | None:
    """Why `user` (who may read `job`) cannot download its file now — not finished (409 JOB_NOT_READY), kept past
    its time (409 JOB_EXPIRED), the kind's own check (`refuse_download`: 403, e.g. JOB_SCOPE_CHANGED) — or None.
    The job's page shows the reason in place of the link; `open_download` raises it."""
    now = now or timezone.now()
    if job.status != JobStatus.DONE:
        return InvalidState(codes.JOB_NOT_READY)
    if not job.file or (job.expires_at is not None and job.expires_at <= now):
        return InvalidState(codes.JOB_EXPIRED)
    kind = registry.get(job.kind)
    refused = kind.refuse_download(job, user) if kind is not None and kind.refuse_download else None
    return NotPermitted(refused) if refused else None


def open_download(
    *, job_id: int, user: User, now: datetime.datetime | None = None
) -> tuple[IO[bytes], str, str]:
    """The job's file (opened), its download name and content type — checked now against the user's scope."""
    now = now or timezone.now()
    job = job_for_user(user, job_id, now=now)
    refusal = download_refusal(job, user, now)
    if refusal is not None:
        raise refusal
    try:
        handle = job.file.open("rb")
    except FileNotFoundError:
        raise InvalidState(codes.JOB_EXPIRED) from None
    return handle, job.filename, job.content_type or "application/octet-stream"


# --- running --------------------------------------------------------------------------------------------------


class Progress:
    """How the job's function tells how far it is, and where it writes its file."""

    def __init__(self, job: Job, *, clock: Any = time.monotonic) -> None:
        self.job = job
        self.done = 0
        self.total: int | None = None
        self.stage = ""
        self.cancelled = threading.Event()
        self._clock = clock
        self._written = clock()
        self._output: IO[bytes] | None = None
        self._output_name = ""
        self._output_type = ""
        self.waiting_since: float | None = None

    def begin(self, total: int | None, stage: str = "") -> None:
        """Say how much there is to do (None: not known) and what is being done."""
        self.total, self.stage, self.done = total, stage, 0
        self._write()

    def set_stage(self, stage: str, total: int | None = None) -> None:
        """A new stage (validating, writing…), its own count from 0."""
        self.begin(total, stage)

    def advance(self, count: int = 1) -> None:
        """`count` more done; written when PROGRESS_SECONDS have passed. Raises Cancelled when cancelled."""
        self.done += count
        if self._clock() - self._written >= PROGRESS_SECONDS:
            self._write()
        if self.cancelled.is_set():
            raise Cancelled

    def check(self) -> None:
        """Raise Cancelled if the owner cancelled (for work that has no count to report)."""
        if self._clock() - self._written >= PROGRESS_SECONDS:
            self._write()
        if self.cancelled.is_set():
            raise Cancelled

    @contextmanager
    def waiting(self, stage: str) -> Iterator[None]:
        """A step that cannot count its way (packing the written file): `stage` is shown with the seconds it has
        taken so far, written every PULSE_SECONDS by the heartbeat thread on its own connection, so the page still
        sees a change at least that often."""
        self.stage = stage
        self._write()
        self.waiting_since = self._clock()
        try:
            yield
        finally:
            self.waiting_since = None

    def output(self, filename: str, content_type: str) -> IO[bytes]:
        """A temporary file to write the job's file to (`filename`: the name it is downloaded under). It has no
        name on disk, so a worker that dies leaves nothing; it is saved to storage only when the job succeeds."""
        if self._output is None:
            self._output = tempfile.TemporaryFile(prefix="ducha-job-")  # noqa: SIM115 - closed by run()
        self._output_name, self._output_type = filename, content_type
        return self._output

    def _write(self) -> None:
        self._written = self._clock()
        # SQLite: inside the function's own transaction nobody else would see the write before its end; the
        # cancel flag is still read (the heartbeat thread reads it on its own connection too).
        if not (connection.in_atomic_block and connection.vendor == "sqlite"):
            fields: dict[str, Any] = {"done": self.done, "total": self.total, "stage": self.stage[:200]}
            if not connection.in_atomic_block:
                fields["heartbeat_at"] = timezone.now()
            Job.objects.filter(pk=self.job.pk, status=JobStatus.RUNNING).update(**fields)
        if Job.objects.filter(pk=self.job.pk, cancel_requested=True).exists():
            self.cancelled.set()


class _Heartbeat(threading.Thread):
    """Writes the job's heartbeat (and reads its cancel flag) every HEARTBEAT_SECONDS on the thread's own
    connection, whatever the job's function is doing."""

    def __init__(self, job_id: int, progress: Progress) -> None:
        super().__init__(name=f"ducha-job-{job_id}-heartbeat", daemon=True)
        self.job_id, self.progress = job_id, progress
        self.stopping = threading.Event()

    def _due(self, last: float, now: float) -> bool:
        """Whether to write now: every PULSE_SECONDS while a step cannot count (Progress.waiting), otherwise every
        HEARTBEAT_SECONDS. The thread wakes every PULSE_SECONDS either way, so a step that begins to wait is shown
        within a second, not after the rest of a five-second sleep."""
        pace = PULSE_SECONDS if self.progress.waiting_since is not None else HEARTBEAT_SECONDS
        return now - last >= pace

    def run(self) -> None:
        clock = self.progress._clock
        last = clock()
        try:
            while not self.stopping.wait(PULSE_SECONDS):
                if not self._due(last, clock()):
                    continue
                last = clock()
                try:
                    fields: dict[str, Any] = {"heartbeat_at": timezone.now()}
                    since = self.progress.waiting_since
                    if since is not None:
                        with override(settings.LANGUAGE_CODE):
                            fields["stage"] = (
                                _("%(stage)s (%(seconds)d s)")
                                % {"stage": self.progress.stage, "seconds": clock() - since}
                            )[:200]
                    Job.objects.filter(pk=self.job_id, status=JobStatus.RUNNING).update(**fields)
                    if Job.objects.filter(pk=self.job_id, cancel_requested=True).exists():
                        self.progress.cancelled.set()
                except Exception:  # a busy SQLite file, a dropped connection: try again next beat
                    logger.warning("job %s: heartbeat not written", self.job_id, exc_info=True)
        finally:
            connection.close()


@contextmanager
def _heartbeat(job_id: int, progress: Progress, enabled: bool) -> Iterator[None]:
    beat = _Heartbeat(job_id, progress) if enabled else None
    if beat is not None:
        beat.start()
    try:
        yield
    finally:
        if beat is not None:
            beat.stopping.set()
            beat.join(timeout=HEARTBEAT_SECONDS * 2)


def _claim(job_id: int, now: datetime.datetime) -> Job | None:
    claimed = Job.objects.filter(pk=job_id, status=JobStatus.QUEUED).update(
        status=JobStatus.RUNNING, started_at=now, heartbeat_at=now
    )
    return Job.objects.filter(pk=job_id).first() if claimed else None


def _end(job: Job, **fields: Any) -> bool:
    fields.setdefault("finished_at", timezone.now())
    updated = Job.objects.filter(pk=job.pk, status=JobStatus.RUNNING).update(**fields)
    if updated:
        _finished(job.pk)
    return bool(updated)


def _finished(job_id: int) -> None:
    job = Job.objects.filter(pk=job_id).values("owner_id", "kind", "status").first()
    if job is not None:
        events.publish_on_commit(
            JOB_FINISHED, job_id=job_id, owner_id=job["owner_id"], kind=job["kind"], status=job["status"]
        )


def run(job_id: int, *, heartbeat: bool = True) -> str:
    """Run the job (in a worker): claim it, call its kind's function, keep its file and end it. Returns the
    job's status. A job not queued (cancelled before it started, run already) is left alone."""
    # Inside a transaction (a test's), dropping the connection would end it.
    if not connection.in_atomic_block:
        close_old_connections()
    now = timezone.now()
    job = _claim(job_id, now)
    if job is None:
        current = Job.objects.filter(pk=job_id).values_list("status", flat=True).first()
        return str(current or "missing")
    kind = registry.get(job.kind)
    progress = Progress(job)
    try:
        if kind is None:
            raise DomainError(codes.JOB_KIND_UNKNOWN)
        with _heartbeat(job.pk, progress, heartbeat):
            result = kind.run(job, progress) or {}
        fields: dict[str, Any] = {
            "status": JobStatus.DONE,
            "result": result,
            "done": progress.total if progress.total is not None else progress.done,
            "total": progress.total,
            "stage": "",
        }
        if progress._output is not None:
            handle = progress._output
            handle.flush()
            size = handle.tell()
            handle.seek(0)
            suffix = Path(progress._output_name).suffix.lower()[:10]
            name = job.file.field.generate_filename(job, f"{secrets.token_hex(8)}{suffix}")
            stored = default_storage.save(name, File(handle, name=progress._output_name))
            finished = timezone.now()
            fields.update(
                file=stored,
                filename=progress._output_name,
                content_type=progress._output_type,
                size=size,
                finished_at=finished,
                expires_at=finished + datetime.timedelta(hours=keep_hours(job)),
            )
            if not _end(job, **fields):  # cancelled or reaped meanwhile: the file is not offered
                default_storage.delete(stored)
        else:
            _end(job, **fields)
    except Cancelled:
        _end(
            job,
            status=JobStatus.CANCELLED,
            error_code=codes.JOB_CANCELLED,
            error=str(codes.message_for(codes.JOB_CANCELLED)),
        )
    except DomainError as error:
        _end(job, status=JobStatus.FAILED, error_code=error.code, error=error.message)
    except Exception:
        logger.exception("job %s (%s) failed", job.pk, job.kind)
        _end(
            job,
            status=JobStatus.FAILED,
            error_code=codes.JOB_FAILED,
            error=str(codes.message_for(codes.JOB_FAILED)),
        )
    finally:
        if progress._output is not None:
            progress._output.close()
    return str(Job.objects.filter(pk=job_id).values_list("status", flat=True).first())


# --- the scheduler's rounds ------------------------------------------------------------------------------------


def reap(now: datetime.datetime | None = None) -> int:
    """Fail the running jobs whose worker died (no heartbeat for DEAD_AFTER_SECONDS). Returns how many."""
    now = now or timezone.now()
    limit = now - datetime.timedelta(seconds=DEAD_AFTER_SECONDS)
    lost = list(
        Job.objects.filter(status=JobStatus.RUNNING, heartbeat_at__lt=limit).values_list("pk", flat=True)[
            :1000
        ]
    )
    return _fail_lost(lost, now)


def purge(now: datetime.datetime | None = None) -> int:
    """Delete the files kept past their time; the jobs stay (with their result), without a file. Returns how
    many files were deleted."""
    now = now or timezone.now()
    expired = Job.objects.filter(expires_at__lte=now).exclude(file="").only("pk", "file")[:1000]
    deleted = 0
    for job in expired:
        name = str(job.file.name)
        if Job.objects.filter(pk=job.pk, file=name).update(file=""):
            try:
                default_storage.delete(name)
            except OSError:
                logger.warning("job %s: its file %s could not be deleted", job.pk, name, exc_info=True)
            deleted += 1
    return deleted
