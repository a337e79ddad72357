"""The end of an inspection: proposals for the use of its results (结论运用, 条例 Art. 19-21), which the leader
decides; closing it when nothing is open; withdrawing it."""

from __future__ import annotations

from django.utils import timezone

from ducha.common import error_codes as codes
from ducha.common.inputs import choice, invalid, require_text
from ducha.common.lifecycle import Change
from ducha.inspections.models import Inspection, ResultProposal, ResultProposalKind
from ducha.inspections.services.base import INSPECTION_LIFECYCLE, RESULT_LIFECYCLE
from ducha.orgs.models import User


def result_propose(
    *, inspection_id: int, actor: User, unit_id: int, kind: str, reason: str, referred_to: str = ""
) -> ResultProposal:
    """The office proposes to praise, reward, criticise or hold a target to account, while concluding or
    rectifying; nothing takes effect until the leader approves. Audit: inspection_result_proposed."""

    def apply(inspection: Inspection) -> Change:
        choice(kind, ResultProposalKind, "kind")
        if not inspection.targets.filter(unit_id=unit_id).exists():
            raise invalid(codes.FINDING_TARGET_INVALID, "unit")
        why = require_text(reason, codes.REASON_REQUIRED, "reason")
        proposal = ResultProposal.objects.create(
            inspection=inspection,
            unit_id=unit_id,
            kind=kind,
            reason=why,
            referred_to=referred_to[:200],
            proposed_by=actor,
        )
        inspection.save(update_fields=["updated_at"])
        return Change(
            new={"proposal": proposal.pk, "unit": unit_id, "kind": kind}, comment=why, result=proposal
        )

    return INSPECTION_LIFECYCLE.run("result_propose", subject_id=inspection_id, actor=actor, apply=apply)


def result_decide(*, proposal_id: int, actor: User, approve: bool, comment: str = "") -> ResultProposal:
    """proposed → approved (it takes effect) or rejected, with a reason (leader). Audit: inspection_result_decided."""

    def apply(proposal: ResultProposal) -> Change:
        if not approve:
            require_text(comment, codes.REASON_REQUIRED, "comment")
        proposal.decided_by = actor
        proposal.decided_at = timezone.now()
        proposal.decision_comment = comment
        proposal.inspection.save(update_fields=["updated_at"])
        return Change(
            outcome="approved" if approve else "rejected",
            fields=["decided_by", "decided_at", "decision_comment"],
            new={"unit": proposal.unit_id, "kind": proposal.kind},
            comment=comment,
        )

    return RESULT_LIFECYCLE.run("result_decide", subject_id=proposal_id, actor=actor, apply=apply)


def inspection_close(*, inspection_id: int, actor: User, comment: str = "") -> Inspection:
    """rectifying → closed (leader): approves the inspection report once every conclusion is final (acknowledged
    with its objection window over, reviewed or withdrawn), every rectification closed or cancelled and every
    proposal decided. Audit: inspection_closed."""

    def apply(inspection: Inspection) -> Change:
        inspection.closed_at = timezone.now()
        inspection.closing_comment = comment
        return Change(fields=["closed_at", "closing_comment"], comment=comment)

    return INSPECTION_LIFECYCLE.run("close", subject_id=inspection_id, actor=actor, apply=apply)


def inspection_cancel(*, inspection_id: int, actor: User, reason: str) -> Inspection:
    """Withdraw an inspection, with a reason: the office before approval, the leader until fieldwork ends
    (→ cancelled). Audit: inspection_cancelled."""

    def apply(inspection: Inspection) -> Change:
        inspection.cancel_reason = require_text(reason, codes.REASON_REQUIRED, "reason")
        return Change(fields=["cancel_reason"], comment=reason)

    return INSPECTION_LIFECYCLE.run("cancel", subject_id=inspection_id, actor=actor, apply=apply)
