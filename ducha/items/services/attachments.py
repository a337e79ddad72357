"""Files attached to an item or one of its reports, and the reads of secret items that are logged."""

from __future__ import annotations

import hashlib
from collections.abc import Sequence

from django.conf import settings
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction

from ducha.audit.models import EventType
from ducha.audit.services import events_record
from ducha.common import error_codes as codes
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


# Pictures (on-site verification photos): the extensions, and how each kind of file begins.
IMAGE_EXTENSIONS = frozenset({"jpg", "jpeg", "png"})
_IMAGE_SIGNATURES = (b"\xff\xd8\xff", b"\x89PNG\r\n\x1a\n")


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
    """Store one upload on `item` (the caller has locked it and checked who may): the type and size limits, the
    SHA-256 of the content; with `images_only`, a JPEG or PNG whose content is one. No audit event: the caller
    writes its own."""
    name = (upload.name or "").rsplit("/", 1)[-1][:200]
    extension = name.rsplit(".", 1)[-1].lower() if "." in name else ""
    allowed = set(settings.DUCHA_ATTACHMENT_EXTENSIONS)
    if images_only:
        allowed &= IMAGE_EXTENSIONS
    if extension not in allowed:
        raise invalid(codes.ATTACHMENT_TYPE, field)
    if upload.size is None or upload.size > settings.DUCHA_ATTACHMENT_MAX_BYTES:
        raise invalid(codes.ATTACHMENT_TOO_LARGE, field)
    digest = hashlib.sha256()
    head = b""
    for chunk in upload.chunks():
        if len(head) < 16:
            head += chunk[: 16 - len(head)]
        digest.update(chunk)
    upload.seek(0)
    if images_only and not head.startswith(_IMAGE_SIGNATURES):
        raise invalid(codes.ATTACHMENT_TYPE, field)
    attachment = Attachment(
        item=item,
        report=report,
        site_check=site_check,
        original_name=name,
        size=upload.size,
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
