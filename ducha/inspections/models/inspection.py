"""An inspection (督查活动) with its targets, team and 方案, the designation a department inspects under (条例
Art. 7) and the amendments of an approved 方案 (条例 Art. 15)."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from ducha.common.models import BaseModel
from ducha.inspections.models.plan import InspectionKind, PlanProposal
from ducha.inspections.statuses import InspectionStatus


class Designation(BaseModel):
    """条例 Art. 7: the government designates a department to run an inspection of a matter, scope and period.
    Granted by a leader, or by the approval of the annual plan for the departments' accepted proposals."""

    class Source(models.TextChoices):
        LEADER = "leader", _("designated by the leader")
        ANNUAL_PLAN = "annual_plan", _("approved in the annual plan")

    government = models.ForeignKey(
        "orgs.Unit", verbose_name=_("government"), on_delete=models.PROTECT, related_name="+"
    )
    unit = models.ForeignKey(
        "orgs.Unit", verbose_name=_("department"), on_delete=models.PROTECT, related_name="designations"
    )
    matter = models.CharField(_("designated matter"), max_length=200)
    scope = models.TextField(_("scope"), blank=True)
    start_date = models.DateField(_("from"))
    end_date = models.DateField(_("until"))
    # Empty: any unit of the government may be inspected for this matter.
    targets = models.ManyToManyField("orgs.Unit", verbose_name=_("targets"), blank=True, related_name="+")
    source = models.CharField(_("source"), max_length=16, choices=Source.choices, default=Source.LEADER)
    plan_proposal = models.OneToOneField(
        PlanProposal,
        verbose_name=_("plan proposal"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="designation",
    )
    granted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("granted by"), on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        verbose_name = _("designation")
        verbose_name_plural = _("designations")
        constraints = [
            models.CheckConstraint(
                condition=Q(end_date__gte=models.F("start_date")), name="designation_period_order"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.unit}: {self.matter}"


# --- inspections ----------------------------------------------------------------------------------------------


class Inspection(BaseModel):
    government = models.ForeignKey(
        "orgs.Unit", verbose_name=_("government"), on_delete=models.PROTECT, related_name="inspections"
    )
    year = models.PositiveSmallIntegerField(_("year"))
    topic = models.CharField(_("topic"), max_length=200)
    kind = models.CharField(_("kind"), max_length=24, choices=InspectionKind.choices)
    status = models.CharField(
        _("status"), max_length=24, choices=InspectionStatus.choices, default=InspectionStatus.PROPOSED
    )
    # Basis (依据): decisions and documents in words, the supervision items it follows up, the earlier inspection
    # a 回头看 returns to.
    basis = models.TextField(_("basis"), blank=True)
    basis_items = models.ManyToManyField(
        "items.Item", verbose_name=_("items followed up"), blank=True, related_name="inspections"
    )
    follows_up = models.ForeignKey(
        "self",
        verbose_name=_("follows up"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="follow_ups",
    )
    lead_unit = models.ForeignKey(
        "orgs.Unit", verbose_name=_("lead unit"), on_delete=models.PROTECT, related_name="led_inspections"
    )
    designation = models.ForeignKey(
        Designation,
        verbose_name=_("designation"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="inspections",
    )
    in_plan = models.BooleanField(_("in the annual plan"), default=True)
    plan_entry = models.OneToOneField(
        PlanProposal,
        verbose_name=_("annual plan entry"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="inspection",
    )
    out_of_plan_reason = models.TextField(_("reason for an inspection outside the plan"), blank=True)
    # 审批报备: an out-of-plan inspection is filed with the government's general office when approved.
    filed_at = models.DateTimeField(_("filed at"), null=True, blank=True)
    start_date = models.DateField(_("window start"))
    end_date = models.DateField(_("window end"))
    # The 方案: fixed by its approval; widening needs an approved amendment (条例 Art. 15).
    content = models.TextField(_("content"), blank=True)
    scope = models.TextField(_("scope"), blank=True)
    method = models.TextField(_("method"), blank=True)
    schedule = models.TextField(_("schedule"), blank=True)
    approver = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("approver"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="approved_inspections",
    )
    approved_at = models.DateTimeField(_("approved at"), null=True, blank=True)
    rejection_reason = models.TextField(_("rejection reason"), blank=True)
    started_at = models.DateTimeField(_("fieldwork started at"), null=True, blank=True)
    # The end of fieldwork; an unannounced visit becomes visible to its targets from then on.
    ended_at = models.DateTimeField(_("fieldwork ended at"), null=True, blank=True)
    closed_at = models.DateTimeField(_("closed at"), null=True, blank=True)
    closing_comment = models.TextField(_("closing comment"), blank=True)
    cancel_reason = models.TextField(_("withdrawal reason"), blank=True)
    # None for a follow-up created by the scheduler.
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("created by"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="created_inspections",
    )

    class Meta:
        verbose_name = _("inspection")
        verbose_name_plural = _("inspections")
        constraints = [
            models.CheckConstraint(
                condition=Q(end_date__gte=models.F("start_date")), name="inspection_window_order"
            ),
        ]
        indexes = [
            models.Index(fields=["government", "year", "status"], name="inspection_gov_year_idx"),
            models.Index(fields=["start_date", "end_date"], name="inspection_window_idx"),
            models.Index(fields=["-updated_at", "-id"], name="inspection_updated_idx"),
        ]

    def __str__(self) -> str:
        return self.topic

    @property
    def is_unannounced(self) -> bool:
        return self.kind == InspectionKind.UNANNOUNCED

    @property
    def has_ended(self) -> bool:
        return self.ended_at is not None


class InspectionTarget(BaseModel):
    """A unit inspected, with the burden the inspection puts on it (the burden page adds these up)."""

    inspection = models.ForeignKey(
        Inspection, verbose_name=_("inspection"), on_delete=models.CASCADE, related_name="targets"
    )
    unit = models.ForeignKey(
        "orgs.Unit", verbose_name=_("unit"), on_delete=models.PROTECT, related_name="inspection_targets"
    )
    forms_demanded = models.PositiveIntegerField(_("reports and forms demanded"), default=0)
    people_days = models.PositiveIntegerField(_("people-days hosted"), default=0)
    # When the unit was told of the inspection: at approval, or for an unannounced visit only after it ended.
    notified_at = models.DateTimeField(_("notified at"), null=True, blank=True)

    class Meta:
        verbose_name = _("inspection target")
        verbose_name_plural = _("inspection targets")
        constraints = [
            models.UniqueConstraint(fields=["inspection", "unit"], name="inspectiontarget_unique_unit"),
        ]
        indexes = [models.Index(fields=["unit", "inspection"], name="inspectiontarget_unit_idx")]

    def __str__(self) -> str:
        return f"{self.inspection_id} → {self.unit_id}"


class TeamRole(models.TextChoices):
    LEADER = "leader", _("team leader")
    MEMBER = "member", _("member")
    INVITED = "invited", _("invited participant")


class InvitedKind(models.TextChoices):
    NONE = "", _("not invited")
    NPC_DEPUTY = "npc_deputy", _("NPC deputy")
    CPPCC_MEMBER = "cppcc_member", _("CPPCC member")
    EXPERT = "expert", _("expert")
    JOURNALIST = "journalist", _("journalist")
    OTHER = "other", _("other")


class TeamMember(BaseModel):
    """A member of the inspection team: staff with an account, or an invited outsider known by name."""

    inspection = models.ForeignKey(
        Inspection, verbose_name=_("inspection"), on_delete=models.CASCADE, related_name="team"
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("user"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="inspection_teams",
    )
    name = models.CharField(_("name"), max_length=50)
    role = models.CharField(_("role"), max_length=8, choices=TeamRole.choices, default=TeamRole.MEMBER)
    invited_kind = models.CharField(
        _("invited as"), max_length=16, choices=InvitedKind.choices, default=InvitedKind.NONE, blank=True
    )
    is_trained = models.BooleanField(_("trained beforehand"), default=False)
    trained_on = models.DateField(_("trained on"), null=True, blank=True)
    # Days this person spends on the inspection: the office's mix adds them up.
    days = models.PositiveSmallIntegerField(_("days on the inspection"), default=1)

    class Meta:
        verbose_name = _("team member")
        verbose_name_plural = _("team members")
        ordering = ["id"]
        constraints = [
            models.UniqueConstraint(
                fields=["inspection", "user"], condition=Q(user__isnull=False), name="teammember_unique_user"
            ),
            models.UniqueConstraint(
                fields=["inspection"], condition=Q(role="leader"), name="teammember_one_leader"
            ),
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def person_key(self) -> str:
        return f"user:{self.user_id}" if self.user_id else f"name:{self.name}"


class AmendmentStatus(models.TextChoices):
    PENDING = "pending", _("waiting for approval")
    APPROVED = "approved", _("approved and applied")
    REJECTED = "rejected", _("rejected")
    APPLIED = "applied", _("applied (narrowing)")


class Amendment(BaseModel):
    """A change of an approved 方案. Widening (new targets, other scope, content or method, a longer window) waits
    for the leader's approval; narrowing applies at once. `changes` holds what is asked, `old` what it replaces."""

    inspection = models.ForeignKey(
        Inspection, verbose_name=_("inspection"), on_delete=models.CASCADE, related_name="amendments"
    )
    reason = models.TextField(_("reason"))
    changes = models.JSONField(_("changes"), default=dict)
    old = models.JSONField(_("previous values"), default=dict)
    is_widening = models.BooleanField(_("widens the plan"), default=True)
    status = models.CharField(
        _("status"), max_length=16, choices=AmendmentStatus.choices, default=AmendmentStatus.PENDING
    )
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("requested by"), on_delete=models.PROTECT, related_name="+"
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
        verbose_name = _("plan amendment")
        verbose_name_plural = _("plan amendments")
        constraints = [
            models.UniqueConstraint(
                fields=["inspection"], condition=Q(status="pending"), name="amendment_one_pending"
            )
        ]

    def __str__(self) -> str:
        return f"{self.inspection_id}: {self.get_status_display()}"
