"""What the web pages keep for themselves: a user's saved ledger filters, the dashboard's summary table and the
record of each ledger import's upload that was imported (`ImportedUpload`, workbench migration 0002).

Both tables were created by the items app and keep their names (`items_savedfilter`, `items_dashboardrollup`):
the models moved here by state only (items migration 0009, workbench migration 0001), no table was touched.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from ducha.common.models import BaseModel


class SavedFilter(BaseModel):
    """A user's named ledger filter: the canonical query string of the ledger page (without the cursor)."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("user"),
        on_delete=models.CASCADE,
        related_name="saved_filters",
    )
    name = models.CharField(_("name"), max_length=50)
    query = models.CharField(_("query"), max_length=2000, blank=True)

    class Meta:
        verbose_name = _("saved filter")
        verbose_name_plural = _("saved filters")
        ordering = ["name", "id"]
        db_table = "items_savedfilter"
        constraints = [
            models.UniqueConstraint(fields=["user", "name"], name="savedfilter_unique_name_per_user")
        ]

    def __str__(self) -> str:
        return self.name


class DashboardRollup(models.Model):
    """The dashboard's figures for one government's office and one year, counted ahead (see
    `ducha.workbench.dashboard.dashboard_rollup_rebuild`): what an office or leader of `government` sees on the
    dashboard with no unit filter (`unit` empty), or with the filter on `unit`, a unit directly below the
    government too large to count inside a request (a province's cities). Derived data: rebuilt whole, never
    edited."""

    year = models.PositiveSmallIntegerField(_("year"))
    government = models.ForeignKey(
        "orgs.Unit", verbose_name=_("government"), on_delete=models.CASCADE, related_name="+"
    )
    unit = models.ForeignKey(
        "orgs.Unit",
        verbose_name=_("unit filter"),
        on_delete=models.CASCADE,
        related_name="+",
        null=True,
        blank=True,
    )
    # The day the lights and the pending sign-for notices were counted for; the figures serve that day only.
    as_of = models.DateField(_("counted for"))
    built_at = models.DateTimeField(_("counted at"))
    stats = models.JSONField(_("figures"))

    class Meta:
        verbose_name = _("dashboard summary")
        verbose_name_plural = _("dashboard summaries")
        db_table = "items_dashboardrollup"
        constraints = [
            models.UniqueConstraint(
                fields=["year", "government"],
                condition=models.Q(unit__isnull=True),
                name="dashboardrollup_unique_year_government",
            ),
            models.UniqueConstraint(
                fields=["year", "government", "unit"],
                condition=models.Q(unit__isnull=False),
                name="dashboardrollup_unique_year_government_unit",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.year} {self.government_id} {self.unit_id or ''}".rstrip()


class ImportedUpload(models.Model):
    """A ledger import's upload (its owner and token: ducha.workbench.ledger_import.upload_path) whose rows were
    imported: written in the same transaction as the items (`ledger_import.commit_once`), so it exists exactly when
    they do. A later run of the same upload — a retry after its worker died between that commit and the end of the
    job, a second confirmation — finds it and imports nothing again; two runs at once meet at its unique key.

    Kept for good, as the jobs are (ducha.jobs purges only their files): a leftover file of the upload may stay in
    the upload folder until its owner's next upload sweeps it, and a failed job may be retried any time later; one
    small row per imported file is also the history of who imported which file, when."""

    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("imported by"), on_delete=models.CASCADE, related_name="+"
    )
    token = models.CharField(_("upload"), max_length=32)
    sha256 = models.CharField(_("SHA-256 of the file"), max_length=64)
    # Checking this key inside the import's transaction takes PostgreSQL's FOR KEY SHARE lock on the job's row,
    # which the heartbeat's and the cancel's updates (of other columns than its id) do not wait for.
    job = models.ForeignKey(
        "jobs.Job",
        verbose_name=_("imported by the job"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    items = models.PositiveIntegerField(_("items created"))
    imported_at = models.DateTimeField(_("imported at"))

    class Meta:
        verbose_name = _("imported upload")
        verbose_name_plural = _("imported uploads")
        constraints = [
            models.UniqueConstraint(fields=["owner", "token"], name="importedupload_unique_owner_token")
        ]

    def __str__(self) -> str:
        return f"{self.owner_id} {self.token}"
