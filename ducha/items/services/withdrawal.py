"""撤销: withdrawing an item, with the open child items delegated from it. A draft goes at once; later the office
asks and the leader decides; the leader, or the delegating unit for a child item, withdraws at once."""

from __future__ import annotations

from django.utils.translation import gettext as _

from ducha.common import error_codes as codes
from ducha.common.inputs import require_text
from ducha.common.lifecycle import Change
from ducha.items import lifecycle
from ducha.items.lifecycle import ItemStatus
from ducha.items.models import Item
from ducha.items.services.base import LIFECYCLE
from ducha.orgs.models import User


def _withdraw_children(item: Item, actor: User, reason: str) -> None:
    """Every open child delegated from `item` is withdrawn with it (their work is part of the parent's): the same
    transition, entered on each locked child with its own event."""
    why = str(_("The parent item was withdrawn: %(reason)s") % {"reason": reason})
    for child in (
        Item.objects.select_for_update().filter(parent=item).exclude(status__in=ItemStatus.finished())
    ):
        child.cancel_reason = why
        LIFECYCLE.enter(
            "cancel", child, actor, Change(outcome="withdrawn", fields=["cancel_reason"], comment=why)
        )
        _withdraw_children(child, actor, why)


def item_cancel(*, item_id: int, actor: User, reason: str) -> Item:
    """Withdraw an item, with a reason. A draft is withdrawn at once by the office; later the office asks and the
    leader approves (item_cancel_approve); the leader, or the delegating unit for a child item, withdraws at once.
    Audit: item_cancel_requested or item_cancelled."""

    def apply(item: Item) -> Change:
        why = require_text(reason, codes.REASON_REQUIRED, "reason")
        item.cancel_reason = why
        if item.status == ItemStatus.DRAFT or item.parent_id or lifecycle.leader(item, actor) is None:
            _withdraw_children(item, actor, why)
            return Change(outcome="withdrawn", fields=["cancel_reason"], comment=why)
        item.cancel_requested_by = actor
        return Change(
            outcome="requested",
            fields=["cancel_requested_by", "cancel_reason"],
            new={"status": item.status},
            comment=why,
        )

    return LIFECYCLE.run("cancel", subject_id=item_id, actor=actor, apply=apply)


def item_cancel_approve(*, item_id: int, actor: User, comment: str = "") -> Item:
    """The leader approves the office's withdrawal request: → cancelled, with its open child items.
    Audit: item_cancelled."""

    def apply(item: Item) -> Change:
        why = item.cancel_reason + (f"\n{comment}" if comment else "")
        item.cancel_reason = why
        _withdraw_children(item, actor, why)
        return Change(fields=["cancel_reason"], comment=why)

    return LIFECYCLE.run("cancel_approve", subject_id=item_id, actor=actor, apply=apply)


def item_cancel_refuse(*, item_id: int, actor: User, reason: str) -> Item:
    """The leader refuses the withdrawal request; the item goes on. Audit: item_cancel_refused."""

    def apply(item: Item) -> Change:
        why = require_text(reason, codes.REASON_REQUIRED, "reason")
        item.cancel_requested_by = None
        return Change(fields=["cancel_requested_by"], comment=why)

    return LIFECYCLE.run("cancel_refuse", subject_id=item_id, actor=actor, apply=apply)
