"""Reading the audit log: for the auditor (等保 安全审计员) and the administrator, nobody else.

The table holds millions of events: a page is one keyset query on the id, newest first (never OFFSET), and nothing
counts the whole table.
"""

from __future__ import annotations

import datetime
from collections.abc import Iterator
from dataclasses import dataclass
from typing import TYPE_CHECKING

from django.db.models import QuerySet
from django.utils import timezone

from ducha.audit.models import SECURITY_EVENT_TYPES, Event
from ducha.common import error_codes
from ducha.common.errors import NotPermitted

if TYPE_CHECKING:
    from ducha.orgs.models import User

# The roles that read the audit log, by value: audit sits below orgs and does not import its Role at run time.
AUDIT_READER_ROLES = ("auditor", "admin")  # Role.AUDITOR, Role.ADMIN

PAGE_SIZE = 50
PAGE_SIZE_MAX = 200
EXPORT_CHUNK = 1000


@dataclass(frozen=True)
class AuditFilters:
    """What the auditor narrows the log to; every field optional. Dates are local days, both ends included."""

    event_type: str = ""
    actor: str = ""  # a username
    subject_type: str = ""
    subject_id: int | None = None
    date_from: datetime.date | None = None
    date_to: datetime.date | None = None
    security_only: bool = False


@dataclass(frozen=True)
class AuditPage:
    events: list[Event]
    # The id to pass as `before_id` for the next (older) page; None on the last page.
    next_before_id: int | None


def may_read_audit_log(user: User) -> bool:
    return bool(user.is_authenticated and user.is_active and user.has_role(*AUDIT_READER_ROLES))


def _local_midnight(day: datetime.date) -> datetime.datetime:
    return timezone.make_aware(datetime.datetime.combine(day, datetime.time.min))


def _filtered(filters: AuditFilters) -> QuerySet[Event]:
    queryset = Event.objects.all()
    if filters.event_type:
        queryset = queryset.filter(event_type=filters.event_type)
    if filters.security_only:
        queryset = queryset.filter(event_type__in=SECURITY_EVENT_TYPES)
    if filters.actor:
        queryset = queryset.filter(actor__username=filters.actor)
    if filters.subject_type:
        queryset = queryset.filter(subject_type=filters.subject_type)
    if filters.subject_id is not None:
        queryset = queryset.filter(subject_id=filters.subject_id)
    if filters.date_from is not None:
        queryset = queryset.filter(created_at__gte=_local_midnight(filters.date_from))
    if filters.date_to is not None:
        queryset = queryset.filter(
            created_at__lt=_local_midnight(filters.date_to + datetime.timedelta(days=1))
        )
    return queryset


def _require_reader(viewer: User) -> None:
    if not may_read_audit_log(viewer):
        raise NotPermitted(error_codes.ROLE_REQUIRED)


def events_for_auditor(
    *, viewer: User, filters: AuditFilters, before_id: int | None = None, limit: int = PAGE_SIZE
) -> AuditPage:
    """One page of the audit log, newest first, older than `before_id` when given: one query (with the actor and
    the actor's unit). Raises NotPermitted for anyone but an auditor or an administrator."""
    _require_reader(viewer)
    limit = max(1, min(limit, PAGE_SIZE_MAX))
    queryset = _filtered(filters)
    if before_id is not None:
        queryset = queryset.filter(id__lt=before_id)
    rows = list(queryset.select_related("actor", "actor_unit").order_by("-id")[: limit + 1])
    has_more = len(rows) > limit
    rows = rows[:limit]
    return AuditPage(events=rows, next_before_id=rows[-1].pk if has_more and rows else None)


def events_for_auditor_export(
    *, viewer: User, filters: AuditFilters, chunk: int = EXPORT_CHUNK
) -> Iterator[Event]:
    """Every event the filters select, newest first, fetched a chunk at a time by keyset (for a streamed export).
    The permission is checked at once, before the first row is asked for."""
    _require_reader(viewer)
    return _export_rows(filters, chunk)


def _export_rows(filters: AuditFilters, chunk: int) -> Iterator[Event]:
    before_id: int | None = None
    while True:
        queryset = _filtered(filters)
        if before_id is not None:
            queryset = queryset.filter(id__lt=before_id)
        rows = list(queryset.select_related("actor", "actor_unit").order_by("-id")[:chunk])
        yield from rows
        if len(rows) < chunk:
            return
        before_id = rows[-1].pk
