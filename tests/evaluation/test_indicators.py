"""Each indicator of the evaluation as a rule over real history, driven through the services at pinned instants
(Beijing time): the good case, the bad case, the boundary (the 2026 holiday arrangement: 春节 15–23 February with
Saturday 14 February a working day, 国庆 1–8 October with Saturday 10 October a working day), the period rule (a
fact counts in the quarter in which it became decidable) and the cutoff rule (what happens after the cutoff does
not change the figures as of that cutoff).

The test database holds the demo county's units and accounts and no items: every figure here is the history the
test drove."""

from __future__ import annotations

import datetime as dt

import pytest

from ducha.evaluation.periods import Period
from ducha.items import services
from ducha.orgs.models import User
from ducha.reminders.models import Reminder, ReminderKind
from ducha.reminders.services import chase_send
from ducha.workcalendar.services import add_workdays, is_workday
from tests.clock import moment
from tests.evaluation.helpers import (
    acknowledge,
    assigned_item,
    at,
    facts,
    figures,
    inspection_issued,
    rectify,
    report_done,
    review,
    sign,
    window,
)

pytestmark = pytest.mark.django_db

Q1, Q2, Q3, Q4 = (Period(2026, quarter) for quarter in (1, 2, 3, 4))


def test_the_2026_arrangement_the_boundaries_rest_on():
    assert is_workday(dt.date(2026, 2, 14)) and not is_workday(dt.date(2026, 2, 15))  # 春节 make-up Saturday
    assert add_workdays(dt.date(2026, 2, 13), 1) == dt.date(2026, 2, 14)
    assert add_workdays(dt.date(2026, 9, 30), 1) == dt.date(2026, 10, 8)  # 国庆 1–7 October (and the 8th)
    assert add_workdays(dt.date(2026, 9, 30), 5) == dt.date(2026, 10, 13)  # through Saturday 10 October


# --- sign_for: signed by the end of the next working day -------------------------------------------------------


class TestSignFor:
    def test_signed_on_the_next_working_day_is_on_time(self, world):
        fgw = world.departments["fgw"].pk
        item = assigned_item(world, (2026, 3, 2, 9))  # Monday
        sign(world, item, (2026, 3, 3, 17, 30))  # Tuesday, the next working day
        assert figures("sign_for", fgw, window(Q1)) == (1, 0)
        [fact] = facts("sign_for", fgw, window(Q1))
        assert (fact.item_id, fact.bad, fact.when) == (item.pk, False, dt.date(2026, 3, 3))

    def test_signed_the_day_after_is_late_and_never_signed_is_bad(self, world):
        fgw = world.departments["fgw"].pk
        late = assigned_item(world, (2026, 3, 2, 9), title="迟签收的事项")
        assigned_item(world, (2026, 3, 2, 9), title="未签收的事项")
        sign(world, late, (2026, 3, 4, 8, 30))  # Wednesday: the day after the deadline
        assert figures("sign_for", fgw, window(Q1)) == (2, 2)
        by_title = {fact.title: fact for fact in facts("sign_for", fgw, window(Q1))}
        assert by_title["迟签收的事项"].detail["answered"] is not None
        assert by_title["未签收的事项"].detail["answered"] is None
        assert all(fact.bad for fact in by_title.values())

    def test_friday_before_spring_festival_the_make_up_saturday_is_the_deadline(self, world):
        """Sent on Friday 13 February 2026: the next working day is Saturday 14 February (调休), not the Tuesday
        after the holiday."""
        fgw = world.departments["fgw"].pk
        on_time = assigned_item(world, (2026, 2, 13, 16), title="调休日签收")
        late = assigned_item(world, (2026, 2, 13, 16), title="节后签收")
        sign(world, on_time, (2026, 2, 14, 11))
        sign(world, late, (2026, 2, 24, 9))
        assert figures("sign_for", fgw, window(Q1)) == (2, 1)
        by_title = {fact.title: fact for fact in facts("sign_for", fgw, window(Q1))}
        assert by_title["调休日签收"].bad is False
        assert by_title["节后签收"].bad is True
        assert by_title["节后签收"].detail["deadline"] == "2026-02-14"

    def test_sent_before_national_day_counts_in_the_quarter_of_its_deadline(self, world):
        """Sent on Wednesday 30 September: due 8 October, after the holiday — a Q4 fact, not a Q3 one."""
        fgw = world.departments["fgw"].pk
        on_time = assigned_item(world, (2026, 9, 30, 15), title="节后首日签收")
        late = assigned_item(world, (2026, 9, 30, 15), title="节后次日签收")
        sign(world, on_time, (2026, 10, 8, 9))
        sign(world, late, (2026, 10, 9, 9))
        assert figures("sign_for", fgw, window(Q3)) == (0, 0)
        assert figures("sign_for", fgw, window(Q4)) == (2, 1)

    def test_sent_at_the_end_of_q1_counts_in_q2(self, world):
        fgw = world.departments["fgw"].pk
        item = assigned_item(world, (2026, 3, 31, 16))  # Tuesday: due Wednesday 1 April
        sign(world, item, (2026, 4, 1, 9))
        assert figures("sign_for", fgw, window(Q1)) == (0, 0)
        assert figures("sign_for", fgw, window(Q2)) == (1, 0)

    def test_signing_after_the_cutoff_does_not_change_the_figures_as_of_the_cutoff(self, world):
        fgw = world.departments["fgw"].pk
        item = assigned_item(world, (2026, 3, 2, 9))
        cutoff = moment(2026, 3, 10, 12)
        # Before the deadline has passed there is nothing to decide yet.
        assert figures("sign_for", fgw, window(Q1, moment(2026, 3, 3, 12))) == (0, 0)
        assert figures("sign_for", fgw, window(Q1, cutoff)) == (1, 1)
        before = facts("sign_for", fgw, window(Q1, cutoff))
        sign(world, item, (2026, 3, 12, 9))
        assigned_item(world, (2026, 3, 11, 9), title="截止后交办")
        assert figures("sign_for", fgw, window(Q1, cutoff)) == (1, 1)
        assert facts("sign_for", fgw, window(Q1, cutoff)) == before
        assert before[0].detail["answered"] is None


# --- completion: the lead unit's completion report by the due date -----------------------------------------------


class TestCompletion:
    def test_reported_by_the_due_date_is_on_time_the_day_after_is_late(self, world):
        fgw = world.departments["fgw"].pk
        on_time = assigned_item(world, (2026, 3, 2, 9), due=dt.date(2026, 3, 20), title="当天办结")
        late = assigned_item(world, (2026, 3, 2, 9), due=dt.date(2026, 3, 20), title="次日办结")
        never = assigned_item(world, (2026, 3, 2, 9), due=dt.date(2026, 3, 20), title="未办结")
        for item in (on_time, late, never):
            sign(world, item, (2026, 3, 2, 10))
        report_done(world, on_time, (2026, 3, 20, 23, 30))  # on the due date, late in the evening
        report_done(world, late, (2026, 3, 21, 0, 30))
        assert figures("completion", fgw, window(Q1)) == (3, 2)
        by_title = {fact.title: fact.bad for fact in facts("completion", fgw, window(Q1))}
        assert by_title == {"当天办结": False, "次日办结": True, "未办结": True}
        assert {fact.item_id for fact in facts("completion", fgw, window(Q1))} == {
            on_time.pk,
            late.pk,
            never.pk,
        }

    def test_returned_and_redone_after_the_due_date_is_late_and_a_co_units_final_share_counts(self, world):
        fgw, jyj = world.departments["fgw"].pk, world.departments["jyj"].pk
        item = assigned_item(world, (2026, 3, 2, 9), due=dt.date(2026, 3, 20), co_units=("jyj",))
        sign(world, item, (2026, 3, 2, 10))
        sign(world, item, (2026, 3, 2, 11), user="jyj")
        with at(2026, 3, 18):
            services.item_progress(
                item_id=item.pk, actor=world.user("jyj"), text="配合部分已完成。", is_final=True
            )
        report_done(world, item, (2026, 3, 19, 9))  # on time, but returned and redone after the due date
        review(world, item, (2026, 3, 20, 15), accept=False)
        report_done(world, item, (2026, 3, 24, 9))
        assert figures("completion", fgw, window(Q1)) == (1, 1)
        assert figures("completion", fgw, window(Q1, moment(2026, 3, 21))) == (
            1,
            1,
        )  # returned, not redone yet
        assert figures("completion", jyj, window(Q1)) == (1, 0)

    def test_counts_in_the_quarter_of_the_due_date(self, world):
        fgw = world.departments["fgw"].pk
        item = assigned_item(world, (2026, 3, 16, 9), due=dt.date(2026, 4, 10))
        sign(world, item, (2026, 3, 16, 10))
        report_done(world, item, (2026, 3, 30, 9))  # reported in Q1, due in Q2
        assert figures("completion", fgw, window(Q1)) == (0, 0)
        assert figures("completion", fgw, window(Q2)) == (1, 0)

    def test_a_cancelled_item_is_not_counted(self, world):
        fgw = world.departments["fgw"].pk
        item = assigned_item(world, (2026, 3, 2, 9), due=dt.date(2026, 3, 20))
        sign(world, item, (2026, 3, 2, 10))
        with at(2026, 3, 10):
            services.item_cancel(item_id=item.pk, actor=world.user("leader"), reason="任务已由上级统一部署")
        assert figures("completion", fgw, window(Q1)) == (0, 0)

    def test_a_report_after_the_cutoff_does_not_change_the_figures_as_of_the_cutoff(self, world):
        fgw = world.departments["fgw"].pk
        item = assigned_item(world, (2026, 3, 2, 9), due=dt.date(2026, 3, 20))
        sign(world, item, (2026, 3, 2, 10))
        cutoff = moment(2026, 3, 25, 12)
        report_done(world, item, (2026, 3, 19, 9))  # on time …
        assert figures("completion", fgw, window(Q1, moment(2026, 3, 18))) == (0, 0)  # not yet due
        assert figures("completion", fgw, window(Q1, cutoff)) == (1, 0)
        # … and later returned by the office to be redone, after the quarter: Q1 as of its end stays as it was.
        review(world, item, (2026, 4, 2, 9), accept=False)
        assert figures("completion", fgw, window(Q1)) == (1, 0)


# --- progress: items reminded for a missed progress report or chased by the office --------------------------------


class TestProgress:
    def test_an_item_never_chased_is_on_time_a_chased_one_counts_once(self, world):
        fgw = world.departments["fgw"].pk
        quiet = assigned_item(world, (2026, 3, 2, 9), progress_cycle="monthly", title="按时报进展")
        chased = assigned_item(world, (2026, 3, 2, 9), progress_cycle="monthly", title="被催办")
        assigned_item(world, (2026, 3, 2, 9), title="无进展周期")  # not in the population
        for item in (quiet, chased):
            sign(world, item, (2026, 3, 2, 10))
        assert figures("progress", fgw, window(Q1)) == (2, 0)
        for day in (10, 17):  # chased twice: the item counts once
            with at(2026, 3, day):
                chase_send(item_id=chased.pk, actor=world.user("office"), text="请尽快报送进展。")
        assert Reminder.objects.filter(item=chased, kind=ReminderKind.CHASE, unit_id=fgw).exists()
        assert figures("progress", fgw, window(Q1)) == (2, 1)
        [fact] = facts("progress", fgw, window(Q1))
        assert (fact.item_id, fact.when) == (chased.pk, dt.date(2026, 3, 10))

    def test_a_missed_weekly_report_reminded_by_the_sweep_is_bad(self, world):
        from ducha.reminders.services.sweeper import sweep

        fgw = world.departments["fgw"].pk
        item = assigned_item(world, (2026, 3, 2, 9), progress_cycle="weekly")
        sign(world, item, (2026, 3, 2, 10))
        for day in range(3, 17):
            with at(2026, 3, day, 9):
                sweep()
        assert Reminder.objects.filter(item=item, kind=ReminderKind.PROGRESS_DUE).exists()
        assert figures("progress", fgw, window(Q1)) == (1, 1)

    def test_the_heads_up_before_a_report_is_due_is_not_a_miss_the_reminder_after_it_is(self, world):
        from ducha.reminders.services.sweeper import sweep

        fgw = world.departments["fgw"].pk
        item = assigned_item(world, (2026, 3, 2, 9), progress_cycle="weekly")
        sign(world, item, (2026, 3, 2, 10))
        # Sweep up to the first report's heads-up (step 1, before the report is due) and stop there.
        day = 3
        while not Reminder.objects.filter(item=item, kind=ReminderKind.PROGRESS_DUE).exists():
            with at(2026, 3, day, 9):
                sweep()
            day += 1
        assert set(
            Reminder.objects.filter(item=item, kind=ReminderKind.PROGRESS_DUE).values_list("step", flat=True)
        ) == {1}
        assert figures("progress", fgw, window(Q1)) == (1, 0)
        # The report is not filed: the step after the due day counts.
        for later in range(day, day + 5):
            with at(2026, 3, later, 9):
                sweep()
        assert Reminder.objects.filter(item=item, kind=ReminderKind.PROGRESS_DUE, step__gte=2).exists()
        assert figures("progress", fgw, window(Q1)) == (1, 1)

    def test_a_chase_counts_in_its_quarter_and_not_before_it_happened(self, world):
        fgw = world.departments["fgw"].pk
        item = assigned_item(world, (2026, 3, 2, 9), progress_cycle="monthly")
        sign(world, item, (2026, 3, 2, 10))
        cutoff = moment(2026, 3, 31, 12)
        with at(2026, 4, 2):
            chase_send(item_id=item.pk, actor=world.user("office"), text="请尽快报送进展。")
        assert figures("progress", fgw, window(Q1)) == (1, 0)
        assert figures("progress", fgw, window(Q1, cutoff)) == (1, 0)
        assert figures("progress", fgw, window(Q2)) == (1, 1)


# --- extensions: items whose deadline was extended, against the unit that asked ----------------------------------


def _extend(world, item, asked: tuple[int, ...], decided: tuple[int, ...], *, grant: bool = True) -> None:
    with at(*asked):
        services.item_extension_request(
            item_id=item.pk,
            actor=world.user("fgw"),
            reason="征地手续未完成。",
            proposed_due_date=dt.date(2026, 5, 29),
        )
    with at(*decided):
        services.item_extension_decide(
            item_id=item.pk, actor=world.user("office"), grant=grant, comment="" if grant else "理由不充分。"
        )


class TestExtensions:
    def test_a_granted_extension_is_bad_a_refused_one_is_not(self, world):
        fgw = world.departments["fgw"].pk
        kept = assigned_item(world, (2026, 3, 2, 9), due=dt.date(2026, 4, 30), title="未延期")
        extended = assigned_item(world, (2026, 3, 2, 9), due=dt.date(2026, 4, 30), title="已延期")
        refused = assigned_item(world, (2026, 3, 2, 9), due=dt.date(2026, 4, 30), title="延期被拒")
        for item in (kept, extended, refused):
            sign(world, item, (2026, 3, 2, 10))
        _extend(world, extended, (2026, 3, 10), (2026, 3, 11))
        _extend(world, refused, (2026, 3, 10), (2026, 3, 11), grant=False)
        assert figures("extensions", fgw, window(Q1)) == (3, 1)
        [fact] = facts("extensions", fgw, window(Q1))
        assert (fact.item_id, fact.when) == (extended.pk, dt.date(2026, 3, 11))

    def test_counted_in_the_quarter_of_the_decision_and_not_before_it(self, world):
        fgw = world.departments["fgw"].pk
        item = assigned_item(world, (2026, 3, 2, 9), due=dt.date(2026, 4, 30))
        sign(world, item, (2026, 3, 2, 10))
        _extend(world, item, (2026, 3, 30), (2026, 4, 1))  # asked in Q1, granted in Q2
        assert figures("extensions", fgw, window(Q1)) == (1, 0)
        assert figures("extensions", fgw, window(Q2)) == (1, 1)
        assert figures("extensions", fgw, window(Q2, moment(2026, 4, 1, 8))) == (1, 0)  # before the decision


# --- first_time: accepted without having been returned --------------------------------------------------------------


class TestFirstTime:
    def test_accepted_the_first_time_and_after_a_return(self, world):
        fgw = world.departments["fgw"].pk
        first = assigned_item(world, (2026, 3, 2, 9), title="一次通过")
        again = assigned_item(world, (2026, 3, 2, 9), title="退回后通过")
        for item in (first, again):
            sign(world, item, (2026, 3, 2, 10))
            report_done(world, item, (2026, 3, 5, 9))
        review(world, first, (2026, 3, 6), accept=True)
        review(world, again, (2026, 3, 6), accept=False)
        report_done(world, again, (2026, 3, 10, 9))
        review(world, again, (2026, 3, 12), accept=True)
        assert figures("first_time", fgw, window(Q1)) == (2, 1)
        by_title = {fact.title: fact.bad for fact in facts("first_time", fgw, window(Q1))}
        assert by_title == {"一次通过": False, "退回后通过": True}

    def test_counted_when_accepted_and_not_before(self, world):
        fgw = world.departments["fgw"].pk
        item = assigned_item(world, (2026, 3, 2, 9))
        sign(world, item, (2026, 3, 2, 10))
        report_done(world, item, (2026, 3, 25, 9))
        review(world, item, (2026, 3, 27), accept=False)
        report_done(world, item, (2026, 3, 30, 9))
        review(world, item, (2026, 4, 2), accept=True)  # accepted in Q2
        assert figures("first_time", fgw, window(Q1)) == (0, 0)
        assert figures("first_time", fgw, window(Q2, moment(2026, 4, 1, 12))) == (0, 0)
        assert figures("first_time", fgw, window(Q2)) == (1, 1)


# --- rectification: reported complete by its due date -------------------------------------------------------------


class TestRectification:
    def test_rectified_by_the_due_date_after_it_and_never(self, world):
        cgz = world.townships["cgz"].pk
        _i, _c, on_time = inspection_issued(world, (2026, 3, 2, 9), rectify_by=dt.date(2026, 3, 20))
        _i, _c, late = inspection_issued(world, (2026, 3, 2, 9), rectify_by=dt.date(2026, 3, 20))
        inspection_issued(world, (2026, 3, 2, 9), rectify_by=dt.date(2026, 3, 20))
        rectify(world, on_time, (2026, 3, 20, 18))
        rectify(world, late, (2026, 3, 23, 9))
        assert figures("rectification", cgz, window(Q1)) == (3, 2)
        by_subject = {fact.subject_id: fact.bad for fact in facts("rectification", cgz, window(Q1))}
        assert by_subject[on_time.pk] is False and by_subject[late.pk] is True
        assert all(fact.subject_type == "rectification" for fact in facts("rectification", cgz, window(Q1)))

    def test_counted_in_the_quarter_of_the_due_date(self, world):
        cgz = world.townships["cgz"].pk
        _i, _c, rectification = inspection_issued(world, (2026, 3, 2, 9), rectify_by=dt.date(2026, 4, 10))
        rectify(world, rectification, (2026, 3, 30, 9))
        assert figures("rectification", cgz, window(Q1)) == (0, 0)
        assert figures("rectification", cgz, window(Q2)) == (1, 0)

    def test_a_report_after_the_cutoff_does_not_change_the_figures_as_of_the_cutoff(self, world):
        cgz = world.townships["cgz"].pk
        _i, _c, rectification = inspection_issued(world, (2026, 3, 2, 9), rectify_by=dt.date(2026, 3, 20))
        cutoff = moment(2026, 3, 25, 12)
        assert figures("rectification", cgz, window(Q1, cutoff)) == (1, 1)
        rectify(world, rectification, (2026, 3, 26, 9))
        assert figures("rectification", cgz, window(Q1, cutoff)) == (1, 1)


# --- liaison: an active liaison named ------------------------------------------------------------------------------


class TestLiaison:
    def test_a_unit_with_its_liaison_and_one_without(self, world):
        cgz, dhz = world.townships["cgz"].pk, world.townships["dhz"].pk
        User.objects.filter(pk=world.user("dhz_liaison").pk).update(is_active=False)
        assert figures("liaison", cgz, window(Q1)) == (1, 0)
        assert figures("liaison", dhz, window(Q1)) == (1, 1)
        [fact] = facts("liaison", dhz, window(Q1))
        assert (fact.bad, fact.subject_type, fact.subject_id) == (True, "unit", dhz)


# --- conclusion_ack: an issued conclusion acknowledged within five working days -----------------------------------


class TestConclusionAcknowledged:
    def test_issued_before_national_day_acknowledged_on_the_fifth_working_day_is_on_time(self, world):
        """Issued on Wednesday 30 September: five working days run to Tuesday 13 October (8, 9, 10 — a make-up
        Saturday — 12, 13); acknowledged on the 13th is on time, on the 14th late, never is bad."""
        cgz = world.townships["cgz"].pk
        _i, on_time, _r = inspection_issued(world, (2026, 9, 30, 9), rectify_by=dt.date(2026, 12, 31))
        _i, late, _r = inspection_issued(world, (2026, 9, 30, 9), rectify_by=dt.date(2026, 12, 31))
        inspection_issued(world, (2026, 9, 30, 9), rectify_by=dt.date(2026, 12, 31))
        acknowledge(world, on_time, (2026, 10, 13, 17))
        acknowledge(world, late, (2026, 10, 14, 9))
        assert figures("conclusion_ack", cgz, window(Q3)) == (0, 0)  # decidable only in Q4
        assert figures("conclusion_ack", cgz, window(Q4)) == (3, 2)
        found = {
            fact.detail["sent"][:10] + str(fact.bad) for fact in facts("conclusion_ack", cgz, window(Q4))
        }
        assert found == {"2026-09-30False", "2026-09-30True"}
        assert all(f.detail["deadline"] == "2026-10-13" for f in facts("conclusion_ack", cgz, window(Q4)))

    def test_acknowledging_after_the_cutoff_does_not_change_the_figures_as_of_the_cutoff(self, world):
        cgz = world.townships["cgz"].pk
        _i, conclusion, _r = inspection_issued(world, (2026, 9, 30, 9), rectify_by=dt.date(2026, 12, 31))
        cutoff = moment(2026, 10, 15, 12)
        assert figures("conclusion_ack", cgz, window(Q4, moment(2026, 10, 13, 12))) == (0, 0)
        assert figures("conclusion_ack", cgz, window(Q4, cutoff)) == (1, 1)
        acknowledge(world, conclusion, (2026, 10, 20, 9))
        assert figures("conclusion_ack", cgz, window(Q4, cutoff)) == (1, 1)
        assert figures("conclusion_ack", cgz, window(Q4)) == (1, 1)  # late all the same
