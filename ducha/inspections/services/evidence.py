"""Evidence, stored once by SHA-256 and linked to a finding, a rectification or a review request. The same file
used for anything else (another finding, another target's rectification, or a rectification of the very finding
it documented) flags every use of it: the same photo for two findings or targets is a common fake."""

from __future__ import annotations

import datetime
import hashlib
from typing import Any

from django.conf import settings
from django.core.files.uploadedfile import UploadedFile
from django.db import IntegrityError, transaction
from django.db.models import Sum
from django.utils import timezone

from ducha.audit.models import EventType
from ducha.common import error_codes as codes
from ducha.common import uploads
from ducha.common.inputs import choice, invalid
from ducha.common.lifecycle import Change
from ducha.inspections.models import (
    EvidenceFile,
    EvidenceKind,
    EvidenceUse,
    Finding,
    Inspection,
    Rectification,
    ReviewRequest,
)
from ducha.inspections.services.base import INSPECTION_LIFECYCLE, RECTIFICATION_LIFECYCLE, record
from ducha.orgs.models import User


@uploads.stored_bytes_source
def _evidence_bytes(user_id: int) -> int:
    """The evidence files kept for their first uploader (a file uploaded again is kept once, on the first)."""
    return int(EvidenceFile.objects.filter(uploaded_by_id=user_id).aggregate(total=Sum("size"))["total"] or 0)


def _store(upload: UploadedFile | None, actor: User) -> EvidenceFile:
    """The file's bytes, stored once per SHA-256 (an identical upload reuses the stored file)."""
    if upload is None:
        raise invalid(codes.EVIDENCE_FILE_REQUIRED, "file")
    allowed = set(settings.DUCHA_ATTACHMENT_EXTENSIONS) | set(
        getattr(settings, "DUCHA_EVIDENCE_EXTRA_EXTENSIONS", ["mp4", "mov", "heic"])
    )
    # The type and size limits, the content against the extension, the uploader's quota (issue 17).
    uploads.upload_check(
        upload, extensions=allowed, max_bytes=settings.DUCHA_ATTACHMENT_MAX_BYTES, user=actor
    )
    name, _extension = uploads.file_extension(upload)
    digest = hashlib.sha256()
    for chunk in upload.chunks():
        digest.update(chunk)
    upload.seek(0)
    sha256 = digest.hexdigest()
    existing = EvidenceFile.objects.filter(sha256=sha256).first()
    if existing is not None:
        return existing
    stored = EvidenceFile(
        sha256=sha256,
        original_name=name,
        size=upload.size or 0,  # known: upload_check refuses a file without one
        content_type=getattr(upload, "content_type", "") or "",
        uploaded_by=actor,
    )
    stored.file.save(name, upload, save=False)
    try:
        with transaction.atomic():
            stored.save()
    except IntegrityError:
        # Uploaded at the same moment by someone else: use theirs.
        return EvidenceFile.objects.get(sha256=sha256)
    return stored


def evidence_use(
    inspection: Inspection,
    actor: User,
    upload: UploadedFile | None,
    *,
    finding: Finding | None = None,
    rectification: Rectification | None = None,
    review_request: ReviewRequest | None = None,
    kind: str = EvidenceKind.DOCUMENT,
    description: str = "",
    place: str = "",
    taken_at: datetime.datetime | None = None,
) -> Change:
    """Link a file to one finding, rectification or review request: outcome "added", with the values of its
    inspection_evidence_added event (which the caller's runner writes), or "already_added" when the same file is
    there for the same record (one use, nothing recorded). A flag is recorded at once: inspection_evidence_reused
    on this inspection and on every other inspection the file was used in. The change's result is the use."""
    choice(kind, EvidenceKind, "kind")
    stored = _store(upload, actor)
    subject = {"finding": finding, "rectification": rectification, "review_request": review_request}
    existing = EvidenceUse.objects.filter(file=stored, **subject).first()
    if existing is not None:
        return Change(outcome="already_added", result=existing)
    others = list(EvidenceUse.objects.filter(file=stored).select_related("finding", "rectification"))
    use = EvidenceUse.objects.create(
        file=stored,
        inspection=inspection,
        kind=kind,
        description=description[:300],
        place=place[:200],
        taken_at=taken_at,
        recorded_by=actor,
        is_flagged=bool(others),
        **subject,
    )
    if others:
        _flag(inspection, actor, use, others)
    added: dict[str, Any] = {
        "evidence": use.pk,
        "sha256": stored.sha256,
        "name": stored.original_name,
        "finding": finding.pk if finding else None,
        "rectification": rectification.pk if rectification else None,
        "review_request": review_request.pk if review_request else None,
    }
    return Change(outcome="added", new=added, result=use)


def _flag(inspection: Inspection, actor: User, use: EvidenceUse, others: list[EvidenceUse]) -> None:
    EvidenceUse.objects.filter(pk__in=[o.pk for o in others], is_flagged=False).update(
        is_flagged=True, updated_at=timezone.now()
    )
    record(
        inspection,
        EventType.INSPECTION_EVIDENCE_REUSED,
        actor,
        new={
            "evidence": use.pk,
            "sha256": use.file.sha256,
            "also_used_by": [
                {
                    "inspection": o.inspection_id,
                    "finding": o.finding_id,
                    "rectification": o.rectification_id,
                    "review_request": o.review_request_id,
                }
                for o in others
            ],
        },
    )
    for other_inspection in {o.inspection_id for o in others} - {inspection.pk}:
        record(
            other_inspection,
            EventType.INSPECTION_EVIDENCE_REUSED,
            actor,
            new={"sha256": use.file.sha256, "reused_by_inspection": inspection.pk},
        )


def finding_evidence_add(
    *,
    inspection_id: int,
    finding_id: int,
    actor: User,
    upload: UploadedFile | None,
    kind: str = EvidenceKind.DOCUMENT,
    description: str = "",
    place: str = "",
    taken_at: datetime.datetime | None = None,
) -> EvidenceUse:
    """Evidence for a finding — documents, photos, interview notes, with place and time — by the team or office,
    during fieldwork or while concluding. Audit: inspection_evidence_added (and _reused on a flag, see
    evidence_use)."""

    def apply(inspection: Inspection) -> Change:
        finding = Finding.objects.filter(pk=finding_id, inspection=inspection).first()
        if finding is None:
            raise invalid(codes.FINDING_NOT_FOUND, "finding")
        change = evidence_use(
            inspection,
            actor,
            upload,
            finding=finding,
            kind=kind,
            description=description,
            place=place,
            taken_at=taken_at,
        )
        inspection.save(update_fields=["updated_at"])
        return change

    return INSPECTION_LIFECYCLE.run("evidence_add", subject_id=inspection_id, actor=actor, apply=apply)


def rectification_evidence_add(
    *,
    rectification_id: int,
    actor: User,
    upload: UploadedFile | None,
    kind: str = EvidenceKind.PHOTO,
    description: str = "",
    place: str = "",
    taken_at: datetime.datetime | None = None,
) -> EvidenceUse:
    """Evidence of rectification (the target's users; the office while verifying), until it is verified.
    Audit: inspection_evidence_added (and _reused on a flag, see evidence_use)."""

    def apply(rectification: Rectification) -> Change:
        change = evidence_use(
            rectification.inspection,
            actor,
            upload,
            rectification=rectification,
            kind=kind,
            description=description,
            place=place,
            taken_at=taken_at,
        )
        rectification.save(update_fields=["updated_at"])
        return change

    return RECTIFICATION_LIFECYCLE.run(
        "rectification_evidence", subject_id=rectification_id, actor=actor, apply=apply
    )
