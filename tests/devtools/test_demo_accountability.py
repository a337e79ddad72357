"""The demo county's accountability (ducha.devtools.demo.accountability): live proposals of the ladder's tiers from
the record and the office's recorded facts, a few decided, a criticism bulletin issued with its causes-and-fixes
requests, and two commendations vetted under the one-vote veto."""

from __future__ import annotations

import datetime
from dataclasses import dataclass

import pytest
import time_machine
from django.db import transaction

from ducha.accountability import selectors
from ducha.accountability.models import (
    BulletinRole,
    BulletinStatus,
    CommendationStatus,
    FactKind,
    Proposal,
    ProposalStatus,
    RecordedFact,
    Sanction,
    SanctionStatus,
    Tier,
)
from ducha.accountability.triggers import triggers_run
from ducha.devtools.demo import demo_world_load
from ducha.devtools.demo.accountability import PART, DemoAccountability, demo_accountability_create
from ducha.devtools.demo.evaluation import demo_evaluation_create
from ducha.devtools.demo.inspections import demo_inspections_create
from ducha.devtools.demo.items import demo_items_create
from ducha.documents.models import Document
from ducha.items.models import Item
from ducha.items.statuses import ItemStatus
from tests.clock import moment

DEMO_COUNT = 60
NOVEMBER = moment(2026, 11, 18, 10)
# The first working week of 2027: last year's fourth quarter is the latest scored.
JANUARY = moment(2027, 1, 6, 10)
LIVE_TIERS = {Tier.WRITTEN_EXAMINATION, Tier.CRITICISM, Tier.MEDIA_EXPOSURE, Tier.WARNING_TALK}


@dataclass
class Built:
    accountability: DemoAccountability
    items_before: int
    when: datetime.datetime


def _build(when: datetime.datetime) -> Built:
    """The demo county as `ducha demo` builds it on `when`: items, inspections, evaluation, then accountability."""
    with time_machine.travel(when):
        world = demo_world_load()
        demo_items_create(world, count=DEMO_COUNT)
        demo_inspections_create(world)
        demo_evaluation_create(world)
        before = Item.objects.count()
        return Built(demo_accountability_create(world), before, when)


@pytest.fixture(scope="class", params=[NOVEMBER, JANUARY], ids=["november", "january"])
def demo(request, django_db_setup, django_db_blocker):
    """The demo county built on the day, once for the class and rolled back after it."""
    with django_db_blocker.unblock(), transaction.atomic():
        assert not PART.exists()
        yield _build(request.param)
        transaction.set_rollback(True)


class TestDemoAccountability:
    @pytest.fixture(autouse=True)
    def _db(self, db):
        """Each test runs in a savepoint inside the class's transaction."""

    def test_the_part_knows_it_exists(self, demo):
        assert PART.exists()
        # The causes-and-fixes requests are the part's items.
        assert demo.accountability.created == Item.objects.count() - demo.items_before >= 1

    def test_live_proposals_of_at_least_three_tiers(self, demo, world):
        proposals = Proposal.objects.filter(government=world.county)
        assert set(proposals.values_list("tier", flat=True)) >= LIVE_TIERS
        waiting = set(proposals.filter(status=ProposalStatus.PROPOSED).values_list("tier", flat=True))
        assert len(waiting) >= 3
        # The office sees them, newest first; a unit does not.
        listed = list(selectors.proposals_for(world.user("office")))
        assert [p.pk for p in listed] == sorted((p.pk for p in listed), reverse=True)
        assert len(listed) == proposals.count()
        assert not selectors.proposals_for(world.user("fgw_liaison")).exists()
        # The record's own rules fired too, not only the recorded facts.
        assert {"item_overdue", "last_in_county"} <= set(proposals.values_list("rule", flat=True))

    def test_the_office_recorded_the_facts_the_record_cannot_see(self, demo, world):
        facts = {fact.kind: fact for fact in RecordedFact.objects.filter(government=world.county)}
        assert set(facts) == {
            FactKind.MEETING_ABSENT,
            FactKind.MEETING_LATE_LEAVE,
            FactKind.LISTED,
            FactKind.CRITICISED_FROM_ABOVE,
        }
        assert all(fact.recorded_by.username == "office" for fact in facts.values())
        assert facts[FactKind.MEETING_ABSENT].unit == world.departments["swj"]
        assert facts[FactKind.CRITICISED_FROM_ABOVE].unit == world.townships["dhz"]
        listed = facts[FactKind.LISTED]
        assert listed.listed_by == "示范市人民政府"
        if listed.item is not None:
            assert listed.item.assignments.get(role="lead").unit == listed.unit
        rules = {
            FactKind.MEETING_ABSENT: ("meeting_absent", Tier.CRITICISM),
            FactKind.MEETING_LATE_LEAVE: ("meeting_irregular", Tier.WRITTEN_EXAMINATION),
            FactKind.LISTED: ("listed", Tier.MEDIA_EXPOSURE),
            FactKind.CRITICISED_FROM_ABOVE: ("criticised_from_above", Tier.WARNING_TALK),
        }
        for kind, fact in facts.items():
            proposal = Proposal.objects.get(government=world.county, key=f"fact:{fact.pk}")
            assert (proposal.rule, proposal.tier, proposal.unit_id) == (*rules[kind], fact.unit_id)

    def test_decisions_a_written_examination_answered_a_criticism_approved_one_dismissed(self, demo, world):
        today = demo.when.date()
        examination, criticism = demo.accountability.sanctions
        assert examination.tier == Tier.WRITTEN_EXAMINATION and examination.status == SanctionStatus.IN_FORCE
        assert examination.decided_by.username == "office" and examination.approved_by is None
        assert examination.unit_response and examination.unit_responded_at
        assert examination.follow_up_due > today

        assert criticism.tier == Tier.CRITICISM and criticism.status == SanctionStatus.IN_FORCE
        assert criticism.unit == world.departments["swj"]
        assert criticism.approved_by.username == "leader" and criticism.effective_at
        assert criticism.follow_up_due > today + datetime.timedelta(days=14)
        assert criticism.proposal.rule == "meeting_absent"

        dismissed = Proposal.objects.get(government=world.county, status=ProposalStatus.DISMISSED)
        assert dismissed.tier == Tier.WRITTEN_EXAMINATION and dismissed.reason
        assert dismissed.decided_by.username == "office"
        assert (
            Proposal.objects.filter(status=ProposalStatus.ACCEPTED).count() == Sanction.objects.count() == 2
        )
        # The unit sees its own sanction.
        assert [s.pk for s in selectors.sanctions_for(world.user("swj_liaison"))] == [criticism.pk]

    def test_the_criticism_bulletin_is_issued_with_its_causes_and_fixes_requests(self, demo, world):
        bulletin = demo.accountability.bulletin
        assert bulletin.status == BulletinStatus.ISSUED and bulletin.number
        assert bulletin.created_by.username == "office" and bulletin.approved_by.username == "leader"
        assert bulletin.fixes_due > demo.when.date()
        assert Document.objects.filter(number=bulletin.number).exists()
        criticised = list(bulletin.units.filter(role=BulletinRole.CRITICISED).select_related("fixes_item"))
        assert criticised
        for row in criticised:
            item = row.fixes_item
            assert item.status == ItemStatus.ASSIGNED and item.due_date == bulletin.fixes_due
            assert item.assignments.get(role="lead").unit_id == row.unit_id
        # An issued bulletin reaches the county's departments and the units it names (a township too).
        assert bulletin in selectors.bulletins_for(world.user("fgw_liaison"))
        codes = {unit.pk: code for code, unit in [*world.departments.items(), *world.townships.items()]}
        for row in criticised:
            assert bulletin in selectors.bulletins_for(world.user(f"{codes[row.unit_id]}_liaison"))

    def test_one_commendation_cleared_one_vetoed_naming_the_sanction(self, demo, world):
        cleared, vetoed = demo.accountability.commendations
        assert cleared.status == CommendationStatus.CLEARED and cleared.unit == world.departments["jtj"]
        assert vetoed.status == CommendationStatus.VETOED and vetoed.unit == world.departments["swj"]
        assert vetoed.proposed_by.username == "fgw_head"
        assert vetoed.vetoing_sanction == demo.accountability.sanctions[1]
        assert {c.decided_by.username for c in (cleared, vetoed)} == {"office"}
        assert cleared.year == vetoed.year == demo.when.year

    def test_a_second_run_of_the_triggers_proposes_nothing_new(self, demo, world):
        with time_machine.travel(demo.when):
            assert triggers_run([world.county.pk], demo.when.year) == 0
