"""互联网+督查: the clues the public, the upper platforms and the 12345 hotline send in, the cases that group the
clues about one problem, the routing knowledge, the answers published back, and the early warnings and weekly
briefs drawn from them.

A clue is one message from one reporter and is never changed or merged away: the *case* is the duplicate group
(one problem, its reporters counted), and every triage decision — accept, route as an item, check by inspection,
close — is taken on the case. The reporter's name and phone are sealed at rest (ducha.common.crypto) and read only
through services.reporter_reveal, which logs every read."""

from __future__ import annotations

import secrets

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from ducha.common.models import BaseModel


class Channel(models.TextChoices):
    PUBLIC = "public", _("public website")
    UPPER = "upper", _("forwarded by the upper platform")
    HOTLINE = "hotline", _("12345 hotline")
    OFFICE = "office", _("entered by the office")


class Category(models.TextChoices):
    IMPLEMENTATION = "implementation", _("decisions not carried out")
    CONDUCT = "conduct", _("inaction, slow action or misconduct")
    POLICY = "policy", _("policies not coordinated")
    SUGGESTION = "suggestion", _("opinion or suggestion")


class Urgency(models.TextChoices):
    SAFETY = "safety", _("safety")
    HEALTH = "health", _("health")
    WAGES = "wages", _("unpaid wages")
    CHILDREN = "children", _("children")
    DISASTERS = "disasters", _("disasters")


class PlaceKind(models.TextChoices):
    VILLAGE = "village", _("village")
    COMMUNITY = "community", _("community")


class Place(BaseModel):
    """A village or community of a township: where a clue happened, as the public form offers it."""

    government = models.ForeignKey(
        "orgs.Unit", verbose_name=_("government"), on_delete=models.PROTECT, related_name="+"
    )
    township = models.ForeignKey(
        "orgs.Unit", verbose_name=_("township"), on_delete=models.PROTECT, related_name="places"
    )
    name = models.CharField(_("name"), max_length=60)
    kind = models.CharField(_("kind"), max_length=16, choices=PlaceKind.choices, default=PlaceKind.VILLAGE)
    is_active = models.BooleanField(_("active"), default=True)

    class Meta:
        verbose_name = _("village or community")
        verbose_name_plural = _("villages and communities")
        ordering = ["township_id", "id"]
        constraints = [models.UniqueConstraint(fields=["township", "name"], name="place_unique_name")]

    def __str__(self) -> str:
        return self.name


class UnitDuties(BaseModel):
    """A unit's duties (职责, from its 三定 text): what the router reads to suggest who handles a clue."""

    unit = models.OneToOneField(
        "orgs.Unit", verbose_name=_("unit"), on_delete=models.CASCADE, related_name="duties"
    )
    text = models.TextField(_("duties"))
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("updated by"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )

    class Meta:
        verbose_name = _("unit duties")
        verbose_name_plural = _("unit duties")

    def __str__(self) -> str:
        return str(self.unit)


class CaseStatus(models.TextChoices):
    NEW = "new", _("waiting for triage")
    ACCEPTED = "accepted", _("accepted")
    ROUTED = "routed", _("assigned as a supervision item")
    CHECKING = "checking", _("under clue check")
    ANSWERED = "answered", _("answered")
    CLOSED = "closed", _("closed")


# A case in one of these takes no new clue: a later message about the same problem starts a new case (a recurrence).
SETTLED = (CaseStatus.ANSWERED, CaseStatus.CLOSED)


class Case(BaseModel):
    """One problem, with every clue (reporter) about it."""

    government = models.ForeignKey(
        "orgs.Unit", verbose_name=_("government"), on_delete=models.PROTECT, related_name="+"
    )
    # "XS2026-123", from the id once the row exists.
    number = models.CharField(_("case number"), max_length=30, blank=True, db_index=True)
    title = models.CharField(_("title"), max_length=200)
    category = models.CharField(_("category"), max_length=16, choices=Category.choices)
    township = models.ForeignKey(
        "orgs.Unit",
        verbose_name=_("township"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    place = models.ForeignKey(
        Place, verbose_name=_("village or community"), null=True, blank=True, on_delete=models.PROTECT
    )
    status = models.CharField(_("status"), max_length=16, choices=CaseStatus.choices, default=CaseStatus.NEW)
    urgent = models.BooleanField(_("urgent"), default=False)
    clue_count = models.PositiveIntegerField(_("reporters"), default=0)
    first_at = models.DateTimeField(_("first reported"))
    last_at = models.DateTimeField(_("last reported"))
    unit = models.ForeignKey(
        "orgs.Unit",
        verbose_name=_("responsible unit"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="clue_cases",
    )
    item = models.OneToOneField(
        "items.Item",
        verbose_name=_("supervision item"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="clue_case",
    )
    inspection = models.ForeignKey(
        "inspections.Inspection",
        verbose_name=_("clue check"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="clue_cases",
    )
    close_reason = models.TextField(_("reason for closing"), blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("decided by"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    decided_at = models.DateTimeField(_("decided at"), null=True, blank=True)

    class Meta:
        verbose_name = _("clue case")
        verbose_name_plural = _("clue cases")
        indexes = [
            models.Index(fields=["government", "status", "-urgent", "first_at"], name="case_queue_idx"),
            models.Index(fields=["government", "last_at"], name="case_recent_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.number} {self.title}"


class ClueStatus(models.TextChoices):
    ACTIVE = "active", _("received")
    REJECTED = "rejected", _("not accepted")


def tracking_code() -> str:
    """The code a reporter checks progress with: 12 characters from an alphabet without look-alikes."""
    alphabet = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"
    return "".join(secrets.choice(alphabet) for _ in range(12))


class Clue(BaseModel):
    """One message from one reporter, as it came in, with what the engine made of it (ducha.clues.text)."""

    id = models.BigAutoField(primary_key=True)
    government = models.ForeignKey(
        "orgs.Unit", verbose_name=_("government"), on_delete=models.PROTECT, related_name="+"
    )
    code = models.CharField(_("tracking code"), max_length=16, unique=True, default=tracking_code)
    channel = models.CharField(_("channel"), max_length=16, choices=Channel.choices)
    # The sending platform or line ("国务院互联网+督查平台", "12345") and its own reference: one clue per reference.
    source = models.CharField(_("source"), max_length=60, blank=True)
    source_ref = models.CharField(_("source reference"), max_length=100, blank=True)
    category = models.CharField(_("category"), max_length=16, choices=Category.choices)
    township = models.ForeignKey(
        "orgs.Unit",
        verbose_name=_("township"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    place = models.ForeignKey(
        Place, verbose_name=_("village or community"), null=True, blank=True, on_delete=models.PROTECT
    )
    text = models.TextField(_("content"))
    submitted_at = models.DateTimeField(_("submitted at"))
    status = models.CharField(
        _("status"), max_length=16, choices=ClueStatus.choices, default=ClueStatus.ACTIVE
    )
    reject_reason = models.TextField(_("reason for not accepting"), blank=True)
    case = models.ForeignKey(
        Case, verbose_name=_("case"), null=True, blank=True, on_delete=models.PROTECT, related_name="clues"
    )
    # The reporter: sealed (ducha.common.crypto); `reporter_masked` is what everyone else sees ("张** 138****5678").
    anonymous = models.BooleanField(_("anonymous"), default=True)
    reporter_name = models.TextField(_("reporter's name (sealed)"), blank=True)
    reporter_phone = models.TextField(_("reporter's phone (sealed)"), blank=True)
    reporter_masked = models.CharField(_("reporter"), max_length=60, blank=True)
    # A keyed digest of the sending address (never the address), for the rate limits and blocking.
    source_digest = models.CharField(_("source digest"), max_length=64, blank=True, db_index=True)
    # What the engine found: the weighted terms, similar clues, the units suggested, the category and urgency.
    terms = models.JSONField(_("terms"), default=dict, blank=True)
    similar = models.JSONField(_("similar clues"), default=list, blank=True)
    suggested_units = models.JSONField(_("suggested units"), default=list, blank=True)
    suggested_category = models.CharField(_("suggested category"), max_length=16, blank=True)
    urgent_reasons = models.JSONField(_("urgency"), default=list, blank=True)
    grouped_score = models.FloatField(_("similarity to the case"), null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("entered by"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )

    class Meta:
        verbose_name = _("clue")
        verbose_name_plural = _("clues")
        constraints = [
            models.UniqueConstraint(
                fields=["government", "source", "source_ref"],
                condition=~Q(source_ref=""),
                name="clue_unique_source_ref",
            ),
        ]
        indexes = [
            models.Index(fields=["government", "submitted_at"], name="clue_government_time_idx"),
            models.Index(fields=["source_digest", "submitted_at"], name="clue_source_time_idx"),
            models.Index(fields=["channel", "submitted_at"], name="clue_channel_time_idx"),
        ]

    def __str__(self) -> str:
        return self.code

    @property
    def urgent(self) -> bool:
        return bool(self.urgent_reasons)


class ClueKey(models.Model):
    """The blocking index of the duplicate search: one row per distinctive term of a clue, hashed with its
    government and township, so the candidates of a new clue are an indexed lookup of a few keys (not a scan)."""

    id = models.BigAutoField(primary_key=True)
    clue = models.ForeignKey(Clue, on_delete=models.CASCADE, related_name="+")
    key = models.BigIntegerField()
    submitted_at = models.DateTimeField()

    class Meta:
        indexes = [models.Index(fields=["key", "submitted_at"], name="cluekey_key_time_idx")]

    def __str__(self) -> str:
        return f"{self.clue_id}:{self.key}"


def photo_path(instance: CluePhoto, filename: str) -> str:
    return f"clues/{instance.clue.submitted_at:%Y/%m}/{instance.clue.code}/{filename}"


class CluePhoto(BaseModel):
    clue = models.ForeignKey(Clue, verbose_name=_("clue"), on_delete=models.CASCADE, related_name="photos")
    file = models.FileField(_("file"), upload_to=photo_path, max_length=300)
    original_name = models.CharField(_("file name"), max_length=200)
    size = models.PositiveIntegerField(_("size"))
    content_type = models.CharField(_("content type"), max_length=50)
    sha256 = models.CharField(_("SHA-256"), max_length=64)

    class Meta:
        verbose_name = _("photo")
        verbose_name_plural = _("photos")

    def __str__(self) -> str:
        return self.original_name


class RoutingExample(models.Model):
    """What the router learns from: every unit the office routed a case to, with the case's clue texts."""

    id = models.BigAutoField(primary_key=True)
    government = models.ForeignKey("orgs.Unit", on_delete=models.CASCADE, related_name="+")
    unit = models.ForeignKey("orgs.Unit", on_delete=models.CASCADE, related_name="+")
    text = models.TextField()
    case = models.ForeignKey(Case, null=True, blank=True, on_delete=models.CASCADE, related_name="+")
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField()

    class Meta:
        indexes = [models.Index(fields=["government", "-id"], name="routingexample_recent_idx")]

    def __str__(self) -> str:
        return f"{self.unit_id}: {self.text[:20]}"


class AnswerStatus(models.TextChoices):
    DRAFT = "draft", _("draft")
    SUBMITTED = "submitted", _("waiting for review")
    RETURNED = "returned", _("returned")
    PUBLISHED = "published", _("published")


class Answer(BaseModel):
    """The public answer to a case: drafted by the office, reviewed by another office user or a leader, then
    published — the reporters see it by their codes and those who left a phone are told."""

    case = models.ForeignKey(Case, verbose_name=_("case"), on_delete=models.CASCADE, related_name="answers")
    text = models.TextField(_("answer"))
    status = models.CharField(
        _("status"), max_length=16, choices=AnswerStatus.choices, default=AnswerStatus.DRAFT
    )
    drafted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("drafted by"), on_delete=models.PROTECT, related_name="+"
    )
    reviewed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("reviewed by"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    reviewed_at = models.DateTimeField(_("reviewed at"), null=True, blank=True)
    return_reason = models.TextField(_("reason for returning"), blank=True)
    published_at = models.DateTimeField(_("published at"), null=True, blank=True)

    class Meta:
        verbose_name = _("answer")
        verbose_name_plural = _("answers")
        constraints = [
            models.UniqueConstraint(
                fields=["case"], condition=Q(status="published"), name="answer_one_published_per_case"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.case}: {self.get_status_display()}"


class NoticeStatus(models.TextChoices):
    PENDING = "pending", _("waiting to be sent")
    SENT = "sent", _("sent")


class ReporterNotice(BaseModel):
    """A text message to a reporter who left a phone: the answer is published. The phone stays on the clue,
    sealed; the SMS gateway (configured per deployment) reads it when it sends."""

    clue = models.ForeignKey(Clue, verbose_name=_("clue"), on_delete=models.CASCADE, related_name="notices")
    answer = models.ForeignKey(Answer, verbose_name=_("answer"), on_delete=models.CASCADE, related_name="+")
    text = models.TextField(_("message"))
    status = models.CharField(
        _("status"), max_length=16, choices=NoticeStatus.choices, default=NoticeStatus.PENDING
    )
    sent_at = models.DateTimeField(_("sent at"), null=True, blank=True)

    class Meta:
        verbose_name = _("reporter notice")
        verbose_name_plural = _("reporter notices")
        constraints = [models.UniqueConstraint(fields=["clue", "answer"], name="reporternotice_once")]


class BlockedSource(BaseModel):
    """A sending address (its digest) the office blocked for abuse, until a time."""

    source_digest = models.CharField(_("source digest"), max_length=64, db_index=True)
    until = models.DateTimeField(_("blocked until"))
    reason = models.TextField(_("reason"))
    blocked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("blocked by"), on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        verbose_name = _("blocked source")
        verbose_name_plural = _("blocked sources")


class WarningKind(models.TextChoices):
    SPIKE = "spike", _("spike above the usual level")
    SYSTEMIC = "systemic", _("recurring across townships")


class EarlyWarning(BaseModel):
    """A spike of clues on a topic in a place against its usual level, or one problem recurring across townships,
    with the clues behind it. Written by the analytics task; the office marks it seen."""

    government = models.ForeignKey(
        "orgs.Unit", verbose_name=_("government"), on_delete=models.CASCADE, related_name="+"
    )
    kind = models.CharField(_("kind"), max_length=16, choices=WarningKind.choices)
    topic = models.CharField(_("topic"), max_length=60)
    township = models.ForeignKey(
        "orgs.Unit",
        verbose_name=_("township"),
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="+",
    )
    week_start = models.DateField(_("week"))
    count = models.PositiveIntegerField(_("clues"))
    baseline = models.FloatField(_("usual level"))
    townships = models.JSONField(_("townships"), default=list, blank=True)
    clue_ids = models.JSONField(_("clues"), default=list)
    seen_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("seen by"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )

    class Meta:
        verbose_name = _("early warning")
        verbose_name_plural = _("early warnings")
        constraints = [
            models.UniqueConstraint(
                fields=["government", "kind", "topic", "township", "week_start"],
                name="earlywarning_once",
                nulls_distinct=False,
            ),
        ]


class BriefStatus(models.TextChoices):
    DRAFT = "draft", _("draft")
    SENT = "sent", _("sent to the leaders")


class Brief(BaseModel):
    """The weekly 社情民意 brief: drafted from the week's clues, edited by the office, sent to the leaders."""

    government = models.ForeignKey(
        "orgs.Unit", verbose_name=_("government"), on_delete=models.CASCADE, related_name="+"
    )
    week_start = models.DateField(_("week"))
    title = models.CharField(_("title"), max_length=200)
    text = models.TextField(_("text"))
    figures = models.JSONField(_("figures"), default=dict, blank=True)
    status = models.CharField(
        _("status"), max_length=16, choices=BriefStatus.choices, default=BriefStatus.DRAFT
    )
    edited_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("edited by"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    sent_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("sent by"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    sent_at = models.DateTimeField(_("sent at"), null=True, blank=True)

    class Meta:
        verbose_name = _("weekly brief")
        verbose_name_plural = _("weekly briefs")
        constraints = [
            models.UniqueConstraint(fields=["government", "week_start"], name="brief_one_per_week")
        ]

    def __str__(self) -> str:
        return self.title
