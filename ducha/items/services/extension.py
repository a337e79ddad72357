"""延期: the lead unit asks for a later due date before the current one passes; the office decides, or endorses
for the leader where the leader must decide."""

from __future__ import annotations

import datetime

from django.utils import timezone

from ducha.common import error_codes as codes
from ducha.common.inputs import invalid, require_text
from ducha.common.lifecycle import Change
from ducha.items import lifecycle
from ducha.items.models import (
    ApprovalBasis,
    DeadlineBasis,
    ExtensionRequest,
    ExtensionStatus,
    Item,
    SourceType,
)
from ducha.items.services.base import LIFECYCLE, set_due_date
from ducha.orgs.models import User

_DECISION_FIELDS = ["office_decided_by", "decided_by", "decided_at", "decision_comment", "updated_at"]


def item_extension_request(
    *, item_id: int, actor: User, reason: str, proposed_due_date: datetime.date
) -> ExtensionRequest:
    """The lead unit asks for a later due date, not after the current one has passed. It needs the leader's
    decision too when the item rests on the head's instruction or a leader's instruction. The deciders are told.
    Audit: item_extension_requested."""

    def apply(item: Item) -> Change:
        why = require_text(reason, codes.REASON_REQUIRED, "reason")
        assert item.due_date is not None
        if proposed_due_date <= item.due_date:
            raise invalid(codes.EXTENSION_DATE_NOT_LATER, "proposed_due_date")
        parent = item.parent if item.parent_id else None
        if parent is not None and parent.due_date and proposed_due_date > parent.due_date:
            raise invalid(codes.DELEGATE_DEADLINE_LATE, "proposed_due_date")
        assignment = lifecycle.assignment_for(item, actor)
        assert assignment is not None
        extension = ExtensionRequest.objects.create(
            item=item,
            unit_id=assignment.unit_id,
            requested_by=actor,
            reason=why,
            old_due_date=item.due_date,
            proposed_due_date=proposed_due_date,
            requires_leader=not item.parent_id
            and (
                item.approval_basis == ApprovalBasis.HEAD_INSTRUCTION
                or item.source_type in (SourceType.LEADER_INSTRUCTION, SourceType.LEADER_ASSIGNMENT)
            ),
        )
        return Change(
            new={
                "extension": extension.pk,
                "old_due_date": item.due_date.isoformat(),
                "proposed_due_date": proposed_due_date.isoformat(),
            },
            comment=why,
            notice={"object_id": extension.pk},
            result=extension,
        )

    return LIFECYCLE.run("extension_request", subject_id=item_id, actor=actor, apply=apply)


def item_extension_decide(
    *, item_id: int, actor: User, grant: bool, comment: str = "", due_date: datetime.date | None = None
) -> ExtensionRequest:
    """Decide the open extension request. The office grants or refuses; where the leader must decide, the office's
    grant is an endorsement (the leader is told) and the leader's decision is final. On grant the due date becomes
    the proposed date (or the decider's `due_date`, not earlier than the current one); both dates stay in the
    history. Audit: item_extension_endorsed / _granted / _refused."""

    def apply(item: Item) -> Change:
        extension = lifecycle.open_extension(item)
        assert extension is not None and item.due_date is not None
        if not grant:
            require_text(comment, codes.REASON_REQUIRED, "comment")
        as_office = (
            not item.parent_id
            and lifecycle.office(item, actor) is None
            and extension.status == ExtensionStatus.PENDING
        )
        if as_office:
            extension.office_decided_by = actor
        if grant and as_office and extension.requires_leader:
            extension.status = ExtensionStatus.ENDORSED
            extension.decision_comment = comment
            extension.save(update_fields=["status", "office_decided_by", "decision_comment", "updated_at"])
            return Change(
                outcome="endorsed",
                new={"extension": extension.pk},
                comment=comment,
                notice={"object_id": extension.pk},
                result=extension,
            )
        extension.decided_by = actor
        extension.decided_at = timezone.now()
        extension.decision_comment = comment
        if not grant:
            extension.status = ExtensionStatus.REFUSED
            extension.save(update_fields=["status", *_DECISION_FIELDS])
            return Change(
                outcome="refused", new={"extension": extension.pk}, comment=comment, result=extension
            )
        new_due = due_date or extension.proposed_due_date
        if new_due <= item.due_date:
            raise invalid(codes.EXTENSION_DATE_NOT_LATER, "due_date")
        extension.status = ExtensionStatus.GRANTED
        extension.granted_due_date = new_due
        extension.save(update_fields=["status", "granted_due_date", *_DECISION_FIELDS])
        old_due = item.due_date
        item.deadline_basis = DeadlineBasis.DATE
        set_due_date(item, new_due, is_provisional=False)
        return Change(
            outcome="granted",
            fields=["deadline_basis", "due_date", "warn_date", "due_date_is_provisional"],
            old={"due_date": old_due.isoformat()},
            new={"due_date": new_due.isoformat(), "extension": extension.pk},
            comment=comment,
            result=extension,
        )

    return LIFECYCLE.run("extension_decide", subject_id=item_id, actor=actor, apply=apply)
