"""What the ledger's filter form shows: the years, the statuses and other choices, and the units. A province has
thousands of units: the page shows only the chosen unit, and the selects load the whole list from their own URL
(unit_options, cached per government and sent as one string)."""

from __future__ import annotations

import datetime
import html
from collections.abc import Sequence
from dataclasses import dataclass
from typing import NamedTuple

from django.core.cache import cache
from django.db.models import Count, Max
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext_lazy

from ducha.items.lifecycle import ItemStatus
from ducha.items.models import Light, SourceType, Urgency
from ducha.orgs.models import Unit, User
from ducha.workbench.ledger.filters import (
    COMPLETION_LATE,
    COMPLETION_ON_TIME,
    LIGHTS,
    NO_LIGHT,
    SORT_LABELS,
    LedgerFilter,
)

COMPLETION_LABELS = {
    COMPLETION_ON_TIME: gettext_lazy("Completed on time"),
    COMPLETION_LATE: gettext_lazy("Completed late"),
}


class UnitChoice(NamedTuple):
    pk: int
    name: str


def unit_choices(user: User) -> list[UnitChoice]:
    """Units of the user's government (and those below it), for the lead / co-unit filters: one query, plain
    tuples (a province has thousands of units; model instances would cost a hundred milliseconds)."""
    government = user.unit.government if user.unit is not None else None
    if government is None:
        return []
    rows = (
        Unit.objects.filter(path__startswith=government.path, is_active=True)
        .order_by("path")
        .values_list("id", "name")
    )
    return [UnitChoice(pk, name) for pk, name in rows]


def unit_options_html(units: Sequence[UnitChoice]) -> SafeString:
    """The <option>s of a unit filter, none selected (UnitOptions.render selects one). A province's list has
    thousands of units: joined as strings here (names escaped with the standard library's html.escape), this
    costs a few milliseconds where a template loop over them cost a hundred."""
    return mark_safe(
        "".join(f'<option value="{unit.pk}">{html.escape(unit.name)}</option>' for unit in units)
    )


UNIT_OPTIONS_CACHE_SECONDS = 3600


@dataclass(frozen=True)
class UnitOptions:
    """The <option>s of the unit filters, none selected (a province's run to a few hundred kilobytes), and the
    version of the units they were built from (for the ETag of the options' own URL)."""

    html: str
    version: str = ""

    def render(self, selected_id: int | None) -> SafeString:
        """The options with `selected_id` selected (the options are safe HTML built by unit_options_html)."""
        if selected_id is None:
            return mark_safe(self.html)
        plain = f'<option value="{selected_id}">'
        return mark_safe(self.html.replace(plain, f'<option value="{selected_id}" selected>', 1))


def unit_options(user: User) -> UnitOptions:
    """The unit filters' options for `user` (the units of unit_choices), built once per government and kept in
    the cache: a province has thousands of units, and fetching and escaping them cost more than the rest of the
    ledger page. The cache key carries the number of the government's units and their latest change, one cheap
    aggregate, so a unit added, renamed, moved or deactivated shows at once."""
    government = user.unit.government if user.unit is not None else None
    if government is None:
        return UnitOptions("")
    version = Unit.objects.filter(path__startswith=government.path).aggregate(
        count=Count("id"), latest=Max("updated_at")
    )
    latest = version["latest"].isoformat() if version["latest"] is not None else ""
    key = f"ducha:ledger:unit-options:v1:{government.pk}:{government.path}:{version['count']}:{latest}"
    cached = cache.get(key)
    if isinstance(cached, str):
        return UnitOptions(cached, key)
    options = str(unit_options_html(unit_choices(user)))
    cache.set(key, options, UNIT_OPTIONS_CACHE_SECONDS)
    return UnitOptions(options, key)


def selected_unit(user: User, unit_id: int | None) -> UnitChoice | None:
    """The unit a unit filter names, when it is one of the filter's options (see unit_choices): the page shows
    it as the selected option before the whole list arrives."""
    government = user.unit.government if user.unit is not None else None
    if unit_id is None or government is None:
        return None
    row = (
        Unit.objects.filter(pk=unit_id, path__startswith=government.path, is_active=True)
        .values_list("id", "name")
        .first()
    )
    return UnitChoice(*row) if row is not None else None


def selected_units(user: User, unit_ids: Sequence[int | None]) -> dict[int, UnitChoice]:
    """The units the unit filters name, by id, when they are among the filters' options (see selected_unit):
    one query for all of them."""
    government = user.unit.government if user.unit is not None else None
    wanted = {unit_id for unit_id in unit_ids if unit_id is not None}
    if not wanted or government is None:
        return {}
    rows = Unit.objects.filter(pk__in=wanted, path__startswith=government.path, is_active=True).values_list(
        "id", "name"
    )
    return {pk: UnitChoice(pk, name) for pk, name in rows}


def year_choices(today: datetime.date, spec: LedgerFilter) -> list[int]:
    years = set(range(today.year - 5, today.year + 2))
    if spec.year is not None:
        years.add(spec.year)
    return sorted(years, reverse=True)


@dataclass(frozen=True)
class FilterForm:
    """What the filter form needs to render the current filter. The choices' labels are read only when the
    form's cached fragment is rendered afresh (ledger.html), so they are worked out then, not on every page."""

    spec: LedgerFilter
    lead_unit: UnitChoice | None
    co_unit: UnitChoice | None
    years: Sequence[int]
    # The drill-down filters of the dashboard's links: the unit (or a unit inside it) assigned, and the lead unit
    # with the units inside it.
    within_unit: UnitChoice | None = None
    lead_within_unit: UnitChoice | None = None

    @property
    def statuses(self) -> list[tuple[str, str]]:
        return [(value, str(label)) for value, label in ItemStatus.choices]

    @property
    def source_types(self) -> list[tuple[str, str]]:
        return [(value, str(label)) for value, label in SourceType.choices]

    @property
    def urgencies(self) -> list[tuple[str, str]]:
        return [(value, str(label)) for value, label in Urgency.choices]

    @property
    def lights(self) -> list[tuple[str, str]]:
        """The lights, then "no light" (light=none: not running, or without a deadline)."""
        return [(value, str(Light(value).label)) for value in LIGHTS] + [(NO_LIGHT, str(Light.NONE.label))]

    @property
    def completions(self) -> list[tuple[str, str]]:
        return [(value, str(label)) for value, label in COMPLETION_LABELS.items()]

    @property
    def sorts(self) -> list[tuple[str, str]]:
        return [(value, str(label)) for value, label in SORT_LABELS.items()]


def filter_form(user: User, spec: LedgerFilter, today: datetime.date) -> FilterForm:
    """The form of `spec`; the units it names are read in one query (none when it names none)."""
    units = selected_units(
        user, [spec.lead_unit_id, spec.co_unit_id, spec.within_unit_id, spec.lead_within_unit_id]
    )

    def chosen(unit_id: int | None) -> UnitChoice | None:
        return units.get(unit_id) if unit_id is not None else None

    return FilterForm(
        spec=spec,
        lead_unit=chosen(spec.lead_unit_id),
        co_unit=chosen(spec.co_unit_id),
        years=year_choices(today, spec),
        within_unit=chosen(spec.within_unit_id),
        lead_within_unit=chosen(spec.lead_within_unit_id),
    )
