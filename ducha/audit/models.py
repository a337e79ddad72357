"""Append-only audit events: the timeline of every item and the record of every change.

Written explicitly by services in the same transaction as the change they record, never by signals; never updated
or deleted (save() of an existing row and delete() refuse).
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class EventType(models.TextChoices):
    # Items: the lifecycle
    ITEM_CREATED = "item_created", _("created")
    ITEM_UPDATED = "item_updated", _("edited")
    ITEM_SUBMITTED = "item_submitted", _("submitted for approval")
    ITEM_APPROVED = "item_approved", _("approved and registered")
    ITEM_REJECTED = "item_rejected", _("rejected")
    ITEM_REVISED = "item_revised", _("taken back for revision")
    ITEM_ASSIGNED = "item_assigned", _("assigned")
    ITEM_SIGNED = "item_signed", _("signed for")
    ITEM_PROGRESS = "item_progress", _("progress reported")
    ITEM_REPORTED = "item_reported", _("completion report filed")
    ITEM_REPORT_APPROVED = "item_report_approved", _("completion report checked by the unit head")
    ITEM_REPORT_RETURNED = "item_report_returned", _("completion report returned by the unit head")
    ITEM_REVIEW_ACCEPTED = "item_review_accepted", _("review passed")
    ITEM_REVIEW_RETURNED = "item_review_returned", _("returned to be redone")
    ITEM_CLOSED = "item_closed", _("closed")
    ITEM_ARCHIVED = "item_archived", _("archived")
    ITEM_CANCEL_REQUESTED = "item_cancel_requested", _("withdrawal requested")
    ITEM_CANCEL_REFUSED = "item_cancel_refused", _("withdrawal refused")
    ITEM_CANCELLED = "item_cancelled", _("withdrawn")
    ITEM_EXTENSION_REQUESTED = "item_extension_requested", _("extension requested")
    ITEM_EXTENSION_ENDORSED = "item_extension_endorsed", _("extension endorsed by the office")
    ITEM_EXTENSION_GRANTED = "item_extension_granted", _("extension granted")
    ITEM_EXTENSION_REFUSED = "item_extension_refused", _("extension refused")
    ITEM_DELEGATED = "item_delegated", _("delegated")
    ITEM_DISPUTE_ESCALATED = "item_dispute_escalated", _("disagreement escalated")
    ITEM_DISPUTE_COORDINATED = "item_dispute_coordinated", _("coordination recorded")
    ITEM_DISPUTE_RULED = "item_dispute_ruled", _("leader's ruling recorded")
    ITEM_DEADLINE_RECOMPUTED = "item_deadline_recomputed", _("due date recomputed")
    ITEM_ATTACHMENT_ADDED = "item_attachment_added", _("attachment added")
    ITEM_VIEWED = "item_viewed", _("viewed (confidential item)")
    # Master data
    CALENDAR_YEAR_SET = "calendar_year_set", _("working-day arrangement entered")
    UNIT_CREATED = "unit_created", _("unit created")
    TOKEN_ISSUED = "token_issued", _("API token issued")


class Event(models.Model):
    id = models.BigAutoField(primary_key=True)
    event_type = models.CharField(_("event"), max_length=64, choices=EventType.choices)
    subject_type = models.CharField(_("subject type"), max_length=32)
    subject_id = models.BigIntegerField(_("subject id"))
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("actor"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="audit_events",
    )
    actor_unit = models.ForeignKey(
        "orgs.Unit",
        verbose_name=_("actor's unit"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="audit_events",
    )
    created_at = models.DateTimeField(_("time"), default=timezone.now)
    old = models.JSONField(_("old values"), default=dict, blank=True)
    new = models.JSONField(_("new values"), default=dict, blank=True)
    comment = models.TextField(_("comment"), blank=True)

    class Meta:
        verbose_name = _("audit event")
        verbose_name_plural = _("audit events")
        indexes = [
            models.Index(fields=["subject_type", "subject_id", "created_at"], name="audit_subject_time_idx"),
            models.Index(fields=["actor_unit", "event_type", "created_at"], name="audit_unit_type_time_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.subject_type}#{self.subject_id} {self.event_type}"

    def save(self, *args: Any, **kwargs: Any) -> None:
        if not self._state.adding:
            raise RuntimeError("Audit events are append-only.")
        super().save(*args, **kwargs)

    def delete(self, *args: Any, **kwargs: Any) -> Any:
        raise RuntimeError("Audit events are append-only.")
