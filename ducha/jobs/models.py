"""A background job: what was asked (its kind and parameters), by whom, how far it got, and its file."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _


class JobStatus(models.TextChoices):
    QUEUED = "queued", _("queued")
    RUNNING = "running", _("running")
    DONE = "done", _("done")
    FAILED = "failed", _("failed")
    CANCELLED = "cancelled", _("cancelled")

    @classmethod
    def active(cls) -> tuple[str, ...]:
        return (cls.QUEUED, cls.RUNNING)

    @classmethod
    def ended(cls) -> tuple[str, ...]:
        return (cls.DONE, cls.FAILED, cls.CANCELLED)


def _job_upload_to(job: Job, filename: str) -> str:
    return f"jobs/{job.created_at:%Y/%m}/{job.pk}-{filename}"


class Job(models.Model):
    """One run of a registered kind (ducha.jobs.registry). `key` names what was asked (the kind, the owner and
    the parameters): while a job with a key is queued or running, asking again joins it (job_one_active_per_key).
    `done` of `total` is its progress (total unknown: None), written by the worker at most every
    services.PROGRESS_SECONDS; `heartbeat_at` is written every services.HEARTBEAT_SECONDS while it runs, so a job
    whose worker died is found (services.reap) and failed with a clear message."""

    id = models.BigAutoField(primary_key=True)
    kind = models.CharField(_("kind"), max_length=64)
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("requested by"),
        on_delete=models.CASCADE,
        related_name="+",
        db_index=False,  # covered by job_owner_idx
    )
    key = models.CharField(_("key"), max_length=64)
    params = models.JSONField(_("parameters"), default=dict, blank=True)
    title = models.CharField(_("title"), max_length=200, blank=True)
    status = models.CharField(_("status"), max_length=16, choices=JobStatus.choices, default=JobStatus.QUEUED)
    done = models.BigIntegerField(_("done"), default=0)
    total = models.BigIntegerField(_("total"), null=True, blank=True)
    stage = models.CharField(_("stage"), max_length=200, blank=True)
    cancel_requested = models.BooleanField(_("cancel requested"), default=False)
    error_code = models.CharField(_("error code"), max_length=64, blank=True)
    error = models.TextField(_("error"), blank=True)
    result = models.JSONField(_("result"), default=dict, blank=True)
    file = models.FileField(_("file"), upload_to=_job_upload_to, max_length=255, blank=True)
    filename = models.CharField(_("file name"), max_length=200, blank=True)
    content_type = models.CharField(_("content type"), max_length=100, blank=True)
    size = models.BigIntegerField(_("size"), null=True, blank=True)
    attempt = models.PositiveSmallIntegerField(_("attempt"), default=1)
    retry_of = models.ForeignKey(
        "self", verbose_name=_("retry of"), null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    task_id = models.CharField(_("task id"), max_length=64, blank=True)
    created_at = models.DateTimeField(_("requested at"))
    started_at = models.DateTimeField(_("started at"), null=True, blank=True)
    heartbeat_at = models.DateTimeField(_("last sign of life"), null=True, blank=True)
    finished_at = models.DateTimeField(_("finished at"), null=True, blank=True)
    expires_at = models.DateTimeField(_("file kept until"), null=True, blank=True)

    class Meta:
        verbose_name = _("background job")
        verbose_name_plural = _("background jobs")
        ordering = ["-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["key"],
                condition=Q(status__in=["queued", "running"]),
                name="job_one_active_per_key",
            ),
        ]
        indexes = [
            models.Index(fields=["owner", "-id"], name="job_owner_idx"),
            models.Index(fields=["heartbeat_at"], condition=Q(status="running"), name="job_running_idx"),
            models.Index(fields=["expires_at"], condition=Q(expires_at__isnull=False), name="job_expiry_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.kind} #{self.pk}: {self.status}"

    @property
    def percent(self) -> int | None:
        if not self.total:
            return 100 if self.status == JobStatus.DONE else None
        return min(100, int(self.done * 100 / self.total))
