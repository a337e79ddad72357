"""Rectification (整改) of each finding, with milestones and progress, and the follow-up visits (回头看) scheduled
when a rebound-prone finding's rectification is closed. Deadline fields: see the package's docstring."""

from __future__ import annotations

import datetime

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from ducha.common.models import BaseModel
from ducha.inspections.models.conclusion import Conclusion
from ducha.inspections.models.fieldwork import Finding, RectificationKind
from ducha.inspections.models.inspection import Inspection
from ducha.inspections.statuses import RectificationStatus


class Light(models.TextChoices):
    RED = "red", _("overdue")
    YELLOW = "yellow", _("due soon")
    GREEN = "green", _("on track")
    NONE = "", _("no light")


class Rectification(BaseModel):
    """The rectification task of one finding. Deadline fields: see the module docstring (`due_date`,
    `warn_date`, light derived from them)."""

    finding = models.OneToOneField(
        Finding, verbose_name=_("finding"), on_delete=models.CASCADE, related_name="rectification"
    )
    inspection = models.ForeignKey(
        Inspection, verbose_name=_("inspection"), on_delete=models.CASCADE, related_name="rectifications"
    )
    conclusion = models.ForeignKey(
        Conclusion, verbose_name=_("conclusion"), on_delete=models.CASCADE, related_name="rectifications"
    )
    target = models.ForeignKey(
        "orgs.Unit", verbose_name=_("unit"), on_delete=models.PROTECT, related_name="rectifications"
    )
    kind = models.CharField(_("kind"), max_length=16, choices=RectificationKind.choices)
    status = models.CharField(
        _("status"), max_length=16, choices=RectificationStatus.choices, default=RectificationStatus.OPEN
    )
    due_date = models.DateField(_("due date"))
    warn_date = models.DateField(_("yellow-light date"))
    plan = models.TextField(_("rectification plan"), blank=True)
    latest_progress = models.TextField(_("latest progress"), blank=True)
    latest_progress_at = models.DateTimeField(_("latest progress at"), null=True, blank=True)
    completion_report = models.TextField(_("completion report"), blank=True)
    reported_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("reported by"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    reported_at = models.DateTimeField(_("reported at"), null=True, blank=True)
    verified_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("verified by"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    verified_at = models.DateTimeField(_("verified at"), null=True, blank=True)
    verification_method = models.CharField(_("verification method"), max_length=16, blank=True)
    verification_note = models.TextField(_("verification note"), blank=True)
    closed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("closed by"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    closed_at = models.DateTimeField(_("closed at"), null=True, blank=True)

    class Meta:
        verbose_name = _("rectification")
        verbose_name_plural = _("rectifications")
        ordering = ["due_date", "id"]
        indexes = [
            models.Index(fields=["status", "warn_date", "due_date"], name="rectification_light_idx"),
            models.Index(fields=["target", "status"], name="rectification_target_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.finding_id}: {self.get_status_display()}"

    def light_on(self, today: datetime.date) -> str:
        """The status light as of `today`; the SQL twin is selectors.rectification_light_filter()."""
        if self.status not in RectificationStatus.running():
            return Light.NONE
        if today > self.due_date:
            return Light.RED
        if today >= self.warn_date:
            return Light.YELLOW
        return Light.GREEN

    @property
    def light(self) -> str:
        return self.light_on(timezone.localdate())


class RectificationMilestone(BaseModel):
    rectification = models.ForeignKey(
        Rectification, verbose_name=_("rectification"), on_delete=models.CASCADE, related_name="milestones"
    )
    title = models.CharField(_("title"), max_length=200)
    due_date = models.DateField(_("due date"))
    completed_at = models.DateTimeField(_("completed at"), null=True, blank=True)

    class Meta:
        verbose_name = _("rectification milestone")
        verbose_name_plural = _("rectification milestones")
        ordering = ["due_date", "id"]

    def __str__(self) -> str:
        return self.title


class RectificationProgress(BaseModel):
    rectification = models.ForeignKey(
        Rectification, verbose_name=_("rectification"), on_delete=models.CASCADE, related_name="progress"
    )
    text = models.TextField(_("text"))
    milestone = models.ForeignKey(
        RectificationMilestone,
        verbose_name=_("milestone completed"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("author"), on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        verbose_name = _("rectification progress")
        verbose_name_plural = _("rectification progress")
        ordering = ["created_at", "id"]

    def __str__(self) -> str:
        return f"{self.rectification_id} #{self.pk}"


class FollowUp(BaseModel):
    """A 回头看 scheduled when a rebound-prone finding's rectification is closed; `followups_create` turns the due
    ones into a follow-up inspection (once: `created_inspection` is set in the same transaction)."""

    finding = models.OneToOneField(
        Finding, verbose_name=_("finding"), on_delete=models.CASCADE, related_name="follow_up"
    )
    source_inspection = models.ForeignKey(
        Inspection, verbose_name=_("inspection followed up"), on_delete=models.CASCADE, related_name="+"
    )
    due_on = models.DateField(_("due on"))
    created_inspection = models.ForeignKey(
        Inspection,
        verbose_name=_("follow-up inspection"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="followed_findings",
    )

    class Meta:
        verbose_name = _("scheduled follow-up")
        verbose_name_plural = _("scheduled follow-ups")
        indexes = [models.Index(fields=["due_on", "created_inspection"], name="followup_due_idx")]

    def __str__(self) -> str:
        return f"{self.finding_id} @ {self.due_on}"
