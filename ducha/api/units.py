from __future__ import annotations

from django.http import HttpRequest
from ninja import Router

from ducha.api.base import ERRORS, actor
from ducha.api.schemas import Id, MeOut, UnitPage
from ducha.orgs.models import Unit

router = Router(tags=["units"])


@router.get("/units/", response={200: UnitPage, **ERRORS}, summary="单位列表")
def unit_list(
    request: HttpRequest, parent: Id | None = None, cursor: Id | None = None, limit: int = 500
) -> dict:
    """Active units, by id (keyset: pass `next_cursor` back as `cursor`); `parent` narrows to one unit's children."""
    limit = max(1, min(limit, 1000))
    queryset = Unit.objects.filter(is_active=True).order_by("id")
    if parent is not None:
        queryset = queryset.filter(parent_id=parent)
    if cursor is not None:
        queryset = queryset.filter(id__gt=cursor)
    rows = list(queryset.values("id", "name", "level", "kind", "parent_id")[: limit + 1])
    units = [
        {
            "id": row["id"],
            "name": row["name"],
            "level": row["level"],
            "kind": row["kind"],
            "parent": row["parent_id"],
        }
        for row in rows[:limit]
    ]
    return {"units": units, "next_cursor": rows[limit - 1]["id"] if len(rows) > limit else None}


@router.get("/me", response={200: MeOut, **ERRORS}, summary="当前用户")
def me(request: HttpRequest) -> dict:
    user = actor(request)
    unit = user.unit
    government = unit.government if unit else None
    return {
        "id": user.pk,
        "username": user.username,
        "name": user.display_name,
        "unit": {"id": unit.pk, "name": unit.name} if unit else None,
        "government": {"id": government.pk, "name": government.name} if government else None,
        "roles": sorted(user.roles),
    }
