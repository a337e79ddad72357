"""The accountability ladder and the use of results: the office's trigger settings, the facts the record cannot
see (meeting attendance, findings of falsification, criticism from above, 挂牌督办), the proposals the triggers make,
the sanctions decided on them with their follow-up, the referrals, the bulletins and the commendations."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from ducha.common.models import BaseModel


class Tier(models.TextChoices):
    """The five tiers of seed 004 §4(三), in order."""

    WRITTEN_EXAMINATION = "written_examination", _("written self-examination")
    CRITICISM = "criticism", _("criticism bulletin")
    MEDIA_EXPOSURE = "media_exposure", _("media exposure")
    WARNING_TALK = "warning_talk", _("warning talk")
    ACCOUNTABILITY = "accountability", _("accountability referral")

    @classmethod
    def order(cls) -> list[str]:
        return [tier.value for tier in cls]

    @classmethod
    def above(cls, tier: str) -> str | None:
        order = cls.order()
        index = order.index(tier)
        return order[index + 1] if index + 1 < len(order) else None


# Tiers from which a unit or person is vetoed from commendation in the period (seed 004 §4(四)).
VETO_TIERS = (Tier.CRITICISM, Tier.MEDIA_EXPOSURE, Tier.WARNING_TALK, Tier.ACCOUNTABILITY)


class TriggerSetting(BaseModel):
    """The office's switch and tuning of one trigger rule (triggers.RULES holds the defaults)."""

    government = models.ForeignKey(
        "orgs.Unit", verbose_name=_("government"), on_delete=models.PROTECT, related_name="+"
    )
    rule = models.CharField(_("rule"), max_length=40)
    enabled = models.BooleanField(_("on"), default=True)
    params = models.JSONField(_("parameters"), default=dict, blank=True)
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("set by"), on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        verbose_name = _("trigger setting")
        verbose_name_plural = _("trigger settings")
        constraints = [
            models.UniqueConstraint(fields=["government", "rule"], name="triggersetting_unique_rule")
        ]

    def __str__(self) -> str:
        return f"{self.government_id}: {self.rule}"


class FactKind(models.TextChoices):
    """What the office records that the record cannot see (seed 004 §4(三))."""

    MEETING_LATE_LEAVE = "meeting_irregular", _("not attending a county meeting as required")
    MEETING_ABSENT = "meeting_absent", _("absent from a county meeting without leave, or signed in by proxy")
    FALSE_REPORTING = "false_reporting", _("false or inflated reporting found in review or inspection")
    NOT_COOPERATING = "not_cooperating", _("not cooperating with an inspection")
    CRITICISED_BY_LEADER = "criticised_by_leader", _("criticised by the government's head")
    CRITICISED_FROM_ABOVE = "criticised_from_above", _("criticised by the province or the city")
    LAST_IN_CITY = "last_in_city", _("last in the city's ranking")
    LISTED = "listed", _("put under listed supervision (挂牌督办) for poor work")
    HELD_ACCOUNTABLE_ABOVE = (
        "held_accountable_above",
        _("held to account by the state, the province or the city"),
    )
    REFUSED_TASKS = "refused_tasks", _("refusing or shirking tasks with serious consequences")
    NEGLIGENCE = "negligence", _("inaction or misconduct with a serious impact")


class RecordedFact(BaseModel):
    """A fact the office records for the triggers (a meeting's attendance, a falsification found, criticism from
    above, an item put under 挂牌督办 by the province, city or county), with the unit, the person and the item."""

    government = models.ForeignKey(
        "orgs.Unit", verbose_name=_("government"), on_delete=models.PROTECT, related_name="+"
    )
    unit = models.ForeignKey("orgs.Unit", verbose_name=_("unit"), on_delete=models.PROTECT, related_name="+")
    person = models.CharField(_("person responsible"), max_length=50, blank=True)
    kind = models.CharField(_("kind"), max_length=32, choices=FactKind.choices)
    occurred_on = models.DateField(_("date"))
    description = models.TextField(_("description"))
    item = models.ForeignKey(
        "items.Item",
        verbose_name=_("item"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    # 挂牌督办: who listed the matter (the province, the city or the county).
    listed_by = models.CharField(_("listed by"), max_length=50, blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("recorded by"), on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        verbose_name = _("recorded fact")
        verbose_name_plural = _("recorded facts")
        ordering = ["-occurred_on", "-id"]
        indexes = [models.Index(fields=["government", "occurred_on"], name="recordedfact_gov_day_idx")]

    def __str__(self) -> str:
        return f"{self.unit_id} {self.kind} {self.occurred_on}"


class ProposalStatus(models.TextChoices):
    PROPOSED = "proposed", _("proposed")
    ACCEPTED = "accepted", _("accepted: a sanction is decided")
    DISMISSED = "dismissed", _("dismissed")


class Proposal(BaseModel):
    """What a trigger proposes: a tier for a unit (and a person), on the facts that fired the rule. The system
    proposes; a person decides. `key` makes a second run of the triggers propose nothing new."""

    government = models.ForeignKey(
        "orgs.Unit", verbose_name=_("government"), on_delete=models.PROTECT, related_name="+"
    )
    unit = models.ForeignKey("orgs.Unit", verbose_name=_("unit"), on_delete=models.PROTECT, related_name="+")
    person = models.CharField(_("person responsible"), max_length=50, blank=True)
    tier = models.CharField(_("tier"), max_length=24, choices=Tier.choices)
    rule = models.CharField(_("rule"), max_length=40)
    key = models.CharField(_("key"), max_length=120)
    year = models.PositiveSmallIntegerField(_("year"))
    facts = models.JSONField(_("facts"), default=list)
    status = models.CharField(
        _("status"), max_length=16, choices=ProposalStatus.choices, default=ProposalStatus.PROPOSED
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
    reason = models.TextField(_("reason"), blank=True)
    # The sanction whose failed follow-up proposes this one (escalation), if any.
    escalated_from = models.ForeignKey(
        "Sanction",
        verbose_name=_("escalated from"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="escalations",
    )

    class Meta:
        verbose_name = _("proposal")
        verbose_name_plural = _("proposals")
        ordering = ["-id"]
        constraints = [
            models.UniqueConstraint(fields=["government", "rule", "key"], name="proposal_unique_rule_key")
        ]
        indexes = [
            models.Index(fields=["government", "year", "status", "tier"], name="proposal_list_idx"),
            models.Index(fields=["unit", "year"], name="proposal_unit_year_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.unit_id} {self.tier} ({self.rule})"


class SanctionStatus(models.TextChoices):
    PENDING_APPROVAL = "pending_approval", _("waiting for the government's approval")
    IN_FORCE = "in_force", _("in force: follow-up running")
    COMPLETED = "completed", _("followed up: improved")
    ESCALATED = "escalated", _("followed up: not improved, next tier proposed")
    # Not improved at the top of the ladder: nothing above to propose.
    NOT_IMPROVED = "not_improved", _("followed up: not improved")
    REFUSED = "refused", _("not approved")


class Sanction(BaseModel):
    """A tier applied to a unit and/or a named person: its basis (rule and facts), decision and approval (the
    government approves every tier above the written self-examination, 条例 Art. 19-21), the follow-up deadline and
    its result; a failed follow-up proposes the next tier, both records linked."""

    government = models.ForeignKey(
        "orgs.Unit", verbose_name=_("government"), on_delete=models.PROTECT, related_name="+"
    )
    unit = models.ForeignKey("orgs.Unit", verbose_name=_("unit"), on_delete=models.PROTECT, related_name="+")
    person = models.CharField(_("person responsible"), max_length=50, blank=True)
    tier = models.CharField(_("tier"), max_length=24, choices=Tier.choices)
    proposal = models.OneToOneField(
        Proposal,
        verbose_name=_("proposal"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="sanction",
    )
    basis = models.TextField(_("basis"))
    facts = models.JSONField(_("facts"), default=list)
    status = models.CharField(
        _("status"), max_length=20, choices=SanctionStatus.choices, default=SanctionStatus.PENDING_APPROVAL
    )
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("decided by"), on_delete=models.PROTECT, related_name="+"
    )
    approved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("approved by"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    # When it took effect: the day it counts in (evaluation, veto).
    effective_at = models.DateTimeField(_("in force from"), null=True, blank=True)
    follow_up_due = models.DateField(_("follow-up due"), null=True, blank=True)
    # What the unit owes: the written self-examination, the talk's minutes and commitments.
    unit_response = models.TextField(_("unit's response"), blank=True)
    unit_responded_at = models.DateTimeField(_("responded at"), null=True, blank=True)
    follow_up_note = models.TextField(_("follow-up result"), blank=True)
    followed_up_at = models.DateTimeField(_("followed up at"), null=True, blank=True)
    publication = models.CharField(_("published on"), max_length=100, blank=True)

    class Meta:
        verbose_name = _("sanction")
        verbose_name_plural = _("sanctions")
        ordering = ["-id"]
        indexes = [
            models.Index(fields=["unit", "effective_at"], name="sanction_unit_effective_idx"),
            models.Index(fields=["government", "status"], name="sanction_gov_status_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.unit_id} {self.tier}"


class ReferralBody(models.TextChoices):
    DISCIPLINE = "discipline", _("discipline inspection and supervision")
    ORGANISATION = "organisation", _("organisation department")
    PERSONNEL = "personnel", _("personnel department")


class ReferralStatus(models.TextChoices):
    SENT = "sent", _("sent")
    RECEIVED = "received", _("received by the body")
    DECIDED = "decided", _("decision fed back")


class Referral(BaseModel):
    """责任追究: the referral, with the government's approval, of a sanction's unit or person to a discipline,
    organisation or personnel body with a 处理建议 — tracked from the letter to the body's decision."""

    sanction = models.ForeignKey(
        Sanction, verbose_name=_("sanction"), on_delete=models.PROTECT, related_name="referrals"
    )
    body = models.CharField(_("receiving body"), max_length=16, choices=ReferralBody.choices)
    body_name = models.CharField(_("name of the body"), max_length=100)
    recommendation = models.TextField(_("recommended handling"))
    letter_number = models.CharField(_("letter number"), max_length=64, blank=True)
    status = models.CharField(
        _("status"), max_length=16, choices=ReferralStatus.choices, default=ReferralStatus.SENT
    )
    sent_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("sent by"), on_delete=models.PROTECT, related_name="+"
    )
    received_at = models.DateTimeField(_("received at"), null=True, blank=True)
    received_by_name = models.CharField(_("received by"), max_length=50, blank=True)
    decision = models.TextField(_("the body's decision"), blank=True)
    decided_at = models.DateTimeField(_("decided at"), null=True, blank=True)

    class Meta:
        verbose_name = _("referral")
        verbose_name_plural = _("referrals")
        ordering = ["-id"]

    def __str__(self) -> str:
        return f"{self.sanction_id} → {self.body_name}"


class BulletinKind(models.TextChoices):
    PRAISE = "praise", _("praise bulletin")
    CRITICISM = "criticism", _("criticism bulletin")
    SITUATION = "situation", _("periodic situation bulletin")


class BulletinStatus(models.TextChoices):
    DRAFT = "draft", _("draft")
    PENDING_APPROVAL = "pending_approval", _("waiting for the leader's approval")
    APPROVED = "approved", _("approved")
    ISSUED = "issued", _("issued")


class Bulletin(BaseModel):
    """督查通报: drafted from the facts, edited by the office, approved by the leader, numbered and issued to the
    units; a criticised unit is asked for its causes and fixes by a deadline — an item of its own, chased like any
    other. Keeps its evidence (the facts it was drafted from)."""

    government = models.ForeignKey(
        "orgs.Unit", verbose_name=_("government"), on_delete=models.PROTECT, related_name="+"
    )
    kind = models.CharField(_("kind"), max_length=16, choices=BulletinKind.choices)
    title = models.CharField(_("title"), max_length=200)
    text = models.TextField(_("text"))
    year = models.PositiveSmallIntegerField(_("year"))
    quarter = models.PositiveSmallIntegerField(_("quarter"), default=0)
    evidence = models.JSONField(_("evidence"), default=dict, blank=True)
    status = models.CharField(
        _("status"), max_length=20, choices=BulletinStatus.choices, default=BulletinStatus.DRAFT
    )
    number = models.CharField(_("number"), max_length=64, blank=True)
    fixes_due = models.DateField(_("causes and fixes due"), null=True, blank=True)
    published = models.BooleanField(_("published on the public site"), default=False)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("drafted by"), on_delete=models.PROTECT, related_name="+"
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
    issued_at = models.DateTimeField(_("issued at"), null=True, blank=True)

    class Meta:
        verbose_name = _("bulletin")
        verbose_name_plural = _("bulletins")
        ordering = ["-id"]

    def __str__(self) -> str:
        return self.number or self.title


class BulletinRole(models.TextChoices):
    PRAISED = "praised", _("praised")
    CRITICISED = "criticised", _("criticised")


class BulletinUnit(models.Model):
    """A unit named in a bulletin; a criticised unit's causes-and-fixes request is an item of its own."""

    bulletin = models.ForeignKey(
        Bulletin, verbose_name=_("bulletin"), on_delete=models.CASCADE, related_name="units"
    )
    unit = models.ForeignKey("orgs.Unit", verbose_name=_("unit"), on_delete=models.PROTECT, related_name="+")
    role = models.CharField(_("named as"), max_length=16, choices=BulletinRole.choices)
    fixes_item = models.ForeignKey(
        "items.Item",
        verbose_name=_("causes and fixes request"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )

    class Meta:
        verbose_name = _("unit named in a bulletin")
        verbose_name_plural = _("units named in bulletins")
        constraints = [models.UniqueConstraint(fields=["bulletin", "unit"], name="bulletinunit_unique_unit")]

    def __str__(self) -> str:
        return f"{self.bulletin_id}: {self.unit_id} {self.role}"


class CommendationStatus(models.TextChoices):
    PROPOSED = "proposed", _("proposed")
    CLEARED = "cleared", _("cleared by the office")
    VETOED = "vetoed", _("vetoed: sanctioned in the period")
    OVERRIDDEN = "overridden", _("cleared by the leader despite a sanction")


class Commendation(BaseModel):
    """A unit (or a person of it) proposed for 表彰 in the county government's name; the office vets it: anyone
    with a criticism bulletin or a higher tier in force in the year is vetoed (一票否决), naming the sanction; only a
    leader may override, and that is recorded."""

    government = models.ForeignKey(
        "orgs.Unit", verbose_name=_("government"), on_delete=models.PROTECT, related_name="+"
    )
    title = models.CharField(_("commendation"), max_length=200)
    year = models.PositiveSmallIntegerField(_("year"))
    unit = models.ForeignKey("orgs.Unit", verbose_name=_("unit"), on_delete=models.PROTECT, related_name="+")
    person = models.CharField(_("person"), max_length=50, blank=True)
    proposed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("proposed by"), on_delete=models.PROTECT, related_name="+"
    )
    status = models.CharField(
        _("status"), max_length=16, choices=CommendationStatus.choices, default=CommendationStatus.PROPOSED
    )
    vetoing_sanction = models.ForeignKey(
        Sanction,
        verbose_name=_("vetoed by"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
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
    override_reason = models.TextField(_("reason for the override"), blank=True)

    class Meta:
        verbose_name = _("commendation")
        verbose_name_plural = _("commendations")
        ordering = ["-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["government", "year", "title", "unit", "person"], name="commendation_unique_candidate"
            ),
            models.CheckConstraint(condition=Q(year__gte=2000), name="commendation_year_valid"),
        ]

    def __str__(self) -> str:
        return f"{self.title}: {self.unit_id} {self.person}"
