"""Append-only audit events: the timeline of every item and the record of every change.

Written explicitly by services in the same transaction as the change they record, never by signals; never updated
or deleted. Three guards, from the weakest:

- Python: save() of an existing row and delete() refuse.
- The database (triggers made by migration audit 0006): on PostgreSQL and SQLite they refuse every DELETE (and
  TRUNCATE on PostgreSQL), and every UPDATE except the sealer's (chain_seq and chain_hash of an unsealed row) and one
  exception: `created_at` of an UNSEALED row may change — the demo builder moves its freshly made events into the
  items' past once, before anything seals them (ducha.devtools.demo.items.history.events_follow_fields). A
  queryset's update() or delete() and plain SQL are refused alike. `ducha flush` lifts the triggers only on a test
  database or with --erase-audit-log (ducha/audit/management/commands/flush.py). A migration that makes SQLite
  rebuild the table (most AlterField) drops its triggers, and a new column must be added to the triggers' list of
  columns that never change: such a migration installs them again (copy 0006's SQL); `ducha audit verify` reports
  missing or disabled guards (ducha.audit.chain.guards_missing).
- Tamper evidence (ducha.audit.chain): writers insert events unsealed; the sealer (every scheduler round, or
  `ducha audit seal`) chains them in seal order, chain_hash = SM3(previous hash || canonical event), and the chain
  head is anchored daily in a file outside the database and in the next day's first event (AUDIT_ANCHORED).
  `ducha audit verify` recomputes the chain and names the first broken link.

Retention: events are never deleted within settings.DUCHA_AUDIT_RETENTION_DAYS (at least 180 days) — nothing in
the product deletes them at all, and the DELETE trigger makes that absolute; removing events older than the
retention period is a deliberate database-owner operation outside the application.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class EventType(models.TextChoices):
    # Items: the lifecycle
    ITEM_CREATED = "item_created", _("created")
    ITEM_UPDATED = "item_updated", _("edited")
    ITEM_SUBMITTED = "item_submitted", _("submitted for approval")
    ITEM_APPROVED = "item_approved", _("approved and registered")
    ITEM_REJECTED = "item_rejected", _("rejected")
    ITEM_REVISED = "item_revised", _("taken back for revision")
    ITEM_ASSIGNED = "item_assigned", _("assigned")
    ITEM_SIGNED = "item_signed", _("signed for")
    ITEM_PROGRESS = "item_progress", _("progress reported")
    ITEM_REPORTED = "item_reported", _("completion report filed")
    ITEM_REPORT_APPROVED = "item_report_approved", _("completion report checked by the unit head")
    ITEM_REPORT_RETURNED = "item_report_returned", _("completion report returned by the unit head")
    ITEM_REVIEW_ACCEPTED = "item_review_accepted", _("review passed")
    ITEM_REVIEW_RETURNED = "item_review_returned", _("returned to be redone")
    ITEM_CLOSED = "item_closed", _("closed")
    ITEM_ARCHIVED = "item_archived", _("archived")
    ITEM_CANCEL_REQUESTED = "item_cancel_requested", _("withdrawal requested")
    ITEM_CANCEL_REFUSED = "item_cancel_refused", _("withdrawal refused")
    ITEM_CANCELLED = "item_cancelled", _("withdrawn")
    ITEM_EXTENSION_REQUESTED = "item_extension_requested", _("extension requested")
    ITEM_EXTENSION_ENDORSED = "item_extension_endorsed", _("extension endorsed by the office")
    ITEM_EXTENSION_GRANTED = "item_extension_granted", _("extension granted")
    ITEM_EXTENSION_REFUSED = "item_extension_refused", _("extension refused")
    ITEM_DELEGATED = "item_delegated", _("delegated")
    ITEM_DISPUTE_ESCALATED = "item_dispute_escalated", _("disagreement escalated")
    ITEM_DISPUTE_COORDINATED = "item_dispute_coordinated", _("coordination recorded")
    ITEM_DISPUTE_RULED = "item_dispute_ruled", _("leader's ruling recorded")
    ITEM_DEADLINE_RECOMPUTED = "item_deadline_recomputed", _("due date recomputed")
    ITEM_ATTACHMENT_ADDED = "item_attachment_added", _("attachment added")
    ITEM_VIEWED = "item_viewed", _("viewed (confidential item)")
    # Items: reminders and 催办 (ducha.reminders)
    ITEM_REMINDED = "item_reminded", _("reminder sent")
    ITEM_CHASED = "item_chased", _("chased by the office")
    ITEM_TRACKER_SET = "item_tracker_set", _("named tracker set")
    # Inspections (督查活动)
    INSPECTION_PLAN_CREATED = "inspection_plan_created", _("annual inspection plan created")
    INSPECTION_PLAN_PROPOSED = "inspection_plan_proposed", _("inspection proposed for the annual plan")
    INSPECTION_PLAN_PROPOSAL_DECIDED = "inspection_plan_proposal_decided", _("plan proposal decided")
    INSPECTION_PLAN_SUBMITTED = "inspection_plan_submitted", _("annual plan submitted for approval")
    INSPECTION_PLAN_APPROVED = "inspection_plan_approved", _("annual plan approved")
    INSPECTION_PLAN_RETURNED = "inspection_plan_returned", _("annual plan returned")
    INSPECTION_DESIGNATED = "inspection_designated", _("department designated to inspect")
    INSPECTION_CREATED = "inspection_created", _("inspection proposed")
    INSPECTION_UPDATED = "inspection_updated", _("inspection plan edited")
    INSPECTION_TEAM_SET = "inspection_team_set", _("inspection team set")
    INSPECTION_TEAM_TRAINED = "inspection_team_trained", _("team member trained")
    INSPECTION_SUBMITTED = "inspection_submitted", _("inspection submitted for approval")
    INSPECTION_APPROVED = "inspection_approved", _("inspection approved")
    INSPECTION_FILED = "inspection_filed", _("out-of-plan inspection filed")
    INSPECTION_REJECTED = "inspection_rejected", _("inspection rejected")
    INSPECTION_REVISED = "inspection_revised", _("inspection taken back for revision")
    INSPECTION_TARGETS_NOTIFIED = "inspection_targets_notified", _("targets notified")
    INSPECTION_AMENDMENT_REQUESTED = "inspection_amendment_requested", _("change of plan requested")
    INSPECTION_AMENDMENT_APPLIED = "inspection_amendment_applied", _("change of plan applied")
    INSPECTION_AMENDMENT_REJECTED = "inspection_amendment_rejected", _("change of plan rejected")
    INSPECTION_STARTED = "inspection_started", _("fieldwork started")
    INSPECTION_FINISHED = "inspection_finished", _("fieldwork finished")
    INSPECTION_BURDEN_RECORDED = "inspection_burden_recorded", _("burden on a target recorded")
    INSPECTION_FINDING_ADDED = "inspection_finding_added", _("finding recorded")
    INSPECTION_EVIDENCE_ADDED = "inspection_evidence_added", _("evidence added")
    INSPECTION_EVIDENCE_REUSED = "inspection_evidence_reused", _("evidence file used again (flagged)")
    INSPECTION_CONCLUSION_DRAFTED = "inspection_conclusion_drafted", _("conclusion drafted")
    INSPECTION_CONCLUSION_UPDATED = "inspection_conclusion_updated", _("conclusion edited")
    INSPECTION_CONCLUSION_SUBMITTED = (
        "inspection_conclusion_submitted",
        _("conclusion submitted for approval"),
    )
    INSPECTION_CONCLUSION_APPROVED = "inspection_conclusion_approved", _("conclusion approved")
    INSPECTION_CONCLUSION_RETURNED = "inspection_conclusion_returned", _("conclusion returned")
    INSPECTION_CONCLUSION_ISSUED = "inspection_conclusion_issued", _("conclusion issued to the target")
    INSPECTION_CONCLUSION_ACKNOWLEDGED = "inspection_conclusion_acknowledged", _("conclusion acknowledged")
    INSPECTION_OBJECTION_FILED = "inspection_objection_filed", _("objection filed (review requested)")
    INSPECTION_REVIEWERS_ASSIGNED = "inspection_reviewers_assigned", _("reviewers assigned")
    INSPECTION_REVIEW_DECIDED = "inspection_review_decided", _("review decided and sent to the target")
    INSPECTION_RECTIFICATION_CREATED = "inspection_rectification_created", _("rectification task created")
    INSPECTION_RECTIFICATION_PLANNED = "inspection_rectification_planned", _("rectification plan submitted")
    INSPECTION_RECTIFICATION_PROGRESS = (
        "inspection_rectification_progress",
        _("rectification progress reported"),
    )
    INSPECTION_RECTIFICATION_REPORTED = (
        "inspection_rectification_reported",
        _("rectification reported complete"),
    )
    INSPECTION_RECTIFICATION_VERIFIED = "inspection_rectification_verified", _("rectification verified")
    INSPECTION_RECTIFICATION_FAILED = (
        "inspection_rectification_failed",
        _("rectification failed verification"),
    )
    INSPECTION_RECTIFICATION_CLOSED = "inspection_rectification_closed", _("rectification closed")
    RECTIFICATION_REMINDED = "rectification_reminded", _("rectification reminder sent")
    INSPECTION_RECTIFICATION_CANCELLED = "inspection_rectification_cancelled", _("rectification cancelled")
    INSPECTION_FOLLOWUP_SCHEDULED = "inspection_followup_scheduled", _("follow-up visit scheduled")
    INSPECTION_FOLLOWUP_CREATED = "inspection_followup_created", _("follow-up inspection created")
    INSPECTION_RESULT_PROPOSED = (
        "inspection_result_proposed",
        _("praise, criticism or accountability proposed"),
    )
    INSPECTION_RESULT_DECIDED = "inspection_result_decided", _("proposal decided by the government")
    INSPECTION_CLOSED = "inspection_closed", _("inspection closed")
    INSPECTION_CANCELLED = "inspection_cancelled", _("inspection withdrawn")
    INSPECTION_VIEWED = "inspection_viewed", _("viewed (unannounced inspection)")
    INSPECTION_RECTIFYING = "inspection_rectifying", _("every conclusion issued: rectification under way")
    # Official documents (on the subject's timeline)
    DOCUMENT_ISSUED = "document_issued", _("document issued")
    DOCUMENT_CORRECTED = "document_corrected", _("document corrected")
    DOSSIER_EXPORTED = "dossier_exported", _("archive dossier written")
    # Evaluation and the year's ledger
    LEDGER_OPENED = "ledger_opened", _("year's ledger drawn up")
    LEDGER_ENTRIES_ADDED = "ledger_entries_added", _("tasks put on the ledger")
    LEDGER_ENTRY_REMOVED = "ledger_entry_removed", _("task taken off the ledger")
    LEDGER_SUBMITTED = "ledger_submitted", _("ledger submitted for approval")
    LEDGER_APPROVED = "ledger_approved", _("ledger approved")
    LEDGER_RETURNED = "ledger_returned", _("ledger returned")
    LEDGER_CONFIRMED = "ledger_confirmed", _("unit's list confirmed")
    LEDGER_OBJECTED = "ledger_objected", _("objection to the unit's list")
    LEDGER_OBJECTION_ANSWERED = "ledger_objection_answered", _("objection answered by the office")
    LEDGER_CHECKED = "ledger_checked", _("mid-year check made")
    LEDGER_EXPLAINED = "ledger_explained", _("explanation given")
    LEDGER_NOTE_ADDED = "ledger_note_added", _("stage record added")
    LEDGER_CORRECTED = "ledger_corrected", _("correction recorded after the close")
    LEDGER_CARRIED_OVER = "ledger_carried_over", _("task carried over to next year")
    LEDGER_CLOSED = "ledger_closed", _("year's ledger closed and frozen")
    EVALUATION_SCHEME_SET = "evaluation_scheme_set", _("evaluation weights set")
    PERIOD_REPORT_GENERATED = "period_report_generated", _("report to the level above generated")
    PERIOD_REPORT_APPROVED = "period_report_approved", _("report to the level above approved")
    PERIOD_REPORT_SUBMITTED = "period_report_submitted", _("report submitted to the level above")
    # Results and accountability
    TRIGGER_SET = "trigger_set", _("accountability trigger set")
    TRIGGERS_RUN = "triggers_run", _("the day's accountability triggers run")
    FACT_RECORDED = "fact_recorded", _("fact recorded for the triggers")
    PROPOSAL_ACCEPTED = "proposal_accepted", _("proposal accepted")
    PROPOSAL_DISMISSED = "proposal_dismissed", _("proposal dismissed")
    SANCTION_DECIDED = "sanction_decided", _("sanction decided")
    SANCTION_APPROVED = "sanction_approved", _("sanction approved by the government")
    SANCTION_REFUSED = "sanction_refused", _("sanction not approved")
    SANCTION_ANSWERED = "sanction_answered", _("the unit answered the sanction")
    SANCTION_FOLLOWED_UP = "sanction_followed_up", _("sanction followed up")
    REFERRAL_SENT = "referral_sent", _("referral sent")
    REFERRAL_RECEIVED = "referral_received", _("referral received by the body")
    REFERRAL_DECIDED = "referral_decided", _("the body's decision fed back")
    COMMENDATION_PROPOSED = "commendation_proposed", _("proposed for commendation")
    COMMENDATION_CLEARED = "commendation_cleared", _("commendation cleared by the office")
    COMMENDATION_VETOED = "commendation_vetoed", _("commendation vetoed")
    COMMENDATION_OVERRIDDEN = "commendation_overridden", _("veto overridden by the leader")
    BULLETIN_DRAFTED = "bulletin_drafted", _("bulletin drafted")
    BULLETIN_EDITED = "bulletin_edited", _("bulletin edited")
    BULLETIN_SUBMITTED = "bulletin_submitted", _("bulletin submitted for approval")
    BULLETIN_APPROVED = "bulletin_approved", _("bulletin approved")
    BULLETIN_RETURNED = "bulletin_returned", _("bulletin returned")
    BULLETIN_ISSUED = "bulletin_issued", _("bulletin issued")
    BULLETIN_PUBLISHED = "bulletin_published", _("bulletin published")
    # 互联网+督查
    CLUES_RECEIVED = "clues_received", _("clues received")
    CLUE_MOVED = "clue_moved", _("clue moved to another case")
    CLUE_REJECTED = "clue_rejected", _("clue not accepted")
    CLUE_REPORTER_VIEWED = "clue_reporter_viewed", _("reporter's identity viewed")
    CLUE_SOURCE_BLOCKED = "clue_source_blocked", _("source blocked for abuse")
    CASE_ACCEPTED = "case_accepted", _("case accepted")
    CASE_ROUTED = "case_routed", _("case assigned as a supervision item")
    CASE_CHECK_OPENED = "case_check_opened", _("clue check opened")
    CASE_CLOSED = "case_closed", _("case closed")
    ANSWER_DRAFTED = "answer_drafted", _("answer drafted")
    ANSWER_SUBMITTED = "answer_submitted", _("answer submitted for review")
    ANSWER_RETURNED = "answer_returned", _("answer returned")
    ANSWER_PUBLISHED = "answer_published", _("answer published")
    UNIT_DUTIES_SET = "unit_duties_set", _("unit duties set")
    BRIEF_SENT = "brief_sent", _("weekly brief sent to the leaders")
    # The daily work around an item (issue 16)
    SOURCE_RECORD_CREATED = "source_record_created", _("source record created")
    SOURCE_RECORD_UPDATED = "source_record_updated", _("source record changed")
    ITEM_INSTRUCTION = "item_instruction", _("leader's instruction written")
    ITEM_LEADER_SET = "item_leader_set", _("leader in charge set")
    ITEM_SITE_CHECKED = "item_site_checked", _("on-site verification recorded")
    ITEM_CONSOLIDATED_SUBMITTED = (
        "item_consolidated_submitted",
        _("consolidated report submitted to the leader"),
    )
    ITEM_CONSOLIDATED_APPROVED = "item_consolidated_approved", _("consolidated report approved by the leader")
    ITEM_CONSOLIDATED_RETURNED = "item_consolidated_returned", _("consolidated report returned by the leader")
    ITEM_PLAN_SAVED = "item_plan_saved", _("implementation plan saved")
    ITEM_MILESTONE_DONE = "item_milestone_done", _("milestone completed")
    ITEM_PROGRESS_CHECKED = "item_progress_checked", _("progress report checked by the unit head")
    ITEM_PROGRESS_RETURNED = "item_progress_returned", _("progress report returned by the unit head")
    ITEM_RECHECK_DRAWN = "item_recheck_drawn", _("drawn for a spot re-check")
    ITEM_RECHECKED = "item_rechecked", _("spot re-check recorded")
    # Master data
    CALENDAR_YEAR_SET = "calendar_year_set", _("working-day arrangement entered")
    ADMIN_CREATED = "admin_created", _("created in the administration")
    ADMIN_CHANGED = "admin_changed", _("changed in the administration")
    ADMIN_DELETED = "admin_deleted", _("deleted in the administration")
    UNIT_CREATED = "unit_created", _("unit created")
    TOKEN_ISSUED = "token_issued", _("API token issued")
    # Security events (issue 17): subject_type "user" (subject_id the account; 0 when the name matched none).
    SIGNED_IN = "signed_in", _("signed in")
    SIGN_IN_FAILED = "sign_in_failed", _("sign-in failed")
    LOCKED_OUT = "locked_out", _("locked out after failed sign-ins")
    UNLOCKED = "unlocked", _("lockout lifted")
    SIGNED_OUT = "signed_out", _("signed out")
    SIGNED_OUT_EVERYWHERE = "signed_out_everywhere", _("signed out on every device")
    SESSION_EXPIRED = "session_expired", _("session expired")
    PASSWORD_CHANGED = "password_changed", _("password changed")
    PASSWORD_SET_BY_ADMIN = "password_set_by_admin", _("password set by the administrator")
    OTP_ENROLLED = "otp_enrolled", _("authenticator bound")
    OTP_RESET = "otp_reset", _("authenticator unbound")
    OTP_FAILED = "otp_failed", _("wrong one-time code")
    RECOVERY_CODES_ISSUED = "recovery_codes_issued", _("recovery codes issued")
    RECOVERY_CODE_USED = "recovery_code_used", _("recovery code used")
    TOKEN_REVOKED = "token_revoked", _("API token revoked")
    PERMISSION_REFUSED = "permission_refused", _("access refused")
    EXPORTED = "exported", _("data exported")
    UPLOAD_REFUSED = "upload_refused", _("upload refused")
    AUDIT_ANCHORED = "audit_anchored", _("audit chain anchored")
    BACKUP_MADE = "backup_made", _("backup made")
    FIELD_KEY_ROTATED = "field_key_rotated", _("personal data re-sealed under a new key")


# The account's own life, as its owner sees it on 登录记录 (ducha.orgs.security).
ACCOUNT_EVENT_TYPES: tuple[str, ...] = (
    EventType.SIGNED_IN,
    EventType.SIGN_IN_FAILED,
    EventType.LOCKED_OUT,
    EventType.UNLOCKED,
    EventType.SIGNED_OUT,
    EventType.SIGNED_OUT_EVERYWHERE,
    EventType.SESSION_EXPIRED,
    EventType.PASSWORD_CHANGED,
    EventType.PASSWORD_SET_BY_ADMIN,
    EventType.OTP_ENROLLED,
    EventType.OTP_RESET,
    EventType.OTP_FAILED,
    EventType.RECOVERY_CODES_ISSUED,
    EventType.RECOVERY_CODE_USED,
    EventType.TOKEN_ISSUED,
    EventType.TOKEN_REVOKED,
)
# What the auditor's "security events only" shows: the accounts' life, refusals, exports, the log's own anchors,
# backups, and the reads of what is secret (confidential items, unannounced inspections, reporters' identities).
SECURITY_EVENT_TYPES: tuple[str, ...] = (
    *ACCOUNT_EVENT_TYPES,
    EventType.PERMISSION_REFUSED,
    EventType.EXPORTED,
    EventType.UPLOAD_REFUSED,
    EventType.AUDIT_ANCHORED,
    EventType.BACKUP_MADE,
    EventType.FIELD_KEY_ROTATED,
    EventType.ITEM_VIEWED,
    EventType.INSPECTION_VIEWED,
    EventType.CLUE_REPORTER_VIEWED,
)


class Event(models.Model):
    id = models.BigAutoField(primary_key=True)
    # No `choices=` on the column: every app adds event types, and the table's schema must not change for that.
    event_type = models.CharField(_("event"), max_length=64)
    subject_type = models.CharField(_("subject type"), max_length=32)
    subject_id = models.BigIntegerField(_("subject id"))
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("actor"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="audit_events",
        db_index=False,  # audit_actor_time_idx
    )
    actor_unit = models.ForeignKey(
        "orgs.Unit",
        verbose_name=_("actor's unit"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="audit_events",
        db_index=False,  # audit_unit_type_time_idx
    )
    created_at = models.DateTimeField(_("time"), default=timezone.now)
    old = models.JSONField(_("old values"), default=dict, blank=True)
    new = models.JSONField(_("new values"), default=dict, blank=True)
    comment = models.TextField(_("comment"), blank=True)
    # The hash chain (ducha.audit.chain): both empty until the sealer chains the event, then never changed again.
    # chain_seq is the position in the chain (the seal order, not necessarily the id order).
    chain_seq = models.BigIntegerField(
        _("position in the chain"), null=True, blank=True, unique=True, editable=False
    )
    # Hex SM3 of (the previous event's chain_hash || the event's canonical form); NULL: not sealed yet.
    chain_hash = models.CharField(  # noqa: DJ001 (NULL is "not computed yet", distinct from any hash)
        _("chain hash"), max_length=64, null=True, blank=True, editable=False
    )

    class Meta:
        verbose_name = _("audit event")
        verbose_name_plural = _("audit events")
        indexes = [
            models.Index(fields=["subject_type", "subject_id", "created_at"], name="audit_subject_time_idx"),
            # The system's own events (the reminder sweep writes them by the hundred thousand) have no actor:
            # the actor indexes leave them out.
            models.Index(
                fields=["actor_unit", "event_type", "created_at"],
                condition=Q(actor_unit__isnull=False),
                name="audit_unit_type_time_idx",
            ),
            models.Index(
                fields=["actor", "created_at"], condition=Q(actor__isnull=False), name="audit_actor_time_idx"
            ),
            # The evaluation asks, for every assignment of a period, whether its item was withdrawn before an instant
            # (the status tells only now): withdrawals are few among ten million events.
            models.Index(
                fields=["subject_id", "created_at"],
                condition=Q(event_type="item_cancelled"),
                name="audit_item_cancelled_idx",
            ),
            # The sealer's work list: the few events not chained yet among ten million.
            models.Index(fields=["id"], condition=Q(chain_seq__isnull=True), name="audit_unsealed_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.subject_type}#{self.subject_id} {self.event_type}"

    def save(self, *args: Any, **kwargs: Any) -> None:
        if not self._state.adding:
            raise RuntimeError("Audit events are append-only.")
        super().save(*args, **kwargs)

    def delete(self, *args: Any, **kwargs: Any) -> Any:
        raise RuntimeError("Audit events are append-only.")

    def get_event_type_display(self) -> str:
        try:
            return str(EventType(self.event_type).label)
        except ValueError:
            return self.event_type


GENESIS_HASH = "0" * 64


class ChainHead(models.Model):
    """The head of the audit hash chain: one row (pk 1), the last sealed position and its hash. The sealer locks it
    (select_for_update) so that two sealers cannot interleave; it is a convenience and a lock, not a proof —
    `ducha audit verify` recomputes the chain from the events and checks the head against it."""

    id = models.PositiveSmallIntegerField(primary_key=True, default=1)
    seq = models.BigIntegerField(_("last position"), default=0)
    hash = models.CharField(_("last hash"), max_length=64, default=GENESIS_HASH)
    sealed_at = models.DateTimeField(_("sealed at"), null=True, blank=True)

    class Meta:
        verbose_name = _("audit chain head")
        verbose_name_plural = _("audit chain heads")

    def __str__(self) -> str:
        return f"#{self.seq} {self.hash[:12]}"


class ArchivedRun(models.Model):
    """A run of consecutive chain positions whose events went to the archive with their year's partition
    (`ducha partitions detach`, PostgreSQL): the last link's hash is kept here, so that `ducha audit verify` goes on
    from it over the live events instead of reporting the archived positions as missing. Written when the partition
    is detached, deleted when it is attached again (ducha.audit.partitions.EventScheme)."""

    id = models.BigAutoField(primary_key=True)
    partition = models.CharField(_("partition"), max_length=63)
    first_seq = models.BigIntegerField(_("first position"), unique=True)
    last_seq = models.BigIntegerField(_("last position"))
    last_hash = models.CharField(_("last hash"), max_length=64)
    archived_at = models.DateTimeField(_("archived at"))

    class Meta:
        verbose_name = _("archived chain run")
        verbose_name_plural = _("archived chain runs")
        ordering = ["first_seq"]

    def __str__(self) -> str:
        return f"{self.partition}: #{self.first_seq}–#{self.last_seq}"
