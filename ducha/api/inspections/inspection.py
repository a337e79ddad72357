"""The inspection itself: the list and the to-dos, 立项 (a new inspection, with the overlaps it has), the 方案 and its
edits, the team and its training, submission, approval, rejection, return, amendments to the approved 方案, the
timeline, the available actions, and withdrawal (撤销)."""

from __future__ import annotations

from django.http import HttpRequest
from ninja import Router, Status

from ducha.api.base import ERRORS, actor
from ducha.api.inspections.scope import fresh, visible
from ducha.api.inspections.shapes import amendment_out, inspection_out, overlaps_out
from ducha.api.schemas import (
    ActionOut,
    AmendIn,
    AmendmentOut,
    CommentIn,
    DecideIn,
    EventOut,
    Id,
    InspectionCreatedOut,
    InspectionCreateIn,
    InspectionOut,
    InspectionPage,
    InspectionUpdateIn,
    Kind,
    OverlapsOut,
    ReasonIn,
    TeamMemberIn,
    TodosOut,
    TrainIn,
    Year,
)
from ducha.api.shapes import event_out
from ducha.common import error_codes as codes
from ducha.common.errors import NotPermitted
from ducha.inspections import lifecycle, overlap, selectors, services
from ducha.reminders import selectors as reminder_selectors

router = Router(tags=["inspections"])


def _targets(values: list | None) -> list[services.TargetInput] | None:
    if values is None:
        return None
    return [
        services.TargetInput(unit_id=v)
        if isinstance(v, int)
        else services.TargetInput(v.unit, v.forms_demanded, v.people_days)
        for v in values
    ]


@router.get("/inspections/", response={200: InspectionPage, **ERRORS}, summary="督查活动列表")
def inspection_list(
    request: HttpRequest,
    status: str = "",
    kind: Kind | None = None,
    year: Year | None = None,
    in_plan: bool | None = None,
    target: Id | None = None,
    q: str = "",
    cursor: str | None = None,
    limit: int = 50,
) -> dict:
    """Inspections in the caller's scope (an unannounced visit is absent for its targets until it ends), most
    recently changed first; keyset-paged (pass `next_cursor` as `cursor`)."""
    page = selectors.inspection_list_for_user(
        actor(request),
        status=[s for s in status.split(",") if s.strip()],
        kind=kind or "",
        year=year,
        in_plan=in_plan,
        target_id=target,
        keyword=q.strip(),
        cursor=cursor,
        limit=max(1, min(limit, 200)),
    )
    return {"inspections": [inspection_out(i) for i in page.inspections], "next_cursor": page.next_cursor}


@router.post(
    "/inspections/", response={201: InspectionCreatedOut, **ERRORS}, summary="新建督查活动（拟开展）"
)
def inspection_create(request: HttpRequest, payload: InspectionCreateIn) -> Status[dict]:
    """Propose an inspection (office). The answer lists `overlaps`: other inspections — of any department or
    government — touching one of the same targets in an overlapping window, or on a similar topic recently; where
    the government's rule blocks, the request is refused with 409 inspection_overlap."""
    user = actor(request)
    inspection = services.inspection_create(
        actor=user,
        topic=payload.topic,
        kind=payload.kind,
        targets=_targets(payload.targets) or [],
        start_date=payload.start_date,
        end_date=payload.end_date,
        lead_unit_id=payload.lead_unit,
        in_plan=payload.in_plan,
        plan_entry_id=payload.plan_entry,
        out_of_plan_reason=payload.out_of_plan_reason,
        basis=payload.basis,
        basis_item_ids=payload.basis_items,
        content=payload.content,
        scope=payload.scope,
        method=payload.method,
        schedule=payload.schedule,
    )
    created = visible(request, inspection.pk)
    report = overlap.inspection_overlaps(created, viewer=user)
    return Status(
        201, {**inspection_out(created), "overlaps": overlaps_out(report), "hidden_overlaps": report.hidden}
    )


@router.get("/inspections/todos", response={200: TodosOut, **ERRORS}, summary="督查待办")
def inspection_todos(request: HttpRequest) -> dict:
    todos = selectors.todos_for_user(actor(request))
    return {name: [record.pk for record in records] for name, records in todos.__dict__.items()}


@router.get("/inspections/{inspection_id}", response={200: InspectionOut, **ERRORS}, summary="督查活动详情")
def inspection_detail(request: HttpRequest, inspection_id: int) -> dict:
    return inspection_out(selectors.get_inspection_for_user(actor(request), inspection_id))


@router.patch("/inspections/{inspection_id}", response={200: InspectionOut, **ERRORS}, summary="修改督查方案")
def inspection_update(request: HttpRequest, inspection_id: int, payload: InspectionUpdateIn) -> dict:
    visible(request, inspection_id)
    data = payload.dict(exclude_unset=True)
    targets = _targets(payload.targets) if "targets" in data else None
    for name in ("targets", "lead_unit", "plan_entry", "basis_items"):
        data.pop(name, None)
    services.inspection_update(
        inspection_id=inspection_id,
        actor=actor(request),
        targets=targets,
        lead_unit_id=payload.lead_unit,
        plan_entry_id=payload.plan_entry,
        basis_item_ids=payload.basis_items,
        **data,
    )
    return fresh(request, inspection_id)


@router.get(
    "/inspections/{inspection_id}/actions",
    response={200: list[ActionOut], **ERRORS},
    summary="当前可执行的操作",
)
def inspection_actions(request: HttpRequest, inspection_id: int) -> list[dict]:
    inspection = visible(request, inspection_id)
    return [
        {"action": t.action, "label": str(t.label)}
        for t in lifecycle.available_actions(inspection, actor(request))
    ]


@router.get(
    "/inspections/{inspection_id}/timeline",
    response={200: list[EventOut], **ERRORS},
    summary="督查活动时间线",
)
def inspection_timeline(request: HttpRequest, inspection_id: int) -> list[dict]:
    inspection = visible(request, inspection_id)
    return [event_out(event) for event in reminder_selectors.inspection_timeline(inspection, actor(request))]


@router.get(
    "/inspections/{inspection_id}/overlaps", response={200: OverlapsOut, **ERRORS}, summary="重叠与相似督查"
)
def inspection_overlaps(request: HttpRequest, inspection_id: int) -> dict:
    user = actor(request)
    inspection = visible(request, inspection_id)
    if not selectors.has_full_view(inspection, user):
        raise NotPermitted(codes.ROLE_REQUIRED)
    report = overlap.inspection_overlaps(inspection, viewer=user)
    rules = selectors.rules_for(inspection.government)
    return {"overlaps": overlaps_out(report), "hidden_overlaps": report.hidden, "rule": rules.overlap_rule}


@router.put(
    "/inspections/{inspection_id}/team", response={200: InspectionOut, **ERRORS}, summary="设置督查组"
)
def inspection_team_set(request: HttpRequest, inspection_id: int, payload: list[TeamMemberIn]) -> dict:
    visible(request, inspection_id)
    services.inspection_team_set(
        inspection_id=inspection_id,
        actor=actor(request),
        members=[
            services.TeamMemberInput(
                user_id=m.user,
                name=m.name,
                role=m.role,
                invited_kind=m.invited_kind,
                is_trained=m.is_trained,
                trained_on=m.trained_on,
                days=m.days,
            )
            for m in payload
        ],
    )
    return fresh(request, inspection_id)


@router.post(
    "/inspections/{inspection_id}/train", response={200: InspectionOut, **ERRORS}, summary="记录督查人员培训"
)
def inspection_train(request: HttpRequest, inspection_id: int, payload: TrainIn) -> dict:
    visible(request, inspection_id)
    services.inspection_train(
        inspection_id=inspection_id,
        actor=actor(request),
        member_ids=payload.members,
        trained_on=payload.trained_on,
    )
    return fresh(request, inspection_id)


@router.post(
    "/inspections/{inspection_id}/submit", response={200: InspectionOut, **ERRORS}, summary="报请审批"
)
def inspection_submit(request: HttpRequest, inspection_id: int) -> dict:
    visible(request, inspection_id)
    services.inspection_submit(inspection_id=inspection_id, actor=actor(request))
    return fresh(request, inspection_id)


@router.post(
    "/inspections/{inspection_id}/approve", response={200: InspectionOut, **ERRORS}, summary="批准立项和方案"
)
def inspection_approve(request: HttpRequest, inspection_id: int, payload: CommentIn | None = None) -> dict:
    visible(request, inspection_id)
    services.inspection_approve(
        inspection_id=inspection_id, actor=actor(request), comment=payload.comment if payload else ""
    )
    return fresh(request, inspection_id)


@router.post(
    "/inspections/{inspection_id}/reject", response={200: InspectionOut, **ERRORS}, summary="不予批准"
)
def inspection_reject(request: HttpRequest, inspection_id: int, payload: ReasonIn) -> dict:
    visible(request, inspection_id)
    services.inspection_reject(inspection_id=inspection_id, actor=actor(request), reason=payload.reason)
    return fresh(request, inspection_id)


@router.post(
    "/inspections/{inspection_id}/revise", response={200: InspectionOut, **ERRORS}, summary="退回修改"
)
def inspection_revise(request: HttpRequest, inspection_id: int) -> dict:
    visible(request, inspection_id)
    services.inspection_revise(inspection_id=inspection_id, actor=actor(request))
    return fresh(request, inspection_id)


@router.post(
    "/inspections/{inspection_id}/amendments", response={201: AmendmentOut, **ERRORS}, summary="调整督查方案"
)
def inspection_amend(request: HttpRequest, inspection_id: int, payload: AmendIn) -> Status[dict]:
    visible(request, inspection_id)
    amendment = services.inspection_amend(
        inspection_id=inspection_id,
        actor=actor(request),
        reason=payload.reason,
        add_target_ids=payload.add_targets,
        remove_target_ids=payload.remove_targets,
        start_date=payload.start_date,
        end_date=payload.end_date,
        content=payload.content,
        scope=payload.scope,
        method=payload.method,
        schedule=payload.schedule,
    )
    return Status(201, amendment_out(amendment))


@router.post(
    "/inspections/{inspection_id}/amendments/decide",
    response={200: AmendmentOut, **ERRORS},
    summary="审批方案调整",
)
def inspection_amendment_decide(request: HttpRequest, inspection_id: int, payload: DecideIn) -> dict:
    visible(request, inspection_id)
    amendment = services.inspection_amendment_decide(
        inspection_id=inspection_id, actor=actor(request), approve=payload.approve, comment=payload.comment
    )
    return amendment_out(amendment)


@router.post(
    "/inspections/{inspection_id}/cancel", response={200: InspectionOut, **ERRORS}, summary="撤销督查活动"
)
def inspection_cancel(request: HttpRequest, inspection_id: int, payload: ReasonIn) -> dict:
    visible(request, inspection_id)
    services.inspection_cancel(inspection_id=inspection_id, actor=actor(request), reason=payload.reason)
    return fresh(request, inspection_id)
