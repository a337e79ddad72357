"""承办 and 报告: progress reports by the assigned units; the lead unit's completion report, which its head checks
(第一责任人) before it goes to review."""

from __future__ import annotations

from django.utils import timezone

from ducha.common import error_codes as codes
from ducha.common.inputs import require_text
from ducha.common.lifecycle import Change
from ducha.items import lifecycle
from ducha.items.models import Assignment, AssignmentStatus, Item, Report, ReportKind, ReportStatus
from ducha.items.services.base import LIFECYCLE
from ducha.orgs.models import Role, User


def item_progress(*, item_id: int, actor: User, text: str, is_final: bool = False) -> Report:
    """A progress report (阶段性进展) by an assigned unit. A co-unit marks its last one final: its share is done.
    Audit: item_progress."""

    def apply(item: Item) -> Change:
        body = require_text(text, codes.TEXT_REQUIRED, "text")
        assignment = lifecycle.assignment_for(item, actor)
        assert assignment is not None
        now = timezone.now()
        # Where the office asks for it (004 §3(4)), the unit head checks a progress report before it counts
        # (procedure.item_progress_check); the head's own report goes through.
        held = item.progress_check_by_head and not actor.has_role(Role.UNIT_HEAD)
        report = Report.objects.create(
            item=item,
            assignment=assignment,
            kind=ReportKind.PROGRESS,
            text=body,
            author=actor,
            is_final=is_final and not assignment.is_lead,
            status=ReportStatus.PENDING_HEAD if held else ReportStatus.RECORDED,
        )
        if held:
            return Change(
                new={
                    "report": report.pk,
                    "unit": assignment.unit_id,
                    "is_final": report.is_final,
                    "held": True,
                },
                # The text reaches the timeline, which everyone on the item reads, only once the head lets it through.
                result=report,
            )
        if report.is_final:
            assignment.status = AssignmentStatus.REPORTED
            assignment.reported_at = now
            assignment.save(update_fields=["status", "reported_at", "updated_at"])
        fields = []
        if assignment.is_lead:
            item.latest_progress = body
            item.latest_progress_at = now
            fields = ["latest_progress", "latest_progress_at"]
        return Change(
            fields=fields,
            new={"report": report.pk, "unit": assignment.unit_id, "is_final": report.is_final},
            comment=body,
            result=report,
        )

    return LIFECYCLE.run("progress", subject_id=item_id, actor=actor, apply=apply)


def item_report(*, item_id: int, actor: User, text: str) -> Report:
    """The lead unit's completion report (办结报告); it waits for the unit head's check, who is told. Refused while
    a delegated child item is open or another report is waiting. Audit: item_reported."""

    def apply(item: Item) -> Change:
        body = require_text(text, codes.TEXT_REQUIRED, "text")
        assignment = lifecycle.assignment_for(item, actor)
        assert assignment is not None
        report = Report.objects.create(
            item=item,
            assignment=assignment,
            kind=ReportKind.COMPLETION,
            text=body,
            author=actor,
            status=ReportStatus.PENDING_HEAD,
        )
        return Change(new={"report": report.pk}, comment=body, notice={"object_id": report.pk}, result=report)

    return LIFECYCLE.run("report", subject_id=item_id, actor=actor, apply=apply)


def item_report_approve(*, item_id: int, actor: User, comment: str = "") -> Report:
    """The lead unit head's check (第一责任人): in_progress → under_review; the report goes to the office, which is
    told. Audit: item_report_approved."""

    def apply(item: Item) -> Change:
        report = lifecycle.pending_completion_report(item)
        now = timezone.now()
        report.status = ReportStatus.SUBMITTED
        report.head_decided_by = actor
        report.head_decided_at = now
        report.head_comment = comment
        report.save(
            update_fields=["status", "head_decided_by", "head_decided_at", "head_comment", "updated_at"]
        )
        Assignment.objects.filter(pk=report.assignment_id).update(
            status=AssignmentStatus.REPORTED, reported_at=now, updated_at=now
        )
        item.completed_at = now
        return Change(
            fields=["completed_at"],
            new={"report": report.pk},
            comment=comment,
            notice={"object_id": report.pk},
            result=report,
        )

    return LIFECYCLE.run("report_approve", subject_id=item_id, actor=actor, apply=apply)


def item_report_return(*, item_id: int, actor: User, reason: str) -> Report:
    """The lead unit head sends the completion report back to the handler. Audit: item_report_returned."""

    def apply(item: Item) -> Change:
        why = require_text(reason, codes.REASON_REQUIRED, "reason")
        report = lifecycle.pending_completion_report(item)
        report.status = ReportStatus.RETURNED_BY_HEAD
        report.head_decided_by = actor
        report.head_decided_at = timezone.now()
        report.head_comment = why
        report.save(
            update_fields=["status", "head_decided_by", "head_decided_at", "head_comment", "updated_at"]
        )
        return Change(new={"report": report.pk}, comment=why, result=report)

    return LIFECYCLE.run("report_return", subject_id=item_id, actor=actor, apply=apply)
