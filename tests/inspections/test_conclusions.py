"""Conclusions (条例 Art. 16), the target's objection within 30 calendar days of receipt and the review within 30
days by people who took no part in the conclusion (Art. 17), the use of the results (Art. 19-21), and closing."""

from __future__ import annotations

import datetime
from zoneinfo import ZoneInfo

import pytest
import time_machine

from ducha.common.errors import InvalidState, NotPermitted, ValidationFailed
from ducha.inspections import services
from ducha.inspections.lifecycle import ConclusionStatus as C
from ducha.inspections.lifecycle import InspectionStatus as S
from ducha.inspections.models import Conclusion, Rectification
from tests.inspections.helpers import inspection_in

SHANGHAI = ZoneInfo("Asia/Shanghai")


def at(year, month, day, hour=10, minute=0):
    return time_machine.travel(datetime.datetime(year, month, day, hour, minute, tzinfo=SHANGHAI), tick=False)


def issued_conclusion(world) -> Conclusion:
    inspection = inspection_in(world, S.RECTIFYING)
    return Conclusion.objects.select_related("inspection").get(inspection=inspection)


def test_a_conclusion_is_approved_by_the_governments_head_before_it_is_issued(world):
    inspection = inspection_in(world, S.CONCLUDING)
    office = world.user("office")
    conclusion = services.conclusion_draft(
        inspection_id=inspection.pk,
        actor=office,
        target_id=world.townships["cgz"].pk,
        facts="事实",
        judgement="判断",
    )
    services.conclusion_submit(conclusion_id=conclusion.pk, actor=office)
    with pytest.raises(InvalidState):
        services.conclusion_issue(conclusion_id=conclusion.pk, actor=office)
    with pytest.raises(NotPermitted):
        services.conclusion_approve(conclusion_id=conclusion.pk, actor=world.user("office2"))
    services.conclusion_return(
        conclusion_id=conclusion.pk, actor=world.user("county_head"), reason="证据不充分"
    )
    services.conclusion_update(conclusion_id=conclusion.pk, actor=office, judgement="补充证据后的判断")
    services.conclusion_submit(conclusion_id=conclusion.pk, actor=office)
    services.conclusion_approve(conclusion_id=conclusion.pk, actor=world.user("county_head"))
    services.conclusion_issue(conclusion_id=conclusion.pk, actor=office)
    conclusion.refresh_from_db()
    assert (conclusion.status, conclusion.approved_by) == (C.ISSUED, world.user("county_head"))
    inspection.refresh_from_db()
    assert inspection.status == S.RECTIFYING


def test_one_conclusion_per_target_and_the_inspection_moves_on_when_every_target_has_one(world):
    inspection = inspection_in(world, S.CONCLUDING, targets=("cgz", "dhz"))
    office, head = world.user("office"), world.user("county_head")
    conclusions = []
    for code in ("cgz", "dhz"):
        conclusions.append(
            services.conclusion_draft(
                inspection_id=inspection.pk,
                actor=office,
                target_id=world.townships[code].pk,
                facts="事实",
                judgement="判断",
            )
        )
    with pytest.raises(InvalidState) as refused:
        services.conclusion_draft(
            inspection_id=inspection.pk,
            actor=office,
            target_id=world.townships["cgz"].pk,
            facts="事实",
            judgement="判断",
        )
    assert refused.value.code == "conclusion_exists"
    for index, conclusion in enumerate(conclusions):
        services.conclusion_submit(conclusion_id=conclusion.pk, actor=office)
        services.conclusion_approve(conclusion_id=conclusion.pk, actor=head)
        services.conclusion_issue(conclusion_id=conclusion.pk, actor=office)
        inspection.refresh_from_db()
        assert inspection.status == (S.CONCLUDING if index == 0 else S.RECTIFYING)


def test_issuing_turns_each_finding_of_the_target_into_a_rectification_with_stored_dates(world):
    conclusion = issued_conclusion(world)
    [rectification] = Rectification.objects.filter(conclusion=conclusion)
    finding = rectification.finding
    assert (rectification.target_id, rectification.kind, rectification.status) == (
        conclusion.target_id,
        "deadline",
        "open",
    )
    assert rectification.due_date == finding.rectification_due_date
    assert rectification.warn_date < rectification.due_date


# --- the objection window: 30 calendar days from receipt --------------------------------------------------------------


def test_objection_window_is_thirty_calendar_days_from_receipt(world):
    # given a conclusion received on 20 September 2026: the window spans the National Day holidays
    with at(2026, 9, 14):
        conclusion = issued_conclusion(world)
    head = world.user("cgz_head")
    with at(2026, 9, 20, 16):
        services.conclusion_acknowledge(conclusion_id=conclusion.pk, actor=head)
    conclusion.refresh_from_db()
    # then the last day is 20 October — calendar days (日), not working days
    assert conclusion.objection_deadline == datetime.date(2026, 10, 20)
    # on the 30th day, late in the evening, the objection is still in time
    with at(2026, 10, 20, 23, 50):
        assert conclusion.objection_open_on(datetime.date(2026, 10, 20))


def test_an_objection_on_the_thirty_first_day_is_refused_and_changes_nothing(world):
    with at(2026, 9, 14):
        conclusion = issued_conclusion(world)
    head = world.user("cgz_head")
    with at(2026, 9, 20, 16):
        services.conclusion_acknowledge(conclusion_id=conclusion.pk, actor=head)
    with at(2026, 10, 21, 0, 10), pytest.raises(InvalidState) as refused:
        services.conclusion_object(conclusion_id=conclusion.pk, actor=head, reasons="不服")
    assert refused.value.code == "objection_window_closed"
    conclusion.refresh_from_db()
    assert conclusion.status == C.ACKNOWLEDGED
    assert (
        not hasattr(conclusion, "review_request")
        or not Conclusion.objects.filter(pk=conclusion.pk, review_request__isnull=False).exists()
    )


def test_an_objection_in_time_opens_a_review_to_be_decided_within_thirty_days(world):
    with at(2026, 9, 14):
        conclusion = issued_conclusion(world)
    head = world.user("cgz_head")
    with at(2026, 9, 20):
        services.conclusion_acknowledge(conclusion_id=conclusion.pk, actor=head)
    with at(2026, 10, 20, 17):
        review = services.conclusion_object(
            conclusion_id=conclusion.pk, actor=head, reasons="资金滞后系省级资金未到位", uploads=[]
        )
    assert (review.filed_on, review.decide_by) == (datetime.date(2026, 10, 20), datetime.date(2026, 11, 19))
    conclusion.refresh_from_db()
    assert conclusion.status == C.UNDER_REVIEW
    # a review decided after the 30 days shows as late
    services.review_reviewers_assign(
        review_id=review.pk, actor=world.user("office"), reviewer_ids=[world.user("office2").pk]
    )
    with at(2026, 11, 20):
        decided = services.review_decide(
            review_id=review.pk, actor=world.user("office2"), outcome="upheld", decision="维持"
        )
    assert decided.is_late


def test_only_the_targets_head_objects_with_reasons(world):
    conclusion = issued_conclusion(world)
    services.conclusion_acknowledge(conclusion_id=conclusion.pk, actor=world.user("cgz_liaison"))
    with pytest.raises(NotPermitted):
        services.conclusion_object(conclusion_id=conclusion.pk, actor=world.user("cgz"), reasons="不服")
    with pytest.raises(NotPermitted):
        services.conclusion_object(conclusion_id=conclusion.pk, actor=world.user("dhz_head"), reasons="不服")
    with pytest.raises(ValidationFailed):
        services.conclusion_object(conclusion_id=conclusion.pk, actor=world.user("cgz_head"), reasons="  ")


# --- reviewers who took no part -----------------------------------------------------------------------------------


@pytest.fixture
def review(world):
    conclusion = issued_conclusion(world)
    head = world.user("cgz_head")
    services.conclusion_acknowledge(conclusion_id=conclusion.pk, actor=head)
    return services.conclusion_object(conclusion_id=conclusion.pk, actor=head, reasons="事实认定有误")


@pytest.mark.parametrize(
    ("username", "why"),
    [
        ("office", "team leader and drafter"),
        ("zjj", "team member"),
        ("county_head", "approved the conclusion"),
    ],
)
def test_someone_who_took_part_in_the_conclusion_is_refused_as_reviewer(world, review, username, why):
    with pytest.raises(ValidationFailed) as refused:
        services.review_reviewers_assign(
            review_id=review.pk,
            actor=world.user("office2"),
            reviewer_ids=[world.user("leader").pk, world.user(username).pk],
        )
    assert refused.value.code == "reviewer_took_part", why
    review.refresh_from_db()
    assert (review.status, list(review.reviewers.all())) == ("filed", [])


def test_a_team_member_is_refused_as_reviewer_over_http(world, review, api):
    response = api("office2").post(
        f"/inspections/{review.inspection_id}/reviews/{review.pk}/reviewers",
        {"reviewers": [world.user("zjj").pk]},
    )
    assert response.status_code == 400
    assert response.json()["code"] == "reviewer_took_part"


def test_reviewers_are_staff_or_leaders_of_the_government(world, review):
    for username in ("cgz_head", "city_office", "fgw_head"):
        with pytest.raises(ValidationFailed) as refused:
            services.review_reviewers_assign(
                review_id=review.pk, actor=world.user("office2"), reviewer_ids=[world.user(username).pk]
            )
        assert refused.value.code == "reviewer_invalid"
    with pytest.raises(ValidationFailed) as refused:
        services.review_reviewers_assign(review_id=review.pk, actor=world.user("office2"), reviewer_ids=[])
    assert refused.value.code == "reviewers_required"


def test_only_an_assigned_reviewer_decides(world, review):
    services.review_reviewers_assign(
        review_id=review.pk, actor=world.user("office2"), reviewer_ids=[world.user("leader").pk]
    )
    with pytest.raises(NotPermitted) as refused:
        services.review_decide(
            review_id=review.pk, actor=world.user("office2"), outcome="upheld", decision="维持"
        )
    assert refused.value.code == "not_a_reviewer"
    services.review_decide(
        review_id=review.pk, actor=world.user("leader"), outcome="upheld", decision="维持原结论"
    )


def decide(world, review, outcome, **kwargs):
    services.review_reviewers_assign(
        review_id=review.pk, actor=world.user("office2"), reviewer_ids=[world.user("leader").pk]
    )
    return services.review_decide(
        review_id=review.pk, actor=world.user("leader"), outcome=outcome, decision="复核决定", **kwargs
    )


def test_upheld_the_conclusion_stands_and_the_outcome_is_sent(world, review):
    decided = decide(world, review, "upheld")
    conclusion = decided.conclusion
    assert (decided.status, decided.outcome, conclusion.status) == ("decided", "upheld", C.REVIEWED)
    assert decided.sent_at is not None and not decided.is_late
    assert Rectification.objects.filter(conclusion=conclusion, status="open").count() == 1


def test_changed_the_changed_judgement_is_recorded(world, review):
    with pytest.raises(ValidationFailed):
        decide(world, review, "changed")
    review.refresh_from_db()
    decided = services.review_decide(
        review_id=review.pk,
        actor=world.user("leader"),
        outcome="changed",
        decision="部分采纳",
        revised_judgement="工作有推进，但仍需整改",
    )
    conclusion = Conclusion.objects.get(pk=decided.conclusion_id)
    assert (conclusion.status, conclusion.effective_judgement) == (C.REVIEWED, "工作有推进，但仍需整改")


def test_withdrawn_the_conclusion_falls_and_its_rectifications_are_cancelled(world, review):
    decided = decide(world, review, "withdrawn")
    conclusion = Conclusion.objects.get(pk=decided.conclusion_id)
    assert conclusion.status == C.WITHDRAWN
    assert set(Rectification.objects.filter(conclusion=conclusion).values_list("status", flat=True)) == {
        "cancelled"
    }


# --- results and closing ------------------------------------------------------------------------------------------


def test_praise_criticism_and_accountability_take_effect_only_when_the_government_approves(world):
    inspection = inspection_in(world, S.RECTIFYING)
    cgz = world.townships["cgz"].pk
    proposal = services.result_propose(
        inspection_id=inspection.pk,
        actor=world.user("office"),
        unit_id=cgz,
        kind="accountability",
        reason="资金挪用",
        referred_to="县纪委监委",
    )
    assert not proposal.is_effective
    with pytest.raises(NotPermitted):
        services.result_decide(proposal_id=proposal.pk, actor=world.user("office"), approve=True)
    with pytest.raises(ValidationFailed):
        services.result_decide(proposal_id=proposal.pk, actor=world.user("leader"), approve=False)
    decided = services.result_decide(proposal_id=proposal.pk, actor=world.user("county_head"), approve=True)
    assert decided.is_effective
    with pytest.raises(ValidationFailed) as refused:
        services.result_propose(
            inspection_id=inspection.pk,
            actor=world.user("office"),
            unit_id=world.townships["dhz"].pk,
            kind="praise",
            reason="好",
        )
    assert refused.value.code == "finding_target_invalid"


def test_the_inspection_closes_only_when_nothing_is_open(world):
    inspection = inspection_in(world, S.RECTIFYING)
    leader = world.user("leader")
    with pytest.raises(InvalidState) as refused:
        services.inspection_close(inspection_id=inspection.pk, actor=leader)
    assert refused.value.code == "inspection_open_work"


def test_an_acknowledged_conclusion_is_final_once_the_window_is_over(world):
    with at(2026, 9, 14):
        inspection = inspection_in(world, S.RECTIFYING, finding=False)
    conclusion = Conclusion.objects.get(inspection=inspection)
    with at(2026, 9, 20):
        services.conclusion_acknowledge(conclusion_id=conclusion.pk, actor=world.user("cgz_head"))
    with at(2026, 10, 20), pytest.raises(InvalidState):
        services.inspection_close(inspection_id=inspection.pk, actor=world.user("leader"))
    with at(2026, 10, 21):
        closed = services.inspection_close(
            inspection_id=inspection.pk, actor=world.user("leader"), comment="同意"
        )
    assert closed.status == S.CLOSED
