"""Given the demo county with its items, when the scores of the current quarter are computed, then every unit's
figures are the facts behind them: per indicator, as many counted (and as many bad) as the facts list."""

from __future__ import annotations

import pytest
from django.utils import timezone

from ducha.devtools.demo.items import demo_items_create
from ducha.evaluation.indicators import INDICATORS, Window, unit_facts
from ducha.evaluation.models import Score
from ducha.evaluation.periods import Period
from ducha.evaluation.scoring import run_recomputed, scores_compute

pytestmark = pytest.mark.django_db

# Indicators whose facts are the occurrences that went wrong (out of the items the unit was working on).
ONLY_WHAT_WENT_WRONG = {"progress", "extensions"}


def test_every_units_figures_are_its_facts_on_the_demo_county(world):
    assert demo_items_create(world, count=60) >= 60
    today = timezone.localdate()
    period = Period(today.year, (today.month - 1) // 3 + 1)
    [run] = scores_compute([world.county.pk], period)
    scores = list(Score.objects.filter(run=run))
    assert len(scores) == len(world.departments) + len(world.townships)
    window = Window(period.start, period.end, run.cutoff)
    counted = 0
    for score in scores:
        found = unit_facts(score.unit_id, window)
        for indicator in INDICATORS:
            component, facts = score.components[indicator.code], found[indicator.code]
            assert component["bad"] == sum(fact.bad for fact in facts), (score.unit_id, indicator.code)
            if indicator.code not in ONLY_WHAT_WENT_WRONG:
                assert component["total"] == len(facts), (score.unit_id, indicator.code)
            counted += component["total"]
    assert counted > len(scores)  # more than the liaison, one per unit: the items counted
    assert run_recomputed(run)[0] == run.digest
