"""The statuses of a supervision item. The model stores them; ducha.items.lifecycle says how they move (and
re-exports them)."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _


class ItemStatus(models.TextChoices):
    DRAFT = "draft", _("draft")
    PENDING_APPROVAL = "pending_approval", _("pending approval")
    REGISTERED = "registered", _("registered")
    REJECTED = "rejected", _("rejected")
    ASSIGNED = "assigned", _("assigned")
    IN_PROGRESS = "in_progress", _("in progress")
    UNDER_REVIEW = "under_review", _("under review")
    ACCEPTED = "accepted", _("accepted")
    CLOSED = "closed", _("closed")
    ARCHIVED = "archived", _("archived")
    CANCELLED = "cancelled", _("withdrawn")

    @classmethod
    def running(cls) -> frozenset[str]:
        """Statuses in which the deadline runs and the light shows."""
        return frozenset({cls.ASSIGNED, cls.IN_PROGRESS})

    @classmethod
    def finished(cls) -> frozenset[str]:
        """Statuses in which the units' work is done (a parent may report complete)."""
        return frozenset({cls.ACCEPTED, cls.CLOSED, cls.ARCHIVED, cls.CANCELLED, cls.REJECTED})

    @classmethod
    def visible_to_units(cls) -> frozenset[str]:
        return frozenset(set(cls.values) - {cls.DRAFT, cls.PENDING_APPROVAL, cls.REGISTERED, cls.REJECTED})
