"""Changes of an approved 方案 (条例 Art. 15): widening waits for the leader, narrowing applies at once."""

from __future__ import annotations

import datetime
from collections.abc import Sequence
from typing import Any

from django.utils import timezone

from ducha.common import error_codes as codes
from ducha.common.errors import InvalidState
from ducha.common.inputs import invalid, require_text
from ducha.common.lifecycle import Change
from ducha.inspections import lifecycle
from ducha.inspections.models import Amendment, AmendmentStatus, Inspection, InspectionTarget
from ducha.inspections.services.base import (
    INSPECTION_LIFECYCLE,
    block_if_overlapping,
    notify_targets,
    targets_in,
    validate_window,
)
from ducha.orgs.models import User

_PLAN_TEXTS = ("content", "scope", "method", "schedule")


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
    """Change an approved 方案 (office or team leader), in approved or in_fieldwork. Widening — new targets,
    another content, scope or method, a longer window — waits for the leader (inspection_amendment_decide);
    narrowing (removing targets, a shorter window, another schedule) applies at once.
    Audit: inspection_amendment_requested, or inspection_amendment_applied."""

    def apply(inspection: Inspection) -> Change:
        why = require_text(reason, codes.REASON_REQUIRED, "reason")
        current = set(inspection.targets.values_list("unit_id", flat=True))
        add = [pk for pk in dict.fromkeys(add_target_ids) if pk not in current]
        remove = [pk for pk in dict.fromkeys(remove_target_ids) if pk in current]
        if add:
            targets_in(inspection.government, add, lead_unit_id=inspection.lead_unit_id, field="add_targets")
        if remove and not current - set(remove) | set(add):
            raise invalid(codes.INSPECTION_TARGETS_REQUIRED, "remove_targets")
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
        validate_window(new_start, new_end)
        if new_start != inspection.start_date:
            changes["start_date"], old["start_date"] = (
                new_start.isoformat(),
                inspection.start_date.isoformat(),
            )
        if new_end != inspection.end_date:
            changes["end_date"], old["end_date"] = new_end.isoformat(), inspection.end_date.isoformat()
        if not changes:
            raise invalid(codes.AMENDMENT_EMPTY, "changes")
        widening = bool(
            add
            or any(name in changes for name in ("content", "scope", "method"))
            or new_start < inspection.start_date
            or new_end > inspection.end_date
        )
        old["targets"] = sorted(current)
        amendment = Amendment.objects.create(
            inspection=inspection,
            reason=why,
            changes=changes,
            old=old,
            is_widening=widening,
            requested_by=actor,
        )
        if widening:
            inspection.save(update_fields=["updated_at"])
            return Change(outcome="requested", old=old, new=changes, comment=why, result=amendment)
        applied = _apply(inspection, amendment, actor, outcome="applied")
        amendment.status = AmendmentStatus.APPLIED
        amendment.decided_at = timezone.now()
        amendment.save(update_fields=["status", "decided_at", "updated_at"])
        return applied

    return INSPECTION_LIFECYCLE.run("amend", subject_id=inspection_id, actor=actor, apply=apply)


def _apply(inspection: Inspection, amendment: Amendment, actor: User, *, outcome: str) -> Change:
    """Apply the amendment's changes to the 方案 and the targets (refused where the lead department's designation
    no longer covers them or the overlap rule forbids them); the outcome that records it."""
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
    block_if_overlapping(inspection)
    if changes.get("add_targets") and not inspection.is_unannounced:
        notify_targets(inspection, actor, changes["add_targets"])
    return Change(
        outcome=outcome,
        old=amendment.old,
        new={**changes, "amendment": amendment.pk, "widening": amendment.is_widening},
        comment=amendment.reason,
        result=amendment,
    )


def inspection_amendment_decide(
    *, inspection_id: int, actor: User, approve: bool, comment: str = ""
) -> Amendment:
    """The leader approves (the change is applied; refused if the overlap rule or a missing designation forbids
    it) or rejects a widening change, in approved or in_fieldwork. Targets it adds are told, unless the visit is
    unannounced. Audit: inspection_targets_notified, inspection_amendment_applied / _rejected."""

    def apply(inspection: Inspection) -> Change:
        pending = lifecycle.pending_amendment(inspection)
        amendment = Amendment.objects.select_for_update().get(pk=pending.pk)
        if not approve:
            require_text(comment, codes.REASON_REQUIRED, "comment")
        amendment.decided_by = actor
        amendment.decided_at = timezone.now()
        amendment.decision_comment = comment
        amendment.status = AmendmentStatus.APPROVED if approve else AmendmentStatus.REJECTED
        amendment.save(update_fields=["status", "decided_by", "decided_at", "decision_comment", "updated_at"])
        if approve:
            return _apply(inspection, amendment, actor, outcome="approved")
        inspection.save(update_fields=["updated_at"])
        return Change(outcome="rejected", new={"amendment": amendment.pk}, comment=comment, result=amendment)

    return INSPECTION_LIFECYCLE.run("amendment_decide", subject_id=inspection_id, actor=actor, apply=apply)
