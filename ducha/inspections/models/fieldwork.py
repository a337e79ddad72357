"""Fieldwork: the problems found at a target (发现问题) and their evidence, each file stored once by SHA-256."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from ducha.common.models import BaseModel
from ducha.inspections.models.inspection import Inspection


class RectificationKind(models.TextChoices):
    IMMEDIATE = "immediate", _("rectify immediately")
    DEADLINE = "deadline", _("rectify by a deadline")
    LONG_TERM = "long_term", _("long-term, with milestones")


class Finding(BaseModel):
    """A problem found at one target (发现问题). It becomes a rectification task when the conclusion is issued."""

    inspection = models.ForeignKey(
        Inspection, verbose_name=_("inspection"), on_delete=models.CASCADE, related_name="findings"
    )
    target = models.ForeignKey(
        "orgs.Unit", verbose_name=_("target"), on_delete=models.PROTECT, related_name="inspection_findings"
    )
    title = models.CharField(_("title"), max_length=200)
    description = models.TextField(_("description"))
    place = models.CharField(_("place"), max_length=200, blank=True)
    observed_at = models.DateTimeField(_("observed at"), null=True, blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("recorded by"), on_delete=models.PROTECT, related_name="+"
    )
    rectification_kind = models.CharField(
        _("rectification kind"),
        max_length=16,
        choices=RectificationKind.choices,
        default=RectificationKind.DEADLINE,
    )
    rectification_due_date = models.DateField(_("rectification due date"), null=True, blank=True)
    is_rebound_prone = models.BooleanField(_("prone to rebound"), default=False)
    # Months until the 回头看; None: the government's rule.
    followup_months = models.PositiveSmallIntegerField(_("follow-up after months"), null=True, blank=True)

    class Meta:
        verbose_name = _("finding")
        verbose_name_plural = _("findings")
        ordering = ["id"]
        indexes = [models.Index(fields=["inspection", "target"], name="finding_inspection_target_idx")]

    def __str__(self) -> str:
        return self.title


def evidence_path(instance: EvidenceFile, filename: str) -> str:
    return f"inspections/evidence/{instance.sha256[:2]}/{instance.sha256}/{filename}"


class EvidenceFile(models.Model):
    """The bytes of a piece of evidence, stored once per SHA-256 however often it is used."""

    sha256 = models.CharField(_("SHA-256"), max_length=64, unique=True)
    file = models.FileField(_("file"), upload_to=evidence_path, max_length=300)
    original_name = models.CharField(_("file name"), max_length=200)
    size = models.PositiveBigIntegerField(_("size"))
    content_type = models.CharField(_("content type"), max_length=100, blank=True)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("first uploaded by"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    created_at = models.DateTimeField(_("first uploaded at"), default=timezone.now)

    class Meta:
        verbose_name = _("evidence file")
        verbose_name_plural = _("evidence files")

    def __str__(self) -> str:
        return f"{self.sha256[:12]} {self.original_name}"


class EvidenceKind(models.TextChoices):
    DOCUMENT = "document", _("document")
    PHOTO = "photo", _("photo")
    INTERVIEW = "interview", _("interview notes")
    VIDEO = "video", _("video")
    OTHER = "other", _("other")


class EvidenceUse(BaseModel):
    """One use of an evidence file: for a finding, a rectification or a review request. A file used for more than
    one of them is flagged on every use (the same photo for two findings or targets is a common fake)."""

    file = models.ForeignKey(
        EvidenceFile, verbose_name=_("file"), on_delete=models.PROTECT, related_name="uses"
    )
    inspection = models.ForeignKey(
        Inspection, verbose_name=_("inspection"), on_delete=models.CASCADE, related_name="evidence"
    )
    finding = models.ForeignKey(
        Finding,
        verbose_name=_("finding"),
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="evidence",
    )
    rectification = models.ForeignKey(
        "inspections.Rectification",
        verbose_name=_("rectification"),
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="evidence",
    )
    review_request = models.ForeignKey(
        "inspections.ReviewRequest",
        verbose_name=_("review request"),
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="evidence",
    )
    kind = models.CharField(
        _("kind"), max_length=16, choices=EvidenceKind.choices, default=EvidenceKind.DOCUMENT
    )
    description = models.CharField(_("description"), max_length=300, blank=True)
    place = models.CharField(_("place"), max_length=200, blank=True)
    taken_at = models.DateTimeField(_("taken at"), null=True, blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("recorded by"), on_delete=models.PROTECT, related_name="+"
    )
    is_flagged = models.BooleanField(_("same file used elsewhere"), default=False)

    class Meta:
        verbose_name = _("evidence")
        verbose_name_plural = _("evidence")
        ordering = ["id"]
        constraints = [
            models.CheckConstraint(
                condition=(
                    Q(finding__isnull=False, rectification__isnull=True, review_request__isnull=True)
                    | Q(finding__isnull=True, rectification__isnull=False, review_request__isnull=True)
                    | Q(finding__isnull=True, rectification__isnull=True, review_request__isnull=False)
                ),
                name="evidenceuse_exactly_one_subject",
            ),
            models.UniqueConstraint(
                fields=["file", "finding"],
                condition=Q(finding__isnull=False),
                name="evidenceuse_once_per_finding",
            ),
            models.UniqueConstraint(
                fields=["file", "rectification"],
                condition=Q(rectification__isnull=False),
                name="evidenceuse_once_per_rectification",
            ),
            models.UniqueConstraint(
                fields=["file", "review_request"],
                condition=Q(review_request__isnull=False),
                name="evidenceuse_once_per_review",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.file_id} ({self.get_kind_display()})"
