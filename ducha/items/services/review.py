"""审核, 办结 and 归档: the office reviews the completion report (the delegating unit, for a child item); the
leader closes the item; the office archives it."""

from __future__ import annotations

from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from ducha.common import error_codes as codes
from ducha.common.errors import DomainError, InvalidState, ValidationFailed
from ducha.common.inputs import choice, require_text
from ducha.common.lifecycle import Change
from ducha.items.models import (
    Assignment,
    AssignmentRole,
    AssignmentStatus,
    ConsolidatedStatus,
    Item,
    Report,
    ReportKind,
    ReportStatus,
    Review,
    SiteCheckConclusion,
)
from ducha.items.services.base import LIFECYCLE
from ducha.orgs.models import User


def item_review(
    *,
    item_id: int,
    actor: User,
    decision: str,
    opinion: str,
    task_completed: bool = False,
    problem_solved: bool = False,
    conclusion_appropriate: bool = False,
    lawful_compliant: bool = False,
) -> Review:
    """The office's review of the completion report (the delegating unit's, for a child item).
    accept: under_review → accepted, only when all four checks pass; the opinion becomes the closing opinion.
    return: under_review → in_progress, the lead unit redoes and reports again.
    Audit: item_review_accepted / item_review_returned."""

    def apply(item: Item) -> Change:
        chosen = choice(decision, Review.Decision, "decision")
        text = require_text(opinion, codes.OPINION_REQUIRED, "opinion")
        checks = [task_completed, problem_solved, conclusion_appropriate, lawful_compliant]
        if chosen == Review.Decision.ACCEPT and not all(checks):
            raise ValidationFailed(
                codes.REVIEW_CHECKS_INCOMPLETE,
                fields={"checks": codes.message_for(codes.REVIEW_CHECKS_INCOMPLETE)},
            )
        report = item.reports.filter(kind=ReportKind.COMPLETION, status=ReportStatus.SUBMITTED).latest(
            "created_at"
        )
        unsigned: list[int] = []
        if chosen == Review.Decision.ACCEPT:
            if error := acceptance_refusal(item, report):
                raise error
            # Not a refusal: the office was warned on the review form; the audit event keeps who never signed.
            unsigned = [assignment.unit_id for assignment in unsigned_co_units(item)]
        review = Review.objects.create(
            item=item,
            report=report,
            decision=chosen,
            opinion=text,
            task_completed=task_completed,
            problem_solved=problem_solved,
            conclusion_appropriate=conclusion_appropriate,
            lawful_compliant=lawful_compliant,
            reviewer=actor,
        )
        if chosen == Review.Decision.ACCEPT:
            report.status = ReportStatus.ACCEPTED
            item.closing_opinion = text
            outcome = "accept"
        else:
            report.status = ReportStatus.RETURNED
            item.completed_at = None
            Assignment.objects.filter(pk=report.assignment_id).update(
                status=AssignmentStatus.SIGNED, reported_at=None, updated_at=timezone.now()
            )
            outcome = "return"
        report.save(update_fields=["status", "updated_at"])
        return Change(
            outcome=outcome,
            fields=["closing_opinion", "completed_at"],
            new={"review": review.pk, "checks": checks}
            | ({"unsigned_co_units": unsigned} if chosen == Review.Decision.ACCEPT else {}),
            comment=text,
            result=review,
        )

    return LIFECYCLE.run("review", subject_id=item_id, actor=actor, apply=apply)


def unsigned_co_units(item: Item) -> list[Assignment]:
    """The co-units that never signed for the item (the review form warns of them before acceptance)."""
    return [
        assignment
        for assignment in item.assignments.all()
        if assignment.role == AssignmentRole.CO and assignment.signed_at is None
    ]


def acceptance_refusal(item: Item, report: Report) -> DomainError | None:
    """Steps of the procedure the office asked for that must be done before `report` is accepted: the on-site
    verification (002 art. 5(5)) and, for a complex item, the consolidated report the leader approved after the
    report came in (002 art. 5(6))."""
    if item.site_check_required:
        latest = item.site_checks.order_by("-checked_on", "-id").first()
        if latest is None:
            return InvalidState(codes.SITE_CHECK_REQUIRED)
        if latest.conclusion == SiteCheckConclusion.PROBLEMS:
            return InvalidState(
                codes.SITE_CHECK_REQUIRED,
                _(
                    "The on-site verification found problems: return the report to be redone, or record a new "
                    "verification that confirms the work."
                ),
            )
    if item.is_complex:
        consolidated = item.consolidated_reports.order_by("-created_at", "-id").first()
        if (
            consolidated is None
            or consolidated.status != ConsolidatedStatus.APPROVED
            or consolidated.created_at < report.created_at
        ):
            return InvalidState(codes.CONSOLIDATED_REQUIRED)
    return None


def item_close(*, item_id: int, actor: User, comment: str = "") -> Item:
    """accepted → closed (the leader; the delegating unit's head for a child item). Audit: item_closed."""

    def apply(item: Item) -> Change:
        item.closed_at = timezone.now()
        return Change(fields=["closed_at"], comment=comment)

    return LIFECYCLE.run("close", subject_id=item_id, actor=actor, apply=apply)


def item_archive(*, item_id: int, actor: User) -> Item:
    """closed → archived (office). Audit: item_archived."""

    def apply(item: Item) -> Change:
        item.archived_at = timezone.now()
        return Change(fields=["archived_at"])

    return LIFECYCLE.run("archive", subject_id=item_id, actor=actor, apply=apply)
