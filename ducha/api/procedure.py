"""The procedure's steps (issue 16), thin endpoints over ducha.items.services.procedure: scope first — an item
(or a report, milestone, re-check of one) out of the caller's scope is not found whatever the action."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from ninja import File, Form, Router, Status
from ninja.files import UploadedFile

from ducha.api.base import ERRORS, actor
from ducha.api.schemas.procedure import (
    ConsolidatedDecisionIn,
    ConsolidatedIn,
    ConsolidatedOut,
    ItemProcedureOut,
    ProcedureFlagsIn,
    ProcedureFlagsOut,
    ProgressCheckIn,
    ProgressCheckOut,
    RecheckDrawIn,
    RecheckDrawOut,
    RecheckOut,
    RecheckRecordIn,
    SiteCheckIn,
    SiteCheckOut,
    UnitMilestoneOut,
    UnitPlanIn,
    UnitPlanOut,
)
from ducha.api.shapes import unit_ref, user_ref
from ducha.items import procedure_selectors, selectors, services
from ducha.items.models import (
    ConsolidatedReport,
    Item,
    Milestone,
    Plan,
    Recheck,
    Report,
    SiteCheck,
)
from ducha.items.services import MilestoneInput

# The procedure's steps belong to the items area: their operation ids say so (`ducha_api_items_…`).
router = Router(tags=["items"])


def flags_out(item: Item) -> dict[str, Any]:
    return {
        "item": item.pk,
        "site_check_required": item.site_check_required,
        "is_complex": item.is_complex,
        "progress_check_by_head": item.progress_check_by_head,
    }


def site_check_out(check: SiteCheck) -> dict[str, Any]:
    return {
        "id": check.pk,
        "checked_on": check.checked_on,
        "inspectors": check.inspectors,
        "findings": check.findings,
        "conclusion": check.conclusion,
        "recorded_by": user_ref(check.recorded_by),
        "photos": [{"id": p.pk, "name": p.original_name, "size": p.size} for p in check.photos.all()],
        "created_at": check.created_at,
    }


def consolidated_out(report: ConsolidatedReport) -> dict[str, Any]:
    return {
        "id": report.pk,
        "status": report.status,
        "text": report.text,
        "opinions": report.opinions,
        "author": user_ref(report.author),
        "decided_by": user_ref(report.decided_by),
        "decided_at": report.decided_at,
        "leader_comment": report.leader_comment,
        "created_at": report.created_at,
    }


def milestone_out(milestone: Milestone) -> dict[str, Any]:
    return {
        "id": milestone.pk,
        "unit": unit_ref(milestone.unit),
        "title": milestone.title,
        "due_date": milestone.due_date,
        "completed_at": milestone.completed_at,
    }


def plan_out(plan: Plan, milestones: list[Milestone]) -> dict[str, Any]:
    unit_id = plan.assignment.unit_id
    return {
        "id": plan.pk,
        "unit": unit_ref(plan.assignment.unit),
        "text": plan.text,
        "author": user_ref(plan.author),
        "updated_at": plan.updated_at,
        "milestones": [milestone_out(m) for m in milestones if m.unit_id == unit_id],
    }


def recheck_out(recheck: Recheck) -> dict[str, Any]:
    return {
        "id": recheck.pk,
        "item": recheck.item_id,
        "item_title": recheck.item.title,
        "batch": recheck.batch,
        "result": recheck.result,
        "findings": recheck.findings,
        "checked_by": user_ref(recheck.checked_by),
        "checked_at": recheck.checked_at,
    }


def _in_scope(request: HttpRequest, item_id: int) -> Item:
    return selectors.get_item_for_user(actor(request), item_id, record_view=False)


@router.get(
    "/items/{item_id}/procedure",
    response={200: ItemProcedureOut, **ERRORS},
    summary="事项的办理程序",
    operation_id="ducha_api_items_procedure_read",
)
def procedure_read(request: HttpRequest, item_id: int) -> dict[str, Any]:
    """The item's procedure: the office's switches, on-site verifications, consolidated reports, the units'
    plans and milestones, progress reports waiting for a unit head, spot re-checks."""
    item = selectors.get_item_for_user(actor(request), item_id)
    data = procedure_selectors.item_procedure(item)
    return {
        "flags": flags_out(item),
        "site_checks": [site_check_out(c) for c in data.site_checks],
        "consolidated_reports": [consolidated_out(r) for r in data.consolidated_reports],
        "plans": [plan_out(p, data.milestones) for p in data.plans],
        "held_progress": [
            {
                "id": r.pk,
                "unit": unit_ref(r.assignment.unit),
                "author": user_ref(r.author),
                "text": r.text,
                "created_at": r.created_at,
            }
            for r in data.held_progress
        ],
        "rechecks": [recheck_out(r) for r in data.rechecks],
    }


@router.post(
    "/items/{item_id}/procedure",
    response={200: ProcedureFlagsOut, **ERRORS},
    summary="设置办理程序",
    operation_id="ducha_api_items_procedure_set",
)
def procedure_set(request: HttpRequest, item_id: int, payload: ProcedureFlagsIn) -> dict[str, Any]:
    """The office turns on or off on-site verification, the consolidated report and the head's progress check."""
    _in_scope(request, item_id)
    item = services.item_procedure_set(item_id=item_id, actor=actor(request), **payload.dict())
    return flags_out(item)


@router.post(
    "/items/{item_id}/site-checks",
    response={201: SiteCheckOut, **ERRORS},
    summary="现场核验（multipart，可附照片）",
    operation_id="ducha_api_items_site_check_record",
)
def site_check_record(
    request: HttpRequest,
    item_id: int,
    payload: Form[SiteCheckIn],
    photos: File[list[UploadedFile]] = None,  # type: ignore[assignment]
) -> Status[dict[str, Any]]:
    """The office or a leader records an on-site verification of a reported item, with JPEG/PNG photos."""
    _in_scope(request, item_id)
    check = services.item_site_check_record(
        item_id=item_id, actor=actor(request), photos=photos or [], **payload.dict()
    )
    return Status(201, site_check_out(SiteCheck.objects.select_related("recorded_by").get(pk=check.pk)))


@router.post(
    "/items/{item_id}/consolidated",
    response={201: ConsolidatedOut, **ERRORS},
    summary="报送综合报告",
    operation_id="ducha_api_items_consolidated_submit",
)
def consolidated_submit(
    request: HttpRequest, item_id: int, payload: ConsolidatedIn
) -> Status[dict[str, Any]]:
    """The office sends the consolidated report of a complex item under review to the leader."""
    _in_scope(request, item_id)
    report = services.item_consolidated_submit(item_id=item_id, actor=actor(request), text=payload.text)
    return Status(201, consolidated_out(report))


@router.post(
    "/items/{item_id}/consolidated/decide",
    response={200: ConsolidatedOut, **ERRORS},
    summary="领导审批综合报告",
    operation_id="ducha_api_items_consolidated_decide",
)
def consolidated_decide(
    request: HttpRequest, item_id: int, payload: ConsolidatedDecisionIn
) -> dict[str, Any]:
    """The leader approves the consolidated report waiting for them, or returns it with a comment."""
    _in_scope(request, item_id)
    report = services.item_consolidated_decide(
        item_id=item_id, actor=actor(request), approve=payload.approve, comment=payload.comment
    )
    return consolidated_out(report)


@router.put(
    "/items/{item_id}/plan",
    response={200: UnitPlanOut, **ERRORS},
    summary="本单位实施方案和节点",
    operation_id="ducha_api_items_plan_save",
)
def plan_save(request: HttpRequest, item_id: int, payload: UnitPlanIn) -> dict[str, Any]:
    """The caller's unit writes or replaces its implementation plan and its own milestones."""
    _in_scope(request, item_id)
    plan = services.item_plan_save(
        item_id=item_id,
        actor=actor(request),
        text=payload.text,
        milestones=[MilestoneInput(title=m.title, due_date=m.due_date) for m in payload.milestones],
    )
    plan = Plan.objects.select_related("assignment__unit", "author").get(pk=plan.pk)
    milestones = list(
        Milestone.objects.filter(item_id=item_id, unit_id=plan.assignment.unit_id).select_related("unit")
    )
    return plan_out(plan, milestones)


@router.post(
    "/milestones/{milestone_id}/done",
    response={200: UnitMilestoneOut, **ERRORS},
    summary="节点完成",
    operation_id="ducha_api_items_milestone_done",
)
def milestone_done(request: HttpRequest, milestone_id: int) -> dict[str, Any]:
    """The unit marks one of its own milestones done."""
    procedure_selectors.item_of_for_user(actor(request), Milestone, milestone_id)
    milestone = services.item_milestone_done(milestone_id=milestone_id, actor=actor(request))
    return milestone_out(Milestone.objects.select_related("unit").get(pk=milestone.pk))


@router.post(
    "/reports/{report_id}/progress-check",
    response={200: ProgressCheckOut, **ERRORS},
    summary="负责人审核进展报告",
    operation_id="ducha_api_items_progress_check",
)
def progress_check(request: HttpRequest, report_id: int, payload: ProgressCheckIn) -> dict[str, Any]:
    """The head of the reporting unit approves a progress report held for them, or returns it with a comment."""
    procedure_selectors.item_of_for_user(actor(request), Report, report_id)
    report = services.item_progress_check(
        report_id=report_id, actor=actor(request), approve=payload.approve, comment=payload.comment
    )
    return {
        "id": report.pk,
        "item": report.item_id,
        "status": report.status,
        "head_comment": report.head_comment,
    }


@router.get(
    "/rechecks",
    response={200: list[RecheckOut], **ERRORS},
    summary="抽查复核列表",
    operation_id="ducha_api_items_recheck_list",
)
def recheck_list(request: HttpRequest, batch: str = "", before: int | None = None) -> list[dict[str, Any]]:
    """The office's spot re-checks, newest first, 50 a page: pass the last id as `before` for the next."""
    rows = procedure_selectors.rechecks_for_user(actor(request), batch=batch[:40], before_id=before)
    return [recheck_out(r) for r in rows]


@router.post(
    "/rechecks/draw",
    response={201: RecheckDrawOut, **ERRORS},
    summary="随机抽取已办结事项复核",
    operation_id="ducha_api_items_recheck_draw",
)
def recheck_draw(request: HttpRequest, payload: RecheckDrawIn) -> Status[dict[str, Any]]:
    """The office draws closed items of the period at random (reproducible by the seed)."""
    draw = services.rechecks_draw(actor=actor(request), **payload.dict())
    rows = Recheck.objects.filter(pk__in=[r.pk for r in draw.rechecks]).select_related("item", "checked_by")
    return Status(
        201,
        {"batch": draw.batch, "seed": draw.seed, "rechecks": [recheck_out(r) for r in rows.order_by("id")]},
    )


@router.post(
    "/rechecks/{recheck_id}",
    response={200: RecheckOut, **ERRORS},
    summary="记录复核结果",
    operation_id="ducha_api_items_recheck_record",
)
def recheck_record(request: HttpRequest, recheck_id: int, payload: RecheckRecordIn) -> dict[str, Any]:
    """The office records what a re-check found (once)."""
    procedure_selectors.item_of_for_user(actor(request), Recheck, recheck_id)
    services.recheck_record(
        recheck_id=recheck_id, actor=actor(request), result=payload.result, findings=payload.findings
    )
    return recheck_out(Recheck.objects.select_related("item", "checked_by").get(pk=recheck_id))
