"""Source records (一事一项的来源): the meeting's minutes, the government work report, the document or the leader's
批示件 a decision's items are split from (002 art. 5(1)), with their own ledger (001 §3 "同步建立台账"). The office
of a government keeps its government's records."""

from __future__ import annotations

import datetime
from typing import Any

from django.db import transaction

from ducha.audit.models import EventType
from ducha.audit.services import event_record
from ducha.common import error_codes as codes
from ducha.common.errors import NotFound, NotPermitted
from ducha.common.inputs import bounded_text, choice, require_text
from ducha.items.models import SourceKind, SourceRecord
from ducha.items.services.instructions import leader_of
from ducha.orgs.models import Role, Unit, User
from ducha.orgs.selectors import government_of

TITLE_MAX = 200
REFERENCE_MAX = 100
SUMMARY_MAX = 2000
_UNSET: Any = object()


def _record_event(record: SourceRecord, event_type: EventType, actor: User, **values: Any) -> None:
    event_record(
        event_type=event_type, subject_type="source_record", subject_id=record.pk, actor=actor, **values
    )


def _snapshot(record: SourceRecord) -> dict[str, Any]:
    return {
        "kind": record.kind,
        "title": record.title,
        "reference": record.reference,
        "issued_on": record.issued_on.isoformat() if record.issued_on else None,
        "leader": record.leader_id,
        "summary": record.summary,
    }


def _limited(value: str | None, limit: int, field: str) -> str:
    return bounded_text(value, field, limit)


def _leader(government: Unit, leader_id: int | None) -> User | None:
    """A leader of `government`, or None when none is named."""
    return None if leader_id is None else leader_of(government, leader_id)


def _require_office(actor: User) -> Unit:
    if not actor.has_role(Role.OFFICE):
        raise NotPermitted(codes.ROLE_REQUIRED)
    return government_of(actor)


@transaction.atomic
def source_record_create(
    *,
    actor: User,
    kind: str,
    title: str,
    reference: str = "",
    issued_on: datetime.date | None = None,
    leader_id: int | None = None,
    summary: str = "",
) -> SourceRecord:
    """Register a source record of the actor's government (office staff). Audit: source_record_created."""
    government = _require_office(actor)
    record = SourceRecord(
        government=government,
        kind=choice(kind, SourceKind, "kind"),
        title=_limited(require_text(title, codes.TITLE_REQUIRED, "title"), TITLE_MAX, "title"),
        reference=_limited(reference, REFERENCE_MAX, "reference"),
        issued_on=issued_on,
        leader=_leader(government, leader_id),
        summary=_limited(summary, SUMMARY_MAX, "summary"),
        created_by=actor,
    )
    record.save()
    _record_event(record, EventType.SOURCE_RECORD_CREATED, actor, new=_snapshot(record))
    return record


@transaction.atomic
def source_record_update(
    *,
    actor: User,
    source_record_id: int,
    kind: str = _UNSET,
    title: str = _UNSET,
    reference: str = _UNSET,
    issued_on: datetime.date | None = _UNSET,
    leader_id: int | None = _UNSET,
    summary: str = _UNSET,
) -> SourceRecord:
    """Change a source record of the actor's own government (office staff); only the given fields change.
    Another government's record is not found. Audit: source_record_updated with old and new values."""
    government = _require_office(actor)
    record = (
        SourceRecord.objects.select_for_update().filter(pk=source_record_id, government=government).first()
    )
    if record is None:
        raise NotFound()
    old = _snapshot(record)
    if kind is not _UNSET:
        record.kind = choice(kind, SourceKind, "kind")
    if title is not _UNSET:
        record.title = _limited(require_text(title, codes.TITLE_REQUIRED, "title"), TITLE_MAX, "title")
    if reference is not _UNSET:
        record.reference = _limited(reference, REFERENCE_MAX, "reference")
    if issued_on is not _UNSET:
        record.issued_on = issued_on
    if leader_id is not _UNSET:
        record.leader = _leader(government, leader_id)
    if summary is not _UNSET:
        record.summary = _limited(summary, SUMMARY_MAX, "summary")
    new = _snapshot(record)
    if new != old:
        record.save()
        changed = [name for name in new if new[name] != old[name]]
        _record_event(
            record,
            EventType.SOURCE_RECORD_UPDATED,
            actor,
            old={name: old[name] for name in changed},
            new={name: new[name] for name in changed},
        )
    return record
