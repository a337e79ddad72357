"""Inspections (督查活动): the annual plan and its proposals, designations of departments, inspections with their
targets, team and 方案, amendments of the 方案, findings and their evidence, conclusions per target, review requests
(复核), rectifications (整改) with milestones and progress, scheduled follow-ups (回头看), proposals for the use of the
results (结论运用), and the government's configurable rules for all of it.

Statuses live in statuses.py, their transitions in lifecycle.py; every write goes through services/; scope lives
in selectors.py. One module per stage — plan, inspection (targets, team, designation, amendments), fieldwork
(findings, evidence), conclusion (and review requests), rectification (and follow-ups), results, rules — every
name re-exported here.

Rectification deadlines follow the items' pattern (ADR 0002) so the reminders engine can treat both alike:

- `Rectification.due_date`: the stored deadline, set when the rectification is created (at the conclusion's issue)
  and moved only by an explicit service; never recomputed on read.
- `Rectification.warn_date`: the day the light turns yellow, `DUCHA_YELLOW_WORKDAYS` working days before the due
  date, stored with it.
- The light is a pure function of (status, due date, warn date, today): `Rectification.light_on()` in Python and
  `selectors.rectification_light_filter()` in SQL; it shows while the status is in
  `RectificationStatus.running()` (open, in_progress).
"""

from ducha.inspections.models.conclusion import Conclusion, ReviewOutcome, ReviewRequest
from ducha.inspections.models.fieldwork import (
    EvidenceFile,
    EvidenceKind,
    EvidenceUse,
    Finding,
    RectificationKind,
    evidence_path,
)
from ducha.inspections.models.inspection import (
    Amendment,
    AmendmentStatus,
    Designation,
    Inspection,
    InspectionTarget,
    InvitedKind,
    TeamMember,
    TeamRole,
)
from ducha.inspections.models.plan import AnnualPlan, InspectionKind, PlanProposal
from ducha.inspections.models.rectification import (
    FollowUp,
    Light,
    Rectification,
    RectificationMilestone,
    RectificationProgress,
)
from ducha.inspections.models.results import ResultProposal, ResultProposalKind
from ducha.inspections.models.rules import BurdenPeriod, InspectionRules, OverlapRule

__all__ = [
    "Amendment",
    "AmendmentStatus",
    "AnnualPlan",
    "BurdenPeriod",
    "Conclusion",
    "Designation",
    "EvidenceFile",
    "EvidenceKind",
    "EvidenceUse",
    "Finding",
    "FollowUp",
    "Inspection",
    "InspectionKind",
    "InspectionRules",
    "InspectionTarget",
    "InvitedKind",
    "Light",
    "OverlapRule",
    "PlanProposal",
    "Rectification",
    "RectificationKind",
    "RectificationMilestone",
    "RectificationProgress",
    "ResultProposal",
    "ResultProposalKind",
    "ReviewOutcome",
    "ReviewRequest",
    "TeamMember",
    "TeamRole",
    "evidence_path",
]
