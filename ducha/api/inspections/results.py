"""The end of an inspection: proposals to praise, criticise or hold accountable and the government's decision on
them (结果运用), the inspection report assembled from every stage, and the close (办结)."""

from __future__ import annotations

from django.http import HttpRequest
from ninja import Router, Status

from ducha.api.base import ERRORS, actor
from ducha.api.inspections.scope import fresh, visible
from ducha.api.inspections.shapes import (
    conclusion_out,
    finding_out,
    inspection_out,
    rectification_out,
    result_out,
)
from ducha.api.schemas import CommentIn, DecideIn, InspectionOut, InspectionReportOut, ResultIn, ResultOut
from ducha.inspections import selectors, services

router = Router(tags=["inspections"])


@router.get(
    "/inspections/{inspection_id}/results", response={200: list[ResultOut], **ERRORS}, summary="结果运用建议"
)
def result_list(request: HttpRequest, inspection_id: int) -> list[dict]:
    inspection = visible(request, inspection_id)
    return [result_out(p) for p in selectors.result_proposals_for_user(inspection, actor(request))]


@router.post(
    "/inspections/{inspection_id}/results",
    response={201: ResultOut, **ERRORS},
    summary="提出表扬、批评或问责建议",
)
def result_propose(request: HttpRequest, inspection_id: int, payload: ResultIn) -> Status[dict]:
    inspection = visible(request, inspection_id)
    proposal = services.result_propose(
        inspection_id=inspection_id,
        actor=actor(request),
        unit_id=payload.unit,
        kind=payload.kind,
        reason=payload.reason,
        referred_to=payload.referred_to,
    )
    return Status(
        201, result_out(selectors.get_result_proposal_for_user(actor(request), inspection, proposal.pk))
    )


@router.post(
    "/inspections/{inspection_id}/results/{proposal_id}/decide",
    response={200: ResultOut, **ERRORS},
    summary="政府审定建议",
)
def result_decide(request: HttpRequest, inspection_id: int, proposal_id: int, payload: DecideIn) -> dict:
    inspection = visible(request, inspection_id)
    selectors.get_result_proposal_for_user(actor(request), inspection, proposal_id)
    services.result_decide(
        proposal_id=proposal_id, actor=actor(request), approve=payload.approve, comment=payload.comment
    )
    return result_out(selectors.get_result_proposal_for_user(actor(request), inspection, proposal_id))


@router.get(
    "/inspections/{inspection_id}/report", response={200: InspectionReportOut, **ERRORS}, summary="督查报告"
)
def inspection_report(request: HttpRequest, inspection_id: int) -> dict:
    """The inspection report assembled from the plan, findings, conclusions, rectification status and proposals —
    as far as the caller may see them."""
    user = actor(request)
    inspection = visible(request, inspection_id)
    rectifications = list(selectors.rectifications_for_inspection(inspection, user))
    counts: dict[str, int] = {}
    for rectification in rectifications:
        counts[rectification.status] = counts.get(rectification.status, 0) + 1
    return {
        "inspection": inspection_out(inspection),
        "findings": [finding_out(f) for f in selectors.findings_for_user(inspection, user)],
        "conclusions": [conclusion_out(c) for c in selectors.conclusions_for_user(inspection, user)],
        "rectifications": [rectification_out(r) for r in rectifications],
        "results": [result_out(p) for p in selectors.result_proposals_for_user(inspection, user)],
        "rectification_counts": counts,
    }


@router.post(
    "/inspections/{inspection_id}/close",
    response={200: InspectionOut, **ERRORS},
    summary="批准督查报告并办结",
)
def inspection_close(request: HttpRequest, inspection_id: int, payload: CommentIn | None = None) -> dict:
    visible(request, inspection_id)
    services.inspection_close(
        inspection_id=inspection_id, actor=actor(request), comment=payload.comment if payload else ""
    )
    return fresh(request, inspection_id)
