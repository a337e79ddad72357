"""Objections and their review (复核): the target objects within 30 days of receiving the conclusion, the office
names reviewers who took no part in it, and a reviewer decides (upheld, changed, withdrawn)."""

from __future__ import annotations

from django.http import HttpRequest
from ninja import Router, Status

from ducha.api.base import ERRORS, actor
from ducha.api.inspections.scope import visible
from ducha.api.inspections.shapes import review_request_out
from ducha.api.schemas import ObjectionIn, ReviewDecideIn, ReviewersIn, ReviewRequestOut
from ducha.inspections import selectors, services

router = Router(tags=["inspections"])


@router.post(
    "/inspections/{inspection_id}/conclusions/{conclusion_id}/objection",
    response={201: ReviewRequestOut, **ERRORS},
    summary="提出异议，申请复核（收到结论30日内）",
)
def conclusion_object(
    request: HttpRequest, inspection_id: int, conclusion_id: int, payload: ObjectionIn
) -> Status[dict]:
    inspection = visible(request, inspection_id)
    selectors.get_conclusion_for_user(actor(request), inspection, conclusion_id)
    review = services.conclusion_object(
        conclusion_id=conclusion_id, actor=actor(request), reasons=payload.reasons
    )
    return Status(
        201, review_request_out(selectors.get_review_for_user(actor(request), inspection, review.pk))
    )


@router.get(
    "/inspections/{inspection_id}/reviews",
    response={200: list[ReviewRequestOut], **ERRORS},
    summary="复核申请",
)
def review_list(request: HttpRequest, inspection_id: int) -> list[dict]:
    inspection = visible(request, inspection_id)
    return [review_request_out(r) for r in selectors.review_requests_for_user(inspection, actor(request))]


@router.post(
    "/inspections/{inspection_id}/reviews/{review_id}/reviewers",
    response={200: ReviewRequestOut, **ERRORS},
    summary="指定复核人员（参与结论者回避）",
)
def review_reviewers_assign(
    request: HttpRequest, inspection_id: int, review_id: int, payload: ReviewersIn
) -> dict:
    inspection = visible(request, inspection_id)
    selectors.get_review_for_user(actor(request), inspection, review_id)
    services.review_reviewers_assign(
        review_id=review_id, actor=actor(request), reviewer_ids=payload.reviewers
    )
    return review_request_out(selectors.get_review_for_user(actor(request), inspection, review_id))


@router.post(
    "/inspections/{inspection_id}/reviews/{review_id}/decide",
    response={200: ReviewRequestOut, **ERRORS},
    summary="作出复核决定",
)
def review_decide(request: HttpRequest, inspection_id: int, review_id: int, payload: ReviewDecideIn) -> dict:
    inspection = visible(request, inspection_id)
    selectors.get_review_for_user(actor(request), inspection, review_id)
    services.review_decide(
        review_id=review_id,
        actor=actor(request),
        outcome=payload.outcome,
        decision=payload.decision,
        revised_judgement=payload.revised_judgement,
    )
    return review_request_out(selectors.get_review_for_user(actor(request), inspection, review_id))
