"""Inspections (督查活动): the annual plan and its proposals, designations of departments, inspections with their
targets, team and 方案, amendments of the 方案, findings and their evidence, conclusions per target, review requests
(复核), rectifications (整改) with milestones and progress, scheduled follow-ups (回头看), proposals for the use of the
results (结论运用), and the government's configurable rules for all of it.

Statuses and transitions live in lifecycle.py; every write goes through services.py; scope lives in selectors.py.

Rectification deadlines follow the items' pattern (ADR 0002) so the reminders engine can treat both alike:

- `Rectification.due_date`: the stored deadline, set when the rectification is created (at the conclusion's issue)
  and moved only by an explicit service; never recomputed on read.
- `Rectification.warn_date`: the day the light turns yellow, `DUCHA_YELLOW_WORKDAYS` working days before the due
  date, stored with it.
- The light is a pure function of (status, due date, warn date, today): `Rectification.light_on()` in Python and
  `selectors.rectification_light_filter()` in SQL; it shows while the status is in
  `RectificationStatus.running()` (open, in_progress).
"""

from __future__ import annotations

import datetime
from typing import Any

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from ducha.common.models import BaseModel
from ducha.inspections.lifecycle import (
    ConclusionStatus,
    InspectionStatus,
    PlanStatus,
    ProposalStatus,
    RectificationStatus,
    ResultProposalStatus,
    ReviewStatus,
)


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


# --- the annual plan ------------------------------------------------------------------------------------------


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


# --- fieldwork ------------------------------------------------------------------------------------------------


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


# --- conclusions and review requests (条例 Art. 16-17) ----------------------------------------------------------


class Conclusion(BaseModel):
    """督查结论 for one target: approved by the government's head, issued, acknowledged (知悉) by the target, which
    opens the 30-calendar-day window for an objection (`objection_deadline`, stored)."""

    inspection = models.ForeignKey(
        Inspection, verbose_name=_("inspection"), on_delete=models.CASCADE, related_name="conclusions"
    )
    target = models.ForeignKey(
        "orgs.Unit", verbose_name=_("target"), on_delete=models.PROTECT, related_name="inspection_conclusions"
    )
    facts = models.TextField(_("facts"))
    evidence_summary = models.TextField(_("evidence"), blank=True)
    judgement = models.TextField(_("judgement"))
    status = models.CharField(
        _("status"), max_length=24, choices=ConclusionStatus.choices, default=ConclusionStatus.DRAFT
    )
    drafted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("drafted by"), on_delete=models.PROTECT, related_name="+"
    )
    submitted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("submitted by"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
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
    return_reason = models.TextField(_("reason for return"), blank=True)
    issued_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("issued by"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    issued_at = models.DateTimeField(_("issued at"), null=True, blank=True)
    acknowledged_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("acknowledged by"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    acknowledged_at = models.DateTimeField(_("acknowledged at"), null=True, blank=True)
    # The last day an objection may be filed: the day of receipt + 30 calendar days (条例 Art. 17).
    objection_deadline = models.DateField(_("objection deadline"), null=True, blank=True)
    # After a review changed the conclusion: the judgement as changed.
    revised_judgement = models.TextField(_("judgement as changed on review"), blank=True)

    class Meta:
        verbose_name = _("conclusion")
        verbose_name_plural = _("conclusions")
        ordering = ["id"]
        constraints = [
            models.UniqueConstraint(fields=["inspection", "target"], name="conclusion_unique_target"),
        ]

    def __str__(self) -> str:
        return f"{self.inspection_id} → {self.target_id}"

    @property
    def effective_judgement(self) -> str:
        return self.revised_judgement or self.judgement

    def objection_open_on(self, today: datetime.date) -> bool:
        return (
            self.status == ConclusionStatus.ACKNOWLEDGED
            and self.objection_deadline is not None
            and today <= self.objection_deadline
        )


class ReviewOutcome(models.TextChoices):
    UPHELD = "upheld", _("upheld")
    CHANGED = "changed", _("changed")
    WITHDRAWN = "withdrawn", _("withdrawn")


class ReviewRequest(BaseModel):
    """复核申请: the target's objection to its conclusion, decided within 30 days (`decide_by`, stored) by reviewers
    who took no part in the conclusion."""

    conclusion = models.OneToOneField(
        Conclusion, verbose_name=_("conclusion"), on_delete=models.CASCADE, related_name="review_request"
    )
    inspection = models.ForeignKey(
        Inspection, verbose_name=_("inspection"), on_delete=models.CASCADE, related_name="review_requests"
    )
    reasons = models.TextField(_("reasons"))
    filed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("filed by"), on_delete=models.PROTECT, related_name="+"
    )
    filed_on = models.DateField(_("filed on"))
    decide_by = models.DateField(_("decide by"))
    status = models.CharField(
        _("status"), max_length=16, choices=ReviewStatus.choices, default=ReviewStatus.FILED
    )
    reviewers = models.ManyToManyField(
        settings.AUTH_USER_MODEL, verbose_name=_("reviewers"), blank=True, related_name="inspection_reviews"
    )
    outcome = models.CharField(_("outcome"), max_length=16, choices=ReviewOutcome.choices, blank=True)
    decision = models.TextField(_("decision"), blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("decided by"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    decided_at = models.DateTimeField(_("decided at"), null=True, blank=True)
    # The outcome is sent to the target with the decision.
    sent_at = models.DateTimeField(_("sent to the target at"), null=True, blank=True)

    class Meta:
        verbose_name = _("review request")
        verbose_name_plural = _("review requests")

    def __str__(self) -> str:
        return f"{self.conclusion_id}: {self.get_status_display()}"

    @property
    def is_late(self) -> bool:
        decided = timezone.localdate(self.decided_at) if self.decided_at else timezone.localdate()
        return decided > self.decide_by


# --- rectification (整改) and follow-up (回头看) -----------------------------------------------------------------


class Light(models.TextChoices):
    RED = "red", _("overdue")
    YELLOW = "yellow", _("due soon")
    GREEN = "green", _("on track")
    NONE = "", _("no light")


class Rectification(BaseModel):
    """The rectification task of one finding. Deadline fields: see the module docstring (`due_date`,
    `warn_date`, light derived from them)."""

    finding = models.OneToOneField(
        Finding, verbose_name=_("finding"), on_delete=models.CASCADE, related_name="rectification"
    )
    inspection = models.ForeignKey(
        Inspection, verbose_name=_("inspection"), on_delete=models.CASCADE, related_name="rectifications"
    )
    conclusion = models.ForeignKey(
        Conclusion, verbose_name=_("conclusion"), on_delete=models.CASCADE, related_name="rectifications"
    )
    target = models.ForeignKey(
        "orgs.Unit", verbose_name=_("unit"), on_delete=models.PROTECT, related_name="rectifications"
    )
    kind = models.CharField(_("kind"), max_length=16, choices=RectificationKind.choices)
    status = models.CharField(
        _("status"), max_length=16, choices=RectificationStatus.choices, default=RectificationStatus.OPEN
    )
    due_date = models.DateField(_("due date"))
    warn_date = models.DateField(_("yellow-light date"))
    plan = models.TextField(_("rectification plan"), blank=True)
    latest_progress = models.TextField(_("latest progress"), blank=True)
    latest_progress_at = models.DateTimeField(_("latest progress at"), null=True, blank=True)
    completion_report = models.TextField(_("completion report"), blank=True)
    reported_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("reported by"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    reported_at = models.DateTimeField(_("reported at"), null=True, blank=True)
    verified_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("verified by"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    verified_at = models.DateTimeField(_("verified at"), null=True, blank=True)
    verification_method = models.CharField(_("verification method"), max_length=16, blank=True)
    verification_note = models.TextField(_("verification note"), blank=True)
    closed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("closed by"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    closed_at = models.DateTimeField(_("closed at"), null=True, blank=True)

    class Meta:
        verbose_name = _("rectification")
        verbose_name_plural = _("rectifications")
        ordering = ["due_date", "id"]
        indexes = [
            models.Index(fields=["status", "warn_date", "due_date"], name="rectification_light_idx"),
            models.Index(fields=["target", "status"], name="rectification_target_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.finding_id}: {self.get_status_display()}"

    def light_on(self, today: datetime.date) -> str:
        """The status light as of `today`; the SQL twin is selectors.rectification_light_filter()."""
        if self.status not in RectificationStatus.running():
            return Light.NONE
        if today > self.due_date:
            return Light.RED
        if today >= self.warn_date:
            return Light.YELLOW
        return Light.GREEN

    @property
    def light(self) -> str:
        return self.light_on(timezone.localdate())


class RectificationMilestone(BaseModel):
    rectification = models.ForeignKey(
        Rectification, verbose_name=_("rectification"), on_delete=models.CASCADE, related_name="milestones"
    )
    title = models.CharField(_("title"), max_length=200)
    due_date = models.DateField(_("due date"))
    completed_at = models.DateTimeField(_("completed at"), null=True, blank=True)

    class Meta:
        verbose_name = _("rectification milestone")
        verbose_name_plural = _("rectification milestones")
        ordering = ["due_date", "id"]

    def __str__(self) -> str:
        return self.title


class RectificationProgress(BaseModel):
    rectification = models.ForeignKey(
        Rectification, verbose_name=_("rectification"), on_delete=models.CASCADE, related_name="progress"
    )
    text = models.TextField(_("text"))
    milestone = models.ForeignKey(
        RectificationMilestone,
        verbose_name=_("milestone completed"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("author"), on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        verbose_name = _("rectification progress")
        verbose_name_plural = _("rectification progress")
        ordering = ["created_at", "id"]

    def __str__(self) -> str:
        return f"{self.rectification_id} #{self.pk}"


class FollowUp(BaseModel):
    """A 回头看 scheduled when a rebound-prone finding's rectification is closed; `followups_create` turns the due
    ones into a follow-up inspection (once: `created_inspection` is set in the same transaction)."""

    finding = models.OneToOneField(
        Finding, verbose_name=_("finding"), on_delete=models.CASCADE, related_name="follow_up"
    )
    source_inspection = models.ForeignKey(
        Inspection, verbose_name=_("inspection followed up"), on_delete=models.CASCADE, related_name="+"
    )
    due_on = models.DateField(_("due on"))
    created_inspection = models.ForeignKey(
        Inspection,
        verbose_name=_("follow-up inspection"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="followed_findings",
    )

    class Meta:
        verbose_name = _("scheduled follow-up")
        verbose_name_plural = _("scheduled follow-ups")
        indexes = [models.Index(fields=["due_on", "created_inspection"], name="followup_due_idx")]

    def __str__(self) -> str:
        return f"{self.finding_id} @ {self.due_on}"


# --- use of the results (条例 Art. 19-21) ----------------------------------------------------------------------


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
