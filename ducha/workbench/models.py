"""What the web pages keep for themselves: a user's saved ledger filters and the dashboard's summary table.

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
    dashboard with no unit filter. Derived data: rebuilt whole, never edited."""

    year = models.PositiveSmallIntegerField(_("year"))
    government = models.ForeignKey(
        "orgs.Unit", verbose_name=_("government"), on_delete=models.CASCADE, related_name="+"
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
                fields=["year", "government"], name="dashboardrollup_unique_year_government"
            )
        ]

    def __str__(self) -> str:
        return f"{self.year} {self.government_id}"
