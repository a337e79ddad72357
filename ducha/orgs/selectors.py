"""Reads over the unit tree."""

from __future__ import annotations

from django.db.models import Q, QuerySet

from ducha.orgs.models import LEVEL_RANK, Unit, UnitLevel


def delegation_targets(own: Unit, government: Unit) -> QuerySet[Unit]:
    """Units `own` may pass an item of `government` on to (转办): inside its own subtree, or of a lower level
    within the item's government. The one rule behind the delegate guard, the service and the form's picker."""
    lower_levels = [level for level, rank in LEVEL_RANK.items() if rank > LEVEL_RANK[UnitLevel(own.level)]]
    return (
        Unit.objects.filter(is_active=True)
        .filter(Q(path__startswith=own.path) | Q(level__in=lower_levels, path__startswith=government.path))
        .exclude(pk=own.pk)
    )
