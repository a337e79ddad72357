"""Proposals decided and sanctions approved, answered and followed up: a written self-examination is in force at
once, every tier above waits for a leader; refusals need a reason and change nothing; a failed follow-up proposes
the next tier, linked, up the ladder to accountability and no further."""

from __future__ import annotations

import datetime as dt

import pytest

from ducha.accountability import selectors
from ducha.accountability import services as accountability
from ducha.accountability.models import (
    FactKind,
    Proposal,
    ProposalStatus,
    Sanction,
    SanctionStatus,
    Tier,
)
from ducha.accountability.triggers import BY_CODE, ESCALATION
from ducha.audit.models import Event, EventType
from ducha.common import error_codes as codes
from ducha.common.errors import InvalidState, NotFound, NotPermitted, ValidationFailed
from ducha.devtools.demo import DemoWorld
from tests.accountability.helpers import D, at, fact, proposed, run
from tests.clock import moment

pytestmark = pytest.mark.django_db

ACCOUNTABILITY_EVENTS = [
    EventType.PROPOSAL_ACCEPTED,
    EventType.PROPOSAL_DISMISSED,
    EventType.SANCTION_DECIDED,
    EventType.SANCTION_APPROVED,
    EventType.SANCTION_REFUSED,
    EventType.SANCTION_ANSWERED,
    EventType.SANCTION_FOLLOWED_UP,
]


def _events() -> int:
    return Event.objects.filter(event_type__in=ACCOUNTABILITY_EVENTS).count()


def _proposal(world: DemoWorld, kind: str = FactKind.CRITICISED_BY_LEADER, person: str = "") -> Proposal:
    """The office records the fact on 10 March; the triggers propose its rule's tier on 20 March."""
    fact(world, kind, D(2026, 3, 10), person=person, listed_by="市政府" if kind == FactKind.LISTED else "")
    run(world, D(2026, 3, 20))
    [proposal] = Proposal.objects.filter(government=world.county, facts__0__kind=kind)
    return proposal


def _accept(world: DemoWorld, proposal: Proposal, when: tuple[int, ...] = (2026, 3, 23, 10)) -> Sanction:
    with at(*when):
        accountability.proposal_decide(
            actor=world.user("office"),
            proposal_id=proposal.pk,
            accept=True,
            reason="事实清楚。",
            follow_up_due=dt.date(*when[:3]) + dt.timedelta(days=38),
        )
    return Sanction.objects.get(proposal=proposal)


def _approve(world: DemoWorld, sanction: Sanction, when: tuple[int, ...] = (2026, 3, 24, 10)) -> Sanction:
    with at(*when):
        return accountability.sanction_approve(
            actor=world.user("leader"), sanction_id=sanction.pk, approve=True
        )


def _not_improved(world: DemoWorld, sanction: Sanction, when: tuple[int, ...] = (2026, 5, 6, 10)) -> Sanction:
    with at(*when):
        return accountability.sanction_follow_up(
            actor=world.user("office"), sanction_id=sanction.pk, improved=False, note="整改期满仍无明显改观。"
        )


# --- deciding a proposal ------------------------------------------------------------------------------------------


class TestDecide:
    def test_a_written_examination_is_in_force_at_once(self, world):
        proposal = _proposal(world, FactKind.MEETING_LATE_LEAVE)
        assert proposal.tier == Tier.WRITTEN_EXAMINATION

        sanction = _accept(world, proposal)

        proposal.refresh_from_db()
        assert (proposal.status, proposal.decided_by.username) == (ProposalStatus.ACCEPTED, "office")
        assert (sanction.status, sanction.tier, sanction.unit_id) == (
            SanctionStatus.IN_FORCE,
            Tier.WRITTEN_EXAMINATION,
            world.departments["fgw"].pk,
        )
        assert sanction.effective_at == moment(2026, 3, 23, 10)
        assert sanction.approved_by is None
        assert sanction.follow_up_due == D(2026, 4, 30)
        rule = BY_CODE["meeting_irregular"]
        assert rule.basis in sanction.basis
        assert sanction.facts == proposal.facts
        assert Event.objects.filter(event_type=EventType.SANCTION_DECIDED, subject_id=sanction.pk).exists()

    @pytest.mark.parametrize(
        "kind",
        [FactKind.CRITICISED_BY_LEADER, FactKind.LISTED, FactKind.CRITICISED_FROM_ABOVE, FactKind.NEGLIGENCE],
    )
    def test_a_higher_tier_waits_for_a_leader(self, world, kind):
        proposal = _proposal(world, kind, person="李建国")

        sanction = _accept(world, proposal)

        assert (sanction.status, sanction.effective_at, sanction.person) == (
            SanctionStatus.PENDING_APPROVAL,
            None,
            "李建国",
        )
        sanction = _approve(world, sanction)
        assert (sanction.status, sanction.approved_by.username) == (SanctionStatus.IN_FORCE, "leader")
        assert sanction.effective_at == moment(2026, 3, 24, 10)
        assert Event.objects.filter(event_type=EventType.SANCTION_APPROVED, subject_id=sanction.pk).exists()

    def test_a_dismissal_needs_a_reason(self, world):
        proposal = _proposal(world)
        before = _events()

        with pytest.raises(ValidationFailed) as refused:
            accountability.proposal_decide(actor=world.user("office"), proposal_id=proposal.pk, accept=False)

        assert refused.value.code == codes.REASON_REQUIRED
        proposal.refresh_from_db()
        assert (proposal.status, proposal.decided_by) == (ProposalStatus.PROPOSED, None)
        assert _events() == before

        accountability.proposal_decide(
            actor=world.user("office"), proposal_id=proposal.pk, accept=False, reason="已请假，事出有因。"
        )
        proposal.refresh_from_db()
        assert (proposal.status, proposal.reason) == (ProposalStatus.DISMISSED, "已请假，事出有因。")
        assert not Sanction.objects.exists()

    def test_a_decided_proposal_is_not_decided_again(self, world):
        proposal = _proposal(world)
        _accept(world, proposal)

        with pytest.raises(InvalidState) as refused:
            accountability.proposal_decide(actor=world.user("office"), proposal_id=proposal.pk, accept=True)

        assert refused.value.code == codes.ACTION_NOT_ALLOWED
        assert Sanction.objects.count() == 1

    def test_a_follow_up_due_in_the_past_is_refused_and_nothing_changes(self, world):
        proposal = _proposal(world)
        with at(2026, 3, 23), pytest.raises(ValidationFailed):
            accountability.proposal_decide(
                actor=world.user("office"), proposal_id=proposal.pk, accept=True, follow_up_due=D(2026, 3, 23)
            )
        proposal.refresh_from_db()
        assert proposal.status == ProposalStatus.PROPOSED
        assert not Sanction.objects.exists()

    @pytest.mark.parametrize("username", ["leader", "fgw_head", "city_office"])
    def test_only_the_office_of_the_government_decides(self, world, username):
        proposal = _proposal(world)
        with pytest.raises((NotPermitted, NotFound)):
            accountability.proposal_decide(actor=world.user(username), proposal_id=proposal.pk, accept=True)
        proposal.refresh_from_db()
        assert proposal.status == ProposalStatus.PROPOSED
        assert not Sanction.objects.exists()


# --- approval -----------------------------------------------------------------------------------------------------


class TestApprove:
    def test_an_office_user_approving_is_refused(self, world):
        sanction = _accept(world, _proposal(world))
        before = _events()

        with pytest.raises(NotPermitted) as refused:
            accountability.sanction_approve(actor=world.user("office"), sanction_id=sanction.pk, approve=True)

        assert refused.value.status == 403
        sanction.refresh_from_db()
        assert (sanction.status, sanction.approved_by, sanction.effective_at) == (
            SanctionStatus.PENDING_APPROVAL,
            None,
            None,
        )
        assert _events() == before

    def test_a_refusal_needs_a_reason_and_changes_nothing_without_one(self, world):
        sanction = _accept(world, _proposal(world))
        before = _events()

        with pytest.raises(ValidationFailed) as refused:
            accountability.sanction_approve(
                actor=world.user("leader"), sanction_id=sanction.pk, approve=False, comment="  "
            )

        assert refused.value.code == codes.REASON_REQUIRED
        sanction.refresh_from_db()
        assert (sanction.status, sanction.approved_by) == (SanctionStatus.PENDING_APPROVAL, None)
        assert _events() == before

        accountability.sanction_approve(
            actor=world.user("leader"),
            sanction_id=sanction.pk,
            approve=False,
            comment="情节轻微，书面检查即可。",
        )
        sanction.refresh_from_db()
        assert (sanction.status, sanction.effective_at) == (SanctionStatus.REFUSED, None)
        event = Event.objects.get(event_type=EventType.SANCTION_REFUSED, subject_id=sanction.pk)
        assert event.comment == "情节轻微，书面检查即可。"

    def test_a_written_examination_is_not_waiting_for_approval(self, world):
        sanction = _accept(world, _proposal(world, FactKind.MEETING_LATE_LEAVE))
        with pytest.raises(InvalidState) as refused:
            accountability.sanction_approve(actor=world.user("leader"), sanction_id=sanction.pk, approve=True)
        assert refused.value.code == codes.ACTION_NOT_ALLOWED
        sanction.refresh_from_db()
        assert sanction.approved_by is None

    def test_a_decided_sanction_is_not_approved_twice(self, world):
        sanction = _approve(world, _accept(world, _proposal(world)))
        with pytest.raises(InvalidState):
            accountability.sanction_approve(
                actor=world.user("county_head"), sanction_id=sanction.pk, approve=False, comment="不同意"
            )
        sanction.refresh_from_db()
        assert (sanction.status, sanction.approved_by.username) == (SanctionStatus.IN_FORCE, "leader")


# --- the unit's answer and who sees what ------------------------------------------------------------------------


class TestTheUnit:
    def test_the_unit_answers_a_sanction_in_force(self, world):
        sanction = _accept(world, _proposal(world, FactKind.MEETING_LATE_LEAVE))

        with at(2026, 3, 25):
            accountability.sanction_respond(
                actor=world.user("fgw_liaison"),
                sanction_id=sanction.pk,
                text="书面检查：会议通知传达不到位。",
            )

        sanction.refresh_from_db()
        assert sanction.unit_response == "书面检查：会议通知传达不到位。"
        assert sanction.unit_responded_at == moment(2026, 3, 25, 10)

    def test_not_before_it_is_in_force_nor_for_another_unit_nor_as_a_handler(self, world):
        pending = _accept(world, _proposal(world))
        with pytest.raises(InvalidState):
            accountability.sanction_respond(actor=world.user("fgw_head"), sanction_id=pending.pk, text="检查")
        with pytest.raises(NotFound):
            accountability.sanction_respond(actor=world.user("jyj_head"), sanction_id=pending.pk, text="检查")
        with pytest.raises(NotPermitted):
            accountability.sanction_respond(actor=world.user("fgw"), sanction_id=pending.pk, text="检查")
        pending.refresh_from_db()
        assert pending.unit_response == ""

    def test_a_unit_sees_its_own_sanctions_once_in_force_and_others_not(self, world):
        sanction = _accept(world, _proposal(world))

        assert list(selectors.sanctions_for(world.user("fgw_head"))) == []
        _approve(world, sanction)
        assert [s.pk for s in selectors.sanctions_for(world.user("fgw_head"))] == [sanction.pk]
        assert list(selectors.sanctions_for(world.user("jyj_head"))) == []
        assert [s.pk for s in selectors.sanctions_for(world.user("office"))] == [sanction.pk]
        assert list(selectors.proposals_for(world.user("fgw_head"))) == []
        with pytest.raises(NotFound):
            selectors.sanction_for(world.user("jyj_head"), sanction.pk)


# --- follow-up and escalation -------------------------------------------------------------------------------------


class TestEscalation:
    def test_improved_completes_the_sanction_and_proposes_nothing(self, world):
        sanction = _approve(world, _accept(world, _proposal(world)))

        with at(2026, 5, 6):
            accountability.sanction_follow_up(
                actor=world.user("office"), sanction_id=sanction.pk, improved=True, note="已整改到位。"
            )

        sanction.refresh_from_db()
        assert (sanction.status, sanction.follow_up_note) == (SanctionStatus.COMPLETED, "已整改到位。")
        assert not Proposal.objects.filter(rule=ESCALATION).exists()

    def test_up_the_ladder_criticism_exposure_talk_accountability_and_no_further(self, world):
        """Criticised and no clear improvement → media exposure; exposed and not fixed → warning talk; talk failed
        → accountability; accountability failed → nothing above it."""
        sanction = _approve(world, _accept(world, _proposal(world, person="李建国")))
        assert sanction.tier == Tier.CRITICISM
        ladder = [Tier.MEDIA_EXPOSURE, Tier.WARNING_TALK, Tier.ACCOUNTABILITY]

        for month, tier in enumerate(ladder, start=5):
            failed = _not_improved(world, sanction, (2026, month, 6, 10))
            assert failed.status == SanctionStatus.ESCALATED
            [proposal] = Proposal.objects.filter(escalated_from=sanction)
            assert (proposal.tier, proposal.rule, proposal.key, proposal.unit_id, proposal.person) == (
                tier,
                ESCALATION,
                f"sanction:{sanction.pk}",
                world.departments["fgw"].pk,
                "李建国",
            )
            assert proposal.status == ProposalStatus.PROPOSED
            assert proposal.facts == [
                {"sanction": sanction.pk, "tier": sanction.tier, "follow_up": "整改期满仍无明显改观。"}
            ]
            event = Event.objects.get(event_type=EventType.SANCTION_FOLLOWED_UP, subject_id=sanction.pk)
            assert event.new == {"improved": False, "next_tier": tier}
            # The next tier is decided like any proposal: the office accepts, the leader approves.
            sanction = _approve(world, _accept(world, proposal, (2026, month, 7, 10)), (2026, month, 8, 10))
            assert (sanction.tier, sanction.status) == (tier, SanctionStatus.IN_FORCE)
            assert sanction.proposal.escalated_from.status == SanctionStatus.ESCALATED

        assert sanction.tier == Tier.ACCOUNTABILITY
        before = Proposal.objects.count()
        _not_improved(world, sanction, (2026, 8, 6, 10))
        assert Proposal.objects.count() == before
        assert not Proposal.objects.filter(escalated_from=sanction).exists()
        sanction.refresh_from_db()
        assert sanction.status == SanctionStatus.NOT_IMPROVED  # nothing above to propose
        event = Event.objects.get(event_type=EventType.SANCTION_FOLLOWED_UP, subject_id=sanction.pk)
        assert event.new == {"improved": False, "next_tier": None}

    def test_a_written_examination_not_improved_proposes_a_criticism(self, world):
        sanction = _accept(world, _proposal(world, FactKind.MEETING_LATE_LEAVE))
        _not_improved(world, sanction)
        [proposal] = Proposal.objects.filter(escalated_from=sanction)
        assert proposal.tier == Tier.CRITICISM

    def test_a_second_run_of_the_triggers_leaves_the_escalation_alone(self, world):
        sanction = _approve(world, _accept(world, _proposal(world)))
        _not_improved(world, sanction)
        before = Proposal.objects.count()
        assert run(world, D(2026, 5, 7)) == 0
        assert Proposal.objects.count() == before
        assert len(proposed(world, ESCALATION)) == 1

    def test_only_a_sanction_in_force_is_followed_up_and_only_by_the_office(self, world):
        pending = _accept(world, _proposal(world))
        with pytest.raises(InvalidState):
            _not_improved(world, pending)
        sanction = _approve(world, pending)
        with pytest.raises(NotPermitted):
            accountability.sanction_follow_up(
                actor=world.user("leader"), sanction_id=sanction.pk, improved=False, note="未改观"
            )
        with pytest.raises(ValidationFailed):
            accountability.sanction_follow_up(
                actor=world.user("office"), sanction_id=sanction.pk, improved=False, note=" "
            )
        sanction.refresh_from_db()
        assert sanction.status == SanctionStatus.IN_FORCE
        assert not Proposal.objects.filter(escalated_from=sanction).exists()
        _not_improved(world, sanction)
        with pytest.raises(InvalidState):
            _not_improved(world, sanction)
        assert Proposal.objects.filter(escalated_from=sanction).count() == 1


class TestDirect:
    def test_the_office_decides_a_sanction_no_trigger_saw_with_its_basis(self, world):
        with pytest.raises(ValidationFailed) as refused:
            accountability.sanction_create(
                actor=world.user("office"), unit_id=world.departments["fgw"].pk, tier=Tier.CRITICISM, basis=""
            )
        assert refused.value.code == codes.TEXT_REQUIRED
        with pytest.raises(ValidationFailed):
            accountability.sanction_create(
                actor=world.user("office"), unit_id=world.departments["fgw"].pk, tier="dismissal", basis="x"
            )
        assert not Sanction.objects.exists()

        sanction = accountability.sanction_create(
            actor=world.user("office"),
            unit_id=world.townships["cgz"].pk,
            tier=Tier.CRITICISM,
            basis="县长批评。",
        )
        assert (sanction.status, sanction.proposal, sanction.unit_id) == (
            SanctionStatus.PENDING_APPROVAL,
            None,
            world.townships["cgz"].pk,
        )
