"""Review requests (复核, 条例 Art. 17): the office assigns reviewers who took no part in the conclusion; one of them
records the government's decision, which settles the conclusion and is sent to the target."""

from __future__ import annotations

from collections.abc import Sequence

from django.utils import timezone

from ducha.common import error_codes as codes
from ducha.common.inputs import choice, invalid, require_text
from ducha.common.lifecycle import Change
from ducha.inspections.lifecycle import RectificationStatus
from ducha.inspections.models import Conclusion, Rectification, ReviewOutcome, ReviewRequest
from ducha.inspections.services.base import CONCLUSION_LIFECYCLE, RECTIFICATION_LIFECYCLE, REVIEW_LIFECYCLE
from ducha.orgs.models import Role, User


def took_part(conclusion: Conclusion) -> set[int]:
    """Users who took part in the conclusion: the team, who drafted, submitted and approved it."""
    people = {m.user_id for m in conclusion.inspection.team.all() if m.user_id is not None}
    people |= {
        pk for pk in (conclusion.drafted_by_id, conclusion.submitted_by_id, conclusion.approved_by_id) if pk
    }
    return people


def review_reviewers_assign(*, review_id: int, actor: User, reviewer_ids: Sequence[int]) -> ReviewRequest:
    """filed → assigned, or assigned again (office): the reviewers (条例 Art. 17) are supervision staff or leaders
    of the government who took no part in the conclusion — a team member, its drafter or approver is refused.
    Audit: inspection_reviewers_assigned."""

    def apply(review: ReviewRequest) -> Change:
        ids = list(dict.fromkeys(reviewer_ids))
        if not ids:
            raise invalid(codes.REVIEWERS_REQUIRED, "reviewers")
        # Recusal first (条例 Art. 17): whoever took part is refused as such, whatever else they are.
        if set(ids) & took_part(review.conclusion):
            raise invalid(codes.REVIEWER_TOOK_PART, "reviewers")
        users = User.objects.select_related("unit").in_bulk(ids)
        government_id = review.inspection.government_id
        for pk in ids:
            user = users.get(pk)
            if (
                user is None
                or not user.is_active
                or user.unit is None
                or user.unit.government_id != government_id
                or not user.has_role(Role.OFFICE, Role.LEADER)
            ):
                raise invalid(codes.REVIEWER_INVALID, "reviewers")
        review.reviewers.set(ids)
        review.inspection.save(update_fields=["updated_at"])
        # Saved (updated_at) when the reviewers are only replaced, too.
        return Change(fields=["updated_at"], new={"reviewers": ids})

    return REVIEW_LIFECYCLE.run("reviewers_assign", subject_id=review_id, actor=actor, apply=apply)


def review_decide(
    *, review_id: int, actor: User, outcome: str, decision: str, revised_judgement: str = ""
) -> ReviewRequest:
    """assigned → decided (an assigned reviewer): the government's decision — upheld, changed (with the changed
    judgement) or withdrawn. It settles the conclusion (reviewed, or withdrawn: its open rectifications are
    cancelled) and is sent to the target. Deciding after the 30 days is allowed and shows as late.
    Audit: inspection_rectification_cancelled each, inspection_review_decided; notification
    review_request.decided."""

    def apply(review: ReviewRequest) -> Change:
        chosen = choice(outcome, ReviewOutcome, "outcome")
        text = require_text(decision, codes.REVIEW_OUTCOME_TEXT_REQUIRED, "decision")
        changed = ""
        if chosen == ReviewOutcome.CHANGED:
            changed = require_text(revised_judgement, codes.REVIEW_OUTCOME_TEXT_REQUIRED, "revised_judgement")
        now = timezone.now()
        review.outcome = chosen
        review.decision = text
        review.decided_by = actor
        review.decided_at = now
        review.sent_at = now
        conclusion = review.conclusion
        if chosen == ReviewOutcome.CHANGED:
            conclusion.revised_judgement = changed
        withdrawn = chosen == ReviewOutcome.WITHDRAWN
        CONCLUSION_LIFECYCLE.enter(
            "conclusion_settle",
            conclusion,
            actor,
            Change(outcome="withdrawn" if withdrawn else "reviewed", fields=["revised_judgement"]),
        )
        review.inspection.save(update_fields=["updated_at"])
        if withdrawn:
            for rectification in (
                Rectification.objects.select_for_update()
                .filter(conclusion=conclusion)
                .exclude(status__in=RectificationStatus.finished())
            ):
                RECTIFICATION_LIFECYCLE.enter("rectification_cancel", rectification, actor)
        return Change(
            outcome=chosen,
            fields=["outcome", "decision", "decided_by", "decided_at", "sent_at"],
            new={
                "conclusion": conclusion.pk,
                "target": conclusion.target_id,
                "outcome": chosen,
                "late": review.is_late,
            },
            comment=text,
            notice={"inspection_id": review.inspection_id},
        )

    return REVIEW_LIFECYCLE.run("review_decide", subject_id=review_id, actor=actor, apply=apply)
