"""The annual plan (年度督查计划): the office opens it, departments propose, the office accepts, merges or cuts and
submits, the leader approves (every accepted proposal becomes a proposed inspection) or returns it; and the
designations of departments to inspect (条例 Art. 7)."""

from __future__ import annotations

import datetime
from collections.abc import Sequence

from django.db import transaction
from django.utils import timezone

from ducha.audit.models import EventType
from ducha.common import error_codes as codes
from ducha.common.errors import InvalidState, NotFound
from ducha.common.inputs import choice, invalid, require_text
from ducha.common.lifecycle import Change
from ducha.inspections.lifecycle import OFFICE_KINDS, ProposalStatus
from ducha.inspections.models import AnnualPlan, Designation, Inspection, InspectionKind, PlanProposal
from ducha.inspections.services.base import (
    PLAN_LIFECYCLE,
    TargetInput,
    leader_government,
    office_government,
    record,
    snapshot,
    targets_in,
    validate_window,
    write_targets,
)
from ducha.orgs.models import Unit, UnitKind, User

PROPOSAL_DECISIONS = {
    "accept": ProposalStatus.ACCEPTED,
    "merge": ProposalStatus.MERGED,
    "cut": ProposalStatus.CUT,
}


@transaction.atomic
def annual_plan_create(
    *, actor: User, year: int, baseline_count: int | None = None, note: str = ""
) -> AnnualPlan:
    """Open the year's plan for proposals (office). `baseline_count` is last year's count where the system does not
    hold it. Audit: inspection_plan_created."""
    government = office_government(actor)
    if not 2000 <= year <= 9998:
        raise invalid(codes.INVALID_INPUT, "year")
    if AnnualPlan.objects.filter(government=government, year=year).exists():
        raise InvalidState(codes.ANNUAL_PLAN_EXISTS)
    plan = AnnualPlan.objects.create(
        government=government, year=year, baseline_count=baseline_count, note=note, created_by=actor
    )
    record(
        plan.pk, EventType.INSPECTION_PLAN_CREATED, actor, new={"year": year}, subject_type="inspection_plan"
    )
    return plan


def plan_proposal_add(
    *,
    plan_id: int,
    actor: User,
    topic: str,
    kind: str,
    reason: str,
    start_date: datetime.date | None,
    end_date: datetime.date | None,
    target_ids: Sequence[int],
) -> PlanProposal:
    """A department (or the office) proposes an inspection for the plan while it collects proposals.
    Audit: inspection_plan_proposed."""

    def apply(plan: AnnualPlan) -> Change:
        title = require_text(topic, codes.INSPECTION_TOPIC_REQUIRED, "topic")[:200]
        why = require_text(reason, codes.REASON_REQUIRED, "reason")
        choice(kind, InspectionKind, "kind")
        validate_window(start_date, end_date)
        assert start_date is not None and end_date is not None
        if start_date.year != plan.year:
            raise invalid(codes.INSPECTION_WINDOW_INVALID, "start_date")
        assert actor.unit is not None
        targets_in(plan.government, target_ids, lead_unit_id=actor.unit_id)
        proposal = PlanProposal.objects.create(
            plan=plan,
            proposing_unit=actor.unit,
            proposed_by=actor,
            topic=title,
            kind=kind,
            reason=why,
            start_date=start_date,
            end_date=end_date,
        )
        proposal.targets.set(target_ids)
        return Change(new={"proposal": proposal.pk, "topic": title, "unit": actor.unit_id}, result=proposal)

    return PLAN_LIFECYCLE.run("plan_propose", subject_id=plan_id, actor=actor, apply=apply)


def plan_proposal_decide(
    *,
    plan_id: int,
    proposal_id: int,
    actor: User,
    decision: str,
    merged_into_id: int | None = None,
    note: str = "",
) -> PlanProposal:
    """The office accepts, merges (into another accepted proposal: targets and window are joined) or cuts a
    proposal; it may change its mind while the plan collects proposals. Audit: inspection_plan_proposal_decided."""

    def apply(plan: AnnualPlan) -> Change:
        proposal = PlanProposal.objects.select_for_update().filter(pk=proposal_id, plan=plan).first()
        if proposal is None:
            raise NotFound()
        if decision not in PROPOSAL_DECISIONS:
            raise invalid(codes.INVALID_INPUT, "decision")
        if decision != "accept" and proposal.merged_proposals.exists():
            raise invalid(codes.PLAN_PROPOSAL_DECISION_INVALID, "decision")
        old = {"status": proposal.status, "merged_into": proposal.merged_into_id}
        proposal.merged_into = None
        if decision == "merge":
            into = (
                PlanProposal.objects.select_for_update()
                .filter(pk=merged_into_id or 0, plan=plan, status=ProposalStatus.ACCEPTED)
                .first()
            )
            if into is None or into.pk == proposal.pk:
                raise invalid(codes.PLAN_PROPOSAL_DECISION_INVALID, "merged_into")
            into.targets.add(*proposal.targets.all())
            into.start_date = min(into.start_date, proposal.start_date)
            into.end_date = max(into.end_date, proposal.end_date)
            into.save(update_fields=["start_date", "end_date", "updated_at"])
            proposal.merged_into = into
        proposal.status = PROPOSAL_DECISIONS[decision]
        proposal.decision_note = note
        proposal.decided_by = actor
        proposal.save(update_fields=["status", "merged_into", "decision_note", "decided_by", "updated_at"])
        return Change(
            outcome=decision,
            old=old,
            new={"proposal": proposal.pk, "status": proposal.status, "merged_into": proposal.merged_into_id},
            comment=note,
            result=proposal,
        )

    return PLAN_LIFECYCLE.run("proposal_decide", subject_id=plan_id, actor=actor, apply=apply)


def annual_plan_submit(*, plan_id: int, actor: User) -> AnnualPlan:
    """drafting → pending_approval (office), once every proposal is decided. Audit: inspection_plan_submitted."""

    def apply(plan: AnnualPlan) -> Change:
        plan.submitted_at = timezone.now()
        return Change(fields=["submitted_at"])

    return PLAN_LIFECYCLE.run("plan_submit", subject_id=plan_id, actor=actor, apply=apply)


def annual_plan_return(*, plan_id: int, actor: User, reason: str) -> AnnualPlan:
    """pending_approval → drafting (leader), with a reason. Audit: inspection_plan_returned."""

    def apply(plan: AnnualPlan) -> Change:
        plan.return_reason = require_text(reason, codes.REASON_REQUIRED, "reason")
        return Change(fields=["return_reason"], comment=reason)

    return PLAN_LIFECYCLE.run("plan_return", subject_id=plan_id, actor=actor, apply=apply)


def annual_plan_approve(*, plan_id: int, actor: User, comment: str = "") -> AnnualPlan:
    """pending_approval → approved (leader). Every accepted proposal becomes a proposed inspection in the plan, led
    by the proposing unit; a department's accepted proposal is its designation (条例 Art. 7) for that matter, those
    targets and that window. Audit: inspection_plan_approved; inspection_created and inspection_designated each."""

    def apply(plan: AnnualPlan) -> Change:
        plan.approved_by = actor
        plan.approved_at = timezone.now()
        created = [
            _inspection_from(plan, proposal, actor).pk
            for proposal in plan.proposals.filter(status=ProposalStatus.ACCEPTED)
            .select_related("proposing_unit")
            .order_by("id")
        ]
        return Change(fields=["approved_by", "approved_at"], new={"inspections": created}, comment=comment)

    return PLAN_LIFECYCLE.run("plan_approve", subject_id=plan_id, actor=actor, apply=apply)


def _inspection_from(plan: AnnualPlan, proposal: PlanProposal, actor: User) -> Inspection:
    """The proposed inspection an accepted proposal becomes, with the department's designation."""
    target_ids = list(proposal.targets.values_list("pk", flat=True))
    lead = proposal.proposing_unit
    if lead.kind not in OFFICE_KINDS:
        designation = Designation.objects.create(
            government=plan.government,
            unit=lead,
            matter=proposal.topic,
            scope=proposal.reason,
            start_date=proposal.start_date,
            end_date=proposal.end_date,
            source=Designation.Source.ANNUAL_PLAN,
            plan_proposal=proposal,
            granted_by=actor,
        )
        designation.targets.set(target_ids)
        record(
            designation.pk,
            EventType.INSPECTION_DESIGNATED,
            actor,
            new={"unit": lead.pk, "matter": proposal.topic, "plan": plan.pk},
            subject_type="designation",
        )
    inspection = Inspection.objects.create(
        government=plan.government,
        year=proposal.start_date.year,
        topic=proposal.topic,
        kind=proposal.kind,
        basis=proposal.reason,
        lead_unit=lead,
        in_plan=True,
        plan_entry=proposal,
        start_date=proposal.start_date,
        end_date=proposal.end_date,
        created_by=proposal.proposed_by,
    )
    write_targets(inspection, [TargetInput(pk) for pk in target_ids])
    record(inspection, EventType.INSPECTION_CREATED, actor, new=snapshot(inspection))
    return inspection


@transaction.atomic
def designation_grant(
    *,
    actor: User,
    unit_id: int,
    matter: str,
    start_date: datetime.date,
    end_date: datetime.date,
    scope: str = "",
    target_ids: Sequence[int] = (),
) -> Designation:
    """条例 Art. 7: the leader designates one of the government's departments to inspect a matter, optionally only
    some targets, within a period. Audit: inspection_designated."""
    government = leader_government(actor)
    unit = Unit.objects.filter(pk=unit_id, is_active=True).first()
    if unit is None or unit.government_id != government.pk or unit.kind != UnitKind.DEPARTMENT:
        raise invalid(codes.DESIGNATION_INVALID, "unit")
    matter = require_text(matter, codes.INSPECTION_TOPIC_REQUIRED, "matter")[:200]
    if start_date is None or end_date is None or end_date < start_date:
        raise invalid(codes.DESIGNATION_INVALID, "end_date")
    if target_ids:
        targets_in(government, target_ids, lead_unit_id=unit.pk)
    designation = Designation.objects.create(
        government=government,
        unit=unit,
        matter=matter,
        scope=scope,
        start_date=start_date,
        end_date=end_date,
        granted_by=actor,
    )
    designation.targets.set(target_ids)
    record(
        designation.pk,
        EventType.INSPECTION_DESIGNATED,
        actor,
        new={
            "unit": unit.pk,
            "matter": matter,
            "from": start_date.isoformat(),
            "until": end_date.isoformat(),
        },
        subject_type="designation",
    )
    return designation
