"""Stable error codes with their Chinese messages. Codes never change once published; messages may.

Clients (the web UI, API users, the units' own systems) match on the code, never on the message.
"""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext_lazy as _

NOT_FOUND = "not_found"
NOT_AUTHENTICATED = "not_authenticated"
INVALID_INPUT = "invalid_input"
ROLE_REQUIRED = "role_required"
NOT_YOUR_UNIT = "not_your_unit"
ACTION_NOT_ALLOWED = "action_not_allowed_in_status"
REASON_REQUIRED = "reason_required"
TITLE_REQUIRED = "title_required"
LEAD_UNIT_REQUIRED = "lead_unit_required"
UNIT_NOT_FOUND = "unit_not_found"
UNIT_DUPLICATED = "unit_duplicated"
CO_UNIT_IS_LEAD = "co_unit_is_lead"
DEADLINE_CONFLICT = "deadline_conflict"
DEADLINE_IN_PAST = "deadline_in_past"
DEADLINE_WORKDAYS_RANGE = "deadline_workdays_out_of_range"
SHARE_RANGE = "co_unit_share_out_of_range"
ALREADY_SIGNED = "already_signed"
NOT_SIGNED = "not_signed"
NOT_LEAD_UNIT = "not_lead_unit"
REPORT_PENDING = "report_pending"
NO_PENDING_REPORT = "no_pending_report"
OPEN_CHILD_ITEMS = "open_child_items"
REVIEW_CHECKS_INCOMPLETE = "review_checks_incomplete"
OPINION_REQUIRED = "opinion_required"
TEXT_REQUIRED = "text_required"
EXTENSION_AFTER_DUE = "extension_after_due"
EXTENSION_DATE_NOT_LATER = "extension_date_not_later"
EXTENSION_PENDING = "extension_pending"
EXTENSION_NOT_PENDING = "extension_not_pending"
DELEGATE_TARGET_INVALID = "delegate_target_invalid"
DELEGATE_DEADLINE_LATE = "delegate_deadline_after_parent"
DISPUTE_NOT_OPEN = "dispute_not_open"
DISPUTE_NOT_COORDINATED = "dispute_not_coordinated"
NO_CO_UNITS = "no_co_units"
CANCEL_PENDING = "cancel_pending"
NO_CANCEL_REQUEST = "no_cancel_request"
ATTACHMENT_TOO_LARGE = "attachment_too_large"
ATTACHMENT_TYPE = "attachment_type_not_allowed"
MILESTONE_INVALID = "milestone_invalid"
CALENDAR_DATE_CONFLICT = "calendar_date_conflict"
CALENDAR_YEAR_INVALID = "calendar_year_invalid"
NO_GOVERNMENT = "unit_has_no_government"
CSRF_FAILED = "csrf_failed"
ITEM_FINISHED = "item_finished"
LEAD_IS_GOVERNMENT = "lead_unit_is_the_government"

# Inspections (督查活动)
INSPECTION_TOPIC_REQUIRED = "inspection_topic_required"
INSPECTION_WINDOW_INVALID = "inspection_window_invalid"
INSPECTION_TARGETS_REQUIRED = "inspection_targets_required"
INSPECTION_TARGET_INVALID = "inspection_target_invalid"
INSPECTION_LEAD_UNIT_INVALID = "inspection_lead_unit_invalid"
INSPECTION_PLAN_INCOMPLETE = "inspection_plan_incomplete"
INSPECTION_TEAM_LEADER_REQUIRED = "inspection_team_leader_required"
INSPECTION_TEAM_NOT_TRAINED = "inspection_team_not_trained"
INSPECTION_TEAM_MEMBER_INVALID = "inspection_team_member_invalid"
INSPECTION_PLAN_ENTRY_REQUIRED = "inspection_plan_entry_required"
INSPECTION_PLAN_ENTRY_INVALID = "inspection_plan_entry_invalid"
OUT_OF_PLAN_REASON_REQUIRED = "out_of_plan_reason_required"
DESIGNATION_REQUIRED = "designation_required"
DESIGNATION_INVALID = "designation_invalid"
INSPECTION_OVERLAP = "inspection_overlap"
AMENDMENT_PENDING = "amendment_pending"
NO_PENDING_AMENDMENT = "no_pending_amendment"
AMENDMENT_EMPTY = "amendment_empty"
FINDING_TARGET_INVALID = "finding_target_invalid"
FINDING_DUE_DATE_REQUIRED = "finding_due_date_required"
FINDING_NOT_FOUND = "finding_not_found"
CONCLUSION_EXISTS = "conclusion_exists"
CONCLUSION_TEXT_REQUIRED = "conclusion_text_required"
OBJECTION_WINDOW_CLOSED = "objection_window_closed"
REVIEWERS_REQUIRED = "reviewers_required"
REVIEWER_TOOK_PART = "reviewer_took_part"
REVIEWER_INVALID = "reviewer_invalid"
NOT_A_REVIEWER = "not_a_reviewer"
REVIEW_OUTCOME_TEXT_REQUIRED = "review_outcome_text_required"
RECTIFICATION_MILESTONES_REQUIRED = "rectification_milestones_required"
VERIFICATION_NOTE_REQUIRED = "verification_note_required"
INSPECTION_OPEN_WORK = "inspection_open_work"
INSPECTION_CANCEL_NEEDS_LEADER = "inspection_cancel_needs_leader"
ANNUAL_PLAN_EXISTS = "annual_plan_exists"
ANNUAL_PLAN_NOT_FOUND = "annual_plan_not_found"
ANNUAL_PLAN_UNDECIDED = "annual_plan_undecided_proposals"
PLAN_PROPOSAL_DECISION_INVALID = "plan_proposal_decision_invalid"
BURDEN_PERIOD_INVALID = "burden_period_invalid"
EVIDENCE_FILE_REQUIRED = "evidence_file_required"

# Official documents
DOCUMENT_KIND_UNKNOWN = "document_kind_unknown"
DOCUMENT_NOT_AVAILABLE = "document_not_available"
DOCUMENT_FIELD_MISSING = "document_field_missing"
DOCUMENT_ALREADY_ISSUED = "document_already_issued"
DOCUMENT_NOT_ISSUED = "document_not_issued"
DOCUMENT_PDF_UNAVAILABLE = "document_pdf_unavailable"
DOCUMENT_CORRECTION_REASON_REQUIRED = "document_correction_reason_required"
DOCUMENT_SUPERSEDED = "document_superseded"
DOCUMENT_FILE_DAMAGED = "document_file_damaged"

# Evaluation and the year's ledger
EVALUATION_PERIOD_INVALID = "evaluation_period_invalid"
EVALUATION_WEIGHTS_INVALID = "evaluation_weights_invalid"
EVALUATION_WEIGHTS_SUM = "evaluation_weights_sum"
EVALUATION_GROUP_INVALID = "evaluation_group_invalid"
EVALUATION_PERIOD_NOT_BEGUN = "evaluation_period_not_begun"
EVALUATION_NOT_COMPUTED = "evaluation_not_computed"
EVALUATION_FROZEN = "evaluation_frozen"
LEDGER_YEAR_EXISTS = "ledger_year_exists"
LEDGER_YEAR_CLOSED = "ledger_year_closed"
LEDGER_ENTRY_INVALID = "ledger_entry_invalid"
LEDGER_EMPTY = "ledger_empty"
LEDGER_UNSETTLED = "ledger_unsettled"
LEDGER_UNCONFIRMED = "ledger_unconfirmed"
LEDGER_CARRY_REASON_REQUIRED = "ledger_carry_reason_required"
LEDGER_CHECK_EXISTS = "ledger_check_exists"
LEDGER_PREVIOUS_UNSETTLED = "ledger_previous_unsettled"
REPORT_EXISTS = "period_report_exists"
REPORT_NO_RECIPIENT = "period_report_no_recipient"

# Results and accountability
TRIGGER_UNKNOWN = "trigger_unknown"
TRIGGER_PARAMS_INVALID = "trigger_params_invalid"
COMMENDATION_EXISTS = "commendation_exists"
COMMENDATION_VETOED = "commendation_vetoed"
BULLETIN_FIXES_DUE_REQUIRED = "bulletin_fixes_due_required"

CLUE_TEXT_LENGTH = "clue_text_length"
CLUE_PHONE_INVALID = "clue_phone_invalid"
CLUE_NAME_REQUIRED = "clue_name_required"
CLUE_PLACE_INVALID = "clue_place_invalid"
CLUE_PHOTO_TYPE = "clue_photo_type"
CLUE_PHOTO_TOO_LARGE = "clue_photo_too_large"
CLUE_PHOTOS_TOO_MANY = "clue_photos_too_many"
CLUE_CAPTCHA = "clue_captcha_wrong"
CLUE_RATE_LIMITED = "clue_rate_limited"
CLUE_CHANNEL_BUSY = "clue_channel_busy"
CLUE_SOURCE_BLOCKED = "clue_source_blocked"
CLUE_CODE_UNKNOWN = "clue_code_unknown"
CLUE_CASE_SETTLED = "clue_case_settled"
CLUE_IMPORT_INVALID = "clue_import_invalid"
CLUE_IMPORT_FORMAT = "clue_import_format"
CLUE_ANSWER_REVIEWER = "clue_answer_same_reviewer"
CLUE_UNIT_INVALID = "clue_unit_invalid"
CLUE_IDENTITY_ROLE = "clue_identity_role"

# The daily work around an item (issue 16)
BATCH_EMPTY = "batch_empty"
BATCH_TOO_LARGE = "batch_too_large"
SOURCE_RECORD_INVALID = "source_record_invalid"
LEADER_INVALID = "leader_invalid"
INSTRUCTION_EMPTY = "instruction_empty"
SITE_CHECK_REQUIRED = "site_check_required"
SITE_CHECK_INVALID = "site_check_invalid"
CONSOLIDATED_REQUIRED = "consolidated_required"
CONSOLIDATED_PENDING = "consolidated_pending"
CONSOLIDATED_NOT_PENDING = "consolidated_not_pending"
PLAN_INVALID = "plan_invalid"
PROGRESS_NOT_PENDING = "progress_not_pending"
RECHECK_NONE_CLOSED = "recheck_none_closed"
RECHECK_DONE = "recheck_done"
TEXT_TOO_LONG = "text_too_long"
# Security (issue 17): sign-in, passwords, second factor, sessions, tokens, uploads, audit, backups.
SIGN_IN_FAILED = "sign_in_failed"
LOCKED_OUT = "locked_out"
PASSWORD_TOO_WEAK = "password_too_weak"
PASSWORD_REUSED = "password_reused"
PASSWORD_WRONG = "password_wrong"
PASSWORD_CHANGE_REQUIRED = "password_change_required"
OTP_REQUIRED = "otp_required"
OTP_INVALID = "otp_invalid"
OTP_ALREADY_ENROLLED = "otp_already_enrolled"
SESSION_EXPIRED = "session_expired"
TOKEN_EXPIRED = "token_expired"
TOKEN_REVOKED = "token_revoked"
TOKEN_SCOPE = "token_scope_read_only"
TOKEN_INVALID = "token_invalid"
UPLOAD_TOO_LARGE = "upload_too_large"
UPLOAD_TYPE_MISMATCH = "upload_type_mismatch"
UPLOAD_QUOTA = "upload_quota_exceeded"
NOT_LOCKED = "not_locked"
BACKUP_INVALID = "backup_invalid"
BACKUP_TAMPERED = "backup_tampered"
RESTORE_NOT_EMPTY = "restore_target_not_empty"

# Background jobs (ducha.jobs)
JOB_KIND_UNKNOWN = "job_kind_unknown"
JOB_NOT_READY = "job_not_ready"
JOB_EXPIRED = "job_expired"
JOB_NOT_CANCELLABLE = "job_not_cancellable"
JOB_NOT_RETRYABLE = "job_not_retryable"
JOB_WORKER_LOST = "job_worker_lost"
JOB_CANCELLED = "job_cancelled"
JOB_FAILED = "job_failed"
JOB_SCOPE_CHANGED = "job_scope_changed"

# The ledger's Excel import run as background jobs (ducha.workbench.ledger_import)
LEDGER_IMPORT_EXPIRED = "ledger_import_expired"
LEDGER_IMPORT_CHANGED = "ledger_import_changed"
LEDGER_IMPORT_ROW_REFUSED = "ledger_import_row_refused"

MESSAGES: dict[str, Any] = {
    NOT_FOUND: _("The requested record does not exist or you may not see it."),
    NOT_AUTHENTICATED: _("Please sign in first."),
    INVALID_INPUT: _("The input is not valid; please check the marked fields."),
    ROLE_REQUIRED: _("Your role does not allow this action."),
    NOT_YOUR_UNIT: _("This action belongs to another unit."),
    ACTION_NOT_ALLOWED: _("This action is not allowed in the item's current status."),
    REASON_REQUIRED: _("Please give a reason."),
    TITLE_REQUIRED: _("Please enter the item's title."),
    LEAD_UNIT_REQUIRED: _("Please choose the lead unit."),
    UNIT_NOT_FOUND: _("The chosen unit does not exist."),
    UNIT_DUPLICATED: _("A unit is listed more than once."),
    CO_UNIT_IS_LEAD: _("The lead unit cannot also be a co-unit."),
    DEADLINE_CONFLICT: _("Give either a due date or a number of working days, not both."),
    DEADLINE_IN_PAST: _("The due date must be later than today."),
    DEADLINE_WORKDAYS_RANGE: _("The number of working days must be between 1 and 365."),
    SHARE_RANGE: _("A co-unit's share must be between 0 and 100 percent."),
    ALREADY_SIGNED: _("Your unit has already signed for this item."),
    NOT_SIGNED: _("Your unit must sign for the item first."),
    NOT_LEAD_UNIT: _("Only the lead unit may do this."),
    REPORT_PENDING: _("A completion report is already waiting for a decision."),
    NO_PENDING_REPORT: _("There is no completion report waiting for the unit head's check."),
    OPEN_CHILD_ITEMS: _("Delegated child items are still open; they must be finished first."),
    REVIEW_CHECKS_INCOMPLETE: _(
        "All four checks must pass before the report is accepted; otherwise return it."
    ),
    OPINION_REQUIRED: _("Please enter the review opinion."),
    TEXT_REQUIRED: _("Please enter the report text."),
    EXTENSION_AFTER_DUE: _("An extension must be requested before the due date."),
    EXTENSION_DATE_NOT_LATER: _("The proposed date must be later than the current due date."),
    EXTENSION_PENDING: _("An extension request is already waiting for a decision."),
    EXTENSION_NOT_PENDING: _("This extension request is not waiting for your decision."),
    DELEGATE_TARGET_INVALID: _("An item can only be delegated to a unit below your own."),
    DELEGATE_DEADLINE_LATE: _("A delegated item's due date cannot be later than the parent item's."),
    DISPUTE_NOT_OPEN: _("There is no open disagreement at this stage."),
    DISPUTE_NOT_COORDINATED: _("The office must record its coordination before the leader rules."),
    NO_CO_UNITS: _("This item has no co-units to disagree with."),
    CANCEL_PENDING: _("A withdrawal is already waiting for the leader's approval."),
    NO_CANCEL_REQUEST: _("There is no withdrawal waiting for approval."),
    ATTACHMENT_TOO_LARGE: _("The file is too large."),
    ATTACHMENT_TYPE: _("This file type is not allowed."),
    MILESTONE_INVALID: _("Each milestone needs a title and a date no later than the due date."),
    CALENDAR_DATE_CONFLICT: _("A date is listed both as a holiday and as a working day."),
    CALENDAR_YEAR_INVALID: _("Every date must lie in the year being entered."),
    NO_GOVERNMENT: _("Your unit does not belong to any government."),
    CSRF_FAILED: _("The page has expired; please reload it and try again."),
    ITEM_FINISHED: _("The item is archived or withdrawn; nothing more can be added to it."),
    LEAD_IS_GOVERNMENT: _(
        "Assign the item to a department, a township or the office, not to the government itself."
    ),
    INSPECTION_TOPIC_REQUIRED: _("Please enter the inspection's topic."),
    INSPECTION_WINDOW_INVALID: _("The window must start on or before its end."),
    INSPECTION_TARGETS_REQUIRED: _("Please choose at least one unit to inspect."),
    INSPECTION_TARGET_INVALID: _("A target must be a unit under this government other than the lead unit."),
    INSPECTION_LEAD_UNIT_INVALID: _(
        "The lead unit must be this government's office or one of its departments."
    ),
    INSPECTION_PLAN_INCOMPLETE: _(
        "The inspection plan needs its content, targets, scope, method and schedule."
    ),
    INSPECTION_TEAM_LEADER_REQUIRED: _("The inspection team needs a leader."),
    INSPECTION_TEAM_NOT_TRAINED: _("Every team member must be trained before fieldwork starts."),
    INSPECTION_TEAM_MEMBER_INVALID: _("This person cannot be on the team: give a name, and no one twice."),
    INSPECTION_PLAN_ENTRY_REQUIRED: _(
        "An inspection in the plan must name its entry in the approved annual plan; otherwise mark it as "
        "outside the plan and give the reason."
    ),
    INSPECTION_PLAN_ENTRY_INVALID: _("This entry is not an accepted entry of an approved annual plan."),
    OUT_OF_PLAN_REASON_REQUIRED: _(
        "An inspection outside the annual plan needs a reason for approval and filing."
    ),
    DESIGNATION_REQUIRED: _(
        "A department may only inspect where the government designated it for this matter, scope and period."
    ),
    DESIGNATION_INVALID: _("A designation names one of the government's departments and a valid period."),
    INSPECTION_OVERLAP: _(
        "Another inspection already covers the same target at the same time or on a similar topic."
    ),
    AMENDMENT_PENDING: _("A change of the plan is already waiting for approval."),
    NO_PENDING_AMENDMENT: _("There is no change of the plan waiting for approval."),
    AMENDMENT_EMPTY: _("The change does not change anything."),
    FINDING_TARGET_INVALID: _("A finding must concern one of the inspection's targets."),
    FINDING_DUE_DATE_REQUIRED: _(
        "Rectification by a deadline or over the long term needs a future due date."
    ),
    FINDING_NOT_FOUND: _("The finding does not belong to this inspection."),
    CONCLUSION_EXISTS: _("This target already has a conclusion."),
    CONCLUSION_TEXT_REQUIRED: _("A conclusion needs its facts and its judgement."),
    OBJECTION_WINDOW_CLOSED: _("The 30 days for an objection have passed."),
    REVIEWERS_REQUIRED: _("Please choose at least one reviewer."),
    REVIEWER_TOOK_PART: _("People who took part in the conclusion cannot review it."),
    REVIEWER_INVALID: _("A reviewer must be supervision staff or a leader of this government."),
    NOT_A_REVIEWER: _("Only an assigned reviewer may decide this review."),
    REVIEW_OUTCOME_TEXT_REQUIRED: _("Please give the decision and, for a change, the changed judgement."),
    RECTIFICATION_MILESTONES_REQUIRED: _(
        "Long-term rectification needs milestones, none after the due date."
    ),
    VERIFICATION_NOTE_REQUIRED: _("Please record how the rectification was verified and what was found."),
    INSPECTION_OPEN_WORK: _(
        "Conclusions, reviews, rectifications or proposals of this inspection are still open."
    ),
    INSPECTION_CANCEL_NEEDS_LEADER: _("Once approved, only the leader may withdraw an inspection."),
    ANNUAL_PLAN_EXISTS: _("This year's plan already exists."),
    ANNUAL_PLAN_NOT_FOUND: _("There is no annual plan for this year."),
    ANNUAL_PLAN_UNDECIDED: _("Every proposal must be accepted, merged or cut first."),
    PLAN_PROPOSAL_DECISION_INVALID: _(
        "A proposal is merged into another accepted proposal of the same plan."
    ),
    BURDEN_PERIOD_INVALID: _("The period is a year (2026), a quarter (2026-Q1) or a month (2026-03)."),
    EVIDENCE_FILE_REQUIRED: _("Please choose a file."),
    DOCUMENT_KIND_UNKNOWN: _("There is no such kind of document for this."),
    DOCUMENT_NOT_AVAILABLE: _("This document cannot be made at this stage."),
    DOCUMENT_FIELD_MISSING: _("Some fields the document needs are missing."),
    DOCUMENT_ALREADY_ISSUED: _(
        "This document has been issued and is frozen; to change it, issue a correction with a reason."
    ),
    DOCUMENT_NOT_ISSUED: _("This document has not been issued yet."),
    DOCUMENT_PDF_UNAVAILABLE: _("The PDF engine (LibreOffice) is not available on this server."),
    DOCUMENT_CORRECTION_REASON_REQUIRED: _("A correction needs its reason."),
    DOCUMENT_SUPERSEDED: _("A later version of this document exists; correct the latest one."),
    DOCUMENT_FILE_DAMAGED: _(
        "The stored file of this document is missing or no longer the one issued; ask the administrator to restore it from the backup."
    ),
    EVALUATION_PERIOD_INVALID: _("There is no such period."),
    EVALUATION_WEIGHTS_INVALID: _("Each weight is a whole number from 0 to 100 for a known indicator."),
    EVALUATION_WEIGHTS_SUM: _("The weights must add up to 100."),
    EVALUATION_GROUP_INVALID: _("The comparable group is either departments or townships."),
    EVALUATION_PERIOD_NOT_BEGUN: _("This period has not begun: there is nothing to score yet."),
    EVALUATION_NOT_COMPUTED: _("The scores of this period have not been computed yet."),
    EVALUATION_FROZEN: _("The scores of a closed year are frozen and are not computed again."),
    LEDGER_YEAR_EXISTS: _("The ledger of this year already exists."),
    LEDGER_YEAR_CLOSED: _(
        "This year's ledger is closed: its history is frozen; record a correction instead."
    ),
    LEDGER_ENTRY_INVALID: _("This item cannot be put on this ledger."),
    LEDGER_EMPTY: _("The ledger has no tasks yet."),
    LEDGER_UNSETTLED: _(
        "Some tasks are not settled: each must be done, carried over with a reason or withdrawn with approval."
    ),
    LEDGER_UNCONFIRMED: _("Some units have not confirmed their lists yet."),
    LEDGER_CARRY_REASON_REQUIRED: _("Carrying a task over to next year needs its reason."),
    LEDGER_CHECK_EXISTS: _("The mid-year check of this year has been made already."),
    LEDGER_PREVIOUS_UNSETTLED: _("Last year's ledger has unfinished tasks not yet carried over or settled."),
    REPORT_EXISTS: _("The report of this period already exists."),
    REPORT_NO_RECIPIENT: _("There is no government above this one to submit the report to."),
    TRIGGER_UNKNOWN: _("There is no such trigger."),
    TRIGGER_PARAMS_INVALID: _("A trigger's parameters are whole numbers from 1 to 100."),
    COMMENDATION_EXISTS: _("This candidate has been proposed for this commendation already."),
    COMMENDATION_VETOED: _(
        "Vetoed: the unit or person has a criticism bulletin or a higher sanction this year."
    ),
    BULLETIN_FIXES_DUE_REQUIRED: _("Set when the criticised units report their causes and fixes."),
    CLUE_TEXT_LENGTH: _("Describe the problem in 10 to 2,000 characters."),
    CLUE_PHONE_INVALID: _("Enter a mainland mobile number (11 digits) or a landline number."),
    CLUE_NAME_REQUIRED: _("A signed clue needs the reporter's name and phone; or choose to stay anonymous."),
    CLUE_PLACE_INVALID: _("Choose a township, and a village or community of that township."),
    CLUE_PHOTO_TYPE: _("Photos must be JPEG, PNG or WebP images."),
    CLUE_PHOTO_TOO_LARGE: _("Each photo may be at most 5 MB."),
    CLUE_PHOTOS_TOO_MANY: _("At most 6 photos."),
    CLUE_CAPTCHA: _("The verification code is wrong; enter the characters in the new picture."),
    CLUE_RATE_LIMITED: _("Too many submissions from your network; please try again in an hour."),
    CLUE_CHANNEL_BUSY: _("The channel is receiving too many submissions; please try again later."),
    CLUE_SOURCE_BLOCKED: _("Submissions from your network are suspended for abuse."),
    CLUE_CODE_UNKNOWN: _("There is no clue with this tracking code; check the code and try again."),
    CLUE_CASE_SETTLED: _("This case is answered or closed and takes no further change."),
    CLUE_IMPORT_INVALID: _("Some rows are invalid; nothing was imported. Correct them and import again."),
    CLUE_IMPORT_FORMAT: _("The file must be an .xlsx workbook or a .jsonl file with one clue a line."),
    CLUE_ANSWER_REVIEWER: _("An answer is reviewed by someone other than the person who drafted it."),
    CLUE_UNIT_INVALID: _("Choose a department or township of this government."),
    CLUE_IDENTITY_ROLE: _("Only the keeper of reporters' identities may see a reporter's name and phone."),
    BATCH_EMPTY: _("Select at least one item."),
    BATCH_TOO_LARGE: _("At most 200 items at a time."),
    SOURCE_RECORD_INVALID: _("Choose a source record of your own government."),
    LEADER_INVALID: _("Choose a leader of this government."),
    INSTRUCTION_EMPTY: _("Write the instruction (at most 2,000 characters)."),
    SITE_CHECK_REQUIRED: _("This item needs an on-site verification before its report can be accepted."),
    SITE_CHECK_INVALID: _("Give the date of the visit (not in the future), the inspectors and the findings."),
    CONSOLIDATED_REQUIRED: _(
        "This item is closed with a consolidated report approved by the leader; write and submit one first."
    ),
    CONSOLIDATED_PENDING: _("A consolidated report is already waiting for the leader."),
    CONSOLIDATED_NOT_PENDING: _("There is no consolidated report waiting for the leader."),
    PLAN_INVALID: _("Write the plan, and give each milestone a name and a date not later than the due date."),
    PROGRESS_NOT_PENDING: _("This progress report is not waiting for the unit head's check."),
    RECHECK_NONE_CLOSED: _("No closed item in this period is left to draw for a re-check."),
    RECHECK_DONE: _("This re-check has been recorded already."),
    TEXT_TOO_LONG: _("The text is too long; see the limit beside the field."),
    SIGN_IN_FAILED: _("The user name or password is wrong."),
    LOCKED_OUT: _(
        "Too many failed sign-ins: the account or this address is locked for a while. Ask the office to unlock it."
    ),
    PASSWORD_TOO_WEAK: _(
        "The password does not meet the policy: at least 10 characters of three kinds, not the user name, not a common password."
    ),
    PASSWORD_REUSED: _("The new password was used recently; choose one you have not used in your last five."),
    PASSWORD_WRONG: _("The current password is wrong."),
    PASSWORD_CHANGE_REQUIRED: _("Change your password before going on."),
    OTP_REQUIRED: _("This account must sign in with a one-time code from the authenticator app."),
    OTP_INVALID: _("The one-time code is wrong or has expired."),
    OTP_ALREADY_ENROLLED: _("An authenticator is already bound to this account."),
    SESSION_EXPIRED: _("The session has expired; sign in again."),
    TOKEN_EXPIRED: _("The API token has expired."),
    TOKEN_REVOKED: _("The API token has been revoked."),
    TOKEN_SCOPE: _("This API token may only read."),
    TOKEN_INVALID: _("The API token is not valid."),
    UPLOAD_TOO_LARGE: _("The file is larger than allowed."),
    UPLOAD_TYPE_MISMATCH: _("The file's content does not match its extension."),
    UPLOAD_QUOTA: _("Your upload quota is used up; ask the administrator."),
    NOT_LOCKED: _("The account is not locked."),
    BACKUP_INVALID: _("The file is not a backup archive of this system."),
    BACKUP_TAMPERED: _("The backup archive has been altered: its contents do not match its manifest."),
    RESTORE_NOT_EMPTY: _("The target database is not empty; restore only into an empty database."),
    JOB_KIND_UNKNOWN: _("There is no such kind of background job."),
    JOB_NOT_READY: _("The job has not finished yet; its file is not ready."),
    JOB_EXPIRED: _("The job's file has expired and was deleted; run the job again."),
    JOB_NOT_CANCELLABLE: _("The job has already ended; it can no longer be cancelled."),
    JOB_NOT_RETRYABLE: _("Only a failed or cancelled job can be run again."),
    JOB_WORKER_LOST: _(
        "The process running the job stopped before it finished; nothing was kept. Run it again."
    ),
    JOB_CANCELLED: _("The job was cancelled."),
    JOB_FAILED: _(
        "The job failed on an unexpected error; nothing was kept. Run it again, or tell the administrator."
    ),
    JOB_SCOPE_CHANGED: _(
        "Your unit or roles have changed since this file was made, so it is no longer offered to you. Export again to get what you may see now."
    ),
    LEDGER_IMPORT_EXPIRED: _(
        "This upload has expired or was already imported; please upload the file again."
    ),
    LEDGER_IMPORT_CHANGED: _(
        "The file or its valid rows changed since the preview; nothing was imported. Check the file again."
    ),
    LEDGER_IMPORT_ROW_REFUSED: _("A row was refused; nothing was imported."),
}


def message_for(code: str) -> Any:
    return MESSAGES.get(code, MESSAGES[INVALID_INPUT])
