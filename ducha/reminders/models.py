"""Reminders (催办), the notifications they turn into, and every attempt to deliver them.

- `ReminderRule`: when a reminder is due (per kind, urgency and source type, step by step) and to whom.
- `Reminder`: one reminder of one person about one item — the fact that it went out. Its unique key
  (item, unit, recipient, kind, period) is written by the sweep *before* anything is sent, so a reminder goes out
  at most once however often the sweep runs, overlaps or crashes. It is also the unit's record (late sign-for,
  overdue, missed progress reports), indexed by (unit, kind, created_at).
- `Message`: what a person receives — one per recipient per run: a sweep's digest, a notice or a 催办; the in-app inbox.
- `Delivery` / `DeliveryAttempt`: a message on one external channel, and each try to send it (retries with
  exponential backoff; a dead letter after the last one, which an administrator can retry).
- `Chase`: a manual 催办 by the office; `Tracker`: the named person following an item (专人跟踪).
- `ChannelPreference` (each user's channels), `MandatoryChannel` (kinds the office makes mandatory on a channel),
  `WebhookEndpoint` (group robots), `ReminderRun` (one row per sweep, notice or 催办: the digests' unit).

Write through services.py; read through selectors.py.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from ducha.common.models import BaseModel
from ducha.items.models import SourceType, Urgency


class ReminderKind(models.TextChoices):
    ASSIGNED = "assigned", _("new assignment")
    NOT_SIGNED = "not_signed", _("not signed for")
    DUE_SOON = "due_soon", _("due soon")
    DUE_TODAY = "due_today", _("due today")
    OVERDUE = "overdue", _("overdue")
    PROGRESS_DUE = "progress_due", _("progress report due")
    REPORT_CHECK = "report_check", _("completion report waiting for the unit head")
    REVIEW = "review", _("completion report waiting for the office's review")
    EXTENSION = "extension", _("extension request waiting for a decision")
    CHASE = "chase", _("chased by the office")

    @classmethod
    def late(cls) -> list[str]:
        """The kinds that say a unit was late — not signed for, overdue, a progress report due or missed, chased
        by the office: the unit's record for scoring (indexed by unit; the others are only notices)."""
        return [cls.NOT_SIGNED, cls.OVERDUE, cls.PROGRESS_DUE, cls.CHASE]

    @classmethod
    def swept(cls) -> list[str]:
        """The kinds the periodic sweep sends, each configured by ReminderRule rows."""
        return [
            cls.NOT_SIGNED,
            cls.DUE_SOON,
            cls.DUE_TODAY,
            cls.OVERDUE,
            cls.PROGRESS_DUE,
            cls.REPORT_CHECK,
            cls.REVIEW,
            cls.EXTENSION,
        ]


class Audience(models.TextChoices):
    LIAISON = "liaison", _("the unit's liaison")
    HANDLER = "handler", _("the unit's handlers")
    UNIT_HEAD = "unit_head", _("the unit head")
    OFFICE = "office", _("the supervision office")
    LEADER = "leader", _("the responsible leader")
    TRACKER = "tracker", _("the item's named tracker")


class Channel(models.TextChoices):
    INBOX = "inbox", _("in-app inbox")
    EMAIL = "email", _("e-mail")
    SMS = "sms", _("SMS")
    WEBHOOK = "webhook", _("group robot (webhook)")

    @classmethod
    def external(cls) -> list[str]:
        return [cls.EMAIL, cls.SMS, cls.WEBHOOK]


class ReminderRule(BaseModel):
    """One step of a reminder kind. The steps of the most specific (urgency, source type) that has any active
    steps apply to an item; blank means any.

    `offset_workdays` counts working days from the kind's anchor, negative before it:
      due_soon, due_today, overdue → the due date (e.g. -3, 0, +1, +3 …);
      progress_due → the last working day of the reporting period (-2: before it ends; +1: missed);
      report_check → the day the completion report was filed; review → the day it reached the office;
      extension → the day it was requested (pending: the office; endorsed: the leader).
    not_signed counts `offset_hours` working hours from the notification instead (8 hours = a working day).
    """

    kind = models.CharField(
        _("kind"), max_length=24, choices=[(k, ReminderKind(k).label) for k in ReminderKind.swept()]
    )
    urgency = models.CharField(_("urgency"), max_length=16, choices=Urgency.choices, blank=True)
    source_type = models.CharField(_("source type"), max_length=32, choices=SourceType.choices, blank=True)
    step = models.PositiveSmallIntegerField(_("step"))
    offset_workdays = models.SmallIntegerField(_("working days from the anchor"), default=0)
    offset_hours = models.PositiveSmallIntegerField(_("working hours (not signed for)"), default=0)
    to_liaison = models.BooleanField(_("to the unit's liaison"), default=False)
    to_handler = models.BooleanField(_("to the unit's handlers"), default=False)
    to_unit_head = models.BooleanField(_("to the unit head"), default=False)
    to_office = models.BooleanField(_("to the supervision office"), default=False)
    to_leader = models.BooleanField(_("to the responsible leader"), default=False)
    to_tracker = models.BooleanField(_("to the named tracker"), default=True)
    is_active = models.BooleanField(_("active"), default=True)

    class Meta:
        verbose_name = _("reminder rule")
        verbose_name_plural = _("reminder rules")
        ordering = ["kind", "urgency", "source_type", "step"]
        constraints = [
            models.UniqueConstraint(
                fields=["kind", "urgency", "source_type", "step"], name="reminderrule_unique_step"
            ),
            models.CheckConstraint(
                condition=Q(offset_workdays__gte=-60) & Q(offset_workdays__lte=120),
                name="reminderrule_offset_range",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.kind} {self.urgency or '*'}/{self.source_type or '*'} #{self.step}"

    def audiences(self) -> list[str]:
        return [
            audience
            for audience, flag in (
                (Audience.LIAISON, self.to_liaison),
                (Audience.HANDLER, self.to_handler),
                (Audience.UNIT_HEAD, self.to_unit_head),
                (Audience.OFFICE, self.to_office),
                (Audience.LEADER, self.to_leader),
                (Audience.TRACKER, self.to_tracker),
            )
            if flag
        ]


class ReminderRun(models.Model):
    """One batch of reminders written together: a sweep, an event's notices (交办, a decision waiting) or a 催办.
    Each recipient gets one message per run (the digest)."""

    class Source(models.TextChoices):
        SWEEP = "sweep", _("periodic sweep")
        EVENT = "event", _("event notice")
        CHASE = "chase", _("manual chase")

    class Status(models.TextChoices):
        RUNNING = "running", _("running")
        DONE = "done", _("done")
        FAILED = "failed", _("failed")

    id = models.BigAutoField(primary_key=True)
    source = models.CharField(_("source"), max_length=8, choices=Source.choices, default=Source.SWEEP)
    at = models.DateTimeField(_("as of"))
    started_at = models.DateTimeField(_("started at"))
    finished_at = models.DateTimeField(_("finished at"), null=True, blank=True)
    status = models.CharField(_("status"), max_length=8, choices=Status.choices, default=Status.RUNNING)
    in_window = models.BooleanField(_("inside the sending window"), default=False)
    counts = models.JSONField(_("counts"), default=dict, blank=True)

    class Meta:
        verbose_name = _("reminder run")
        verbose_name_plural = _("reminder runs")
        ordering = ["-id"]

    def __str__(self) -> str:
        return f"{self.source} {self.pk} @ {self.at:%Y-%m-%d %H:%M}"


class Chase(models.Model):
    """A manual 催办: the office chases one unit on one item, with a message."""

    id = models.BigAutoField(primary_key=True)
    item = models.ForeignKey(
        "items.Item", verbose_name=_("item"), on_delete=models.CASCADE, related_name="chases"
    )
    unit = models.ForeignKey("orgs.Unit", verbose_name=_("unit"), on_delete=models.PROTECT, related_name="+")
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("chased by"), on_delete=models.PROTECT, related_name="+"
    )
    text = models.TextField(_("message"))
    created_at = models.DateTimeField(_("time"))

    class Meta:
        verbose_name = _("chase")
        verbose_name_plural = _("chases")

    def __str__(self) -> str:
        return f"{self.item_id} → {self.unit_id}"


class Tracker(BaseModel):
    """The named person (专人跟踪) who follows an item, typically an 特急 one, and receives its reminders."""

    item = models.OneToOneField(
        "items.Item", verbose_name=_("item"), on_delete=models.CASCADE, related_name="tracker"
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("tracker"), on_delete=models.PROTECT, related_name="tracked"
    )
    named_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("named by"), on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        verbose_name = _("named tracker")
        verbose_name_plural = _("named trackers")

    def __str__(self) -> str:
        return f"{self.item_id}: {self.user_id}"


class Message(models.Model):
    """What one person receives at once: a digest of a sweep's reminders, a notice or a 催办. The inbox."""

    id = models.BigAutoField(primary_key=True)
    recipient = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("recipient"),
        on_delete=models.CASCADE,
        related_name="messages",
        db_index=False,  # covered by message_inbox_idx
    )
    run = models.ForeignKey(
        ReminderRun,
        verbose_name=_("run"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="messages",
        db_index=False,  # covered by message_one_per_run
    )
    subject = models.CharField(_("subject"), max_length=200)
    # Where the message leads, for a notice about one thing with a page of its own (a background job's page).
    link = models.CharField(_("link"), max_length=200, blank=True)
    # Its lines are its reminders (the run's reminders of its recipient), read by selectors.message_lines.
    line_count = models.PositiveIntegerField(_("number of reminders"), default=0)
    created_at = models.DateTimeField(_("time"))
    read_at = models.DateTimeField(_("read at"), null=True, blank=True)

    class Meta:
        verbose_name = _("message")
        verbose_name_plural = _("messages")
        constraints = [
            models.UniqueConstraint(
                fields=["run", "recipient"],
                condition=Q(run__isnull=False),
                name="message_one_per_run",
            )
        ]
        indexes = [
            models.Index(fields=["recipient", "-id"], name="message_inbox_idx"),
            models.Index(fields=["recipient"], condition=Q(read_at__isnull=True), name="message_unread_idx"),
        ]

    # Attached by selectors.with_lines, not stored.
    lines: list[dict[str, Any]]

    def __str__(self) -> str:
        return self.subject

    @property
    def is_read(self) -> bool:
        return self.read_at is not None


class Reminder(models.Model):
    """One reminder of one person about one item. A log written by the hundred thousand per sweep at national
    scale, so its references are not checked by the database row by row (`db_constraint=False`, like the audit
    log's subject): every row is selected from existing items, units and users in the transaction that writes it,
    and deletions go through Django, which applies `on_delete`."""

    id = models.BigAutoField(primary_key=True)
    # What it is about: an item, or an inspection's rectification (整改) — exactly one of the two.
    item = models.ForeignKey(
        "items.Item",
        verbose_name=_("item"),
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="reminders",
        db_index=False,  # covered by reminder_once
        db_constraint=False,
    )
    rectification = models.ForeignKey(
        "inspections.Rectification",
        verbose_name=_("rectification"),
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="reminders",
        db_index=False,  # covered by reminder_rectification_once
        db_constraint=False,
    )
    # The unit the reminder is about (the late one), whoever receives it: its record for later scoring.
    unit = models.ForeignKey(
        "orgs.Unit",
        verbose_name=_("unit"),
        on_delete=models.PROTECT,
        related_name="+",
        db_index=False,  # the unit's record: reminder_unit_record_idx
        db_constraint=False,
    )
    recipient = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("recipient"),
        on_delete=models.CASCADE,
        related_name="reminders",
        # Read through (run, recipient) and the unique key; users are deactivated, hardly ever deleted.
        db_index=False,
        db_constraint=False,
    )
    audience = models.CharField(_("as"), max_length=16, choices=Audience.choices)
    kind = models.CharField(_("kind"), max_length=24, choices=ReminderKind.choices)
    # What makes this reminder distinct from earlier ones of the same kind: the due date and step, the reporting
    # period, the report, the extension request or the chase.
    period = models.CharField(_("period"), max_length=48)
    step = models.PositiveSmallIntegerField(_("step"), default=0)
    due_date = models.DateField(_("due date"), null=True, blank=True)
    created_at = models.DateTimeField(_("sent at"))
    # The run that wrote it; its message is the run's message to its recipient (unique per run and recipient).
    run = models.ForeignKey(
        ReminderRun,
        verbose_name=_("run"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        db_index=False,  # covered by reminder_run_idx
        db_constraint=False,
    )
    chase = models.ForeignKey(
        Chase,
        verbose_name=_("chase"),
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="reminders",
        db_index=False,  # covered by reminder_chase_idx
    )

    # Attached by selectors.item_reminder_log, not stored: the message it went out in.
    message: Message | None

    class Meta:
        verbose_name = _("reminder")
        verbose_name_plural = _("reminders")
        constraints = [
            models.UniqueConstraint(
                fields=["item", "unit", "recipient", "kind", "period"],
                condition=Q(item__isnull=False),
                name="reminder_once",
            ),
            models.UniqueConstraint(
                fields=["rectification", "unit", "recipient", "kind", "period"],
                condition=Q(rectification__isnull=False),
                name="reminder_rectification_once",
            ),
            models.CheckConstraint(
                condition=Q(item__isnull=False, rectification__isnull=True)
                | Q(item__isnull=True, rectification__isnull=False),
                name="reminder_one_subject",
            ),
        ]
        indexes = [
            models.Index(
                fields=["unit", "kind", "created_at"],
                condition=Q(kind__in=ReminderKind.late()),
                name="reminder_unit_record_idx",
            ),
            models.Index(fields=["run", "recipient"], name="reminder_run_idx"),
            models.Index(fields=["chase"], condition=Q(chase__isnull=False), name="reminder_chase_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.kind} {self.item_id} → {self.recipient_id} ({self.period})"


class DeliveryStatus(models.TextChoices):
    PENDING = "pending", _("waiting to be sent")
    SENDING = "sending", _("sending")
    RETRY = "retry", _("failed, will retry")
    SENT = "sent", _("delivered")
    DEAD = "dead", _("failed for good (dead letter)")


class Delivery(models.Model):
    """A message on one external channel. Sent by a task; claimed with a conditional UPDATE so that two workers
    never send the same delivery; one DeliveryAttempt row per try."""

    id = models.BigAutoField(primary_key=True)
    message = models.ForeignKey(
        Message,
        verbose_name=_("message"),
        on_delete=models.CASCADE,
        related_name="deliveries",
        db_index=False,  # covered by delivery_one_per_channel
    )
    channel = models.CharField(_("channel"), max_length=16, choices=Channel.choices)
    # The address used: e-mail address, phone number or robot URL (snapshot at creation).
    target = models.CharField(_("address"), max_length=500, blank=True)
    status = models.CharField(
        _("status"), max_length=8, choices=DeliveryStatus.choices, default=DeliveryStatus.PENDING
    )
    attempts = models.PositiveSmallIntegerField(_("attempts"), default=0)
    next_attempt_at = models.DateTimeField(_("next attempt at"))
    # When a send task was queued for it (or last found still waiting in the queue), and that task's id: the sweep
    # queues a delivery again only when the task is gone from the queue, never while it waits its turn.
    enqueued_at = models.DateTimeField(_("queued at"), null=True, blank=True)
    task_id = models.CharField(_("queued task"), max_length=64, blank=True)
    claimed_at = models.DateTimeField(_("claimed at"), null=True, blank=True)
    sent_at = models.DateTimeField(_("delivered at"), null=True, blank=True)
    dead_at = models.DateTimeField(_("dead-lettered at"), null=True, blank=True)
    last_error = models.TextField(_("last error"), blank=True)
    created_at = models.DateTimeField(_("created at"))

    class Meta:
        verbose_name = _("delivery")
        verbose_name_plural = _("deliveries")
        constraints = [
            models.UniqueConstraint(fields=["message", "channel"], name="delivery_one_per_channel")
        ]
        indexes = [
            models.Index(fields=["status", "next_attempt_at"], name="delivery_due_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.channel} #{self.message_id}: {self.status}"


class DeliveryAttempt(models.Model):
    id = models.BigAutoField(primary_key=True)
    delivery = models.ForeignKey(
        Delivery, verbose_name=_("delivery"), on_delete=models.CASCADE, related_name="attempt_log"
    )
    number = models.PositiveSmallIntegerField(_("attempt"))
    started_at = models.DateTimeField(_("started at"))
    finished_at = models.DateTimeField(_("finished at"), null=True, blank=True)
    is_success = models.BooleanField(_("succeeded"), default=False)
    error = models.TextField(_("error"), blank=True)
    response = models.CharField(_("response"), max_length=500, blank=True)

    class Meta:
        verbose_name = _("delivery attempt")
        verbose_name_plural = _("delivery attempts")
        ordering = ["delivery", "number"]

    def __str__(self) -> str:
        return f"{self.delivery_id} #{self.number}"


class ChannelPreference(models.Model):
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("user"),
        on_delete=models.CASCADE,
        related_name="channel_preferences",
    )
    channel = models.CharField(_("channel"), max_length=16, choices=Channel.choices)
    is_enabled = models.BooleanField(_("enabled"), default=True)

    class Meta:
        verbose_name = _("channel preference")
        verbose_name_plural = _("channel preferences")
        constraints = [
            models.UniqueConstraint(fields=["user", "channel"], name="channelpreference_unique_user_channel")
        ]

    def __str__(self) -> str:
        return f"{self.user_id} {self.channel}: {self.is_enabled}"


class MandatoryChannel(models.Model):
    """Reminders of this kind always go on this channel, whatever the recipient chose (set by the office)."""

    kind = models.CharField(_("kind"), max_length=24, choices=ReminderKind.choices)
    channel = models.CharField(
        _("channel"), max_length=16, choices=[(c, Channel(c).label) for c in Channel.external()]
    )
    set_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("set by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )

    class Meta:
        verbose_name = _("mandatory channel")
        verbose_name_plural = _("mandatory channels")
        constraints = [
            models.UniqueConstraint(fields=["kind", "channel"], name="mandatorychannel_unique_kind_channel")
        ]

    def __str__(self) -> str:
        return f"{self.kind} → {self.channel}"


class WebhookStyle(models.TextChoices):
    WECOM = "wecom", _("WeCom (政务微信) group robot")
    DINGTALK = "dingtalk", _("DingTalk group robot")


class WebhookEndpoint(BaseModel):
    """A group robot. A user who chooses the webhook channel is posted to their unit's robot, else the default
    (the one without a unit)."""

    name = models.CharField(_("name"), max_length=100)
    url = models.URLField(_("URL"), max_length=500)
    style = models.CharField(
        _("style"), max_length=16, choices=WebhookStyle.choices, default=WebhookStyle.WECOM
    )
    use_markdown = models.BooleanField(_("markdown card"), default=True)
    unit = models.OneToOneField(
        "orgs.Unit",
        verbose_name=_("unit"),
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="webhook_endpoint",
    )
    is_active = models.BooleanField(_("active"), default=True)

    class Meta:
        verbose_name = _("group robot")
        verbose_name_plural = _("group robots")

    def __str__(self) -> str:
        return self.name
