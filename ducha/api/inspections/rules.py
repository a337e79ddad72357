"""The office's overviews against its rules: the burden an inspection puts on each unit (基层负担, flagged over the
caps) and the share of clue checks and unannounced visits (the two-thirds rule)."""

from __future__ import annotations

from django.http import HttpRequest
from django.utils import timezone
from ninja import Router

from ducha.api.base import ERRORS, actor
from ducha.api.inspections.scope import office_or_leader
from ducha.api.schemas import BurdenOut, MixOut, Year
from ducha.api.shapes import unit_ref
from ducha.inspections import selectors

router = Router(tags=["inspections"])


@router.get("/inspections/burden", response={200: BurdenOut, **ERRORS}, summary="基层督查负担")
def inspection_burden(request: HttpRequest, period: str = "") -> dict:
    """Per unit of the caller's government: inspections received, reports and forms demanded, people-days hosted
    in a period ("2026", "2026-Q1", "2026-03"; default the current period of the cap), flagged over the caps."""
    government = office_or_leader(request)
    rules = selectors.rules_for(government)
    result = selectors.burden(
        government,
        selectors.parse_period(period or selectors.current_period(rules.burden_period)),
        viewer=actor(request),
    )
    return {
        "period": result.period.text,
        "start": result.period.start,
        "end": result.period.end,
        "caps": {key: float(value) if value is not None else None for key, value in result.caps.items()},
        "rows": [
            {
                "unit": unit_ref(row.unit),
                "inspections": row.inspections,
                "forms": row.forms,
                "people_days": row.people_days,
                "over": row.over,
            }
            for row in result.rows
        ],
    }


@router.get("/inspections/mix", response={200: MixOut, **ERRORS}, summary="线索核查与暗访占比（三分之二）")
def inspection_mix(request: HttpRequest, year: Year | None = None) -> dict:
    government = office_or_leader(request)
    mix = selectors.office_mix(government, year or timezone.localdate().year, viewer=actor(request))
    return {
        "year": mix.year,
        "people": mix.people,
        "people_on_rule_kinds": mix.people_on_rule_kinds,
        "people_share": mix.people_share,
        "days": mix.days,
        "days_on_rule_kinds": mix.days_on_rule_kinds,
        "days_share": mix.days_share,
        "meets_rule": mix.meets_rule,
        "by_kind": mix.by_kind,
    }
