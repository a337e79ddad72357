"""Fieldwork (实地督查): the team and its training, the start, findings and their evidence, the burden the visit put
on each unit, and the end of fieldwork."""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext as _

from ducha.inspections import services
from ducha.inspections.models import EvidenceKind, Inspection, RectificationKind, TeamRole
from ducha.orgs.models import User
from ducha.workbench.forms.inspections import (
    BurdenForm,
    EmptyForm,
    EvidenceForm,
    FindingForm,
    TeamMemberForm,
    TeamRemoveForm,
    TrainingForm,
)
from ducha.workbench.views.inspections.base import Action, simple


def _team_inputs(inspection: Inspection) -> list[services.TeamMemberInput]:
    return [
        services.TeamMemberInput(
            user_id=m.user_id,
            name=m.name,
            role=m.role,
            invited_kind=m.invited_kind,
            is_trained=m.is_trained,
            trained_on=m.trained_on,
            days=m.days,
        )
        for m in inspection.team.all()
    ]


def _team_add(data: dict[str, Any], inspection: Inspection, user: User) -> str:
    member = services.TeamMemberInput(
        user_id=data["user"],
        name=data["name"],
        role=data["role"] or TeamRole.MEMBER,
        invited_kind=data["invited_kind"],
        is_trained=data["is_trained"],
        days=1 if data["days"] is None else data["days"],
    )
    services.inspection_team_set(
        inspection_id=inspection.pk, actor=user, members=[*_team_inputs(inspection), member]
    )
    return _("The team member was added.")


def _team_remove(data: dict[str, Any], inspection: Inspection, user: User) -> str:
    kept = [
        member
        for member, row in zip(_team_inputs(inspection), inspection.team.all(), strict=True)
        if row.pk != data["member"]
    ]
    services.inspection_team_set(inspection_id=inspection.pk, actor=user, members=kept)
    return _("The team member was removed.")


def _train(data: dict[str, Any], inspection: Inspection, user: User) -> str:
    services.inspection_train(inspection_id=inspection.pk, actor=user, member_ids=data["members"])
    return _("Training was recorded.")


def _finding(data: dict[str, Any], inspection: Inspection, user: User) -> str:
    services.finding_add(
        inspection_id=inspection.pk,
        actor=user,
        target_id=data["target"] or 0,
        title=data["title"],
        description=data["description"],
        place=data["place"],
        observed_at=data["observed_at"],
        rectification_kind=data["rectification_kind"] or RectificationKind.DEADLINE,
        rectification_due_date=data["rectification_due_date"],
        is_rebound_prone=data["is_rebound_prone"],
        followup_months=data["followup_months"],
    )
    return _("The finding was recorded.")


def _evidence(data: dict[str, Any], inspection: Inspection, user: User) -> str:
    use = services.finding_evidence_add(
        inspection_id=inspection.pk,
        finding_id=data["finding"] or 0,
        actor=user,
        upload=data["file"],
        kind=data["kind"] or EvidenceKind.DOCUMENT,
        description=data["description"],
        place=data["place"],
        taken_at=data["taken_at"],
    )
    if use.is_flagged:
        return _(
            "The evidence was added. The same file was already used as evidence elsewhere: it is flagged."
        )
    return _("The evidence was added.")


FIELDWORK_ACTIONS: dict[str, Action] = {
    "team_add": Action(TeamMemberForm, _team_add),
    "team_remove": Action(TeamRemoveForm, _team_remove),
    "train": Action(TrainingForm, _train),
    "start": Action(EmptyForm, simple(services.inspection_start)),
    "finding_add": Action(FindingForm, _finding),
    "evidence_add": Action(EvidenceForm, _evidence),
    "burden_record": Action(
        BurdenForm,
        simple(
            services.inspection_burden_record,
            unit_id=lambda d: d["unit"] or 0,
            forms_demanded=lambda d: d["forms_demanded"] or 0,
            people_days=lambda d: d["people_days"] or 0,
        ),
    ),
    "finish": Action(EmptyForm, simple(services.inspection_finish)),
}
