"""Inspections' responses, from the models to the dicts the schemas of ducha.api.schemas.inspections describe:
the inspection and its brief, amendments, overlaps, evidence, findings, conclusions and their review requests,
rectifications, result proposals, designations and the annual plan."""

from __future__ import annotations

from typing import Any

from django.utils import timezone

from ducha.api.shapes import unit_ref, user_ref
from ducha.inspections import lifecycle, overlap, selectors
from ducha.inspections.models import (
    Conclusion,
    EvidenceUse,
    Finding,
    Inspection,
    Rectification,
    ResultProposal,
    ReviewRequest,
)
from ducha.orgs.models import User


def inspection_out(inspection: Inspection) -> dict:
    pending = getattr(inspection, "pending_amendments", None)
    amendment = (
        (pending[0] if pending else None) if pending is not None else lifecycle.pending_amendment(inspection)
    )
    return {
        "id": inspection.pk,
        "topic": inspection.topic,
        "kind": inspection.kind,
        "kind_display": str(inspection.get_kind_display()),
        "status": inspection.status,
        "status_display": str(inspection.get_status_display()),
        "year": inspection.year,
        "government": unit_ref(inspection.government),
        "lead_unit": unit_ref(inspection.lead_unit),
        "in_plan": inspection.in_plan,
        "plan_entry": inspection.plan_entry_id,
        "out_of_plan_reason": inspection.out_of_plan_reason,
        "filed_at": inspection.filed_at,
        "designation": inspection.designation_id,
        "basis": inspection.basis,
        "basis_items": [item.pk for item in inspection.basis_items.all()],
        "follows_up": inspection.follows_up_id,
        "start_date": inspection.start_date,
        "end_date": inspection.end_date,
        "content": inspection.content,
        "scope": inspection.scope,
        "method": inspection.method,
        "schedule": inspection.schedule,
        "approver": user_ref(inspection.approver),
        "approved_at": inspection.approved_at,
        "rejection_reason": inspection.rejection_reason,
        "started_at": inspection.started_at,
        "ended_at": inspection.ended_at,
        "closed_at": inspection.closed_at,
        "cancel_reason": inspection.cancel_reason,
        "targets": [
            {
                "unit": unit_ref(t.unit),
                "forms_demanded": t.forms_demanded,
                "people_days": t.people_days,
                "notified_at": t.notified_at,
            }
            for t in inspection.targets.all()
        ],
        "team": [
            {
                "id": m.pk,
                "user": user_ref(m.user),
                "name": m.name,
                "role": m.role,
                "invited_kind": m.invited_kind,
                "is_trained": m.is_trained,
                "trained_on": m.trained_on,
                "days": m.days,
            }
            for m in inspection.team.all()
        ],
        "pending_amendment": amendment_out(amendment) if amendment else None,
        "created_at": inspection.created_at,
        "updated_at": inspection.updated_at,
    }


def amendment_out(amendment: Any) -> dict:
    return {
        "id": amendment.pk,
        "status": amendment.status,
        "reason": amendment.reason,
        "changes": amendment.changes,
        "old": amendment.old,
        "is_widening": amendment.is_widening,
    }


def inspection_brief(inspection: Inspection) -> dict:
    return {
        "id": inspection.pk,
        "topic": inspection.topic,
        "kind": inspection.kind,
        "status": inspection.status,
        "government": unit_ref(inspection.government),
        "lead_unit": unit_ref(inspection.lead_unit),
        "start_date": inspection.start_date,
        "end_date": inspection.end_date,
    }


def overlaps_out(report: overlap.OverlapReport) -> list[dict]:
    return [
        {
            "inspection": inspection_brief(o.inspection),
            "reason": o.reason,
            "shared_targets": o.shared_target_ids,
            "similarity": o.similarity,
            "blocks": o.blocks,
            "in_scope": o.in_scope,
        }
        for o in report.overlaps
    ]


def evidence_out(use: EvidenceUse) -> dict:
    return {
        "id": use.pk,
        "kind": use.kind,
        "name": use.file.original_name,
        "size": use.file.size,
        "sha256": use.file.sha256,
        "description": use.description,
        "place": use.place,
        "taken_at": use.taken_at,
        "recorded_by": user_ref(use.recorded_by),
        "is_flagged": use.is_flagged,
        "finding": use.finding_id,
        "rectification": use.rectification_id,
        "review_request": use.review_request_id,
        "created_at": use.created_at,
    }


def finding_out(finding: Finding) -> dict:
    return {
        "id": finding.pk,
        "target": unit_ref(finding.target),
        "title": finding.title,
        "description": finding.description,
        "place": finding.place,
        "observed_at": finding.observed_at,
        "recorded_by": user_ref(finding.recorded_by),
        "rectification_kind": finding.rectification_kind,
        "rectification_due_date": finding.rectification_due_date,
        "is_rebound_prone": finding.is_rebound_prone,
        "followup_months": finding.followup_months,
        "evidence": [evidence_out(use) for use in finding.evidence.all()],
    }


def review_request_out(review: ReviewRequest) -> dict:
    return {
        "id": review.pk,
        "conclusion": review.conclusion_id,
        "status": review.status,
        "reasons": review.reasons,
        "filed_by": user_ref(review.filed_by),
        "filed_on": review.filed_on,
        "decide_by": review.decide_by,
        "reviewers": [user_ref(u) for u in review.reviewers.all()],
        "outcome": review.outcome,
        "decision": review.decision,
        "decided_by": user_ref(review.decided_by),
        "decided_at": review.decided_at,
        "sent_at": review.sent_at,
        "is_late": review.is_late,
    }


def conclusion_out(conclusion: Conclusion) -> dict:
    review = getattr(conclusion, "review_request", None) if _has_review(conclusion) else None
    return {
        "id": conclusion.pk,
        "target": unit_ref(conclusion.target),
        "status": conclusion.status,
        "status_display": str(conclusion.get_status_display()),
        "facts": conclusion.facts,
        "evidence_summary": conclusion.evidence_summary,
        "judgement": conclusion.judgement,
        "revised_judgement": conclusion.revised_judgement,
        "effective_judgement": conclusion.effective_judgement,
        "approved_by": user_ref(conclusion.approved_by),
        "approved_at": conclusion.approved_at,
        "issued_at": conclusion.issued_at,
        "acknowledged_at": conclusion.acknowledged_at,
        "objection_deadline": conclusion.objection_deadline,
        "objection_open": conclusion.objection_open_on(timezone.localdate()),
        "review": review_request_out(review) if review else None,
    }


def _has_review(conclusion: Conclusion) -> bool:
    try:
        conclusion.review_request  # noqa: B018 - the reverse one-to-one raises when absent
    except ReviewRequest.DoesNotExist:
        return False
    return True


def rectification_out(rectification: Rectification) -> dict:
    return {
        "id": rectification.pk,
        "inspection": rectification.inspection_id,
        "finding": rectification.finding_id,
        "finding_title": rectification.finding.title,
        "target": unit_ref(rectification.target),
        "kind": rectification.kind,
        "status": rectification.status,
        "status_display": str(rectification.get_status_display()),
        "due_date": rectification.due_date,
        "warn_date": rectification.warn_date,
        "light": rectification.light_on(timezone.localdate()),
        "plan": rectification.plan,
        "latest_progress": rectification.latest_progress,
        "completion_report": rectification.completion_report,
        "reported_at": rectification.reported_at,
        "verified_at": rectification.verified_at,
        "verification_method": rectification.verification_method,
        "verification_note": rectification.verification_note,
        "closed_at": rectification.closed_at,
        "milestones": [
            {"id": m.pk, "title": m.title, "due_date": m.due_date, "completed_at": m.completed_at}
            for m in rectification.milestones.all()
        ],
        "evidence": [evidence_out(use) for use in rectification.evidence.all()],
    }


def result_out(proposal: ResultProposal) -> dict:
    return {
        "id": proposal.pk,
        "unit": unit_ref(proposal.unit),
        "kind": proposal.kind,
        "reason": proposal.reason,
        "referred_to": proposal.referred_to,
        "status": proposal.status,
        "is_effective": proposal.is_effective,
        "decided_by": user_ref(proposal.decided_by),
        "decided_at": proposal.decided_at,
        "decision_comment": proposal.decision_comment,
    }


def designation_out(designation: Any) -> dict:
    return {
        "id": designation.pk,
        "unit": unit_ref(designation.unit),
        "matter": designation.matter,
        "scope": designation.scope,
        "start_date": designation.start_date,
        "end_date": designation.end_date,
        "targets": [unit_ref(t) for t in designation.targets.all()],
        "source": designation.source,
        "granted_by": user_ref(designation.granted_by),
    }


def plan_out(user: User, government: Any, year: int) -> dict:
    """`government`'s plan for `year` as `user` sees it (a department: its own proposals), each proposal with the
    others it overlaps under the government's rules."""
    summary = selectors.plan_summary(government, year, user)
    plan = summary.plan
    proposals: list[dict] = []
    if plan is not None:
        rows = list(selectors.plan_proposals(plan, user))
        rules = selectors.rules_for(government)
        windows = {
            p.pk: overlap.Window(frozenset(t.pk for t in p.targets.all()), p.start_date, p.end_date, p.topic)
            for p in rows
        }
        linked = dict(Inspection.objects.filter(plan_entry__in=rows).values_list("plan_entry_id", "pk"))
        for p in rows:
            others = [(pk, w) for pk, w in windows.items() if pk != p.pk]
            proposals.append(
                {
                    "id": p.pk,
                    "topic": p.topic,
                    "kind": p.kind,
                    "reason": p.reason,
                    "start_date": p.start_date,
                    "end_date": p.end_date,
                    "proposing_unit": unit_ref(p.proposing_unit),
                    "targets": [unit_ref(t) for t in p.targets.all()],
                    "status": p.status,
                    "merged_into": p.merged_into_id,
                    "decision_note": p.decision_note,
                    "inspection": linked.get(p.pk),
                    "overlapping_proposals": overlap.proposals_overlapping(windows[p.pk], others, rules),
                }
            )
    return {
        "id": plan.pk if plan else None,
        "year": year,
        "status": plan.status if plan else None,
        "baseline_count": plan.baseline_count if plan else None,
        "approved_at": plan.approved_at if plan else None,
        "planned": summary.planned,
        "out_of_plan": summary.out_of_plan,
        "total": summary.total,
        "last_year_total": summary.last_year_total,
        "planned_cut_percent": summary.planned_cut_percent,
        "cut_percent": summary.cut_percent,
        "target_cut_percent": summary.target_cut_percent,
        "meets_target": summary.meets_target,
        "proposals": proposals,
        "out_of_plan_inspections": [inspection_brief(i) for i in summary.out_of_plan_inspections],
    }
