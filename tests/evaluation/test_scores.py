"""Scores: the weights and their refusals, the ranking among comparable units (competition ranks, last place, last
twice in a row), that a unit's figures add up to its facts, that a frozen run is not computed again and recomputes
to the same digest, and the periods that do not exist."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from ducha.audit.models import Event, EventType
from ducha.common import error_codes as codes
from ducha.common.errors import NotPermitted, ValidationFailed
from ducha.evaluation import scoring
from ducha.evaluation.indicators import DEFAULT_WEIGHTS, INDICATORS, Window, unit_facts
from ducha.evaluation.models import Scheme, Score, ScoreGroup, ScoreRun
from ducha.evaluation.periods import Period, period_of
from ducha.evaluation.scoring import Row, run_recomputed, scheme_set, scores_compute, year_freeze
from tests.clock import moment
from tests.evaluation.helpers import assigned_item, at, report_done, review, sign

pytestmark = pytest.mark.django_db

Q1 = Period(2026, 1)


def _weights(**changes: int) -> dict[str, int]:
    return {**DEFAULT_WEIGHTS, **changes}


# --- weights ----------------------------------------------------------------------------------------------------


class TestWeights:
    def test_the_office_sets_weights_adding_up_to_100_with_an_audit_event(self, world):
        county = world.county.pk
        weights = _weights(sign_for=20, completion=10)
        scheme = scheme_set(actor=world.user("office"), government_id=county, weights=weights)
        assert Scheme.objects.get(government_id=county).weights == weights
        assert scoring.weights_for(county) == weights
        event = Event.objects.get(event_type=EventType.EVALUATION_SCHEME_SET, subject_id=scheme.pk)
        assert event.actor_id == world.user("office").pk

    @pytest.mark.parametrize(
        ("weights", "code"),
        [
            (_weights(sign_for=11), codes.EVALUATION_WEIGHTS_SUM),  # 101
            ({"sign_for": 50, "completion": 40}, codes.EVALUATION_WEIGHTS_SUM),  # 90: the rest count as 0
            ({**DEFAULT_WEIGHTS, "popularity": 0}, codes.EVALUATION_WEIGHTS_INVALID),
            (_weights(sign_for=-10, completion=40), codes.EVALUATION_WEIGHTS_INVALID),
            (_weights(sign_for="ten"), codes.EVALUATION_WEIGHTS_INVALID),
            (_weights(sign_for=True), codes.EVALUATION_WEIGHTS_INVALID),
            ([10, 90], codes.EVALUATION_WEIGHTS_INVALID),
        ],
    )
    def test_refused_weights_save_nothing(self, world, weights, code):
        county = world.county.pk
        with pytest.raises(ValidationFailed) as refused:
            scheme_set(actor=world.user("office"), government_id=county, weights=weights)
        assert refused.value.code == code
        assert refused.value.message
        assert not Scheme.objects.filter(government_id=county).exists()
        assert not Event.objects.filter(event_type=EventType.EVALUATION_SCHEME_SET).exists()

    def test_refused_weights_leave_the_previous_scheme_as_it_was(self, world):
        county = world.county.pk
        scheme_set(
            actor=world.user("office"), government_id=county, weights=_weights(sign_for=20, completion=10)
        )
        with pytest.raises(ValidationFailed):
            scheme_set(actor=world.user("office"), government_id=county, weights=_weights(sign_for=90))
        assert Scheme.objects.get(government_id=county).weights["sign_for"] == 20

    def test_only_the_office_sets_weights(self, world):
        with pytest.raises(NotPermitted):
            scheme_set(actor=world.user("fgw_head"), government_id=world.county.pk, weights=DEFAULT_WEIGHTS)
        assert not Scheme.objects.exists()


# --- ranking ----------------------------------------------------------------------------------------------------


def _rows(*scores: str, group: str = ScoreGroup.DEPARTMENT) -> list[Row]:
    return [
        Row(unit_id=n + 1, group=group, score=Decimal(score), components={}) for n, score in enumerate(scores)
    ]


class TestRanking:
    def test_competition_ranks_and_last_place(self):
        rows = _rows("90", "80", "80", "70")
        scoring._ranked(rows, set())
        assert [row.rank for row in rows] == [1, 2, 2, 4]
        assert [row.last for row in rows] == [False, False, False, True]

    def test_no_last_place_when_nobody_scored_more(self):
        rows = _rows("100", "100", "100")
        scoring._ranked(rows, set())
        assert [row.rank for row in rows] == [1, 1, 1]
        assert not any(row.last for row in rows)
        alone = _rows("40")
        scoring._ranked(alone, set())
        assert (alone[0].rank, alone[0].last) == (1, False)

    def test_tied_last_places_are_all_last_and_groups_rank_apart(self):
        rows = [*_rows("90", "60", "60"), *_rows("50", "95", group=ScoreGroup.TOWNSHIP)]
        rows[3].unit_id, rows[4].unit_id = 10, 11
        scoring._ranked(rows, {2})
        assert [(row.rank, row.last, row.last_twice) for row in rows] == [
            (1, False, False),
            (2, True, True),
            (2, True, False),
            (2, True, False),
            (1, False, False),
        ]

    def test_last_in_q1_after_last_in_last_years_q4_is_last_twice(self, world):
        """发改局 signs late in Q4 2025 and again in Q1 2026: last both times, and in Q1 last twice in a row; the
        others of the departments have nothing against them."""
        county, fgw = world.county.pk, world.departments["fgw"].pk
        late_2025 = assigned_item(world, (2025, 12, 1, 9), title="去年迟签")
        sign(world, late_2025, (2025, 12, 5, 9))
        late_2026 = assigned_item(world, (2026, 3, 2, 9), title="今年迟签")
        sign(world, late_2026, (2026, 3, 6, 9))
        with at(2026, 4, 10):
            [q4] = scores_compute([county], Period(2025, 4))
            [q1] = scores_compute([county], Q1)
        q4_fgw = Score.objects.get(run=q4, unit_id=fgw)
        assert (q4_fgw.last, q4_fgw.last_twice) == (True, False)
        q1_fgw = Score.objects.get(run=q1, unit_id=fgw)
        assert (q1_fgw.last, q1_fgw.last_twice) == (True, True)
        assert q1_fgw.rank == Score.objects.filter(run=q1, group=ScoreGroup.DEPARTMENT).count()
        # Signed late and, due 15 working days after, never reported: both count against it.
        assert q1_fgw.score == Decimal(100) - DEFAULT_WEIGHTS["sign_for"] - DEFAULT_WEIGHTS["completion"]
        others = Score.objects.filter(run=q1, group=ScoreGroup.DEPARTMENT).exclude(unit_id=fgw)
        assert {(s.rank, s.last, str(s.score)) for s in others} == {(1, False, "100.00")}


# --- comparable groups and the figures adding up ----------------------------------------------------------------


class TestGroupsAndFacts:
    def test_departments_and_townships_are_ranked_apart_and_offices_not_at_all(self, world):
        with at(2026, 4, 10):
            [run] = scores_compute([world.county.pk], Q1)
        groups = dict(Score.objects.filter(run=run).values_list("unit_id", "group"))
        assert {u.pk for u in world.departments.values()} == {
            u for u, g in groups.items() if g == "department"
        }
        assert {u.pk for u in world.townships.values()} == {u for u, g in groups.items() if g == "township"}
        assert world.supervision_office.pk not in groups and world.general_office.pk not in groups

    def test_a_units_components_add_up_to_its_facts(self, world):
        county, fgw = world.county.pk, world.departments["fgw"].pk
        on_time = assigned_item(world, (2026, 3, 2, 9), due=dt.date(2026, 3, 20), progress_cycle="monthly")
        late = assigned_item(world, (2026, 3, 2, 9), due=dt.date(2026, 3, 20))
        sign(world, on_time, (2026, 3, 3, 9))
        sign(world, late, (2026, 3, 5, 9))
        report_done(world, on_time, (2026, 3, 19, 9))
        review(world, on_time, (2026, 3, 20), accept=True)
        with at(2026, 4, 10):
            [run] = scores_compute([county], Q1)
        score = Score.objects.get(run=run, unit_id=fgw)
        assert score.components["sign_for"] == {**score.components["sign_for"], "total": 2, "bad": 1}
        assert score.components["completion"]["total"] == 2 and score.components["completion"]["bad"] == 1
        window = Window(Q1.start, Q1.end, run.cutoff)
        found = unit_facts(fgw, window)
        for indicator in INDICATORS:
            component = score.components[indicator.code]
            bad = sum(fact.bad for fact in found[indicator.code])
            assert component["bad"] == bad, indicator.code
            if indicator.code not in ("progress", "extensions"):  # these list only what went wrong
                assert component["total"] == len(found[indicator.code]), indicator.code
        points = sum(Decimal(component["points"]) for component in score.components.values())
        assert points == score.score


# --- frozen runs --------------------------------------------------------------------------------------------------


class TestFrozen:
    def test_a_frozen_year_is_not_computed_again_and_recomputes_identically(self, world):
        county = world.county.pk
        item = assigned_item(world, (2026, 3, 2, 9), due=dt.date(2026, 3, 20))
        sign(world, item, (2026, 3, 5, 9))
        with at(2026, 4, 10):
            run = year_freeze(county, 2026, now=moment(2026, 4, 10))
            q1 = ScoreRun.objects.get(government_id=county, year=2026, quarter=1)
        assert run.frozen and q1.frozen
        digest, q1_digest = run.digest, q1.digest
        # More happens after the cutoff: reported late, another late signing.
        report_done(world, item, (2026, 4, 13, 9))
        other = assigned_item(world, (2026, 4, 13, 9))
        sign(world, other, (2026, 4, 20, 9))
        with at(2026, 5, 4):
            again = scores_compute([county], Period(2026))
            again_q1 = scores_compute([county], Q1)
        assert again[0].pk == run.pk and again[0].digest == digest
        assert again_q1[0].digest == q1_digest
        run.refresh_from_db()
        assert (run.frozen, run.digest, run.cutoff) == (True, digest, moment(2026, 4, 10))
        assert run_recomputed(run)[0] == digest
        assert run_recomputed(q1)[0] == q1_digest

    def test_an_unfrozen_run_is_computed_again_with_the_new_facts(self, world):
        county = world.county.pk
        with at(2026, 3, 10):
            [first] = scores_compute([county], Q1)
        item = assigned_item(world, (2026, 3, 11, 9))
        sign(world, item, (2026, 3, 16, 9))
        with at(2026, 4, 10):
            [second] = scores_compute([county], Q1)
        assert second.pk == first.pk and second.digest != first.digest
        assert second.cutoff == Q1.end


# --- periods ----------------------------------------------------------------------------------------------------


class TestPeriods:
    @pytest.mark.parametrize(
        ("year", "quarter"), [(2026, 5), (2026, -1), (1999, 1), (2101, 0), ("abc", 1), (2026, "x"), (True, 1)]
    )
    def test_no_such_period(self, year, quarter):
        with pytest.raises(ValidationFailed) as refused:
            period_of(year, quarter)
        assert refused.value.code == codes.EVALUATION_PERIOD_INVALID
        assert refused.value.fields

    def test_periods_that_exist(self):
        assert period_of("2026", "4") == Period(2026, 4)
        assert period_of(2026, "") == Period(2026)
        assert Period(2026, 1).previous() == Period(2025, 4)
        assert (Period(2026, 1).first_day, Period(2026, 1).end_day) == (
            dt.date(2026, 1, 1),
            dt.date(2026, 4, 1),
        )
        assert Period(2026).end_day == dt.date(2027, 1, 1)
