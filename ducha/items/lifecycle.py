"""The item lifecycle as data: statuses, and one table of actions with where they start, where they lead, who may
take them, what else must hold, the audit event each outcome writes and the notification it publishes.

The table is executed: every item service runs its action through `ducha.common.lifecycle.Lifecycle` (the item's
runner is `services.LIFECYCLE`), which takes the status, the event and the notification from here.
`refusal(action, item, user)` says why an action is refused (a DomainError with a stable code and a Chinese
message) or returns None; the runner calls it after locking the row, and the UI lists `available_actions()`.
Checks run in a fixed order: who (403), then the status (409), then the action's own guard (409).

Notifications are published on commit as `item.<name>` with `item_id` (and `object_id`: the report or extension):
`assigned` (assigned or delegated to units), `report_filed` (a completion report waits for the unit head),
`report_submitted` (a checked report waits for review), `extension` (an extension request waits for a decision).

The item passed in must have `assignments` loaded (prefetched or fetched); the guards read them, and the pending
report, extension, dispute and open children through small queries of their own.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from ducha.audit.models import EventType as E
from ducha.common import error_codes as codes
from ducha.common.errors import DomainError, InvalidState, NotPermitted
from ducha.common.lifecycle import Outcome, Transition, transition_refusal
from ducha.items.models import (
    Assignment,
    AssignmentRole,
    DisputeStatus,
    ExtensionStatus,
    Item,
    ReportKind,
    ReportStatus,
)
from ducha.items.statuses import ItemStatus
from ducha.orgs.models import UNIT_ROLES, Role, Unit, UnitKind, User
from ducha.orgs.selectors import delegation_targets

S = ItemStatus

Check = Callable[[Item, User], str | None]


# --- who ------------------------------------------------------------------------------------------------------


def _government_role(role: str) -> Check:
    def check(item: Item, user: User) -> str | None:
        if not user.has_role(role):
            return codes.ROLE_REQUIRED
        if user.unit is None or user.unit.government_id != item.government_id:
            return codes.NOT_YOUR_UNIT
        return None

    return check


office = _government_role(Role.OFFICE)
leader = _government_role(Role.LEADER)


def _government_id(user: User) -> int | None:
    return user.unit.government_id if user.unit is not None else None


def acts_for(user: User, unit: Unit, *, head: bool = False) -> bool:
    """Whether `user` acts for `unit` on an item: the one rule behind "the acting unit" of every guard and service.

    A unit's own people act for it as they are (its head takes the head's steps). The supervision office also acts
    for its own unit (the office handles an item itself, 直接办理) and for its government (an upper level assigned
    the government: the office signs, reports and passes it on, 上级交办逐级落实); the government's leader takes the
    head's steps for both (the leader signs off the office's and the government's work)."""
    if user.unit_id is None:
        return False
    government_id = _government_id(user)
    if head:
        if user.has_role(Role.UNIT_HEAD) and unit.pk == user.unit_id:
            return True
        return user.has_role(Role.LEADER) and (
            unit.pk == government_id
            or (unit.kind == UnitKind.SUPERVISION_OFFICE and unit.government_id == government_id)
        )
    if user.has_role(*UNIT_ROLES) and unit.pk == user.unit_id:
        return True
    return user.has_role(Role.OFFICE) and unit.pk in (user.unit_id, government_id)


def acting_assignment(item: Item, user: User, *, head: bool = False) -> Assignment | None:
    """The assignment `user` acts for on `item` (see acts_for), or None; the user's own unit's first."""
    if user.unit_id is None:
        return None
    found = [a for a in item.assignments.all() if acts_for(user, a.unit, head=head)]
    found.sort(key=lambda a: a.unit_id != user.unit_id)
    return found[0] if found else None


def assignment_for(item: Item, user: User) -> Assignment | None:
    """The assignment `user` works on (signs for, reports on, passes on): see acts_for."""
    return acting_assignment(item, user)


def acting_unit(item: Item, user: User) -> Unit | None:
    """The unit `user` acts for on `item`: the unit a delegation comes from (the government, when the office acts
    for it)."""
    assignment = assignment_for(item, user)
    return assignment.unit if assignment is not None else None


def _unit_member(*, lead_only: bool = False, head: bool = False) -> Check:
    roles = (Role.UNIT_HEAD, Role.LEADER) if head else (*UNIT_ROLES, Role.OFFICE)

    def check(item: Item, user: User) -> str | None:
        if not user.has_role(*roles):
            return codes.ROLE_REQUIRED
        assignment = acting_assignment(item, user, head=head)
        if assignment is None:
            # An office or a leader acting for no unit of the item has no unit role here at all.
            return codes.NOT_YOUR_UNIT if user.has_role(*roles[:-1]) else codes.ROLE_REQUIRED
        if lead_only and not assignment.is_lead:
            return codes.NOT_LEAD_UNIT
        return None

    return check


assigned_unit = _unit_member()
lead_unit = _unit_member(lead_only=True)
lead_unit_head = _unit_member(lead_only=True, head=True)


def _delegator(*, head: bool = False) -> Check:
    """The unit that delegated a child item: its people review it, its head closes it (the office and the leader,
    when the office delegated for itself or for its government)."""
    roles = (Role.UNIT_HEAD, Role.LEADER) if head else (*UNIT_ROLES, Role.OFFICE)

    def check(item: Item, user: User) -> str | None:
        if not user.has_role(*roles):
            return codes.ROLE_REQUIRED
        # Who has no unit role answers "role required" when they act for no unit here, as before.
        refused = codes.NOT_YOUR_UNIT if user.has_role(*roles[:-1]) else codes.ROLE_REQUIRED
        if item.delegating_unit_id is None:
            return refused
        near = item.delegating_unit_id in (user.unit_id, _government_id(user))
        if not near and not (head and user.has_role(Role.LEADER)):
            return refused  # spares the unit's query for the many who are nowhere near it
        unit = item.delegating_unit
        return None if unit is not None and acts_for(user, unit, head=head) else refused

    return check


def _office_or_delegator() -> Check:
    """Top-level items are reviewed by the office; a delegated child item by the unit that delegated it."""
    delegator = _delegator()

    def check(item: Item, user: User) -> str | None:
        return delegator(item, user) if item.parent_id else office(item, user)

    return check


def _leader_or_delegator() -> Check:
    delegator = _delegator(head=True)

    def check(item: Item, user: User) -> str | None:
        return delegator(item, user) if item.parent_id else leader(item, user)

    return check


def _any_of(*checks: Check) -> Check:
    def check(item: Item, user: User) -> str | None:
        results = [one(item, user) for one in checks]
        if any(result is None for result in results):
            return None
        # Prefer "not your unit" over "role required": the user has a relevant role, in the wrong place.
        return codes.NOT_YOUR_UNIT if codes.NOT_YOUR_UNIT in results else results[0]

    return check


def _office_or_leader_or_delegator(item: Item, user: User) -> str | None:
    if item.parent_id:
        return _any_of(_delegator(), _delegator(head=True))(item, user)
    return _any_of(office, leader)(item, user)


# --- guards ---------------------------------------------------------------------------------------------------


def _sign_guard(item: Item, user: User) -> str | None:
    assignment = assignment_for(item, user)
    if assignment is not None and assignment.signed_at is not None:
        return codes.ALREADY_SIGNED
    return None


def _signed_guard(item: Item, user: User) -> str | None:
    assignment = assignment_for(item, user)
    if assignment is None or assignment.signed_at is None:
        return codes.NOT_SIGNED
    return None


def _delegate_guard(item: Item, user: User) -> str | None:
    """Signed for, and there is a unit below the user's to pass the work to (a township usually has none)."""
    if code := _signed_guard(item, user):
        return code
    own = acting_unit(item, user)
    assert own is not None
    return None if delegation_targets(own, item.government).exists() else codes.DELEGATE_TARGET_INVALID


def pending_completion_report(item: Item) -> Any:
    return (
        item.reports.filter(kind=ReportKind.COMPLETION, status=ReportStatus.PENDING_HEAD)
        .select_related("author")
        .first()
    )


def open_children_exist(item: Item) -> bool:
    return item.children.exclude(status__in=S.finished()).exists()


def _report_guard(item: Item, user: User) -> str | None:
    if code := _signed_guard(item, user):
        return code
    if pending_completion_report(item) is not None:
        return codes.REPORT_PENDING
    if open_children_exist(item):
        return codes.OPEN_CHILD_ITEMS
    return None


def _pending_report_guard(item: Item, user: User) -> str | None:
    return None if pending_completion_report(item) is not None else codes.NO_PENDING_REPORT


def _cancel_guard(item: Item, user: User) -> str | None:
    # The office asks once; the leader (or the delegating unit, for a child item) may withdraw at any time.
    if (
        item.cancel_requested_by_id is not None
        and office(item, user) is None
        and not user.has_role(Role.LEADER)
    ):
        return codes.CANCEL_PENDING
    return None


def _cancel_requested_guard(item: Item, user: User) -> str | None:
    return None if item.cancel_requested_by_id is not None else codes.NO_CANCEL_REQUEST


def open_extension(item: Item) -> Any:
    return item.extensions.filter(status__in=[ExtensionStatus.PENDING, ExtensionStatus.ENDORSED]).first()


def _extension_request_guard(item: Item, user: User) -> str | None:
    if code := _signed_guard(item, user):
        return code
    if open_extension(item) is not None:
        return codes.EXTENSION_PENDING
    if item.due_date is not None and timezone.localdate() > item.due_date:
        return codes.EXTENSION_AFTER_DUE
    return None


def _extension_decide_guard(item: Item, user: User) -> str | None:
    extension = open_extension(item)
    if extension is None:
        return codes.EXTENSION_NOT_PENDING
    if item.parent_id:
        return None if extension.status == ExtensionStatus.PENDING else codes.EXTENSION_NOT_PENDING
    if office(item, user) is None and extension.status == ExtensionStatus.PENDING:
        return None
    if leader(item, user) is None and (
        extension.status == ExtensionStatus.ENDORSED
        or (extension.status == ExtensionStatus.PENDING and not extension.requires_leader)
    ):
        return None
    return codes.EXTENSION_NOT_PENDING


def unresolved_dispute(item: Item) -> Any:
    return item.disputes.exclude(status=DisputeStatus.RULED).first()


def _dispute_escalate_guard(item: Item, user: User) -> str | None:
    if code := _signed_guard(item, user):
        return code
    if not any(assignment.role == AssignmentRole.CO for assignment in item.assignments.all()):
        return codes.NO_CO_UNITS
    if unresolved_dispute(item) is not None:
        return codes.DISPUTE_NOT_OPEN
    return None


def _dispute_coordinate_guard(item: Item, user: User) -> str | None:
    dispute = unresolved_dispute(item)
    return None if dispute is not None and dispute.status == DisputeStatus.OPEN else codes.DISPUTE_NOT_OPEN


def _dispute_rule_guard(item: Item, user: User) -> str | None:
    dispute = unresolved_dispute(item)
    if dispute is None:
        return codes.DISPUTE_NOT_OPEN
    return None if dispute.status == DisputeStatus.COORDINATED else codes.DISPUTE_NOT_COORDINATED


# --- the table ------------------------------------------------------------------------------------------------


_OPEN_AFTER_DRAFT = frozenset(
    {S.PENDING_APPROVAL, S.REGISTERED, S.ASSIGNED, S.IN_PROGRESS, S.UNDER_REVIEW, S.ACCEPTED}
)
_RUNNING = frozenset({S.ASSIGNED, S.IN_PROGRESS})

# Notifications (published as item.<name>).
ASSIGNED, REPORT_FILED, REPORT_SUBMITTED, EXTENSION = (
    "assigned",
    "report_filed",
    "report_submitted",
    "extension",
)

TRANSITIONS: dict[str, Transition] = {
    t.action: t
    for t in [
        Transition("update", _("Edit"), frozenset({S.DRAFT}), None, office, event=E.ITEM_UPDATED),
        Transition(
            "submit",
            _("Submit for approval"),
            frozenset({S.DRAFT}),
            S.PENDING_APPROVAL,
            office,
            event=E.ITEM_SUBMITTED,
        ),
        Transition(
            "approve",
            _("Approve"),
            frozenset({S.PENDING_APPROVAL}),
            S.REGISTERED,
            leader,
            event=E.ITEM_APPROVED,
        ),
        Transition(
            "reject", _("Reject"), frozenset({S.PENDING_APPROVAL}), S.REJECTED, leader, event=E.ITEM_REJECTED
        ),
        Transition("revise", _("Revise"), frozenset({S.REJECTED}), S.DRAFT, office, event=E.ITEM_REVISED),
        Transition(
            "assign",
            _("Assign"),
            frozenset({S.REGISTERED}),
            S.ASSIGNED,
            office,
            event=E.ITEM_ASSIGNED,
            notify=ASSIGNED,
        ),
        # The lead unit's signing starts the work; a co-unit's only records it.
        Transition(
            "sign",
            _("Sign for"),
            _RUNNING,
            None,
            assigned_unit,
            _sign_guard,
            outcomes={
                "lead": Outcome(S.IN_PROGRESS, E.ITEM_SIGNED),
                "co": Outcome(None, E.ITEM_SIGNED),
            },
        ),
        Transition(
            "progress",
            _("Report progress"),
            _RUNNING,
            None,
            assigned_unit,
            _signed_guard,
            event=E.ITEM_PROGRESS,
        ),
        Transition(
            "report",
            _("File completion report"),
            frozenset({S.IN_PROGRESS}),
            None,
            lead_unit,
            _report_guard,
            event=E.ITEM_REPORTED,
            notify=REPORT_FILED,
        ),
        Transition(
            "report_approve",
            _("Approve completion report"),
            frozenset({S.IN_PROGRESS}),
            S.UNDER_REVIEW,
            lead_unit_head,
            _pending_report_guard,
            event=E.ITEM_REPORT_APPROVED,
            notify=REPORT_SUBMITTED,
        ),
        Transition(
            "report_return",
            _("Return completion report"),
            frozenset({S.IN_PROGRESS}),
            None,
            lead_unit_head,
            _pending_report_guard,
            event=E.ITEM_REPORT_RETURNED,
        ),
        Transition(
            "review",
            _("Review"),
            frozenset({S.UNDER_REVIEW}),
            None,
            _office_or_delegator(),
            outcomes={
                "accept": Outcome(S.ACCEPTED, E.ITEM_REVIEW_ACCEPTED),
                "return": Outcome(S.IN_PROGRESS, E.ITEM_REVIEW_RETURNED),
            },
        ),
        Transition(
            "close",
            _("Close"),
            frozenset({S.ACCEPTED}),
            S.CLOSED,
            _leader_or_delegator(),
            event=E.ITEM_CLOSED,
        ),
        Transition("archive", _("Archive"), frozenset({S.CLOSED}), S.ARCHIVED, office, event=E.ITEM_ARCHIVED),
        # A draft, a child item and the leader's own withdrawal take effect at once; the office asks otherwise.
        Transition(
            "cancel",
            _("Withdraw"),
            frozenset({S.DRAFT}) | _OPEN_AFTER_DRAFT,
            None,
            _office_or_leader_or_delegator,
            _cancel_guard,
            outcomes={
                "withdrawn": Outcome(S.CANCELLED, E.ITEM_CANCELLED),
                "requested": Outcome(None, E.ITEM_CANCEL_REQUESTED),
            },
        ),
        Transition(
            "cancel_approve",
            _("Approve withdrawal"),
            _OPEN_AFTER_DRAFT,
            S.CANCELLED,
            leader,
            _cancel_requested_guard,
            event=E.ITEM_CANCELLED,
        ),
        Transition(
            "cancel_refuse",
            _("Refuse withdrawal"),
            _OPEN_AFTER_DRAFT,
            None,
            leader,
            _cancel_requested_guard,
            event=E.ITEM_CANCEL_REFUSED,
        ),
        Transition(
            "extension_request",
            _("Request extension"),
            _RUNNING,
            None,
            lead_unit,
            _extension_request_guard,
            event=E.ITEM_EXTENSION_REQUESTED,
            notify=EXTENSION,
        ),
        # The office's grant is an endorsement where the leader must decide; the leader's decision is final.
        Transition(
            "extension_decide",
            _("Decide on extension"),
            _RUNNING,
            None,
            _office_or_leader_or_delegator,
            _extension_decide_guard,
            outcomes={
                "endorsed": Outcome(None, E.ITEM_EXTENSION_ENDORSED, EXTENSION),
                "granted": Outcome(None, E.ITEM_EXTENSION_GRANTED),
                "refused": Outcome(None, E.ITEM_EXTENSION_REFUSED),
            },
        ),
        # The child item delegated to the unit below is assigned at once: its units hear of it.
        Transition(
            "delegate",
            _("Delegate"),
            _RUNNING,
            None,
            assigned_unit,
            _delegate_guard,
            event=E.ITEM_DELEGATED,
            notify=ASSIGNED,
        ),
        Transition(
            "dispute_escalate",
            _("Escalate disagreement"),
            _RUNNING,
            None,
            lead_unit,
            _dispute_escalate_guard,
            event=E.ITEM_DISPUTE_ESCALATED,
        ),
        Transition(
            "dispute_coordinate",
            _("Record coordination"),
            _RUNNING,
            None,
            office,
            _dispute_coordinate_guard,
            event=E.ITEM_DISPUTE_COORDINATED,
        ),
        Transition(
            "dispute_rule",
            _("Record ruling"),
            _RUNNING,
            None,
            leader,
            _dispute_rule_guard,
            event=E.ITEM_DISPUTE_RULED,
        ),
    ]
}


def attach_refusal(item: Item, user: User) -> DomainError | None:
    """Who may attach files to an item, and when: the office, the leader, an assigned or the delegating unit, until
    the item is archived or withdrawn."""
    if item.status in (S.ARCHIVED, S.CANCELLED):
        return InvalidState(codes.ITEM_FINISHED)
    checks = (office, leader, assigned_unit, _delegator(), _delegator(head=True))
    if all(check(item, user) is not None for check in checks):
        return NotPermitted(codes.ROLE_REQUIRED)
    return None


def refusal(action: str, item: Item, user: User) -> DomainError | None:
    """Why `user` may not take `action` on `item` now, or None if they may."""
    return transition_refusal(TRANSITIONS[action], item, user)


def ensure_allowed(action: str, item: Item, user: User) -> None:
    if error := refusal(action, item, user):
        raise error


def available_actions(item: Item, user: User) -> list[Transition]:
    """The actions `user` may take on `item` now, in table order (for the item page)."""
    return [t for t in TRANSITIONS.values() if refusal(t.action, item, user) is None]
