"""The results feed the evaluation (seed 004 §4(四)): a sanction in force in a quarter deducts from the unit's
score of that quarter, shown in its components; one waiting for approval does not; a cleared commendation adds
2 points, 5 at most; a sanction that takes effect after a period's cutoff leaves its frozen run as it was."""

from __future__ import annotations

from decimal import Decimal

import pytest

from ducha.accountability import services as accountability
from ducha.accountability.models import Tier
from ducha.evaluation import scoring
from ducha.evaluation.indicators import DEFAULT_WEIGHTS
from ducha.evaluation.models import Score, ScoreRun
from ducha.evaluation.periods import Period
from tests.accountability.helpers import D, assigned, at, report_done, sanction_in_force, scores, sign, unit
from tests.clock import moment

pytestmark = pytest.mark.django_db


def _score(world, run: ScoreRun, code: str = "fgw") -> Score:
    return Score.objects.get(run=run, unit=unit(world, code))


def _signed_late_in_q2(world) -> None:
    """发改局 signs four days late in Q2 (its report on time): short of 100 by the sign-for weight."""
    item = assigned(world, (2026, 5, 11, 9), title="二季度迟签", due=D(2026, 6, 12))
    sign(world, item, (2026, 5, 15, 9))
    report_done(world, item, (2026, 6, 1, 10))


def test_a_criticism_in_force_in_q2_deducts_5_points_with_the_adjustment_in_the_components(world):
    sanction = sanction_in_force(world, Tier.CRITICISM, (2026, 5, 12, 10), person="李建国")

    run = scores(world, 2026, 2, (2026, 7, 10))

    fgw = _score(world, run)
    assert fgw.score == Decimal("95.00")
    assert fgw.components["adjustments"] == [
        {
            "code": "sanction",
            "tier": Tier.CRITICISM,
            "points": "-5",
            "facts": [{"sanction": sanction.pk, "on": "2026-05-12", "person": "李建国"}],
        }
    ]
    # Nobody else is touched; 发改局 is now last of the departments.
    assert (fgw.last, _score(world, run, "jyj").score) == (True, Decimal("100.00"))
    assert "adjustments" not in _score(world, run, "jyj").components
    # Not in Q1 nor in Q3.
    assert "adjustments" not in _score(world, scores(world, 2026, 1, (2026, 7, 10))).components
    assert "adjustments" not in _score(world, scores(world, 2026, 3, (2026, 10, 10))).components


@pytest.mark.parametrize(
    ("tier", "points"),
    [
        (Tier.WRITTEN_EXAMINATION, "98.00"),
        (Tier.MEDIA_EXPOSURE, "92.00"),
        (Tier.WARNING_TALK, "90.00"),
        (Tier.ACCOUNTABILITY, "85.00"),
    ],
)
def test_each_tier_deducts_its_points(world, tier, points):
    sanction_in_force(world, tier, (2026, 5, 12, 10))
    assert _score(world, scores(world, 2026, 2, (2026, 7, 10))).score == Decimal(points)


def test_a_sanction_waiting_for_approval_or_refused_deducts_nothing(world):
    with at(2026, 5, 12):
        accountability.sanction_create(
            actor=world.user("office"), unit_id=unit(world, "fgw").pk, tier=Tier.CRITICISM, basis="批评。"
        )
        refused = accountability.sanction_create(
            actor=world.user("office"), unit_id=unit(world, "jyj").pk, tier=Tier.CRITICISM, basis="批评。"
        )
        accountability.sanction_approve(
            actor=world.user("leader"), sanction_id=refused.pk, approve=False, comment="不予批准。"
        )

    run = scores(world, 2026, 2, (2026, 7, 10))

    for code in ("fgw", "jyj"):
        score = _score(world, run, code)
        assert score.score == Decimal("100.00")
        assert "adjustments" not in score.components


def test_a_cleared_commendation_adds_2_points_and_all_of_them_5_at_most(world):
    _signed_late_in_q2(world)
    base = Decimal(100) - DEFAULT_WEIGHTS["sign_for"]
    titles = ["优秀督查联络单位", "重点工作推进先进单位", "民生实事先进单位"]

    def commend(title: str, day: int) -> None:
        with at(2026, 6, day):
            candidate = accountability.commendation_propose(
                actor=world.user("office"), title=title, year=2026, unit_id=unit(world, "fgw").pk
            )
            accountability.commendation_vet(actor=world.user("office"), commendation_id=candidate.pk)

    assert _score(world, scores(world, 2026, 2, (2026, 6, 2))).score == base
    commend(titles[0], 3)
    one = _score(world, scores(world, 2026, 2, (2026, 6, 4)))
    assert one.score == base + 2
    assert [(a["code"], a["points"]) for a in one.components["adjustments"]] == [("commendation", "2")]

    commend(titles[1], 5)
    commend(titles[2], 8)
    three = _score(world, scores(world, 2026, 2, (2026, 7, 10)))
    assert three.score == base + 5
    assert [a["points"] for a in three.components["adjustments"]] == ["2", "2", "1"]
    assert [a["facts"][0]["title"] for a in three.components["adjustments"]] == titles


def test_a_vetoed_commendation_adds_nothing_and_the_sanction_still_deducts(world):
    sanction_in_force(world, Tier.CRITICISM, (2026, 5, 12, 10))
    with at(2026, 6, 3):
        candidate = accountability.commendation_propose(
            actor=world.user("office"), title="重点工作推进先进单位", year=2026, unit_id=unit(world, "fgw").pk
        )
        accountability.commendation_vet(actor=world.user("office"), commendation_id=candidate.pk)

    fgw = _score(world, scores(world, 2026, 2, (2026, 7, 10)))

    assert fgw.score == Decimal("95.00")
    assert [a["code"] for a in fgw.components["adjustments"]] == ["sanction"]


def test_a_sanction_in_force_after_the_cutoff_leaves_the_frozen_period_as_it_was(world):
    """Decided in June, approved by the leader on 15 July: it counts from 15 July — in Q3, not in Q2. The frozen
    runs recompute to their stored digests after later sanctions, even one in the next year."""
    county = world.county.pk
    _signed_late_in_q2(world)
    with at(2026, 6, 20):
        pending = accountability.sanction_create(
            actor=world.user("office"), unit_id=unit(world, "fgw").pk, tier=Tier.CRITICISM, basis="批评。"
        )
    q2 = scores(world, 2026, 2, (2026, 7, 10))
    stored = (q2.digest, _score(world, q2).score)
    with at(2026, 7, 15):
        accountability.sanction_approve(actor=world.user("leader"), sanction_id=pending.pk, approve=True)

    assert scoring.run_recomputed(q2)[0] == q2.digest
    with at(2027, 1, 4):
        scoring.year_freeze(county, 2026, now=moment(2027, 1, 4, 10))
    q2.refresh_from_db()
    assert (q2.frozen, q2.digest, _score(world, q2).score) == (True, *stored)
    q3 = ScoreRun.objects.get(government_id=county, year=2026, quarter=3)
    assert _score(world, q3).score == Decimal("95.00")

    sanction_in_force(world, Tier.WARNING_TALK, (2027, 1, 6, 10))
    for run in ScoreRun.objects.filter(government_id=county, year=2026):
        assert scoring.run_recomputed(run)[0] == run.digest
    # Computing a frozen period again changes nothing either.
    with at(2027, 1, 7):
        [again] = scoring.scores_compute([county], Period(2026, 2))
    assert (again.pk, again.digest, _score(world, again).score) == (q2.pk, *stored)
