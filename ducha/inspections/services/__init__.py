"""Writes on inspections, one module per stage: the annual plan and designations (plan), 立项 and 方案 (inspection),
changes of an approved 方案 (amendment), fieldwork and findings (fieldwork), evidence, conclusions, review requests
(review), rectification, follow-up visits (followup), the use of the results, closing and withdrawing (result), a
government's rules.

Every transition runs through the runner of its table (`base.*_LIFECYCLE`, see ducha.common.lifecycle): lock the
inspection (then the record in it, always in that order) → check who, status and guard → the service's own part →
the status, audit event and notification from the tables in ducha.inspections.lifecycle. Services are
keyword-only and raise ducha.common.errors (400/403/404/409) with stable codes; on any error the transaction
rolls back, so nothing is half done. Audit events of an inspection and of everything in it (conclusions, reviews,
rectifications, …) have subject_type "inspection" and the inspection's id; the annual plan's have
"inspection_plan", a designation's "designation". The names are re-exported here: callers write
`services.conclusion_issue`.
"""

from ducha.inspections.services.amendment import inspection_amend, inspection_amendment_decide
from ducha.inspections.services.base import (
    CONCLUSION_LIFECYCLE,
    INSPECTION_LIFECYCLE,
    LIFECYCLES,
    PLAN_LIFECYCLE,
    RECTIFICATION_LIFECYCLE,
    RESULT_LIFECYCLE,
    REVIEW_LIFECYCLE,
    TargetInput,
)
from ducha.inspections.services.conclusion import (
    OBJECTION_DAYS,
    REVIEW_DAYS,
    conclusion_acknowledge,
    conclusion_approve,
    conclusion_draft,
    conclusion_issue,
    conclusion_object,
    conclusion_return,
    conclusion_submit,
    conclusion_update,
)
from ducha.inspections.services.evidence import finding_evidence_add, rectification_evidence_add
from ducha.inspections.services.fieldwork import (
    finding_add,
    inspection_burden_record,
    inspection_finish,
    inspection_start,
)
from ducha.inspections.services.followup import followups_create
from ducha.inspections.services.inspection import (
    TeamMemberInput,
    inspection_approve,
    inspection_create,
    inspection_reject,
    inspection_revise,
    inspection_submit,
    inspection_team_set,
    inspection_train,
    inspection_update,
    inspection_view_record,
)
from ducha.inspections.services.plan import (
    annual_plan_approve,
    annual_plan_create,
    annual_plan_return,
    annual_plan_submit,
    designation_grant,
    plan_proposal_add,
    plan_proposal_decide,
)
from ducha.inspections.services.rectification import (
    VERIFICATION_METHODS,
    MilestoneInput,
    rectification_close,
    rectification_plan,
    rectification_progress,
    rectification_report,
    rectification_verify,
)
from ducha.inspections.services.result import (
    inspection_cancel,
    inspection_close,
    result_decide,
    result_propose,
)
from ducha.inspections.services.review import review_decide, review_reviewers_assign, took_part
from ducha.inspections.services.rules import rules_set

__all__ = [
    "CONCLUSION_LIFECYCLE",
    "INSPECTION_LIFECYCLE",
    "LIFECYCLES",
    "OBJECTION_DAYS",
    "PLAN_LIFECYCLE",
    "RECTIFICATION_LIFECYCLE",
    "RESULT_LIFECYCLE",
    "REVIEW_DAYS",
    "REVIEW_LIFECYCLE",
    "VERIFICATION_METHODS",
    "MilestoneInput",
    "TargetInput",
    "TeamMemberInput",
    "annual_plan_approve",
    "annual_plan_create",
    "annual_plan_return",
    "annual_plan_submit",
    "conclusion_acknowledge",
    "conclusion_approve",
    "conclusion_draft",
    "conclusion_issue",
    "conclusion_object",
    "conclusion_return",
    "conclusion_submit",
    "conclusion_update",
    "designation_grant",
    "finding_add",
    "finding_evidence_add",
    "followups_create",
    "inspection_amend",
    "inspection_amendment_decide",
    "inspection_approve",
    "inspection_burden_record",
    "inspection_cancel",
    "inspection_close",
    "inspection_create",
    "inspection_finish",
    "inspection_reject",
    "inspection_revise",
    "inspection_start",
    "inspection_submit",
    "inspection_team_set",
    "inspection_train",
    "inspection_update",
    "inspection_view_record",
    "plan_proposal_add",
    "plan_proposal_decide",
    "rectification_close",
    "rectification_evidence_add",
    "rectification_plan",
    "rectification_progress",
    "rectification_report",
    "rectification_verify",
    "result_decide",
    "result_propose",
    "review_decide",
    "review_reviewers_assign",
    "rules_set",
    "took_part",
]
