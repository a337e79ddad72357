"""The annual plan (年度督查计划) and the departments' proposals for it; the kinds of inspection they propose."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from ducha.common.models import BaseModel
from ducha.inspections.statuses import PlanStatus, ProposalStatus


class InspectionKind(models.TextChoices):
    COMPREHENSIVE = "comprehensive", _("comprehensive inspection")
    SPECIAL = "special", _("special inspection")
    JOINT = "joint", _("joint inspection")
    CASE_INVESTIGATION = "case_investigation", _("case investigation")
    ROUTINE = "routine", _("routine follow-up")
    CLUE_CHECK = "clue_check", _("clue check")
    UNANNOUNCED = "unannounced", _("unannounced visit")
    WRITTEN = "written", _("written inspection")
    ON_SITE = "on_site", _("on-site inspection")
    SELF_CHECK = "self_check", _("self-check")
    THIRD_PARTY = "third_party", _("third-party evaluation")
    FOLLOW_UP = "follow_up", _("follow-up visit")

    @classmethod
    def two_thirds_kinds(cls) -> frozenset[str]:
        """The methods the "two thirds" rule of 国办发〔2021〕5号 §3(3) asks most people and time for."""
        return frozenset({cls.CLUE_CHECK, cls.UNANNOUNCED})


class AnnualPlan(BaseModel):
    """年度督查计划: one per government and year, compiled by the office from the departments' proposals."""

    government = models.ForeignKey(
        "orgs.Unit", verbose_name=_("government"), on_delete=models.PROTECT, related_name="inspection_plans"
    )
    year = models.PositiveSmallIntegerField(_("year"))
    status = models.CharField(
        _("status"), max_length=24, choices=PlanStatus.choices, default=PlanStatus.DRAFTING
    )
    # Last year's count when it is not in the system (the first year): entered by the office.
    baseline_count = models.PositiveIntegerField(_("last year's count (entered)"), null=True, blank=True)
    note = models.TextField(_("note"), blank=True)
    submitted_at = models.DateTimeField(_("submitted at"), null=True, blank=True)
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
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("created by"), on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        verbose_name = _("annual inspection plan")
        verbose_name_plural = _("annual inspection plans")
        constraints = [
            models.UniqueConstraint(fields=["government", "year"], name="annualplan_unique_government_year")
        ]

    def __str__(self) -> str:
        return f"{self.government} {self.year}"


class PlanProposal(BaseModel):
    """A department's (or the office's) proposal for the annual plan; the office accepts, merges or cuts it."""

    plan = models.ForeignKey(
        AnnualPlan, verbose_name=_("plan"), on_delete=models.CASCADE, related_name="proposals"
    )
    proposing_unit = models.ForeignKey(
        "orgs.Unit", verbose_name=_("proposing unit"), on_delete=models.PROTECT, related_name="+"
    )
    proposed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("proposed by"), on_delete=models.PROTECT, related_name="+"
    )
    topic = models.CharField(_("topic"), max_length=200)
    kind = models.CharField(_("kind"), max_length=24, choices=InspectionKind.choices)
    reason = models.TextField(_("reason"))
    start_date = models.DateField(_("window start"))
    end_date = models.DateField(_("window end"))
    targets = models.ManyToManyField("orgs.Unit", verbose_name=_("targets"), related_name="+")
    status = models.CharField(
        _("status"), max_length=16, choices=ProposalStatus.choices, default=ProposalStatus.PROPOSED
    )
    merged_into = models.ForeignKey(
        "self",
        verbose_name=_("merged into"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="merged_proposals",
    )
    decision_note = models.TextField(_("decision note"), blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("decided by"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )

    class Meta:
        verbose_name = _("plan proposal")
        verbose_name_plural = _("plan proposals")
        constraints = [
            models.CheckConstraint(
                condition=Q(end_date__gte=models.F("start_date")), name="proposal_window_order"
            ),
        ]

    def __str__(self) -> str:
        return self.topic
