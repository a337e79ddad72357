"""The annual plan (年度督查计划): its figures against last year's, the departments' proposals and the office's
decision on each, submission, approval or return; and the designations (部门督查指定) that let a department inspect."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from ninja import Router, Status

from ducha.api.base import ERRORS, actor
from ducha.api.inspections.scope import office_or_leader
from ducha.api.inspections.shapes import designation_out, plan_out
from ducha.api.schemas import (
    CommentIn,
    DesignationIn,
    DesignationOut,
    PlanCreateIn,
    PlanOut,
    ProposalDecideIn,
    ProposalIn,
    ReasonIn,
)
from ducha.common.errors import NotFound
from ducha.inspections import selectors, services
from ducha.inspections.models import AnnualPlan

router = Router(tags=["inspections"])


def _plan_government(request: HttpRequest) -> Any:
    user = actor(request)
    if user.unit is None or user.unit.government is None:
        raise NotFound()
    return user.unit.government


@router.get("/inspections/plans/{year}", response={200: PlanOut, **ERRORS}, summary="年度督查计划")
def plan_detail(request: HttpRequest, year: int) -> dict:
    """The caller's government's plan for `year`: this year's count against last year's and the cut in percent;
    out-of-plan inspections counted and listed separately; proposals (a department sees its own)."""
    if not 2000 <= year <= 9998:
        raise NotFound()
    return plan_out(actor(request), _plan_government(request), year)


@router.post("/inspections/plans/", response={201: PlanOut, **ERRORS}, summary="建立年度督查计划")
def plan_create(request: HttpRequest, payload: PlanCreateIn) -> Status[dict]:
    plan = services.annual_plan_create(
        actor=actor(request), year=payload.year, baseline_count=payload.baseline_count, note=payload.note
    )
    return Status(201, plan_out(actor(request), plan.government, plan.year))


def _plan(request: HttpRequest, plan_id: int) -> AnnualPlan:
    return selectors.get_plan_for_user(actor(request), plan_id)


@router.post(
    "/inspections/plans/{plan_id}/proposals", response={201: PlanOut, **ERRORS}, summary="申报计划督查事项"
)
def plan_propose(request: HttpRequest, plan_id: int, payload: ProposalIn) -> Status[dict]:
    plan = _plan(request, plan_id)
    services.plan_proposal_add(
        plan_id=plan.pk,
        actor=actor(request),
        topic=payload.topic,
        kind=payload.kind,
        reason=payload.reason,
        start_date=payload.start_date,
        end_date=payload.end_date,
        target_ids=payload.targets,
    )
    return Status(201, plan_out(actor(request), plan.government, plan.year))


@router.post(
    "/inspections/plans/{plan_id}/proposals/{proposal_id}/decide",
    response={200: PlanOut, **ERRORS},
    summary="采纳、合并或压减申报事项",
)
def plan_proposal_decide(
    request: HttpRequest, plan_id: int, proposal_id: int, payload: ProposalDecideIn
) -> dict:
    plan = _plan(request, plan_id)
    services.plan_proposal_decide(
        plan_id=plan.pk,
        proposal_id=proposal_id,
        actor=actor(request),
        decision=payload.decision,
        merged_into_id=payload.merged_into,
        note=payload.note,
    )
    return plan_out(actor(request), plan.government, plan.year)


@router.post(
    "/inspections/plans/{plan_id}/submit", response={200: PlanOut, **ERRORS}, summary="报请审批年度计划"
)
def plan_submit(request: HttpRequest, plan_id: int) -> dict:
    plan = _plan(request, plan_id)
    services.annual_plan_submit(plan_id=plan.pk, actor=actor(request))
    return plan_out(actor(request), plan.government, plan.year)


@router.post(
    "/inspections/plans/{plan_id}/approve", response={200: PlanOut, **ERRORS}, summary="批准年度计划"
)
def plan_approve(request: HttpRequest, plan_id: int, payload: CommentIn | None = None) -> dict:
    plan = _plan(request, plan_id)
    services.annual_plan_approve(
        plan_id=plan.pk, actor=actor(request), comment=payload.comment if payload else ""
    )
    return plan_out(actor(request), plan.government, plan.year)


@router.post("/inspections/plans/{plan_id}/return", response={200: PlanOut, **ERRORS}, summary="退回年度计划")
def plan_return(request: HttpRequest, plan_id: int, payload: ReasonIn) -> dict:
    plan = _plan(request, plan_id)
    services.annual_plan_return(plan_id=plan.pk, actor=actor(request), reason=payload.reason)
    return plan_out(actor(request), plan.government, plan.year)


@router.get(
    "/inspections/designations/", response={200: list[DesignationOut], **ERRORS}, summary="部门督查指定"
)
def designation_list(request: HttpRequest) -> list[dict]:
    government = office_or_leader(request)
    return [designation_out(d) for d in selectors.designations_for(government)]


@router.post(
    "/inspections/designations/", response={201: DesignationOut, **ERRORS}, summary="指定部门开展督查"
)
def designation_grant(request: HttpRequest, payload: DesignationIn) -> Status[dict]:
    designation = services.designation_grant(
        actor=actor(request),
        unit_id=payload.unit,
        matter=payload.matter,
        scope=payload.scope,
        start_date=payload.start_date,
        end_date=payload.end_date,
        target_ids=payload.targets,
    )
    return Status(
        201, designation_out(selectors.designations_for(designation.government).get(pk=designation.pk))
    )
