"""What every inspection service shares: the lifecycle runners of the six tables (how each locks its subject and
where its audit events go), and the checks and writes several stages make — the window, the targets, who acts
for the government, telling the targets, the overlap rule."""

from __future__ import annotations

import datetime
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from django.db.models import Prefetch, prefetch_related_objects
from django.utils import timezone

from ducha.audit.models import EventType
from ducha.audit.services import event_record
from ducha.common import error_codes as codes
from ducha.common.errors import InvalidState, NotFound, NotPermitted
from ducha.common.inputs import invalid
from ducha.common.lifecycle import Lifecycle, Recorder
from ducha.inspections import lifecycle, overlap
from ducha.inspections.models import (
    AnnualPlan,
    Conclusion,
    Inspection,
    InspectionTarget,
    Rectification,
    ResultProposal,
    ReviewRequest,
    TeamMember,
)
from ducha.orgs.models import Role, Unit, User
from ducha.orgs.selectors import government_of


@dataclass(frozen=True)
class TargetInput:
    unit_id: int
    forms_demanded: int = 0
    people_days: int = 0


# --- locks ------------------------------------------------------------------------------------------------------


def with_team(inspection: Inspection) -> Inspection:
    """The inspection with its team loaded (who may act on it is read from the team)."""
    prefetch_related_objects(
        [inspection], Prefetch("team", queryset=TeamMember.objects.select_related("user"))
    )
    return inspection


def lock(inspection_id: int) -> Inspection:
    """The inspection row, locked for this transaction, with what the lifecycle checks read."""
    try:
        inspection = (
            Inspection.objects.select_for_update()
            .select_related("government", "lead_unit")
            .get(pk=inspection_id)
        )
    except Inspection.DoesNotExist:
        raise NotFound() from None
    return with_team(inspection)


def lock_child(model: Any, pk: int, *related: str) -> Any:
    """Lock the parent inspection first, then the record (always in that order: no deadlocks)."""
    inspection_id = model.objects.filter(pk=pk).values_list("inspection_id", flat=True).first()
    if inspection_id is None:
        raise NotFound()
    inspection = lock(inspection_id)
    child = model.objects.select_for_update().select_related(*related).get(pk=pk)
    child.inspection = inspection
    return child


def lock_plan(plan_id: int) -> AnnualPlan:
    try:
        return AnnualPlan.objects.select_for_update().get(pk=plan_id)
    except AnnualPlan.DoesNotExist:
        raise NotFound() from None


def lock_conclusion(conclusion_id: int) -> Conclusion:
    conclusion: Conclusion = lock_child(Conclusion, conclusion_id, "target")
    return conclusion


def lock_review(review_id: int) -> ReviewRequest:
    review: ReviewRequest = lock_child(ReviewRequest, review_id, "conclusion", "conclusion__target")
    review.conclusion.inspection = review.inspection
    return review


def lock_rectification(rectification_id: int) -> Rectification:
    rectification: Rectification = lock_child(Rectification, rectification_id, "finding", "target")
    return rectification


def lock_result(proposal_id: int) -> ResultProposal:
    proposal: ResultProposal = lock_child(ResultProposal, proposal_id, "unit")
    return proposal


# --- audit ------------------------------------------------------------------------------------------------------


def record(
    inspection: Inspection | int,
    event_type: EventType | str,
    actor: User | None,
    *,
    old: Any = None,
    new: Any = None,
    comment: str = "",
    subject_type: str = "inspection",
) -> None:
    """An audit event of the inspection (or of the plan or a designation, by `subject_type`)."""
    event_record(
        event_type=EventType(event_type),
        subject_type=subject_type,
        subject_id=inspection if isinstance(inspection, int) else inspection.pk,
        actor=actor,
        old=old,
        new=new,
        comment=comment,
    )


def record_plan(
    plan: AnnualPlan,
    event_type: EventType | str,
    actor: User | None,
    *,
    old: Any = None,
    new: Any = None,
    comment: str = "",
) -> None:
    record(plan.pk, event_type, actor, old=old, new=new, comment=comment, subject_type="inspection_plan")


def _record_in_inspection(*keys: str) -> Recorder:
    """Events of a record inside an inspection (a conclusion, a review, …) are the inspection's; they name the
    record by `keys`: the first its id (e.g. "conclusion"), the others its fields (e.g. "target" for target_id)."""
    key, *fields = keys

    def record_child(
        subject: Any,
        event_type: EventType | str,
        actor: User | None,
        *,
        old: Any = None,
        new: Any = None,
        comment: str = "",
    ) -> None:
        names = {key: subject.pk, **{name: getattr(subject, f"{name}_id") for name in fields}}
        record(
            subject.inspection_id, event_type, actor, old=old, new={**names, **(new or {})}, comment=comment
        )

    return record_child


# --- the runners: every transition of ducha.inspections.lifecycle goes through one of them ----------------------

INSPECTION_LIFECYCLE: Lifecycle[Inspection] = Lifecycle(
    name="inspection", table=lifecycle.RUNNER_TABLES["inspection"], lock=lock, record=record
)
PLAN_LIFECYCLE: Lifecycle[AnnualPlan] = Lifecycle(
    name="annual_plan", table=lifecycle.RUNNER_TABLES["annual_plan"], lock=lock_plan, record=record_plan
)
CONCLUSION_LIFECYCLE: Lifecycle[Conclusion] = Lifecycle(
    name="conclusion",
    table=lifecycle.RUNNER_TABLES["conclusion"],
    lock=lock_conclusion,
    record=_record_in_inspection("conclusion", "target"),
)
REVIEW_LIFECYCLE: Lifecycle[ReviewRequest] = Lifecycle(
    name="review_request",
    table=lifecycle.RUNNER_TABLES["review_request"],
    lock=lock_review,
    record=_record_in_inspection("review"),
)
RECTIFICATION_LIFECYCLE: Lifecycle[Rectification] = Lifecycle(
    name="rectification",
    table=lifecycle.RUNNER_TABLES["rectification"],
    lock=lock_rectification,
    record=_record_in_inspection("rectification"),
)
RESULT_LIFECYCLE: Lifecycle[ResultProposal] = Lifecycle(
    name="result_proposal",
    table=lifecycle.RUNNER_TABLES["result_proposal"],
    lock=lock_result,
    record=_record_in_inspection("proposal"),
)
LIFECYCLES: tuple[Lifecycle[Any], ...] = (
    INSPECTION_LIFECYCLE,
    PLAN_LIFECYCLE,
    CONCLUSION_LIFECYCLE,
    REVIEW_LIFECYCLE,
    RECTIFICATION_LIFECYCLE,
    RESULT_LIFECYCLE,
)


# --- who acts for the government --------------------------------------------------------------------------------


def office_government(actor: User) -> Unit:
    if not actor.has_role(Role.OFFICE):
        raise NotPermitted(codes.ROLE_REQUIRED)
    return government_of(actor)


def leader_government(actor: User) -> Unit:
    if not actor.has_role(Role.LEADER):
        raise NotPermitted(codes.ROLE_REQUIRED)
    return government_of(actor)


# --- the window and the targets -----------------------------------------------------------------------------------


def validate_window(start: datetime.date | None, end: datetime.date | None) -> None:
    if start is None or end is None or end < start:
        raise invalid(codes.INSPECTION_WINDOW_INVALID, "end_date")


def targets_in(
    government: Unit, target_ids: Iterable[int], *, lead_unit_id: int | None, field: str = "targets"
) -> dict[int, Unit]:
    """The target units: given, each once, active units of the government (not the government itself, not the
    lead unit)."""
    ids = list(target_ids)
    if not ids:
        raise invalid(codes.INSPECTION_TARGETS_REQUIRED, field)
    if len(set(ids)) != len(ids):
        raise invalid(codes.UNIT_DUPLICATED, field)
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
            raise invalid(codes.INSPECTION_TARGET_INVALID, field)
    return units


def write_targets(inspection: Inspection, targets: Sequence[TargetInput]) -> None:
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


def notify_targets(inspection: Inspection, actor: User | None, unit_ids: Iterable[int] | None = None) -> None:
    """Tell the targets (not yet told) of the inspection; the notification channels hook in on this event.
    Audit: inspection_targets_notified, when anyone was told."""
    now = timezone.now()
    pending = InspectionTarget.objects.filter(inspection=inspection, notified_at__isnull=True)
    if unit_ids is not None:
        pending = pending.filter(unit_id__in=list(unit_ids))
    units = list(pending.values_list("unit_id", flat=True))
    if not units:
        return
    pending.update(notified_at=now, updated_at=now)
    record(inspection, EventType.INSPECTION_TARGETS_NOTIFIED, actor, new={"units": units})


def block_if_overlapping(inspection: Inspection) -> None:
    if overlap.is_blocked(inspection):
        raise InvalidState(codes.INSPECTION_OVERLAP)


def snapshot(inspection: Inspection) -> dict[str, Any]:
    """The inspection's 立项 and 方案, as its created and updated events record them."""
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
