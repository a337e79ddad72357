"""Proposing and approving an inspection (立项, 方案): create and edit it with its targets, set and train the team,
submit, approve (targets of an announced inspection are told), reject and revise; and the log of every read of an
unannounced visit.

Nothing here tells the targets of an unannounced visit anything before it ends: target notification
(`InspectionTarget.notified_at`, event inspection_targets_notified) happens at approval for announced inspections
and only at the end of fieldwork (services.fieldwork) for unannounced ones."""

from __future__ import annotations

import datetime
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from django.db import transaction
from django.utils import timezone

from ducha.audit.models import EventType
from ducha.common import error_codes as codes
from ducha.common.errors import ValidationFailed
from ducha.common.inputs import choice, invalid, require_text
from ducha.common.lifecycle import Change
from ducha.inspections import lifecycle
from ducha.inspections.lifecycle import OFFICE_KINDS, PlanStatus, ProposalStatus
from ducha.inspections.models import (
    Inspection,
    InspectionKind,
    InvitedKind,
    PlanProposal,
    TeamMember,
    TeamRole,
)
from ducha.inspections.services.base import (
    INSPECTION_LIFECYCLE,
    TargetInput,
    block_if_overlapping,
    notify_targets,
    office_government,
    record,
    snapshot,
    targets_in,
    validate_window,
    write_targets,
)
from ducha.items.models import Item
from ducha.orgs.models import Unit, UnitKind, User


@dataclass(frozen=True)
class TeamMemberInput:
    user_id: int | None = None
    name: str = ""
    role: str = TeamRole.MEMBER
    invited_kind: str = InvitedKind.NONE
    is_trained: bool = False
    trained_on: datetime.date | None = None
    days: int = 1


def _lead_unit(government: Unit, lead_unit_id: int) -> Unit:
    unit = Unit.objects.filter(pk=lead_unit_id, is_active=True).first() if lead_unit_id else None
    if (
        unit is None
        or unit.government_id != government.pk
        or unit.kind not in (*OFFICE_KINDS, UnitKind.DEPARTMENT)
    ):
        raise invalid(codes.INSPECTION_LEAD_UNIT_INVALID, "lead_unit")
    return unit


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
        raise invalid(codes.INSPECTION_PLAN_ENTRY_INVALID, "plan_entry")
    return entry


def _basis_items(government: Unit, item_ids: Iterable[int]) -> list[Item]:
    ids = list(item_ids)
    items = list(Item.objects.filter(pk__in=ids, government__path__startswith=government.path))
    if len(items) != len(set(ids)):
        raise invalid(codes.NOT_FOUND, "basis_items")
    return items


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
    government = office_government(actor)
    topic = require_text(topic, codes.INSPECTION_TOPIC_REQUIRED, "topic")[:200]
    choice(kind, InspectionKind, "kind")
    validate_window(start_date, end_date)
    lead = _lead_unit(government, lead_unit_id)
    target_list = _as_targets(targets)
    targets_in(government, [t.unit_id for t in target_list], lead_unit_id=lead.pk)
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
    write_targets(inspection, target_list)
    if basis_item_ids:
        inspection.basis_items.set(_basis_items(government, basis_item_ids))
    block_if_overlapping(inspection)
    record(inspection, EventType.INSPECTION_CREATED, actor, new=snapshot(inspection))
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

    def apply(inspection: Inspection) -> Change:
        unknown = set(fields) - _EDITABLE
        nulls = {name for name, value in fields.items() if value is None}
        if unknown or nulls:
            raise ValidationFailed(
                codes.INVALID_INPUT,
                fields={name: codes.message_for(codes.INVALID_INPUT) for name in unknown | nulls},
            )
        old = snapshot(inspection)
        government = inspection.government
        if "topic" in fields:
            fields["topic"] = require_text(fields["topic"], codes.INSPECTION_TOPIC_REQUIRED, "topic")[:200]
        if "kind" in fields:
            choice(fields["kind"], InspectionKind, "kind")
        start = fields.get("start_date", inspection.start_date)
        end = fields.get("end_date", inspection.end_date)
        validate_window(start, end)
        for name, value in fields.items():
            setattr(inspection, name, value)
        inspection.year = start.year
        changed = [*fields, "year"]
        if lead_unit_id is not None:
            inspection.lead_unit = _lead_unit(government, lead_unit_id)
            changed.append("lead_unit")
        if plan_entry_id is not None:
            inspection.plan_entry = _plan_entry(
                government, plan_entry_id or None, inspection_id=inspection.pk
            )
            changed.append("plan_entry")
        if not inspection.in_plan and inspection.plan_entry_id is not None:
            inspection.plan_entry = None
            changed.append("plan_entry")
        # Saved before the targets are checked and the overlaps are looked for: both read the new values.
        inspection.save(update_fields=[*dict.fromkeys(changed), "updated_at"])
        if targets is not None:
            target_list = _as_targets(targets)
            targets_in(government, [t.unit_id for t in target_list], lead_unit_id=inspection.lead_unit_id)
            write_targets(inspection, target_list)
        elif lead_unit_id is not None and inspection.targets.filter(unit_id=lead_unit_id).exists():
            raise invalid(codes.INSPECTION_TARGET_INVALID, "targets")
        if basis_item_ids is not None:
            inspection.basis_items.set(_basis_items(government, basis_item_ids))
        block_if_overlapping(inspection)
        return Change(old=old, new=snapshot(inspection))

    return INSPECTION_LIFECYCLE.run("update", subject_id=inspection_id, actor=actor, apply=apply)


def inspection_team_set(
    *, inspection_id: int, actor: User, members: Sequence[TeamMemberInput]
) -> list[TeamMember]:
    """Set the team (office): one leader, members, invited outsiders (NPC deputies, CPPCC members, experts,
    journalists) known by name. Before approval or between approval and fieldwork. Audit: inspection_team_set."""

    def apply(inspection: Inspection) -> Change:
        rows: list[TeamMember] = []
        user_ids = [member.user_id for member in members if member.user_id is not None]
        users = User.objects.in_bulk(user_ids)
        if len(set(user_ids)) != len(user_ids) or sum(m.role == TeamRole.LEADER for m in members) > 1:
            raise invalid(codes.INSPECTION_TEAM_MEMBER_INVALID, "members")
        for member in members:
            choice(member.role, TeamRole, "members")
            choice(member.invited_kind, InvitedKind, "members")
            user = users.get(member.user_id) if member.user_id is not None else None
            if member.user_id is not None and (user is None or not user.is_active):
                raise invalid(codes.INSPECTION_TEAM_MEMBER_INVALID, "members")
            name = (member.name.strip() or (user.display_name if user else ""))[:50]
            if not name or (member.role == TeamRole.INVITED and member.invited_kind == InvitedKind.NONE):
                raise invalid(codes.INSPECTION_TEAM_MEMBER_INVALID, "members")
            if not 0 <= member.days <= 366:
                raise invalid(codes.INVALID_INPUT, "members")
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
        return Change(
            old={"team": old},
            new={"team": [(m.user_id, m.name, m.role, m.is_trained) for m in created]},
            result=created,
        )

    return INSPECTION_LIFECYCLE.run("team_set", subject_id=inspection_id, actor=actor, apply=apply)


def inspection_train(
    *, inspection_id: int, actor: User, member_ids: Sequence[int], trained_on: datetime.date | None = None
) -> Inspection:
    """Record that team members were trained (方案: the team is trained beforehand). Audit: inspection_team_trained."""

    def apply(inspection: Inspection) -> Change:
        members = {m.pk: m for m in inspection.team.all()}
        if not member_ids or any(pk not in members for pk in member_ids):
            raise invalid(codes.INSPECTION_TEAM_MEMBER_INVALID, "members")
        day = trained_on or timezone.localdate()
        TeamMember.objects.filter(pk__in=member_ids).update(
            is_trained=True, trained_on=day, updated_at=timezone.now()
        )
        inspection.save(update_fields=["updated_at"])
        return Change(new={"members": [members[pk].name for pk in member_ids], "trained_on": day.isoformat()})

    return INSPECTION_LIFECYCLE.run("train", subject_id=inspection_id, actor=actor, apply=apply)


def inspection_submit(*, inspection_id: int, actor: User) -> Inspection:
    """proposed → pending_approval (office). Refused while the 方案 is incomplete, the team has no leader, an
    in-plan inspection names no plan entry, an out-of-plan one gives no reason, a department lacks its designation
    or the overlap rule blocks it. Audit: inspection_submitted."""
    return INSPECTION_LIFECYCLE.run("submit", subject_id=inspection_id, actor=actor)


def inspection_approve(*, inspection_id: int, actor: User, comment: str = "") -> Inspection:
    """pending_approval → approved (leader): 立项 and the 方案 approved together; from now on the 方案 is fixed
    (changes go through inspection_amend). An out-of-plan inspection is filed (审批报备). Targets of an announced
    inspection are notified now; those of an unannounced visit are not. Audit: inspection_filed,
    inspection_targets_notified, inspection_approved."""

    def apply(inspection: Inspection) -> Change:
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
            record(
                inspection, EventType.INSPECTION_FILED, actor, new={"reason": inspection.out_of_plan_reason}
            )
        if not inspection.is_unannounced:
            notify_targets(inspection, actor)
        return Change(
            fields=fields,
            new={"designation": inspection.designation_id, "in_plan": inspection.in_plan},
            comment=comment,
        )

    return INSPECTION_LIFECYCLE.run("approve", subject_id=inspection_id, actor=actor, apply=apply)


def inspection_reject(*, inspection_id: int, actor: User, reason: str) -> Inspection:
    """pending_approval → rejected (leader), with a reason. Audit: inspection_rejected."""

    def apply(inspection: Inspection) -> Change:
        inspection.rejection_reason = require_text(reason, codes.REASON_REQUIRED, "reason")
        return Change(fields=["rejection_reason"], comment=reason)

    return INSPECTION_LIFECYCLE.run("reject", subject_id=inspection_id, actor=actor, apply=apply)


def inspection_revise(*, inspection_id: int, actor: User) -> Inspection:
    """rejected → proposed (office), to rework and submit again. Audit: inspection_revised."""
    return INSPECTION_LIFECYCLE.run("revise", subject_id=inspection_id, actor=actor)


def inspection_view_record(*, inspection: Inspection, actor: User) -> None:
    """Every read of an unannounced visit before it ends is logged. Audit: inspection_viewed."""
    if inspection.is_unannounced and not inspection.has_ended:
        record(inspection, EventType.INSPECTION_VIEWED, actor)
