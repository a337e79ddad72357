"""Fieldwork: starting and finishing it (an unannounced visit's targets are told only when it ends), the burden
on each target, and the problems found (发现问题)."""

from __future__ import annotations

import datetime

from django.utils import timezone

from ducha.common import error_codes as codes
from ducha.common.inputs import choice, invalid, require_text
from ducha.common.lifecycle import Change
from ducha.inspections.models import Finding, Inspection, InspectionTarget, RectificationKind
from ducha.inspections.services.base import INSPECTION_LIFECYCLE, notify_targets
from ducha.orgs.models import User


def inspection_start(*, inspection_id: int, actor: User) -> Inspection:
    """approved → in_fieldwork (office or team leader), once every team member is trained and no change of the
    方案 waits. An unannounced visit tells no one. Audit: inspection_started."""

    def apply(inspection: Inspection) -> Change:
        inspection.started_at = timezone.now()
        return Change(fields=["started_at"])

    return INSPECTION_LIFECYCLE.run("start", subject_id=inspection_id, actor=actor, apply=apply)


def inspection_finish(*, inspection_id: int, actor: User) -> Inspection:
    """in_fieldwork → concluding (office or team leader): fieldwork has ended. An unannounced visit becomes
    visible to its targets now, and they are notified. Audit: inspection_targets_notified, inspection_finished."""

    def apply(inspection: Inspection) -> Change:
        inspection.ended_at = timezone.now()
        notify_targets(inspection, actor)
        return Change(fields=["ended_at"])

    return INSPECTION_LIFECYCLE.run("finish", subject_id=inspection_id, actor=actor, apply=apply)


def inspection_burden_record(
    *, inspection_id: int, actor: User, unit_id: int, forms_demanded: int, people_days: int
) -> InspectionTarget:
    """Record what the inspection demanded of one target: reports and forms, people-days hosted (office), from
    approval until rectification. Audit: inspection_burden_recorded."""

    def apply(inspection: Inspection) -> Change:
        target = InspectionTarget.objects.filter(inspection=inspection, unit_id=unit_id).first()
        if target is None:
            raise invalid(codes.FINDING_TARGET_INVALID, "unit")
        if forms_demanded < 0 or people_days < 0:
            raise invalid(codes.INVALID_INPUT, "people_days")
        old = {"forms_demanded": target.forms_demanded, "people_days": target.people_days}
        target.forms_demanded = forms_demanded
        target.people_days = people_days
        target.save(update_fields=["forms_demanded", "people_days", "updated_at"])
        inspection.save(update_fields=["updated_at"])
        return Change(
            old=old,
            new={"unit": unit_id, "forms_demanded": forms_demanded, "people_days": people_days},
            result=target,
        )

    return INSPECTION_LIFECYCLE.run("burden_record", subject_id=inspection_id, actor=actor, apply=apply)


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

    def apply(inspection: Inspection) -> Change:
        if not inspection.targets.filter(unit_id=target_id).exists():
            raise invalid(codes.FINDING_TARGET_INVALID, "target")
        heading = require_text(title, codes.TITLE_REQUIRED, "title")[:200]
        text = require_text(description, codes.TEXT_REQUIRED, "description")
        choice(rectification_kind, RectificationKind, "rectification_kind")
        due_date = rectification_due_date
        if rectification_kind == RectificationKind.IMMEDIATE:
            due_date = None
        elif due_date is None and rectification_kind == RectificationKind.LONG_TERM:
            raise invalid(codes.FINDING_DUE_DATE_REQUIRED, "rectification_due_date")
        if due_date is not None and due_date <= timezone.localdate():
            raise invalid(codes.FINDING_DUE_DATE_REQUIRED, "rectification_due_date")
        if followup_months is not None and not 1 <= followup_months <= 60:
            raise invalid(codes.INVALID_INPUT, "followup_months")
        finding = Finding.objects.create(
            inspection=inspection,
            target_id=target_id,
            title=heading,
            description=text,
            place=place[:200],
            observed_at=observed_at,
            recorded_by=actor,
            rectification_kind=rectification_kind,
            rectification_due_date=due_date,
            is_rebound_prone=is_rebound_prone,
            followup_months=followup_months,
        )
        inspection.save(update_fields=["updated_at"])
        return Change(
            new={
                "finding": finding.pk,
                "target": target_id,
                "title": heading,
                "rebound_prone": is_rebound_prone,
            },
            result=finding,
        )

    return INSPECTION_LIFECYCLE.run("finding_add", subject_id=inspection_id, actor=actor, apply=apply)
