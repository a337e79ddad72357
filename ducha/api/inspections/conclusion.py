"""Conclusions (督查结论), one per target: drafted and edited by the team, submitted, approved or returned by the
government, issued to the target, acknowledged by it."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from ninja import Router, Status

from ducha.api.base import ERRORS, actor
from ducha.api.inspections.scope import visible
from ducha.api.inspections.shapes import conclusion_out
from ducha.api.schemas import CommentIn, ConclusionIn, ConclusionOut, ConclusionUpdateIn, ReasonIn
from ducha.inspections import selectors, services
from ducha.inspections.models import Inspection

router = Router(tags=["inspections"])


@router.get(
    "/inspections/{inspection_id}/conclusions",
    response={200: list[ConclusionOut], **ERRORS},
    summary="督查结论",
)
def conclusion_list(request: HttpRequest, inspection_id: int) -> list[dict]:
    inspection = visible(request, inspection_id)
    return [conclusion_out(c) for c in selectors.conclusions_for_user(inspection, actor(request))]


def _conclusion_fresh(request: HttpRequest, inspection: Inspection, conclusion_id: int) -> dict:
    return conclusion_out(selectors.get_conclusion_for_user(actor(request), inspection, conclusion_id))


@router.post(
    "/inspections/{inspection_id}/conclusions",
    response={201: ConclusionOut, **ERRORS},
    summary="起草督查结论",
)
def conclusion_draft(request: HttpRequest, inspection_id: int, payload: ConclusionIn) -> Status[dict]:
    inspection = visible(request, inspection_id)
    conclusion = services.conclusion_draft(
        inspection_id=inspection_id,
        actor=actor(request),
        target_id=payload.target,
        facts=payload.facts,
        judgement=payload.judgement,
        evidence_summary=payload.evidence_summary,
    )
    return Status(201, _conclusion_fresh(request, inspection, conclusion.pk))


@router.patch(
    "/inspections/{inspection_id}/conclusions/{conclusion_id}",
    response={200: ConclusionOut, **ERRORS},
    summary="修改结论",
)
def conclusion_update(
    request: HttpRequest, inspection_id: int, conclusion_id: int, payload: ConclusionUpdateIn
) -> dict:
    inspection = visible(request, inspection_id)
    selectors.get_conclusion_for_user(actor(request), inspection, conclusion_id)
    services.conclusion_update(
        conclusion_id=conclusion_id, actor=actor(request), **payload.dict(exclude_unset=True)
    )
    return _conclusion_fresh(request, inspection, conclusion_id)


def _conclusion_action(
    request: HttpRequest, inspection_id: int, conclusion_id: int, service: Any, **kwargs: Any
) -> dict:
    inspection = visible(request, inspection_id)
    selectors.get_conclusion_for_user(actor(request), inspection, conclusion_id)
    service(conclusion_id=conclusion_id, actor=actor(request), **kwargs)
    return _conclusion_fresh(request, inspection, conclusion_id)


@router.post(
    "/inspections/{inspection_id}/conclusions/{conclusion_id}/submit",
    response={200: ConclusionOut, **ERRORS},
    summary="结论报批",
)
def conclusion_submit(request: HttpRequest, inspection_id: int, conclusion_id: int) -> dict:
    return _conclusion_action(request, inspection_id, conclusion_id, services.conclusion_submit)


@router.post(
    "/inspections/{inspection_id}/conclusions/{conclusion_id}/approve",
    response={200: ConclusionOut, **ERRORS},
    summary="政府负责人批准结论",
)
def conclusion_approve(
    request: HttpRequest, inspection_id: int, conclusion_id: int, payload: CommentIn | None = None
) -> dict:
    return _conclusion_action(
        request,
        inspection_id,
        conclusion_id,
        services.conclusion_approve,
        comment=payload.comment if payload else "",
    )


@router.post(
    "/inspections/{inspection_id}/conclusions/{conclusion_id}/return",
    response={200: ConclusionOut, **ERRORS},
    summary="退回结论",
)
def conclusion_return(
    request: HttpRequest, inspection_id: int, conclusion_id: int, payload: ReasonIn
) -> dict:
    return _conclusion_action(
        request, inspection_id, conclusion_id, services.conclusion_return, reason=payload.reason
    )


@router.post(
    "/inspections/{inspection_id}/conclusions/{conclusion_id}/issue",
    response={200: ConclusionOut, **ERRORS},
    summary="向督查对象反馈结论",
)
def conclusion_issue(request: HttpRequest, inspection_id: int, conclusion_id: int) -> dict:
    return _conclusion_action(request, inspection_id, conclusion_id, services.conclusion_issue)


@router.post(
    "/inspections/{inspection_id}/conclusions/{conclusion_id}/acknowledge",
    response={200: ConclusionOut, **ERRORS},
    summary="督查对象签收（知悉）结论",
)
def conclusion_acknowledge(request: HttpRequest, inspection_id: int, conclusion_id: int) -> dict:
    return _conclusion_action(request, inspection_id, conclusion_id, services.conclusion_acknowledge)
