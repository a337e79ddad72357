"""Making and issuing documents.

- `document_draft` lays out a kind for a subject from the office's input, unnumbered, and writes nothing: the
  preview, and the live 回执.
- `document_issue` gives the draft the next number of its kind in the government's year (gapless: the number row
  is locked and incremented in the same transaction as the document is written), keeps the .docx and its SHA-256,
  and records DOCUMENT_ISSUED on the subject's timeline. An issued document is frozen: issuing the same kind about
  the same subject (and part) again is refused unless the kind is repeatable (a chase notice each time).
- `document_correct` writes a new version under the same number that points to the one it corrects, with the
  reason; only the current version can be corrected.
- `document_pdf` converts the frozen .docx once and keeps the PDF and its SHA-256 with it.

Only the supervision office of the subject's government makes and issues its documents; generating one never
changes the subject.
"""

from __future__ import annotations

import datetime
import hashlib
from dataclasses import dataclass, replace
from typing import Any

from django.core.files.base import ContentFile
from django.db import transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _

from ducha.audit.models import EventType
from ducha.audit.services import event_record
from ducha.common import error_codes as codes
from ducha.common.errors import DomainError, InvalidState, NotFound, NotPermitted, ValidationFailed
from ducha.documents import pdf
from ducha.documents.kinds import KINDS, Kind
from ducha.documents.kinds.base import Draft, Inputs
from ducha.documents.layout import render_docx, writable
from ducha.documents.models import Document, DocumentProfile, DocumentSequence
from ducha.orgs.models import Role, Unit, User

GOVERNMENT_SUFFIX = "人民政府"


@dataclass(frozen=True)
class Made:
    """A laid-out document: what the kind made of the subject and the .docx bytes."""

    draft: Draft
    docx: bytes


def sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def profile_for(government: Unit) -> DocumentProfile:
    """The government's document profile, made from its name on first use (the admin edits it)."""
    profile = DocumentProfile.objects.filter(government=government).first()
    if profile is not None:
        return profile
    short = government.short_name or government.name.removesuffix(GOVERNMENT_SUFFIX) or government.name
    issuer = f"{government.name}督查室"
    profile, _created = DocumentProfile.objects.get_or_create(
        government=government,
        defaults={"issuer": issuer, "mark": issuer, "code": f"{short}督"},
    )
    return profile


def kind_for(name: str, subject_type: str) -> Kind:
    kind = KINDS.get(name)
    if kind is None or kind.subject_type != subject_type:
        raise NotFound(codes.DOCUMENT_KIND_UNKNOWN)
    return kind


def government_of_subject(subject: Any, subject_type: str) -> Unit:
    if subject_type == "government":
        assert isinstance(subject, Unit)
        return subject
    government = subject.government
    assert isinstance(government, Unit)
    return government


def may_issue(actor: User, government: Unit) -> bool:
    """The supervision office of the government issues its documents."""
    return (
        actor.has_role(Role.OFFICE) and actor.unit is not None and actor.unit.government_id == government.pk
    )


def _require_issuer(actor: User, government: Unit) -> None:
    if not may_issue(actor, government):
        raise NotPermitted(codes.ROLE_REQUIRED, _("Only the supervision office issues its documents."))


def issue_refusal(*, kind: Kind, subject: Any, actor: User, issuing: bool = True) -> DomainError | None:
    """Why the actor may not draft (or, `issuing`, issue) the kind about the subject now, or None: the one rule
    the services apply and the pages ask before they show a form."""
    if not may_issue(actor, government_of_subject(subject, kind.subject_type)):
        return NotPermitted(codes.ROLE_REQUIRED, _("Only the supervision office issues its documents."))
    reason = kind.unavailable(subject)
    if reason:
        return InvalidState(codes.DOCUMENT_NOT_AVAILABLE, reason)
    if issuing and not kind.numbered:
        return InvalidState(
            codes.DOCUMENT_NOT_AVAILABLE,
            _("This document is not issued: it always shows the current record."),
        )
    return None


def _refuse(refusal: DomainError | None) -> None:
    if refusal is not None:
        raise refusal


def document_draft(
    *, kind: Kind, subject: Any, actor: User, inputs: Inputs, today: datetime.date | None = None
) -> Made:
    """The kind laid out for the subject, unnumbered; nothing is written."""
    government = government_of_subject(subject, kind.subject_type)
    _refuse(issue_refusal(kind=kind, subject=subject, actor=actor, issuing=False))
    profile = profile_for(government)
    values = kind.clean(subject, profile, inputs)
    return _make(kind, subject, profile, values, today or timezone.localdate(), number="")


def _make(
    kind: Kind,
    subject: Any,
    profile: DocumentProfile,
    values: Inputs,
    today: datetime.date,
    *,
    number: str,
) -> Made:
    """The kind laid out from input already cleaned (`Kind.clean`), with its number if it has one."""
    draft = kind.build(subject, profile, values, today)
    content = draft.content
    if number:
        content = replace(content, number=number)
        draft = replace(draft, content=content)
    return Made(draft=draft, docx=render_docx(content))


def _next_number(government: Unit, kind: Kind, year: int) -> int:
    """The next number of the kind in the government's year. The UPDATE takes the row lock, so concurrent issues
    queue behind it and a rolled-back issue gives its number back: no gaps, no repeats."""
    sequence, _created = DocumentSequence.objects.get_or_create(
        government=government, kind=kind.name, year=year
    )
    DocumentSequence.objects.filter(pk=sequence.pk).update(last=F("last") + 1)
    return DocumentSequence.objects.values_list("last", flat=True).get(pk=sequence.pk)


def number_text(profile: DocumentProfile, kind: Kind, year: int, seq: int) -> str:
    """示县督办〔2026〕7号: the full year, no leading zeros, the hexagonal brackets."""
    return f"{profile.code}{kind.code_suffix}〔{year}〕{seq}号"


def _file_name(kind: Kind, year: int, seq: int | None, version: int) -> str:
    return f"{kind.name}-{year}-{seq or 0}-v{version}.docx"


def document_issue(*, kind: Kind, subject: Any, actor: User, inputs: Inputs) -> Document:
    """Issue the kind about the subject: numbered, frozen, on the timeline."""
    government = government_of_subject(subject, kind.subject_type)
    _refuse(issue_refusal(kind=kind, subject=subject, actor=actor))
    today = timezone.localdate()
    profile = profile_for(government)
    # Refuse bad input before a number is taken.
    values = kind.clean(subject, profile, inputs)
    with transaction.atomic():
        seq = _next_number(government, kind, today.year)
        number = number_text(profile, kind, today.year, seq)
        made = _make(kind, subject, profile, values, today, number=number)
        if not kind.repeatable:
            issued = Document.objects.filter(
                subject_type=kind.subject_type, subject_id=subject.pk, kind=kind.name, part=made.draft.part
            ).first()
            if issued is not None:
                raise InvalidState(codes.DOCUMENT_ALREADY_ISSUED)
        document = _write(
            kind=kind,
            subject=subject,
            government=government,
            made=made,
            values=values,
            year=today.year,
            seq=seq,
            number=number,
            version=1,
            actor=actor,
        )
        event_record(
            event_type=EventType.DOCUMENT_ISSUED,
            subject_type=kind.subject_type,
            subject_id=subject.pk,
            actor=actor,
            new={
                "document": document.pk,
                "kind": kind.name,
                "number": number,
                "sha256": document.docx_sha256,
            },
        )
    return document


def _write(
    *,
    kind: Kind,
    subject: Any,
    government: Unit,
    made: Made,
    values: Inputs,
    year: int,
    seq: int,
    number: str,
    version: int,
    actor: User,
    previous: Document | None = None,
    reason: str = "",
) -> Document:
    document = Document(
        government=government,
        kind=kind.name,
        subject_type=kind.subject_type,
        subject_id=subject.pk,
        part=made.draft.part,
        year=year,
        number_seq=seq,
        number=number,
        version=version,
        previous=previous,
        correction_reason=reason,
        title=made.draft.title[:300],
        content=dict(values),
        docx_sha256=sha256(made.docx),
        issued_by=actor,
        issued_at=timezone.now(),
    )
    document.docx.save(_file_name(kind, year, seq, version), ContentFile(made.docx), save=False)
    document.save()
    return document


def document_correct(*, document_id: int, subject: Any, actor: User, inputs: Inputs, reason: str) -> Document:
    """A new version of an issued document under its number, pointing to the one it corrects."""
    reason = writable(reason or "").strip()
    if not reason:
        raise ValidationFailed(
            codes.DOCUMENT_CORRECTION_REASON_REQUIRED,
            fields={"reason": codes.message_for(codes.DOCUMENT_CORRECTION_REASON_REQUIRED)},
        )
    with transaction.atomic():
        old = Document.objects.select_for_update().filter(pk=document_id).first()
        if old is None or old.subject_id != subject.pk:
            raise NotFound()
        kind = kind_for(old.kind, old.subject_type)
        government = government_of_subject(subject, kind.subject_type)
        _require_issuer(actor, government)
        if Document.objects.filter(previous=old).exists():
            raise InvalidState(codes.DOCUMENT_SUPERSEDED)
        profile = profile_for(government)
        given = {**old.content, **dict(inputs)}
        values = kind.clean(subject, profile, given)
        made = _make(kind, subject, profile, values, timezone.localdate(), number=old.number)
        document = _write(
            kind=kind,
            subject=subject,
            government=government,
            made=made,
            values=values,
            year=old.year,
            seq=old.number_seq or 0,
            number=old.number,
            version=old.version + 1,
            actor=actor,
            previous=old,
            reason=reason,
        )
        event_record(
            event_type=EventType.DOCUMENT_CORRECTED,
            subject_type=kind.subject_type,
            subject_id=subject.pk,
            actor=actor,
            old={"document": old.pk, "sha256": old.docx_sha256},
            new={"document": document.pk, "version": document.version, "sha256": document.docx_sha256},
            comment=reason,
        )
    return document


def document_docx(document: Document) -> bytes:
    """The issued .docx as kept; refused (409, never a server error) when the stored file is gone or no longer
    the one issued (its SHA-256 differs): the office restores it from a backup."""
    try:
        # From the storage, whatever the field object holds in memory since it was written.
        with document.docx.storage.open(document.docx.name or "", "rb") as handle:
            data = bytes(handle.read())
    except OSError:
        raise InvalidState(codes.DOCUMENT_FILE_DAMAGED) from None
    if sha256(data) != document.docx_sha256:
        raise InvalidState(codes.DOCUMENT_FILE_DAMAGED)
    return data


def document_pdf(document: Document, *, archival: bool = False) -> bytes:
    """The PDF of the issued .docx: converted once and kept (with its SHA-256); PDF/A on request, not kept."""
    if document.pdf and not archival:
        try:
            with document.pdf.storage.open(document.pdf.name or "", "rb") as handle:
                data = bytes(handle.read())
            if sha256(data) == document.pdf_sha256:
                return data
        except OSError:
            pass
        # The kept PDF is gone or altered: made again from the (checked) .docx, not kept over the record.
        return pdf.docx_to_pdf(document_docx(document))
    data = pdf.docx_to_pdf(document_docx(document), archival=archival)
    if not archival:
        pdf_keep(document, data)
    return data


def pdf_keep(document: Document, data: bytes) -> None:
    """Keep the PDF converted from the document's .docx. Only the first conversion is kept: a concurrent one finds
    the column set and leaves it."""
    if document.pdf:
        return
    name = (document.docx.name or "document").rsplit("/", 1)[-1].removesuffix(".docx") + ".pdf"
    document.pdf.save(name, ContentFile(data), save=False)
    Document.objects.filter(pk=document.pk, pdf="").update(pdf=document.pdf.name, pdf_sha256=sha256(data))
