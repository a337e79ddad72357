"""Batch work (批量报批, 批量审批, 批量交办, 批量签收): one action on several items at once. Each item goes through the
same single-item service (its lifecycle runner), in its own savepoint: a refusal of one item undoes nothing done
on the others, and is reported with its code and message. The 催办 batch lives in ducha.reminders.services (items
may not import reminders) and uses `batch_run` from here."""

from __future__ import annotations

import datetime
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

from django.db import transaction

from ducha.common import error_codes as codes
from ducha.common.errors import DomainError, ValidationFailed
from ducha.items.models import Item
from ducha.items.services.assignment import item_assign, item_sign
from ducha.items.services.base import validate_deadline
from ducha.items.services.registration import item_approve, item_submit
from ducha.orgs.models import User

BATCH_MAX = 200


@dataclass(frozen=True)
class BatchRefusal:
    item_id: int
    code: str
    message: str


@dataclass
class BatchResult:
    done: list[int] = field(default_factory=list)
    refused: list[BatchRefusal] = field(default_factory=list)


def batch_ids(item_ids: Iterable[int]) -> list[int]:
    """The ids once each, in the order given; refused when none or more than BATCH_MAX."""
    ids = list(dict.fromkeys(int(pk) for pk in item_ids))
    if not ids:
        raise ValidationFailed(codes.BATCH_EMPTY, fields={"items": codes.message_for(codes.BATCH_EMPTY)})
    if len(ids) > BATCH_MAX:
        raise ValidationFailed(
            codes.BATCH_TOO_LARGE, fields={"items": codes.message_for(codes.BATCH_TOO_LARGE)}
        )
    return ids


@transaction.atomic
def batch_run(*, actor: User, item_ids: Iterable[int], action: Callable[[int], object]) -> BatchResult:
    """Run `action(item_id)` for each item the actor may see, each in its own savepoint. Items out of the actor's
    scope are refused as not found (one query for the whole batch), like any single-item request."""
    from ducha.items.selectors import scope_q  # the selectors import the services: load them late

    ids = batch_ids(item_ids)
    visible = set(Item.objects.filter(scope_q(actor), pk__in=ids).values_list("pk", flat=True))
    result = BatchResult()
    for item_id in ids:
        if item_id not in visible:
            result.refused.append(
                BatchRefusal(item_id, codes.NOT_FOUND, str(codes.message_for(codes.NOT_FOUND)))
            )
            continue
        try:
            with transaction.atomic():
                action(item_id)
        except DomainError as error:
            result.refused.append(BatchRefusal(item_id, error.code, error.message))
        else:
            result.done.append(item_id)
    return result


def items_batch_submit(*, actor: User, item_ids: Iterable[int]) -> BatchResult:
    """draft → pending_approval for each item (office), as item_submit. Audit: item_submitted per item."""
    return batch_run(actor=actor, item_ids=item_ids, action=lambda pk: item_submit(item_id=pk, actor=actor))


def items_batch_approve(*, actor: User, item_ids: Iterable[int], comment: str = "") -> BatchResult:
    """pending_approval → registered for each item (leader), as item_approve; numbers are given in the order of
    the ids. Audit: item_approved per item."""
    return batch_run(
        actor=actor,
        item_ids=item_ids,
        action=lambda pk: item_approve(item_id=pk, actor=actor, comment=comment),
    )


def items_batch_assign(
    *,
    actor: User,
    item_ids: Iterable[int],
    deadline_workdays: int | None = None,
    due_date: datetime.date | None = None,
) -> BatchResult:
    """registered → assigned for each item (office), as item_assign; the deadline given (a date or working days)
    applies to all, else each item's own. A wrong deadline refuses the whole batch before anything is done.
    Audit: item_assigned per item."""
    if deadline_workdays is not None or due_date is not None:
        validate_deadline(deadline_workdays, due_date)
    return batch_run(
        actor=actor,
        item_ids=item_ids,
        action=lambda pk: item_assign(
            item_id=pk, actor=actor, deadline_workdays=deadline_workdays, due_date=due_date
        ),
    )


def items_batch_sign(*, actor: User, item_ids: Iterable[int]) -> BatchResult:
    """Sign for each item on behalf of the actor's unit (签收), as item_sign. Audit: item_signed per item."""
    return batch_run(actor=actor, item_ids=item_ids, action=lambda pk: item_sign(item_id=pk, actor=actor))
