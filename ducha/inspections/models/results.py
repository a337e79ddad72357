"""The use of the results (结论运用, 条例 Art. 19-21): proposals to praise, reward, criticise or hold a unit to
account, which take effect when the government's leader approves them."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from ducha.common.models import BaseModel
from ducha.inspections.models.inspection import Inspection
from ducha.inspections.statuses import ResultProposalStatus


class ResultProposalKind(models.TextChoices):
    PRAISE = "praise", _("praise")
    REWARD = "reward", _("reward or incentive")
    CRITICISE = "criticise", _("criticism")
    ACCOUNTABILITY = "accountability", _("accountability")


class ResultProposal(BaseModel):
    """A proposal to praise, reward, criticise or hold a unit to account; it takes effect only when the
    government's leader approves it. Accountability goes to the competent body (`referred_to`)."""

    inspection = models.ForeignKey(
        Inspection, verbose_name=_("inspection"), on_delete=models.CASCADE, related_name="result_proposals"
    )
    unit = models.ForeignKey("orgs.Unit", verbose_name=_("unit"), on_delete=models.PROTECT, related_name="+")
    kind = models.CharField(_("kind"), max_length=16, choices=ResultProposalKind.choices)
    reason = models.TextField(_("reason"))
    referred_to = models.CharField(_("referred to"), max_length=200, blank=True)
    status = models.CharField(
        _("status"),
        max_length=16,
        choices=ResultProposalStatus.choices,
        default=ResultProposalStatus.PROPOSED,
    )
    proposed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("proposed by"), on_delete=models.PROTECT, related_name="+"
    )
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("decided by"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    decided_at = models.DateTimeField(_("decided at"), null=True, blank=True)
    decision_comment = models.TextField(_("decision comment"), blank=True)

    class Meta:
        verbose_name = _("result proposal")
        verbose_name_plural = _("result proposals")
        ordering = ["id"]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} → {self.unit_id}"

    @property
    def is_effective(self) -> bool:
        return self.status == ResultProposalStatus.APPROVED
