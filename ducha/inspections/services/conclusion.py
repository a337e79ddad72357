"""Conclusions (条例 Art. 16): drafted per target once fieldwork has ended, submitted, approved by the government's
head or returned, issued (the target's findings become rectification tasks), acknowledged (知悉) by the target,
which may object within 30 days (复核, Art. 17)."""

from __future__ import annotations

import datetime
from collections.abc import Sequence

from django.conf import settings
from django.core.files.uploadedfile import UploadedFile
from django.utils import timezone

from ducha.audit.models import EventType
from ducha.common import error_codes as codes
from ducha.common.errors import InvalidState
from ducha.common.inputs import invalid, require_text
from ducha.common.lifecycle import Change
from ducha.inspections.lifecycle import ConclusionStatus, InspectionStatus
from ducha.inspections.models import (
    Conclusion,
    Finding,
    Inspection,
    InspectionRules,
    Rectification,
    RectificationKind,
    ReviewRequest,
)
from ducha.inspections.services.base import (
    CONCLUSION_LIFECYCLE,
    INSPECTION_LIFECYCLE,
    record,
)
from ducha.inspections.services.evidence import evidence_use
from ducha.orgs.models import User
from ducha.workcalendar import services as workdays

OBJECTION_DAYS = 30  # 条例 Art. 17: calendar days to object after receipt
REVIEW_DAYS = 30  # 条例 Art. 17: calendar days for the government to decide


def conclusion_draft(
    *, inspection_id: int, actor: User, target_id: int, facts: str, judgement: str, evidence_summary: str = ""
) -> Conclusion:
    """Draft the conclusion for one target (office or team leader) once fieldwork has ended: facts, evidence,
    judgement. Audit: inspection_conclusion_drafted."""

    def apply(inspection: Inspection) -> Change:
        if not inspection.targets.filter(unit_id=target_id).exists():
            raise invalid(codes.FINDING_TARGET_INVALID, "target")
        if Conclusion.objects.filter(inspection=inspection, target_id=target_id).exists():
            raise InvalidState(codes.CONCLUSION_EXISTS)
        conclusion = Conclusion.objects.create(
            inspection=inspection,
            target_id=target_id,
            facts=require_text(facts, codes.CONCLUSION_TEXT_REQUIRED, "facts"),
            judgement=require_text(judgement, codes.CONCLUSION_TEXT_REQUIRED, "judgement"),
            evidence_summary=evidence_summary,
            drafted_by=actor,
        )
        inspection.save(update_fields=["updated_at"])
        return Change(new={"conclusion": conclusion.pk, "target": target_id}, result=conclusion)

    return INSPECTION_LIFECYCLE.run("conclusion_draft", subject_id=inspection_id, actor=actor, apply=apply)


def conclusion_update(
    *,
    conclusion_id: int,
    actor: User,
    facts: str | None = None,
    judgement: str | None = None,
    evidence_summary: str | None = None,
) -> Conclusion:
    """Edit a draft conclusion (office or team leader) while the inspection concludes.
    Audit: inspection_conclusion_updated."""

    def apply(conclusion: Conclusion) -> Change:
        old = {"facts": conclusion.facts, "judgement": conclusion.judgement}
        # Saved (updated_at) even when nothing is given.
        fields = ["updated_at"]
        if facts is not None:
            conclusion.facts = require_text(facts, codes.CONCLUSION_TEXT_REQUIRED, "facts")
            fields.append("facts")
        if judgement is not None:
            conclusion.judgement = require_text(judgement, codes.CONCLUSION_TEXT_REQUIRED, "judgement")
            fields.append("judgement")
        if evidence_summary is not None:
            conclusion.evidence_summary = evidence_summary
            fields.append("evidence_summary")
        return Change(
            fields=fields, old=old, new={"facts": conclusion.facts, "judgement": conclusion.judgement}
        )

    return CONCLUSION_LIFECYCLE.run("conclusion_update", subject_id=conclusion_id, actor=actor, apply=apply)


def conclusion_submit(*, conclusion_id: int, actor: User) -> Conclusion:
    """draft → pending_approval (office). Audit: inspection_conclusion_submitted."""

    def apply(conclusion: Conclusion) -> Change:
        conclusion.submitted_by = actor
        conclusion.inspection.save(update_fields=["updated_at"])
        return Change(fields=["submitted_by"])

    return CONCLUSION_LIFECYCLE.run("conclusion_submit", subject_id=conclusion_id, actor=actor, apply=apply)


def conclusion_approve(*, conclusion_id: int, actor: User, comment: str = "") -> Conclusion:
    """pending_approval → approved by the government's head (leader). Audit: inspection_conclusion_approved."""

    def apply(conclusion: Conclusion) -> Change:
        conclusion.approved_by = actor
        conclusion.approved_at = timezone.now()
        conclusion.inspection.save(update_fields=["updated_at"])
        return Change(fields=["approved_by", "approved_at"], comment=comment)

    return CONCLUSION_LIFECYCLE.run("conclusion_approve", subject_id=conclusion_id, actor=actor, apply=apply)


def conclusion_return(*, conclusion_id: int, actor: User, reason: str) -> Conclusion:
    """pending_approval → draft (leader), with a reason. Audit: inspection_conclusion_returned."""

    def apply(conclusion: Conclusion) -> Change:
        conclusion.return_reason = require_text(reason, codes.REASON_REQUIRED, "reason")
        conclusion.inspection.save(update_fields=["updated_at"])
        return Change(fields=["return_reason"], comment=reason)

    return CONCLUSION_LIFECYCLE.run("conclusion_return", subject_id=conclusion_id, actor=actor, apply=apply)


def _rectification_due(finding: Finding, issued: datetime.date, rules: InspectionRules) -> datetime.date:
    if finding.rectification_kind == RectificationKind.IMMEDIATE:
        return workdays.add_workdays(issued, rules.immediate_workdays)
    if finding.rectification_due_date is not None:
        return finding.rectification_due_date
    return workdays.add_workdays(issued, rules.deadline_workdays)


def _rectifications_create(conclusion: Conclusion, actor: User, issued: datetime.date) -> None:
    """One rectification task per finding at the conclusion's target, with its stored due date and yellow-light
    date. Audit: inspection_rectification_created each."""
    inspection = conclusion.inspection
    rules = InspectionRules.for_government(inspection.government)
    for finding in Finding.objects.filter(inspection=inspection, target_id=conclusion.target_id).order_by(
        "id"
    ):
        due = _rectification_due(finding, issued, rules)
        rectification = Rectification.objects.create(
            finding=finding,
            inspection=inspection,
            conclusion=conclusion,
            target_id=conclusion.target_id,
            kind=finding.rectification_kind,
            due_date=due,
            warn_date=workdays.subtract_workdays(due, settings.DUCHA_YELLOW_WORKDAYS),
        )
        record(
            inspection,
            EventType.INSPECTION_RECTIFICATION_CREATED,
            actor,
            new={
                "rectification": rectification.pk,
                "finding": finding.pk,
                "target": conclusion.target_id,
                "kind": rectification.kind,
                "due_date": due.isoformat(),
            },
        )


def _all_issued(conclusion: Conclusion) -> bool:
    """Whether, with `conclusion` issued now, every target of its inspection has been issued its conclusion."""
    inspection = conclusion.inspection
    all_targets = set(inspection.targets.values_list("unit_id", flat=True))
    issued_targets = set(
        Conclusion.objects.filter(inspection=inspection, status__in=ConclusionStatus.issued())
        .exclude(pk=conclusion.pk)
        .values_list("target_id", flat=True)
    )
    return all_targets <= issued_targets | {conclusion.target_id}


def conclusion_issue(*, conclusion_id: int, actor: User) -> Conclusion:
    """approved → issued (office): the target is told its conclusion and each of its findings becomes a
    rectification task with a stored due date and yellow-light date. When every target's conclusion is issued the
    inspection moves to rectifying (its consequence `rectify`). Audit: inspection_rectification_created,
    inspection_rectifying, inspection_conclusion_issued; notification conclusion.issued."""

    def apply(conclusion: Conclusion) -> Change:
        inspection = conclusion.inspection
        now = timezone.now()
        conclusion.issued_by = actor
        conclusion.issued_at = now
        inspection.save(update_fields=["updated_at"])
        _rectifications_create(conclusion, actor, timezone.localdate(now))
        if inspection.status == InspectionStatus.CONCLUDING and _all_issued(conclusion):
            INSPECTION_LIFECYCLE.enter("rectify", inspection, actor)
        return Change(fields=["issued_by", "issued_at"], notice={"inspection_id": inspection.pk})

    return CONCLUSION_LIFECYCLE.run("conclusion_issue", subject_id=conclusion_id, actor=actor, apply=apply)


def conclusion_acknowledge(*, conclusion_id: int, actor: User) -> Conclusion:
    """issued → acknowledged (the target's head or liaison): receipt (知悉) starts the 30-calendar-day window for an
    objection; its last day is stored. Audit: inspection_conclusion_acknowledged."""

    def apply(conclusion: Conclusion) -> Change:
        now = timezone.now()
        conclusion.acknowledged_by = actor
        conclusion.acknowledged_at = now
        conclusion.objection_deadline = timezone.localdate(now) + datetime.timedelta(days=OBJECTION_DAYS)
        conclusion.inspection.save(update_fields=["updated_at"])
        return Change(fields=["acknowledged_by", "acknowledged_at", "objection_deadline"])

    return CONCLUSION_LIFECYCLE.run("acknowledge", subject_id=conclusion_id, actor=actor, apply=apply)


def conclusion_object(
    *, conclusion_id: int, actor: User, reasons: str, uploads: Sequence[UploadedFile] = ()
) -> ReviewRequest:
    """acknowledged → under_review (the target's head), within 30 calendar days of receipt: a review request (复核)
    with reasons and evidence, to be decided within 30 days. Audit: inspection_evidence_added (and _reused) for
    each upload, inspection_objection_filed."""

    def apply(conclusion: Conclusion) -> Change:
        why = require_text(reasons, codes.REASON_REQUIRED, "reasons")
        today = timezone.localdate()
        review = ReviewRequest.objects.create(
            conclusion=conclusion,
            inspection=conclusion.inspection,
            reasons=why,
            filed_by=actor,
            filed_on=today,
            decide_by=today + datetime.timedelta(days=REVIEW_DAYS),
        )
        conclusion.inspection.save(update_fields=["updated_at"])
        for upload in uploads:
            evidence = evidence_use(conclusion.inspection, actor, upload, review_request=review)
            if evidence.outcome == "added":
                record(conclusion.inspection, EventType.INSPECTION_EVIDENCE_ADDED, actor, new=evidence.new)
        return Change(comment=why, result=review)

    return CONCLUSION_LIFECYCLE.run("object", subject_id=conclusion_id, actor=actor, apply=apply)
