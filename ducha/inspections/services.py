"""Writes on inspections. Every transition has the items' shape:

    transaction.atomic → lock the inspection row (then the sub-record's) → lifecycle.ensure_allowed (who, status,
    guard) → validate input → save with update_fields → audit event in the same transaction.

Services are keyword-only and raise ducha.common.errors (400/403/404/409) with stable codes; on any error the
transaction rolls back. Audit events of an inspection and of everything in it (conclusions, reviews,
rectifications, …) have subject_type "inspection" and the inspection's id; the annual plan's have
"inspection_plan", a designation's "designation".

Nothing here tells the targets of an unannounced visit anything before it ends: target notification
(`InspectionTarget.notified_at`, event inspection_targets_notified) happens at approval for announced inspections
and only at the end of fieldwork for unannounced ones.
"""

from __future__ import annotations

import datetime
import hashlib
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.core.files.uploadedfile import UploadedFile
from django.db import IntegrityError, transaction
from django.db.models import Prefetch
from django.utils import timezone
from django.utils.translation import gettext

from ducha.audit.models import EventType
from ducha.audit.services import event_record
from ducha.common import error_codes as codes
from ducha.common.errors import InvalidState, NotFound, NotPermitted, ValidationFailed
from ducha.inspections import lifecycle, overlap
from ducha.inspections.lifecycle import (
    OFFICE_KINDS,
    ConclusionStatus,
    InspectionStatus,
    PlanStatus,
    ProposalStatus,
    RectificationStatus,
    ResultProposalStatus,
    ReviewStatus,
)
from ducha.inspections.models import (
    Amendment,
    AmendmentStatus,
    AnnualPlan,
    Conclusion,
    Designation,
    EvidenceFile,
    EvidenceKind,
    EvidenceUse,
    Finding,
    FollowUp,
    Inspection,
    InspectionKind,
    InspectionRules,
    InspectionTarget,
    InvitedKind,
    PlanProposal,
    Rectification,
    RectificationKind,
    RectificationMilestone,
    RectificationProgress,
    ResultProposal,
    ResultProposalKind,
    ReviewOutcome,
    ReviewRequest,
    TeamMember,
    TeamRole,
)
from ducha.orgs.models import Role, Unit, UnitKind, User
from ducha.workcalendar import services as workdays

OBJECTION_DAYS = 30  # 条例 Art. 17: calendar days to object after receipt
REVIEW_DAYS = 30  # 条例 Art. 17: calendar days for the government to decide


@dataclass(frozen=True)
class TargetInput:
    unit_id: int
    forms_demanded: int = 0
    people_days: int = 0


@dataclass(frozen=True)
class TeamMemberInput:
    user_id: int | None = None
    name: str = ""
    role: str = TeamRole.MEMBER
    invited_kind: str = InvitedKind.NONE
    is_trained: bool = False
    trained_on: datetime.date | None = None
    days: int = 1


@dataclass(frozen=True)
class MilestoneInput:
    title: str
    due_date: datetime.date


# --- helpers --------------------------------------------------------------------------------------------------


def _lock(inspection_id: int) -> Inspection:
    """The inspection row, locked for this transaction, with what the lifecycle checks read."""
    try:
        inspection = (
            Inspection.objects.select_for_update()
            .select_related("government", "lead_unit")
            .get(pk=inspection_id)
        )
    except Inspection.DoesNotExist:
        raise NotFound() from None
    return _with_team(inspection)


def _with_team(inspection: Inspection) -> Inspection:
    from django.db.models import prefetch_related_objects

    prefetch_related_objects(
        [inspection], Prefetch("team", queryset=TeamMember.objects.select_related("user"))
    )
    return inspection


def _lock_child(model: Any, pk: int, *related: str) -> Any:
    """Lock the parent inspection first, then the record (always in that order: no deadlocks)."""
    inspection_id = model.objects.filter(pk=pk).values_list("inspection_id", flat=True).first()
    if inspection_id is None:
        raise NotFound()
    inspection = _lock(inspection_id)
    record = model.objects.select_for_update().select_related(*related).get(pk=pk)
    record.inspection = inspection
    return record


def _record(
    inspection: Inspection | int,
    event_type: EventType,
    actor: User | None,
    *,
    old: Any = None,
    new: Any = None,
    comment: str = "",
    subject_type: str = "inspection",
) -> None:
    event_record(
        event_type=event_type,
        subject_type=subject_type,
        subject_id=inspection if isinstance(inspection, int) else inspection.pk,
        actor=actor,
        old=old,
        new=new,
        comment=comment,
    )


def _fail(code: str, field: str) -> ValidationFailed:
    return ValidationFailed(code, fields={field: codes.message_for(code)})


def _require_text(value: str | None, code: str, field: str) -> str:
    text = (value or "").strip()
    if not text:
        raise _fail(code, field)
    return text


def _choice(value: str, choices: Any, field: str) -> str:
    if value not in choices.values:
        raise _fail(codes.INVALID_INPUT, field)
    return str(value)


def _government_of(actor: User) -> Unit:
    if actor.unit is None or actor.unit.government_id is None:
        raise NotPermitted(codes.NO_GOVERNMENT)
    government = actor.unit.government
    assert government is not None
    return government


def _office_government(actor: User) -> Unit:
    if not actor.has_role(Role.OFFICE):
        raise NotPermitted(codes.ROLE_REQUIRED)
    return _government_of(actor)


def _leader_government(actor: User) -> Unit:
    if not actor.has_role(Role.LEADER):
        raise NotPermitted(codes.ROLE_REQUIRED)
    return _government_of(actor)


def _validate_window(start: datetime.date | None, end: datetime.date | None) -> None:
    if start is None or end is None or end < start:
        raise _fail(codes.INSPECTION_WINDOW_INVALID, "end_date")


def _targets_in(
    government: Unit, target_ids: Iterable[int], *, lead_unit_id: int | None, field: str = "targets"
) -> dict[int, Unit]:
    ids = list(target_ids)
    if not ids:
        raise _fail(codes.INSPECTION_TARGETS_REQUIRED, field)
    if len(set(ids)) != len(ids):
        raise _fail(codes.UNIT_DUPLICATED, field)
    units = Unit.objects.in_bulk(ids)
    for pk in ids:
        unit = units.get(pk)
        if (
            unit is None
            or not unit.is_active
            or not unit.path.startswith(government.path)
            or unit.pk == government.pk
            or unit.pk == lead_unit_id
        ):
            raise _fail(codes.INSPECTION_TARGET_INVALID, field)
    return units


def _lead_unit(government: Unit, lead_unit_id: int) -> Unit:
    unit = Unit.objects.filter(pk=lead_unit_id, is_active=True).first() if lead_unit_id else None
    if (
        unit is None
        or unit.government_id != government.pk
        or unit.kind not in (*OFFICE_KINDS, UnitKind.DEPARTMENT)
    ):
        raise _fail(codes.INSPECTION_LEAD_UNIT_INVALID, "lead_unit")
    return unit


def _write_targets(inspection: Inspection, targets: Sequence[TargetInput]) -> None:
    InspectionTarget.objects.filter(inspection=inspection).delete()
    InspectionTarget.objects.bulk_create(
        [
            InspectionTarget(
                inspection=inspection,
                unit_id=target.unit_id,
                forms_demanded=max(0, target.forms_demanded),
                people_days=max(0, target.people_days),
            )
            for target in targets
        ]
    )


def _as_targets(targets: Sequence[TargetInput | int]) -> list[TargetInput]:
    return [
        target if isinstance(target, TargetInput) else TargetInput(unit_id=int(target)) for target in targets
    ]


def _plan_entry(
    government: Unit, plan_entry_id: int | None, *, inspection_id: int | None = None
) -> PlanProposal | None:
    if plan_entry_id is None:
        return None
    entry = PlanProposal.objects.filter(
        pk=plan_entry_id,
        plan__government=government,
        plan__status=PlanStatus.APPROVED,
        status=ProposalStatus.ACCEPTED,
    ).first()
    taken = Inspection.objects.filter(plan_entry_id=plan_entry_id).exclude(pk=inspection_id or 0).exists()
    if entry is None or taken:
        raise _fail(codes.INSPECTION_PLAN_ENTRY_INVALID, "plan_entry")
    return entry


def _basis_items(government: Unit, item_ids: Iterable[int]) -> list[Any]:
    from ducha.items.models import Item

    ids = list(item_ids)
    items = list(Item.objects.filter(pk__in=ids, government__path__startswith=government.path))
    if len(items) != len(set(ids)):
        raise _fail(codes.NOT_FOUND, "basis_items")
    return items


def _snapshot(inspection: Inspection) -> dict[str, Any]:
    return {
        "topic": inspection.topic,
        "kind": inspection.kind,
        "lead_unit": inspection.lead_unit_id,
        "in_plan": inspection.in_plan,
        "plan_entry": inspection.plan_entry_id,
        "start_date": inspection.start_date.isoformat(),
        "end_date": inspection.end_date.isoformat(),
        "targets": sorted(inspection.targets.values_list("unit_id", flat=True)),
        "content": inspection.content,
        "scope": inspection.scope,
        "method": inspection.method,
        "schedule": inspection.schedule,
    }


def _status_change(
    inspection: Inspection,
    status: str,
    actor: User | None,
    event: EventType,
    *,
    comment: str = "",
    extra: dict | None = None,
    fields: Sequence[str] = (),
) -> None:
    old = inspection.status
    inspection.status = status
    inspection.save(update_fields=["status", *fields, "updated_at"])
    _record(
        inspection,
        event,
        actor,
        old={"status": old},
        new={"status": status, **(extra or {})},
        comment=comment,
    )


def _block_if_overlapping(inspection: Inspection) -> None:
    if overlap.is_blocked(inspection):
        raise InvalidState(codes.INSPECTION_OVERLAP)


# --- the annual plan (年度督查计划) -------------------------------------------------------------------------------


@transaction.atomic
def annual_plan_create(
    *, actor: User, year: int, baseline_count: int | None = None, note: str = ""
) -> AnnualPlan:
    """Open the year's plan for proposals (office). `baseline_count` is last year's count where the system does not
    hold it. Audit: inspection_plan_created."""
    government = _office_government(actor)
    if not 2000 <= year <= 9998:
        raise _fail(codes.INVALID_INPUT, "year")
    if AnnualPlan.objects.filter(government=government, year=year).exists():
        raise InvalidState(codes.ANNUAL_PLAN_EXISTS)
    plan = AnnualPlan.objects.create(
        government=government, year=year, baseline_count=baseline_count, note=note, created_by=actor
    )
    _record(
        plan.pk, EventType.INSPECTION_PLAN_CREATED, actor, new={"year": year}, subject_type="inspection_plan"
    )
    return plan


def _lock_plan(plan_id: int) -> AnnualPlan:
    try:
        return AnnualPlan.objects.select_for_update().get(pk=plan_id)
    except AnnualPlan.DoesNotExist:
        raise NotFound() from None


@transaction.atomic
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
    plan = _lock_plan(plan_id)
    lifecycle.ensure_allowed("plan_propose", plan, actor)
    topic = _require_text(topic, codes.INSPECTION_TOPIC_REQUIRED, "topic")[:200]
    reason = _require_text(reason, codes.REASON_REQUIRED, "reason")
    _choice(kind, InspectionKind, "kind")
    _validate_window(start_date, end_date)
    assert start_date is not None and end_date is not None
    if start_date.year != plan.year:
        raise _fail(codes.INSPECTION_WINDOW_INVALID, "start_date")
    assert actor.unit is not None
    government = plan.government
    _targets_in(government, target_ids, lead_unit_id=actor.unit_id)
    proposal = PlanProposal.objects.create(
        plan=plan,
        proposing_unit=actor.unit,
        proposed_by=actor,
        topic=topic,
        kind=kind,
        reason=reason,
        start_date=start_date,
        end_date=end_date,
    )
    proposal.targets.set(target_ids)
    _record(
        plan.pk,
        EventType.INSPECTION_PLAN_PROPOSED,
        actor,
        new={"proposal": proposal.pk, "topic": topic, "unit": actor.unit_id},
        subject_type="inspection_plan",
    )
    return proposal


@transaction.atomic
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
    plan = _lock_plan(plan_id)
    lifecycle.ensure_allowed("proposal_decide", plan, actor)
    proposal = PlanProposal.objects.select_for_update().filter(pk=proposal_id, plan=plan).first()
    if proposal is None:
        raise NotFound()
    if decision not in ("accept", "merge", "cut"):
        raise _fail(codes.INVALID_INPUT, "decision")
    if decision != "accept" and proposal.merged_proposals.exists():
        raise _fail(codes.PLAN_PROPOSAL_DECISION_INVALID, "decision")
    old = {"status": proposal.status, "merged_into": proposal.merged_into_id}
    proposal.merged_into = None
    if decision == "merge":
        into = (
            PlanProposal.objects.select_for_update()
            .filter(pk=merged_into_id or 0, plan=plan, status=ProposalStatus.ACCEPTED)
            .first()
        )
        if into is None or into.pk == proposal.pk:
            raise _fail(codes.PLAN_PROPOSAL_DECISION_INVALID, "merged_into")
        into.targets.add(*proposal.targets.all())
        into.start_date = min(into.start_date, proposal.start_date)
        into.end_date = max(into.end_date, proposal.end_date)
        into.save(update_fields=["start_date", "end_date", "updated_at"])
        proposal.merged_into = into
    proposal.status = {
        "accept": ProposalStatus.ACCEPTED,
        "merge": ProposalStatus.MERGED,
        "cut": ProposalStatus.CUT,
    }[decision]
    proposal.decision_note = note
    proposal.decided_by = actor
    proposal.save(update_fields=["status", "merged_into", "decision_note", "decided_by", "updated_at"])
    _record(
        plan.pk,
        EventType.INSPECTION_PLAN_PROPOSAL_DECIDED,
        actor,
        old=old,
        new={"proposal": proposal.pk, "status": proposal.status, "merged_into": proposal.merged_into_id},
        comment=note,
        subject_type="inspection_plan",
    )
    return proposal


@transaction.atomic
def annual_plan_submit(*, plan_id: int, actor: User) -> AnnualPlan:
    """drafting → pending_approval (office), once every proposal is decided. Audit: inspection_plan_submitted."""
    plan = _lock_plan(plan_id)
    lifecycle.ensure_allowed("plan_submit", plan, actor)
    plan.status = PlanStatus.PENDING_APPROVAL
    plan.submitted_at = timezone.now()
    plan.save(update_fields=["status", "submitted_at", "updated_at"])
    _record(
        plan.pk,
        EventType.INSPECTION_PLAN_SUBMITTED,
        actor,
        new={"status": plan.status},
        subject_type="inspection_plan",
    )
    return plan


@transaction.atomic
def annual_plan_return(*, plan_id: int, actor: User, reason: str) -> AnnualPlan:
    """pending_approval → drafting (leader), with a reason. Audit: inspection_plan_returned."""
    plan = _lock_plan(plan_id)
    lifecycle.ensure_allowed("plan_return", plan, actor)
    plan.return_reason = _require_text(reason, codes.REASON_REQUIRED, "reason")
    plan.status = PlanStatus.DRAFTING
    plan.save(update_fields=["status", "return_reason", "updated_at"])
    _record(
        plan.pk, EventType.INSPECTION_PLAN_RETURNED, actor, comment=reason, subject_type="inspection_plan"
    )
    return plan


@transaction.atomic
def annual_plan_approve(*, plan_id: int, actor: User, comment: str = "") -> AnnualPlan:
    """pending_approval → approved (leader). Every accepted proposal becomes a proposed inspection in the plan, led
    by the proposing unit; a department's accepted proposal is its designation (条例 Art. 7) for that matter, those
    targets and that window. Audit: inspection_plan_approved; inspection_created and inspection_designated each."""
    plan = _lock_plan(plan_id)
    lifecycle.ensure_allowed("plan_approve", plan, actor)
    now = timezone.now()
    plan.status = PlanStatus.APPROVED
    plan.approved_by = actor
    plan.approved_at = now
    plan.save(update_fields=["status", "approved_by", "approved_at", "updated_at"])
    created = []
    for proposal in (
        plan.proposals.filter(status=ProposalStatus.ACCEPTED).select_related("proposing_unit").order_by("id")
    ):
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
            _record(
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
        _write_targets(inspection, [TargetInput(pk) for pk in target_ids])
        _record(inspection, EventType.INSPECTION_CREATED, actor, new=_snapshot(inspection))
        created.append(inspection.pk)
    _record(
        plan.pk,
        EventType.INSPECTION_PLAN_APPROVED,
        actor,
        new={"status": plan.status, "inspections": created},
        comment=comment,
        subject_type="inspection_plan",
    )
    return plan


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
    government = _leader_government(actor)
    unit = Unit.objects.filter(pk=unit_id, is_active=True).first()
    if unit is None or unit.government_id != government.pk or unit.kind != UnitKind.DEPARTMENT:
        raise _fail(codes.DESIGNATION_INVALID, "unit")
    matter = _require_text(matter, codes.INSPECTION_TOPIC_REQUIRED, "matter")[:200]
    if start_date is None or end_date is None or end_date < start_date:
        raise _fail(codes.DESIGNATION_INVALID, "end_date")
    if target_ids:
        _targets_in(government, target_ids, lead_unit_id=unit.pk)
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
    _record(
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


# --- proposing and approving an inspection (立项, 方案) ----------------------------------------------------------


@transaction.atomic
def inspection_create(
    *,
    actor: User,
    topic: str,
    kind: str,
    targets: Sequence[TargetInput | int],
    start_date: datetime.date,
    end_date: datetime.date,
    lead_unit_id: int,
    in_plan: bool = True,
    plan_entry_id: int | None = None,
    out_of_plan_reason: str = "",
    basis: str = "",
    basis_item_ids: Sequence[int] = (),
    content: str = "",
    scope: str = "",
    method: str = "",
    schedule: str = "",
) -> Inspection:
    """A proposed inspection of the actor's government (office). The caller shows the overlaps
    (overlap.inspection_overlaps); where the government's rule blocks them, creation is refused (409
    inspection_overlap). Audit: inspection_created."""
    government = _office_government(actor)
    topic = _require_text(topic, codes.INSPECTION_TOPIC_REQUIRED, "topic")[:200]
    _choice(kind, InspectionKind, "kind")
    _validate_window(start_date, end_date)
    lead = _lead_unit(government, lead_unit_id)
    target_list = _as_targets(targets)
    _targets_in(government, [t.unit_id for t in target_list], lead_unit_id=lead.pk)
    entry = _plan_entry(government, plan_entry_id) if in_plan else None
    inspection = Inspection.objects.create(
        government=government,
        year=start_date.year,
        topic=topic,
        kind=kind,
        basis=basis,
        lead_unit=lead,
        in_plan=bool(in_plan),
        plan_entry=entry,
        out_of_plan_reason="" if in_plan else out_of_plan_reason.strip(),
        start_date=start_date,
        end_date=end_date,
        content=content,
        scope=scope,
        method=method,
        schedule=schedule,
        created_by=actor,
    )
    _write_targets(inspection, target_list)
    if basis_item_ids:
        inspection.basis_items.set(_basis_items(government, basis_item_ids))
    _block_if_overlapping(inspection)
    _record(inspection, EventType.INSPECTION_CREATED, actor, new=_snapshot(inspection))
    return inspection


_EDITABLE = {
    "topic",
    "kind",
    "basis",
    "start_date",
    "end_date",
    "in_plan",
    "out_of_plan_reason",
    "content",
    "scope",
    "method",
    "schedule",
}


@transaction.atomic
def inspection_update(
    *,
    inspection_id: int,
    actor: User,
    targets: Sequence[TargetInput | int] | None = None,
    lead_unit_id: int | None = None,
    plan_entry_id: int | None = None,
    basis_item_ids: Sequence[int] | None = None,
    **fields: Any,
) -> Inspection:
    """Edit a proposed inspection and its 方案 (office). Only the given fields change; `plan_entry_id=0` unlinks.
    Audit: inspection_updated with old and new values."""
    inspection = _lock(inspection_id)
    lifecycle.ensure_allowed("update", inspection, actor)
    unknown = set(fields) - _EDITABLE
    nulls = {name for name, value in fields.items() if value is None}
    if unknown or nulls:
        raise ValidationFailed(
            codes.INVALID_INPUT,
            fields={name: codes.message_for(codes.INVALID_INPUT) for name in unknown | nulls},
        )
    old = _snapshot(inspection)
    government = inspection.government
    if "topic" in fields:
        fields["topic"] = _require_text(fields["topic"], codes.INSPECTION_TOPIC_REQUIRED, "topic")[:200]
    if "kind" in fields:
        _choice(fields["kind"], InspectionKind, "kind")
    start = fields.get("start_date", inspection.start_date)
    end = fields.get("end_date", inspection.end_date)
    _validate_window(start, end)
    for name, value in fields.items():
        setattr(inspection, name, value)
    inspection.year = start.year
    changed = [*fields, "year"]
    if lead_unit_id is not None:
        inspection.lead_unit = _lead_unit(government, lead_unit_id)
        changed.append("lead_unit")
    if plan_entry_id is not None:
        inspection.plan_entry = _plan_entry(government, plan_entry_id or None, inspection_id=inspection.pk)
        changed.append("plan_entry")
    if not inspection.in_plan and inspection.plan_entry_id is not None:
        inspection.plan_entry = None
        changed.append("plan_entry")
    inspection.save(update_fields=[*dict.fromkeys(changed), "updated_at"])
    if targets is not None:
        target_list = _as_targets(targets)
        _targets_in(government, [t.unit_id for t in target_list], lead_unit_id=inspection.lead_unit_id)
        _write_targets(inspection, target_list)
    elif lead_unit_id is not None and inspection.targets.filter(unit_id=lead_unit_id).exists():
        raise _fail(codes.INSPECTION_TARGET_INVALID, "targets")
    if basis_item_ids is not None:
        inspection.basis_items.set(_basis_items(government, basis_item_ids))
    _block_if_overlapping(inspection)
    _record(inspection, EventType.INSPECTION_UPDATED, actor, old=old, new=_snapshot(inspection))
    return inspection


@transaction.atomic
def inspection_team_set(
    *, inspection_id: int, actor: User, members: Sequence[TeamMemberInput]
) -> list[TeamMember]:
    """Set the team (office): one leader, members, invited outsiders (NPC deputies, CPPCC members, experts,
    journalists) known by name. Before approval or between approval and fieldwork. Audit: inspection_team_set."""
    inspection = _lock(inspection_id)
    lifecycle.ensure_allowed("team_set", inspection, actor)
    rows: list[TeamMember] = []
    user_ids = [member.user_id for member in members if member.user_id is not None]
    users = User.objects.in_bulk(user_ids)
    if len(set(user_ids)) != len(user_ids) or sum(m.role == TeamRole.LEADER for m in members) > 1:
        raise _fail(codes.INSPECTION_TEAM_MEMBER_INVALID, "members")
    for member in members:
        _choice(member.role, TeamRole, "members")
        _choice(member.invited_kind, InvitedKind, "members")
        user = users.get(member.user_id) if member.user_id is not None else None
        if member.user_id is not None and (user is None or not user.is_active):
            raise _fail(codes.INSPECTION_TEAM_MEMBER_INVALID, "members")
        name = (member.name.strip() or (user.display_name if user else ""))[:50]
        if not name or (member.role == TeamRole.INVITED and member.invited_kind == InvitedKind.NONE):
            raise _fail(codes.INSPECTION_TEAM_MEMBER_INVALID, "members")
        if not 0 <= member.days <= 366:
            raise _fail(codes.INVALID_INPUT, "members")
        rows.append(
            TeamMember(
                inspection=inspection,
                user=user,
                name=name,
                role=member.role,
                invited_kind=member.invited_kind,
                is_trained=member.is_trained,
                trained_on=member.trained_on or (timezone.localdate() if member.is_trained else None),
                days=member.days,
            )
        )
    old = [(m.user_id, m.name, m.role) for m in inspection.team.all()]
    TeamMember.objects.filter(inspection=inspection).delete()
    created = TeamMember.objects.bulk_create(rows)
    inspection.save(update_fields=["updated_at"])
    _record(
        inspection,
        EventType.INSPECTION_TEAM_SET,
        actor,
        old={"team": old},
        new={"team": [(m.user_id, m.name, m.role, m.is_trained) for m in created]},
    )
    return created


@transaction.atomic
def inspection_train(
    *, inspection_id: int, actor: User, member_ids: Sequence[int], trained_on: datetime.date | None = None
) -> Inspection:
    """Record that team members were trained (方案: the team is trained beforehand). Audit: inspection_team_trained."""
    inspection = _lock(inspection_id)
    lifecycle.ensure_allowed("train", inspection, actor)
    members = {m.pk: m for m in inspection.team.all()}
    if not member_ids or any(pk not in members for pk in member_ids):
        raise _fail(codes.INSPECTION_TEAM_MEMBER_INVALID, "members")
    day = trained_on or timezone.localdate()
    TeamMember.objects.filter(pk__in=member_ids).update(
        is_trained=True, trained_on=day, updated_at=timezone.now()
    )
    inspection.save(update_fields=["updated_at"])
    _record(
        inspection,
        EventType.INSPECTION_TEAM_TRAINED,
        actor,
        new={"members": [members[pk].name for pk in member_ids], "trained_on": day.isoformat()},
    )
    return _with_team(inspection)


@transaction.atomic
def inspection_submit(*, inspection_id: int, actor: User) -> Inspection:
    """proposed → pending_approval (office). Refused while the 方案 is incomplete, the team has no leader, an
    in-plan inspection names no plan entry, an out-of-plan one gives no reason, a department lacks its designation
    or the overlap rule blocks it. Audit: inspection_submitted."""
    inspection = _lock(inspection_id)
    lifecycle.ensure_allowed("submit", inspection, actor)
    _status_change(inspection, InspectionStatus.PENDING_APPROVAL, actor, EventType.INSPECTION_SUBMITTED)
    return inspection


def _notify_targets(
    inspection: Inspection, actor: User | None, unit_ids: Iterable[int] | None = None
) -> None:
    """Tell the targets (not yet told) of the inspection; the notification channels hook in on this event."""
    now = timezone.now()
    pending = InspectionTarget.objects.filter(inspection=inspection, notified_at__isnull=True)
    if unit_ids is not None:
        pending = pending.filter(unit_id__in=list(unit_ids))
    units = list(pending.values_list("unit_id", flat=True))
    if not units:
        return
    pending.update(notified_at=now, updated_at=now)
    _record(inspection, EventType.INSPECTION_TARGETS_NOTIFIED, actor, new={"units": units})


@transaction.atomic
def inspection_approve(*, inspection_id: int, actor: User, comment: str = "") -> Inspection:
    """pending_approval → approved (leader): 立项 and the 方案 approved together; from now on the 方案 is fixed
    (changes go through inspection_amend). An out-of-plan inspection is filed (审批报备). Targets of an announced
    inspection are notified now; those of an unannounced visit are not. Audit: inspection_approved,
    inspection_filed, inspection_targets_notified."""
    inspection = _lock(inspection_id)
    lifecycle.ensure_allowed("approve", inspection, actor)
    now = timezone.now()
    inspection.approver = actor
    inspection.approved_at = now
    inspection.designation = (
        lifecycle.matching_designation(inspection) if lifecycle.designation_needed(inspection) else None
    )
    fields = ["approver", "approved_at", "designation"]
    if not inspection.in_plan:
        inspection.filed_at = now
        fields.append("filed_at")
    _status_change(
        inspection,
        InspectionStatus.APPROVED,
        actor,
        EventType.INSPECTION_APPROVED,
        comment=comment,
        extra={"designation": inspection.designation_id, "in_plan": inspection.in_plan},
        fields=fields,
    )
    if not inspection.in_plan:
        _record(inspection, EventType.INSPECTION_FILED, actor, new={"reason": inspection.out_of_plan_reason})
    if not inspection.is_unannounced:
        _notify_targets(inspection, actor)
    return inspection


@transaction.atomic
def inspection_reject(*, inspection_id: int, actor: User, reason: str) -> Inspection:
    """pending_approval → rejected (leader), with a reason. Audit: inspection_rejected."""
    inspection = _lock(inspection_id)
    lifecycle.ensure_allowed("reject", inspection, actor)
    inspection.rejection_reason = _require_text(reason, codes.REASON_REQUIRED, "reason")
    _status_change(
        inspection,
        InspectionStatus.REJECTED,
        actor,
        EventType.INSPECTION_REJECTED,
        comment=reason,
        fields=["rejection_reason"],
    )
    return inspection


@transaction.atomic
def inspection_revise(*, inspection_id: int, actor: User) -> Inspection:
    """rejected → proposed (office), to rework and submit again. Audit: inspection_revised."""
    inspection = _lock(inspection_id)
    lifecycle.ensure_allowed("revise", inspection, actor)
    _status_change(inspection, InspectionStatus.PROPOSED, actor, EventType.INSPECTION_REVISED)
    return inspection


# --- changes of an approved 方案 (条例 Art. 15) -------------------------------------------------------------------


_PLAN_TEXTS = ("content", "scope", "method", "schedule")


@transaction.atomic
def inspection_amend(
    *,
    inspection_id: int,
    actor: User,
    reason: str,
    add_target_ids: Sequence[int] = (),
    remove_target_ids: Sequence[int] = (),
    start_date: datetime.date | None = None,
    end_date: datetime.date | None = None,
    content: str | None = None,
    scope: str | None = None,
    method: str | None = None,
    schedule: str | None = None,
) -> Amendment:
    """Change an approved 方案 (office or team leader). Widening — new targets, another content, scope or method,
    a longer window — waits for the leader (inspection_amendment_decide); narrowing (removing targets, a shorter
    window, another schedule) applies at once. Audit: inspection_amendment_requested or _applied."""
    inspection = _lock(inspection_id)
    lifecycle.ensure_allowed("amend", inspection, actor)
    reason = _require_text(reason, codes.REASON_REQUIRED, "reason")
    current = set(inspection.targets.values_list("unit_id", flat=True))
    add = [pk for pk in dict.fromkeys(add_target_ids) if pk not in current]
    remove = [pk for pk in dict.fromkeys(remove_target_ids) if pk in current]
    if add:
        _targets_in(inspection.government, add, lead_unit_id=inspection.lead_unit_id, field="add_targets")
    if remove and not current - set(remove) | set(add):
        raise _fail(codes.INSPECTION_TARGETS_REQUIRED, "remove_targets")
    changes: dict[str, Any] = {}
    old: dict[str, Any] = {}
    if add:
        changes["add_targets"] = add
    if remove:
        changes["remove_targets"] = remove
    texts = {"content": content, "scope": scope, "method": method, "schedule": schedule}
    for name, value in texts.items():
        if value is not None and value.strip() and value.strip() != getattr(inspection, name):
            changes[name] = value.strip()
            old[name] = getattr(inspection, name)
    new_start = start_date or inspection.start_date
    new_end = end_date or inspection.end_date
    _validate_window(new_start, new_end)
    if new_start != inspection.start_date:
        changes["start_date"], old["start_date"] = new_start.isoformat(), inspection.start_date.isoformat()
    if new_end != inspection.end_date:
        changes["end_date"], old["end_date"] = new_end.isoformat(), inspection.end_date.isoformat()
    if not changes:
        raise _fail(codes.AMENDMENT_EMPTY, "changes")
    widening = bool(
        add
        or any(name in changes for name in ("content", "scope", "method"))
        or new_start < inspection.start_date
        or new_end > inspection.end_date
    )
    old["targets"] = sorted(current)
    amendment = Amendment.objects.create(
        inspection=inspection,
        reason=reason,
        changes=changes,
        old=old,
        is_widening=widening,
        requested_by=actor,
    )
    if widening:
        inspection.save(update_fields=["updated_at"])
        _record(
            inspection, EventType.INSPECTION_AMENDMENT_REQUESTED, actor, old=old, new=changes, comment=reason
        )
        return amendment
    _apply_amendment(inspection, amendment, actor)
    amendment.status = AmendmentStatus.APPLIED
    amendment.decided_at = timezone.now()
    amendment.save(update_fields=["status", "decided_at", "updated_at"])
    return amendment


def _apply_amendment(inspection: Inspection, amendment: Amendment, actor: User) -> None:
    changes = amendment.changes
    fields = []
    for name in _PLAN_TEXTS:
        if name in changes:
            setattr(inspection, name, changes[name])
            fields.append(name)
    for name in ("start_date", "end_date"):
        if name in changes:
            setattr(inspection, name, datetime.date.fromisoformat(changes[name]))
            fields.append(name)
    inspection.year = inspection.start_date.year
    inspection.save(update_fields=[*fields, "year", "updated_at"])
    if changes.get("remove_targets"):
        InspectionTarget.objects.filter(inspection=inspection, unit_id__in=changes["remove_targets"]).delete()
    if changes.get("add_targets"):
        InspectionTarget.objects.bulk_create(
            [InspectionTarget(inspection=inspection, unit_id=pk) for pk in changes["add_targets"]]
        )
    if lifecycle.designation_needed(inspection):
        designation = lifecycle.matching_designation(inspection)
        if designation is None:
            raise InvalidState(codes.DESIGNATION_REQUIRED)
        if designation.pk != inspection.designation_id:
            inspection.designation = designation
            inspection.save(update_fields=["designation", "updated_at"])
    _block_if_overlapping(inspection)
    _record(
        inspection,
        EventType.INSPECTION_AMENDMENT_APPLIED,
        actor,
        old=amendment.old,
        new={**changes, "amendment": amendment.pk, "widening": amendment.is_widening},
        comment=amendment.reason,
    )
    if changes.get("add_targets") and not inspection.is_unannounced:
        _notify_targets(inspection, actor, changes["add_targets"])


@transaction.atomic
def inspection_amendment_decide(
    *, inspection_id: int, actor: User, approve: bool, comment: str = ""
) -> Amendment:
    """The leader approves (the change is applied; refused if the overlap rule or a missing designation forbids
    it) or rejects a widening change. Audit: inspection_amendment_applied / _rejected."""
    inspection = _lock(inspection_id)
    lifecycle.ensure_allowed("amendment_decide", inspection, actor)
    amendment = Amendment.objects.select_for_update().get(pk=lifecycle.pending_amendment(inspection).pk)
    if not approve:
        _require_text(comment, codes.REASON_REQUIRED, "comment")
    amendment.decided_by = actor
    amendment.decided_at = timezone.now()
    amendment.decision_comment = comment
    amendment.status = AmendmentStatus.APPROVED if approve else AmendmentStatus.REJECTED
    amendment.save(update_fields=["status", "decided_by", "decided_at", "decision_comment", "updated_at"])
    if approve:
        _apply_amendment(inspection, amendment, actor)
    else:
        inspection.save(update_fields=["updated_at"])
        _record(
            inspection,
            EventType.INSPECTION_AMENDMENT_REJECTED,
            actor,
            new={"amendment": amendment.pk},
            comment=comment,
        )
    return amendment


# --- fieldwork --------------------------------------------------------------------------------------------------


@transaction.atomic
def inspection_start(*, inspection_id: int, actor: User) -> Inspection:
    """approved → in_fieldwork (office or team leader), once every team member is trained and no change of the
    方案 waits. An unannounced visit tells no one. Audit: inspection_started."""
    inspection = _lock(inspection_id)
    lifecycle.ensure_allowed("start", inspection, actor)
    inspection.started_at = timezone.now()
    _status_change(
        inspection, InspectionStatus.IN_FIELDWORK, actor, EventType.INSPECTION_STARTED, fields=["started_at"]
    )
    return inspection


@transaction.atomic
def inspection_finish(*, inspection_id: int, actor: User) -> Inspection:
    """in_fieldwork → concluding (office or team leader): fieldwork has ended. An unannounced visit becomes
    visible to its targets now, and they are notified. Audit: inspection_finished, inspection_targets_notified."""
    inspection = _lock(inspection_id)
    lifecycle.ensure_allowed("finish", inspection, actor)
    inspection.ended_at = timezone.now()
    _status_change(
        inspection, InspectionStatus.CONCLUDING, actor, EventType.INSPECTION_FINISHED, fields=["ended_at"]
    )
    _notify_targets(inspection, actor)
    return inspection


@transaction.atomic
def inspection_burden_record(
    *, inspection_id: int, actor: User, unit_id: int, forms_demanded: int, people_days: int
) -> InspectionTarget:
    """Record what the inspection demanded of one target: reports and forms, people-days hosted (office).
    Audit: inspection_burden_recorded."""
    inspection = _lock(inspection_id)
    lifecycle.ensure_allowed("burden_record", inspection, actor)
    target = InspectionTarget.objects.filter(inspection=inspection, unit_id=unit_id).first()
    if target is None:
        raise _fail(codes.FINDING_TARGET_INVALID, "unit")
    if forms_demanded < 0 or people_days < 0:
        raise _fail(codes.INVALID_INPUT, "people_days")
    old = {"forms_demanded": target.forms_demanded, "people_days": target.people_days}
    target.forms_demanded = forms_demanded
    target.people_days = people_days
    target.save(update_fields=["forms_demanded", "people_days", "updated_at"])
    inspection.save(update_fields=["updated_at"])
    _record(
        inspection,
        EventType.INSPECTION_BURDEN_RECORDED,
        actor,
        old=old,
        new={"unit": unit_id, "forms_demanded": forms_demanded, "people_days": people_days},
    )
    return target


@transaction.atomic
def finding_add(
    *,
    inspection_id: int,
    actor: User,
    target_id: int,
    title: str,
    description: str,
    rectification_kind: str = RectificationKind.DEADLINE,
    rectification_due_date: datetime.date | None = None,
    place: str = "",
    observed_at: datetime.datetime | None = None,
    is_rebound_prone: bool = False,
    followup_months: int | None = None,
) -> Finding:
    """A problem found at one target during fieldwork (team or office), with how it is to be rectified: now, by a
    deadline, or over the long term (deadline and long term need a future due date). Audit: inspection_finding_added."""
    inspection = _lock(inspection_id)
    lifecycle.ensure_allowed("finding_add", inspection, actor)
    if not inspection.targets.filter(unit_id=target_id).exists():
        raise _fail(codes.FINDING_TARGET_INVALID, "target")
    title = _require_text(title, codes.TITLE_REQUIRED, "title")[:200]
    description = _require_text(description, codes.TEXT_REQUIRED, "description")
    _choice(rectification_kind, RectificationKind, "rectification_kind")
    if rectification_kind == RectificationKind.IMMEDIATE:
        rectification_due_date = None
    elif rectification_due_date is None and rectification_kind == RectificationKind.LONG_TERM:
        raise _fail(codes.FINDING_DUE_DATE_REQUIRED, "rectification_due_date")
    if rectification_due_date is not None and rectification_due_date <= timezone.localdate():
        raise _fail(codes.FINDING_DUE_DATE_REQUIRED, "rectification_due_date")
    if followup_months is not None and not 1 <= followup_months <= 60:
        raise _fail(codes.INVALID_INPUT, "followup_months")
    finding = Finding.objects.create(
        inspection=inspection,
        target_id=target_id,
        title=title,
        description=description,
        place=place[:200],
        observed_at=observed_at,
        recorded_by=actor,
        rectification_kind=rectification_kind,
        rectification_due_date=rectification_due_date,
        is_rebound_prone=is_rebound_prone,
        followup_months=followup_months,
    )
    inspection.save(update_fields=["updated_at"])
    _record(
        inspection,
        EventType.INSPECTION_FINDING_ADDED,
        actor,
        new={"finding": finding.pk, "target": target_id, "title": title, "rebound_prone": is_rebound_prone},
    )
    return finding


# --- evidence, stored once by SHA-256 -----------------------------------------------------------------------------


def _evidence_store(upload: UploadedFile | None, actor: User) -> EvidenceFile:
    """The file's bytes, stored once per SHA-256 (an identical upload reuses the stored file)."""
    if upload is None:
        raise _fail(codes.EVIDENCE_FILE_REQUIRED, "file")
    name = (upload.name or "").rsplit("/", 1)[-1][:200]
    extension = name.rsplit(".", 1)[-1].lower() if "." in name else ""
    allowed = set(settings.DUCHA_ATTACHMENT_EXTENSIONS) | set(
        getattr(settings, "DUCHA_EVIDENCE_EXTRA_EXTENSIONS", ["mp4", "mov", "heic"])
    )
    if extension not in allowed:
        raise _fail(codes.ATTACHMENT_TYPE, "file")
    if upload.size is None or upload.size > settings.DUCHA_ATTACHMENT_MAX_BYTES:
        raise _fail(codes.ATTACHMENT_TOO_LARGE, "file")
    digest = hashlib.sha256()
    for chunk in upload.chunks():
        digest.update(chunk)
    upload.seek(0)
    sha256 = digest.hexdigest()
    existing = EvidenceFile.objects.filter(sha256=sha256).first()
    if existing is not None:
        return existing
    stored = EvidenceFile(
        sha256=sha256,
        original_name=name,
        size=upload.size,
        content_type=getattr(upload, "content_type", "") or "",
        uploaded_by=actor,
    )
    stored.file.save(name, upload, save=False)
    try:
        with transaction.atomic():
            stored.save()
    except IntegrityError:
        # Uploaded at the same moment by someone else: use theirs.
        return EvidenceFile.objects.get(sha256=sha256)
    return stored


def _evidence_use(
    inspection: Inspection,
    actor: User,
    upload: UploadedFile | None,
    *,
    finding: Finding | None = None,
    rectification: Rectification | None = None,
    review_request: ReviewRequest | None = None,
    kind: str = EvidenceKind.DOCUMENT,
    description: str = "",
    place: str = "",
    taken_at: datetime.datetime | None = None,
) -> EvidenceUse:
    """Link a file to one finding, rectification or review request. The same file used for anything else (another
    finding, another target's rectification, or a rectification of the very finding it documented) flags every
    use of it. The same file twice for the same record is one use. Audit: inspection_evidence_added, and
    inspection_evidence_reused on a flag."""
    _choice(kind, EvidenceKind, "kind")
    stored = _evidence_store(upload, actor)
    subject = {"finding": finding, "rectification": rectification, "review_request": review_request}
    existing = EvidenceUse.objects.filter(file=stored, **subject).first()
    if existing is not None:
        return existing
    others = list(EvidenceUse.objects.filter(file=stored).select_related("finding", "rectification"))
    use = EvidenceUse.objects.create(
        file=stored,
        inspection=inspection,
        kind=kind,
        description=description[:300],
        place=place[:200],
        taken_at=taken_at,
        recorded_by=actor,
        is_flagged=bool(others),
        **subject,
    )
    _record(
        inspection,
        EventType.INSPECTION_EVIDENCE_ADDED,
        actor,
        new={
            "evidence": use.pk,
            "sha256": stored.sha256,
            "name": stored.original_name,
            "finding": finding.pk if finding else None,
            "rectification": rectification.pk if rectification else None,
            "review_request": review_request.pk if review_request else None,
        },
    )
    if others:
        EvidenceUse.objects.filter(pk__in=[o.pk for o in others], is_flagged=False).update(
            is_flagged=True, updated_at=timezone.now()
        )
        _record(
            inspection,
            EventType.INSPECTION_EVIDENCE_REUSED,
            actor,
            new={
                "evidence": use.pk,
                "sha256": stored.sha256,
                "also_used_by": [
                    {
                        "inspection": o.inspection_id,
                        "finding": o.finding_id,
                        "rectification": o.rectification_id,
                        "review_request": o.review_request_id,
                    }
                    for o in others
                ],
            },
        )
        for other_inspection in {o.inspection_id for o in others} - {inspection.pk}:
            _record(
                other_inspection,
                EventType.INSPECTION_EVIDENCE_REUSED,
                actor,
                new={"sha256": stored.sha256, "reused_by_inspection": inspection.pk},
            )
    return use


@transaction.atomic
def finding_evidence_add(
    *,
    inspection_id: int,
    finding_id: int,
    actor: User,
    upload: UploadedFile | None,
    kind: str = EvidenceKind.DOCUMENT,
    description: str = "",
    place: str = "",
    taken_at: datetime.datetime | None = None,
) -> EvidenceUse:
    """Evidence for a finding — documents, photos, interview notes, with place and time — by the team or office,
    during fieldwork or while concluding. See _evidence_use for the reuse flag."""
    inspection = _lock(inspection_id)
    lifecycle.ensure_allowed("evidence_add", inspection, actor)
    finding = Finding.objects.filter(pk=finding_id, inspection=inspection).first()
    if finding is None:
        raise _fail(codes.FINDING_NOT_FOUND, "finding")
    use = _evidence_use(
        inspection,
        actor,
        upload,
        finding=finding,
        kind=kind,
        description=description,
        place=place,
        taken_at=taken_at,
    )
    inspection.save(update_fields=["updated_at"])
    return use


# --- conclusions (条例 Art. 16) ----------------------------------------------------------------------------------


@transaction.atomic
def conclusion_draft(
    *, inspection_id: int, actor: User, target_id: int, facts: str, judgement: str, evidence_summary: str = ""
) -> Conclusion:
    """Draft the conclusion for one target (office or team leader) once fieldwork has ended: facts, evidence,
    judgement. Audit: inspection_conclusion_drafted."""
    inspection = _lock(inspection_id)
    lifecycle.ensure_allowed("conclusion_draft", inspection, actor)
    if not inspection.targets.filter(unit_id=target_id).exists():
        raise _fail(codes.FINDING_TARGET_INVALID, "target")
    if Conclusion.objects.filter(inspection=inspection, target_id=target_id).exists():
        raise InvalidState(codes.CONCLUSION_EXISTS)
    facts = _require_text(facts, codes.CONCLUSION_TEXT_REQUIRED, "facts")
    judgement = _require_text(judgement, codes.CONCLUSION_TEXT_REQUIRED, "judgement")
    conclusion = Conclusion.objects.create(
        inspection=inspection,
        target_id=target_id,
        facts=facts,
        judgement=judgement,
        evidence_summary=evidence_summary,
        drafted_by=actor,
    )
    inspection.save(update_fields=["updated_at"])
    _record(
        inspection,
        EventType.INSPECTION_CONCLUSION_DRAFTED,
        actor,
        new={"conclusion": conclusion.pk, "target": target_id},
    )
    return conclusion


def _lock_conclusion(conclusion_id: int) -> Conclusion:
    return _lock_child(Conclusion, conclusion_id, "target")


@transaction.atomic
def conclusion_update(
    *,
    conclusion_id: int,
    actor: User,
    facts: str | None = None,
    judgement: str | None = None,
    evidence_summary: str | None = None,
) -> Conclusion:
    """Edit a draft conclusion (office or team leader). Audit: inspection_conclusion_updated."""
    conclusion = _lock_conclusion(conclusion_id)
    lifecycle.ensure_allowed("conclusion_update", conclusion, actor)
    old = {"facts": conclusion.facts, "judgement": conclusion.judgement}
    fields = []
    if facts is not None:
        conclusion.facts = _require_text(facts, codes.CONCLUSION_TEXT_REQUIRED, "facts")
        fields.append("facts")
    if judgement is not None:
        conclusion.judgement = _require_text(judgement, codes.CONCLUSION_TEXT_REQUIRED, "judgement")
        fields.append("judgement")
    if evidence_summary is not None:
        conclusion.evidence_summary = evidence_summary
        fields.append("evidence_summary")
    conclusion.save(update_fields=[*fields, "updated_at"])
    _record(
        conclusion.inspection,
        EventType.INSPECTION_CONCLUSION_UPDATED,
        actor,
        old=old,
        new={"conclusion": conclusion.pk, "facts": conclusion.facts, "judgement": conclusion.judgement},
    )
    return conclusion


def _conclusion_status(
    conclusion: Conclusion,
    status: str,
    actor: User,
    event: EventType,
    *,
    fields: Sequence[str] = (),
    comment: str = "",
) -> None:
    old = conclusion.status
    conclusion.status = status
    conclusion.save(update_fields=["status", *fields, "updated_at"])
    conclusion.inspection.save(update_fields=["updated_at"])
    _record(
        conclusion.inspection,
        event,
        actor,
        old={"conclusion_status": old},
        new={"conclusion": conclusion.pk, "target": conclusion.target_id, "conclusion_status": status},
        comment=comment,
    )


@transaction.atomic
def conclusion_submit(*, conclusion_id: int, actor: User) -> Conclusion:
    """draft → pending_approval (office). Audit: inspection_conclusion_submitted."""
    conclusion = _lock_conclusion(conclusion_id)
    lifecycle.ensure_allowed("conclusion_submit", conclusion, actor)
    conclusion.submitted_by = actor
    _conclusion_status(
        conclusion,
        ConclusionStatus.PENDING_APPROVAL,
        actor,
        EventType.INSPECTION_CONCLUSION_SUBMITTED,
        fields=["submitted_by"],
    )
    return conclusion


@transaction.atomic
def conclusion_approve(*, conclusion_id: int, actor: User, comment: str = "") -> Conclusion:
    """pending_approval → approved by the government's head (leader). Audit: inspection_conclusion_approved."""
    conclusion = _lock_conclusion(conclusion_id)
    lifecycle.ensure_allowed("conclusion_approve", conclusion, actor)
    conclusion.approved_by = actor
    conclusion.approved_at = timezone.now()
    _conclusion_status(
        conclusion,
        ConclusionStatus.APPROVED,
        actor,
        EventType.INSPECTION_CONCLUSION_APPROVED,
        fields=["approved_by", "approved_at"],
        comment=comment,
    )
    return conclusion


@transaction.atomic
def conclusion_return(*, conclusion_id: int, actor: User, reason: str) -> Conclusion:
    """pending_approval → draft (leader), with a reason. Audit: inspection_conclusion_returned."""
    conclusion = _lock_conclusion(conclusion_id)
    lifecycle.ensure_allowed("conclusion_return", conclusion, actor)
    conclusion.return_reason = _require_text(reason, codes.REASON_REQUIRED, "reason")
    _conclusion_status(
        conclusion,
        ConclusionStatus.DRAFT,
        actor,
        EventType.INSPECTION_CONCLUSION_RETURNED,
        fields=["return_reason"],
        comment=reason,
    )
    return conclusion


def _rectification_due(finding: Finding, issued: datetime.date, rules: InspectionRules) -> datetime.date:
    if finding.rectification_kind == RectificationKind.IMMEDIATE:
        return workdays.add_workdays(issued, rules.immediate_workdays)
    if finding.rectification_due_date is not None:
        return finding.rectification_due_date
    return workdays.add_workdays(issued, rules.deadline_workdays)


def _warn_date(due: datetime.date) -> datetime.date:
    return workdays.subtract_workdays(due, settings.DUCHA_YELLOW_WORKDAYS)


@transaction.atomic
def conclusion_issue(*, conclusion_id: int, actor: User) -> Conclusion:
    """approved → issued (office): the target is told its conclusion and each of its findings becomes a
    rectification task with a stored due date and yellow-light date. When every target's conclusion is issued the
    inspection moves to rectifying. Audit: inspection_conclusion_issued, inspection_rectification_created,
    inspection_rectifying."""
    conclusion = _lock_conclusion(conclusion_id)
    lifecycle.ensure_allowed("conclusion_issue", conclusion, actor)
    inspection = conclusion.inspection
    now = timezone.now()
    today = timezone.localdate(now)
    conclusion.issued_by = actor
    conclusion.issued_at = now
    _conclusion_status(
        conclusion,
        ConclusionStatus.ISSUED,
        actor,
        EventType.INSPECTION_CONCLUSION_ISSUED,
        fields=["issued_by", "issued_at"],
    )
    rules = InspectionRules.for_government(inspection.government)
    for finding in Finding.objects.filter(inspection=inspection, target_id=conclusion.target_id).order_by(
        "id"
    ):
        due = _rectification_due(finding, today, rules)
        rectification = Rectification.objects.create(
            finding=finding,
            inspection=inspection,
            conclusion=conclusion,
            target_id=conclusion.target_id,
            kind=finding.rectification_kind,
            due_date=due,
            warn_date=_warn_date(due),
        )
        _record(
            inspection,
            EventType.INSPECTION_RECTIFICATION_CREATED,
            actor,
            new={
                "rectification": rectification.pk,
                "finding": finding.pk,
                "target": conclusion.target_id,
                "kind": rectification.kind,
                "due_date": due.isoformat(),
            },
        )
    all_targets = set(inspection.targets.values_list("unit_id", flat=True))
    issued_targets = set(
        Conclusion.objects.filter(inspection=inspection, status__in=ConclusionStatus.issued()).values_list(
            "target_id", flat=True
        )
    )
    if inspection.status == InspectionStatus.CONCLUDING and all_targets <= issued_targets:
        _status_change(inspection, InspectionStatus.RECTIFYING, actor, EventType.INSPECTION_RECTIFYING)
    return conclusion


@transaction.atomic
def conclusion_acknowledge(*, conclusion_id: int, actor: User) -> Conclusion:
    """issued → acknowledged (the target's head or liaison): receipt (知悉) starts the 30-calendar-day window for an
    objection; its last day is stored. Audit: inspection_conclusion_acknowledged."""
    conclusion = _lock_conclusion(conclusion_id)
    lifecycle.ensure_allowed("acknowledge", conclusion, actor)
    now = timezone.now()
    conclusion.acknowledged_by = actor
    conclusion.acknowledged_at = now
    conclusion.objection_deadline = timezone.localdate(now) + datetime.timedelta(days=OBJECTION_DAYS)
    _conclusion_status(
        conclusion,
        ConclusionStatus.ACKNOWLEDGED,
        actor,
        EventType.INSPECTION_CONCLUSION_ACKNOWLEDGED,
        fields=["acknowledged_by", "acknowledged_at", "objection_deadline"],
    )
    return conclusion


@transaction.atomic
def conclusion_object(
    *, conclusion_id: int, actor: User, reasons: str, uploads: Sequence[UploadedFile] = ()
) -> ReviewRequest:
    """acknowledged → under_review (the target's head), within 30 calendar days of receipt: a review request (复核)
    with reasons and evidence, to be decided within 30 days. Audit: inspection_objection_filed."""
    conclusion = _lock_conclusion(conclusion_id)
    lifecycle.ensure_allowed("object", conclusion, actor)
    reasons = _require_text(reasons, codes.REASON_REQUIRED, "reasons")
    today = timezone.localdate()
    review = ReviewRequest.objects.create(
        conclusion=conclusion,
        inspection=conclusion.inspection,
        reasons=reasons,
        filed_by=actor,
        filed_on=today,
        decide_by=today + datetime.timedelta(days=REVIEW_DAYS),
    )
    _conclusion_status(
        conclusion,
        ConclusionStatus.UNDER_REVIEW,
        actor,
        EventType.INSPECTION_OBJECTION_FILED,
        comment=reasons,
    )
    for upload in uploads:
        _evidence_use(conclusion.inspection, actor, upload, review_request=review)
    return review


def _lock_review(review_id: int) -> ReviewRequest:
    review = _lock_child(ReviewRequest, review_id, "conclusion", "conclusion__target")
    review.conclusion.inspection = review.inspection
    return review


def took_part(conclusion: Conclusion) -> set[int]:
    """Users who took part in the conclusion: the team, who drafted, submitted and approved it."""
    people = {m.user_id for m in conclusion.inspection.team.all() if m.user_id is not None}
    people |= {
        pk for pk in (conclusion.drafted_by_id, conclusion.submitted_by_id, conclusion.approved_by_id) if pk
    }
    return people


@transaction.atomic
def review_reviewers_assign(*, review_id: int, actor: User, reviewer_ids: Sequence[int]) -> ReviewRequest:
    """The office assigns the reviewers (条例 Art. 17): supervision staff or leaders of the government who took no
    part in the conclusion — a team member, its drafter or approver is refused. Audit: inspection_reviewers_assigned."""
    review = _lock_review(review_id)
    lifecycle.ensure_allowed("reviewers_assign", review, actor)
    ids = list(dict.fromkeys(reviewer_ids))
    if not ids:
        raise _fail(codes.REVIEWERS_REQUIRED, "reviewers")
    # Recusal first (条例 Art. 17): whoever took part is refused as such, whatever else they are.
    if set(ids) & took_part(review.conclusion):
        raise _fail(codes.REVIEWER_TOOK_PART, "reviewers")
    users = User.objects.select_related("unit").in_bulk(ids)
    government_id = review.inspection.government_id
    for pk in ids:
        user = users.get(pk)
        if (
            user is None
            or not user.is_active
            or user.unit is None
            or user.unit.government_id != government_id
            or not user.has_role(Role.OFFICE, Role.LEADER)
        ):
            raise _fail(codes.REVIEWER_INVALID, "reviewers")
    review.reviewers.set(ids)
    review.status = ReviewStatus.ASSIGNED
    review.save(update_fields=["status", "updated_at"])
    review.inspection.save(update_fields=["updated_at"])
    _record(
        review.inspection,
        EventType.INSPECTION_REVIEWERS_ASSIGNED,
        actor,
        new={"review": review.pk, "reviewers": ids},
    )
    return review


@transaction.atomic
def review_decide(
    *, review_id: int, actor: User, outcome: str, decision: str, revised_judgement: str = ""
) -> ReviewRequest:
    """An assigned reviewer records the government's decision: upheld, changed (with the changed judgement) or
    withdrawn (the conclusion falls and its open rectifications are cancelled). The outcome is sent to the target.
    Deciding after the 30 days is allowed and shows as late. Audit: inspection_review_decided."""
    review = _lock_review(review_id)
    lifecycle.ensure_allowed("review_decide", review, actor)
    _choice(outcome, ReviewOutcome, "outcome")
    decision = _require_text(decision, codes.REVIEW_OUTCOME_TEXT_REQUIRED, "decision")
    if outcome == ReviewOutcome.CHANGED:
        revised_judgement = _require_text(
            revised_judgement, codes.REVIEW_OUTCOME_TEXT_REQUIRED, "revised_judgement"
        )
    now = timezone.now()
    review.outcome = outcome
    review.decision = decision
    review.decided_by = actor
    review.decided_at = now
    review.sent_at = now
    review.status = ReviewStatus.DECIDED
    review.save(
        update_fields=["outcome", "decision", "decided_by", "decided_at", "sent_at", "status", "updated_at"]
    )
    conclusion = review.conclusion
    conclusion.inspection = review.inspection
    if outcome == ReviewOutcome.CHANGED:
        conclusion.revised_judgement = revised_judgement
    conclusion.status = (
        ConclusionStatus.WITHDRAWN if outcome == ReviewOutcome.WITHDRAWN else ConclusionStatus.REVIEWED
    )
    conclusion.save(update_fields=["status", "revised_judgement", "updated_at"])
    review.inspection.save(update_fields=["updated_at"])
    _record(
        review.inspection,
        EventType.INSPECTION_REVIEW_DECIDED,
        actor,
        new={
            "review": review.pk,
            "conclusion": conclusion.pk,
            "target": conclusion.target_id,
            "outcome": outcome,
            "late": review.is_late,
        },
        comment=decision,
    )
    if outcome == ReviewOutcome.WITHDRAWN:
        for rectification in (
            Rectification.objects.select_for_update()
            .filter(conclusion=conclusion)
            .exclude(status__in=RectificationStatus.finished())
        ):
            old = rectification.status
            rectification.status = RectificationStatus.CANCELLED
            rectification.save(update_fields=["status", "updated_at"])
            _record(
                review.inspection,
                EventType.INSPECTION_RECTIFICATION_CANCELLED,
                actor,
                old={"rectification_status": old},
                new={"rectification": rectification.pk, "rectification_status": rectification.status},
            )
    return review


# --- rectification (整改), verification (整改核查), closing (销号) ---------------------------------------------------


def _lock_rectification(rectification_id: int) -> Rectification:
    return _lock_child(Rectification, rectification_id, "finding", "target")


def _rectification_event(
    rectification: Rectification,
    event: EventType,
    actor: User,
    *,
    old_status: str | None = None,
    comment: str = "",
    extra: dict | None = None,
) -> None:
    rectification.inspection.save(update_fields=["updated_at"])
    _record(
        rectification.inspection,
        event,
        actor,
        old={"rectification_status": old_status} if old_status else None,
        new={
            "rectification": rectification.pk,
            "rectification_status": rectification.status,
            **(extra or {}),
        },
        comment=comment,
    )


@transaction.atomic
def rectification_plan(
    *, rectification_id: int, actor: User, plan: str, milestones: Sequence[MilestoneInput] = ()
) -> Rectification:
    """open → in_progress (the target's users): the rectification plan; long-term rectification needs milestones,
    none after the due date. Audit: inspection_rectification_planned."""
    rectification = _lock_rectification(rectification_id)
    lifecycle.ensure_allowed("rectification_plan", rectification, actor)
    rectification.plan = _require_text(plan, codes.TEXT_REQUIRED, "plan")
    if rectification.kind == RectificationKind.LONG_TERM and not milestones:
        raise _fail(codes.RECTIFICATION_MILESTONES_REQUIRED, "milestones")
    for milestone in milestones:
        if not milestone.title.strip() or milestone.due_date > rectification.due_date:
            raise _fail(codes.RECTIFICATION_MILESTONES_REQUIRED, "milestones")
    RectificationMilestone.objects.bulk_create(
        [
            RectificationMilestone(
                rectification=rectification, title=m.title.strip()[:200], due_date=m.due_date
            )
            for m in milestones
        ]
    )
    rectification.status = RectificationStatus.IN_PROGRESS
    rectification.save(update_fields=["plan", "status", "updated_at"])
    _rectification_event(
        rectification,
        EventType.INSPECTION_RECTIFICATION_PLANNED,
        actor,
        old_status=RectificationStatus.OPEN,
        comment=rectification.plan,
    )
    return rectification


@transaction.atomic
def rectification_progress(
    *, rectification_id: int, actor: User, text: str, milestone_id: int | None = None
) -> RectificationProgress:
    """Progress on a rectification (the target's users), optionally completing a milestone.
    Audit: inspection_rectification_progress."""
    rectification = _lock_rectification(rectification_id)
    lifecycle.ensure_allowed("rectification_progress", rectification, actor)
    text = _require_text(text, codes.TEXT_REQUIRED, "text")
    milestone = None
    if milestone_id is not None:
        milestone = RectificationMilestone.objects.filter(
            pk=milestone_id, rectification=rectification
        ).first()
        if milestone is None:
            raise _fail(codes.MILESTONE_INVALID, "milestone")
        if milestone.completed_at is None:
            milestone.completed_at = timezone.now()
            milestone.save(update_fields=["completed_at", "updated_at"])
    progress = RectificationProgress.objects.create(
        rectification=rectification, text=text, milestone=milestone, author=actor
    )
    rectification.latest_progress = text
    rectification.latest_progress_at = progress.created_at
    rectification.save(update_fields=["latest_progress", "latest_progress_at", "updated_at"])
    _rectification_event(
        rectification,
        EventType.INSPECTION_RECTIFICATION_PROGRESS,
        actor,
        comment=text,
        extra={"milestone": milestone.pk if milestone else None},
    )
    return progress


@transaction.atomic
def rectification_evidence_add(
    *,
    rectification_id: int,
    actor: User,
    upload: UploadedFile | None,
    kind: str = EvidenceKind.PHOTO,
    description: str = "",
    place: str = "",
    taken_at: datetime.datetime | None = None,
) -> EvidenceUse:
    """Evidence of rectification (the target's users; the office while verifying). See _evidence_use."""
    rectification = _lock_rectification(rectification_id)
    lifecycle.ensure_allowed("rectification_evidence", rectification, actor)
    use = _evidence_use(
        rectification.inspection,
        actor,
        upload,
        rectification=rectification,
        kind=kind,
        description=description,
        place=place,
        taken_at=taken_at,
    )
    rectification.save(update_fields=["updated_at"])
    return use


@transaction.atomic
def rectification_report(*, rectification_id: int, actor: User, text: str) -> Rectification:
    """in_progress → reported: the target's head reports the rectification complete (第一责任人).
    Audit: inspection_rectification_reported."""
    rectification = _lock_rectification(rectification_id)
    lifecycle.ensure_allowed("rectification_report", rectification, actor)
    rectification.completion_report = _require_text(text, codes.TEXT_REQUIRED, "text")
    rectification.reported_by = actor
    rectification.reported_at = timezone.now()
    rectification.status = RectificationStatus.REPORTED
    rectification.save(
        update_fields=["completion_report", "reported_by", "reported_at", "status", "updated_at"]
    )
    _rectification_event(
        rectification,
        EventType.INSPECTION_RECTIFICATION_REPORTED,
        actor,
        old_status=RectificationStatus.IN_PROGRESS,
        comment=text,
    )
    return rectification


VERIFICATION_METHODS = ("documents", "on_site")


@transaction.atomic
def rectification_verify(
    *, rectification_id: int, actor: User, passed: bool, note: str, method: str = "on_site"
) -> Rectification:
    """The office verifies the rectification (整改核查), on site or from documents: passed → verified; failed →
    back to in_progress with the note. Audit: inspection_rectification_verified / _failed."""
    rectification = _lock_rectification(rectification_id)
    lifecycle.ensure_allowed("rectification_verify", rectification, actor)
    note = _require_text(note, codes.VERIFICATION_NOTE_REQUIRED, "note")
    if method not in VERIFICATION_METHODS:
        raise _fail(codes.INVALID_INPUT, "method")
    rectification.verification_note = note
    rectification.verification_method = method
    rectification.verified_by = actor
    rectification.verified_at = timezone.now()
    fields = [
        "verification_note",
        "verification_method",
        "verified_by",
        "verified_at",
        "status",
        "updated_at",
    ]
    if passed:
        rectification.status = RectificationStatus.VERIFIED
        event = EventType.INSPECTION_RECTIFICATION_VERIFIED
    else:
        rectification.status = RectificationStatus.IN_PROGRESS
        rectification.reported_at = None
        fields.append("reported_at")
        event = EventType.INSPECTION_RECTIFICATION_FAILED
    rectification.save(update_fields=fields)
    _rectification_event(
        rectification,
        event,
        actor,
        old_status=RectificationStatus.REPORTED,
        comment=note,
        extra={"method": method},
    )
    return rectification


@transaction.atomic
def rectification_close(*, rectification_id: int, actor: User, comment: str = "") -> Rectification:
    """verified → closed (销号, office). A rebound-prone finding gets its 回头看 scheduled N months later (the
    finding's own N, else the government's rule). Audit: inspection_rectification_closed,
    inspection_followup_scheduled."""
    from ducha.inspections.overlap import add_months

    rectification = _lock_rectification(rectification_id)
    lifecycle.ensure_allowed("rectification_close", rectification, actor)
    now = timezone.now()
    rectification.status = RectificationStatus.CLOSED
    rectification.closed_by = actor
    rectification.closed_at = now
    rectification.save(update_fields=["status", "closed_by", "closed_at", "updated_at"])
    _rectification_event(
        rectification,
        EventType.INSPECTION_RECTIFICATION_CLOSED,
        actor,
        old_status=RectificationStatus.VERIFIED,
        comment=comment,
    )
    finding = rectification.finding
    if finding.is_rebound_prone and not FollowUp.objects.filter(finding=finding).exists():
        months = (
            finding.followup_months
            or InspectionRules.for_government(rectification.inspection.government).followup_months
        )
        follow_up = FollowUp.objects.create(
            finding=finding,
            source_inspection=rectification.inspection,
            due_on=add_months(timezone.localdate(now), months),
        )
        _record(
            rectification.inspection,
            EventType.INSPECTION_FOLLOWUP_SCHEDULED,
            actor,
            new={"finding": finding.pk, "due_on": follow_up.due_on.isoformat()},
        )
    return rectification


@transaction.atomic
def followups_create(*, today: datetime.date | None = None) -> list[Inspection]:
    """Create the 回头看 that are due by `today` (default: today): one follow-up inspection per inspection followed
    up, proposed, of the findings' targets, with the findings as its basis; the office completes its 方案 and
    submits it. Safe to re-run: each scheduled follow-up is locked and marked with the inspection it produced in
    the same transaction, so a second run (or a concurrent one) creates nothing again.
    Audit: inspection_followup_created on both inspections."""
    today = today or timezone.localdate()
    due = list(
        FollowUp.objects.select_for_update()
        .filter(due_on__lte=today, created_inspection__isnull=True)
        .select_related("finding", "source_inspection__lead_unit", "source_inspection__government")
        .order_by("source_inspection_id", "id")
    )
    groups: dict[int, list[FollowUp]] = defaultdict(list)
    for follow_up in due:
        groups[follow_up.source_inspection_id].append(follow_up)
    created = []
    for follow_ups in groups.values():
        source = follow_ups[0].source_inspection
        findings = [f.finding for f in follow_ups]
        target_ids = list(dict.fromkeys(f.target_id for f in findings))
        topic = gettext("Follow-up visit: %(topic)s") % {"topic": source.topic}
        inspection = Inspection.objects.create(
            government=source.government,
            year=today.year,
            topic=topic[:200],
            kind=InspectionKind.FOLLOW_UP,
            basis="\n".join(f"{f.title}: {f.description}" for f in findings),
            follows_up=source,
            lead_unit=source.lead_unit,
            in_plan=source.in_plan,
            out_of_plan_reason=""
            if source.in_plan
            else gettext("Follow-up visit of findings prone to rebound"),
            start_date=today,
            end_date=today + datetime.timedelta(days=30),
            scope=source.scope,
        )
        _write_targets(inspection, [TargetInput(pk) for pk in target_ids])
        FollowUp.objects.filter(pk__in=[f.pk for f in follow_ups]).update(
            created_inspection=inspection, updated_at=timezone.now()
        )
        details = {"source": source.pk, "findings": [f.pk for f in findings], "targets": target_ids}
        _record(
            inspection,
            EventType.INSPECTION_FOLLOWUP_CREATED,
            None,
            new={"inspection": inspection.pk, **details},
        )
        _record(
            source, EventType.INSPECTION_FOLLOWUP_CREATED, None, new={"inspection": inspection.pk, **details}
        )
        created.append(inspection)
    return created


# --- use of the results (条例 Art. 19-21) and closing -----------------------------------------------------------


@transaction.atomic
def result_propose(
    *, inspection_id: int, actor: User, unit_id: int, kind: str, reason: str, referred_to: str = ""
) -> ResultProposal:
    """The office proposes to praise, reward, criticise or hold a target to account; nothing takes effect until
    the leader approves. Audit: inspection_result_proposed."""
    inspection = _lock(inspection_id)
    lifecycle.ensure_allowed("result_propose", inspection, actor)
    _choice(kind, ResultProposalKind, "kind")
    if not inspection.targets.filter(unit_id=unit_id).exists():
        raise _fail(codes.FINDING_TARGET_INVALID, "unit")
    reason = _require_text(reason, codes.REASON_REQUIRED, "reason")
    proposal = ResultProposal.objects.create(
        inspection=inspection,
        unit_id=unit_id,
        kind=kind,
        reason=reason,
        referred_to=referred_to[:200],
        proposed_by=actor,
    )
    inspection.save(update_fields=["updated_at"])
    _record(
        inspection,
        EventType.INSPECTION_RESULT_PROPOSED,
        actor,
        new={"proposal": proposal.pk, "unit": unit_id, "kind": kind},
        comment=reason,
    )
    return proposal


@transaction.atomic
def result_decide(*, proposal_id: int, actor: User, approve: bool, comment: str = "") -> ResultProposal:
    """The leader approves (it takes effect) or rejects a proposal. Audit: inspection_result_decided."""
    proposal = _lock_child(ResultProposal, proposal_id, "unit")
    lifecycle.ensure_allowed("result_decide", proposal, actor)
    if not approve:
        _require_text(comment, codes.REASON_REQUIRED, "comment")
    proposal.status = ResultProposalStatus.APPROVED if approve else ResultProposalStatus.REJECTED
    proposal.decided_by = actor
    proposal.decided_at = timezone.now()
    proposal.decision_comment = comment
    proposal.save(update_fields=["status", "decided_by", "decided_at", "decision_comment", "updated_at"])
    proposal.inspection.save(update_fields=["updated_at"])
    _record(
        proposal.inspection,
        EventType.INSPECTION_RESULT_DECIDED,
        actor,
        new={
            "proposal": proposal.pk,
            "unit": proposal.unit_id,
            "kind": proposal.kind,
            "status": proposal.status,
        },
        comment=comment,
    )
    return proposal


@transaction.atomic
def inspection_close(*, inspection_id: int, actor: User, comment: str = "") -> Inspection:
    """rectifying → closed (leader): approves the inspection report once every conclusion is final (acknowledged
    with its objection window over, reviewed or withdrawn), every rectification closed or cancelled and every
    proposal decided. Audit: inspection_closed."""
    inspection = _lock(inspection_id)
    lifecycle.ensure_allowed("close", inspection, actor)
    inspection.closed_at = timezone.now()
    inspection.closing_comment = comment
    _status_change(
        inspection,
        InspectionStatus.CLOSED,
        actor,
        EventType.INSPECTION_CLOSED,
        comment=comment,
        fields=["closed_at", "closing_comment"],
    )
    return inspection


@transaction.atomic
def inspection_cancel(*, inspection_id: int, actor: User, reason: str) -> Inspection:
    """Withdraw an inspection, with a reason: the office before approval, the leader until fieldwork ends.
    Audit: inspection_cancelled."""
    inspection = _lock(inspection_id)
    lifecycle.ensure_allowed("cancel", inspection, actor)
    inspection.cancel_reason = _require_text(reason, codes.REASON_REQUIRED, "reason")
    _status_change(
        inspection,
        InspectionStatus.CANCELLED,
        actor,
        EventType.INSPECTION_CANCELLED,
        comment=reason,
        fields=["cancel_reason"],
    )
    return inspection


# --- reads that write ---------------------------------------------------------------------------------------------


def inspection_view_record(*, inspection: Inspection, actor: User) -> None:
    """Every read of an unannounced visit before it ends is logged."""
    if inspection.is_unannounced and not inspection.has_ended:
        _record(inspection, EventType.INSPECTION_VIEWED, actor)


def rules_set(*, government: Unit, actor: User | None = None, **values: Any) -> InspectionRules:
    """Save a government's rules (admin or tests); unknown names are refused."""
    allowed = {f.name for f in InspectionRules._meta.get_fields()} - {
        "id",
        "government",
        "created_at",
        "updated_at",
    }
    if set(values) - allowed:
        raise _fail(codes.INVALID_INPUT, ",".join(sorted(set(values) - allowed)))
    rules, _created = InspectionRules.objects.update_or_create(government=government, defaults=values)
    return rules
