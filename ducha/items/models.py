"""Supervision items (督查事项) and what hangs off them: assignments to units, reports, reviews, extensions,
delegations, disagreements, milestones and attachments.

Statuses and transitions live in lifecycle.py; every write goes through services.py.
"""

from __future__ import annotations

import datetime

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from ducha.common.models import BaseModel
from ducha.items.statuses import ItemStatus


class SourceType(models.TextChoices):
    LEADER_INSTRUCTION = "leader_instruction", _("leader's written instruction")
    MEETING_DECISION = "meeting_decision", _("meeting decision")
    WORK_REPORT_TASK = "work_report_task", _("government work report task")
    POLICY_DOCUMENT = "policy_document", _("policy document")
    NPC_SUGGESTION = "npc_suggestion", _("NPC deputy's suggestion")
    CPPCC_PROPOSAL = "cppcc_proposal", _("CPPCC proposal")
    PUBLIC_REPORT = "public_report", _("public report")
    LEADER_ASSIGNMENT = "leader_assignment", _("leader's assignment")
    INSPECTION_TOUR = "inspection_tour", _("instruction during an inspection tour")
    LIVELIHOOD_PROJECT = "livelihood_project", _("livelihood project")
    OTHER = "other", _("other")


class ApprovalBasis(models.TextChoices):
    GOVERNMENT_DECISION = "government_decision", _("government decision")
    HEAD_INSTRUCTION = "head_instruction", _("instruction of the head of government")
    OFFICE_PROPOSAL = "office_proposal", _("supervision office proposal approved by the head")


class Urgency(models.TextChoices):
    EXTRA_URGENT = "extra_urgent", _("extra urgent")
    URGENT = "urgent", _("urgent")
    NORMAL = "normal", _("normal")


class Confidentiality(models.TextChoices):
    PUBLIC = "public", _("public")
    INTERNAL = "internal", _("internal")
    SECRET = "secret", _("secret")


class ProgressCycle(models.TextChoices):
    NONE = "", _("none")
    WEEKLY = "weekly", _("weekly")
    MONTHLY = "monthly", _("monthly")
    DAILY = "daily", _("daily (report as it happens)")
    QUARTERLY = "quarterly", _("quarterly")


class DeadlineBasis(models.TextChoices):
    WORKDAYS = "workdays", _("working days from assignment")
    DATE = "date", _("fixed date")


class Light(models.TextChoices):
    RED = "red", _("overdue")
    YELLOW = "yellow", _("due soon")
    GREEN = "green", _("on track")
    NONE = "", _("no light")


class Item(BaseModel):
    # The government whose supervision office owns the item; scope rests on it.
    government = models.ForeignKey(
        "orgs.Unit", verbose_name=_("government"), on_delete=models.PROTECT, related_name="items"
    )
    number = models.CharField(_("number"), max_length=64, blank=True, default="")
    number_year = models.PositiveSmallIntegerField(_("number year"), null=True, blank=True)
    number_seq = models.PositiveIntegerField(_("number sequence"), null=True, blank=True)
    title = models.CharField(_("title"), max_length=200)
    content = models.TextField(_("content"), blank=True)
    requirements = models.TextField(_("requirements"), blank=True)
    source_type = models.CharField(_("source type"), max_length=32, choices=SourceType.choices)
    # Free-text reference: meeting and date, leader and instruction text, document or proposal number.
    source_reference = models.CharField(_("source reference"), max_length=500, blank=True)
    source_date = models.DateField(_("source date"), null=True, blank=True)
    # The decision this item was split from (一事一项): a meeting's minutes, a work report, a document, a 批示.
    source_record = models.ForeignKey(
        "items.SourceRecord",
        verbose_name=_("source record"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="items",
    )
    # 责任领导 (002 art. 14): the leader in charge of the matter, who sees it first and writes instructions on it.
    leader_in_charge = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("leader in charge"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="items_in_charge",
    )
    # Steps of the procedure the office asks for on this item (002 art. 5(5)–(6), 004 §3(4)).
    site_check_required = models.BooleanField(_("on-site verification before acceptance"), default=False)
    is_complex = models.BooleanField(_("consolidated report closed by the leader"), default=False)
    progress_check_by_head = models.BooleanField(_("unit head checks progress reports"), default=False)
    approval_basis = models.CharField(
        _("basis of approval"),
        max_length=32,
        choices=ApprovalBasis.choices,
        default=ApprovalBasis.OFFICE_PROPOSAL,
    )
    approver = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("approver"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="approved_items",
    )
    approved_at = models.DateTimeField(_("approved at"), null=True, blank=True)
    rejection_reason = models.TextField(_("rejection reason"), blank=True)
    urgency = models.CharField(_("urgency"), max_length=16, choices=Urgency.choices, default=Urgency.NORMAL)
    confidentiality = models.CharField(
        _("confidentiality"), max_length=16, choices=Confidentiality.choices, default=Confidentiality.INTERNAL
    )
    status = models.CharField(
        _("status"), max_length=24, choices=ItemStatus.choices, default=ItemStatus.DRAFT
    )

    # Deadline: either N working days from assignment or a fixed date; the due date is stored when it is set
    # (at assignment, extension or an explicit recomputation), never recomputed on read.
    deadline_basis = models.CharField(
        _("deadline basis"), max_length=16, choices=DeadlineBasis.choices, default=DeadlineBasis.WORKDAYS
    )
    deadline_workdays = models.PositiveSmallIntegerField(_("working days allowed"), null=True, blank=True)
    due_date = models.DateField(_("due date"), null=True, blank=True)
    # The day the light turns yellow (N working days before the due date); the light is derived from it.
    warn_date = models.DateField(_("yellow-light date"), null=True, blank=True)
    due_date_is_provisional = models.BooleanField(
        _("due date rests on a provisional calendar"), default=False
    )
    assigned_at = models.DateTimeField(_("assigned at"), null=True, blank=True)
    progress_cycle = models.CharField(
        _("progress cycle"),
        max_length=16,
        choices=ProgressCycle.choices,
        default=ProgressCycle.NONE,
        blank=True,
    )

    # Delegation (转办): a child item for a unit below the delegating one.
    parent = models.ForeignKey(
        "self",
        verbose_name=_("parent item"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="children",
    )
    delegating_unit = models.ForeignKey(
        "orgs.Unit",
        verbose_name=_("delegating unit"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="delegated_items",
    )

    latest_progress = models.TextField(_("latest progress"), blank=True)
    latest_progress_at = models.DateTimeField(_("latest progress at"), null=True, blank=True)
    closing_opinion = models.TextField(_("closing opinion"), blank=True)
    completed_at = models.DateTimeField(_("reported complete at"), null=True, blank=True)
    closed_at = models.DateTimeField(_("closed at"), null=True, blank=True)
    archived_at = models.DateTimeField(_("archived at"), null=True, blank=True)
    # A withdrawal the office asked for, waiting for the leader.
    cancel_requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("withdrawal requested by"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    cancel_reason = models.TextField(_("withdrawal reason"), blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("created by"),
        on_delete=models.PROTECT,
        related_name="created_items",
    )

    class Meta:
        verbose_name = _("supervision item")
        verbose_name_plural = _("supervision items")
        constraints = [
            models.UniqueConstraint(
                fields=["government", "number"],
                condition=~Q(number=""),
                name="item_unique_number_per_government",
            ),
            models.CheckConstraint(
                condition=Q(deadline_workdays__isnull=True) | Q(deadline_workdays__gte=1),
                name="item_deadline_workdays_positive",
            ),
        ]
        indexes = [
            models.Index(fields=["government", "status", "due_date"], name="item_gov_status_due_idx"),
            models.Index(fields=["status", "warn_date", "due_date"], name="item_status_light_idx"),
            # The ledger's orders. Each carries the columns of the scope (government, confidentiality) and of the
            # light (status, due and yellow dates), so that the ledger finds a page's ids by an index-only scan
            # on PostgreSQL, whatever those filters skip (see ledger._fetch).
            models.Index(
                fields=["-updated_at", "-id"],
                include=["status", "due_date", "warn_date", "government", "confidentiality"],
                name="item_updated_cover_idx",
            ),
            models.Index(
                fields=["status", "-updated_at", "-id"],
                include=["due_date", "warn_date", "government", "confidentiality"],
                name="item_status_updated_cover_idx",
            ),
            # By deadline, both ways with NULLs last: PostgreSQL-only indexes (SQLite has no NULLS LAST in an
            # index), created by migration 0007 outside the models' state: item_due_asc_idx, item_due_desc_idx.
            models.Index(fields=["number"], name="item_number_idx"),
            # The reminder sweep selects running items by due date.
            models.Index(fields=["status", "due_date"], name="item_status_due_idx"),
            # The dashboard counts a government's items of a year without touching the table (PostgreSQL).
            models.Index(
                fields=["government", "assigned_at"],
                include=["completed_at", "status", "source_type", "due_date", "warn_date", "confidentiality"],
                name="item_gov_assigned_idx",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.number} {self.title}".strip()

    @property
    def is_child(self) -> bool:
        return self.parent_id is not None

    @property
    def is_open(self) -> bool:
        return self.status not in ItemStatus.finished()

    def light_on(self, today: datetime.date) -> str:
        """The status light as of `today`; the SQL twin is selectors.light_expression()."""
        return light_of(self.status, self.due_date, self.warn_date, today)

    @property
    def light(self) -> str:
        return self.light_on(timezone.localdate())


_RUNNING = ItemStatus.running()


def light_of(
    status: str, due_date: datetime.date | None, warn_date: datetime.date | None, today: datetime.date
) -> str:
    """The status light of an item with these fields as of `today` (Item.light_on, for rows read as values);
    the SQL twin is selectors.light_expression()."""
    if status not in _RUNNING or due_date is None:
        return Light.NONE
    if today > due_date:
        return Light.RED
    if warn_date is not None and today >= warn_date:
        return Light.YELLOW
    return Light.GREEN


class AssignmentRole(models.TextChoices):
    LEAD = "lead", _("lead unit")
    CO = "co", _("co-unit")


class AssignmentStatus(models.TextChoices):
    ASSIGNED = "assigned", _("awaiting sign-for")
    SIGNED = "signed", _("signed for")
    REPORTED = "reported", _("reported")


class Assignment(BaseModel):
    item = models.ForeignKey(
        Item, verbose_name=_("item"), on_delete=models.CASCADE, related_name="assignments"
    )
    unit = models.ForeignKey(
        "orgs.Unit", verbose_name=_("unit"), on_delete=models.PROTECT, related_name="assignments"
    )
    role = models.CharField(_("role"), max_length=8, choices=AssignmentRole.choices)
    # A co-unit's share of the work, in percent, and what that share is.
    share = models.PositiveSmallIntegerField(_("share (%)"), null=True, blank=True)
    share_note = models.CharField(_("share of the work"), max_length=300, blank=True)
    status = models.CharField(
        _("status"), max_length=16, choices=AssignmentStatus.choices, default=AssignmentStatus.ASSIGNED
    )
    notified_at = models.DateTimeField(_("notified at"), null=True, blank=True)
    signed_at = models.DateTimeField(_("signed at"), null=True, blank=True)
    signed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("signed by"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    reported_at = models.DateTimeField(_("reported at"), null=True, blank=True)

    class Meta:
        verbose_name = _("assignment")
        verbose_name_plural = _("assignments")
        constraints = [
            models.UniqueConstraint(fields=["item", "unit"], name="assignment_unique_unit_per_item"),
            models.UniqueConstraint(
                fields=["item"],
                condition=Q(role="lead"),
                include=["unit"],
                name="assignment_one_lead_per_item",
            ),
            models.CheckConstraint(
                condition=Q(share__isnull=True) | Q(share__lte=100), name="assignment_share_at_most_100"
            ),
        ]
        indexes = [
            models.Index(fields=["unit", "status", "item"], name="assignment_unit_status_idx"),
            # The reminder sweep's "not signed for" steps: assignments still waiting, by when they were notified.
            models.Index(
                fields=["notified_at"], condition=Q(status="assigned"), name="assignment_unsigned_idx"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.item_id} → {self.unit_id} ({self.role})"

    @property
    def is_lead(self) -> bool:
        return self.role == AssignmentRole.LEAD

    def light_on(self, today: datetime.date) -> str:
        if self.status == AssignmentStatus.REPORTED:
            return Light.NONE
        return self.item.light_on(today)


class ReportKind(models.TextChoices):
    PROGRESS = "progress", _("progress report")
    COMPLETION = "completion", _("completion report")


class ReportStatus(models.TextChoices):
    RECORDED = "recorded", _("recorded")
    PENDING_HEAD = "pending_head", _("waiting for the unit head's check")
    RETURNED_BY_HEAD = "returned_by_head", _("returned by the unit head")
    SUBMITTED = "submitted", _("submitted to the office")
    ACCEPTED = "accepted", _("accepted")
    RETURNED = "returned", _("returned to be redone")


class Report(BaseModel):
    item = models.ForeignKey(Item, verbose_name=_("item"), on_delete=models.CASCADE, related_name="reports")
    assignment = models.ForeignKey(
        Assignment, verbose_name=_("assignment"), on_delete=models.CASCADE, related_name="reports"
    )
    kind = models.CharField(_("kind"), max_length=16, choices=ReportKind.choices)
    text = models.TextField(_("text"))
    # A co-unit's progress report that closes its share of the work.
    is_final = models.BooleanField(_("final for this unit"), default=False)
    status = models.CharField(
        _("status"), max_length=20, choices=ReportStatus.choices, default=ReportStatus.RECORDED
    )
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("author"),
        on_delete=models.PROTECT,
        related_name="item_reports",
    )
    head_decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("checked by"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    head_decided_at = models.DateTimeField(_("checked at"), null=True, blank=True)
    head_comment = models.TextField(_("unit head's comment"), blank=True)

    class Meta:
        verbose_name = _("report")
        verbose_name_plural = _("reports")
        indexes = [
            models.Index(fields=["item", "kind", "created_at"], name="report_item_kind_idx"),
            # Reminders find reports waiting for a decision.
            models.Index(fields=["kind", "status", "created_at"], name="report_kind_status_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} #{self.pk}"


class Review(BaseModel):
    class Decision(models.TextChoices):
        ACCEPT = "accept", _("accept")
        RETURN = "return", _("return to be redone")

    item = models.ForeignKey(Item, verbose_name=_("item"), on_delete=models.CASCADE, related_name="reviews")
    report = models.ForeignKey(
        Report, verbose_name=_("report"), on_delete=models.PROTECT, related_name="reviews"
    )
    decision = models.CharField(_("decision"), max_length=8, choices=Decision.choices)
    opinion = models.TextField(_("opinion"))
    # The four checks of 审核 (002 art. 5).
    task_completed = models.BooleanField(_("task completed"), default=False)
    problem_solved = models.BooleanField(_("problem solved"), default=False)
    conclusion_appropriate = models.BooleanField(_("conclusion appropriate"), default=False)
    lawful_compliant = models.BooleanField(_("lawful and compliant"), default=False)
    reviewer = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("reviewer"),
        on_delete=models.PROTECT,
        related_name="item_reviews",
    )

    class Meta:
        verbose_name = _("review")
        verbose_name_plural = _("reviews")

    def __str__(self) -> str:
        return f"{self.get_decision_display()} #{self.pk}"


class ExtensionStatus(models.TextChoices):
    PENDING = "pending", _("waiting for the office")
    ENDORSED = "endorsed", _("endorsed by the office, waiting for the leader")
    GRANTED = "granted", _("granted")
    REFUSED = "refused", _("refused")


class ExtensionRequest(BaseModel):
    item = models.ForeignKey(
        Item, verbose_name=_("item"), on_delete=models.CASCADE, related_name="extensions"
    )
    unit = models.ForeignKey("orgs.Unit", verbose_name=_("unit"), on_delete=models.PROTECT, related_name="+")
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("requested by"), on_delete=models.PROTECT, related_name="+"
    )
    reason = models.TextField(_("reason"))
    old_due_date = models.DateField(_("original due date"))
    proposed_due_date = models.DateField(_("proposed due date"))
    granted_due_date = models.DateField(_("granted due date"), null=True, blank=True)
    requires_leader = models.BooleanField(_("needs the leader's decision"), default=False)
    status = models.CharField(
        _("status"), max_length=16, choices=ExtensionStatus.choices, default=ExtensionStatus.PENDING
    )
    office_decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("office decision by"),
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
    decision_comment = models.TextField(_("decision comment"), blank=True)

    class Meta:
        verbose_name = _("extension request")
        verbose_name_plural = _("extension requests")
        constraints = [
            models.UniqueConstraint(
                fields=["item"],
                condition=Q(status__in=["pending", "endorsed"]),
                name="extension_one_open_per_item",
            )
        ]

    def __str__(self) -> str:
        return f"{self.item_id}: {self.old_due_date} → {self.proposed_due_date}"


class DisputeStatus(models.TextChoices):
    OPEN = "open", _("escalated to the office")
    COORDINATED = "coordinated", _("coordinated by the office")
    RULED = "ruled", _("ruled by the leader")


class Dispute(BaseModel):
    """A disagreement between the lead unit and co-units: escalated, coordinated by the office, ruled."""

    item = models.ForeignKey(Item, verbose_name=_("item"), on_delete=models.CASCADE, related_name="disputes")
    raised_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("raised by"), on_delete=models.PROTECT, related_name="+"
    )
    description = models.TextField(_("description"))
    status = models.CharField(
        _("status"), max_length=16, choices=DisputeStatus.choices, default=DisputeStatus.OPEN
    )
    coordination = models.TextField(_("coordination"), blank=True)
    coordinated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("coordinated by"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    ruling = models.TextField(_("ruling"), blank=True)
    ruled_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("ruled by"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )

    class Meta:
        verbose_name = _("disagreement")
        verbose_name_plural = _("disagreements")
        constraints = [
            models.UniqueConstraint(
                fields=["item"], condition=~Q(status="ruled"), name="dispute_one_unresolved_per_item"
            )
        ]

    def __str__(self) -> str:
        return f"{self.item_id}: {self.get_status_display()}"


class Milestone(BaseModel):
    item = models.ForeignKey(
        Item, verbose_name=_("item"), on_delete=models.CASCADE, related_name="milestones"
    )
    title = models.CharField(_("title"), max_length=200)
    due_date = models.DateField(_("due date"))
    completed_at = models.DateTimeField(_("completed at"), null=True, blank=True)
    # Set when the milestone is part of a unit's own implementation plan (004 §3(3)); blank for the office's.
    unit = models.ForeignKey(
        "orgs.Unit",
        verbose_name=_("unit"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )

    class Meta:
        verbose_name = _("milestone")
        verbose_name_plural = _("milestones")
        ordering = ["due_date", "id"]

    def __str__(self) -> str:
        return self.title


def attachment_path(instance: Attachment, filename: str) -> str:
    now = timezone.now()
    return f"attachments/{now:%Y/%m}/{instance.sha256[:2]}/{instance.sha256}/{filename}"


class Attachment(BaseModel):
    item = models.ForeignKey(
        Item, verbose_name=_("item"), on_delete=models.CASCADE, related_name="attachments"
    )
    report = models.ForeignKey(
        Report,
        verbose_name=_("report"),
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="attachments",
    )
    site_check = models.ForeignKey(
        "items.SiteCheck",
        verbose_name=_("on-site verification"),
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="photos",
    )
    file = models.FileField(_("file"), upload_to=attachment_path, max_length=300)
    original_name = models.CharField(_("file name"), max_length=200)
    size = models.PositiveBigIntegerField(_("size"))
    content_type = models.CharField(_("content type"), max_length=100, blank=True)
    sha256 = models.CharField(_("SHA-256"), max_length=64, db_index=True)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("uploaded by"), on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        verbose_name = _("attachment")
        verbose_name_plural = _("attachments")

    def __str__(self) -> str:
        return self.original_name


class NumberSequence(models.Model):
    """The last number handed out per government and year; incremented under a row lock (gapless)."""

    government = models.ForeignKey("orgs.Unit", on_delete=models.PROTECT, related_name="+")
    year = models.PositiveSmallIntegerField()
    last = models.PositiveIntegerField(default=0)

    class Meta:
        verbose_name = _("number sequence")
        verbose_name_plural = _("number sequences")
        constraints = [
            models.UniqueConstraint(fields=["government", "year"], name="numberseq_unique_gov_year")
        ]

    def __str__(self) -> str:
        return f"{self.government_id}/{self.year}: {self.last}"


class DeadlineRule(BaseModel):
    """Default working days for new items, by source type and urgency (blank = any). Most specific wins."""

    source_type = models.CharField(_("source type"), max_length=32, choices=SourceType.choices, blank=True)
    urgency = models.CharField(_("urgency"), max_length=16, choices=Urgency.choices, blank=True)
    workdays = models.PositiveSmallIntegerField(_("working days"))

    class Meta:
        verbose_name = _("deadline rule")
        verbose_name_plural = _("deadline rules")
        constraints = [
            models.UniqueConstraint(
                fields=["source_type", "urgency"], name="deadlinerule_unique_source_urgency"
            ),
            models.CheckConstraint(condition=Q(workdays__gte=1), name="deadlinerule_workdays_positive"),
        ]

    def __str__(self) -> str:
        return f"{self.source_type or '*'} / {self.urgency or '*'}: {self.workdays}"


# --- the daily work around an item (issue 16) -------------------------------------------------------------------


class SourceKind(models.TextChoices):
    MEETING_MINUTES = "meeting_minutes", _("meeting minutes")
    WORK_REPORT = "work_report", _("government work report")
    DOCUMENT = "document", _("document")
    INSTRUCTION = "instruction", _("leader's written instruction")
    OTHER = "other", _("other")


class SourceRecord(BaseModel):
    """One decision split into items (一事一项, 002 art. 5(1)): a meeting's minutes, a government work report, a
    document or a leader's 批示件, with its own ledger of items (001 §3 "同步建立台账")."""

    government = models.ForeignKey(
        "orgs.Unit", verbose_name=_("government"), on_delete=models.PROTECT, related_name="source_records"
    )
    kind = models.CharField(_("kind"), max_length=24, choices=SourceKind.choices)
    title = models.CharField(_("title"), max_length=200)
    # 文号 / 纪要号, e.g. "示政纪〔2026〕12号".
    reference = models.CharField(_("reference number"), max_length=100, blank=True)
    issued_on = models.DateField(_("date"), null=True, blank=True)
    # The meeting's chair or the leader who wrote the 批示.
    leader = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("leader"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    summary = models.TextField(_("summary"), blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("created by"), on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        verbose_name = _("source record")
        verbose_name_plural = _("source records")
        indexes = [models.Index(fields=["government", "-created_at", "-id"], name="sourcerecord_gov_idx")]

    def __str__(self) -> str:
        return self.title


class Instruction(BaseModel):
    """A leader's 批示 on an item, or on one of its reports."""

    item = models.ForeignKey(
        Item, verbose_name=_("item"), on_delete=models.CASCADE, related_name="instructions"
    )
    report = models.ForeignKey(
        Report,
        verbose_name=_("report"),
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="instructions",
    )
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("leader"), on_delete=models.PROTECT, related_name="+"
    )
    text = models.TextField(_("instruction"))

    class Meta:
        verbose_name = _("leader's instruction")
        verbose_name_plural = _("leader's instructions")
        indexes = [models.Index(fields=["item", "created_at"], name="instruction_item_idx")]

    def __str__(self) -> str:
        return self.text[:40]


class SiteCheckConclusion(models.TextChoices):
    CONFIRMED = "confirmed", _("confirmed on site")
    PROBLEMS = "problems", _("problems found on site")


class SiteCheck(BaseModel):
    """现场核验 before an important item is accepted (002 art. 5(5)): who went, when, what they found; photos are
    attachments pointing here."""

    item = models.ForeignKey(
        Item, verbose_name=_("item"), on_delete=models.CASCADE, related_name="site_checks"
    )
    checked_on = models.DateField(_("date of the visit"))
    inspectors = models.CharField(_("inspectors"), max_length=200)
    findings = models.TextField(_("findings"))
    conclusion = models.CharField(_("conclusion"), max_length=16, choices=SiteCheckConclusion.choices)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("recorded by"), on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        verbose_name = _("on-site verification")
        verbose_name_plural = _("on-site verifications")
        ordering = ["-checked_on", "-id"]

    def __str__(self) -> str:
        return f"{self.item_id}: {self.checked_on}"


class ConsolidatedStatus(models.TextChoices):
    PENDING_LEADER = "pending_leader", _("waiting for the leader")
    APPROVED = "approved", _("approved by the leader")
    RETURNED = "returned", _("returned by the leader")


class ConsolidatedReport(BaseModel):
    """The office's consolidated report on a complex item (002 art. 5(6)): the units' opinions gathered, closed with
    the leader's approval. `opinions` keeps what each unit reported when it was written."""

    item = models.ForeignKey(
        Item, verbose_name=_("item"), on_delete=models.CASCADE, related_name="consolidated_reports"
    )
    text = models.TextField(_("consolidated report"))
    opinions = models.JSONField(_("units' opinions"), default=list)
    status = models.CharField(
        _("status"),
        max_length=16,
        choices=ConsolidatedStatus.choices,
        default=ConsolidatedStatus.PENDING_LEADER,
    )
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("author"), on_delete=models.PROTECT, related_name="+"
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
    leader_comment = models.TextField(_("leader's comment"), blank=True)

    class Meta:
        verbose_name = _("consolidated report")
        verbose_name_plural = _("consolidated reports")
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"{self.item_id}: {self.get_status_display()}"


class Plan(BaseModel):
    """A unit's own implementation plan for its part of an item (004 §3(3)); its milestones are Milestone rows with
    the unit set."""

    assignment = models.OneToOneField(
        Assignment, verbose_name=_("assignment"), on_delete=models.CASCADE, related_name="plan"
    )
    text = models.TextField(_("implementation plan"))
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("author"), on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        verbose_name = _("implementation plan")
        verbose_name_plural = _("implementation plans")

    def __str__(self) -> str:
        return f"{self.assignment_id}"


class RecheckResult(models.TextChoices):
    PENDING = "pending", _("to be re-checked")
    CONFIRMED = "confirmed", _("result holds")
    PROBLEMS = "problems", _("problems found")


class Recheck(BaseModel):
    """A spot re-check of a closed item (001 §4, 003 §3(3)): drawn at random in a batch, then checked."""

    item = models.ForeignKey(Item, verbose_name=_("item"), on_delete=models.CASCADE, related_name="rechecks")
    batch = models.CharField(_("batch"), max_length=40)
    result = models.CharField(
        _("result"), max_length=16, choices=RecheckResult.choices, default=RecheckResult.PENDING
    )
    findings = models.TextField(_("findings"), blank=True)
    drawn_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("drawn by"), on_delete=models.PROTECT, related_name="+"
    )
    checked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("checked by"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    checked_at = models.DateTimeField(_("checked at"), null=True, blank=True)

    class Meta:
        verbose_name = _("spot re-check")
        verbose_name_plural = _("spot re-checks")
        constraints = [
            models.UniqueConstraint(fields=["item", "batch"], name="recheck_unique_item_batch"),
        ]
        indexes = [models.Index(fields=["batch", "result"], name="recheck_batch_idx")]

    def __str__(self) -> str:
        return f"{self.item_id}: {self.batch}"
