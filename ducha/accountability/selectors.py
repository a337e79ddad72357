"""Reads of the results within the reader's scope: the office and the leaders of a government see its proposals,
sanctions, referrals, bulletins and commendations; a unit sees its own sanctions and the bulletins issued to it
(a named person their own sanctions); the public, only what was published."""

from __future__ import annotations

from typing import Any

from django.db.models import Q, QuerySet

from ducha.accountability.models import (
    Bulletin,
    BulletinStatus,
    Commendation,
    Proposal,
    RecordedFact,
    Referral,
    Sanction,
)
from ducha.orgs.models import Role, User


def is_manager(actor: User) -> bool:
    return (
        actor.unit is not None
        and actor.unit.government_id is not None
        and actor.has_role(Role.OFFICE, Role.LEADER)
    )


def _government_id(actor: User) -> int:
    return actor.unit.government_id if actor.unit is not None and actor.unit.government_id else 0


def proposals_for(actor: User, **filters: Any) -> QuerySet[Proposal]:
    """The government's proposals (office and leaders only), newest first; keyset paging on id."""
    if not is_manager(actor):
        return Proposal.objects.none()
    return (
        Proposal.objects.filter(government_id=_government_id(actor), **filters)
        .select_related("unit")
        .order_by("-id")
    )


def sanctions_for(actor: User, **filters: Any) -> QuerySet[Sanction]:
    rows = Sanction.objects.select_related("unit", "proposal").order_by("-id")
    if is_manager(actor):
        return rows.filter(government_id=_government_id(actor), **filters)
    if actor.unit_id is None:
        return Sanction.objects.none()
    own = (
        Q(unit_id=actor.unit_id, person="")
        if not actor.has_role(Role.UNIT_HEAD, Role.LIAISON)
        else Q(unit_id=actor.unit_id)
    )
    named = Q(unit_id=actor.unit_id, person=actor.full_name) if actor.full_name else Q(pk__in=[])
    return rows.filter(own | named).exclude(status="pending_approval").filter(**filters)


def sanction_for(actor: User, sanction_id: int) -> Sanction:
    from ducha.common.errors import NotFound

    sanction = sanctions_for(actor).filter(pk=sanction_id).first()
    if sanction is None:
        raise NotFound()
    return sanction


def referrals_for(actor: User) -> QuerySet[Referral]:
    if not is_manager(actor):
        return Referral.objects.none()
    return Referral.objects.filter(sanction__government_id=_government_id(actor)).select_related(
        "sanction__unit"
    )


def bulletins_for(actor: User, **filters: Any) -> QuerySet[Bulletin]:
    rows = Bulletin.objects.order_by("-id")
    if is_manager(actor):
        return rows.filter(government_id=_government_id(actor), **filters)
    # A unit sees the bulletins issued by its government (they are circulated to every unit), and a township the
    # bulletins of the county that name it (a township is a government of its own).
    named = Q(units__unit_id=actor.unit_id) if actor.unit_id is not None else Q(pk__in=[])
    # The caller's filters apply on top (a `status` among them must not clash with the issued-only rule: 500).
    return (
        rows.filter(Q(government_id=_government_id(actor)) | named, status=BulletinStatus.ISSUED)
        .filter(**filters)
        .distinct()
    )


def published_bulletins() -> QuerySet[Bulletin]:
    """What the public may see; a bulletin never names a secret item (drafts leave them out)."""
    return Bulletin.objects.filter(status=BulletinStatus.ISSUED, published=True).order_by("-issued_at")


def commendations_for(actor: User, **filters: Any) -> QuerySet[Commendation]:
    rows = Commendation.objects.select_related("unit", "vetoing_sanction").order_by("-id")
    if is_manager(actor):
        return rows.filter(government_id=_government_id(actor), **filters)
    return rows.filter(proposed_by=actor, **filters)


def facts_for(actor: User) -> QuerySet[RecordedFact]:
    if not is_manager(actor):
        return RecordedFact.objects.none()
    return RecordedFact.objects.filter(government_id=_government_id(actor)).select_related("unit")
