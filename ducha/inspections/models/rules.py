"""A government's configurable rules for its inspections: overlaps, the burden on targets, follow-up visits, the
annual cut and the rectification deadlines."""

from __future__ import annotations

from typing import Any

from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from ducha.common.models import BaseModel


class OverlapRule(models.TextChoices):
    WARN = "warn", _("warn only")
    BLOCK_CONCURRENT = "block_concurrent", _("block inspections of the same target at the same time")
    BLOCK_ALL = "block_all", _("block concurrent and similar recent inspections")


class BurdenPeriod(models.TextChoices):
    MONTH = "month", _("month")
    QUARTER = "quarter", _("quarter")
    YEAR = "year", _("year")


class InspectionRules(BaseModel):
    """One government's configurable rules. Without a saved row the defaults below apply (selectors.rules_for)."""

    government = models.OneToOneField(
        "orgs.Unit",
        verbose_name=_("government"),
        on_delete=models.CASCADE,
        related_name="inspection_rules",
    )
    overlap_rule = models.CharField(
        _("overlap rule"), max_length=24, choices=OverlapRule.choices, default=OverlapRule.WARN
    )
    similar_topic_months = models.PositiveSmallIntegerField(
        _("look back this many months for similar topics"), default=6
    )
    # Character-bigram Jaccard similarity of two topics, in percent, from which they count as similar.
    similarity_percent = models.PositiveSmallIntegerField(_("topic similarity threshold (%)"), default=50)
    burden_period = models.CharField(
        _("burden cap period"), max_length=8, choices=BurdenPeriod.choices, default=BurdenPeriod.QUARTER
    )
    cap_inspections = models.PositiveIntegerField(
        _("cap: inspections received per period"), null=True, blank=True, default=3
    )
    cap_forms = models.PositiveIntegerField(
        _("cap: reports and forms demanded per period"), null=True, blank=True, default=5
    )
    cap_people_days = models.PositiveIntegerField(
        _("cap: people-days hosted per period"), null=True, blank=True, default=20
    )
    followup_months = models.PositiveSmallIntegerField(_("follow-up visit after this many months"), default=3)
    annual_cut_target_percent = models.PositiveSmallIntegerField(
        _("target cut on last year's count (%)"), default=50
    )
    immediate_workdays = models.PositiveSmallIntegerField(
        _("working days allowed for immediate rectification"), default=5
    )
    deadline_workdays = models.PositiveSmallIntegerField(
        _("default working days for rectification within a deadline"), default=30
    )

    class Meta:
        verbose_name = _("inspection rules")
        verbose_name_plural = _("inspection rules")
        constraints = [
            models.CheckConstraint(
                condition=Q(similarity_percent__gte=1, similarity_percent__lte=100),
                name="inspectionrules_similarity_1_100",
            ),
            models.CheckConstraint(
                condition=Q(followup_months__gte=1), name="inspectionrules_followup_positive"
            ),
            models.CheckConstraint(
                condition=Q(annual_cut_target_percent__lte=100), name="inspectionrules_cut_at_most_100"
            ),
        ]

    def __str__(self) -> str:
        return str(self.government)

    @classmethod
    def for_government(cls, government: Any) -> InspectionRules:
        """The government's saved rules, or (unsaved) the defaults."""
        government_id = government if isinstance(government, int) else government.pk
        return cls.objects.filter(government_id=government_id).first() or cls(government_id=government_id)
