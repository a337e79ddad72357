"""The ledger's Excel import of a large file, in two background jobs (ducha.jobs): checking it can take seconds
(openpyxl reads ~2,000 rows a second) and importing it longer (every row is an item_create), too long for a request.

The upload is stored as for a small file (`upload_path`: MEDIA_ROOT/ledger-imports/<user id>/<token>.xlsx) and the
session remembers it (ducha.workbench.views.ledger). A file of more than settings.DUCHA_IMPORT_INLINE_ROWS rows
(`is_large`, counted cheaply from the sheet's XML) then goes through:

- `check_start` → kind "ledger_import_check", params {token, sha256}: every row read and validated, progress per
  row; its result is the preview the user confirms: the counts, the errors (the first ERRORS_KEPT), the digest.
  Nothing is written; the file stays whatever happens (a cancelled or failed check is run again on the same file).
- `commit_start` → kind "ledger_import_commit", params {token, sha256, count}: the file is claimed (renamed
  .importing, so a second run of the same upload cannot take it), read and validated again with progress per row
  (units may have been renamed since the check), compared with what the user confirmed (the digest and the number
  of valid rows), then every valid row is created in ONE transaction — all of them or none. During that last
  stage nothing is reported but its name and the number of items: writes to the job's row inside the
  transaction would be seen by no one else until the commit (and on PostgreSQL would lock the row the heartbeat
  and a cancel write to); the cancel is still honoured between rows (the flag the heartbeat thread reads) and rolls
  everything back. On success the file is deleted; on any failure or cancel it is renamed back, so the user can
  confirm (or retry the job) again.

Exactly once: the same transaction records that the upload was imported (`commit_once`: an ImportedUpload, unique
per owner and token, with the job and the number of items; not the job's row, see above). A worker that dies after
that commit but before its file is deleted and its job ended leaves the job to be failed as lost and the file
claimed; the retry (or any later run of the upload, the small-file confirmation too) finds the record first, deletes
what is left of the file and ends DONE saying the items were imported already. Two runs at once (a stalled worker
reaped and retried) meet at the record's key: the second imports nothing.

The same upload confirmed twice (two clicks, two tabs) joins one commit job: the parameters are the job's key.
Both kinds are the owner's only (the default `may_read`); the owner's right to import is checked again when a job
runs, not only when it was asked.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
from collections.abc import Callable
from pathlib import Path
from typing import Any

from django.conf import settings
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext

from ducha.common import error_codes as codes
from ducha.common.errors import InvalidState, NotPermitted, ValidationFailed
from ducha.items.models import Item
from ducha.jobs import registry, services
from ducha.jobs.models import Job, JobStatus
from ducha.orgs.models import Role, Unit, User
from ducha.workbench import excel
from ducha.workbench.models import ImportedUpload

CHECK = "ledger_import_check"
COMMIT = "ledger_import_commit"
ERRORS_KEPT = 1000  # errors kept in the check's result (and shown); the counts are always whole


def upload_dir(user_id: int) -> Path:
    return Path(settings.MEDIA_ROOT) / "ledger-imports" / str(user_id)


def upload_path(user_id: int, token: str, suffix: str = ".xlsx") -> Path:
    return upload_dir(user_id) / f"{token}{suffix}"


def inline_rows() -> int:
    return int(getattr(settings, "DUCHA_IMPORT_INLINE_ROWS", 500))


def is_large(path: Path) -> bool:
    """Whether the stored upload has more rows than are checked and imported at once."""
    with path.open("rb") as handle:
        return excel.importing.import_row_estimate(handle) > inline_rows()


def may_import(user: User) -> bool:
    return user.has_role(Role.OFFICE) and user.unit is not None and user.unit.government_id is not None


def _government(user: User) -> Unit:
    if not may_import(user):
        raise NotPermitted(codes.ROLE_REQUIRED)
    assert user.unit is not None and user.unit.government is not None
    return user.unit.government


# --- asking ---------------------------------------------------------------------------------------------------


def check_start(*, user: User, token: str, sha256: str, name: str) -> tuple[Job, bool]:
    """Check a stored upload in the background (or join the check already running)."""
    _government(user)
    return services.start(
        kind=CHECK,
        owner=user,
        params={"token": token, "sha256": sha256},
        title=_("Check of the import file %(name)s") % {"name": name},
    )


def commit_start(*, user: User, token: str, sha256: str, count: int, name: str) -> tuple[Job, bool]:
    """Import the `count` valid rows of a checked upload in the background (or join the import already asked)."""
    _government(user)
    return services.start(
        kind=COMMIT,
        owner=user,
        params={"token": token, "sha256": sha256, "count": count},
        title=_("Import of %(name)s") % {"name": name},
    )


def _latest(user: User, kind: str, params: dict[str, Any]) -> Job | None:
    """The latest job of `kind` asked with `params` (its retries have the same key), checked as its page does."""
    key = services.job_key(kind, user.pk, params)
    found = Job.objects.filter(owner_id=user.pk, key=key).order_by("-id").values_list("pk", flat=True).first()
    return services.job_for_user(user, found) if found is not None else None


def check_job(user: User, token: str, sha256: str) -> Job | None:
    return _latest(user, CHECK, {"token": token, "sha256": sha256})


def commit_job(user: User, token: str, sha256: str, count: int) -> Job | None:
    return _latest(user, COMMIT, {"token": token, "sha256": sha256, "count": count})


def commit_active(user: User, token: str) -> bool:
    """Whether an import of this upload is queued or running (its file must then stay)."""
    return Job.objects.filter(
        owner_id=user.pk, kind=COMMIT, status__in=JobStatus.active(), params__token=token
    ).exists()


def preview_url(token: str) -> str:
    return f"{reverse('ledger-import')}?token={token}"


# --- running --------------------------------------------------------------------------------------------------


def _parse(handle: Any, *, government: Unit, sha256: str, progress: services.Progress) -> excel.ImportPreview:
    digest = hashlib.file_digest(handle, "sha256").hexdigest()
    if digest != sha256:
        raise InvalidState(codes.LEDGER_IMPORT_CHANGED)
    handle.seek(0)
    estimate = excel.importing.import_row_estimate(handle)
    return excel.import_parse(handle, government=government, steps=progress, expected_rows=estimate)


def _check_run(job: Job, progress: services.Progress) -> dict[str, Any]:
    owner = job.owner
    government = _government(owner)
    token, sha256 = str(job.params["token"]), str(job.params["sha256"])
    try:
        handle = upload_path(owner.pk, token).open("rb")
    except FileNotFoundError:
        raise InvalidState(codes.LEDGER_IMPORT_EXPIRED) from None
    with handle:
        preview = _parse(handle, government=government, sha256=sha256, progress=progress)
    return check_result(preview, token=token)


def check_result(preview: excel.ImportPreview, *, token: str) -> dict[str, Any]:
    """What the check keeps: the counts, the file's error if any, the rows' errors (the first ERRORS_KEPT). The
    keys starting with "_" are read by the preview page, not shown on the job's page."""
    if preview.file_error:
        message = excel.file_error_message(preview.file_error, preview.file_error_detail)
        return {"summary": message, "_file_error": preview.file_error, "_url": preview_url(token)}
    valid, invalid = len(preview.valid_rows), len(preview.invalid_rows)
    errors = [
        {
            "row": row.number,
            "column": error.column,
            "header": error.header,
            "code": error.code,
            "message": error.message,
        }
        for row in preview.invalid_rows
        for error in row.errors
    ]
    summary = ngettext(
        "%(total)d row checked: %(valid)d valid, %(invalid)d with errors. Nothing is imported until you confirm.",
        "%(total)d rows checked: %(valid)d valid, %(invalid)d with errors. Nothing is imported until you confirm.",
        len(preview.rows),
    ) % {"total": len(preview.rows), "valid": valid, "invalid": invalid}
    return {
        "summary": summary,
        "rows": len(preview.rows),
        "valid": valid,
        "invalid": invalid,
        "_errors": errors[:ERRORS_KEPT],
        "_errors_left_off": max(0, len(errors) - ERRORS_KEPT),
        "_url": preview_url(token),
    }


class AlreadyImported(Exception):
    """The upload was imported already (by another run, whose transaction committed first): nothing was created."""


def imported_upload(user_id: int, token: str) -> ImportedUpload | None:
    """The record that the upload `token` of the user was imported, or None."""
    return ImportedUpload.objects.filter(owner_id=user_id, token=token).first()


def commit_once(
    *,
    actor: User,
    token: str,
    sha256: str,
    rows: list[excel.ImportRow],
    job: Job | None = None,
    on_row: Callable[[], None] | None = None,
) -> list[Item]:
    """Create the valid `rows` as drafts (excel.import_commit) and record that the upload was imported, in one
    transaction: the record exists exactly when the items do. The record is written first, so that a second run
    of the upload stops there (on PostgreSQL it waits at the record's key until the first run's transaction ends)
    and raises AlreadyImported, with nothing created, instead of creating every row to roll them back. Whatever
    import_commit raises (a refused row, a cancel) rolls the record back with the rows."""
    with transaction.atomic():
        try:
            # `items`: import_commit creates every valid row, or none.
            ImportedUpload.objects.create(
                owner=actor,
                token=token,
                sha256=sha256,
                job=job,
                items=sum(1 for row in rows if row.is_valid),
                imported_at=timezone.now(),
            )
        except IntegrityError:
            raise AlreadyImported from None  # leaves the block: the transaction is rolled back
        return excel.import_commit(actor=actor, rows=rows, on_row=on_row)


def imported_summary(imported: ImportedUpload) -> str:
    return ngettext(
        "This file was imported already (%(count)d item, as a draft); nothing was imported again.",
        "This file was imported already (%(count)d items, as drafts); nothing was imported again.",
        imported.items,
    ) % {"count": imported.items}


def drafts_url() -> str:
    """The ledger showing the drafts: where an import's items are."""
    return f"{reverse('ledger')}?status=draft"


def _imported_already(imported: ImportedUpload, *files: Path) -> dict[str, Any]:
    """The end of a run that finds its upload imported: what is left of the file deleted, the recorded outcome."""
    for leftover in files:
        leftover.unlink(missing_ok=True)
    return {
        "summary": imported_summary(imported),
        "created": imported.items,
        "_already_imported": True,
        "_url": drafts_url(),
    }


def _commit_run(job: Job, progress: services.Progress) -> dict[str, Any]:
    owner = job.owner
    token, sha256, count = str(job.params["token"]), str(job.params["sha256"]), int(job.params["count"])
    stored, claimed = upload_path(owner.pk, token), upload_path(owner.pk, token, ".importing")
    imported = imported_upload(owner.pk, token)
    if imported is not None:
        # A run whose worker died after its commit (this job's first run, or another job of the upload).
        return _imported_already(imported, claimed, stored)
    government = _government(owner)
    try:
        os.rename(stored, claimed)
    except FileNotFoundError:
        # Discarded — or left claimed by a run whose worker died before its commit, which this one takes over
        # (two runs of one upload share the job's key, so they run at once only when a stalled worker was failed
        # as lost and its job retried: then they meet at the record's key, see commit_once).
        if not claimed.exists():
            raise InvalidState(codes.LEDGER_IMPORT_EXPIRED) from None
    try:
        with claimed.open("rb") as handle:
            preview = _parse(handle, government=government, sha256=sha256, progress=progress)
        valid = preview.valid_rows
        if preview.file_error or not valid or len(valid) != count:
            raise InvalidState(codes.LEDGER_IMPORT_CHANGED)
        progress.set_stage(
            ngettext(
                "Saving the %(count)d item in one transaction (all or none; shown when done)",
                "Saving the %(count)d items in one transaction (all or none; shown when done)",
                count,
            )
            % {"count": count}
        )

        def between_rows() -> None:
            # Only the flag: a write to the job's row here would sit in the transaction (see the module's notes).
            if progress.cancelled.is_set():
                raise services.Cancelled

        try:
            created = commit_once(
                actor=owner, token=token, sha256=sha256, rows=valid, job=job, on_row=between_rows
            )
        except excel.ImportCommitFailed as failure:
            raise ValidationFailed(codes.LEDGER_IMPORT_ROW_REFUSED, failure.message) from failure
    except AlreadyImported:
        # Another run committed first (a worker failed as lost while it still ran, then the job retried).
        imported = imported_upload(owner.pk, token)
        assert imported is not None
        return _imported_already(imported, claimed, stored)
    except BaseException:
        with contextlib.suppress(OSError):
            os.rename(claimed, stored)  # the file is the user's: kept for another try
        raise
    # A worker dying from here to the job's end leaves the file claimed; the record tells the retry (see above).
    claimed.unlink(missing_ok=True)
    return {
        "summary": ngettext(
            "%(count)d item was imported as a draft.",
            "%(count)d items were imported as drafts.",
            len(created),
        )
        % {"count": len(created)},
        "created": len(created),
        "_url": drafts_url(),
    }


def register() -> None:
    registry.register(
        registry.JobKind(name=CHECK, label=gettext_lazy("Check of a ledger import file"), run=_check_run)
    )
    registry.register(registry.JobKind(name=COMMIT, label=gettext_lazy("Ledger import"), run=_commit_run))
