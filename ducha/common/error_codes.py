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
    LEAD_IS_GOVERNMENT: _("Assign the item to a department, a township or the office, not to the government itself."),
}


def message_for(code: str) -> Any:
    return MESSAGES.get(code, MESSAGES[INVALID_INPUT])
