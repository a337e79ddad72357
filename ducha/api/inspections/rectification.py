"""Rectification (整改): the caller's rectifications and an inspection's, the target's plan, progress and report,
the office's verification and closing (销号), and the evidence of the fix."""

from __future__ import annotations

import datetime
from typing import Any, Literal

from django.http import HttpRequest
from ninja import File, Form, Router, Status
from ninja.files import UploadedFile

from ducha.api.base import ERRORS, actor
from ducha.api.inspections.scope import visible
from ducha.api.inspections.shapes import evidence_out, rectification_out
from ducha.api.schemas import (
    CommentIn,
    EvidenceKindIn,
    EvidenceOut,
    RectificationOut,
    RectificationPlanIn,
    RectificationProgressIn,
    TextIn,
    VerifyIn,
)
from ducha.inspections import selectors, services
from ducha.inspections.models import EvidenceUse

router = Router(tags=["inspections"])


@router.get(
    "/inspections/rectifications/", response={200: list[RectificationOut], **ERRORS}, summary="整改任务列表"
)
def rectification_list(
    request: HttpRequest, status: str = "", light: Literal["red", "yellow", "green", "none"] | None = None
) -> list[dict]:
    rows = selectors.rectification_list_for_user(
        actor(request),
        status=[s for s in status.split(",") if s.strip()],
        light="" if light == "none" else light,
    )
    return [rectification_out(r) for r in rows[:500]]


@router.get(
    "/inspections/{inspection_id}/rectifications",
    response={200: list[RectificationOut], **ERRORS},
    summary="整改任务",
)
def inspection_rectifications(request: HttpRequest, inspection_id: int) -> list[dict]:
    inspection = visible(request, inspection_id)
    return [rectification_out(r) for r in selectors.rectifications_for_inspection(inspection, actor(request))]


def _rectification_action(
    request: HttpRequest, inspection_id: int, rectification_id: int, service: Any, **kwargs: Any
) -> dict:
    inspection = visible(request, inspection_id)
    selectors.get_rectification_for_user(actor(request), inspection, rectification_id)
    service(rectification_id=rectification_id, actor=actor(request), **kwargs)
    return rectification_out(
        selectors.get_rectification_for_user(actor(request), inspection, rectification_id)
    )


@router.post(
    "/inspections/{inspection_id}/rectifications/{rectification_id}/plan",
    response={200: RectificationOut, **ERRORS},
    summary="报送整改方案",
)
def rectification_plan(
    request: HttpRequest, inspection_id: int, rectification_id: int, payload: RectificationPlanIn
) -> dict:
    return _rectification_action(
        request,
        inspection_id,
        rectification_id,
        services.rectification_plan,
        plan=payload.plan,
        milestones=[services.MilestoneInput(m.title, m.due_date) for m in payload.milestones],
    )


@router.post(
    "/inspections/{inspection_id}/rectifications/{rectification_id}/progress",
    response={200: RectificationOut, **ERRORS},
    summary="报送整改进展",
)
def rectification_progress(
    request: HttpRequest, inspection_id: int, rectification_id: int, payload: RectificationProgressIn
) -> dict:
    return _rectification_action(
        request,
        inspection_id,
        rectification_id,
        services.rectification_progress,
        text=payload.text,
        milestone_id=payload.milestone,
    )


@router.post(
    "/inspections/{inspection_id}/rectifications/{rectification_id}/report",
    response={200: RectificationOut, **ERRORS},
    summary="报告整改完成（单位负责人）",
)
def rectification_report(
    request: HttpRequest, inspection_id: int, rectification_id: int, payload: TextIn
) -> dict:
    return _rectification_action(
        request, inspection_id, rectification_id, services.rectification_report, text=payload.text
    )


@router.post(
    "/inspections/{inspection_id}/rectifications/{rectification_id}/verify",
    response={200: RectificationOut, **ERRORS},
    summary="整改核查",
)
def rectification_verify(
    request: HttpRequest, inspection_id: int, rectification_id: int, payload: VerifyIn
) -> dict:
    return _rectification_action(
        request,
        inspection_id,
        rectification_id,
        services.rectification_verify,
        passed=payload.passed,
        note=payload.note,
        method=payload.method,
    )


@router.post(
    "/inspections/{inspection_id}/rectifications/{rectification_id}/close",
    response={200: RectificationOut, **ERRORS},
    summary="整改销号",
)
def rectification_close(
    request: HttpRequest, inspection_id: int, rectification_id: int, payload: CommentIn | None = None
) -> dict:
    return _rectification_action(
        request,
        inspection_id,
        rectification_id,
        services.rectification_close,
        comment=payload.comment if payload else "",
    )


@router.post(
    "/inspections/{inspection_id}/rectifications/{rectification_id}/evidence",
    response={201: EvidenceOut, **ERRORS},
    summary="上传整改证据（同一文件重复使用将被标记）",
)
def rectification_evidence_add(
    request: HttpRequest,
    inspection_id: int,
    rectification_id: int,
    file: File[UploadedFile],
    kind: Form[EvidenceKindIn] = "photo",
    description: Form[str] = "",
    place: Form[str] = "",
    taken_at: Form[datetime.datetime | None] = None,
) -> Status[dict]:
    inspection = visible(request, inspection_id)
    selectors.get_rectification_for_user(actor(request), inspection, rectification_id)
    use = services.rectification_evidence_add(
        rectification_id=rectification_id,
        actor=actor(request),
        upload=file,
        kind=kind,
        description=description,
        place=place,
        taken_at=taken_at,
    )
    return Status(201, evidence_out(EvidenceUse.objects.select_related("file", "recorded_by").get(pk=use.pk)))
