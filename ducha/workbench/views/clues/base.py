"""What the clue pages share: who may see them (the office, the leaders and the keeper of identities of a
government; 403 for a unit, 404 for a case of another government), the units a form offers, the suggested units
named in one query, and refusals shown at their form (ducha.workbench.views.evaluation.base)."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django.core.exceptions import PermissionDenied
from django.http import Http404

from ducha.clues import selectors
from ducha.clues.models import Case
from ducha.orgs.models import Role, Unit, User
from ducha.workbench.views.accountability.base import units_of
from ducha.workbench.views.evaluation.base import (
    checked_id,
    government_or_404,
    refusal_of,
    render_refused,
    user_of,
)

__all__ = [
    "case_or_404",
    "checked_id",
    "office_or_403",
    "refusal_of",
    "render_refused",
    "unit_names",
    "units_of",
    "user_of",
    "viewer_or_403",
]

PAGE = 50


def viewer_or_403(user: User) -> Unit:
    """The user's government, for its office, leaders and keeper of identities; 403 for everyone else."""
    government = government_or_404(user)
    if not selectors.may_view(user):
        raise PermissionDenied
    return government


def office_or_403(user: User) -> Unit:
    government = viewer_or_403(user)
    if not user.has_role(Role.OFFICE):
        raise PermissionDenied
    return government


def case_or_404(government: Unit, case_id: int) -> Case:
    case = selectors.cases_for(government).filter(pk=checked_id(case_id)).first()
    if case is None:
        raise Http404
    return case


def unit_names(unit_ids: Iterable[int]) -> dict[int, str]:
    """The short names of the units, in one query."""
    wanted = {unit_id for unit_id in unit_ids if isinstance(unit_id, int)}
    if not wanted:
        return {}
    return {
        pk: short or name
        for pk, short, name in Unit.objects.filter(pk__in=wanted).values_list("pk", "short_name", "name")
    }


def named_suggestions(suggested: Any, names: dict[int, str]) -> list[dict[str, Any]]:
    """A clue's suggested units ([{unit_id, score}]) with their names and the confidence in percent."""
    rows = []
    for entry in suggested or []:
        if not isinstance(entry, dict) or entry.get("unit_id") not in names:
            continue
        score = float(entry.get("score") or 0)
        rows.append(
            {"unit_id": entry["unit_id"], "name": names[entry["unit_id"]], "percent": round(score * 100)}
        )
    return rows
