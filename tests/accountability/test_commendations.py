"""Commendations and the one-vote veto (seed 004 §4(四)): a unit or person with a criticism bulletin or a higher
tier in force in the year is vetoed, naming the sanction, and refused with `commendation_vetoed`; a written
self-examination, a sanction not (yet) in force or one of another year does not veto; a sanction naming a person
vetoes that person only; only a leader overrides, with a reason."""

from __future__ import annotations

import pytest

from ducha.accountability import selectors
from ducha.accountability import services as accountability
from ducha.accountability.models import VETO_TIERS, Commendation, CommendationStatus, Sanction, Tier
from ducha.audit.models import Event, EventType
from ducha.common import error_codes as codes
from ducha.common.errors import InvalidState, NotPermitted, ValidationFailed
from ducha.devtools.demo import DemoWorld
from tests.accountability.helpers import at, sanction_in_force, unit

pytestmark = pytest.mark.django_db

TITLE = "2026年度全县督查工作先进单位"


def _propose(
    world: DemoWorld, *, code: str = "fgw", person: str = "", year: int = 2026, by: str = "office"
) -> Commendation:
    with at(2026, 11, 10):
        return accountability.commendation_propose(
            actor=world.user(by), title=TITLE, year=year, unit_id=unit(world, code).pk, person=person
        )


def _vet(world: DemoWorld, commendation: Commendation) -> Commendation:
    with at(2026, 11, 12):
        return accountability.commendation_vet(actor=world.user("office"), commendation_id=commendation.pk)


def _check(world: DemoWorld, *, code: str = "fgw", person: str = "", year: int = 2026) -> None:
    accountability.commendation_check(
        government_id=world.county.pk, unit_id=unit(world, code).pk, person=person, year=year
    )


class TestVeto:
    @pytest.mark.parametrize("tier", VETO_TIERS)
    def test_a_unit_sanctioned_in_the_year_is_vetoed_naming_the_sanction(self, world, tier):
        sanction = sanction_in_force(world, tier, (2026, 3, 24, 10))
        candidate = _propose(world)

        vetted = _vet(world, candidate)

        assert (vetted.status, vetted.vetoing_sanction_id) == (CommendationStatus.VETOED, sanction.pk)
        assert vetted.decided_by.username == "office"
        event = Event.objects.get(event_type=EventType.COMMENDATION_VETOED, subject_id=candidate.pk)
        assert event.new == {"sanction": sanction.pk}
        with pytest.raises(InvalidState) as refused:
            _check(world)
        assert (refused.value.code, refused.value.status) == (codes.COMMENDATION_VETOED, 409)
        assert str(sanction.pk) in refused.value.message
        assert "2026-03-24" in refused.value.message
        assert world.departments["fgw"].name in refused.value.message

    def test_a_sanction_followed_up_as_improved_still_vetoes_its_year(self, world):
        sanction = sanction_in_force(world, Tier.CRITICISM, (2026, 3, 24, 10))
        with at(2026, 5, 6):
            accountability.sanction_follow_up(
                actor=world.user("office"), sanction_id=sanction.pk, improved=True, note="已整改。"
            )
        assert _vet(world, _propose(world)).vetoing_sanction_id == sanction.pk

    def test_a_written_examination_does_not_veto(self, world):
        sanction_in_force(world, Tier.WRITTEN_EXAMINATION, (2026, 3, 24, 10))

        vetted = _vet(world, _propose(world))

        assert (vetted.status, vetted.vetoing_sanction) == (CommendationStatus.CLEARED, None)
        _check(world)
        assert Event.objects.filter(event_type=EventType.COMMENDATION_CLEARED, subject_id=vetted.pk).exists()

    def test_a_sanction_waiting_for_approval_or_refused_does_not_veto(self, world):
        with at(2026, 3, 24):
            pending = accountability.sanction_create(
                actor=world.user("office"), unit_id=unit(world, "fgw").pk, tier=Tier.CRITICISM, basis="批评。"
            )
            refused = accountability.sanction_create(
                actor=world.user("office"), unit_id=unit(world, "jyj").pk, tier=Tier.CRITICISM, basis="批评。"
            )
            accountability.sanction_approve(
                actor=world.user("leader"), sanction_id=refused.pk, approve=False, comment="不予批准。"
            )

        assert _vet(world, _propose(world)).status == CommendationStatus.CLEARED
        assert _vet(world, _propose(world, code="jyj")).status == CommendationStatus.CLEARED
        _check(world)
        _check(world, code="jyj")
        assert Sanction.objects.get(pk=pending.pk).status == "pending_approval"

    def test_a_sanction_of_another_year_does_not_veto_this_years_list(self, world):
        sanction = sanction_in_force(world, Tier.WARNING_TALK, (2025, 12, 22, 10))

        assert _vet(world, _propose(world)).status == CommendationStatus.CLEARED
        _check(world)
        # Last year's list is another matter.
        assert _vet(world, _propose(world, year=2025)).vetoing_sanction_id == sanction.pk
        with pytest.raises(InvalidState):
            _check(world, year=2025)

    def test_another_units_sanction_does_not_veto(self, world):
        sanction_in_force(world, Tier.CRITICISM, (2026, 3, 24, 10), code="jyj")
        assert _vet(world, _propose(world)).status == CommendationStatus.CLEARED
        assert _vet(world, _propose(world, code="jyj")).status == CommendationStatus.VETOED

    def test_a_sanction_naming_a_person_vetoes_that_person_only(self, world):
        sanction = sanction_in_force(world, Tier.CRITICISM, (2026, 3, 24, 10), person="李建国")

        named = _vet(world, _propose(world, person="李建国"))
        colleague = _vet(world, _propose(world, person="王伟"))
        the_unit = _vet(world, _propose(world))

        assert (named.status, named.vetoing_sanction_id) == (CommendationStatus.VETOED, sanction.pk)
        assert (colleague.status, the_unit.status) == (CommendationStatus.CLEARED, CommendationStatus.CLEARED)
        with pytest.raises(InvalidState) as refused:
            _check(world, person="李建国")
        assert "李建国" in refused.value.message
        _check(world, person="王伟")
        _check(world)


class TestOverride:
    def _vetoed(self, world: DemoWorld) -> Commendation:
        sanction_in_force(world, Tier.CRITICISM, (2026, 3, 24, 10))
        return _vet(world, _propose(world))

    def test_a_leader_overrides_with_a_reason_recorded(self, world):
        vetoed = self._vetoed(world)

        with at(2026, 11, 13):
            done = accountability.commendation_override(
                actor=world.user("county_head"),
                commendation_id=vetoed.pk,
                reason="整改成效突出，县政府常务会议研究同意。",
            )

        assert (done.status, done.decided_by.username, done.override_reason) == (
            CommendationStatus.OVERRIDDEN,
            "county_head",
            "整改成效突出，县政府常务会议研究同意。",
        )
        assert done.vetoing_sanction_id == vetoed.vetoing_sanction_id
        event = Event.objects.get(event_type=EventType.COMMENDATION_OVERRIDDEN, subject_id=vetoed.pk)
        assert (event.actor.username, event.comment) == ("county_head", done.override_reason)

    def test_the_office_cannot_override(self, world):
        vetoed = self._vetoed(world)
        with pytest.raises(NotPermitted) as refused:
            accountability.commendation_override(
                actor=world.user("office"), commendation_id=vetoed.pk, reason="x"
            )
        assert refused.value.status == 403
        vetoed.refresh_from_db()
        assert (vetoed.status, vetoed.override_reason) == (CommendationStatus.VETOED, "")
        assert not Event.objects.filter(event_type=EventType.COMMENDATION_OVERRIDDEN).exists()

    def test_an_override_needs_a_reason(self, world):
        vetoed = self._vetoed(world)
        with pytest.raises(ValidationFailed) as refused:
            accountability.commendation_override(
                actor=world.user("leader"), commendation_id=vetoed.pk, reason=" "
            )
        assert (refused.value.code, refused.value.status) == (codes.REASON_REQUIRED, 400)
        vetoed.refresh_from_db()
        assert (vetoed.status, vetoed.decided_by.username) == (CommendationStatus.VETOED, "office")
        assert not Event.objects.filter(event_type=EventType.COMMENDATION_OVERRIDDEN).exists()

    def test_only_a_vetoed_candidate_is_overridden(self, world):
        cleared = _vet(world, _propose(world))
        with pytest.raises(InvalidState):
            accountability.commendation_override(
                actor=world.user("leader"), commendation_id=cleared.pk, reason="x"
            )
        cleared.refresh_from_db()
        assert cleared.status == CommendationStatus.CLEARED


class TestProposeAndVet:
    def test_a_department_proposes_in_the_governments_name_and_sees_its_own(self, world):
        mine = _propose(world, code="cgz", by="fgw_head")
        theirs = _propose(world, code="jyj")

        assert (mine.proposed_by.username, mine.government_id) == ("fgw_head", world.county.pk)
        assert [c.pk for c in selectors.commendations_for(world.user("fgw_head"))] == [mine.pk]
        assert {c.pk for c in selectors.commendations_for(world.user("office"))} == {mine.pk, theirs.pk}

    def test_refusals_change_nothing(self, world):
        _propose(world)
        with pytest.raises(InvalidState) as twice:
            _propose(world)
        assert twice.value.code == codes.COMMENDATION_EXISTS
        with pytest.raises(NotPermitted):
            _propose(world, by="fgw")
        with pytest.raises(ValidationFailed) as elsewhere:
            accountability.commendation_propose(
                actor=world.user("office"), title=TITLE, year=2026, unit_id=world.city_office.pk
            )
        assert elsewhere.value.code == codes.UNIT_NOT_FOUND
        assert Commendation.objects.count() == 1

    def test_a_candidate_is_vetted_once_and_only_by_the_office(self, world):
        candidate = _propose(world)
        with pytest.raises(NotPermitted):
            accountability.commendation_vet(actor=world.user("leader"), commendation_id=candidate.pk)
        _vet(world, candidate)
        with pytest.raises(InvalidState):
            _vet(world, candidate)
