"""The audit log in the admin (read-only), and `AuditedAdmin`: the admin screens that change people, roles, units,
rules and tokens write an audit event like any other write — who, when, what it was and what it became.

The hooks are the admin's own `log_addition` / `log_change` / `log_deletions`, which Django calls after every save
and before every deletion (the add and change forms, list-editable rows, the delete action, a password set by an
administrator), so no path of the admin escapes them. The values are a snapshot of the row's fields and of the
rows its inlines edit (a user's role grants); secrets (the password hash) are never copied, only that they changed.
"""

from __future__ import annotations

import datetime
import decimal
import json
import uuid
from collections.abc import Iterable
from typing import Any

from django.contrib import admin
from django.db import models
from django.http import HttpRequest

from ducha.audit.models import Event, EventType
from ducha.audit.services import event_record
from ducha.common import crypto
from ducha.common.fields import SealedTextField

# Never copied into the log: a hash is a secret, and the bookkeeping fields say nothing.
SECRET_FIELDS = frozenset({"password", "digest"})
IGNORED_FIELDS = frozenset({"last_login", "created_at", "updated_at"})
_BEFORE_ATTR = "_audit_before"


def _plain(value: Any) -> Any:
    if value is None or isinstance(value, bool | int | float | str):
        return value
    if isinstance(value, datetime.datetime) and value.tzinfo is not None:
        return value.astimezone(datetime.UTC).isoformat()  # one instant, one text, whatever zone it came in
    if isinstance(value, datetime.date | datetime.time):
        return value.isoformat()
    if isinstance(value, decimal.Decimal | uuid.UUID):
        return str(value)
    if isinstance(value, list | tuple | set | frozenset):
        return [_plain(part) for part in value]
    if isinstance(value, dict):
        return {str(key): _plain(part) for key, part in value.items()}
    if isinstance(value, models.Model):
        return value.pk
    return str(value)


def row_snapshot(obj: models.Model, *, leave_out: Iterable[str] = ()) -> dict[str, Any]:
    """The row's fields (foreign keys as ids, many-to-many as sorted ids) as JSON values; secrets as a digest
    marker only."""
    skipped = IGNORED_FIELDS | set(leave_out)
    values: dict[str, Any] = {}
    for field in obj._meta.concrete_fields:
        if field.name in skipped or field.primary_key:
            continue
        value = field.value_from_object(obj)
        if value and isinstance(field, SealedTextField):
            # Personal data sealed at rest stays out of the (undeletable) log: a keyed digest shows that it changed.
            values[field.name] = "sealed:" + crypto.digest(str(value))[:12]
            continue
        values[field.name] = "********" if field.name in SECRET_FIELDS and value else _plain(value)
    if obj.pk is not None:
        for field in obj._meta.many_to_many:
            values[field.name] = sorted(_plain(related.pk) for related in getattr(obj, field.name).all())
    return values


class AuditedAdmin(admin.ModelAdmin):
    """Mix in before ModelAdmin (or UserAdmin): every write through this admin is an audit event on the row
    (subject_type: the model's label, e.g. "orgs.user")."""

    def audit_snapshot(self, obj: models.Model) -> dict[str, Any]:
        """The row and the rows its inlines edit, keyed by the inline model's name."""
        values = row_snapshot(obj)
        if obj.pk is None:
            return values
        for inline in self.inlines:
            model = inline.model
            link = next(
                field.name
                for field in model._meta.concrete_fields
                if field.is_relation and field.related_model is type(obj)
            )
            rows = model._default_manager.filter(**{link: obj}).order_by("pk")
            values[model._meta.model_name] = [row_snapshot(row, leave_out=[link]) for row in rows]
        return values

    def _record(self, request: HttpRequest, obj: models.Model, event_type: EventType, **values: Any) -> None:
        actor = request.user if request.user.is_authenticated else None
        event_record(
            event_type=event_type,
            subject_type=obj._meta.label_lower[:32],
            subject_id=obj.pk,
            actor=actor,  # type: ignore[arg-type]
            **values,
        )

    def save_model(self, request: HttpRequest, obj: Any, form: Any, change: bool) -> None:
        if change and obj.pk is not None:
            stored = type(obj)._default_manager.filter(pk=obj.pk).first()
            setattr(obj, _BEFORE_ATTR, self.audit_snapshot(stored) if stored is not None else {})
        super().save_model(request, obj, form, change)

    def log_addition(self, request: HttpRequest, obj: Any, message: Any) -> Any:
        self._record(request, obj, EventType.ADMIN_CREATED, new=self.audit_snapshot(obj))
        return super().log_addition(request, obj, message)

    def log_change(self, request: HttpRequest, obj: Any, message: Any) -> Any:
        before = getattr(obj, _BEFORE_ATTR, None)
        after = self.audit_snapshot(obj)
        if before is None:
            # A change made without the change form (the password form): only what it says it changed.
            self._record(request, obj, EventType.ADMIN_CHANGED, comment=_message_text(message))
        else:
            changed = sorted(key for key in after.keys() | before.keys() if before.get(key) != after.get(key))
            if changed:
                self._record(
                    request,
                    obj,
                    EventType.ADMIN_CHANGED,
                    old={key: before.get(key) for key in changed},
                    new={key: after.get(key) for key in changed},
                    comment=_message_text(message),
                )
            delattr(obj, _BEFORE_ATTR)
        return super().log_change(request, obj, message)

    def log_deletions(self, request: HttpRequest, queryset: Any) -> Any:
        for obj in queryset:
            self._record(request, obj, EventType.ADMIN_DELETED, old=self.audit_snapshot(obj))
        return super().log_deletions(request, queryset)


def _message_text(message: Any) -> str:
    """The admin's change message (a JSON list, or text) as the event's comment."""
    if isinstance(message, list):
        return json.dumps(message, ensure_ascii=False)[:2000]
    return str(message or "")[:2000]


@admin.register(Event)
class EventAdmin(admin.ModelAdmin):
    list_display = ["created_at", "event_type", "subject_type", "subject_id", "actor", "actor_unit"]
    list_filter = ["event_type", "subject_type"]
    list_select_related = ["actor", "actor_unit"]
    show_full_result_count = False

    def has_add_permission(self, request):  # type: ignore[no-untyped-def]
        return False

    def has_change_permission(self, request, obj=None):  # type: ignore[no-untyped-def]
        return False

    def has_delete_permission(self, request, obj=None):  # type: ignore[no-untyped-def]
        return False
