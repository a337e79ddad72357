"""Overlap detection across departments and governments (条例 Art. 15; 国办发〔2021〕5号 §2(5)) and the
configurable warn / block rule."""

from __future__ import annotations

import datetime

import pytest

from ducha.common.errors import InvalidState
from ducha.inspections import overlap, services
from ducha.inspections.lifecycle import InspectionStatus as S
from ducha.inspections.models import Inspection
from ducha.orgs.models import Role
from ducha.orgs.services import user_create
from tests.inspections.helpers import advance, inspection_in, make_inspection, unit


def designate(world, code: str, start: datetime.date, end: datetime.date):
    return services.designation_grant(
        actor=world.user("county_head"),
        unit_id=world.departments[code].pk,
        matter="住房安全专项督查",
        start_date=start,
        end_date=end,
    )


def test_bigram_similarity_is_simple_and_explainable():
    assert overlap.bigrams("老旧小区") == {"老旧", "旧小", "小区"}
    assert overlap.bigrams("老旧 小区！") == {"老旧", "旧小", "小区"}
    assert overlap.topic_similarity("老旧小区改造", "老旧小区改造") == 1.0
    # the generic words of a topic do not count
    assert overlap.topic_similarity("老旧小区改造专项督查", "老旧小区改造推进情况督查") == 1.0
    # 老旧小区改造 / 老旧小区加装电梯: 3 shared bigrams (老旧, 旧小, 小区) of 9
    assert overlap.topic_similarity("老旧小区改造", "老旧小区加装电梯") == pytest.approx(3 / 9)
    assert overlap.topic_similarity("食品安全专项督查", "老旧小区改造专项督查") == 0.0
    assert overlap.topic_similarity("老旧小区改造", "食品安全") == 0.0
    assert overlap.topic_similarity("", "食品安全") == 0.0


def test_add_months_clamps_to_the_end_of_the_month():
    assert overlap.add_months(datetime.date(2026, 1, 31), 1) == datetime.date(2026, 2, 28)
    assert overlap.add_months(datetime.date(2026, 11, 30), 3) == datetime.date(2027, 2, 28)
    assert overlap.add_months(datetime.date(2026, 3, 15), -6) == datetime.date(2025, 9, 15)


def test_an_inspection_by_another_department_of_the_same_target_at_the_same_time_is_shown(world, api, today):
    # given 住建局, designated, has an approved inspection of 城关镇 next week
    start = today + datetime.timedelta(days=7)
    designate(world, "zjj", start, start + datetime.timedelta(days=30))
    theirs = make_inspection(world, lead="zjj", topic="农村危房改造质量检查", start=start, days=5)
    advance(world, theirs, S.APPROVED)
    # when the office proposes its own inspection of 城关镇 overlapping that window
    response = api("office").post(
        "/inspections/",
        {
            "topic": "乡镇安全生产督查",
            "kind": "special",
            "targets": [unit(world, "cgz").pk, unit(world, "dhz").pk],
            "start_date": str(start + datetime.timedelta(days=3)),
            "end_date": str(start + datetime.timedelta(days=10)),
            "lead_unit": world.supervision_office.pk,
            "in_plan": False,
            "out_of_plan_reason": "县政府临时部署",
        },
    )
    # then it is created and the answer lists the other department's inspection
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["status"] == "proposed"
    assert [
        (o["inspection"]["id"], o["reason"], o["shared_targets"], o["blocks"]) for o in body["overlaps"]
    ] == [(theirs.pk, "concurrent", [unit(world, "cgz").pk], False)]
    assert body["overlaps"][0]["inspection"]["lead_unit"]["name"] == "县住房和城乡建设局"
    assert body["hidden_overlaps"] == 0


def test_no_overlap_for_other_targets_or_windows_that_do_not_meet(world, today):
    start = today + datetime.timedelta(days=7)
    mine = make_inspection(world, start=start, days=5)
    make_inspection(world, targets=("dhz",), start=start, days=5)  # another target
    make_inspection(
        world, start=start + datetime.timedelta(days=6), days=3, topic="食品安全检查"
    )  # later, unlike
    assert overlap.inspection_overlaps(mine).overlaps == []


def test_windows_touching_on_one_day_overlap(world, today):
    start = today + datetime.timedelta(days=7)
    mine = make_inspection(world, start=start, days=5)
    other = make_inspection(world, start=start + datetime.timedelta(days=5), days=3, topic="食品安全检查")
    assert [o.inspection.pk for o in overlap.inspection_overlaps(mine).overlaps] == [other.pk]


def test_an_inspection_by_the_city_of_the_same_township_counts_too(world, today):
    start = today + datetime.timedelta(days=7)
    city = services.inspection_create(
        actor=world.user("city_office"),
        topic="全市安全生产大检查",
        kind="comprehensive",
        targets=[world.townships["cgz"].pk],
        start_date=start,
        end_date=start + datetime.timedelta(days=5),
        lead_unit_id=world.city_office.pk,
        in_plan=False,
        out_of_plan_reason="省政府部署",
    )
    mine = make_inspection(world, start=start + datetime.timedelta(days=2), days=5)
    # while the city's is a draft, the county office only learns that something overlaps
    report = overlap.inspection_overlaps(mine, viewer=world.user("office"))
    assert (report.overlaps, report.hidden) == ([], 1)
    # once approved (and its targets told), it is shown in brief, outside the county office's scope
    services.inspection_team_set(
        inspection_id=city.pk,
        actor=world.user("city_office"),
        members=[
            services.TeamMemberInput(user_id=world.user("city_office").pk, role="leader", is_trained=True)
        ],
    )
    Inspection.objects.filter(pk=city.pk).update(approved_at=city.created_at, status=S.APPROVED)
    report = overlap.inspection_overlaps(mine, viewer=world.user("office"))
    assert [(o.inspection.pk, o.in_scope) for o in report.overlaps] == [(city.pk, False)]
    assert report.overlaps[0].inspection.government == world.city


def test_similar_topic_at_the_same_target_in_the_past_months_is_shown(world, today):
    # given an inspection of 城关镇 on 老旧小区改造 that ended two months ago
    earlier = make_inspection(
        world, topic="老旧小区改造专项督查", start=today - datetime.timedelta(days=90), days=30
    )
    Inspection.objects.filter(pk=earlier.pk).update(status=S.CLOSED)
    # and one on another topic in the same months
    unlike = make_inspection(
        world, topic="农村饮水安全检查", start=today - datetime.timedelta(days=90), days=30
    )
    Inspection.objects.filter(pk=unlike.pk).update(status=S.CLOSED)
    # when a similar topic is proposed for next week
    mine = make_inspection(
        world, topic="老旧小区改造工作推进情况督查", start=today + datetime.timedelta(days=7)
    )
    # then the earlier one shows as similar, with its similarity
    [found] = overlap.inspection_overlaps(mine).overlaps
    assert (found.inspection.pk, found.reason) == (earlier.pk, "similar_topic")
    assert found.similarity >= 0.5


def test_similar_topic_older_than_the_look_back_is_not_shown(world, today):
    old = make_inspection(
        world, topic="老旧小区改造专项督查", start=today - datetime.timedelta(days=400), days=30
    )
    Inspection.objects.filter(pk=old.pk).update(status=S.CLOSED)
    mine = make_inspection(world, topic="老旧小区改造专项督查", start=today + datetime.timedelta(days=7))
    assert overlap.inspection_overlaps(mine).overlaps == []
    # unless the government looks back further
    services.rules_set(government=world.county, similar_topic_months=24)
    assert [o.inspection.pk for o in overlap.inspection_overlaps(mine).overlaps] == [old.pk]


def test_withdrawn_and_rejected_inspections_do_not_count(world, today):
    start = today + datetime.timedelta(days=7)
    inspection_in(world, S.REJECTED, start=start)
    inspection_in(world, S.CANCELLED, start=start)
    mine = make_inspection(world, start=start)
    assert overlap.inspection_overlaps(mine).overlaps == []


def test_warn_rule_lets_an_overlapping_inspection_through(world, today):
    start = today + datetime.timedelta(days=7)
    inspection_in(world, S.APPROVED, start=start)
    second = make_inspection(world, start=start, topic="食品安全检查")
    assert advance(world, second, S.APPROVED).status == S.APPROVED


def test_block_rule_refuses_a_concurrent_inspection_of_the_same_target(world, api, today):
    services.rules_set(government=world.county, overlap_rule="block_concurrent")
    start = today + datetime.timedelta(days=7)
    inspection_in(world, S.APPROVED, start=start)
    # creation is refused over HTTP with the stable code, and nothing is created
    count = Inspection.objects.count()
    response = api("office").post(
        "/inspections/",
        {
            "topic": "食品安全检查",
            "kind": "special",
            "targets": [unit(world, "cgz").pk],
            "start_date": str(start),
            "end_date": str(start + datetime.timedelta(days=2)),
            "lead_unit": world.supervision_office.pk,
            "in_plan": False,
        },
    )
    assert response.status_code == 409
    assert response.json()["code"] == "inspection_overlap"
    assert Inspection.objects.count() == count


def test_two_drafts_do_not_block_each_other_but_the_first_submitted_does(world, today):
    start = today + datetime.timedelta(days=7)
    first = make_inspection(world, start=start)
    second = make_inspection(world, start=start, topic="食品安全检查")
    services.rules_set(government=world.county, overlap_rule="block_concurrent")
    advance(world, first, S.PENDING_APPROVAL)
    with pytest.raises(InvalidState) as refused:
        services.inspection_submit(inspection_id=second.pk, actor=world.user("office"))
    assert refused.value.code == "inspection_overlap"
    second.refresh_from_db()
    assert second.status == S.PROPOSED


def test_block_concurrent_still_only_warns_on_similar_topics_block_all_blocks_them(world, today):
    earlier = make_inspection(
        world, topic="老旧小区改造专项督查", start=today - datetime.timedelta(days=60), days=10
    )
    Inspection.objects.filter(pk=earlier.pk).update(status=S.CLOSED)
    services.rules_set(government=world.county, overlap_rule="block_concurrent")
    mine = make_inspection(world, topic="老旧小区改造专项督查", start=today + datetime.timedelta(days=7))
    assert [o.blocks for o in overlap.inspection_overlaps(mine).overlaps] == [False]
    services.rules_set(government=world.county, overlap_rule="block_all")
    assert [o.blocks for o in overlap.inspection_overlaps(mine).overlaps] == [True]
    with pytest.raises(InvalidState):
        services.inspection_submit(inspection_id=mine.pk, actor=world.user("office"))


def test_a_follow_up_is_not_similar_to_the_inspection_it_follows_up(world, today):
    services.rules_set(government=world.county, overlap_rule="block_all")
    source = make_inspection(
        world, topic="老旧小区改造专项督查", start=today - datetime.timedelta(days=60), days=10
    )
    Inspection.objects.filter(pk=source.pk).update(status=S.CLOSED)
    created = Inspection.objects.create(
        government=world.county,
        year=today.year,
        topic="老旧小区改造专项督查",
        kind="follow_up",
        follows_up=source,
        lead_unit=world.supervision_office,
        in_plan=False,
        start_date=today + datetime.timedelta(days=7),
        end_date=today + datetime.timedelta(days=9),
    )
    created.targets.create(unit=world.townships["cgz"])
    assert overlap.inspection_overlaps(created).overlaps == []


def test_an_overlapping_unannounced_visit_is_counted_never_described_to_who_may_not_see_it(world, today):
    start = today + datetime.timedelta(days=7)
    secret = inspection_in(world, S.APPROVED, kind="unannounced", start=start, actor="office2")
    office3 = user_create(
        username="office3", password=None, unit=world.supervision_office, roles=[Role.OFFICE]
    )
    mine = make_inspection(world, start=start, topic="食品安全检查")
    assert [
        o.inspection.pk for o in overlap.inspection_overlaps(mine, viewer=world.user("leader")).overlaps
    ] == [secret.pk]
    hidden = overlap.inspection_overlaps(mine, viewer=office3)
    assert (hidden.overlaps, hidden.hidden) == ([], 1)
