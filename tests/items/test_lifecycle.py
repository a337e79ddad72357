"""The item lifecycle in detail: numbering, deadlines, reports and reviews, extensions, delegation, disagreements,
withdrawal, attachments — each with its refusals, and nothing changed on refusal."""

from __future__ import annotations

import datetime
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import transaction

from ducha.audit.models import Event
from ducha.common import error_codes as codes
from ducha.common.errors import InvalidState, NotPermitted, ValidationFailed
from ducha.items import services
from ducha.items.lifecycle import ItemStatus
from ducha.items.models import (
    Assignment,
    AssignmentStatus,
    DeadlineRule,
    ExtensionStatus,
    Item,
    Light,
    Report,
    ReportStatus,
)
from ducha.workcalendar.services import add_workdays, subtract_workdays
from tests.helpers import advance, item_in, make_item

SHANGHAI = ZoneInfo("Asia/Shanghai")


def at(year, month, day, hour=10):
    return time_machine.travel(datetime.datetime(year, month, day, hour, tzinfo=SHANGHAI), tick=False)


def snapshot(item: Item):
    return (Item.objects.values().get(pk=item.pk), Event.objects.count(), Report.objects.count())


# --- numbering -------------------------------------------------------------------------------------------------


def test_numbers_are_sequential_per_year_without_leading_zeros(world):
    with at(2026, 11, 20):
        first = item_in(world, ItemStatus.REGISTERED)
        second = item_in(world, ItemStatus.REGISTERED)
    with at(2027, 1, 5):
        next_year = item_in(world, ItemStatus.REGISTERED)
    assert (first.number, second.number, next_year.number) == (
        "督〔2026〕1号",
        "督〔2026〕2号",
        "督〔2027〕1号",
    )
    assert (first.number_year, first.number_seq) == (2026, 1)


def test_number_pattern_is_configurable(world, settings):
    settings.DUCHA_ITEM_NUMBER_PATTERN = "示县督办〔{year}〕第{seq}号"
    with at(2026, 11, 20):
        item = item_in(world, ItemStatus.REGISTERED)
    assert item.number == "示县督办〔2026〕第1号"


def test_a_rolled_back_approval_gives_its_number_back(world):
    first, second = item_in(world, ItemStatus.PENDING_APPROVAL), item_in(world, ItemStatus.PENDING_APPROVAL)
    with pytest.raises(RuntimeError), transaction.atomic():
        services.item_approve(item_id=first.pk, actor=world.user("leader"))
        raise RuntimeError("the approval's transaction fails after numbering")
    services.item_approve(item_id=second.pk, actor=world.user("leader"))
    second.refresh_from_db()
    first.refresh_from_db()
    assert first.number == "" and first.status == ItemStatus.PENDING_APPROVAL
    assert second.number_seq == 1


def test_draft_rejected_and_pending_items_have_no_number(world):
    assert item_in(world, ItemStatus.REJECTED).number == ""
    assert item_in(world, ItemStatus.PENDING_APPROVAL).number == ""


# --- deadlines -------------------------------------------------------------------------------------------------


def test_assignment_sets_a_15_working_day_deadline_by_default(world):
    with at(2026, 9, 28):
        item = item_in(world, ItemStatus.ASSIGNED)
    # 15 working days after Mon 2026-09-28, over National Day (Oct 1-7 off, Sat Oct 10 worked).
    assert item.due_date == datetime.date(2026, 10, 23)
    assert item.due_date == add_workdays(datetime.date(2026, 9, 28), 15)
    assert item.warn_date == subtract_workdays(item.due_date, 3) == datetime.date(2026, 10, 20)
    assert item.deadline_workdays == 15
    assert item.due_date_is_provisional is False


def test_one_working_day_before_national_day_lands_after_it(world):
    with at(2026, 9, 30):
        item = item_in(world, ItemStatus.ASSIGNED, deadline_workdays=1)
    assert item.due_date == datetime.date(2026, 10, 8)


def test_deadline_rule_most_specific_wins(world):
    DeadlineRule.objects.create(urgency="urgent", workdays=10)
    DeadlineRule.objects.create(source_type="leader_instruction", urgency="extra_urgent", workdays=3)
    DeadlineRule.objects.create(source_type="leader_instruction", workdays=7)
    with at(2026, 11, 2):
        urgent = item_in(world, ItemStatus.ASSIGNED, urgency="urgent")
        extra = item_in(world, ItemStatus.ASSIGNED, urgency="extra_urgent", source_type="leader_instruction")
        instruction = item_in(world, ItemStatus.ASSIGNED, source_type="leader_instruction")
        plain = item_in(world, ItemStatus.ASSIGNED)
    start = datetime.date(2026, 11, 2)
    assert urgent.due_date == add_workdays(start, 10)
    assert extra.due_date == add_workdays(start, 3)
    assert instruction.due_date == add_workdays(start, 7)
    assert plain.due_date == add_workdays(start, 15)


def test_fixed_due_date_is_kept(world):
    with at(2026, 11, 2):
        item = item_in(world, ItemStatus.ASSIGNED, due_date=datetime.date(2026, 12, 31))
    assert item.due_date == datetime.date(2026, 12, 31)
    assert item.deadline_basis == "date"


def test_deadline_into_an_uncovered_year_is_provisional_and_recomputed_when_entered(world):
    with at(2026, 12, 21):
        item = item_in(world, ItemStatus.ASSIGNED, deadline_workdays=15)
    provisional_due = item.due_date
    assert item.due_date_is_provisional is True
    assert provisional_due == add_workdays(datetime.date(2026, 12, 21), 15)
    # when the official 2027 arrangement is entered (here: Jan 4 also a holiday), the deadline moves
    with at(2026, 12, 22):
        changed = services.calendar_arrangement_enter(
            year=2027,
            holidays={datetime.date(2027, 1, 1): "元旦", datetime.date(2027, 1, 4): "元旦"},
            workdays_list=[],
            actor=world.user("admin"),
        )
    item.refresh_from_db()
    assert changed == 1
    assert item.due_date_is_provisional is False
    assert item.due_date == add_workdays(provisional_due, 1)
    event = Event.objects.filter(subject_id=item.pk, event_type="item_deadline_recomputed").get()
    assert event.old["due_date"] == provisional_due.isoformat()
    assert event.new == {"due_date": item.due_date.isoformat(), "provisional": False}


def test_due_date_in_the_past_is_refused(world):
    with pytest.raises(ValidationFailed) as refused:
        make_item(world, due_date=datetime.date(2020, 1, 1))
    assert refused.value.code == codes.DEADLINE_IN_PAST


# --- lights ------------------------------------------------------------------------------------------------------


def test_light_turns_yellow_three_working_days_before_and_red_after_the_due_date(world):
    from ducha.items.selectors import light_expression, light_filter

    with at(2026, 11, 2):
        item = item_in(world, ItemStatus.IN_PROGRESS, deadline_workdays=10)
    assert item.due_date == datetime.date(2026, 11, 16)
    cases = {
        datetime.date(2026, 11, 10): Light.GREEN,
        datetime.date(2026, 11, 11): Light.YELLOW,  # 3 working days before Mon 16th
        datetime.date(2026, 11, 16): Light.YELLOW,
        datetime.date(2026, 11, 17): Light.RED,
    }
    for day, light in cases.items():
        assert item.light_on(day) == light, day
        annotated = (
            Item.objects.annotate(light=light_expression(day)).values_list("light", flat=True).get(pk=item.pk)
        )
        assert annotated == light, day
        assert Item.objects.filter(light_filter(light, day), pk=item.pk).exists(), day


def test_no_light_once_reported_or_before_assignment(world):
    assert item_in(world, ItemStatus.UNDER_REVIEW).light == Light.NONE
    assert item_in(world, ItemStatus.REGISTERED).light == Light.NONE


# --- signing, progress, reports, review ---------------------------------------------------------------------------


def test_lead_signing_starts_the_work_and_keeps_the_time(world):
    item = item_in(world, ItemStatus.ASSIGNED)
    with at(2026, 11, 23, 9):
        services.item_sign(item_id=item.pk, actor=world.user("fgw_liaison"))
    item.refresh_from_db()
    lead = item.assignments.get(role="lead")
    assert item.status == ItemStatus.IN_PROGRESS
    assert lead.status == AssignmentStatus.SIGNED
    assert lead.signed_at == datetime.datetime(2026, 11, 23, 9, tzinfo=SHANGHAI)
    assert lead.signed_by == world.user("fgw_liaison")


def test_co_unit_signs_without_moving_the_item(world):
    item = item_in(world, ItemStatus.ASSIGNED)
    services.item_sign(item_id=item.pk, actor=world.user("jyj"))
    item.refresh_from_db()
    assert item.status == ItemStatus.ASSIGNED
    assert item.assignments.get(role="co").signed_at is not None


def test_co_unit_final_progress_closes_its_share_but_not_the_latest_progress(world):
    item = item_in(world, ItemStatus.IN_PROGRESS)
    services.item_sign(item_id=item.pk, actor=world.user("jyj"))
    services.item_progress(item_id=item.pk, actor=world.user("fgw"), text="主办单位：已完成摸底")
    services.item_progress(item_id=item.pk, actor=world.user("jyj"), text="协办部分已完成", is_final=True)
    item.refresh_from_db()
    assert item.latest_progress == "主办单位：已完成摸底"
    assert item.assignments.get(role="co").status == AssignmentStatus.REPORTED
    assert item.assignments.get(role="lead").status == AssignmentStatus.SIGNED


def test_completion_report_waits_for_the_unit_head(world):
    item = item_in(world, ItemStatus.IN_PROGRESS)
    report = services.item_report(item_id=item.pk, actor=world.user("fgw"), text="已完成")
    item.refresh_from_db()
    assert item.status == ItemStatus.IN_PROGRESS
    assert report.status == ReportStatus.PENDING_HEAD
    with pytest.raises(InvalidState) as refused:
        services.item_report(item_id=item.pk, actor=world.user("fgw"), text="再次报送")
    assert refused.value.code == codes.REPORT_PENDING
    services.item_report_approve(item_id=item.pk, actor=world.user("fgw_head"), comment="情况属实")
    item.refresh_from_db()
    report.refresh_from_db()
    assert item.status == ItemStatus.UNDER_REVIEW
    assert (report.status, report.head_decided_by, report.head_comment) == (
        ReportStatus.SUBMITTED,
        world.user("fgw_head"),
        "情况属实",
    )


def test_unit_head_returns_the_report_and_the_handler_reports_again(world):
    item = item_in(world, ItemStatus.IN_PROGRESS)
    first = services.item_report(item_id=item.pk, actor=world.user("fgw"), text="初稿")
    services.item_report_return(item_id=item.pk, actor=world.user("fgw_head"), reason="数据需要核实")
    first.refresh_from_db()
    assert first.status == ReportStatus.RETURNED_BY_HEAD
    second = services.item_report(item_id=item.pk, actor=world.user("fgw"), text="修改稿")
    assert second.status == ReportStatus.PENDING_HEAD


def test_handler_cannot_approve_own_report(world):
    item = item_in(world, ItemStatus.IN_PROGRESS)
    services.item_report(item_id=item.pk, actor=world.user("fgw"), text="已完成")
    before = snapshot(item)
    with pytest.raises(NotPermitted) as refused:
        services.item_report_approve(item_id=item.pk, actor=world.user("fgw"))
    assert refused.value.code == codes.ROLE_REQUIRED
    assert snapshot(item) == before


def test_review_return_sends_the_item_back_and_it_can_be_reported_again(world):
    item = item_in(world, ItemStatus.UNDER_REVIEW)
    review = services.item_review(
        item_id=item.pk, actor=world.user("office"), decision="return", opinion="问题未解决，请重办"
    )
    item.refresh_from_db()
    assert review.decision == "return"
    assert item.status == ItemStatus.IN_PROGRESS
    assert item.assignments.get(role="lead").status == AssignmentStatus.SIGNED
    assert item.reports.get(kind="completion").status == ReportStatus.RETURNED
    advance(world, item, ItemStatus.UNDER_REVIEW)


def test_accept_requires_all_four_checks(world):
    item = item_in(world, ItemStatus.UNDER_REVIEW)
    before = snapshot(item)
    with pytest.raises(ValidationFailed) as refused:
        services.item_review(
            item_id=item.pk,
            actor=world.user("office"),
            decision="accept",
            opinion="同意",
            task_completed=True,
            problem_solved=True,
            conclusion_appropriate=True,
        )
    assert refused.value.code == codes.REVIEW_CHECKS_INCOMPLETE
    assert snapshot(item) == before


def test_accept_keeps_the_closing_opinion(world):
    item = item_in(world, ItemStatus.ACCEPTED)
    assert item.closing_opinion == "同意办结。"
    assert item.reviews.get().lawful_compliant is True


def test_happy_path_writes_one_event_per_step_in_order(world):
    item = item_in(world, ItemStatus.ARCHIVED)
    assert list(
        Event.objects.filter(subject_type="item", subject_id=item.pk)
        .order_by("id")
        .values_list("event_type", flat=True)
    ) == [
        "item_created",
        "item_submitted",
        "item_approved",
        "item_assigned",
        "item_signed",
        "item_reported",
        "item_report_approved",
        "item_review_accepted",
        "item_closed",
        "item_archived",
    ]


def test_audit_event_is_written_in_the_same_transaction(world):
    item = item_in(world, ItemStatus.DRAFT)
    with pytest.raises(RuntimeError), transaction.atomic():
        services.item_submit(item_id=item.pk, actor=world.user("office"))
        raise RuntimeError
    assert not Event.objects.filter(subject_id=item.pk, event_type="item_submitted").exists()


# --- create and edit --------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("fields", "code"),
    [
        ({"title": "  "}, codes.TITLE_REQUIRED),
        ({"source_type": "gossip"}, codes.INVALID_INPUT),
        ({"urgency": "whenever"}, codes.INVALID_INPUT),
        ({"deadline_workdays": 0}, codes.DEADLINE_WORKDAYS_RANGE),
        ({"deadline_workdays": 5, "due_date": datetime.date(2030, 1, 1)}, codes.DEADLINE_CONFLICT),
        ({"co_units": ("fgw",)}, codes.CO_UNIT_IS_LEAD),
        ({"co_units": ("jyj", "jyj")}, codes.UNIT_DUPLICATED),
    ],
)
def test_create_refuses_bad_input_and_creates_nothing(world, fields, code):
    before = (Item.objects.count(), Assignment.objects.count(), Event.objects.count())
    with pytest.raises(ValidationFailed) as refused:
        make_item(world, **fields)
    assert refused.value.code == code
    assert refused.value.fields
    assert (Item.objects.count(), Assignment.objects.count(), Event.objects.count()) == before


def test_create_refuses_a_lead_unit_outside_the_government(world):
    with pytest.raises(ValidationFailed) as refused:
        services.item_create(
            actor=world.user("office"),
            title="跨级交办",
            source_type="other",
            lead_unit_id=world.city_office.pk,
        )
    assert refused.value.code == codes.UNIT_NOT_FOUND


def test_only_office_staff_create_items(world):
    with pytest.raises(NotPermitted):
        services.item_create(
            actor=world.user("fgw"),
            title="自行立项",
            source_type="other",
            lead_unit_id=world.departments["fgw"].pk,
        )
    assert not Item.objects.exists()


def test_draft_edit_records_old_and_new_values(world):
    item = make_item(world)
    services.item_update(
        item_id=item.pk,
        actor=world.user("office"),
        title="新标题",
        urgency="urgent",
        lead_unit_id=world.departments["zjj"].pk,
    )
    item.refresh_from_db()
    assert (item.title, item.urgency) == ("新标题", "urgent")
    assert item.assignments.get(role="lead").unit == world.departments["zjj"]
    event = Event.objects.get(subject_id=item.pk, event_type="item_updated")
    assert (event.old["title"], event.new["title"]) == ("推进县城老旧小区改造", "新标题")


def test_milestones_must_fall_before_the_due_date(world):
    with pytest.raises(ValidationFailed) as refused:
        make_item(
            world,
            due_date=datetime.date(2030, 6, 30),
            milestones=[services.MilestoneInput("完成方案", datetime.date(2030, 7, 1))],
        )
    assert refused.value.code == codes.MILESTONE_INVALID
    item = make_item(
        world,
        due_date=datetime.date(2030, 6, 30),
        milestones=[services.MilestoneInput("完成方案", datetime.date(2030, 3, 1))],
    )
    assert list(item.milestones.values_list("title", flat=True)) == ["完成方案"]


# --- extensions --------------------------------------------------------------------------------------------------


def test_office_grants_an_extension_and_both_dates_stay(world):
    item = item_in(world, ItemStatus.IN_PROGRESS)
    old_due = item.due_date
    new_due = old_due + datetime.timedelta(days=14)
    extension = services.item_extension_request(
        item_id=item.pk, actor=world.user("fgw"), reason="汛期停工", proposed_due_date=new_due
    )
    assert extension.requires_leader is False
    services.item_extension_decide(item_id=item.pk, actor=world.user("office"), grant=True, comment="同意")
    item.refresh_from_db()
    extension.refresh_from_db()
    assert item.due_date == new_due
    assert item.warn_date == subtract_workdays(new_due, 3)
    assert (extension.status, extension.old_due_date, extension.granted_due_date) == (
        ExtensionStatus.GRANTED,
        old_due,
        new_due,
    )
    granted = Event.objects.get(subject_id=item.pk, event_type="item_extension_granted")
    assert (granted.old["due_date"], granted.new["due_date"]) == (old_due.isoformat(), new_due.isoformat())


def test_extension_of_a_leader_instruction_needs_the_leader(world):
    item = item_in(world, ItemStatus.IN_PROGRESS, source_type="leader_instruction")
    new_due = item.due_date + datetime.timedelta(days=7)
    services.item_extension_request(
        item_id=item.pk, actor=world.user("fgw"), reason="需要协调省级部门", proposed_due_date=new_due
    )
    endorsed = services.item_extension_decide(item_id=item.pk, actor=world.user("office"), grant=True)
    item.refresh_from_db()
    assert endorsed.status == ExtensionStatus.ENDORSED
    assert item.due_date != new_due
    with pytest.raises(InvalidState):
        services.item_extension_decide(item_id=item.pk, actor=world.user("office"), grant=True)
    granted = services.item_extension_decide(item_id=item.pk, actor=world.user("leader"), grant=True)
    item.refresh_from_db()
    assert granted.status == ExtensionStatus.GRANTED
    assert item.due_date == new_due


def test_extension_refusal_needs_a_reason_and_keeps_the_date(world):
    item = item_in(world, ItemStatus.IN_PROGRESS)
    old_due = item.due_date
    services.item_extension_request(
        item_id=item.pk,
        actor=world.user("fgw"),
        reason="人手不足",
        proposed_due_date=old_due + datetime.timedelta(days=5),
    )
    with pytest.raises(ValidationFailed):
        services.item_extension_decide(item_id=item.pk, actor=world.user("office"), grant=False)
    refused = services.item_extension_decide(
        item_id=item.pk, actor=world.user("office"), grant=False, comment="理由不充分"
    )
    item.refresh_from_db()
    assert refused.status == ExtensionStatus.REFUSED
    assert item.due_date == old_due


def test_extension_must_be_asked_before_the_due_date_passes(world):
    with at(2026, 11, 2):
        item = item_in(world, ItemStatus.IN_PROGRESS, deadline_workdays=5)
    with at(2026, 11, 10):  # due 2026-11-09
        before = snapshot(item)
        with pytest.raises(InvalidState) as refused:
            services.item_extension_request(
                item_id=item.pk,
                actor=world.user("fgw"),
                reason="来不及",
                proposed_due_date=datetime.date(2026, 12, 1),
            )
    assert refused.value.code == codes.EXTENSION_AFTER_DUE
    assert snapshot(item) == before


def test_extension_must_propose_a_later_date_and_only_one_at_a_time(world):
    item = item_in(world, ItemStatus.IN_PROGRESS)
    with pytest.raises(ValidationFailed) as refused:
        services.item_extension_request(
            item_id=item.pk, actor=world.user("fgw"), reason="x", proposed_due_date=item.due_date
        )
    assert refused.value.code == codes.EXTENSION_DATE_NOT_LATER
    services.item_extension_request(
        item_id=item.pk,
        actor=world.user("fgw"),
        reason="x",
        proposed_due_date=item.due_date + datetime.timedelta(days=3),
    )
    with pytest.raises(InvalidState) as again:
        services.item_extension_request(
            item_id=item.pk,
            actor=world.user("fgw"),
            reason="y",
            proposed_due_date=item.due_date + datetime.timedelta(days=9),
        )
    assert again.value.code == codes.EXTENSION_PENDING


# --- delegation -------------------------------------------------------------------------------------------------


def test_delegation_creates_an_assigned_child_and_blocks_the_parent_report(world):
    parent = item_in(world, ItemStatus.IN_PROGRESS)
    child = services.item_delegate(
        item_id=parent.pk, actor=world.user("fgw"), unit_id=world.townships["cgz"].pk, title="城关镇片区改造"
    )
    assert (child.status, child.parent, child.delegating_unit) == (
        ItemStatus.ASSIGNED,
        parent,
        world.departments["fgw"],
    )
    assert child.number == f"{parent.number}-1"
    assert child.due_date == parent.due_date
    assert child.assignments.get().unit == world.townships["cgz"]
    with pytest.raises(InvalidState) as refused:
        services.item_report(item_id=parent.pk, actor=world.user("fgw"), text="已完成")
    assert refused.value.code == codes.OPEN_CHILD_ITEMS

    # the township works it through; the delegating unit reviews and closes the child
    services.item_sign(item_id=child.pk, actor=world.user("cgz"))
    services.item_report(item_id=child.pk, actor=world.user("cgz"), text="城关镇部分已完成")
    services.item_report_approve(item_id=child.pk, actor=world.user("cgz_head"))
    with pytest.raises(NotPermitted):
        services.item_review(
            item_id=child.pk,
            actor=world.user("office"),
            decision="accept",
            opinion="同意",
            task_completed=True,
            problem_solved=True,
            conclusion_appropriate=True,
            lawful_compliant=True,
        )
    services.item_review(
        item_id=child.pk,
        actor=world.user("fgw"),
        decision="accept",
        opinion="同意",
        task_completed=True,
        problem_solved=True,
        conclusion_appropriate=True,
        lawful_compliant=True,
    )
    services.item_close(item_id=child.pk, actor=world.user("fgw_head"))
    child.refresh_from_db()
    assert child.status == ItemStatus.CLOSED
    services.item_report(item_id=parent.pk, actor=world.user("fgw"), text="全部完成")


def test_delegated_deadline_cannot_be_later_than_the_parent(world):
    parent = item_in(world, ItemStatus.IN_PROGRESS)
    before = (Item.objects.count(), Event.objects.count())
    with pytest.raises(ValidationFailed) as refused:
        services.item_delegate(
            item_id=parent.pk,
            actor=world.user("fgw"),
            unit_id=world.townships["cgz"].pk,
            due_date=parent.due_date + datetime.timedelta(days=1),
        )
    assert refused.value.code == codes.DELEGATE_DEADLINE_LATE
    assert (Item.objects.count(), Event.objects.count()) == before


def test_delegation_only_goes_downwards(world):
    parent = item_in(world, ItemStatus.IN_PROGRESS)
    for target in (world.departments["zjj"], world.county, world.city_office, world.departments["fgw"]):
        with pytest.raises(ValidationFailed) as refused:
            services.item_delegate(item_id=parent.pk, actor=world.user("fgw"), unit_id=target.pk)
        assert refused.value.code == codes.DELEGATE_TARGET_INVALID
    assert not parent.children.exists()


# --- disagreements -----------------------------------------------------------------------------------------------


def test_disagreement_is_escalated_coordinated_then_ruled(world):
    item = item_in(world, ItemStatus.IN_PROGRESS)
    services.item_dispute_escalate(item_id=item.pk, actor=world.user("fgw"), description="教育局不同意分工")
    with pytest.raises(InvalidState) as early:
        services.item_dispute_rule(item_id=item.pk, actor=world.user("leader"), ruling="按原分工")
    assert early.value.code == codes.DISPUTE_NOT_COORDINATED
    services.item_dispute_coordinate(item_id=item.pk, actor=world.user("office"), coordination="已召开协调会")
    dispute = services.item_dispute_rule(item_id=item.pk, actor=world.user("leader"), ruling="按原分工执行")
    assert (dispute.status, dispute.ruled_by) == ("ruled", world.user("leader"))
    # a new disagreement may be raised once the last one is ruled
    services.item_dispute_escalate(item_id=item.pk, actor=world.user("fgw"), description="新的分歧")


def test_no_disagreement_without_co_units(world):
    item = item_in(world, ItemStatus.IN_PROGRESS, co_units=())
    with pytest.raises(InvalidState) as refused:
        services.item_dispute_escalate(item_id=item.pk, actor=world.user("fgw"), description="?")
    assert refused.value.code == codes.NO_CO_UNITS


# --- withdrawal --------------------------------------------------------------------------------------------------


def test_office_asks_to_withdraw_and_the_leader_decides(world):
    item = item_in(world, ItemStatus.IN_PROGRESS)
    services.item_cancel(item_id=item.pk, actor=world.user("office"), reason="已并入其他事项")
    item.refresh_from_db()
    assert item.status == ItemStatus.IN_PROGRESS and item.cancel_requested_by == world.user("office")
    with pytest.raises(InvalidState) as twice:
        services.item_cancel(item_id=item.pk, actor=world.user("office"), reason="再次申请")
    assert twice.value.code == codes.CANCEL_PENDING
    services.item_cancel_refuse(item_id=item.pk, actor=world.user("leader"), reason="继续办理")
    item.refresh_from_db()
    assert item.cancel_requested_by is None and item.status == ItemStatus.IN_PROGRESS
    services.item_cancel(item_id=item.pk, actor=world.user("office"), reason="已并入其他事项")
    services.item_cancel_approve(item_id=item.pk, actor=world.user("leader"))
    item.refresh_from_db()
    assert item.status == ItemStatus.CANCELLED


def test_withdrawal_needs_a_reason(world):
    item = item_in(world, ItemStatus.DRAFT)
    with pytest.raises(ValidationFailed) as refused:
        services.item_cancel(item_id=item.pk, actor=world.user("office"), reason=" ")
    assert refused.value.code == codes.REASON_REQUIRED
    item.refresh_from_db()
    assert item.status == ItemStatus.DRAFT


# --- attachments -------------------------------------------------------------------------------------------------


def test_attachment_is_stored_with_its_hash(world):
    import hashlib

    item = item_in(world, ItemStatus.IN_PROGRESS)
    data = "整改台账".encode() * 100  # a text file: its content is checked against its extension
    attachment = services.item_attachment_add(
        item_id=item.pk, actor=world.user("fgw"), upload=SimpleUploadedFile("台账.txt", data)
    )
    assert attachment.sha256 == hashlib.sha256(data).hexdigest()
    assert attachment.size == len(data)
    with attachment.file.open("rb") as stored:
        assert stored.read() == data


@pytest.mark.parametrize(
    ("name", "size", "code"),
    [("run.exe", 10, codes.ATTACHMENT_TYPE), ("big.pdf", 2048, codes.ATTACHMENT_TOO_LARGE)],
)
def test_attachment_limits(world, settings, name, size, code):
    settings.DUCHA_ATTACHMENT_MAX_BYTES = 1024
    item = item_in(world, ItemStatus.IN_PROGRESS)
    with pytest.raises(ValidationFailed) as refused:
        services.item_attachment_add(
            item_id=item.pk, actor=world.user("fgw"), upload=SimpleUploadedFile(name, b"x" * size)
        )
    assert refused.value.code == code
    assert not item.attachments.exists()


def test_attachment_refused_for_an_unrelated_unit(world):
    item = item_in(world, ItemStatus.IN_PROGRESS)
    with pytest.raises(NotPermitted):
        services.item_attachment_add(
            item_id=item.pk, actor=world.user("zjj"), upload=SimpleUploadedFile("a.pdf", b"%PDF")
        )


# --- refusals found by the API contract tests ------------------------------------------------------------------


def test_withdrawing_a_parent_withdraws_its_open_children(world):
    parent = item_in(world, ItemStatus.IN_PROGRESS)
    child = services.item_delegate(
        item_id=parent.pk, actor=world.user("fgw"), unit_id=world.townships["cgz"].pk
    )
    services.item_cancel(item_id=parent.pk, actor=world.user("leader"), reason="任务调整")
    child.refresh_from_db()
    assert child.status == ItemStatus.CANCELLED
    assert "任务调整" in child.cancel_reason
    assert Event.objects.filter(subject_id=child.pk, event_type="item_cancelled").count() == 1


def test_nothing_can_be_attached_to_an_archived_item(world):
    item = item_in(world, ItemStatus.ARCHIVED)
    with pytest.raises(InvalidState) as refused:
        services.item_attachment_add(
            item_id=item.pk, actor=world.user("office"), upload=SimpleUploadedFile("a.pdf", b"%PDF")
        )
    assert refused.value.code == codes.ITEM_FINISHED
    assert not item.attachments.exists()


def test_the_government_itself_cannot_be_the_lead_unit(world):
    with pytest.raises(ValidationFailed) as refused:
        services.item_create(
            actor=world.user("office"), title="交给县政府", source_type="other", lead_unit_id=world.county.pk
        )
    assert refused.value.code == codes.LEAD_IS_GOVERNMENT
    # the office may handle an item itself
    item = services.item_create(
        actor=world.user("office"),
        title="督查室自办",
        source_type="other",
        lead_unit_id=world.supervision_office.pk,
    )
    assert item.assignments.get().unit == world.supervision_office


def test_a_township_with_no_unit_below_is_not_offered_delegation(world):
    from ducha.items.lifecycle import available_actions

    parent = item_in(world, ItemStatus.IN_PROGRESS)
    child = services.item_delegate(
        item_id=parent.pk, actor=world.user("fgw"), unit_id=world.townships["cgz"].pk
    )
    services.item_sign(item_id=child.pk, actor=world.user("cgz"))
    child.refresh_from_db()
    actions = {t.action for t in available_actions(child, world.user("cgz"))}
    assert "delegate" not in actions and "progress" in actions
    with pytest.raises(InvalidState) as refused:
        services.item_delegate(item_id=child.pk, actor=world.user("cgz"), unit_id=world.townships["dhz"].pk)
    assert refused.value.code == codes.DELEGATE_TARGET_INVALID


def test_extension_and_disagreement_wait_until_the_lead_unit_signed(world):
    item = item_in(world, ItemStatus.ASSIGNED)
    for call in (
        lambda: services.item_extension_request(
            item_id=item.pk,
            actor=world.user("fgw"),
            reason="x",
            proposed_due_date=item.due_date + datetime.timedelta(days=3),
        ),
        lambda: services.item_dispute_escalate(item_id=item.pk, actor=world.user("fgw"), description="x"),
    ):
        with pytest.raises(InvalidState) as refused:
            call()
        assert refused.value.code == codes.NOT_SIGNED
