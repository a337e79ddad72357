"""What the accountability pages share: who may see which page (the office and the leaders of a government see
its proposals, facts and settings; every user of a government its own sanctions and the bulletins issued), the
units a form offers, the facts of a proposal or sanction written out readably, and refusals shown at their form."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import PermissionDenied
from django.db.models import Q, QuerySet
from django.utils.translation import gettext as _

from ducha.accountability import selectors
from ducha.accountability.models import FactKind, Tier
from ducha.evaluation.models import ScoreGroup
from ducha.items.models import Item
from ducha.orgs.models import Role, Unit, UnitKind, User
from ducha.workbench.views.evaluation.base import (
    checked_id,
    government_or_404,
    refusal_of,
    render_refused,
    user_of,
)

__all__ = [
    "checked_id",
    "facts_display",
    "government_or_404",
    "manager_or_403",
    "office_or_403",
    "refusal_of",
    "render_refused",
    "units_of",
    "user_of",
]


def manager_or_403(user: User) -> Unit:
    """The user's government, for its office and leaders; 403 for everyone else."""
    government = government_or_404(user)
    if not selectors.is_manager(user):
        raise PermissionDenied
    return government


def office_or_403(user: User) -> Unit:
    government = manager_or_403(user)
    if not user.has_role(Role.OFFICE):
        raise PermissionDenied
    return government


def units_of(government_id: int) -> QuerySet[Unit]:
    """The units a sanction, a bulletin or a commendation may name: the government's departments and the
    governments below it (townships)."""
    return (
        Unit.objects.filter(is_active=True)
        .filter(
            Q(government_id=government_id, kind=UnitKind.DEPARTMENT)
            | Q(parent_id=government_id, kind=UnitKind.GOVERNMENT)
        )
        .exclude(pk=government_id)
        .order_by("kind", "sort_order", "id")
    )


def _day(value: Any) -> str:
    return str(value)[:10] if value else ""


def _parts(fact: dict[str, Any]) -> list[str]:
    """The fact's figures in words (each rule stores its own keys: see accountability/triggers.py)."""
    parts: list[str] = []
    if "due" in fact:
        parts.append(_("due %(day)s") % {"day": _day(fact["due"])})
    if "reported" in fact:
        parts.append(
            _("reported %(day)s") % {"day": _day(fact["reported"])} if fact["reported"] else _("not reported")
        )
    if "returns" in fact:
        parts.append(_("returned as unsatisfactory %(count)s times") % {"count": fact["returns"]})
    if "late_on" in fact:
        parts.append(_("late on %(day)s") % {"day": _day(fact["late_on"])})
    if "reminders" in fact:
        parts.append(_("reminded or chased %(count)s times") % {"count": fact["reminders"]})
    if "quarter" in fact and "rank" in fact:
        groups = dict(ScoreGroup.choices)
        parts.append(
            _("%(year)s quarter %(quarter)s: score %(score)s, rank %(rank)s among %(group)s")
            % {
                "year": fact.get("year", ""),
                "quarter": fact["quarter"],
                "score": fact.get("score", ""),
                "rank": fact["rank"],
                "group": groups.get(fact.get("group", ""), fact.get("group", "")),
            }
        )
    if "kind" in fact:
        kinds = dict(FactKind.choices)
        parts.append(str(kinds.get(fact["kind"], fact["kind"])))
    if fact.get("on"):
        parts.append(_day(fact["on"]))
    if fact.get("description"):
        parts.append(str(fact["description"]))
    if fact.get("listed_by"):
        parts.append(_("listed by %(who)s") % {"who": fact["listed_by"]})
    if "sanction" in fact:
        tiers = dict(Tier.choices)
        parts.append(
            _("the follow-up of the %(tier)s found no clear improvement: %(note)s")
            % {
                "tier": tiers.get(fact.get("tier", ""), fact.get("tier", "")),
                "note": fact.get("follow_up", ""),
            }
        )
    return parts


def facts_display(fact_lists: list[list[Any]]) -> list[list[dict[str, Any]]]:
    """Each list of stored facts as rows to show: the item (number and title, linked), the sanction a failed
    follow-up refers to, and the figures in words. One query for every item named."""
    item_ids: set[int] = {
        fact["item"]
        for facts in fact_lists
        for fact in facts or []
        if isinstance(fact, dict) and isinstance(fact.get("item"), int)
    }
    items = {item.pk: item for item in Item.objects.filter(pk__in=item_ids).only("id", "number", "title")}
    shown: list[list[dict[str, Any]]] = []
    for facts in fact_lists:
        rows: list[dict[str, Any]] = []
        for fact in facts or []:
            if not isinstance(fact, dict):
                rows.append({"item": None, "item_label": "", "sanction": None, "parts": [str(fact)]})
                continue
            item = items.get(fact.get("item"))  # type: ignore[arg-type]
            label = ""
            if item is not None:
                label = f"{fact.get('number') or item.number} {fact.get('title') or item.title}".strip()
            rows.append(
                {
                    "item": item.pk if item is not None else None,
                    "item_label": label,
                    "sanction": fact.get("sanction") if isinstance(fact.get("sanction"), int) else None,
                    "parts": _parts(fact),
                }
            )
        shown.append(rows)
    return shown
