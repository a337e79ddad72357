"""Many units fire the same rule in the same period: each gets its own proposal (the unit is in the key, since
(government, rule, key) is unique and a second run proposes nothing new)."""

from __future__ import annotations

import datetime as dt

import pytest

from ducha.accountability.models import Tier
from tests.accountability.helpers import D, assigned, proposed, report_done, run, scores, sign, sweep

pytestmark = pytest.mark.django_db


def _late_to_sign(world, day: dt.date, code: str, title: str) -> None:
    """Assigned at 9:00 on `day`, not signed for: the next morning's sweep writes the not-signed reminders."""
    assigned(
        world, (day.year, day.month, day.day, 9), code=code, due=day + dt.timedelta(days=30), title=title
    )
    after = day + dt.timedelta(days=1)
    sweep(after.year, after.month, after.day, 9)


def test_two_units_late_twice_in_the_same_quarter_are_both_proposed(world):
    for n, day in enumerate([D(2026, 3, 2), D(2026, 3, 9)]):
        _late_to_sign(world, day, "fgw", f"发改局迟签{n}")
        _late_to_sign(world, day, "jyj", f"教育局迟签{n}")

    assert run(world, D(2026, 3, 20)) >= 2
    fgw, jyj = world.departments["fgw"].pk, world.departments["jyj"].pk

    late = proposed(world, "late_twice")
    assert {(p.unit_id, p.key, p.tier) for p in late} == {
        (fgw, f"unit:{fgw}:2026Q1", Tier.WRITTEN_EXAMINATION),
        (jyj, f"unit:{jyj}:2026Q1", Tier.WRITTEN_EXAMINATION),
    }
    assert all(len(p.facts) == 2 for p in late)
    # Idempotent all the same.
    assert run(world, D(2026, 3, 20)) == 0


def test_the_last_department_and_the_last_township_of_a_quarter_are_both_proposed(world):
    """发改局 and 城关镇 each sign four days late in Q1: last of the departments and last of the townships."""
    for code in ("fgw", "cgz"):
        item = assigned(world, (2026, 3, 2, 9), code=code, title=f"{code}一季度迟签", due=D(2026, 3, 31))
        sign(world, item, (2026, 3, 6, 9), code=code)
        report_done(world, item, (2026, 3, 20, 10), code=code)
    scores(world, 2026, 1, (2026, 4, 10))

    run(world, D(2026, 4, 10))

    fgw, cgz = world.departments["fgw"].pk, world.townships["cgz"].pk
    assert {(p.unit_id, p.key) for p in proposed(world, "last_in_county")} == {
        (fgw, f"unit:{fgw}:2026Q1"),
        (cgz, f"unit:{cgz}:2026Q1"),
    }
