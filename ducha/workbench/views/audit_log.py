"""The audit log for the auditor (issue 17, 等保 安全审计员): every event, newest first, filtered by event, actor,
subject, days and "security events only", paged by keyset on the id; and the same selection as a streamed CSV.

Read-only: the page changes nothing and its reads are not logged (they would flood the log); the CSV is a download,
so ducha.audit.middleware logs it as an export. Anyone but an auditor or an administrator is refused (403, and that
refusal is itself logged).
"""

from __future__ import annotations

import csv
import json
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from typing import Any

from django import forms
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse, StreamingHttpResponse
from django.shortcuts import render
from django.urls import path
from django.utils import timezone
from django.utils.http import content_disposition_header, urlencode
from django.views.decorators.http import require_GET

from ducha.audit.models import Event, EventType
from ducha.audit.selectors import (
    AuditFilters,
    events_for_auditor,
    events_for_auditor_export,
    may_read_audit_log,
)
from ducha.common import error_codes as codes
from ducha.common.errors import NotPermitted, ValidationFailed
from ducha.workbench.forms.fields import DigitsField, FlagField, IsoDateField, KnownChoiceField, TextField
from ducha.workbench.views.items.base import user_of

CHANGES_SHOWN = 240
# Shown in their own column (the address) or not at all (the browser): left out of the compact old/new.
NOT_IN_CHANGES = ("ip", "agent")
# A cell a spreadsheet would read as a formula is written as text.
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
CSV_COLUMNS = (
    *("id", "time", "event_type", "event", "actor", "actor_name", "unit", "subject_type", "subject_id"),
    *("address", "old", "new", "comment"),
)


class AuditFilterForm(forms.Form):
    event_type = KnownChoiceField(choices=EventType.values)
    actor = TextField(max_length=150)
    subject_type = TextField(max_length=32)
    subject_id = DigitsField(strip=True)
    date_from = IsoDateField()
    date_to = IsoDateField()
    security = FlagField()
    before = DigitsField()


FILTER_NAMES = ("event_type", "actor", "subject_type", "subject_id", "date_from", "date_to", "security")


def _filters(data: dict[str, Any]) -> AuditFilters:
    return AuditFilters(
        event_type=data["event_type"],
        actor=data["actor"],
        subject_type=data["subject_type"],
        subject_id=data["subject_id"],
        date_from=data["date_from"],
        date_to=data["date_to"],
        security_only=bool(data["security"]),
    )


def _query(request: HttpRequest, **replace: str) -> str:
    """The page's filters as a query string (without the page position), with `replace` set."""
    values = {name: request.GET[name] for name in FILTER_NAMES if request.GET.get(name, "")}
    values.update({name: value for name, value in replace.items() if value})
    return urlencode(values)


def _compact(values: Any) -> str:
    if not isinstance(values, dict):
        return ""
    shown = {key: value for key, value in values.items() if key not in NOT_IN_CHANGES}
    if not shown:
        return ""
    text = json.dumps(shown, ensure_ascii=False, sort_keys=True, default=str)
    return text if len(text) <= CHANGES_SHOWN else text[: CHANGES_SHOWN - 1] + "…"


@dataclass(frozen=True)
class Row:
    event: Event
    label: str
    actor: str
    username: str
    unit: str
    address: str
    old: str
    new: str


def _address(event: Event) -> str:
    return str(event.new.get("ip", "")) if isinstance(event.new, dict) else ""


def _row(event: Event) -> Row:
    actor = event.actor
    unit = event.actor_unit
    return Row(
        event=event,
        label=event.get_event_type_display(),
        actor=actor.display_name if actor is not None else "",
        username=actor.username if actor is not None else "",
        unit=(unit.short_name or unit.name) if unit is not None else "",
        address=_address(event),
        old=_compact(event.old),
        new=_compact(event.new),
    )


def _refused(request: HttpRequest, error: NotPermitted | ValidationFailed) -> HttpResponse:
    return render(request, "audit/refused.html", {"error": error}, status=error.status)


@login_required
@require_GET
def audit_log(request: HttpRequest) -> HttpResponse:
    user = user_of(request)
    if not may_read_audit_log(user):
        return _refused(request, NotPermitted(codes.ROLE_REQUIRED))
    form = AuditFilterForm(request.GET)
    error: ValidationFailed | None = None
    rows: list[Row] = []
    next_query = ""
    if form.is_valid():
        page = events_for_auditor(
            viewer=user, filters=_filters(form.cleaned_data), before_id=form.cleaned_data["before"]
        )
        rows = [_row(event) for event in page.events]
        if page.next_before_id is not None:
            next_query = _query(request, before=str(page.next_before_id))
    else:
        error = ValidationFailed(codes.INVALID_INPUT, fields=dict.fromkeys(form.errors, ""))
    return render(
        request,
        "audit/log.html",
        {
            "form": form,
            "values": {name: request.GET.get(name, "") for name in FILTER_NAMES},
            "event_types": EventType.choices,
            "rows": rows,
            "error": error,
            "is_paged": form.is_valid() and form.cleaned_data["before"] is not None,
            "first_query": _query(request),
            "next_query": next_query,
        },
        status=400 if error is not None else 200,
    )


class _Echo:
    """A file that hands back what is written to it: csv.writer's output, one line at a time."""

    def write(self, value: str) -> str:
        return value


def _cell(value: Any) -> str:
    text = "" if value is None else str(value)
    return "'" + text if text.startswith(FORMULA_START) else text


def _csv_lines(events: Iterable[Event]) -> Iterator[str]:
    writer = csv.writer(_Echo())
    yield "\ufeff"  # so that a spreadsheet reads the Chinese as UTF-8
    yield writer.writerow(CSV_COLUMNS)
    for event in events:
        row = _row(event)
        yield writer.writerow(
            _cell(value)
            for value in (
                event.pk,
                timezone.localtime(event.created_at).isoformat(),
                event.event_type,
                row.label,
                row.username,
                row.actor,
                row.unit,
                event.subject_type,
                event.subject_id,
                row.address,
                json.dumps(event.old, ensure_ascii=False, sort_keys=True, default=str),
                json.dumps(event.new, ensure_ascii=False, sort_keys=True, default=str),
                event.comment,
            )
        )


@login_required
@require_GET
def audit_log_export(request: HttpRequest) -> HttpResponse | StreamingHttpResponse:
    """The filtered log as CSV, streamed a thousand events at a time (keyset): no size limit, no memory held."""
    user = user_of(request)
    if not may_read_audit_log(user):
        return _refused(request, NotPermitted(codes.ROLE_REQUIRED))
    form = AuditFilterForm(request.GET)
    if not form.is_valid():
        return _refused(request, ValidationFailed(codes.INVALID_INPUT, fields=dict.fromkeys(form.errors, "")))
    events = events_for_auditor_export(viewer=user, filters=_filters(form.cleaned_data))
    response = StreamingHttpResponse(_csv_lines(events), content_type="text/csv; charset=utf-8")
    filename = f"audit-log-{timezone.localdate().isoformat()}.csv"
    response["Content-Disposition"] = content_disposition_header(as_attachment=True, filename=filename)
    return response


urlpatterns = [
    path("audit/", audit_log, name="audit-log"),
    path("audit/export.csv", audit_log_export, name="audit-log-export"),
]
