"""责任追究 referrals as tracked cases: only an accountability sanction approved by the government is referred; the
referral goes sent → received → decided, with the body's decision fed back; out of order it is refused (409)."""

from __future__ import annotations

import pytest

from ducha.accountability import selectors
from ducha.accountability import services as accountability
from ducha.accountability.models import Referral, ReferralBody, ReferralStatus, Sanction, Tier
from ducha.audit.models import Event, EventType
from ducha.common import error_codes as codes
from ducha.common.errors import InvalidState, NotFound, NotPermitted, ValidationFailed
from ducha.devtools.demo import DemoWorld
from tests.accountability.helpers import at, sanction_in_force, unit
from tests.clock import moment

pytestmark = pytest.mark.django_db

REFERRAL_EVENTS = [EventType.REFERRAL_SENT, EventType.REFERRAL_RECEIVED, EventType.REFERRAL_DECIDED]


def _send(world: DemoWorld, sanction: Sanction, **changes) -> Referral:
    with at(2026, 4, 1):
        return accountability.referral_send(
            actor=world.user(changes.pop("by", "office")),
            sanction_id=sanction.pk,
            body=changes.pop("body", ReferralBody.DISCIPLINE),
            body_name=changes.pop("body_name", "县纪委监委"),
            recommendation=changes.pop("recommendation", "建议对相关责任人予以诫勉谈话。"),
            letter_number="督函〔2026〕3号",
        )


def _received(world: DemoWorld, referral: Referral) -> Referral:
    with at(2026, 4, 3):
        return accountability.referral_received(
            actor=world.user("office"), referral_id=referral.pk, received_by_name="县纪委监委信访室"
        )


def _decided(world: DemoWorld, referral: Referral) -> Referral:
    with at(2026, 5, 20):
        return accountability.referral_decided(
            actor=world.user("office"), referral_id=referral.pk, decision="给予李建国诫勉谈话处理。"
        )


def test_a_referral_is_tracked_from_the_letter_to_the_bodys_decision(world):
    sanction = sanction_in_force(world, Tier.ACCOUNTABILITY, (2026, 3, 24, 10), person="李建国")

    referral = _send(world, sanction)
    assert (referral.status, referral.body, referral.body_name, referral.letter_number) == (
        ReferralStatus.SENT,
        ReferralBody.DISCIPLINE,
        "县纪委监委",
        "督函〔2026〕3号",
    )
    assert referral.sent_by.username == "office"

    referral = _received(world, referral)
    assert (referral.status, referral.received_by_name, referral.received_at) == (
        ReferralStatus.RECEIVED,
        "县纪委监委信访室",
        moment(2026, 4, 3, 10),
    )

    referral = _decided(world, referral)
    referral.refresh_from_db()
    assert (referral.status, referral.decision, referral.decided_at) == (
        ReferralStatus.DECIDED,
        "给予李建国诫勉谈话处理。",
        moment(2026, 5, 20, 10),
    )
    events = Event.objects.filter(event_type__in=REFERRAL_EVENTS, subject_id=sanction.pk).order_by("id")
    assert [e.event_type for e in events] == REFERRAL_EVENTS
    assert [r.pk for r in selectors.referrals_for(world.user("office"))] == [referral.pk]
    assert list(selectors.referrals_for(world.user("fgw_head"))) == []


def test_out_of_order_is_refused_and_nothing_changes(world):
    referral = _send(world, sanction_in_force(world, Tier.ACCOUNTABILITY, (2026, 3, 24, 10)))

    with pytest.raises(InvalidState) as early:
        _decided(world, referral)
    assert (early.value.code, early.value.status) == (codes.ACTION_NOT_ALLOWED, 409)
    referral.refresh_from_db()
    assert (referral.status, referral.decision) == (ReferralStatus.SENT, "")

    _received(world, referral)
    with pytest.raises(InvalidState):
        _received(world, referral)
    _decided(world, referral)
    with pytest.raises(InvalidState):
        _decided(world, referral)
    with pytest.raises(InvalidState):
        _received(world, referral)
    referral.refresh_from_db()
    assert referral.status == ReferralStatus.DECIDED
    assert Event.objects.filter(event_type=EventType.REFERRAL_DECIDED).count() == 1


@pytest.mark.parametrize("tier", [Tier.WRITTEN_EXAMINATION, Tier.CRITICISM, Tier.WARNING_TALK])
def test_only_an_accountability_sanction_is_referred(world, tier):
    sanction = sanction_in_force(world, tier, (2026, 3, 24, 10))
    with pytest.raises(InvalidState) as refused:
        _send(world, sanction)
    assert refused.value.code == codes.ACTION_NOT_ALLOWED
    assert not Referral.objects.exists()


def test_an_accountability_sanction_not_yet_approved_is_not_referred(world):
    with at(2026, 3, 24):
        pending = accountability.sanction_create(
            actor=world.user("office"),
            unit_id=unit(world, "fgw").pk,
            tier=Tier.ACCOUNTABILITY,
            basis="被市政府问责。",
        )
    with pytest.raises(InvalidState):
        _send(world, pending)
    with at(2026, 3, 25):
        accountability.sanction_approve(
            actor=world.user("leader"), sanction_id=pending.pk, approve=False, comment="移交条件不足。"
        )
    with pytest.raises(InvalidState):
        _send(world, pending)
    assert not Referral.objects.exists()
    assert not Event.objects.filter(event_type__in=REFERRAL_EVENTS).exists()


def test_refusals_of_who_and_what(world):
    sanction = sanction_in_force(world, Tier.ACCOUNTABILITY, (2026, 3, 24, 10))
    with pytest.raises(NotPermitted):
        _send(world, sanction, by="leader")
    with pytest.raises(NotFound):
        _send(world, sanction, by="city_office")
    with pytest.raises(ValidationFailed):
        _send(world, sanction, body="court")
    with pytest.raises(ValidationFailed) as no_body:
        _send(world, sanction, body_name=" ")
    assert no_body.value.code == codes.TEXT_REQUIRED
    with pytest.raises(ValidationFailed):
        _send(world, sanction, recommendation="")
    assert not Referral.objects.exists()

    referral = _send(world, sanction, body=ReferralBody.ORGANISATION, body_name="县委组织部")
    with pytest.raises(NotPermitted):
        accountability.referral_received(
            actor=world.user("fgw_head"), referral_id=referral.pk, received_by_name="x"
        )
    with pytest.raises(ValidationFailed):
        accountability.referral_received(
            actor=world.user("office"), referral_id=referral.pk, received_by_name=""
        )
    referral.refresh_from_db()
    assert referral.status == ReferralStatus.SENT
