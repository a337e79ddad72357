"""Conclusions per target (条例 Art. 16) and the targets' review requests against them (复核, Art. 17)."""

from __future__ import annotations

import datetime

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from ducha.common.models import BaseModel
from ducha.inspections.models.inspection import Inspection
from ducha.inspections.statuses import ConclusionStatus, ReviewStatus


class Conclusion(BaseModel):
    """督查结论 for one target: approved by the government's head, issued, acknowledged (知悉) by the target, which
    opens the 30-calendar-day window for an objection (`objection_deadline`, stored)."""

    inspection = models.ForeignKey(
        Inspection, verbose_name=_("inspection"), on_delete=models.CASCADE, related_name="conclusions"
    )
    target = models.ForeignKey(
        "orgs.Unit", verbose_name=_("target"), on_delete=models.PROTECT, related_name="inspection_conclusions"
    )
    facts = models.TextField(_("facts"))
    evidence_summary = models.TextField(_("evidence"), blank=True)
    judgement = models.TextField(_("judgement"))
    status = models.CharField(
        _("status"), max_length=24, choices=ConclusionStatus.choices, default=ConclusionStatus.DRAFT
    )
    drafted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("drafted by"), on_delete=models.PROTECT, related_name="+"
    )
    submitted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("submitted by"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    approved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("approved by"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    approved_at = models.DateTimeField(_("approved at"), null=True, blank=True)
    return_reason = models.TextField(_("reason for return"), blank=True)
    issued_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("issued by"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    issued_at = models.DateTimeField(_("issued at"), null=True, blank=True)
    acknowledged_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("acknowledged by"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    acknowledged_at = models.DateTimeField(_("acknowledged at"), null=True, blank=True)
    # The last day an objection may be filed: the day of receipt + 30 calendar days (条例 Art. 17).
    objection_deadline = models.DateField(_("objection deadline"), null=True, blank=True)
    # After a review changed the conclusion: the judgement as changed.
    revised_judgement = models.TextField(_("judgement as changed on review"), blank=True)

    class Meta:
        verbose_name = _("conclusion")
        verbose_name_plural = _("conclusions")
        ordering = ["id"]
        constraints = [
            models.UniqueConstraint(fields=["inspection", "target"], name="conclusion_unique_target"),
        ]

    def __str__(self) -> str:
        return f"{self.inspection_id} → {self.target_id}"

    @property
    def effective_judgement(self) -> str:
        return self.revised_judgement or self.judgement

    def objection_open_on(self, today: datetime.date) -> bool:
        return (
            self.status == ConclusionStatus.ACKNOWLEDGED
            and self.objection_deadline is not None
            and today <= self.objection_deadline
        )


class ReviewOutcome(models.TextChoices):
    UPHELD = "upheld", _("upheld")
    CHANGED = "changed", _("changed")
    WITHDRAWN = "withdrawn", _("withdrawn")


class ReviewRequest(BaseModel):
    """复核申请: the target's objection to its conclusion, decided within 30 days (`decide_by`, stored) by reviewers
    who took no part in the conclusion."""

    conclusion = models.OneToOneField(
        Conclusion, verbose_name=_("conclusion"), on_delete=models.CASCADE, related_name="review_request"
    )
    inspection = models.ForeignKey(
        Inspection, verbose_name=_("inspection"), on_delete=models.CASCADE, related_name="review_requests"
    )
    reasons = models.TextField(_("reasons"))
    filed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("filed by"), on_delete=models.PROTECT, related_name="+"
    )
    filed_on = models.DateField(_("filed on"))
    decide_by = models.DateField(_("decide by"))
    status = models.CharField(
        _("status"), max_length=16, choices=ReviewStatus.choices, default=ReviewStatus.FILED
    )
    reviewers = models.ManyToManyField(
        settings.AUTH_USER_MODEL, verbose_name=_("reviewers"), blank=True, related_name="inspection_reviews"
    )
    outcome = models.CharField(_("outcome"), max_length=16, choices=ReviewOutcome.choices, blank=True)
    decision = models.TextField(_("decision"), blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("decided by"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    decided_at = models.DateTimeField(_("decided at"), null=True, blank=True)
    # The outcome is sent to the target with the decision.
    sent_at = models.DateTimeField(_("sent to the target at"), null=True, blank=True)

    class Meta:
        verbose_name = _("review request")
        verbose_name_plural = _("review requests")

    def __str__(self) -> str:
        return f"{self.conclusion_id}: {self.get_status_display()}"

    @property
    def is_late(self) -> bool:
        decided = timezone.localdate(self.decided_at) if self.decided_at else timezone.localdate()
        return decided > self.decide_by
