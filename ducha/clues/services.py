"""The writes of 互联网+督查: a public submission (with its limits), the imports from the upper platforms and the
12345 hotline, the office's triage of a case (accept, route to a unit as a supervision item, open a 线索核查, close,
move a clue to another case, refuse a clue and block its source), the public answer with its review, the reveal of
a reporter's identity (the keeper only, every read logged) and the units' duties the router reads.

Services are keyword-only and raise ducha.common.errors with stable codes; every write is one transaction, so a
refusal leaves nothing half done."""

from __future__ import annotations

import datetime
import hashlib
import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import filetype
from django.conf import settings
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from ducha.audit.models import EventType
from ducha.audit.services import event_record
from ducha.clues import intake
from ducha.clues.models import (
    SETTLED,
    Answer,
    AnswerStatus,
    BlockedSource,
    Brief,
    BriefStatus,
    Case,
    CaseStatus,
    Category,
    Channel,
    Clue,
    CluePhoto,
    ClueStatus,
    EarlyWarning,
    NoticeStatus,
    Place,
    ReporterNotice,
    RoutingExample,
    UnitDuties,
)
from ducha.common import error_codes as codes
from ducha.common import uploads
from ducha.common.crypto import unseal
from ducha.common.errors import InvalidState, NotFound, NotPermitted, TooManyRequests, ValidationFailed
from ducha.common.inputs import choice, invalid, require_text
from ducha.inspections.models import InspectionKind
from ducha.inspections.services import inspection_create
from ducha.inspections.services.base import office_government
from ducha.items.models import Item, SourceType, Urgency
from ducha.items.services import item_create, item_submit
from ducha.orgs.models import Role, Unit, UnitKind, User
from ducha.orgs.selectors import government_of
from ducha.reminders.channels import Outgoing, SmsChannel

TEXT_MIN, TEXT_MAX = 10, 2000
MOBILE = re.compile(r"^1[3-9]\d{9}$")
LANDLINE = re.compile(r"^0\d{2,3}-?\d{7,8}$")
PHOTO_TYPES = {"image/jpeg", "image/png", "image/webp"}
PHOTO_EXTENSIONS = frozenset({"jpg", "jpeg", "png", "webp"})


# --- who may do what ---------------------------------------------------------------------------------------------


def _lock_case(case_id: int, government: Unit) -> Case:
    case = Case.objects.select_for_update().filter(pk=case_id, government=government).first()
    if case is None:
        raise NotFound()
    return case


def _open_case(case_id: int, government: Unit) -> Case:
    case = _lock_case(case_id, government)
    if case.status in SETTLED:
        raise InvalidState(codes.CLUE_CASE_SETTLED)
    return case


def _lock_clue(clue_id: int, government: Unit) -> Clue:
    clue = Clue.objects.select_for_update().filter(pk=clue_id, government=government).first()
    if clue is None:
        raise NotFound()
    return clue


def _record(subject: Case | Clue, event_type: EventType, actor: User | None, **kwargs: Any) -> None:
    event_record(
        event_type=event_type,
        subject_type="clue_case" if isinstance(subject, Case) else "clue",
        subject_id=subject.pk,
        actor=actor,
        **kwargs,
    )


# --- checking what a channel sends ------------------------------------------------------------------------------


def clean_text(value: str | None) -> str:
    body = (value or "").strip()
    if not TEXT_MIN <= len(body) <= TEXT_MAX:
        raise invalid(codes.CLUE_TEXT_LENGTH, "text")
    return body


def clean_phone(value: str | None) -> str:
    phone = re.sub(r"[\s()（）]", "", value or "")
    if phone and not (MOBILE.match(phone) or LANDLINE.match(phone)):
        raise invalid(codes.CLUE_PHONE_INVALID, "phone")
    return phone


def clean_place(
    government: Unit, township_id: int | None, place_id: int | None
) -> tuple[int | None, int | None]:
    """The township and village a submitter picked, checked against the government's."""
    if place_id is not None:
        place = Place.objects.filter(pk=place_id, government=government, is_active=True).first()
        if place is None or (township_id is not None and place.township_id != township_id):
            raise invalid(codes.CLUE_PLACE_INVALID, "place")
        return place.township_id, place.pk
    if township_id is not None and not any(
        unit.pk == township_id for unit in intake.townships_of(government.pk)
    ):
        raise invalid(codes.CLUE_PLACE_INVALID, "township")
    return township_id, None


def check_photos(photos: Sequence[UploadedFile]) -> None:
    """At most DUCHA_CLUE_PHOTOS_MAX, each within the size limit (checked before a byte is read) and an image by
    its content, not its name."""
    if len(photos) > settings.DUCHA_CLUE_PHOTOS_MAX:
        raise invalid(codes.CLUE_PHOTOS_TOO_MANY, "photos")
    for photo in photos:
        # Anonymous: no quota; the count and the size bound what one clue may bring.
        uploads.upload_check(
            photo,
            extensions=PHOTO_EXTENSIONS,
            max_bytes=settings.DUCHA_CLUE_PHOTO_MAX_BYTES,
            quota=False,
            field="photos",
            type_code=codes.CLUE_PHOTO_TYPE,
            size_code=codes.CLUE_PHOTO_TOO_LARGE,
            mismatch_code=codes.CLUE_PHOTO_TYPE,
        )
        kind = filetype.guess(photo.read(262))
        photo.seek(0)
        if kind is None or kind.mime not in PHOTO_TYPES:
            raise invalid(codes.CLUE_PHOTO_TYPE, "photos")


def _rate(setting: str) -> tuple[int, int] | None:
    """A limit "count/seconds" from the settings; None when lifted ("0" or empty)."""
    value = str(getattr(settings, setting, "") or "0").strip()
    count, _slash, seconds = value.partition("/")
    if not count.strip().isdigit() or int(count) == 0:
        return None
    return int(count), int(seconds or "3600")


def check_source(source_digest: str) -> None:
    """Refused when the sending address is blocked, or it or the whole channel is over its limit."""
    now = timezone.now()
    if source_digest and BlockedSource.objects.filter(source_digest=source_digest, until__gt=now).exists():
        raise NotPermitted(codes.CLUE_SOURCE_BLOCKED)
    if source_digest and (limit := _rate("DUCHA_CLUE_RATE_PER_SOURCE")):
        count, seconds = limit
        since = now - datetime.timedelta(seconds=seconds)
        if Clue.objects.filter(source_digest=source_digest, submitted_at__gte=since).count() >= count:
            raise TooManyRequests(codes.CLUE_RATE_LIMITED)
    if limit := _rate("DUCHA_CLUE_RATE_GLOBAL"):
        count, seconds = limit
        since = now - datetime.timedelta(seconds=seconds)
        recent = Clue.objects.filter(channel=Channel.PUBLIC, submitted_at__gte=since)
        if recent.count() >= count:
            raise TooManyRequests(codes.CLUE_CHANNEL_BUSY)


# --- the public form ----------------------------------------------------------------------------------------------


@transaction.atomic
def clue_submit(
    *,
    government: Unit,
    text: str,
    category: str,
    township_id: int | None = None,
    place_id: int | None = None,
    anonymous: bool = True,
    name: str = "",
    phone: str = "",
    photos: Sequence[UploadedFile] = (),
    source_digest: str = "",
) -> Clue:
    """A clue from the public site or its API: checked, limited, taken in. The reporter is told its tracking
    code. A signed clue needs a name and a phone; an anonymous one keeps neither."""
    body = clean_text(text)
    category = choice(category, Category, "category")
    township_id, place_id = clean_place(government, township_id, place_id)
    name = (name or "").strip()[:30]
    phone = clean_phone(phone)
    if anonymous:
        name, phone = "", ""
    elif not name or not phone:
        raise invalid(codes.CLUE_NAME_REQUIRED, "name" if not name else "phone")
    check_photos(photos)
    check_source(source_digest)
    (clue,) = intake.clues_take_in(
        government=government,
        incoming=[
            intake.Incoming(
                text=body,
                channel=Channel.PUBLIC,
                category=category,
                township_id=township_id,
                place_id=place_id,
                name=name,
                phone=phone,
                source_digest=source_digest,
            )
        ],
    )
    for photo in photos:
        digest = hashlib.sha256()
        for chunk in photo.chunks():
            digest.update(chunk)
        photo.seek(0)
        kind = filetype.guess(photo.read(262))
        photo.seek(0)
        extension = kind.extension if kind else "jpg"
        record = CluePhoto(
            clue=clue,
            original_name=(photo.name or "photo").rsplit("/", 1)[-1][:200],
            size=photo.size or 0,
            content_type=kind.mime if kind else "",
            sha256=digest.hexdigest(),
        )
        record.file.save(f"{digest.hexdigest()[:16]}.{extension}", photo, save=False)
        record.save()
    return clue


# --- imports from the upper platforms and the hotline --------------------------------------------------------------


@dataclass
class ImportResult:
    created: list[Clue] = field(default_factory=list)
    skipped: int = 0  # already imported (same source and reference)


# The categories as the platforms' files name them (the seed's words), besides the codes.
CATEGORY_NAMES = {
    "决策部署落实不到位": Category.IMPLEMENTATION,
    "不作为慢作为乱作为": Category.CONDUCT,
    "政策不协调": Category.POLICY,
    "意见建议": Category.SUGGESTION,
}
CHANNEL_OF_SOURCE = {"12345": Channel.HOTLINE}


def _row_time(value: Any) -> datetime.datetime | None:
    if value in (None, ""):
        return None
    if isinstance(value, datetime.datetime):
        moment = value
    elif isinstance(value, datetime.date):
        moment = datetime.datetime.combine(value, datetime.time(9))
    else:
        text = str(value).strip().replace("/", "-")
        try:
            moment = datetime.datetime.fromisoformat(text)
        except ValueError:
            raise ValueError(text) from None
    if timezone.is_naive(moment):
        moment = timezone.make_aware(moment)
    if moment > timezone.now() + datetime.timedelta(minutes=5):
        raise ValueError(str(value))
    return moment


def _row(
    government: Unit, gazetteer: Any, row: dict[str, Any], errors: dict[str, str], line: int
) -> intake.Incoming | None:
    def fail(code: str) -> None:
        errors[f"row {line}"] = str(codes.message_for(code))

    try:
        body = clean_text(str(row.get("text") or ""))
    except ValidationFailed:
        fail(codes.CLUE_TEXT_LENGTH)
        return None
    category = str(row.get("category") or "").strip()
    category = CATEGORY_NAMES.get(category, category)
    if category and category not in Category.values:
        fail(codes.INVALID_INPUT)
        return None
    try:
        submitted = _row_time(row.get("submitted_at"))
    except ValueError:
        fail(codes.INVALID_INPUT)
        return None
    place = str(row.get("place") or "").strip()
    township_id = place_id = None
    if place:
        village = next((value for name, value in gazetteer.villages.items() if name in place), None)
        if village is not None:
            township_id, place_id = village
        else:
            township_id = next((value for name, value in gazetteer.townships.items() if name in place), None)
        if township_id is None:  # a place the county does not know: kept with the text, never dropped
            body = f"{body}（地点：{place}）"
    source = str(row.get("source") or "").strip()[:60]
    channel = str(row.get("channel") or CHANNEL_OF_SOURCE.get(source, Channel.UPPER))
    if channel not in (Channel.UPPER, Channel.HOTLINE):
        fail(codes.INVALID_INPUT)
        return None
    return intake.Incoming(
        text=body,
        channel=channel,
        category=category,
        township_id=township_id,
        place_id=place_id,
        submitted_at=submitted,
        source=source or str(Channel(channel).label),
        source_ref=str(row.get("source_ref") or "").strip()[:100],
    )


@transaction.atomic
def clues_import(*, actor: User, rows: Sequence[dict[str, Any]]) -> ImportResult:
    """A batch forwarded by an upper platform or the 12345 hotline (office). Every row is checked first: one bad
    row refuses the whole batch, naming the rows (nothing is imported). A row whose source and reference were
    imported before (or earlier in the same batch) is skipped, so importing a file again changes nothing."""
    government = office_government(actor)
    gazetteer = intake.gazetteer_for(government.pk)
    errors: dict[str, str] = {}
    incoming: list[intake.Incoming] = []
    for line, row in enumerate(rows, start=1):
        entry = _row(government, gazetteer, row, errors, line)
        if entry is not None:
            incoming.append(entry)
    if errors:
        raise ValidationFailed(codes.CLUE_IMPORT_INVALID, fields=errors)
    refs = {(entry.source, entry.source_ref) for entry in incoming if entry.source_ref}
    known: set[tuple[str, str]] = set()
    for source in {source for source, _ref in refs}:
        wanted = [ref for src, ref in refs if src == source]
        for start in range(0, len(wanted), 500):
            known.update(
                (source, ref)
                for ref in Clue.objects.filter(
                    government=government, source=source, source_ref__in=wanted[start : start + 500]
                ).values_list("source_ref", flat=True)
            )
    fresh: list[intake.Incoming] = []
    skipped = 0
    for entry in incoming:
        key = (entry.source, entry.source_ref)
        if entry.source_ref and key in known:
            skipped += 1
            continue
        if entry.source_ref:
            known.add(key)
        fresh.append(entry)
    fresh.sort(key=lambda entry: entry.submitted_at or timezone.now())
    created = intake.clues_take_in(government=government, incoming=fresh, actor=actor)
    return ImportResult(created=created, skipped=skipped)


@transaction.atomic
def clue_enter(
    *, actor: User, text: str, category: str, township_id: int | None = None, place_id: int | None = None
) -> Clue:
    """A clue the office takes down itself (a letter, a visit, a call not on the hotline)."""
    government = office_government(actor)
    body = clean_text(text)
    township_id, place_id = clean_place(government, township_id, place_id)
    (clue,) = intake.clues_take_in(
        government=government,
        incoming=[
            intake.Incoming(
                text=body,
                channel=Channel.OFFICE,
                category=choice(category, Category, "category"),
                township_id=township_id,
                place_id=place_id,
            )
        ],
        actor=actor,
    )
    return clue


# --- triage -----------------------------------------------------------------------------------------------------


def _decide(
    case: Case, actor: User, status: str, event: EventType, fields: Sequence[str] = (), **kwargs: Any
) -> Case:
    old = case.status
    case.status = status
    case.decided_by = actor
    case.decided_at = timezone.now()
    case.save(update_fields=["status", "decided_by", "decided_at", "updated_at", *fields])
    _record(
        case, event, actor, old={"status": old}, new={"status": status, **kwargs.pop("new", {})}, **kwargs
    )
    return case


@transaction.atomic
def case_accept(*, case_id: int, actor: User) -> Case:
    """受理: the office takes the case on (to answer it directly, as for a suggestion, or to route it later)."""
    government = office_government(actor)
    case = _open_case(case_id, government)
    if case.status != CaseStatus.NEW:
        raise InvalidState(codes.ACTION_NOT_ALLOWED)
    return _decide(case, actor, CaseStatus.ACCEPTED, EventType.CASE_ACCEPTED)


def _unit_of(government: Unit, unit_id: int) -> Unit:
    unit = (
        Unit.objects.filter(pk=unit_id, is_active=True)
        .filter(
            Q(government=government, kind=UnitKind.DEPARTMENT)
            | Q(parent=government, kind=UnitKind.GOVERNMENT)
        )
        .first()
    )
    if unit is None:
        raise invalid(codes.CLUE_UNIT_INVALID, "unit")
    return unit


@transaction.atomic
def case_route(
    *,
    case_id: int,
    actor: User,
    unit_id: int,
    title: str = "",
    requirements: str = "",
    due_date: datetime.date | None = None,
    deadline_workdays: int | None = None,
) -> Item:
    """交办: the case becomes a supervision item led by `unit`, submitted for the leader's approval; from there it
    follows the item's lifecycle and the public sees its progress. The reporters' identities never go with it.
    The decision is learned from: each clue text of the case becomes a routing example for `unit`."""
    government = office_government(actor)
    case = _open_case(case_id, government)
    if case.status not in (CaseStatus.NEW, CaseStatus.ACCEPTED) or case.item_id is not None:
        raise InvalidState(codes.ACTION_NOT_ALLOWED)
    unit = _unit_of(government, unit_id)
    texts = list(
        case.clues.filter(status=ClueStatus.ACTIVE)
        .order_by("submitted_at")
        .values_list("text", "submitted_at")
    )
    content = "\n\n".join(
        _("Clue %(n)s (%(day)s): %(text)s") % {"n": n, "day": f"{at:%Y-%m-%d}", "text": body}
        for n, (body, at) in enumerate(texts, start=1)
    )
    item = item_create(
        actor=actor,
        title=require_text(title or case.title, codes.TITLE_REQUIRED, "title"),
        source_type=SourceType.PUBLIC_REPORT,
        lead_unit_id=unit.pk,
        content=content,
        requirements=requirements,
        source_reference=_("Internet + supervision case %(number)s, %(count)s reporters")
        % {"number": case.number, "count": case.clue_count},
        source_date=case.first_at.date(),
        urgency=Urgency.URGENT if case.urgent else Urgency.NORMAL,
        due_date=due_date,
        deadline_workdays=deadline_workdays,
    )
    item = item_submit(item_id=item.pk, actor=actor)
    case.item = item
    case.unit = unit
    now = timezone.now()
    RoutingExample.objects.bulk_create(
        RoutingExample(
            government=government, unit=unit, text=body, case=case, decided_by=actor, created_at=now
        )
        for body, _at in texts
    )
    _decide(
        case,
        actor,
        CaseStatus.ROUTED,
        EventType.CASE_ROUTED,
        ["item", "unit"],
        new={"item": item.pk, "unit": unit.pk},
    )
    return item


@transaction.atomic
def case_check(
    *,
    case_id: int,
    actor: User,
    unit_id: int,
    start_date: datetime.date,
    end_date: datetime.date,
    topic: str = "",
) -> Case:
    """线索核查: an inspection of kind clue check of `unit`, out of the annual plan, proposed for approval."""
    government = office_government(actor)
    case = _open_case(case_id, government)
    if case.status not in (CaseStatus.NEW, CaseStatus.ACCEPTED) or case.inspection_id is not None:
        raise InvalidState(codes.ACTION_NOT_ALLOWED)
    unit = _unit_of(government, unit_id)
    assert actor.unit_id is not None
    inspection = inspection_create(
        actor=actor,
        topic=topic or _("Clue check: %(title)s") % {"title": case.title},
        kind=InspectionKind.CLUE_CHECK,
        targets=[unit.pk],
        start_date=start_date,
        end_date=end_date,
        lead_unit_id=actor.unit_id,
        in_plan=False,
        out_of_plan_reason=_("Checking Internet + supervision case %(number)s") % {"number": case.number},
        basis=_("Internet + supervision case %(number)s, %(count)s reporters")
        % {"number": case.number, "count": case.clue_count},
    )
    case.inspection = inspection
    case.unit = unit
    return _decide(
        case,
        actor,
        CaseStatus.CHECKING,
        EventType.CASE_CHECK_OPENED,
        ["inspection", "unit"],
        new={"inspection": inspection.pk},
    )


@transaction.atomic
def case_close(*, case_id: int, actor: User, reason: str) -> Case:
    """Closed with a reason the reporters read (not within the channel's remit, already handled elsewhere…)."""
    government = office_government(actor)
    case = _open_case(case_id, government)
    case.close_reason = require_text(reason, codes.REASON_REQUIRED, "reason")
    return _decide(
        case, actor, CaseStatus.CLOSED, EventType.CASE_CLOSED, ["close_reason"], comment=case.close_reason
    )


@transaction.atomic
def clue_move(*, clue_id: int, actor: User, case_id: int | None = None) -> Clue:
    """Put a clue into another open case (the engine missed a duplicate), or into a case of its own (it is not
    one). Never silent: an audit event names both cases, and both counts follow. A case left without clues is
    closed as merged."""
    government = office_government(actor)
    clue = _lock_clue(clue_id, government)
    if clue.status != ClueStatus.ACTIVE or clue.case_id is None:
        raise InvalidState(codes.ACTION_NOT_ALLOWED)
    source = _open_case(clue.case_id, government)
    if case_id is not None:
        target = _open_case(case_id, government)
        if target.pk == source.pk:
            raise InvalidState(codes.ACTION_NOT_ALLOWED)
    else:
        if source.clue_count <= 1:
            raise InvalidState(codes.ACTION_NOT_ALLOWED)
        target = Case.objects.create(
            government=government,
            title=intake.title_of(clue.text),
            category=clue.category,
            township_id=clue.township_id,
            place_id=clue.place_id,
            first_at=clue.submitted_at,
            last_at=clue.submitted_at,
        )
        intake.case_numbers_set([target])
    clue.case = target
    clue.grouped_score = None
    clue.save(update_fields=["case", "grouped_score", "updated_at"])
    intake.recount({source.pk, target.pk})
    source.refresh_from_db()
    if source.clue_count == 0:
        source.close_reason = _("Merged into case %(number)s.") % {"number": target.number}
        _decide(
            source,
            actor,
            CaseStatus.CLOSED,
            EventType.CASE_CLOSED,
            ["close_reason"],
            comment=source.close_reason,
        )
    _record(clue, EventType.CLUE_MOVED, actor, old={"case": source.pk}, new={"case": target.pk})
    return clue


@transaction.atomic
def clue_reject(*, clue_id: int, actor: User, reason: str, block_days: int = 0) -> Clue:
    """不予受理 of one clue (abuse, advertising, nothing to act on), with a reason its reporter reads; optionally
    its sending address is blocked for `block_days`. The case keeps its other clues; a case left empty closes."""
    government = office_government(actor)
    clue = _lock_clue(clue_id, government)
    if clue.status != ClueStatus.ACTIVE:
        raise InvalidState(codes.ACTION_NOT_ALLOWED)
    reason = require_text(reason, codes.REASON_REQUIRED, "reason")
    if not 0 <= block_days <= 365:
        raise invalid(codes.INVALID_INPUT, "block_days")
    case = _open_case(clue.case_id, government) if clue.case_id is not None else None
    clue.status = ClueStatus.REJECTED
    clue.reject_reason = reason
    clue.save(update_fields=["status", "reject_reason", "updated_at"])
    _record(clue, EventType.CLUE_REJECTED, actor, comment=reason)
    if block_days and clue.source_digest:
        BlockedSource.objects.create(
            source_digest=clue.source_digest,
            until=timezone.now() + datetime.timedelta(days=block_days),
            reason=reason,
            blocked_by=actor,
        )
        _record(clue, EventType.CLUE_SOURCE_BLOCKED, actor, new={"days": block_days})
    if case is not None:
        intake.recount({case.pk})
        case.refresh_from_db()
        if case.clue_count == 0:
            case.close_reason = reason
            _decide(case, actor, CaseStatus.CLOSED, EventType.CASE_CLOSED, ["close_reason"], comment=reason)
    return clue


# --- the public answer ------------------------------------------------------------------------------------------


ANSWERABLE = (CaseStatus.ACCEPTED, CaseStatus.ROUTED, CaseStatus.CHECKING)


def _lock_answer(answer_id: int, government: Unit) -> Answer:
    answer = (
        Answer.objects.select_for_update()
        .select_related("case")
        .filter(pk=answer_id, case__government=government)
        .first()
    )
    if answer is None:
        raise NotFound()
    return answer


@transaction.atomic
def answer_draft(*, case_id: int, actor: User, text: str) -> Answer:
    """The office drafts (or edits its draft of) the public answer to an accepted, routed or checked case."""
    government = office_government(actor)
    case = _open_case(case_id, government)
    if case.status not in ANSWERABLE:
        raise InvalidState(codes.ACTION_NOT_ALLOWED)
    body = require_text(text, codes.REASON_REQUIRED, "text")
    answer = case.answers.filter(status__in=(AnswerStatus.DRAFT, AnswerStatus.RETURNED)).first()
    if answer is None:
        answer = Answer.objects.create(case=case, text=body, drafted_by=actor)
    else:
        answer.text, answer.drafted_by, answer.status = body, actor, AnswerStatus.DRAFT
        answer.save(update_fields=["text", "drafted_by", "status", "updated_at"])
    _record(case, EventType.ANSWER_DRAFTED, actor, new={"answer": answer.pk})
    return answer


@transaction.atomic
def answer_submit(*, answer_id: int, actor: User) -> Answer:
    government = office_government(actor)
    answer = _lock_answer(answer_id, government)
    if answer.status not in (AnswerStatus.DRAFT, AnswerStatus.RETURNED) or answer.case.status in SETTLED:
        raise InvalidState(codes.ACTION_NOT_ALLOWED)
    if (
        answer.case.answers.filter(status=AnswerStatus.SUBMITTED).exclude(pk=answer.pk).exists()
    ):  # one answer under review at a time
        raise InvalidState(codes.ACTION_NOT_ALLOWED)
    answer.status = AnswerStatus.SUBMITTED
    answer.save(update_fields=["status", "updated_at"])
    _record(answer.case, EventType.ANSWER_SUBMITTED, actor, new={"answer": answer.pk})
    return answer


def _reviewer(actor: User, answer: Answer) -> None:
    if not actor.has_role(Role.OFFICE, Role.LEADER):
        raise NotPermitted(codes.ROLE_REQUIRED)
    if answer.drafted_by_id == actor.pk:
        raise NotPermitted(codes.CLUE_ANSWER_REVIEWER)


@transaction.atomic
def answer_return(*, answer_id: int, actor: User, reason: str) -> Answer:
    government = government_of(actor)
    answer = _lock_answer(answer_id, government)
    _reviewer(actor, answer)
    if answer.status != AnswerStatus.SUBMITTED:
        raise InvalidState(codes.ACTION_NOT_ALLOWED)
    answer.return_reason = require_text(reason, codes.REASON_REQUIRED, "reason")
    answer.status = AnswerStatus.RETURNED
    answer.reviewed_by, answer.reviewed_at = actor, timezone.now()
    answer.save(update_fields=["return_reason", "status", "reviewed_by", "reviewed_at", "updated_at"])
    _record(answer.case, EventType.ANSWER_RETURNED, actor, comment=answer.return_reason)
    return answer


@transaction.atomic
def answer_publish(*, answer_id: int, actor: User) -> Answer:
    """The reviewer (another office user, or a leader) approves: the answer is published, the case answered, and
    every reporter who left a phone gets a text message; the others read it with their tracking codes."""
    government = government_of(actor)
    answer = _lock_answer(answer_id, government)
    _reviewer(actor, answer)
    case = _open_case(answer.case_id, government)
    if answer.status != AnswerStatus.SUBMITTED:
        raise InvalidState(codes.ACTION_NOT_ALLOWED)
    now = timezone.now()
    answer.status = AnswerStatus.PUBLISHED
    answer.reviewed_by, answer.reviewed_at, answer.published_at = actor, now, now
    answer.save(update_fields=["status", "reviewed_by", "reviewed_at", "published_at", "updated_at"])
    _decide(case, actor, CaseStatus.ANSWERED, EventType.ANSWER_PUBLISHED, new={"answer": answer.pk})
    told = case.clues.filter(status=ClueStatus.ACTIVE).exclude(reporter_phone="").values_list("pk", "code")
    transaction.on_commit(_notices_enqueue)
    ReporterNotice.objects.bulk_create(
        ReporterNotice(
            clue_id=clue_id,
            answer=answer,
            text=_(
                "[%(government)s] Your clue %(code)s has been answered; check the answer on the Internet + "
                "supervision site with your tracking code."
            )
            % {"government": government.name, "code": code},
        )
        for clue_id, code in told
    )
    return answer


def reporter_notices_send() -> int:
    """Send the pending text messages to reporters through the SMS gateway (reminders' SMS channel), the phone
    unsealed only for the call. A failed send stays pending for the next run; returns how many were sent."""
    sent = 0
    channel = SmsChannel()
    for notice in ReporterNotice.objects.filter(status=NoticeStatus.PENDING).select_related("clue")[:500]:
        result = channel.send(
            Outgoing(
                subject=notice.text,
                lines=[],
                line_count=0,
                target=unseal(notice.clue.reporter_phone),
                inbox_url="",
            )
        )
        if result.ok:
            ReporterNotice.objects.filter(pk=notice.pk).update(
                status=NoticeStatus.SENT, sent_at=timezone.now()
            )
            sent += 1
    return sent


def _notices_enqueue() -> None:
    from ducha.clues.tasks import reporter_notices

    reporter_notices.enqueue()


# --- the reporter's identity ------------------------------------------------------------------------------------


def reporter_reveal(*, clue_id: int, actor: User) -> tuple[str, str]:
    """The reporter's name and phone, for the keeper of identities of the clue's government only; every read is
    an audit event (who, when, which clue)."""
    if not actor.has_role(Role.CLUE_KEEPER):
        raise NotPermitted(codes.CLUE_IDENTITY_ROLE)
    government = government_of(actor)
    clue = Clue.objects.filter(pk=clue_id, government=government).first()
    if clue is None:
        raise NotFound()
    with transaction.atomic():
        _record(clue, EventType.CLUE_REPORTER_VIEWED, actor)
    return unseal(clue.reporter_name), unseal(clue.reporter_phone)


# --- the routing knowledge, warnings and briefs -------------------------------------------------------------------


@transaction.atomic
def duties_set(*, unit_id: int, actor: User, text: str) -> UnitDuties:
    """A unit's duties (from its 三定 text), kept true by the office; the router is retrained on its next use."""
    government = office_government(actor)
    unit = _unit_of(government, unit_id)
    body = require_text(text, codes.INVALID_INPUT, "text")
    duties, _created = UnitDuties.objects.update_or_create(
        unit=unit, defaults={"text": body, "updated_by": actor}
    )
    event_record(event_type=EventType.UNIT_DUTIES_SET, subject_type="unit", subject_id=unit.pk, actor=actor)
    return duties


@transaction.atomic
def warning_seen(*, warning_id: int, actor: User) -> EarlyWarning:
    government = office_government(actor)
    warning = EarlyWarning.objects.select_for_update().filter(pk=warning_id, government=government).first()
    if warning is None:
        raise NotFound()
    if warning.seen_by_id is None:
        warning.seen_by = actor
        warning.save(update_fields=["seen_by", "updated_at"])
    return warning


@transaction.atomic
def brief_edit(*, brief_id: int, actor: User, title: str, text: str) -> Brief:
    government = office_government(actor)
    brief = Brief.objects.select_for_update().filter(pk=brief_id, government=government).first()
    if brief is None:
        raise NotFound()
    if brief.status != BriefStatus.DRAFT:
        raise InvalidState(codes.ACTION_NOT_ALLOWED)
    brief.title = require_text(title, codes.TITLE_REQUIRED, "title")[:200]
    brief.text = require_text(text, codes.INVALID_INPUT, "text")
    brief.edited_by = actor
    brief.save(update_fields=["title", "text", "edited_by", "updated_at"])
    return brief


@transaction.atomic
def brief_send(*, brief_id: int, actor: User) -> Brief:
    """The brief goes to the government's leaders (their brief list); it is not edited after."""
    government = office_government(actor)
    brief = Brief.objects.select_for_update().filter(pk=brief_id, government=government).first()
    if brief is None:
        raise NotFound()
    if brief.status != BriefStatus.DRAFT:
        raise InvalidState(codes.ACTION_NOT_ALLOWED)
    brief.status, brief.sent_by, brief.sent_at = BriefStatus.SENT, actor, timezone.now()
    brief.save(update_fields=["status", "sent_by", "sent_at", "updated_at"])
    event_record(event_type=EventType.BRIEF_SENT, subject_type="clue_brief", subject_id=brief.pk, actor=actor)
    return brief
