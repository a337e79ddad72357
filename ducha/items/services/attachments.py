"""Files attached to an item or one of its reports, and the reads of secret items that are logged."""

from __future__ import annotations

import hashlib
from collections.abc import Sequence

from django.conf import settings
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.db.models import Sum

from ducha.audit.models import EventType
from ducha.audit.services import events_record
from ducha.common import error_codes as codes
from ducha.common import uploads
from ducha.common.inputs import invalid
from ducha.items import lifecycle
from ducha.items.models import Attachment, Confidentiality, Item, Report, SiteCheck
from ducha.items.services.base import lock, record
from ducha.orgs.models import User


@transaction.atomic
def item_attachment_add(
    *, item_id: int, actor: User, upload: UploadedFile, report_id: int | None = None
) -> Attachment:
    """Attach a file to an item (or one of its reports), within the size and type limits. Anyone who may act on
    the item may attach: the office, the leader, an assigned or delegating unit. Not a transition: the status
    stays. Audit: item_attachment_added."""
    item = lock(item_id)
    if error := lifecycle.attach_refusal(item, actor):
        raise error
    report = None
    if report_id is not None:
        report = Report.objects.filter(pk=report_id, item=item).first()
        if report is None:
            raise invalid(codes.NOT_FOUND, "report")
    attachment = attachment_store(item=item, actor=actor, upload=upload, report=report)
    name = attachment.original_name
    record(
        item,
        EventType.ITEM_ATTACHMENT_ADDED,
        actor,
        new={"attachment": attachment.pk, "name": name, "sha256": attachment.sha256},
    )
    return attachment


# Pictures (on-site verification photos): the extensions allowed.
IMAGE_EXTENSIONS = frozenset({"jpg", "jpeg", "png"})


@uploads.stored_bytes_source
def _attachment_bytes(user_id: int) -> int:
    return int(Attachment.objects.filter(uploaded_by_id=user_id).aggregate(total=Sum("size"))["total"] or 0)


def attachment_store(
    *,
    item: Item,
    actor: User,
    upload: UploadedFile,
    report: Report | None = None,
    site_check: SiteCheck | None = None,
    images_only: bool = False,
    field: str = "file",
) -> Attachment:
    """Store one upload on `item` (the caller has locked it and checked who may): the checks of
    `uploads.upload_check` (type and size limits, the content against the extension, the uploader's quota), the
    SHA-256 of the content; with `images_only`, a JPEG or PNG. No audit event: the caller writes its own (a refused
    upload is a security event, written by the check)."""
    allowed = set(settings.DUCHA_ATTACHMENT_EXTENSIONS)
    if images_only:
        allowed &= IMAGE_EXTENSIONS
    uploads.upload_check(
        upload,
        extensions=allowed,
        max_bytes=settings.DUCHA_ATTACHMENT_MAX_BYTES,
        user=actor,
        field=field,
        # A photo that is no picture is a type not allowed there, as it always was (still logged as a mismatch).
        mismatch_code=codes.ATTACHMENT_TYPE if images_only else codes.UPLOAD_TYPE_MISMATCH,
    )
    name, _extension = uploads.file_extension(upload)
    digest = hashlib.sha256()
    for chunk in upload.chunks():
        digest.update(chunk)
    upload.seek(0)
    attachment = Attachment(
        item=item,
        report=report,
        site_check=site_check,
        original_name=name,
        size=upload.size or 0,  # known: upload_check refuses a file without one
        content_type=getattr(upload, "content_type", "") or "",
        sha256=digest.hexdigest(),
        uploaded_by=actor,
    )
    attachment.file.save(name, upload, save=False)
    attachment.save()
    return attachment


# --- reads that write: confidential items --------------------------------------------------------------------


def item_view_record(*, item: Item, actor: User) -> None:
    """Every read of a secret item is logged."""
    if item.confidentiality == Confidentiality.SECRET:
        record(item, EventType.ITEM_VIEWED, actor)


def secret_reads_record(*, item_ids: Sequence[int], actor: User) -> None:
    """The reads of the secret items (these ids) a list, a page or an export showed `actor`: one audit event
    each, written in one statement."""
    if item_ids:
        events_record(
            event_type=EventType.ITEM_VIEWED, subject_type="item", subject_ids=item_ids, actor=actor
        )
