"""Fieldwork (实地督查): starting and finishing it, the burden recorded on each target, the findings and the evidence
behind them (a file used twice is flagged), and downloading evidence."""

from __future__ import annotations

import datetime

from django.http import FileResponse, HttpRequest
from ninja import File, Form, Router, Status
from ninja.files import UploadedFile

from ducha.api.base import ERRORS, actor
from ducha.api.inspections.scope import fresh, visible
from ducha.api.inspections.shapes import evidence_out, finding_out
from ducha.api.schemas import BurdenIn, EvidenceKindIn, EvidenceOut, FindingIn, FindingOut, InspectionOut
from ducha.common.errors import NotFound
from ducha.inspections import selectors, services
from ducha.inspections.models import EvidenceUse

router = Router(tags=["inspections"])


@router.post(
    "/inspections/{inspection_id}/start", response={200: InspectionOut, **ERRORS}, summary="开始实地督查"
)
def inspection_start(request: HttpRequest, inspection_id: int) -> dict:
    visible(request, inspection_id)
    services.inspection_start(inspection_id=inspection_id, actor=actor(request))
    return fresh(request, inspection_id)


@router.post(
    "/inspections/{inspection_id}/finish", response={200: InspectionOut, **ERRORS}, summary="结束实地督查"
)
def inspection_finish(request: HttpRequest, inspection_id: int) -> dict:
    visible(request, inspection_id)
    services.inspection_finish(inspection_id=inspection_id, actor=actor(request))
    return fresh(request, inspection_id)


@router.post(
    "/inspections/{inspection_id}/burden",
    response={200: InspectionOut, **ERRORS},
    summary="记录对督查对象的负担",
)
def inspection_burden_record(request: HttpRequest, inspection_id: int, payload: BurdenIn) -> dict:
    visible(request, inspection_id)
    services.inspection_burden_record(
        inspection_id=inspection_id,
        actor=actor(request),
        unit_id=payload.unit,
        forms_demanded=payload.forms_demanded,
        people_days=payload.people_days,
    )
    return fresh(request, inspection_id)


@router.get(
    "/inspections/{inspection_id}/findings", response={200: list[FindingOut], **ERRORS}, summary="发现问题"
)
def finding_list(request: HttpRequest, inspection_id: int) -> list[dict]:
    inspection = visible(request, inspection_id)
    return [finding_out(f) for f in selectors.findings_for_user(inspection, actor(request))]


@router.post(
    "/inspections/{inspection_id}/findings", response={201: FindingOut, **ERRORS}, summary="记录发现问题"
)
def finding_add(request: HttpRequest, inspection_id: int, payload: FindingIn) -> Status[dict]:
    inspection = visible(request, inspection_id)
    finding = services.finding_add(
        inspection_id=inspection_id,
        actor=actor(request),
        target_id=payload.target,
        title=payload.title,
        description=payload.description,
        place=payload.place,
        observed_at=payload.observed_at,
        rectification_kind=payload.rectification_kind,
        rectification_due_date=payload.rectification_due_date,
        is_rebound_prone=payload.is_rebound_prone,
        followup_months=payload.followup_months,
    )
    return Status(
        201, finding_out(selectors.findings_for_user(inspection, actor(request)).get(pk=finding.pk))
    )


@router.post(
    "/inspections/{inspection_id}/findings/{finding_id}/evidence",
    response={201: EvidenceOut, **ERRORS},
    summary="上传问题证据（同一文件重复使用将被标记）",
)
def finding_evidence_add(
    request: HttpRequest,
    inspection_id: int,
    finding_id: int,
    file: File[UploadedFile],
    kind: Form[EvidenceKindIn] = "document",
    description: Form[str] = "",
    place: Form[str] = "",
    taken_at: Form[datetime.datetime | None] = None,
) -> Status[dict]:
    visible(request, inspection_id)
    use = services.finding_evidence_add(
        inspection_id=inspection_id,
        finding_id=finding_id,
        actor=actor(request),
        upload=file,
        kind=kind,
        description=description,
        place=place,
        taken_at=taken_at,
    )
    return Status(201, evidence_out(EvidenceUse.objects.select_related("file", "recorded_by").get(pk=use.pk)))


@router.get(
    "/inspections/{inspection_id}/evidence/{evidence_id}", response={200: None, **ERRORS}, summary="下载证据"
)
def evidence_download(request: HttpRequest, inspection_id: int, evidence_id: int) -> FileResponse:
    inspection = visible(request, inspection_id)
    use = (
        selectors.evidence_for_user(inspection, actor(request))
        .filter(pk=min(evidence_id, selectors.MAX_ID))
        .first()
    )
    if use is None:
        raise NotFound()
    return FileResponse(use.file.file.open("rb"), as_attachment=True, filename=use.file.original_name)
