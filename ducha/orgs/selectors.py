"""Reads over the unit tree."""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.db.models import Q, QuerySet

from ducha.common import error_codes as codes
from ducha.common.errors import NotPermitted
from ducha.orgs.models import LEVEL_RANK, ApiToken, Unit, UnitKind, UnitLevel

if TYPE_CHECKING:
    from ducha.orgs.models import User


def government_of(actor: User) -> Unit:
    """The government the actor works for (the unit's own government), or 403 when they have none."""
    if actor.unit is None or actor.unit.government_id is None:
        raise NotPermitted(codes.NO_GOVERNMENT)
    government = actor.unit.government
    assert government is not None
    return government


def delegation_targets(own: Unit, government: Unit) -> QuerySet[Unit]:
    """Units `own` may pass an item of `government` on to (转办): inside its own subtree, or of a lower level
    within the item's government. A government (its office acting for it, on an upper level's item) passes it on
    inside its own subtree only: the other counties' townships are not its to task. The one rule behind the
    delegate guard, the service and the form's picker."""
    if own.kind == UnitKind.GOVERNMENT:
        return Unit.objects.filter(is_active=True, path__startswith=own.path).exclude(pk=own.pk)
    lower_levels = [level for level, rank in LEVEL_RANK.items() if rank > LEVEL_RANK[UnitLevel(own.level)]]
    return (
        Unit.objects.filter(is_active=True)
        .filter(Q(path__startswith=own.path) | Q(level__in=lower_levels, path__startswith=government.path))
        .exclude(pk=own.pk)
    )


def tokens_of(user: User) -> QuerySet[ApiToken]:
    """`user`'s API tokens, newest first, live and revoked (the digest is never shown)."""
    return ApiToken.objects.filter(user=user).order_by("-created_at", "-id")
