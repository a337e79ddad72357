"""The year's ledger (LedgerYear with its entries, the units' confirmations, the mid-year check, the office's
stage notes and corrections), the evaluation scheme and the stored scores, and the reports to the level above.

Services (ledger.py, scoring.py, reports.py) write them; selectors.py reads them within the user's scope.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from ducha.common.models import BaseModel


class LedgerStatus(models.TextChoices):
    DRAFT = "draft", _("being drawn up")
    PENDING_APPROVAL = "pending_approval", _("waiting for the leader's approval")
    OPEN = "open", _("open")
    CLOSED = "closed", _("closed and frozen")


class LedgerYear(BaseModel):
    """A government's ledger of one year: 年初建账 (drawn up, approved, confirmed by each unit), 年中查账 (the
    mid-year check), 年终结账 (every entry settled, the year's figures frozen and signed with a hash)."""

    government = models.ForeignKey(
        "orgs.Unit", verbose_name=_("government"), on_delete=models.PROTECT, related_name="ledger_years"
    )
    year = models.PositiveSmallIntegerField(_("year"))
    status = models.CharField(
        _("status"), max_length=20, choices=LedgerStatus.choices, default=LedgerStatus.DRAFT
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("drawn up by"), on_delete=models.PROTECT, related_name="+"
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
    return_reason = models.TextField(_("reason for returning"), blank=True)
    closed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("closed by"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    closed_at = models.DateTimeField(_("closed at"), null=True, blank=True)
    # The year's figures as frozen at the close, and the SHA-256 of their canonical JSON.
    frozen_figures = models.JSONField(_("frozen figures"), default=dict, blank=True)
    frozen_digest = models.CharField(_("SHA-256 of the frozen figures"), max_length=64, blank=True)

    class Meta:
        verbose_name = _("year's ledger")
        verbose_name_plural = _("years' ledgers")
        ordering = ["-year", "government_id"]
        constraints = [
            models.UniqueConstraint(fields=["government", "year"], name="ledgeryear_unique_government_year")
        ]

    def __str__(self) -> str:
        return f"{self.government} {self.year}"

    @property
    def is_closed(self) -> bool:
        return self.status == LedgerStatus.CLOSED


class EntryCategory(models.TextChoices):
    WORK_REPORT = "work_report", _("government work report task")
    LIVELIHOOD = "livelihood", _("livelihood project")
    KEY_WORK = "key_work", _("key work of the year")
    CARRIED_OVER = "carried_over", _("carried over from last year")


class Settlement(models.TextChoices):
    OPEN = "", _("not settled")
    DONE = "done", _("done")
    CARRIED_OVER = "carried_over", _("carried over to next year")
    CANCELLED = "cancelled", _("cancelled with approval")


class LedgerEntry(BaseModel):
    """One task on the year's ledger: an item with its lead unit, its category and, at the close, how it was
    settled."""

    ledger_year = models.ForeignKey(
        LedgerYear, verbose_name=_("year's ledger"), on_delete=models.CASCADE, related_name="entries"
    )
    item = models.ForeignKey(
        "items.Item", verbose_name=_("item"), on_delete=models.PROTECT, related_name="ledger_entries"
    )
    unit = models.ForeignKey(
        "orgs.Unit", verbose_name=_("responsible unit"), on_delete=models.PROTECT, related_name="+"
    )
    category = models.CharField(_("category"), max_length=16, choices=EntryCategory.choices)
    # An entry brought over from last year's ledger, and why (never silently).
    carried_from = models.ForeignKey(
        "self",
        verbose_name=_("carried over from"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="carried_to",
    )
    carry_reason = models.TextField(_("reason for carrying over"), blank=True)
    settlement = models.CharField(
        _("settlement"), max_length=16, choices=Settlement.choices, default=Settlement.OPEN, blank=True
    )
    settled_at = models.DateTimeField(_("settled at"), null=True, blank=True)
    settled_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("settled by"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )

    class Meta:
        verbose_name = _("ledger entry")
        verbose_name_plural = _("ledger entries")
        ordering = ["ledger_year_id", "unit_id", "id"]
        constraints = [
            models.UniqueConstraint(fields=["ledger_year", "item"], name="ledgerentry_unique_item_per_year")
        ]
        indexes = [models.Index(fields=["ledger_year", "unit"], name="ledgerentry_year_unit_idx")]

    def __str__(self) -> str:
        return f"{self.ledger_year_id}: {self.item_id}"


class ConfirmationStatus(models.TextChoices):
    PENDING = "pending", _("waiting for the unit")
    CONFIRMED = "confirmed", _("confirmed")
    OBJECTED = "objected", _("objection sent to the office")


class LedgerConfirmation(BaseModel):
    """A unit's confirmation of its own list on the year's ledger (one click), or its objection."""

    ledger_year = models.ForeignKey(
        LedgerYear, verbose_name=_("year's ledger"), on_delete=models.CASCADE, related_name="confirmations"
    )
    unit = models.ForeignKey("orgs.Unit", verbose_name=_("unit"), on_delete=models.PROTECT, related_name="+")
    status = models.CharField(
        _("status"), max_length=16, choices=ConfirmationStatus.choices, default=ConfirmationStatus.PENDING
    )
    objection = models.TextField(_("objection"), blank=True)
    office_reply = models.TextField(_("office's reply"), blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("confirmed by"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    decided_at = models.DateTimeField(_("confirmed at"), null=True, blank=True)

    class Meta:
        verbose_name = _("unit's confirmation")
        verbose_name_plural = _("units' confirmations")
        ordering = ["ledger_year_id", "unit__sort_order", "unit_id"]
        constraints = [
            models.UniqueConstraint(fields=["ledger_year", "unit"], name="ledgerconfirmation_unique_unit")
        ]

    def __str__(self) -> str:
        return f"{self.ledger_year_id}: {self.unit_id} {self.status}"


class MidYearCheck(BaseModel):
    """年中查账: per unit what is on time, late and at risk as of a day, with the generated report."""

    ledger_year = models.OneToOneField(
        LedgerYear, verbose_name=_("year's ledger"), on_delete=models.CASCADE, related_name="mid_year_check"
    )
    as_of = models.DateField(_("as of"))
    figures = models.JSONField(_("figures"), default=dict)
    report = models.TextField(_("report"))
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("checked by"), on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        verbose_name = _("mid-year check")
        verbose_name_plural = _("mid-year checks")

    def __str__(self) -> str:
        return f"{self.ledger_year} @ {self.as_of}"


class ExplanationRequest(BaseModel):
    """An entry the unit must explain (found late or at risk at the mid-year check), and its answer."""

    mid_year_check = models.ForeignKey(
        MidYearCheck, verbose_name=_("mid-year check"), on_delete=models.CASCADE, related_name="explanations"
    )
    entry = models.ForeignKey(
        LedgerEntry, verbose_name=_("ledger entry"), on_delete=models.CASCADE, related_name="explanations"
    )
    unit = models.ForeignKey("orgs.Unit", verbose_name=_("unit"), on_delete=models.PROTECT, related_name="+")
    question = models.TextField(_("what is to be explained"))
    answer = models.TextField(_("explanation"), blank=True)
    answered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("explained by"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    answered_at = models.DateTimeField(_("explained at"), null=True, blank=True)

    class Meta:
        verbose_name = _("explanation request")
        verbose_name_plural = _("explanation requests")
        ordering = ["id"]
        constraints = [
            models.UniqueConstraint(
                fields=["mid_year_check", "entry"], name="explanation_unique_entry_per_check"
            )
        ]

    def __str__(self) -> str:
        return f"{self.mid_year_check_id}: {self.entry_id}"


class LedgerNoteKind(models.TextChoices):
    STAGE = "stage", _("stage record")
    CORRECTION = "correction", _("correction after the close")


class LedgerNote(BaseModel):
    """阶段备案: the office's stage notes on the ledger (optionally about one entry); after the close, the
    corrections to that year's history, which never change the frozen figures."""

    ledger_year = models.ForeignKey(
        LedgerYear, verbose_name=_("year's ledger"), on_delete=models.CASCADE, related_name="notes"
    )
    entry = models.ForeignKey(
        LedgerEntry,
        verbose_name=_("ledger entry"),
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="notes",
    )
    kind = models.CharField(_("kind"), max_length=16, choices=LedgerNoteKind.choices)
    text = models.TextField(_("text"))
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("author"), on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        verbose_name = _("ledger note")
        verbose_name_plural = _("ledger notes")
        ordering = ["id"]

    def __str__(self) -> str:
        return f"{self.ledger_year_id}: {self.get_kind_display()}"


class Scheme(BaseModel):
    """A government's indicator weights (percent, adding up to 100); the defaults come from the seeds
    (indicators.DEFAULT_WEIGHTS) until the office sets its own."""

    government = models.OneToOneField(
        "orgs.Unit", verbose_name=_("government"), on_delete=models.PROTECT, related_name="evaluation_scheme"
    )
    weights = models.JSONField(_("weights"))
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("set by"), on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        verbose_name = _("evaluation scheme")
        verbose_name_plural = _("evaluation schemes")

    def __str__(self) -> str:
        return str(self.government)


class RunStatus(models.TextChoices):
    QUEUED = "queued", _("queued")
    DONE = "done", _("done")
    FAILED = "failed", _("failed")


class ScoreRun(BaseModel):
    """The scores of a government's units for one period (a quarter, or the year when quarter = 0), computed as of
    `cutoff` with `weights`. A frozen run (the year closed) is never recomputed in place."""

    government = models.ForeignKey(
        "orgs.Unit", verbose_name=_("government"), on_delete=models.PROTECT, related_name="score_runs"
    )
    year = models.PositiveSmallIntegerField(_("year"))
    quarter = models.PositiveSmallIntegerField(_("quarter"), default=0)
    status = models.CharField(_("status"), max_length=16, choices=RunStatus.choices, default=RunStatus.QUEUED)
    cutoff = models.DateTimeField(_("figures as of"), null=True, blank=True)
    weights = models.JSONField(_("weights"), default=dict)
    computed_at = models.DateTimeField(_("computed at"), null=True, blank=True)
    frozen = models.BooleanField(_("frozen"), default=False)
    digest = models.CharField(_("SHA-256 of the scores"), max_length=64, blank=True)
    error = models.TextField(_("error"), blank=True)

    class Meta:
        verbose_name = _("score run")
        verbose_name_plural = _("score runs")
        constraints = [
            models.UniqueConstraint(
                fields=["government", "year", "quarter"], name="scorerun_unique_government_period"
            ),
            models.CheckConstraint(condition=Q(quarter__lte=4), name="scorerun_quarter_0_to_4"),
        ]

    def __str__(self) -> str:
        return f"{self.government_id} {self.year}Q{self.quarter}"


class ScoreGroup(models.TextChoices):
    DEPARTMENT = "department", _("departments")
    TOWNSHIP = "township", _("townships")


class Score(models.Model):
    """One unit's score in a run: total, place among comparable units, and the components behind it."""

    id = models.BigAutoField(primary_key=True)
    run = models.ForeignKey(
        ScoreRun, verbose_name=_("score run"), on_delete=models.CASCADE, related_name="scores"
    )
    unit = models.ForeignKey("orgs.Unit", verbose_name=_("unit"), on_delete=models.PROTECT, related_name="+")
    group = models.CharField(_("comparable group"), max_length=16, choices=ScoreGroup.choices)
    score = models.DecimalField(_("score"), max_digits=6, decimal_places=2)
    rank = models.PositiveIntegerField(_("rank"))
    # Last among comparable units in this period; and in the period before as well (末位, 连续两次末位).
    last = models.BooleanField(_("last place"), default=False)
    last_twice = models.BooleanField(_("last twice in a row"), default=False)
    components = models.JSONField(_("components"), default=dict)

    class Meta:
        verbose_name = _("score")
        verbose_name_plural = _("scores")
        constraints = [models.UniqueConstraint(fields=["run", "unit"], name="score_unique_unit_per_run")]
        indexes = [models.Index(fields=["run", "group", "rank"], name="score_run_group_rank_idx")]

    def __str__(self) -> str:
        return f"{self.run_id}: {self.unit_id} {self.score}"


class ReportPeriod(models.TextChoices):
    MONTH = "month", _("monthly report")
    QUARTER = "quarter", _("quarterly report")
    YEAR = "year", _("annual report")


class PeriodReportStatus(models.TextChoices):
    DRAFT = "draft", _("generated")
    APPROVED = "approved", _("approved by the office head")
    SUBMITTED = "submitted", _("submitted to the level above")


class PeriodReport(BaseModel):
    """月报/季报/年报: the figures of a government's items and inspections for a period, generated, approved by the
    office head and submitted to the government above, whose office sees it and rolls it up."""

    government = models.ForeignKey(
        "orgs.Unit", verbose_name=_("government"), on_delete=models.PROTECT, related_name="period_reports"
    )
    recipient = models.ForeignKey(
        "orgs.Unit",
        verbose_name=_("submitted to"),
        on_delete=models.PROTECT,
        related_name="received_period_reports",
    )
    period = models.CharField(_("period"), max_length=8, choices=ReportPeriod.choices)
    year = models.PositiveSmallIntegerField(_("year"))
    # The month (1-12) or quarter (1-4); 0 for the year.
    number = models.PositiveSmallIntegerField(_("month or quarter"), default=0)
    status = models.CharField(
        _("status"), max_length=16, choices=PeriodReportStatus.choices, default=PeriodReportStatus.DRAFT
    )
    cutoff = models.DateTimeField(_("figures as of"))
    figures = models.JSONField(_("figures"), default=dict)
    summary = models.TextField(_("summary"), blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("generated by"), on_delete=models.PROTECT, related_name="+"
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
    submitted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("submitted by"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    submitted_at = models.DateTimeField(_("submitted at"), null=True, blank=True)

    class Meta:
        verbose_name = _("report to the level above")
        verbose_name_plural = _("reports to the level above")
        ordering = ["-year", "-number", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["government", "period", "year", "number"], name="periodreport_unique_period"
            )
        ]
        indexes = [
            models.Index(fields=["recipient", "status", "year"], name="periodreport_recipient_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.government_id} {self.period} {self.year}/{self.number}"
