"""Official documents (公文): each issuing office's profile, the numbers handed out per kind and year, and the
documents issued — frozen once issued (the file and its SHA-256 kept), a correction being a new version that
points to the one it replaces."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from ducha.common.models import BaseModel


class DocumentKind(models.TextChoices):
    SUPERVISION_NOTICE = "supervision_notice", _("supervision notice")  # 督办通知单
    RECEIPT = "receipt", _("receipt")  # 回执
    CHASE_NOTICE = "chase_notice", _("chase notice")  # 催办通知单
    REMINDER_LETTER = "reminder_letter", _("reminder letter")  # 工作提示函
    BULLETIN = "bulletin", _("supervision bulletin")  # 督查通报
    INSPECTION_REPORT = "inspection_report", _("inspection report")  # 督查报告
    RECTIFICATION_NOTICE = "rectification_notice", _("rectification notice")  # 整改通知
    TALK_NOTICE = "talk_notice", _("talk notice")  # 约谈通知
    REVIEW_DECISION = "review_decision", _("review decision")  # 复核决定
    ANNUAL_PLAN = "annual_plan", _("annual inspection plan")  # 年度督查计划
    # Registered by ducha.evaluation (a layer above): the report to the level above as a document.
    PERIOD_REPORT = "period_report", _("report to the level above")  # 督查工作情况报告


class DocumentProfile(BaseModel):
    """How one government's supervision office signs its documents: the 发文机关标志, the 机关代字 in numbers, the
    署名, the 印发机关 and the default contact. Made from the government on first use; edited in the admin."""

    government = models.OneToOneField(
        "orgs.Unit", verbose_name=_("government"), on_delete=models.PROTECT, related_name="document_profile"
    )
    issuer = models.CharField(_("issuing office"), max_length=100)  # 发文机关全称, the 署名 and 印发机关
    mark = models.CharField(_("issuing authority mark"), max_length=40)  # 发文机关标志
    code = models.CharField(_("number prefix"), max_length=20)  # 机关代字, e.g. 示县督
    contact_name = models.CharField(_("contact person"), max_length=50, blank=True)
    contact_phone = models.CharField(_("contact phone"), max_length=30, blank=True)

    class Meta:
        verbose_name = _("document profile")
        verbose_name_plural = _("document profiles")

    def __str__(self) -> str:
        return self.issuer


class DocumentSequence(models.Model):
    """The last number handed out per government, kind and year; incremented under a row lock (gapless)."""

    government = models.ForeignKey("orgs.Unit", on_delete=models.PROTECT, related_name="+")
    kind = models.CharField(max_length=32, choices=DocumentKind.choices)
    year = models.PositiveSmallIntegerField()
    last = models.PositiveIntegerField(default=0)

    class Meta:
        verbose_name = _("document number sequence")
        verbose_name_plural = _("document number sequences")
        constraints = [
            models.UniqueConstraint(fields=["government", "kind", "year"], name="docseq_unique_gov_kind_year")
        ]

    def __str__(self) -> str:
        return f"{self.government_id} {self.kind} {self.year}: {self.last}"


def _upload_to(document: Document, filename: str) -> str:
    return f"documents/{document.year}/{document.kind}/{filename}"


class Document(BaseModel):
    """One issued version of a document about a subject (an item, an inspection, a plan, a government's bulletin).
    Never changed after it is written: a correction is a new version (`previous`)."""

    government = models.ForeignKey(
        "orgs.Unit", verbose_name=_("government"), on_delete=models.PROTECT, related_name="documents"
    )
    kind = models.CharField(_("kind"), max_length=32, choices=DocumentKind.choices)
    subject_type = models.CharField(_("subject type"), max_length=32)
    subject_id = models.BigIntegerField(_("subject id"))
    # Some kinds are about one part of the subject: a target unit's rectification notice, one review request.
    part = models.CharField(_("part"), max_length=64, blank=True, default="")
    year = models.PositiveSmallIntegerField(_("year"))
    number_seq = models.PositiveIntegerField(_("number sequence"), null=True, blank=True)
    number = models.CharField(_("document number"), max_length=64, blank=True)
    version = models.PositiveSmallIntegerField(_("version"), default=1)
    previous = models.OneToOneField(
        "self",
        verbose_name=_("corrects"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="correction",
    )
    correction_reason = models.TextField(_("reason for the correction"), blank=True)
    title = models.CharField(_("title"), max_length=300)
    content = models.JSONField(_("content"), default=dict)
    docx = models.FileField(_(".docx file"), upload_to=_upload_to, max_length=255)
    docx_sha256 = models.CharField(_("SHA-256 of the .docx"), max_length=64)
    pdf = models.FileField(_("PDF file"), upload_to=_upload_to, max_length=255, blank=True)
    pdf_sha256 = models.CharField(_("SHA-256 of the PDF"), max_length=64, blank=True)
    issued_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("issuer"), on_delete=models.PROTECT, related_name="+"
    )
    issued_at = models.DateTimeField(_("time of issue"))

    class Meta:
        verbose_name = _("document")
        verbose_name_plural = _("documents")
        ordering = ["-issued_at", "-id"]
        indexes = [models.Index(fields=["subject_type", "subject_id", "kind"], name="document_subject_idx")]
        constraints = [
            models.UniqueConstraint(
                fields=["government", "kind", "year", "number_seq", "version"],
                condition=models.Q(number_seq__isnull=False),
                name="document_unique_number_version",
            )
        ]

    def __str__(self) -> str:
        return f"{self.number or self.kind} v{self.version}"

    @property
    def is_current(self) -> bool:
        """No later version corrects it."""
        return not hasattr(self, "correction")


class BatchStatus(models.TextChoices):
    QUEUED = "queued", _("queued")
    RUNNING = "running", _("running")
    DONE = "done", _("done")
    FAILED = "failed", _("failed")


def _batch_upload_to(batch: DocumentBatch, filename: str) -> str:
    return f"documents/batches/{batch.day:%Y/%m}/{filename}"


class DocumentBatch(models.Model):
    """The 督办通知单 of every item assigned on one day, issued where not yet and put in one PDF by a background
    task; its progress (`done` of `total`) is read by the page while it runs."""

    id = models.BigAutoField(primary_key=True)
    government = models.ForeignKey(
        "orgs.Unit", verbose_name=_("government"), on_delete=models.PROTECT, related_name="+"
    )
    kind = models.CharField(_("kind"), max_length=32, choices=DocumentKind.choices)
    day = models.DateField(_("assigned on"))
    status = models.CharField(
        _("status"), max_length=16, choices=BatchStatus.choices, default=BatchStatus.QUEUED
    )
    total = models.PositiveIntegerField(_("notices"), default=0)
    done = models.PositiveIntegerField(_("done"), default=0)
    # Items left out, with why (a field the profile does not fill, say): {item number: Chinese reason}.
    skipped = models.JSONField(_("left out"), default=dict, blank=True)
    file = models.FileField(_("PDF file"), upload_to=_batch_upload_to, max_length=255, blank=True)
    error = models.TextField(_("error"), blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("requested by"), on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(_("requested at"))
    finished_at = models.DateTimeField(_("finished at"), null=True, blank=True)

    class Meta:
        verbose_name = _("document batch")
        verbose_name_plural = _("document batches")
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"{self.kind} {self.day}: {self.done}/{self.total}"
