"""Every trigger of seed 004 §4(三) as a rule, given a synthetic history driven through the real services at named
Beijing dates: it fires with its tier, unit, key and facts; a near-miss does not; switched off by the office it
proposes nothing; tuned, it follows its parameters; and a second run proposes nothing new."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable

import pytest

from ducha.accountability.models import FactKind, Proposal, ProposalStatus, Tier, TriggerSetting
from ducha.accountability.triggers import BY_CODE, RULES
from ducha.audit.models import Event, EventType
from ducha.common import error_codes as codes
from ducha.common.errors import NotPermitted, ValidationFailed
from ducha.devtools.demo import DemoWorld
from ducha.items.models import Item
from ducha.reminders.models import Reminder
from tests.accountability.helpers import (
    YEAR,
    D,
    accountability,
    assigned,
    chase,
    fact,
    proposed,
    report_done,
    review,
    run,
    scores,
    sign,
    sweep,
    switch,
    unit,
)

pytestmark = pytest.mark.django_db


# --- the histories: each rule's given, returning the day the triggers run ------------------------------------------


def _overdue(world: DemoWorld) -> dt.date:
    """发改局's item due Friday 13 March, never reported."""
    assigned(world, (2026, 3, 2, 9), due=D(2026, 3, 13))
    return D(2026, 3, 20)


def _unsatisfactory(world: DemoWorld) -> dt.date:
    """发改局 reports; the office returns the result as unsatisfactory."""
    item = assigned(world, (2026, 3, 2, 9), due=D(2026, 3, 31))
    sign(world, item, (2026, 3, 2, 10))
    report_done(world, item, (2026, 3, 10, 10))
    review(world, item, (2026, 3, 11, 10), accept=False)
    return D(2026, 3, 12)


def _late_to_sign(world: DemoWorld, day: dt.date, code: str = "fgw", title: str = "迟签事项") -> Item:
    """An item assigned at 9:00 on `day` that the unit does not sign for: the next morning's sweep writes its
    not-signed reminders."""
    item = assigned(
        world, (day.year, day.month, day.day, 9), code=code, due=day + dt.timedelta(days=30), title=title
    )
    after = day + dt.timedelta(days=1)
    sweep(after.year, after.month, after.day, 9)
    return item


def _late_twice(world: DemoWorld) -> dt.date:
    _late_to_sign(world, D(2026, 3, 2), title="一季度迟签一")
    _late_to_sign(world, D(2026, 3, 9), title="一季度迟签二")
    return D(2026, 3, 20)


def _slow(world: DemoWorld) -> dt.date:
    item = assigned(world, (2026, 3, 2, 9), due=D(2026, 4, 30))
    sign(world, item, (2026, 3, 2, 10))
    for day in (3, 4, 5):
        chase(world, item, (2026, 3, day, 10))
    return D(2026, 3, 6)


def _late_repeatedly(world: DemoWorld) -> dt.date:
    for n, day in enumerate([D(2026, 3, 2), D(2026, 3, 9), D(2026, 5, 11), D(2026, 5, 18)]):
        _late_to_sign(world, day, title=f"迟签事项{n}")
    return D(2026, 5, 20)


def _last_in_q1(world: DemoWorld) -> dt.date:
    """发改局 signs four days late in Q1; the others have nothing against them: last in the Q1 scores."""
    item = assigned(world, (2026, 3, 2, 9), title="一季度迟签", due=D(2026, 3, 31))
    sign(world, item, (2026, 3, 6, 9))
    report_done(world, item, (2026, 3, 20, 10))
    scores(world, 2026, 1, (2026, 4, 10))
    return D(2026, 4, 10)


def _last_in_q1_and_q2(world: DemoWorld) -> dt.date:
    _last_in_q1(world)
    item = assigned(world, (2026, 5, 11, 9), title="二季度迟签", due=D(2026, 6, 12))
    sign(world, item, (2026, 5, 15, 9))
    report_done(world, item, (2026, 6, 1, 10))
    scores(world, 2026, 2, (2026, 7, 10))
    return D(2026, 7, 10)


def _fact_history(kind: str) -> Callable[[DemoWorld], dt.date]:
    def given(world: DemoWorld) -> dt.date:
        fact(world, kind, D(2026, 3, 10), listed_by="市政府" if kind == FactKind.LISTED else "")
        return D(2026, 3, 20)

    return given


FACT_RULES = {
    "meeting_irregular": FactKind.MEETING_LATE_LEAVE,
    "criticised_by_leader": FactKind.CRITICISED_BY_LEADER,
    "false_reporting": FactKind.FALSE_REPORTING,
    "meeting_absent": FactKind.MEETING_ABSENT,
    "not_cooperating": FactKind.NOT_COOPERATING,
    "listed": FactKind.LISTED,
    "criticised_from_above": FactKind.CRITICISED_FROM_ABOVE,
    "last_in_city": FactKind.LAST_IN_CITY,
    "held_accountable_above": FactKind.HELD_ACCOUNTABLE_ABOVE,
    "refused_tasks": FactKind.REFUSED_TASKS,
    "negligence": FactKind.NEGLIGENCE,
}
HISTORIES: dict[str, Callable[[DemoWorld], dt.date]] = {
    "item_overdue": _overdue,
    "result_unsatisfactory": _unsatisfactory,
    "late_twice": _late_twice,
    "slow_progress": _slow,
    "late_repeatedly": _late_repeatedly,
    "last_in_county": _last_in_q1,
    "last_twice_in_county": _last_in_q1_and_q2,
    **{rule: _fact_history(kind) for rule, kind in FACT_RULES.items()},
}
# The tier of each rule, as seed 004 §4(三) lists them.
TIERS = {
    "item_overdue": Tier.WRITTEN_EXAMINATION,
    "result_unsatisfactory": Tier.WRITTEN_EXAMINATION,
    "late_twice": Tier.WRITTEN_EXAMINATION,
    "slow_progress": Tier.WRITTEN_EXAMINATION,
    "meeting_irregular": Tier.WRITTEN_EXAMINATION,
    "late_repeatedly": Tier.CRITICISM,
    "last_in_county": Tier.CRITICISM,
    "criticised_by_leader": Tier.CRITICISM,
    "false_reporting": Tier.CRITICISM,
    "meeting_absent": Tier.CRITICISM,
    "not_cooperating": Tier.CRITICISM,
    "listed": Tier.MEDIA_EXPOSURE,
    "criticised_from_above": Tier.WARNING_TALK,
    "last_in_city": Tier.WARNING_TALK,
    "last_twice_in_county": Tier.WARNING_TALK,
    "held_accountable_above": Tier.ACCOUNTABILITY,
    "refused_tasks": Tier.ACCOUNTABILITY,
    "negligence": Tier.ACCOUNTABILITY,
}


def test_every_rule_has_a_history_here_and_the_seeds_tier():
    assert set(HISTORIES) == set(BY_CODE) == set(TIERS)
    assert {rule.code: rule.tier for rule in RULES} == TIERS
    assert all(rule.basis and str(rule.label) for rule in RULES)


# --- every rule: fires, switched off, idempotent ----------------------------------------------------------------


@pytest.mark.parametrize("rule", sorted(HISTORIES))
def test_the_history_fires_the_rule_once_however_often_it_runs(world, rule):
    today = HISTORIES[rule](world)

    assert run(world, today) >= 1

    found = proposed(world, rule)
    assert found
    assert {(p.tier, p.unit_id, p.year, p.status) for p in found} == {
        (TIERS[rule], world.departments["fgw"].pk, YEAR, ProposalStatus.PROPOSED)
    }
    assert all(p.facts and p.key for p in found)
    # A second run (and one a day later) proposes nothing new.
    everything = Proposal.objects.count()
    assert run(world, today) == 0
    assert run(world, today + dt.timedelta(days=1)) == 0
    assert Proposal.objects.count() == everything
    assert [p.pk for p in proposed(world, rule)] == [p.pk for p in found]


@pytest.mark.parametrize("rule", sorted(HISTORIES))
def test_a_rule_switched_off_proposes_nothing_and_on_again_it_does(world, rule):
    switch(world, rule, enabled=False)
    today = HISTORIES[rule](world)

    run(world, today)

    assert proposed(world, rule) == []
    setting = TriggerSetting.objects.get(government=world.county, rule=rule)
    assert (setting.enabled, setting.updated_by.username) == (False, "office")
    assert Event.objects.filter(event_type=EventType.TRIGGER_SET, subject_id=setting.pk).exists()

    switch(world, rule, enabled=True)
    assert run(world, today) >= 1
    assert proposed(world, rule)


# --- tier 1 -----------------------------------------------------------------------------------------------------


class TestItemOverdue:
    def test_an_item_not_reported_by_its_due_date_is_proposed_with_its_facts(self, world):
        item = assigned(world, (2026, 3, 2, 9), due=D(2026, 3, 13))

        # On the due day itself it is not late yet.
        assert run(world, D(2026, 3, 13)) == 0
        run(world, D(2026, 3, 16))

        [proposal] = proposed(world, "item_overdue")
        assert (proposal.tier, proposal.unit_id, proposal.key) == (
            Tier.WRITTEN_EXAMINATION,
            world.departments["fgw"].pk,
            f"item:{item.pk}",
        )
        assert proposal.facts == [
            {
                "item": item.pk,
                "number": item.number,
                "title": item.title,
                "due": "2026-03-13",
                "reported": None,
            }
        ]

    def test_reported_on_the_due_date_is_not_late(self, world):
        item = assigned(world, (2026, 3, 2, 9), due=D(2026, 3, 13))
        sign(world, item, (2026, 3, 2, 10))
        report_done(world, item, (2026, 3, 13, 16, 30))

        run(world, D(2026, 3, 20))

        assert proposed(world, "item_overdue") == []

    def test_reported_the_day_after_is_late_and_says_when(self, world):
        item = assigned(world, (2026, 3, 2, 9), due=D(2026, 3, 13))
        sign(world, item, (2026, 3, 2, 10))
        report_done(world, item, (2026, 3, 16, 9, 30))

        run(world, D(2026, 3, 20))

        [proposal] = proposed(world, "item_overdue")
        assert proposal.facts[0]["reported"] == "2026-03-16T09:30:00+08:00"

    def test_an_item_of_another_year_belongs_to_that_years_run(self, world):
        assigned(world, (2025, 12, 1, 9), due=D(2025, 12, 12))

        run(world, D(2026, 1, 20))
        assert proposed(world, "item_overdue") == []

        run(world, D(2026, 1, 20), year=2025)
        [proposal] = proposed(world, "item_overdue")
        assert proposal.year == 2025


class TestResultUnsatisfactory:
    def test_a_result_returned_by_the_office_is_proposed(self, world):
        _unsatisfactory(world)
        [item] = Item.objects.filter(title="推进县城老旧小区改造")

        run(world, D(2026, 3, 12))

        [proposal] = proposed(world, "result_unsatisfactory")
        assert (proposal.unit_id, proposal.key) == (world.departments["fgw"].pk, f"item:{item.pk}")
        assert proposal.facts == [{"item": item.pk, "number": item.number, "title": item.title, "returns": 1}]

    def test_an_accepted_result_is_not(self, world):
        item = assigned(world, (2026, 3, 2, 9), due=D(2026, 3, 31))
        sign(world, item, (2026, 3, 2, 10))
        report_done(world, item, (2026, 3, 10, 10))
        review(world, item, (2026, 3, 11, 10), accept=True)

        run(world, D(2026, 3, 12))

        assert proposed(world, "result_unsatisfactory") == []

    def test_a_result_returned_last_year_is_not_this_years(self, world):
        item = assigned(world, (2025, 12, 1, 9), due=D(2026, 3, 31))
        sign(world, item, (2025, 12, 1, 10))
        report_done(world, item, (2025, 12, 10, 10))
        review(world, item, (2025, 12, 11, 10), accept=False)

        run(world, D(2026, 1, 12))

        assert proposed(world, "result_unsatisfactory") == []


class TestLateTwice:
    def test_late_twice_in_a_quarter_is_proposed_for_the_quarter(self, world):
        first = _late_to_sign(world, D(2026, 3, 2), title="一季度迟签一")
        second = _late_to_sign(world, D(2026, 3, 9), title="一季度迟签二")
        fgw = world.departments["fgw"].pk
        assert Reminder.objects.filter(item=first, unit_id=fgw, kind="not_signed").exists()

        run(world, D(2026, 3, 20))

        [proposal] = proposed(world, "late_twice")
        assert (proposal.tier, proposal.unit_id, proposal.key) == (
            Tier.WRITTEN_EXAMINATION,
            fgw,
            f"unit:{fgw}:2026Q1",
        )
        assert proposal.facts == [
            {"item": first.pk, "late_on": "2026-03-03"},
            {"item": second.pk, "late_on": "2026-03-10"},
        ]

    def test_once_late_is_not_twice(self, world):
        _late_to_sign(world, D(2026, 3, 2))

        run(world, D(2026, 3, 20))

        assert proposed(world, "late_twice") == []

    def test_late_once_in_each_of_two_quarters_is_not_twice_in_a_quarter(self, world):
        _late_to_sign(world, D(2026, 3, 2), title="一季度迟签")
        _late_to_sign(world, D(2026, 5, 11), title="二季度迟签")

        run(world, D(2026, 5, 20))

        assert proposed(world, "late_twice") == []

    def test_signed_in_time_is_not_late(self, world):
        for day in (2, 9):
            item = assigned(world, (2026, 3, day, 9), due=D(2026, 4, 30), title=f"按时签收{day}")
            sign(world, item, (2026, 3, day, 10))
            sweep(2026, 3, day + 1, 9)

        run(world, D(2026, 3, 20))

        assert proposed(world, "late_twice") == []

    def test_tuned_to_three_times_two_do_not_fire_and_to_once_one_does(self, world):
        switch(world, "late_twice", times=3)
        _late_twice(world)
        run(world, D(2026, 3, 20))
        assert proposed(world, "late_twice") == []

        switch(world, "late_twice", times=1)
        _late_to_sign(world, D(2026, 5, 11), title="二季度迟签")
        run(world, D(2026, 5, 20))
        fgw = world.departments["fgw"].pk
        assert {p.key for p in proposed(world, "late_twice")} == {f"unit:{fgw}:2026Q1", f"unit:{fgw}:2026Q2"}


class TestSlowProgress:
    def test_an_item_chased_three_times_is_proposed(self, world):
        _slow(world)
        [item] = Item.objects.filter(title="推进县城老旧小区改造")

        run(world, D(2026, 3, 6))

        [proposal] = proposed(world, "slow_progress")
        assert (proposal.unit_id, proposal.key) == (world.departments["fgw"].pk, f"item:{item.pk}")
        assert proposal.facts == [
            {"item": item.pk, "number": item.number, "title": item.title, "reminders": 3}
        ]

    def test_chased_twice_is_not_three_times(self, world):
        item = assigned(world, (2026, 3, 2, 9), due=D(2026, 4, 30))
        sign(world, item, (2026, 3, 2, 10))
        chase(world, item, (2026, 3, 3, 10))
        chase(world, item, (2026, 3, 4, 10))

        run(world, D(2026, 3, 6))

        assert proposed(world, "slow_progress") == []

    def test_tuned_to_twice_two_chases_fire(self, world):
        switch(world, "slow_progress", times=2)
        item = assigned(world, (2026, 3, 2, 9), due=D(2026, 4, 30))
        sign(world, item, (2026, 3, 2, 10))
        chase(world, item, (2026, 3, 3, 10))
        chase(world, item, (2026, 3, 4, 10))

        run(world, D(2026, 3, 6))

        [proposal] = proposed(world, "slow_progress")
        assert proposal.facts[0]["reminders"] == 2


# --- tier 2 -----------------------------------------------------------------------------------------------------


class TestLateRepeatedly:
    def test_four_times_late_in_the_year_is_proposed_for_the_year(self, world):
        _late_repeatedly(world)
        late = list(Item.objects.filter(title__startswith="迟签事项").order_by("id"))

        run(world, D(2026, 5, 20))

        [proposal] = proposed(world, "late_repeatedly")
        assert (proposal.tier, proposal.unit_id, proposal.key) == (
            Tier.CRITICISM,
            world.departments["fgw"].pk,
            f"unit:{world.departments['fgw'].pk}:2026",
        )
        assert [fact["item"] for fact in proposal.facts] == [item.pk for item in late]
        assert [fact["late_on"] for fact in proposal.facts] == [
            "2026-03-03",
            "2026-03-10",
            "2026-05-12",
            "2026-05-19",
        ]

    def test_three_times_is_not_repeatedly_unless_tuned_so(self, world):
        for n, day in enumerate([D(2026, 3, 2), D(2026, 3, 9), D(2026, 5, 11)]):
            _late_to_sign(world, day, title=f"迟签事项{n}")

        run(world, D(2026, 5, 20))
        assert proposed(world, "late_repeatedly") == []

        switch(world, "late_repeatedly", times=3)
        run(world, D(2026, 5, 20))
        assert [p.key for p in proposed(world, "late_repeatedly")] == [
            f"unit:{world.departments['fgw'].pk}:2026"
        ]

    def test_another_units_lateness_is_its_own(self, world):
        for n, day in enumerate([D(2026, 3, 2), D(2026, 3, 9)]):
            _late_to_sign(world, day, title=f"发改局迟签{n}")
        for n, day in enumerate([D(2026, 5, 11), D(2026, 5, 18)]):
            _late_to_sign(world, day, code="jyj", title=f"教育局迟签{n}")

        run(world, D(2026, 5, 20))

        assert proposed(world, "late_repeatedly") == []
        assert {(p.unit_id, p.key) for p in proposed(world, "late_twice")} == {
            (world.departments["fgw"].pk, f"unit:{world.departments['fgw'].pk}:2026Q1"),
            (world.departments["jyj"].pk, f"unit:{world.departments['jyj'].pk}:2026Q2"),
        }

    def test_late_last_year_does_not_count_this_year(self, world):
        for n, day in enumerate([D(2025, 12, 1), D(2025, 12, 8)]):
            _late_to_sign(world, day, title=f"去年迟签{n}")
        for n, day in enumerate([D(2026, 3, 2), D(2026, 3, 9)]):
            _late_to_sign(world, day, title=f"今年迟签{n}")

        run(world, D(2026, 3, 20))

        assert proposed(world, "late_repeatedly") == []


class TestLastInCounty:
    def test_last_in_the_quarters_scores_is_proposed_for_the_quarter(self, world):
        _last_in_q1(world)

        run(world, D(2026, 4, 10))

        [proposal] = proposed(world, "last_in_county")
        assert (proposal.tier, proposal.unit_id, proposal.key) == (
            Tier.CRITICISM,
            world.departments["fgw"].pk,
            f"unit:{world.departments['fgw'].pk}:2026Q1",
        )
        [facts] = proposal.facts
        assert (facts["year"], facts["quarter"], facts["group"]) == (2026, 1, "department")
        assert facts["rank"] > 1
        assert float(facts["score"]) < 100

    def test_nobody_is_last_when_everyone_scored_the_same(self, world):
        item = assigned(world, (2026, 3, 2, 9), due=D(2026, 3, 31))
        sign(world, item, (2026, 3, 2, 10))
        report_done(world, item, (2026, 3, 20, 10))
        scores(world, 2026, 1, (2026, 4, 10))

        run(world, D(2026, 4, 10))

        assert proposed(world, "last_in_county") == []

    def test_last_in_last_years_fourth_quarter_is_last_years(self, world):
        item = assigned(world, (2025, 12, 1, 9), due=D(2025, 12, 26))
        sign(world, item, (2025, 12, 5, 9))
        report_done(world, item, (2025, 12, 20, 10))
        scores(world, 2025, 4, (2026, 1, 10))

        run(world, D(2026, 1, 10))
        assert proposed(world, "last_in_county") == []

        run(world, D(2026, 1, 10), year=2025)
        assert [p.key for p in proposed(world, "last_in_county")] == [
            f"unit:{world.departments['fgw'].pk}:2025Q4"
        ]


# --- tier 4: last twice ---------------------------------------------------------------------------------------


class TestLastTwiceInCounty:
    def test_last_in_q1_and_again_in_q2_is_proposed_for_q2(self, world):
        _last_in_q1_and_q2(world)

        run(world, D(2026, 7, 10))

        [proposal] = proposed(world, "last_twice_in_county")
        assert (proposal.tier, proposal.unit_id, proposal.key) == (
            Tier.WARNING_TALK,
            world.departments["fgw"].pk,
            f"unit:{world.departments['fgw'].pk}:2026Q2",
        )
        assert proposal.facts[0]["quarter"] == 2
        # Last in both quarters: criticised for each.
        fgw = world.departments["fgw"].pk
        assert [p.key for p in proposed(world, "last_in_county")] == [
            f"unit:{fgw}:2026Q1",
            f"unit:{fgw}:2026Q2",
        ]

    def test_last_in_q1_only_is_not_twice(self, world):
        _last_in_q1(world)
        item = assigned(world, (2026, 5, 11, 9), title="二季度按时", due=D(2026, 6, 12))
        sign(world, item, (2026, 5, 11, 10))
        report_done(world, item, (2026, 6, 1, 10))
        scores(world, 2026, 2, (2026, 7, 10))

        run(world, D(2026, 7, 10))

        assert proposed(world, "last_twice_in_county") == []
        assert [p.key for p in proposed(world, "last_in_county")] == [
            f"unit:{world.departments['fgw'].pk}:2026Q1"
        ]


# --- the facts the office records -------------------------------------------------------------------------------


@pytest.mark.parametrize(("rule", "kind"), sorted(FACT_RULES.items()))
def test_a_recorded_fact_is_proposed_with_the_person_and_the_fact(world, rule, kind):
    item = assigned(world, (2026, 3, 2, 9), due=D(2026, 4, 30))
    recorded = fact(
        world,
        kind,
        D(2026, 3, 10),
        person="李建国",
        item=item,
        listed_by="市政府" if kind == FactKind.LISTED else "",
    )

    run(world, D(2026, 3, 20))

    [proposal] = proposed(world, rule)
    assert (proposal.tier, proposal.unit_id, proposal.person, proposal.key) == (
        TIERS[rule],
        world.departments["fgw"].pk,
        "李建国",
        f"fact:{recorded.pk}",
    )
    assert proposal.facts == [
        {
            "fact": recorded.pk,
            "kind": kind,
            "on": "2026-03-10",
            "description": "县政府常务会议记录在案。",
            "item": item.pk,
            "listed_by": "市政府" if kind == FactKind.LISTED else "",
        }
    ]
    # Only the rule of its kind fires on it.
    others = Proposal.objects.filter(key=f"fact:{recorded.pk}").exclude(rule=rule)
    assert not others.exists()


@pytest.mark.parametrize(("rule", "kind"), sorted(FACT_RULES.items()))
def test_a_fact_of_another_year_is_that_years(world, rule, kind):
    fact(world, kind, D(2025, 12, 30), listed_by="省政府" if kind == FactKind.LISTED else "")

    run(world, D(2026, 1, 10))
    assert proposed(world, rule) == []

    run(world, D(2026, 1, 10), year=2025)
    assert [p.year for p in proposed(world, rule)] == [2025]


def test_two_facts_are_two_proposals_and_each_township_its_own(world):
    first = fact(world, FactKind.MEETING_ABSENT, D(2026, 3, 10))
    second = fact(world, FactKind.MEETING_ABSENT, D(2026, 3, 17), code="cgz")

    assert run(world, D(2026, 3, 20)) == 2

    assert {(p.unit_id, p.key) for p in proposed(world, "meeting_absent")} == {
        (world.departments["fgw"].pk, f"fact:{first.pk}"),
        (world.townships["cgz"].pk, f"fact:{second.pk}"),
    }


class TestRecordingFacts:
    def test_a_listed_matter_says_who_listed_it(self, world):
        with pytest.raises(ValidationFailed) as refused:
            fact(world, FactKind.LISTED, D(2026, 3, 10))
        assert refused.value.code == codes.TEXT_REQUIRED
        assert not Event.objects.filter(event_type=EventType.FACT_RECORDED).exists()

    def test_a_fact_cannot_be_in_the_future_nor_of_a_unit_elsewhere(self, world):
        from tests.accountability.helpers import at

        with at(2026, 3, 10), pytest.raises(ValidationFailed) as refused:
            accountability.fact_record(
                actor=world.user("office"),
                unit_id=unit(world, "fgw").pk,
                kind=FactKind.MEETING_ABSENT,
                occurred_on=D(2026, 3, 11),
                description="缺席。",
            )
        assert refused.value.code == codes.INVALID_INPUT
        with pytest.raises(ValidationFailed) as elsewhere:
            accountability.fact_record(
                actor=world.user("office"),
                unit_id=world.city_office.pk,
                kind=FactKind.MEETING_ABSENT,
                occurred_on=D(2026, 3, 10),
                description="缺席。",
            )
        assert elsewhere.value.code == codes.UNIT_NOT_FOUND

    def test_only_the_office_records_facts(self, world):
        with pytest.raises(NotPermitted):
            accountability.fact_record(
                actor=world.user("fgw_head"),
                unit_id=unit(world, "fgw").pk,
                kind=FactKind.MEETING_ABSENT,
                occurred_on=D(2026, 3, 10),
                description="缺席。",
            )


# --- the office's settings --------------------------------------------------------------------------------------


class TestSettings:
    @pytest.mark.parametrize("rule", [rule.code for rule in RULES if not rule.params])
    def test_a_rule_without_parameters_takes_none(self, world, rule):
        with pytest.raises(ValidationFailed) as refused:
            switch(world, rule, times=2)
        assert refused.value.code == codes.TRIGGER_PARAMS_INVALID
        assert not TriggerSetting.objects.exists()
        assert not Event.objects.filter(event_type=EventType.TRIGGER_SET).exists()

    @pytest.mark.parametrize("value", [0, 101, True, "two", None])
    def test_a_parameter_is_a_whole_number_from_1_to_100(self, world, value):
        with pytest.raises(ValidationFailed) as refused:
            accountability.trigger_set(
                actor=world.user("office"), rule="late_repeatedly", enabled=True, params={"times": value}
            )
        assert refused.value.code == codes.TRIGGER_PARAMS_INVALID
        assert not TriggerSetting.objects.exists()

    def test_a_refused_change_leaves_the_setting_as_it_was(self, world):
        switch(world, "late_repeatedly", times=3)
        with pytest.raises(ValidationFailed):
            switch(world, "late_repeatedly", enabled=False, times=0)
        setting = TriggerSetting.objects.get(rule="late_repeatedly")
        assert (setting.enabled, setting.params) == (True, {"times": 3})

    def test_an_unknown_rule_is_refused(self, world):
        with pytest.raises(ValidationFailed) as refused:
            switch(world, "late_forever")
        assert refused.value.code == codes.TRIGGER_UNKNOWN

    @pytest.mark.parametrize("username", ["leader", "fgw_head", "fgw_liaison"])
    def test_only_the_office_of_the_government_sets_triggers(self, world, username):
        with pytest.raises(NotPermitted):
            accountability.trigger_set(actor=world.user(username), rule="late_repeatedly", enabled=False)
        assert not TriggerSetting.objects.filter(government=world.county).exists()
