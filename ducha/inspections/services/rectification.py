"""Rectification (整改) by the target: the plan, progress, the report of completion by its head; the office's
verification (整改核查) and closing (销号), which schedules the follow-up visit of a rebound-prone finding."""

from __future__ import annotations

import datetime
from collections.abc import Sequence
from dataclasses import dataclass

from django.utils import timezone

from ducha.common import error_codes as codes
from ducha.common.inputs import invalid, require_text
from ducha.common.lifecycle import Change
from ducha.inspections.models import (
    Rectification,
    RectificationKind,
    RectificationMilestone,
    RectificationProgress,
)
from ducha.inspections.services.base import RECTIFICATION_LIFECYCLE
from ducha.inspections.services.followup import followup_schedule
from ducha.orgs.models import User

VERIFICATION_METHODS = ("documents", "on_site")


@dataclass(frozen=True)
class MilestoneInput:
    title: str
    due_date: datetime.date


def rectification_plan(
    *, rectification_id: int, actor: User, plan: str, milestones: Sequence[MilestoneInput] = ()
) -> Rectification:
    """open → in_progress (the target's users): the rectification plan; long-term rectification needs milestones,
    none after the due date. Audit: inspection_rectification_planned."""

    def apply(rectification: Rectification) -> Change:
        rectification.plan = require_text(plan, codes.TEXT_REQUIRED, "plan")
        if rectification.kind == RectificationKind.LONG_TERM and not milestones:
            raise invalid(codes.RECTIFICATION_MILESTONES_REQUIRED, "milestones")
        for milestone in milestones:
            if not milestone.title.strip() or milestone.due_date > rectification.due_date:
                raise invalid(codes.RECTIFICATION_MILESTONES_REQUIRED, "milestones")
        RectificationMilestone.objects.bulk_create(
            [
                RectificationMilestone(
                    rectification=rectification, title=m.title.strip()[:200], due_date=m.due_date
                )
                for m in milestones
            ]
        )
        rectification.inspection.save(update_fields=["updated_at"])
        return Change(fields=["plan"], comment=rectification.plan)

    return RECTIFICATION_LIFECYCLE.run(
        "rectification_plan", subject_id=rectification_id, actor=actor, apply=apply
    )


def rectification_progress(
    *, rectification_id: int, actor: User, text: str, milestone_id: int | None = None
) -> RectificationProgress:
    """Progress on a rectification in progress (the target's users), optionally completing a milestone.
    Audit: inspection_rectification_progress."""

    def apply(rectification: Rectification) -> Change:
        report = require_text(text, codes.TEXT_REQUIRED, "text")
        milestone = None
        if milestone_id is not None:
            milestone = RectificationMilestone.objects.filter(
                pk=milestone_id, rectification=rectification
            ).first()
            if milestone is None:
                raise invalid(codes.MILESTONE_INVALID, "milestone")
            if milestone.completed_at is None:
                milestone.completed_at = timezone.now()
                milestone.save(update_fields=["completed_at", "updated_at"])
        progress = RectificationProgress.objects.create(
            rectification=rectification, text=report, milestone=milestone, author=actor
        )
        rectification.latest_progress = report
        rectification.latest_progress_at = progress.created_at
        rectification.inspection.save(update_fields=["updated_at"])
        return Change(
            fields=["latest_progress", "latest_progress_at"],
            new={"milestone": milestone.pk if milestone else None},
            comment=report,
            result=progress,
        )

    return RECTIFICATION_LIFECYCLE.run(
        "rectification_progress", subject_id=rectification_id, actor=actor, apply=apply
    )


def rectification_report(*, rectification_id: int, actor: User, text: str) -> Rectification:
    """in_progress → reported: the target's head reports the rectification complete (第一责任人).
    Audit: inspection_rectification_reported."""

    def apply(rectification: Rectification) -> Change:
        rectification.completion_report = require_text(text, codes.TEXT_REQUIRED, "text")
        rectification.reported_by = actor
        rectification.reported_at = timezone.now()
        rectification.inspection.save(update_fields=["updated_at"])
        return Change(fields=["completion_report", "reported_by", "reported_at"], comment=text)

    return RECTIFICATION_LIFECYCLE.run(
        "rectification_report", subject_id=rectification_id, actor=actor, apply=apply
    )


def rectification_verify(
    *, rectification_id: int, actor: User, passed: bool, note: str, method: str = "on_site"
) -> Rectification:
    """The office verifies a reported rectification (整改核查), on site or from documents: passed → verified;
    failed → back to in_progress with the note. Audit: inspection_rectification_verified / _failed."""

    def apply(rectification: Rectification) -> Change:
        why = require_text(note, codes.VERIFICATION_NOTE_REQUIRED, "note")
        if method not in VERIFICATION_METHODS:
            raise invalid(codes.INVALID_INPUT, "method")
        rectification.verification_note = why
        rectification.verification_method = method
        rectification.verified_by = actor
        rectification.verified_at = timezone.now()
        fields = ["verification_note", "verification_method", "verified_by", "verified_at"]
        if not passed:
            rectification.reported_at = None
            fields.append("reported_at")
        rectification.inspection.save(update_fields=["updated_at"])
        return Change(
            outcome="passed" if passed else "failed", fields=fields, new={"method": method}, comment=why
        )

    return RECTIFICATION_LIFECYCLE.run(
        "rectification_verify", subject_id=rectification_id, actor=actor, apply=apply
    )


def rectification_close(*, rectification_id: int, actor: User, comment: str = "") -> Rectification:
    """verified → closed (销号, office). A rebound-prone finding gets its 回头看 scheduled N months later (the
    finding's own N, else the government's rule). Audit: inspection_followup_scheduled,
    inspection_rectification_closed."""

    def apply(rectification: Rectification) -> Change:
        now = timezone.now()
        rectification.closed_by = actor
        rectification.closed_at = now
        rectification.inspection.save(update_fields=["updated_at"])
        followup_schedule(rectification, actor, scheduled_on=timezone.localdate(now))
        return Change(fields=["closed_by", "closed_at"], comment=comment)

    return RECTIFICATION_LIFECYCLE.run(
        "rectification_close", subject_id=rectification_id, actor=actor, apply=apply
    )
