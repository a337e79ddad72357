"""The inspection lifecycle as data: statuses, and one table of actions per kind of record — the inspection itself,
the annual plan, a conclusion, a review request, a rectification and a result proposal — with where each action
starts, where it leads, who may take it, what else must hold, the audit event each outcome writes and the
notification it publishes.

The tables are executed: every transition service runs its action through the runner of its table
(`ducha.common.lifecycle.Lifecycle`, one per table in `services.base`), which takes the status, the event and the
notification from here. A few transitions are never offered to a user: the system takes them as the consequence
of another (`*_CONSEQUENCES`: the inspection moves to rectifying when its last conclusion is issued; a review
decision settles the conclusion and, withdrawing it, cancels its open rectifications). `RUNNER_TABLES` joins each
subject's actions and consequences for its runner.

`refusal(action, subject, user)` says why an action is refused (a DomainError with a stable code) or returns None;
the runner calls it after locking the row, and the pages list `available_actions()`. Checks run in a fixed order:
who (403), then the status (409), then the action's own guard (409). Action names are unique across the tables,
so one name identifies one table.

Notifications are published on commit as `<runner>.<name>` with `<runner>_id` and `inspection_id`:
`conclusion.issued` (a conclusion was issued to its target) and `review_request.decided` (the decision on a review
request is sent to the target). Telling the targets of an inspection itself (event inspection_targets_notified)
depends on the kind of visit and stays with the services.

Inspections passed in must have `team` loaded (prefetched or fetched); conclusions, review requests,
rectifications and result proposals must have `inspection` loaded.

The statuses live in ducha.inspections.statuses (the models store them) and are re-exported here.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from ducha.audit.models import EventType as E
from ducha.common import error_codes as codes
from ducha.common.errors import DomainError
from ducha.common.lifecycle import Outcome, Transition, transition_refusal
from ducha.inspections import overlap
from ducha.inspections.models import (
    AmendmentStatus,
    AnnualPlan,
    Conclusion,
    Designation,
    Inspection,
    Rectification,
    ResultProposal,
    ReviewRequest,
    TeamRole,
)
from ducha.inspections.statuses import (
    ConclusionStatus,
    InspectionStatus,
    PlanStatus,
    ProposalStatus,
    RectificationStatus,
    ResultProposalStatus,
    ReviewStatus,
)
from ducha.orgs.models import UNIT_ROLES, Role, UnitKind, User

S = InspectionStatus
C = ConclusionStatus
R = RectificationStatus
OFFICE_KINDS = (UnitKind.SUPERVISION_OFFICE, UnitKind.GENERAL_OFFICE)

Check = Callable[[Any, User], str | None]


# --- who ------------------------------------------------------------------------------------------------------


def inspection_of(subject: Any) -> Inspection:
    return subject if isinstance(subject, Inspection) else subject.inspection


def _government_id(subject: Any) -> int:
    if isinstance(subject, AnnualPlan):
        return subject.government_id
    return inspection_of(subject).government_id


def _government_role(role: str) -> Check:
    def check(subject: Any, user: User) -> str | None:
        if not user.has_role(role):
            return codes.ROLE_REQUIRED
        if user.unit is None or user.unit.government_id != _government_id(subject):
            return codes.NOT_YOUR_UNIT
        return None

    return check


office = _government_role(Role.OFFICE)
leader = _government_role(Role.LEADER)


def team_membership(inspection: Inspection, user: User) -> Any:
    for member in inspection.team.all():
        if member.user_id is not None and member.user_id == user.pk:
            return member
    return None


def team_member(subject: Any, user: User) -> str | None:
    return None if team_membership(inspection_of(subject), user) is not None else codes.ROLE_REQUIRED


def team_leader(subject: Any, user: User) -> str | None:
    member = team_membership(inspection_of(subject), user)
    return None if member is not None and member.role == TeamRole.LEADER else codes.ROLE_REQUIRED


def _any_of(*checks: Check) -> Check:
    def check(subject: Any, user: User) -> str | None:
        results = [one(subject, user) for one in checks]
        if any(result is None for result in results):
            return None
        # Prefer "not your unit" over "role required": the user has a relevant role, in the wrong place.
        return codes.NOT_YOUR_UNIT if codes.NOT_YOUR_UNIT in results else results[0]

    return check


office_or_team_leader = _any_of(office, team_leader)
office_or_team = _any_of(office, team_member)
office_or_leader = _any_of(office, leader)


def _target_unit(roles: tuple[str, ...]) -> Check:
    """Users of the unit a conclusion or rectification concerns (its own unit, not a unit above it)."""

    def check(subject: Any, user: User) -> str | None:
        if not user.has_role(*roles):
            return codes.ROLE_REQUIRED
        if user.unit_id is None or user.unit_id != subject.target_id:
            return codes.NOT_YOUR_UNIT
        return None

    return check


target_any = _target_unit(UNIT_ROLES)
target_receiver = _target_unit((Role.UNIT_HEAD, Role.LIAISON))
target_head = _target_unit((Role.UNIT_HEAD,))


def _plan_proposer(plan: Any, user: User) -> str | None:
    """Departments propose for their government's plan; so does the office."""
    if office(plan, user) is None:
        return None
    if not user.has_role(*UNIT_ROLES):
        return codes.ROLE_REQUIRED
    unit = user.unit
    if unit is None or unit.government_id != plan.government_id or unit.kind != UnitKind.DEPARTMENT:
        return codes.NOT_YOUR_UNIT
    return None


def _assigned_reviewer(review: Any, user: User) -> str | None:
    if not user.has_role(Role.OFFICE, Role.LEADER):
        return codes.ROLE_REQUIRED
    if not any(reviewer.pk == user.pk for reviewer in review.reviewers.all()):
        return codes.NOT_A_REVIEWER
    return None


# --- guards ---------------------------------------------------------------------------------------------------


def pending_amendment(inspection: Inspection) -> Any:
    return inspection.amendments.filter(status=AmendmentStatus.PENDING).first()


@dataclass(frozen=True)
class MissingPart:
    """A part of the inspection that must be filled in before it can be submitted for approval."""

    part: str  # a stable name: "content", "scope", "method", "schedule", "targets", "team_leader", …
    label: Any  # what the user calls it (lazy)
    code: str  # the refusal the submit guard gives while it is missing

    def __str__(self) -> str:
        return str(self.label)


PLAN_FIELDS = ("content", "scope", "method", "schedule")


def _field_label(name: str) -> Any:
    return getattr(Inspection._meta.get_field(name), "verbose_name", name)


def submit_missing(inspection: Inspection) -> list[MissingPart]:
    """Everything that keeps `inspection` from being submitted, in the order the submit guard checks it: the
    方案's parts, the team leader, the plan entry (or the reason for an inspection outside the plan) and a
    department's designation. The guard refuses with the first one's code, so the list shown to the user and the
    refusal cannot disagree. Uses prefetched `targets` and `team` when there are."""
    missing = [
        MissingPart(name, _field_label(name), codes.INSPECTION_PLAN_INCOMPLETE)
        for name in PLAN_FIELDS
        if not getattr(inspection, name).strip()
    ]
    if not inspection.targets.all():
        missing.append(MissingPart("targets", _("targets"), codes.INSPECTION_PLAN_INCOMPLETE))
    if not any(member.role == TeamRole.LEADER for member in inspection.team.all()):
        missing.append(MissingPart("team_leader", _("team leader"), codes.INSPECTION_TEAM_LEADER_REQUIRED))
    if inspection.in_plan and inspection.plan_entry_id is None and inspection.follows_up_id is None:
        missing.append(MissingPart("plan_entry", _("Plan entry"), codes.INSPECTION_PLAN_ENTRY_REQUIRED))
    if not inspection.in_plan and not inspection.out_of_plan_reason.strip():
        missing.append(
            MissingPart(
                "out_of_plan_reason",
                _field_label("out_of_plan_reason"),
                codes.OUT_OF_PLAN_REASON_REQUIRED,
            )
        )
    if designation_needed(inspection) and matching_designation(inspection) is None:
        missing.append(MissingPart("designation", _("designation"), codes.DESIGNATION_REQUIRED))
    return missing


def plan_is_complete(inspection: Inspection) -> bool:
    return not any(m.code == codes.INSPECTION_PLAN_INCOMPLETE for m in submit_missing(inspection))


def _submit_guard(inspection: Inspection, user: User) -> str | None:
    missing = submit_missing(inspection)
    if missing:
        return missing[0].code
    if overlap.is_blocked(inspection):
        return codes.INSPECTION_OVERLAP
    return None


def _approve_guard(inspection: Inspection, user: User) -> str | None:
    if designation_needed(inspection) and matching_designation(inspection) is None:
        return codes.DESIGNATION_REQUIRED
    if overlap.is_blocked(inspection):
        return codes.INSPECTION_OVERLAP
    return None


def designation_needed(inspection: Inspection) -> bool:
    """条例 Art. 7: a department (not the government's own office) inspects only where designated."""
    return inspection.lead_unit.kind not in OFFICE_KINDS


def matching_designation(inspection: Inspection) -> Any:
    """A designation of the lead department covering the whole window and every target, or None."""
    target_ids = set(inspection.targets.values_list("unit_id", flat=True))
    candidates = Designation.objects.filter(
        government_id=inspection.government_id,
        unit_id=inspection.lead_unit_id,
        start_date__lte=inspection.start_date,
        end_date__gte=inspection.end_date,
    ).prefetch_related("targets")
    if inspection.plan_entry_id is not None:
        entry_first = candidates.filter(plan_proposal_id=inspection.plan_entry_id).first()
        if entry_first is not None and target_ids <= {t.pk for t in entry_first.targets.all()}:
            return entry_first
    for designation in candidates.order_by("id"):
        allowed = {unit.pk for unit in designation.targets.all()}
        if not allowed or target_ids <= allowed:
            return designation
    return None


def _start_guard(inspection: Inspection, user: User) -> str | None:
    if not any(member.role == TeamRole.LEADER for member in inspection.team.all()):
        return codes.INSPECTION_TEAM_LEADER_REQUIRED
    if not all(member.is_trained for member in inspection.team.all()):
        return codes.INSPECTION_TEAM_NOT_TRAINED
    if pending_amendment(inspection) is not None:
        return codes.AMENDMENT_PENDING
    return None


def _amend_guard(inspection: Inspection, user: User) -> str | None:
    return codes.AMENDMENT_PENDING if pending_amendment(inspection) is not None else None


def _amendment_decide_guard(inspection: Inspection, user: User) -> str | None:
    return None if pending_amendment(inspection) is not None else codes.NO_PENDING_AMENDMENT


def open_work(inspection: Inspection) -> bool:
    """Anything that keeps an inspection from closing: a conclusion not final, an undecided review, an open
    rectification, a result proposal waiting for the government."""
    return (
        inspection.conclusions.exclude(status__in=[C.ACKNOWLEDGED, C.REVIEWED, C.WITHDRAWN]).exists()
        or inspection.review_requests.exclude(status=ReviewStatus.DECIDED).exists()
        or inspection.rectifications.exclude(status__in=R.finished()).exists()
        or inspection.result_proposals.filter(status=ResultProposalStatus.PROPOSED).exists()
        or _objection_window_open(inspection)
    )


def _objection_window_open(inspection: Inspection) -> bool:
    return inspection.conclusions.filter(
        status=C.ACKNOWLEDGED, objection_deadline__gte=timezone.localdate()
    ).exists()


def _close_guard(inspection: Inspection, user: User) -> str | None:
    return codes.INSPECTION_OPEN_WORK if open_work(inspection) else None


_BEFORE_APPROVAL = frozenset({S.PROPOSED, S.PENDING_APPROVAL, S.REJECTED})


def _cancel_guard(inspection: Inspection, user: User) -> str | None:
    if inspection.status not in _BEFORE_APPROVAL and leader(inspection, user) is not None:
        return codes.INSPECTION_CANCEL_NEEDS_LEADER
    return None


def _conclusion_stage(conclusion: Any, user: User) -> str | None:
    return None if conclusion.inspection.status == S.CONCLUDING else codes.ACTION_NOT_ALLOWED


def _objection_guard(conclusion: Any, user: User) -> str | None:
    return None if conclusion.objection_open_on(timezone.localdate()) else codes.OBJECTION_WINDOW_CLOSED


def _plan_submit_guard(plan: Any, user: User) -> str | None:
    return (
        codes.ANNUAL_PLAN_UNDECIDED
        if plan.proposals.filter(status=ProposalStatus.PROPOSED).exists()
        else None
    )


# --- the tables -----------------------------------------------------------------------------------------------


def _table(*transitions: Transition) -> dict[str, Transition]:
    return {t.action: t for t in transitions}


def system(subject: Any, user: User) -> str | None:
    """A consequence of another transition: the system takes it, never a user (no page offers it, so its label is
    the status it leads to)."""
    return codes.ACTION_NOT_ALLOWED


# Notifications (published as <runner>.<name>).
ISSUED, DECIDED = "issued", "decided"

_APPROVED_ON = frozenset({S.APPROVED, S.IN_FIELDWORK})

# Evidence: the same file for the same record again is the one use there is, and nothing is recorded.
_EVIDENCE_OUTCOMES = {
    "added": Outcome(None, E.INSPECTION_EVIDENCE_ADDED),
    "already_added": Outcome(None, None),
}

INSPECTION_TRANSITIONS = _table(
    Transition(
        "update", _("Edit the plan"), frozenset({S.PROPOSED}), None, office, event=E.INSPECTION_UPDATED
    ),
    Transition(
        "team_set",
        _("Set the team"),
        frozenset({S.PROPOSED, S.APPROVED}),
        None,
        office,
        event=E.INSPECTION_TEAM_SET,
    ),
    Transition(
        "train",
        _("Record training"),
        frozenset({S.PROPOSED, S.PENDING_APPROVAL, S.APPROVED}),
        None,
        office_or_team_leader,
        event=E.INSPECTION_TEAM_TRAINED,
    ),
    Transition(
        "submit",
        _("Submit for approval"),
        frozenset({S.PROPOSED}),
        S.PENDING_APPROVAL,
        office,
        _submit_guard,
        event=E.INSPECTION_SUBMITTED,
    ),
    Transition(
        "approve",
        _("Approve"),
        frozenset({S.PENDING_APPROVAL}),
        S.APPROVED,
        leader,
        _approve_guard,
        event=E.INSPECTION_APPROVED,
    ),
    Transition(
        "reject",
        _("Reject"),
        frozenset({S.PENDING_APPROVAL}),
        S.REJECTED,
        leader,
        event=E.INSPECTION_REJECTED,
    ),
    Transition(
        "revise", _("Revise"), frozenset({S.REJECTED}), S.PROPOSED, office, event=E.INSPECTION_REVISED
    ),
    # Widening the 方案 waits for the leader; narrowing applies at once.
    Transition(
        "amend",
        _("Change the plan"),
        _APPROVED_ON,
        None,
        office_or_team_leader,
        _amend_guard,
        outcomes={
            "requested": Outcome(None, E.INSPECTION_AMENDMENT_REQUESTED),
            "applied": Outcome(None, E.INSPECTION_AMENDMENT_APPLIED),
        },
    ),
    Transition(
        "amendment_decide",
        _("Decide on the change"),
        _APPROVED_ON,
        None,
        leader,
        _amendment_decide_guard,
        outcomes={
            "approved": Outcome(None, E.INSPECTION_AMENDMENT_APPLIED),
            "rejected": Outcome(None, E.INSPECTION_AMENDMENT_REJECTED),
        },
    ),
    Transition(
        "start",
        _("Start fieldwork"),
        frozenset({S.APPROVED}),
        S.IN_FIELDWORK,
        office_or_team_leader,
        _start_guard,
        event=E.INSPECTION_STARTED,
    ),
    Transition(
        "finding_add",
        _("Record a finding"),
        frozenset({S.IN_FIELDWORK}),
        None,
        office_or_team,
        event=E.INSPECTION_FINDING_ADDED,
    ),
    Transition(
        "evidence_add",
        _("Add evidence"),
        frozenset({S.IN_FIELDWORK, S.CONCLUDING}),
        None,
        office_or_team,
        outcomes=_EVIDENCE_OUTCOMES,
    ),
    Transition(
        "burden_record",
        _("Record the burden on a target"),
        frozenset({S.APPROVED, S.IN_FIELDWORK, S.CONCLUDING, S.RECTIFYING}),
        None,
        office,
        event=E.INSPECTION_BURDEN_RECORDED,
    ),
    Transition(
        "finish",
        _("Finish fieldwork"),
        frozenset({S.IN_FIELDWORK}),
        S.CONCLUDING,
        office_or_team_leader,
        event=E.INSPECTION_FINISHED,
    ),
    Transition(
        "conclusion_draft",
        _("Draft a conclusion"),
        frozenset({S.CONCLUDING}),
        None,
        office_or_team_leader,
        event=E.INSPECTION_CONCLUSION_DRAFTED,
    ),
    Transition(
        "result_propose",
        _("Propose praise, criticism or accountability"),
        frozenset({S.CONCLUDING, S.RECTIFYING}),
        None,
        office,
        event=E.INSPECTION_RESULT_PROPOSED,
    ),
    Transition(
        "close",
        _("Approve the report and close"),
        frozenset({S.RECTIFYING}),
        S.CLOSED,
        leader,
        _close_guard,
        event=E.INSPECTION_CLOSED,
    ),
    Transition(
        "cancel",
        _("Withdraw"),
        _BEFORE_APPROVAL | _APPROVED_ON,
        S.CANCELLED,
        office_or_leader,
        _cancel_guard,
        event=E.INSPECTION_CANCELLED,
    ),
)

INSPECTION_CONSEQUENCES = _table(
    # When the last target's conclusion is issued (conclusion_issue).
    Transition(
        "rectify",
        _("rectifying"),
        frozenset({S.CONCLUDING}),
        S.RECTIFYING,
        system,
        event=E.INSPECTION_RECTIFYING,
    ),
)

PLAN_TRANSITIONS = _table(
    Transition(
        "plan_propose",
        _("Propose an inspection"),
        frozenset({PlanStatus.DRAFTING}),
        None,
        _plan_proposer,
        event=E.INSPECTION_PLAN_PROPOSED,
    ),
    Transition(
        "proposal_decide",
        _("Accept, merge or cut"),
        frozenset({PlanStatus.DRAFTING}),
        None,
        office,
        outcomes={
            decision: Outcome(None, E.INSPECTION_PLAN_PROPOSAL_DECIDED)
            for decision in ("accept", "merge", "cut")
        },
    ),
    Transition(
        "plan_submit",
        _("Submit the plan"),
        frozenset({PlanStatus.DRAFTING}),
        PlanStatus.PENDING_APPROVAL,
        office,
        _plan_submit_guard,
        event=E.INSPECTION_PLAN_SUBMITTED,
    ),
    Transition(
        "plan_approve",
        _("Approve the plan"),
        frozenset({PlanStatus.PENDING_APPROVAL}),
        PlanStatus.APPROVED,
        leader,
        event=E.INSPECTION_PLAN_APPROVED,
    ),
    Transition(
        "plan_return",
        _("Return the plan"),
        frozenset({PlanStatus.PENDING_APPROVAL}),
        PlanStatus.DRAFTING,
        leader,
        event=E.INSPECTION_PLAN_RETURNED,
    ),
)

CONCLUSION_TRANSITIONS = _table(
    Transition(
        "conclusion_update",
        _("Edit"),
        frozenset({C.DRAFT}),
        None,
        office_or_team_leader,
        _conclusion_stage,
        event=E.INSPECTION_CONCLUSION_UPDATED,
    ),
    Transition(
        "conclusion_submit",
        _("Submit for approval"),
        frozenset({C.DRAFT}),
        C.PENDING_APPROVAL,
        office,
        _conclusion_stage,
        event=E.INSPECTION_CONCLUSION_SUBMITTED,
    ),
    Transition(
        "conclusion_approve",
        _("Approve"),
        frozenset({C.PENDING_APPROVAL}),
        C.APPROVED,
        leader,
        event=E.INSPECTION_CONCLUSION_APPROVED,
    ),
    Transition(
        "conclusion_return",
        _("Return"),
        frozenset({C.PENDING_APPROVAL}),
        C.DRAFT,
        leader,
        event=E.INSPECTION_CONCLUSION_RETURNED,
    ),
    # The target is told its conclusion; its findings become rectification tasks.
    Transition(
        "conclusion_issue",
        _("Issue to the target"),
        frozenset({C.APPROVED}),
        C.ISSUED,
        office,
        event=E.INSPECTION_CONCLUSION_ISSUED,
        notify=ISSUED,
    ),
    Transition(
        "acknowledge",
        _("Acknowledge receipt"),
        frozenset({C.ISSUED}),
        C.ACKNOWLEDGED,
        target_receiver,
        event=E.INSPECTION_CONCLUSION_ACKNOWLEDGED,
    ),
    Transition(
        "object",
        _("Object and ask for a review"),
        frozenset({C.ACKNOWLEDGED}),
        C.UNDER_REVIEW,
        target_head,
        _objection_guard,
        event=E.INSPECTION_OBJECTION_FILED,
    ),
)

CONCLUSION_CONSEQUENCES = _table(
    # The review's decision (review_decide) settles the conclusion; its own event records the outcome.
    Transition(
        "conclusion_settle",
        _("reviewed"),
        frozenset({C.UNDER_REVIEW}),
        None,
        system,
        outcomes={"reviewed": Outcome(C.REVIEWED), "withdrawn": Outcome(C.WITHDRAWN)},
    ),
)

REVIEW_TRANSITIONS = _table(
    Transition(
        "reviewers_assign",
        _("Assign reviewers"),
        frozenset({ReviewStatus.FILED, ReviewStatus.ASSIGNED}),
        ReviewStatus.ASSIGNED,
        office,
        event=E.INSPECTION_REVIEWERS_ASSIGNED,
    ),
    # Upheld, changed or withdrawn, the decision is sent to the target.
    Transition(
        "review_decide",
        _("Decide the review"),
        frozenset({ReviewStatus.ASSIGNED}),
        None,
        _assigned_reviewer,
        outcomes={
            outcome: Outcome(ReviewStatus.DECIDED, E.INSPECTION_REVIEW_DECIDED, DECIDED)
            for outcome in ("upheld", "changed", "withdrawn")
        },
    ),
)

RECTIFICATION_TRANSITIONS = _table(
    Transition(
        "rectification_plan",
        _("Submit the rectification plan"),
        frozenset({R.OPEN}),
        R.IN_PROGRESS,
        target_any,
        event=E.INSPECTION_RECTIFICATION_PLANNED,
    ),
    Transition(
        "rectification_progress",
        _("Report progress"),
        frozenset({R.IN_PROGRESS}),
        None,
        target_any,
        event=E.INSPECTION_RECTIFICATION_PROGRESS,
    ),
    Transition(
        "rectification_evidence",
        _("Add evidence"),
        frozenset({R.OPEN, R.IN_PROGRESS, R.REPORTED}),
        None,
        _any_of(target_any, office),
        outcomes=_EVIDENCE_OUTCOMES,
    ),
    Transition(
        "rectification_report",
        _("Report complete"),
        frozenset({R.IN_PROGRESS}),
        R.REPORTED,
        target_head,
        event=E.INSPECTION_RECTIFICATION_REPORTED,
    ),
    Transition(
        "rectification_verify",
        _("Verify"),
        frozenset({R.REPORTED}),
        None,
        office,
        outcomes={
            "passed": Outcome(R.VERIFIED, E.INSPECTION_RECTIFICATION_VERIFIED),
            "failed": Outcome(R.IN_PROGRESS, E.INSPECTION_RECTIFICATION_FAILED),
        },
    ),
    Transition(
        "rectification_close",
        _("Close (销号)"),
        frozenset({R.VERIFIED}),
        R.CLOSED,
        office,
        event=E.INSPECTION_RECTIFICATION_CLOSED,
    ),
)

RECTIFICATION_CONSEQUENCES = _table(
    # A conclusion withdrawn on review (review_decide) takes its open rectifications with it.
    Transition(
        "rectification_cancel",
        _("cancelled"),
        frozenset(set(R.values) - R.finished()),
        R.CANCELLED,
        system,
        event=E.INSPECTION_RECTIFICATION_CANCELLED,
    ),
)

RESULT_TRANSITIONS = _table(
    Transition(
        "result_decide",
        _("Decide"),
        frozenset({ResultProposalStatus.PROPOSED}),
        None,
        leader,
        outcomes={
            "approved": Outcome(ResultProposalStatus.APPROVED, E.INSPECTION_RESULT_DECIDED),
            "rejected": Outcome(ResultProposalStatus.REJECTED, E.INSPECTION_RESULT_DECIDED),
        },
    ),
)

# The tables users act on (the pages list their actions).
TABLES = [
    INSPECTION_TRANSITIONS,
    PLAN_TRANSITIONS,
    CONCLUSION_TRANSITIONS,
    REVIEW_TRANSITIONS,
    RECTIFICATION_TRANSITIONS,
    RESULT_TRANSITIONS,
]
CONSEQUENCES = [INSPECTION_CONSEQUENCES, CONCLUSION_CONSEQUENCES, RECTIFICATION_CONSEQUENCES]

# What each runner executes (services.base): a subject's actions and the consequences the system takes on it, by
# the runner's name (its notifications are published as <name>.<notify>).
RUNNER_TABLES: dict[str, dict[str, Transition]] = {
    "inspection": {**INSPECTION_TRANSITIONS, **INSPECTION_CONSEQUENCES},
    "annual_plan": PLAN_TRANSITIONS,
    "conclusion": {**CONCLUSION_TRANSITIONS, **CONCLUSION_CONSEQUENCES},
    "review_request": REVIEW_TRANSITIONS,
    "rectification": {**RECTIFICATION_TRANSITIONS, **RECTIFICATION_CONSEQUENCES},
    "result_proposal": RESULT_TRANSITIONS,
}

TRANSITIONS: dict[str, Transition] = {
    action: t for table in [*TABLES, *CONSEQUENCES] for action, t in table.items()
}
assert len(TRANSITIONS) == sum(len(table) for table in [*TABLES, *CONSEQUENCES]), (
    "action names must be unique across tables"
)


def refusal(action: str, subject: Any, user: User) -> DomainError | None:
    """Why `user` may not take `action` on `subject` now, or None if they may."""
    return transition_refusal(TRANSITIONS[action], subject, user)


def ensure_allowed(action: str, subject: Any, user: User) -> None:
    if error := refusal(action, subject, user):
        raise error


def available_actions(
    subject: Any, user: User, table: dict[str, Transition] | None = None
) -> list[Transition]:
    """The actions `user` may take on `subject` now, in table order (for the pages)."""
    if table is None:
        table = {
            Inspection: INSPECTION_TRANSITIONS,
            AnnualPlan: PLAN_TRANSITIONS,
            Conclusion: CONCLUSION_TRANSITIONS,
            ReviewRequest: REVIEW_TRANSITIONS,
            Rectification: RECTIFICATION_TRANSITIONS,
            ResultProposal: RESULT_TRANSITIONS,
        }[type(subject)]
    return [t for t in table.values() if refusal(t.action, subject, user) is None]
