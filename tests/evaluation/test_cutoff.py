"""A period's figures as of its cutoff do not move when later things happen, and the plain rule still holds for
what happened before the cutoff: an extension granted after the due date had passed (Completion reads the due
date as it stood), an item withdrawn (counted where it was still standing), a rectification's check failed or
its conclusion withdrawn on review (read from the inspection's events), a completion report returned by the
office (the standing report; the active denominator of progress and extensions reads dates written once), and a
frozen year that recomputes to its stored digests after all of that happens in the next year.

Every step is driven through the real services at named Beijing instants."""

from __future__ import annotations

import datetime as dt

import pytest

from ducha.evaluation import indicators, scoring
from ducha.evaluation import ledger as ledgers
from ducha.evaluation.models import LedgerStatus, ScoreRun
from ducha.evaluation.periods import Period
from ducha.inspections import services as inspection_services
from ducha.inspections.models import Rectification
from ducha.items import services
from ducha.items.models import ExtensionStatus, Item
from ducha.items.statuses import ItemStatus
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

YEAR = Period(2026)
Q1, Q2, Q3, Q4 = (Period(2026, quarter) for quarter in (1, 2, 3, 4))


# --- the steps, each through the real services ------------------------------------------------------------------


def _extension_asked(world, item: Item, when: tuple[int, ...], to: dt.date) -> None:
    """发改局 asks for a later due date (before the current one has passed: the service refuses after it)."""
    with at(*when):
        services.item_extension_request(
            item_id=item.pk, actor=world.user("fgw"), reason="征地手续未完成。", proposed_due_date=to
        )


def _extension_granted(world, item: Item, when: tuple[int, ...]) -> None:
    with at(*when):
        extension = services.item_extension_decide(
            item_id=item.pk, actor=world.user("office"), grant=True, comment="同意延期。"
        )
    assert extension.status == ExtensionStatus.GRANTED


def _withdrawn(world, item: Item, when: tuple[int, ...]) -> None:
    """The leader withdraws the item at once (撤销)."""
    with at(*when):
        services.item_cancel(item_id=item.pk, actor=world.user("leader"), reason="任务已由上级统一部署。")
    item.refresh_from_db()
    assert item.status == ItemStatus.CANCELLED


def _check_failed(world, rectification: Rectification, when: tuple[int, ...]) -> None:
    """The office's check (整改核查) finds the reported rectification not done: back in progress."""
    with at(*when):
        inspection_services.rectification_verify(
            rectification_id=rectification.pk,
            actor=world.user("office"),
            passed=False,
            note="现场核查，仍有1个小区资金未到位。",
        )
    rectification.refresh_from_db()
    assert rectification.reported_at is None


def _conclusion_withdrawn(world, conclusion, objected: tuple[int, ...], decided: tuple[int, ...]) -> None:
    """The target's head objects (复核, within 30 days of acknowledging) and the reviewer withdraws the
    conclusion: its open rectifications are cancelled."""
    with at(*objected):
        request = inspection_services.conclusion_object(
            conclusion_id=conclusion.pk, actor=world.user("cgz_head"), reasons="事实认定有误。"
        )
        inspection_services.review_reviewers_assign(
            review_id=request.pk, actor=world.user("office2"), reviewer_ids=[world.user("leader").pk]
        )
    with at(*decided):
        inspection_services.review_decide(
            review_id=request.pk, actor=world.user("leader"), outcome="withdrawn", decision="撤销原结论。"
        )
    assert set(Rectification.objects.filter(conclusion=conclusion).values_list("status", flat=True)) == {
        "cancelled"
    }


def _scores(world, period: Period, when: tuple[int, ...]) -> ScoreRun:
    with at(*when):
        [run] = scoring.scores_compute([world.county.pk], period)
    return run


def _stored(run: ScoreRun, unit_id: int, code: str) -> tuple[int, int]:
    component = run.scores.get(unit_id=unit_id).components[code]
    return component["total"], component["bad"]


# --- completion: the due date as it stood at the cutoff ------------------------------------------------------------


class TestExtensionAfterTheCutoff:
    def test_an_extension_granted_in_q2_leaves_q1_as_it_was_and_q2_counts_the_extended_date(self, world):
        """Given an item due Friday 20 March 2026, an extension asked for on the 18th and not decided, nothing
        reported by the due date; Q1 computed on 2 April: completion bad. When the office grants the extension
        to 29 May on 10 April, then Q1 as of its cutoff is the same, and Q2 counts the item against 29 May."""
        fgw = world.departments["fgw"].pk
        item = assigned_item(world, (2026, 3, 2, 9), due=dt.date(2026, 3, 20))
        sign(world, item, (2026, 3, 2, 10))
        _extension_asked(world, item, (2026, 3, 18, 9), to=dt.date(2026, 5, 29))
        q1_run = _scores(world, Q1, (2026, 4, 2, 9))
        assert q1_run.cutoff == Q1.end
        assert _stored(q1_run, fgw, "completion") == (1, 1)
        q1 = indicators.Window(Q1.start, Q1.end, q1_run.cutoff)
        counts_then = indicators.Completion().counts([fgw], q1)
        facts_then = facts("completion", fgw, q1)
        assert counts_then == {fgw: (1, 1)}
        assert [(f.item_id, f.bad, f.when) for f in facts_then] == [(item.pk, True, dt.date(2026, 3, 20))]
        assert figures("completion", fgw, window(Q2)) == (0, 0)  # not due in Q2 as things stand

        _extension_granted(world, item, (2026, 4, 10, 15))
        item.refresh_from_db()
        assert item.due_date == dt.date(2026, 5, 29)

        # Q1 as of its cutoff: the due date that stood then (20 March), the same counts, facts and digest.
        assert indicators.Completion().counts([fgw], q1) == counts_then
        assert facts("completion", fgw, q1) == facts_then
        assert scoring.run_recomputed(q1_run)[0] == q1_run.digest
        again = _scores(world, Q1, (2026, 4, 12, 9))
        assert again.pk == q1_run.pk and again.digest == q1_run.digest
        # The plain rule as of a cutoff after the grant: the due date is now 29 May, a Q2 fact.
        assert figures("completion", fgw, window(Q2, moment(2026, 4, 12))) == (0, 0)  # not yet due
        report_done(world, item, (2026, 5, 20, 9))
        q2_run = _scores(world, Q2, (2026, 6, 1, 9))
        assert _stored(q2_run, fgw, "completion") == (1, 0)
        [fact] = facts("completion", fgw, window(Q2))
        assert (fact.item_id, fact.bad, fact.when) == (item.pk, False, dt.date(2026, 5, 29))
        assert _stored(q2_run, fgw, "extensions") == (1, 1)  # granted in Q2: counted there, against 发改局
        assert indicators.Completion().counts([fgw], q1) == counts_then

    def test_an_extension_granted_before_the_cutoff_moves_the_item_out_of_q1(self, world):
        """The plain rule: granted on 25 March (before Q1's cutoff), the item is due on 29 May as of Q1's end."""
        fgw = world.departments["fgw"].pk
        item = assigned_item(world, (2026, 3, 2, 9), due=dt.date(2026, 3, 20))
        sign(world, item, (2026, 3, 2, 10))
        _extension_asked(world, item, (2026, 3, 18, 9), to=dt.date(2026, 5, 29))
        assert figures("completion", fgw, window(Q1, moment(2026, 3, 24))) == (1, 1)  # overdue, not decided
        _extension_granted(world, item, (2026, 3, 25, 15))
        assert figures("completion", fgw, window(Q1)) == (0, 0)
        assert figures("completion", fgw, window(Q1, moment(2026, 3, 24))) == (1, 1)  # as of before the grant
        assert figures("completion", fgw, window(Q2)) == (1, 1)  # never reported by 29 May


# --- completion and the active denominator: withdrawn items ---------------------------------------------------------


class TestWithdrawn:
    def test_withdrawn_in_q2_still_counts_in_q1_as_of_its_cutoff(self, world):
        """Given an item due 20 March, not reported: Q1 bad. When the leader withdraws it on 15 April, then Q1 as
        of its cutoff still counts it (completion, and the extensions denominator), Q2 does not."""
        fgw = world.departments["fgw"].pk
        item = assigned_item(world, (2026, 3, 2, 9), due=dt.date(2026, 3, 20), progress_cycle="monthly")
        sign(world, item, (2026, 3, 2, 10))
        q1_run = _scores(world, Q1, (2026, 4, 2, 9))
        before = {code: figures(code, fgw, window(Q1)) for code in ("completion", "progress", "extensions")}
        assert before == {"completion": (1, 1), "progress": (1, 0), "extensions": (1, 0)}
        assert figures("extensions", fgw, window(Q2, moment(2026, 4, 10))) == (1, 0)  # still running in Q2

        _withdrawn(world, item, (2026, 4, 15, 10))

        assert {code: figures(code, fgw, window(Q1)) for code in before} == before
        assert scoring.run_recomputed(q1_run)[0] == q1_run.digest
        # The plain rule after it: withdrawn in Q2, it is not due in Q2 and no longer worked on from Q3.
        assert figures("completion", fgw, window(Q2)) == (0, 0)
        assert figures("extensions", fgw, window(Q2)) == (1, 0)  # worked on in Q2 until 15 April
        assert figures("extensions", fgw, window(Q3)) == (0, 0)

    def test_asked_in_q1_and_approved_by_the_leader_in_q2_still_counts_in_q1(self, world):
        """The office's request (31 March) is not a withdrawal; the leader's approval (2 April) is."""
        fgw = world.departments["fgw"].pk
        item = assigned_item(world, (2026, 3, 2, 9), due=dt.date(2026, 3, 20))
        sign(world, item, (2026, 3, 2, 10))
        with at(2026, 3, 31, 16):
            services.item_cancel(item_id=item.pk, actor=world.user("office"), reason="任务已调整。")
        assert figures("completion", fgw, window(Q1)) == (1, 1)
        with at(2026, 4, 2, 9):
            services.item_cancel_approve(item_id=item.pk, actor=world.user("leader"))
        item.refresh_from_db()
        assert item.status == ItemStatus.CANCELLED
        assert figures("completion", fgw, window(Q1)) == (1, 1)
        assert figures("completion", fgw, window(Q1, moment(2026, 4, 3))) == (0, 0)  # as of after it

    def test_withdrawn_in_q1_before_its_due_date_is_not_counted_in_q1(self, world):
        fgw = world.departments["fgw"].pk
        item = assigned_item(world, (2026, 3, 2, 9), due=dt.date(2026, 3, 20))
        kept = assigned_item(world, (2026, 3, 2, 9), due=dt.date(2026, 3, 20), title="照常办理")
        sign(world, item, (2026, 3, 2, 10))
        sign(world, kept, (2026, 3, 2, 10))
        report_done(world, kept, (2026, 3, 19, 9))
        _withdrawn(world, item, (2026, 3, 10, 10))
        assert figures("completion", fgw, window(Q1)) == (1, 0)
        assert [fact.item_id for fact in facts("completion", fgw, window(Q1))] == [kept.pk]
        # As of a cutoff before the withdrawal the item was standing (and not yet due: nothing to decide).
        assert figures("completion", fgw, window(Q1, moment(2026, 3, 9))) == (0, 0)
        assert figures("extensions", fgw, window(Q1, moment(2026, 3, 9))) == (2, 0)
        # Withdrawn in Q1: still worked on in Q1, not in Q2.
        assert figures("extensions", fgw, window(Q1)) == (2, 0)
        assert figures("extensions", fgw, window(Q2)) == (1, 0)


# --- rectification: the inspection's events as of the cutoff --------------------------------------------------------


class TestRectificationAfterTheCutoff:
    def test_reported_on_time_in_q1_and_failed_at_the_check_in_q2_stays_good_in_q1(self, world):
        cgz = world.townships["cgz"].pk
        _i, _c, rectification = inspection_issued(world, (2026, 3, 2, 9), rectify_by=dt.date(2026, 3, 20))
        rectify(world, rectification, (2026, 3, 19, 16))
        q1_run = _scores(world, Q1, (2026, 4, 2, 9))
        assert _stored(q1_run, cgz, "rectification") == (1, 0)
        before = facts("rectification", cgz, window(Q1))

        _check_failed(world, rectification, (2026, 4, 8, 10))

        assert figures("rectification", cgz, window(Q1)) == (1, 0)
        assert facts("rectification", cgz, window(Q1)) == before
        assert before[0].detail["reported"].startswith("2026-03-19")
        assert scoring.run_recomputed(q1_run)[0] == q1_run.digest
        # As of a cutoff after the failed check the rectification is not done: bad.
        assert figures("rectification", cgz, window(Q1, moment(2026, 4, 9))) == (1, 1)

    def test_failed_at_the_check_within_q1_is_bad_in_q1_and_a_late_report_again_stays_bad(self, world):
        cgz = world.townships["cgz"].pk
        _i, _c, rectification = inspection_issued(world, (2026, 3, 2, 9), rectify_by=dt.date(2026, 3, 20))
        rectify(world, rectification, (2026, 3, 16, 16))
        assert figures("rectification", cgz, window(Q1, moment(2026, 3, 23))) == (1, 0)
        _check_failed(world, rectification, (2026, 3, 24, 10))
        assert figures("rectification", cgz, window(Q1, moment(2026, 3, 23))) == (1, 0)  # before the check
        assert figures("rectification", cgz, window(Q1)) == (1, 1)
        [fact] = facts("rectification", cgz, window(Q1))
        assert fact.bad and fact.detail["reported"].startswith("2026-03-16")
        with at(2026, 3, 27):  # reported again, after the due date: still late
            inspection_services.rectification_report(
                rectification_id=rectification.pk, actor=world.user("cgz_head"), text="已补拨到位。"
            )
        assert figures("rectification", cgz, window(Q1)) == (1, 1)
        assert facts("rectification", cgz, window(Q1))[0].detail["reported"].startswith("2026-03-27")

    def test_a_conclusion_withdrawn_on_review_after_the_cutoff_still_counts_its_rectification(self, world):
        cgz = world.townships["cgz"].pk
        _i, conclusion, rectification = inspection_issued(
            world, (2026, 3, 2, 9), rectify_by=dt.date(2026, 3, 20)
        )
        rectify(world, rectification, (2026, 3, 19, 16))
        acknowledge(world, conclusion, (2026, 3, 23, 9))
        q1_run = _scores(world, Q1, (2026, 4, 2, 9))
        assert _stored(q1_run, cgz, "rectification") == (1, 0)

        _conclusion_withdrawn(world, conclusion, objected=(2026, 4, 10), decided=(2026, 4, 20))

        assert figures("rectification", cgz, window(Q1)) == (1, 0)
        assert scoring.run_recomputed(q1_run)[0] == q1_run.digest
        # As of a cutoff after the withdrawal it is left out.
        assert figures("rectification", cgz, window(Q1, moment(2026, 4, 21))) == (0, 0)

    def test_cancelled_within_q1_is_left_out_of_q1(self, world):
        cgz = world.townships["cgz"].pk
        _i, conclusion, _r = inspection_issued(world, (2026, 3, 2, 9), rectify_by=dt.date(2026, 3, 20))
        _i, _c, kept = inspection_issued(world, (2026, 3, 2, 9), rectify_by=dt.date(2026, 3, 20))
        acknowledge(world, conclusion, (2026, 3, 3, 9))
        _conclusion_withdrawn(world, conclusion, objected=(2026, 3, 5), decided=(2026, 3, 12))
        rectify(world, kept, (2026, 3, 19, 16))
        assert figures("rectification", cgz, window(Q1)) == (1, 0)
        assert [fact.subject_id for fact in facts("rectification", cgz, window(Q1))] == [kept.pk]


# --- a completion report returned by the office after the cutoff ----------------------------------------------------


class TestReturnedAfterTheCutoff:
    def test_approved_by_the_head_on_time_in_q1_and_returned_in_q2(self, world):
        """Given a report approved by 发改局's head on 19 March, due 20 March, then the office returns it on
        8 April: Q1 stays good, and the items 发改局 worked on in Q1 (the denominator of progress and
        extensions) are the same."""
        fgw = world.departments["fgw"].pk
        item = assigned_item(world, (2026, 3, 2, 9), due=dt.date(2026, 3, 20), progress_cycle="monthly")
        sign(world, item, (2026, 3, 2, 10))
        report_done(world, item, (2026, 3, 19, 9))
        q1_run = _scores(world, Q1, (2026, 4, 2, 9))
        codes = ("completion", "progress", "extensions")
        before = {code: figures(code, fgw, window(Q1)) for code in codes}
        assert before == {"completion": (1, 0), "progress": (1, 0), "extensions": (1, 0)}
        active_before = set(indicators._active([fgw], window(Q1)).values_list("id", flat=True))

        review(world, item, (2026, 4, 8, 10), accept=False)

        assert {code: figures(code, fgw, window(Q1)) for code in codes} == before
        assert set(indicators._active([fgw], window(Q1)).values_list("id", flat=True)) == active_before
        assert scoring.run_recomputed(q1_run)[0] == q1_run.digest
        # The item is worked on again in Q2, and as of a cutoff after the return no report stands.
        assert figures("extensions", fgw, window(Q2)) == (1, 0)
        assert figures("completion", fgw, window(Q1, moment(2026, 4, 9))) == (1, 1)

    def test_returned_within_q1_and_redone_after_the_due_date_is_bad(self, world):
        fgw = world.departments["fgw"].pk
        item = assigned_item(world, (2026, 3, 2, 9), due=dt.date(2026, 3, 20))
        sign(world, item, (2026, 3, 2, 10))
        report_done(world, item, (2026, 3, 16, 9))
        assert figures("completion", fgw, window(Q1, moment(2026, 3, 21))) == (1, 0)
        review(world, item, (2026, 3, 23, 10), accept=False)
        report_done(world, item, (2026, 3, 26, 9))
        assert figures("completion", fgw, window(Q1, moment(2026, 3, 21))) == (1, 0)  # before the return
        assert figures("completion", fgw, window(Q1)) == (1, 1)

    def test_accepted_in_q1_and_closed_in_q2_is_worked_on_in_both_and_not_after(self, world):
        fgw = world.departments["fgw"].pk
        item = assigned_item(world, (2026, 3, 2, 9), due=dt.date(2026, 3, 20), progress_cycle="monthly")
        sign(world, item, (2026, 3, 2, 10))
        report_done(world, item, (2026, 3, 16, 9))
        review(world, item, (2026, 3, 18, 10), accept=True)
        before = {code: figures(code, fgw, window(Q1)) for code in ("progress", "extensions")}
        assert before == {"progress": (1, 0), "extensions": (1, 0)}
        with at(2026, 4, 3):
            services.item_close(item_id=item.pk, actor=world.user("leader"))
        assert {code: figures(code, fgw, window(Q1)) for code in before} == before
        assert figures("extensions", fgw, window(Q2)) == (1, 0)  # closed on 3 April: worked on in Q2
        assert figures("extensions", fgw, window(Q3)) == (0, 0)


# --- a frozen year ---------------------------------------------------------------------------------------------------


class TestFrozenYear:
    def test_the_closed_year_recomputes_identically_after_the_next_years_events(self, world):
        """Given 2026's history — a task done and accepted (the ledger's one entry), and in Q4: an item whose
        extension is pending, one left running, one reported on time, a rectification reported on time and one
        whose conclusion the township objects to — the ledger closed on 5 January 2027. When in January 2027
        the extension is granted, the running item withdrawn, the report returned, the first rectification
        failed at its check and the second conclusion withdrawn on review, then the year run and every quarter
        run recompute to their stored digests."""
        office, county = world.user("office"), world.county.pk
        fgw, cgz = world.departments["fgw"].pk, world.townships["cgz"].pk
        done = assigned_item(world, (2026, 2, 2, 9), due=dt.date(2026, 6, 30), title="已办结任务")
        sign(world, done, (2026, 2, 3, 9))
        with at(2026, 2, 10):
            ledger = ledgers.ledger_open(actor=office, government_id=county, year=2026)
            ledgers.ledger_entries_add(actor=office, ledger_id=ledger.pk, item_ids=[done.pk])
            ledgers.ledger_submit(actor=office, ledger_id=ledger.pk)
            ledgers.ledger_approve(actor=world.user("leader"), ledger_id=ledger.pk)
            ledgers.ledger_confirm(actor=world.user("fgw_liaison"), ledger_id=ledger.pk)
        report_done(world, done, (2026, 6, 1, 9))
        review(world, done, (2026, 6, 2), accept=True)

        due = dt.date(2026, 12, 18)
        extended = assigned_item(world, (2026, 11, 23, 9), due=due, title="待批延期")
        running = assigned_item(
            world, (2026, 11, 23, 9), due=due, title="逾期未办结", progress_cycle="monthly"
        )
        returned = assigned_item(world, (2026, 11, 23, 9), due=due, title="按时报结")
        for item in (extended, running, returned):
            sign(world, item, (2026, 11, 23, 10))
        _i, _c, failing = inspection_issued(world, (2026, 11, 23, 11), rectify_by=due)
        _i, objected, cancelled = inspection_issued(world, (2026, 11, 23, 11), rectify_by=due)
        report_done(world, returned, (2026, 12, 10, 9))
        _extension_asked(world, extended, (2026, 12, 15, 9), to=dt.date(2027, 2, 26))
        rectify(world, failing, (2026, 12, 15, 16))
        rectify(world, cancelled, (2026, 12, 15, 16))
        acknowledge(world, objected, (2026, 12, 21, 9))

        with at(2027, 1, 5):
            closed = ledgers.ledger_close(actor=office, ledger_id=ledger.pk)
        assert closed.status == LedgerStatus.CLOSED
        runs = {
            run.quarter: run for run in ScoreRun.objects.filter(government_id=county, year=2026, frozen=True)
        }
        assert set(runs) == {0, 1, 2, 3, 4}
        assert runs[0].digest == closed.frozen_figures["scores"]["digest"]
        stored = {quarter: (run.digest, run.cutoff) for quarter, run in runs.items()}
        assert _stored(runs[4], fgw, "completion") == (3, 2)  # extended and running: not reported by the 18th
        assert _stored(runs[4], cgz, "rectification") == (2, 0)
        assert _stored(runs[0], fgw, "completion") == (4, 2)
        q4_now_before = indicators.all_counts([fgw, cgz], window(Q4, moment(2027, 1, 5, 12)))

        # January 2027: the later events.
        _extension_granted(world, extended, (2027, 1, 8, 10))
        _withdrawn(world, running, (2027, 1, 8, 11))
        review(world, returned, (2027, 1, 8, 14), accept=False)
        _check_failed(world, failing, (2027, 1, 11, 10))
        _conclusion_withdrawn(world, objected, objected=(2027, 1, 12), decided=(2027, 1, 15))

        for quarter, run in runs.items():
            run.refresh_from_db()
            assert (run.frozen, run.digest, run.cutoff) == (True, *stored[quarter])
            assert scoring.run_recomputed(run)[0] == run.digest, f"quarter {quarter}"
        with at(2027, 1, 20):
            again = scoring.scores_compute([county], YEAR)
        assert again[0].pk == runs[0].pk and again[0].digest == stored[0][0]
        closed.refresh_from_db()
        assert ledgers.frozen_intact(closed)
        # Read as of now instead of the cutoff, Q4 would have moved: the events did change the record.
        q4_now = indicators.all_counts([fgw, cgz], window(Q4, moment(2027, 1, 20)))
        assert q4_now_before["completion"][fgw] == (3, 2)
        assert q4_now["completion"][fgw] == (1, 1)  # extended out of Q4, withdrawn; the return stands
        assert q4_now["rectification"][cgz] == (1, 1)  # cancelled left out; failed at the check
