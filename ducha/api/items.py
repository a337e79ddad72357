"""Items: thin endpoints over ducha.items.services (writes) and ducha.items.selectors (reads, scope)."""

from __future__ import annotations

from typing import Any, Literal

from django.http import FileResponse, HttpRequest
from django.utils import timezone
from ninja import File, Form, Router, Status
from ninja.files import UploadedFile

from ducha.api.base import ERRORS, actor
from ducha.api.schemas import (
    ActionOut,
    AssignIn,
    AttachmentOut,
    CommentIn,
    CoordinationIn,
    DelegateIn,
    DisputeIn,
    DisputeOut,
    EventOut,
    ExtensionDecideIn,
    ExtensionDetailOut,
    ExtensionIn,
    ExtensionOut,
    Id,
    ItemCreateIn,
    ItemOut,
    ItemPage,
    ItemProgressIn,
    ItemReportDetailOut,
    ItemReportOut,
    ItemReviewIn,
    ItemReviewOut,
    ItemUpdateIn,
    ReasonIn,
    RulingIn,
    TextIn,
)
from ducha.api.shapes import event_out, unit_ref, user_ref
from ducha.common.errors import NotFound
from ducha.items import lifecycle, selectors, services
from ducha.items.models import Item, Report
from ducha.reminders import selectors as reminder_selectors

router = Router(tags=["items"])


def item_out(item: Item) -> dict:
    today = timezone.localdate()
    return {
        "id": item.pk,
        "number": item.number,
        "title": item.title,
        "content": item.content,
        "requirements": item.requirements,
        "status": item.status,
        "status_display": str(item.get_status_display()),
        "source_type": item.source_type,
        "source_reference": item.source_reference,
        "source_date": item.source_date,
        "approval_basis": item.approval_basis,
        "approver": user_ref(item.approver),
        "urgency": item.urgency,
        "confidentiality": item.confidentiality,
        "government": unit_ref(item.government),
        "deadline_workdays": item.deadline_workdays,
        "due_date": item.due_date,
        "warn_date": item.warn_date,
        "due_date_is_provisional": item.due_date_is_provisional,
        "light": item.light_on(today),
        "assigned_at": item.assigned_at,
        "progress_cycle": item.progress_cycle,
        "parent": item.parent_id,
        "delegating_unit": unit_ref(item.delegating_unit),
        "latest_progress": item.latest_progress,
        "closing_opinion": item.closing_opinion,
        "rejection_reason": item.rejection_reason,
        "cancel_requested": item.cancel_requested_by_id is not None,
        "cancel_reason": item.cancel_reason,
        "leader_in_charge": item.leader_in_charge_id,
        "source_record": item.source_record_id,
        "site_check_required": item.site_check_required,
        "is_complex": item.is_complex,
        "progress_check_by_head": item.progress_check_by_head,
        "assignments": [
            {
                "id": a.pk,
                "unit": unit_ref(a.unit),
                "role": a.role,
                "share": a.share,
                "share_note": a.share_note,
                "status": a.status,
                "notified_at": a.notified_at,
                "signed_at": a.signed_at,
                "reported_at": a.reported_at,
                "light": a.light_on(today),
            }
            for a in item.assignments.all()
        ],
        "milestones": [
            {"id": m.pk, "title": m.title, "due_date": m.due_date, "completed_at": m.completed_at}
            for m in item.milestones.all()
        ],
        "created_at": item.created_at,
        "updated_at": item.updated_at,
    }


def _fresh(request: HttpRequest, item_id: int) -> dict:
    return item_out(selectors.get_item_for_user(actor(request), item_id, record_view=False))


def _co_units(values: list | None) -> list[services.CoUnit] | None:
    if values is None:
        return None
    return [
        services.CoUnit(unit_id=v, share=None)
        if isinstance(v, int)
        else services.CoUnit(v.unit, v.share, v.share_note)
        for v in values
    ]


def _milestones(values: list | None) -> list[services.MilestoneInput] | None:
    if values is None:
        return None
    return [services.MilestoneInput(title=m.title, due_date=m.due_date) for m in values]


def _report_out(report: Report) -> dict:
    return {
        "id": report.pk,
        "kind": report.kind,
        "status": report.status,
        "text": report.text,
        "is_final": report.is_final,
        "unit": unit_ref(report.assignment.unit),
        "author": user_ref(report.author),
        "created_at": report.created_at,
    }


def _visible(request: HttpRequest, item_id: int, *, read: bool = False) -> Item:
    """Scope first: out of scope is 404 whatever the action. `read`: this request shows the item's content,
    so a read of a secret item is logged."""
    return selectors.get_item_for_user(actor(request), item_id, record_view=read)


# --- reads -------------------------------------------------------------------------------------------------------


@router.get("/items/", response={200: ItemPage, **ERRORS}, summary="事项列表")
def item_list(
    request: HttpRequest,
    status: str = "",
    light: Literal["red", "yellow", "green", "none"] | None = None,
    unit: Id | None = None,
    q: str = "",
    cursor: str | None = None,
    limit: int = 50,
) -> dict:
    """Items in the caller's scope, most recently changed first; keyset-paged (pass `next_cursor` as `cursor`)."""
    page = selectors.item_list_for_user(
        actor(request),
        status=[part.strip() for part in status.split(",") if part.strip()],
        light="" if light == "none" else light,
        unit_id=unit,
        keyword=q.strip(),
        cursor=cursor,
        limit=max(1, min(limit, 200)),
    )
    selectors.record_secret_reads(page.items, actor(request))
    return {"items": [item_out(item) for item in page.items], "next_cursor": page.next_cursor}


@router.get("/items/{item_id}", response={200: ItemOut, **ERRORS}, summary="事项详情")
def item_detail(request: HttpRequest, item_id: int) -> dict:
    return item_out(selectors.get_item_for_user(actor(request), item_id))


@router.get("/items/{item_id}/timeline", response={200: list[EventOut], **ERRORS}, summary="事项时间线")
def item_timeline(request: HttpRequest, item_id: int) -> list[dict]:
    item = _visible(request, item_id, read=True)
    return [event_out(event) for event in reminder_selectors.item_timeline(item)]


@router.get("/items/{item_id}/actions", response={200: list[ActionOut], **ERRORS}, summary="当前可执行的操作")
def item_actions(request: HttpRequest, item_id: int) -> list[dict]:
    item = _visible(request, item_id, read=True)
    return [
        {"action": t.action, "label": str(t.label)} for t in lifecycle.available_actions(item, actor(request))
    ]


@router.get("/items/{item_id}/children", response={200: list[ItemOut], **ERRORS}, summary="转办子事项")
def item_children(request: HttpRequest, item_id: int) -> list[dict]:
    item = _visible(request, item_id, read=True)
    return [item_out(child) for child in selectors.item_children(item, actor(request))]


# --- create, edit, 立项 --------------------------------------------------------------------------------------------


@router.post("/items/", response={201: ItemOut, **ERRORS}, summary="新建事项（草稿）")
def item_create(request: HttpRequest, payload: ItemCreateIn) -> Status[dict]:
    item = services.item_create(
        actor=actor(request),
        title=payload.title,
        content=payload.content,
        requirements=payload.requirements,
        source_type=payload.source_type,
        source_reference=payload.source_reference,
        source_date=payload.source_date,
        approval_basis=payload.approval_basis,
        urgency=payload.urgency,
        confidentiality=payload.confidentiality,
        lead_unit_id=payload.lead_unit,
        co_units=_co_units(payload.co_units) or [],
        deadline_workdays=payload.deadline_workdays,
        due_date=payload.due_date,
        progress_cycle=payload.progress_cycle,
        milestones=_milestones(payload.milestones) or [],
        leader_in_charge_id=payload.leader_in_charge,
        source_record_id=payload.source_record,
        site_check_required=payload.site_check_required,
        is_complex=payload.is_complex,
        progress_check_by_head=payload.progress_check_by_head,
    )
    return Status(201, _fresh(request, item.pk))


@router.patch("/items/{item_id}", response={200: ItemOut, **ERRORS}, summary="修改草稿")
def item_update(request: HttpRequest, item_id: int, payload: ItemUpdateIn) -> dict:
    _visible(request, item_id)
    data = payload.dict(exclude_unset=True)
    lead_unit = data.pop("lead_unit", None)
    co_units = _co_units(payload.co_units) if "co_units" in data else None
    milestones = _milestones(payload.milestones) if "milestones" in data else None
    data.pop("co_units", None)
    data.pop("milestones", None)
    for name in ("leader_in_charge", "source_record"):  # the services take their ids; null clears them
        if name in data:
            data[f"{name}_id"] = data.pop(name)
    services.item_update(
        item_id=item_id,
        actor=actor(request),
        lead_unit_id=lead_unit,
        co_units=co_units,
        milestones=milestones,
        **data,
    )
    return _fresh(request, item_id)


@router.post("/items/{item_id}/submit", response={200: ItemOut, **ERRORS}, summary="提交立项审批")
def item_submit(request: HttpRequest, item_id: int) -> dict:
    _visible(request, item_id)
    services.item_submit(item_id=item_id, actor=actor(request))
    return _fresh(request, item_id)


@router.post("/items/{item_id}/approve", response={200: ItemOut, **ERRORS}, summary="批准立项（编号登记）")
def item_approve(request: HttpRequest, item_id: int, payload: CommentIn | None = None) -> dict:
    _visible(request, item_id)
    services.item_approve(item_id=item_id, actor=actor(request), comment=payload.comment if payload else "")
    return _fresh(request, item_id)


@router.post("/items/{item_id}/reject", response={200: ItemOut, **ERRORS}, summary="不予立项")
def item_reject(request: HttpRequest, item_id: int, payload: ReasonIn) -> dict:
    _visible(request, item_id)
    services.item_reject(item_id=item_id, actor=actor(request), reason=payload.reason)
    return _fresh(request, item_id)


@router.post("/items/{item_id}/revise", response={200: ItemOut, **ERRORS}, summary="退回草稿修改")
def item_revise(request: HttpRequest, item_id: int) -> dict:
    _visible(request, item_id)
    services.item_revise(item_id=item_id, actor=actor(request))
    return _fresh(request, item_id)


# --- 交办, 签收, 进展, 办结报告 -------------------------------------------------------------------------------------


@router.post("/items/{item_id}/assign", response={200: ItemOut, **ERRORS}, summary="交办")
def item_assign(request: HttpRequest, item_id: int, payload: AssignIn | None = None) -> dict:
    _visible(request, item_id)
    services.item_assign(
        item_id=item_id,
        actor=actor(request),
        deadline_workdays=payload.deadline_workdays if payload else None,
        due_date=payload.due_date if payload else None,
    )
    return _fresh(request, item_id)


@router.post("/items/{item_id}/sign", response={200: ItemOut, **ERRORS}, summary="签收")
def item_sign(request: HttpRequest, item_id: int) -> dict:
    _visible(request, item_id)
    services.item_sign(item_id=item_id, actor=actor(request))
    return _fresh(request, item_id)


@router.post("/items/{item_id}/progress", response={201: ItemReportOut, **ERRORS}, summary="报送阶段性进展")
def item_progress(request: HttpRequest, item_id: int, payload: ItemProgressIn) -> Status[dict]:
    _visible(request, item_id)
    report = services.item_progress(
        item_id=item_id, actor=actor(request), text=payload.text, is_final=payload.is_final
    )
    return Status(201, _report_out(report))


@router.post("/items/{item_id}/report", response={201: ItemReportOut, **ERRORS}, summary="报送办结报告")
def item_report(request: HttpRequest, item_id: int, payload: TextIn) -> Status[dict]:
    _visible(request, item_id)
    report = services.item_report(item_id=item_id, actor=actor(request), text=payload.text)
    return Status(201, _report_out(report))


@router.post(
    "/items/{item_id}/report/approve", response={200: ItemOut, **ERRORS}, summary="单位负责人审核办结报告"
)
def item_report_approve(request: HttpRequest, item_id: int, payload: CommentIn | None = None) -> dict:
    _visible(request, item_id)
    services.item_report_approve(
        item_id=item_id, actor=actor(request), comment=payload.comment if payload else ""
    )
    return _fresh(request, item_id)


@router.post(
    "/items/{item_id}/report/return", response={200: ItemOut, **ERRORS}, summary="单位负责人退回办结报告"
)
def item_report_return(request: HttpRequest, item_id: int, payload: ReasonIn) -> dict:
    _visible(request, item_id)
    services.item_report_return(item_id=item_id, actor=actor(request), reason=payload.reason)
    return _fresh(request, item_id)


# --- 审核, 办结, 归档, 撤销 --------------------------------------------------------------------------------------------


@router.post(
    "/items/{item_id}/review", response={200: ItemReviewOut, **ERRORS}, summary="审核（通过或退回重办）"
)
def item_review(request: HttpRequest, item_id: int, payload: ItemReviewIn) -> dict:
    _visible(request, item_id)
    review = services.item_review(
        item_id=item_id,
        actor=actor(request),
        decision=payload.decision,
        opinion=payload.opinion,
        task_completed=payload.task_completed,
        problem_solved=payload.problem_solved,
        conclusion_appropriate=payload.conclusion_appropriate,
        lawful_compliant=payload.lawful_compliant,
    )
    return {
        "id": review.pk,
        "decision": review.decision,
        "opinion": review.opinion,
        "task_completed": review.task_completed,
        "problem_solved": review.problem_solved,
        "conclusion_appropriate": review.conclusion_appropriate,
        "lawful_compliant": review.lawful_compliant,
        "item_status": review.item.status,
    }


@router.post("/items/{item_id}/close", response={200: ItemOut, **ERRORS}, summary="办结")
def item_close(request: HttpRequest, item_id: int, payload: CommentIn | None = None) -> dict:
    _visible(request, item_id)
    services.item_close(item_id=item_id, actor=actor(request), comment=payload.comment if payload else "")
    return _fresh(request, item_id)


@router.post("/items/{item_id}/archive", response={200: ItemOut, **ERRORS}, summary="归档")
def item_archive(request: HttpRequest, item_id: int) -> dict:
    _visible(request, item_id)
    services.item_archive(item_id=item_id, actor=actor(request))
    return _fresh(request, item_id)


@router.post("/items/{item_id}/cancel", response={200: ItemOut, **ERRORS}, summary="撤销（申请）")
def item_cancel(request: HttpRequest, item_id: int, payload: ReasonIn) -> dict:
    _visible(request, item_id)
    services.item_cancel(item_id=item_id, actor=actor(request), reason=payload.reason)
    return _fresh(request, item_id)


@router.post("/items/{item_id}/cancel/approve", response={200: ItemOut, **ERRORS}, summary="批准撤销")
def item_cancel_approve(request: HttpRequest, item_id: int, payload: CommentIn | None = None) -> dict:
    _visible(request, item_id)
    services.item_cancel_approve(
        item_id=item_id, actor=actor(request), comment=payload.comment if payload else ""
    )
    return _fresh(request, item_id)


@router.post("/items/{item_id}/cancel/refuse", response={200: ItemOut, **ERRORS}, summary="不予撤销")
def item_cancel_refuse(request: HttpRequest, item_id: int, payload: ReasonIn) -> dict:
    _visible(request, item_id)
    services.item_cancel_refuse(item_id=item_id, actor=actor(request), reason=payload.reason)
    return _fresh(request, item_id)


# --- 延期, 转办, 争议 ------------------------------------------------------------------------------------------------


def _extension_out(extension: Any) -> dict:
    return {
        "id": extension.pk,
        "status": extension.status,
        "reason": extension.reason,
        "old_due_date": extension.old_due_date,
        "proposed_due_date": extension.proposed_due_date,
        "granted_due_date": extension.granted_due_date,
        "requires_leader": extension.requires_leader,
        "item_due_date": extension.item.due_date,
    }


@router.post("/items/{item_id}/extensions", response={201: ExtensionOut, **ERRORS}, summary="延期申请")
def item_extension_request(request: HttpRequest, item_id: int, payload: ExtensionIn) -> Status[dict]:
    _visible(request, item_id)
    extension = services.item_extension_request(
        item_id=item_id,
        actor=actor(request),
        reason=payload.reason,
        proposed_due_date=payload.proposed_due_date,
    )
    return Status(201, _extension_out(extension))


@router.post("/items/{item_id}/extensions/decide", response={200: ExtensionOut, **ERRORS}, summary="延期审批")
def item_extension_decide(request: HttpRequest, item_id: int, payload: ExtensionDecideIn) -> dict:
    _visible(request, item_id)
    extension = services.item_extension_decide(
        item_id=item_id,
        actor=actor(request),
        grant=payload.grant,
        comment=payload.comment,
        due_date=payload.due_date,
    )
    return _extension_out(extension)


@router.post("/items/{item_id}/delegate", response={201: ItemOut, **ERRORS}, summary="转办")
def item_delegate(request: HttpRequest, item_id: int, payload: DelegateIn) -> Status[dict]:
    _visible(request, item_id)
    child = services.item_delegate(
        item_id=item_id,
        actor=actor(request),
        unit_id=payload.unit,
        title=payload.title,
        content=payload.content,
        deadline_workdays=payload.deadline_workdays,
        due_date=payload.due_date,
    )
    return Status(201, _fresh(request, child.pk))


def _dispute_out(dispute: Any) -> dict:
    return {
        "id": dispute.pk,
        "status": dispute.status,
        "description": dispute.description,
        "coordination": dispute.coordination,
        "ruling": dispute.ruling,
    }


@router.post("/items/{item_id}/disputes", response={201: DisputeOut, **ERRORS}, summary="提请协调分歧")
def item_dispute_escalate(request: HttpRequest, item_id: int, payload: DisputeIn) -> Status[dict]:
    _visible(request, item_id)
    dispute = services.item_dispute_escalate(
        item_id=item_id, actor=actor(request), description=payload.description
    )
    return Status(201, _dispute_out(dispute))


@router.post(
    "/items/{item_id}/disputes/coordinate", response={200: DisputeOut, **ERRORS}, summary="记录协调意见"
)
def item_dispute_coordinate(request: HttpRequest, item_id: int, payload: CoordinationIn) -> dict:
    _visible(request, item_id)
    return _dispute_out(
        services.item_dispute_coordinate(
            item_id=item_id, actor=actor(request), coordination=payload.coordination
        )
    )


@router.post("/items/{item_id}/disputes/rule", response={200: DisputeOut, **ERRORS}, summary="记录领导裁定")
def item_dispute_rule(request: HttpRequest, item_id: int, payload: RulingIn) -> dict:
    _visible(request, item_id)
    return _dispute_out(
        services.item_dispute_rule(item_id=item_id, actor=actor(request), ruling=payload.ruling)
    )


@router.post("/items/{item_id}/attachments", response={201: AttachmentOut, **ERRORS}, summary="上传附件")
def item_attachment_add(
    request: HttpRequest, item_id: int, file: File[UploadedFile], report: Form[Id | None] = None
) -> Status[dict]:
    _visible(request, item_id)
    attachment = services.item_attachment_add(
        item_id=item_id, actor=actor(request), upload=file, report_id=report
    )
    return Status(
        201,
        {
            "id": attachment.pk,
            "name": attachment.original_name,
            "size": attachment.size,
            "sha256": attachment.sha256,
            "report": attachment.report_id,
        },
    )


@router.get(
    "/items/{item_id}/reports", response={200: list[ItemReportDetailOut], **ERRORS}, summary="进展和办结报告"
)
def item_reports(request: HttpRequest, item_id: int) -> list[dict]:
    """Every unit's progress and completion reports, oldest first: the lead unit consolidates the co-units'."""
    item = _visible(request, item_id, read=True)
    return [
        {
            **_report_out(report),
            "head_decided_by": user_ref(report.head_decided_by),
            "head_decided_at": report.head_decided_at,
            "head_comment": report.head_comment,
        }
        for report in selectors.item_reports(item)
    ]


@router.get(
    "/items/{item_id}/extensions", response={200: list[ExtensionDetailOut], **ERRORS}, summary="延期申请记录"
)
def item_extensions(request: HttpRequest, item_id: int) -> list[dict]:
    item = _visible(request, item_id, read=True)
    return [
        {
            "id": extension.pk,
            "status": extension.status,
            "unit": unit_ref(extension.unit),
            "requested_by": user_ref(extension.requested_by),
            "reason": extension.reason,
            "old_due_date": extension.old_due_date,
            "proposed_due_date": extension.proposed_due_date,
            "granted_due_date": extension.granted_due_date,
            "requires_leader": extension.requires_leader,
            "decision_comment": extension.decision_comment,
            "created_at": extension.created_at,
        }
        for extension in selectors.item_extensions(item)
    ]


@router.get("/items/{item_id}/attachments", response={200: list[AttachmentOut], **ERRORS}, summary="附件列表")
def item_attachments(request: HttpRequest, item_id: int) -> list[dict]:
    item = _visible(request, item_id, read=True)
    return [
        {"id": a.pk, "name": a.original_name, "size": a.size, "sha256": a.sha256, "report": a.report_id}
        for a in selectors.item_attachments(item)
    ]


@router.get(
    "/items/{item_id}/attachments/{attachment_id}", response={200: None, **ERRORS}, summary="下载附件"
)
def item_attachment_download(request: HttpRequest, item_id: int, attachment_id: int) -> FileResponse:
    item = _visible(request, item_id, read=True)
    attachment = (
        selectors.item_attachments(item).filter(pk=attachment_id).first()
        if attachment_id <= selectors.MAX_ID
        else None
    )
    if attachment is None:
        raise NotFound()
    return FileResponse(attachment.file.open("rb"), as_attachment=True, filename=attachment.original_name)
