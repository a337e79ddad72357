"""Disagreements between the lead unit and its co-units: the lead escalates, the office coordinates, the
responsible leader rules (裁定)."""

from __future__ import annotations

from ducha.common import error_codes as codes
from ducha.common.inputs import require_text
from ducha.common.lifecycle import Change
from ducha.items import lifecycle
from ducha.items.models import Dispute, DisputeStatus, Item
from ducha.items.services.base import LIFECYCLE
from ducha.orgs.models import User


def item_dispute_escalate(*, item_id: int, actor: User, description: str) -> Dispute:
    """The lead unit escalates a disagreement with co-units to the office. Audit: item_dispute_escalated."""

    def apply(item: Item) -> Change:
        text = require_text(description, codes.TEXT_REQUIRED, "description")
        dispute = Dispute.objects.create(item=item, raised_by=actor, description=text)
        return Change(new={"dispute": dispute.pk}, comment=text, result=dispute)

    return LIFECYCLE.run("dispute_escalate", subject_id=item_id, actor=actor, apply=apply)


def item_dispute_coordinate(*, item_id: int, actor: User, coordination: str) -> Dispute:
    """The office records its coordination. Audit: item_dispute_coordinated."""

    def apply(item: Item) -> Change:
        text = require_text(coordination, codes.TEXT_REQUIRED, "coordination")
        dispute = lifecycle.unresolved_dispute(item)
        dispute.status = DisputeStatus.COORDINATED
        dispute.coordination = text
        dispute.coordinated_by = actor
        dispute.save(update_fields=["status", "coordination", "coordinated_by", "updated_at"])
        return Change(new={"dispute": dispute.pk}, comment=text, result=dispute)

    return LIFECYCLE.run("dispute_coordinate", subject_id=item_id, actor=actor, apply=apply)


def item_dispute_rule(*, item_id: int, actor: User, ruling: str) -> Dispute:
    """The responsible leader rules (裁定). Audit: item_dispute_ruled."""

    def apply(item: Item) -> Change:
        text = require_text(ruling, codes.TEXT_REQUIRED, "ruling")
        dispute = lifecycle.unresolved_dispute(item)
        dispute.status = DisputeStatus.RULED
        dispute.ruling = text
        dispute.ruled_by = actor
        dispute.save(update_fields=["status", "ruling", "ruled_by", "updated_at"])
        return Change(new={"dispute": dispute.pk}, comment=text, result=dispute)

    return LIFECYCLE.run("dispute_rule", subject_id=item_id, actor=actor, apply=apply)
