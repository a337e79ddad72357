"""The year's ledger: 年初建账 (drawn up, approved, confirmed per unit), the refusals of every step (changing
nothing), carrying unfinished tasks over into next year with a reason, 年终结账 (idempotent, the figures frozen and
signed, corrections after it leaving them alone) and concurrent closes on PostgreSQL."""

from __future__ import annotations

import datetime as dt
import threading

import pytest
from django.db import connection, connections

from ducha.audit.models import Event, EventType
from ducha.common import error_codes as codes
from ducha.common.errors import DomainError, InvalidState, NotPermitted, ValidationFailed
from ducha.evaluation import ledger as ledgers
from ducha.evaluation.models import (
    ConfirmationStatus,
    EntryCategory,
    LedgerEntry,
    LedgerNoteKind,
    LedgerStatus,
    LedgerYear,
    ScoreRun,
    Settlement,
)
from ducha.evaluation.scoring import run_recomputed
from ducha.items.models import Assignment
from tests.evaluation.helpers import assigned_item, at, report_done, review, sign


def _refused(error_type: type[DomainError], code: str, call) -> DomainError:
    with pytest.raises(error_type) as refused:
        call()
    assert refused.value.code == code and refused.value.message
    return refused.value


def _items(world):
    """Two tasks of 发改局 for 2026: one it finishes and the office accepts, one still running."""
    done = assigned_item(world, (2026, 2, 2, 9), due=dt.date(2026, 6, 30), title="已办结任务")
    running = assigned_item(world, (2026, 2, 2, 9), due=dt.date(2026, 11, 30), title="跨年任务")
    sign(world, done, (2026, 2, 3, 9))
    sign(world, running, (2026, 2, 3, 9))
    report_done(world, done, (2026, 6, 1, 9))
    review(world, done, (2026, 6, 2), accept=True)
    return done, running


def _opened(world, item_ids) -> LedgerYear:
    """The 2026 ledger drawn up, approved by the leader and confirmed by 发改局 (early February 2026)."""
    with at(2026, 2, 10):
        ledger = ledgers.ledger_open(actor=world.user("office"), government_id=world.county.pk, year=2026)
        ledgers.ledger_entries_add(actor=world.user("office"), ledger_id=ledger.pk, item_ids=item_ids)
        ledgers.ledger_submit(actor=world.user("office"), ledger_id=ledger.pk)
        ledgers.ledger_approve(actor=world.user("leader"), ledger_id=ledger.pk)
        ledgers.ledger_confirm(actor=world.user("fgw_liaison"), ledger_id=ledger.pk)
    ledger.refresh_from_db()
    return ledger


def _closed_events(ledger) -> int:
    return Event.objects.filter(
        event_type=EventType.LEDGER_CLOSED, subject_type="ledger_year", subject_id=ledger.pk
    ).count()


@pytest.mark.django_db
class TestCycle:
    def test_the_cycle_and_its_refusals(self, world):
        office, county = world.user("office"), world.county.pk
        done, running = _items(world)
        with at(2026, 2, 10):
            error = _refused(
                NotPermitted,
                codes.ROLE_REQUIRED,
                lambda: ledgers.ledger_open(actor=world.user("fgw_head"), government_id=county, year=2026),
            )
            assert error.status == 403
            _refused(
                ValidationFailed,
                codes.EVALUATION_PERIOD_INVALID,
                lambda: ledgers.ledger_open(actor=office, government_id=county, year="abc"),
            )
            assert not LedgerYear.objects.exists()
            ledger = ledgers.ledger_open(actor=office, government_id=county, year=2026)
            _refused(
                InvalidState,
                codes.LEDGER_YEAR_EXISTS,
                lambda: ledgers.ledger_open(actor=office, government_id=county, year=2026),
            )
            _refused(
                InvalidState,
                codes.LEDGER_EMPTY,
                lambda: ledgers.ledger_submit(actor=office, ledger_id=ledger.pk),
            )
            ledgers.ledger_entries_add(actor=office, ledger_id=ledger.pk, item_ids=[done.pk, running.pk])
            assert set(ledger.entries.values_list("unit_id", "category")) == {
                (world.departments["fgw"].pk, EntryCategory.KEY_WORK)
            }
            _refused(
                NotPermitted,
                codes.ROLE_REQUIRED,
                lambda: ledgers.ledger_approve(actor=office, ledger_id=ledger.pk),
            )
            ledgers.ledger_submit(actor=office, ledger_id=ledger.pk)
            error = _refused(
                InvalidState,
                codes.ACTION_NOT_ALLOWED,
                lambda: ledgers.ledger_submit(actor=office, ledger_id=ledger.pk),
            )
            assert error.status == 409
            ledgers.ledger_approve(actor=world.user("leader"), ledger_id=ledger.pk)
            ledger.refresh_from_db()
            assert ledger.status == LedgerStatus.OPEN
            _refused(
                NotPermitted,
                codes.ROLE_REQUIRED,
                lambda: ledgers.ledger_confirm(actor=world.user("fgw"), ledger_id=ledger.pk),  # a handler
            )
            _refused(
                ValidationFailed,
                codes.TEXT_REQUIRED,
                lambda: ledgers.ledger_object(
                    actor=world.user("fgw_liaison"), ledger_id=ledger.pk, objection="  "
                ),
            )
            confirmation = ledger.confirmations.get()
            assert confirmation.status == ConfirmationStatus.PENDING
            ledgers.ledger_object(
                actor=world.user("fgw_liaison"), ledger_id=ledger.pk, objection="跨年任务不应列入。"
            )
            ledgers.objection_answer(
                actor=office, confirmation_id=confirmation.pk, reply="系县政府工作报告任务，保留。"
            )
        with at(2026, 12, 28):
            # Unconfirmed (the objection answered, the unit asked again): no close.
            _refused(
                InvalidState,
                codes.LEDGER_UNCONFIRMED,
                lambda: ledgers.ledger_close(actor=office, ledger_id=ledger.pk),
            )
            ledgers.ledger_confirm(actor=world.user("fgw_head"), ledger_id=ledger.pk)
            # The running task is neither done nor carried over: no close, and nothing changed.
            _refused(
                InvalidState,
                codes.LEDGER_UNSETTLED,
                lambda: ledgers.ledger_close(actor=office, ledger_id=ledger.pk),
            )
            ledger.refresh_from_db()
            assert ledger.status == LedgerStatus.OPEN and not ledger.frozen_digest
            assert set(ledger.entries.values_list("settlement", flat=True)) == {Settlement.OPEN}
            assert not ScoreRun.objects.filter(frozen=True).exists()
            assert _closed_events(ledger) == 0
            entry = ledger.entries.get(item=running)
            _refused(
                ValidationFailed,
                codes.LEDGER_CARRY_REASON_REQUIRED,
                lambda: ledgers.carry_over(actor=office, entry_id=entry.pk, reason=" "),
            )
            _refused(
                InvalidState,
                codes.LEDGER_ENTRY_INVALID,
                lambda: ledgers.carry_over(
                    actor=office, entry_id=ledger.entries.get(item=done).pk, reason="已办结"
                ),
            )
            entry.refresh_from_db()
            assert entry.settlement == Settlement.OPEN
            ledgers.carry_over(actor=office, entry_id=entry.pk, reason="征地未完成，转入下年度继续推进。")
            closed = ledgers.ledger_close(actor=office, ledger_id=ledger.pk)
        assert closed.status == LedgerStatus.CLOSED
        assert dict(closed.entries.values_list("item_id", "settlement")) == {
            done.pk: Settlement.DONE,
            running.pk: Settlement.CARRIED_OVER,
        }
        assert closed.frozen_figures["settlements"] == {"done": 1, "carried_over": 1}
        assert ledgers.frozen_intact(closed)
        # Closed: the cycle's steps are refused.
        _refused(
            InvalidState,
            codes.LEDGER_YEAR_CLOSED,
            lambda: ledgers.ledger_entries_add(actor=office, ledger_id=ledger.pk, item_ids=[]),
        )

    def test_closing_twice_gives_the_same_result_and_one_event_and_a_later_note_is_a_correction(self, world):
        office = world.user("office")
        done, _running = _items(world)
        ledger = _opened(world, [done.pk])
        with at(2027, 1, 5):
            first = ledgers.ledger_close(actor=office, ledger_id=ledger.pk)
        with at(2027, 1, 6):
            second = ledgers.ledger_close(actor=office, ledger_id=ledger.pk)
        assert second.frozen_digest == first.frozen_digest and second.closed_at == first.closed_at
        assert _closed_events(ledger) == 1
        assert ledgers.frozen_intact(second)
        year_run = ScoreRun.objects.get(pk=first.frozen_figures["scores"]["run"])
        assert year_run.frozen and (year_run.year, year_run.quarter) == (2026, 0)
        assert year_run.digest == first.frozen_figures["scores"]["digest"]
        with at(2027, 1, 8):
            note = ledgers.note_add(
                actor=office, ledger_id=ledger.pk, text="更正：该任务实际完成时间为6月1日。"
            )
            # History moves on after the close: the item is closed; the frozen figures stay.
            from ducha.items import services

            services.item_close(item_id=done.pk, actor=world.user("leader"))
        assert note.kind == LedgerNoteKind.CORRECTION
        assert Event.objects.filter(event_type=EventType.LEDGER_CORRECTED, subject_id=ledger.pk).count() == 1
        ledger.refresh_from_db()
        assert ledger.frozen_digest == first.frozen_digest and ledger.frozen_figures == first.frozen_figures
        assert ledgers.frozen_intact(ledger)
        assert run_recomputed(year_run)[0] == year_run.digest
        # Tampering with the stored figures shows.
        ledger.frozen_figures["settlements"]["done"] = 2
        assert not ledgers.frozen_intact(ledger)


@pytest.mark.django_db
class TestCarryOver:
    def test_next_year_opens_only_once_unfinished_tasks_are_carried_over_with_their_reason(self, world):
        office, county = world.user("office"), world.county.pk
        done, running = _items(world)
        ledger = _opened(world, [done.pk, running.pk])
        with at(2026, 12, 28):
            _refused(
                InvalidState,
                codes.LEDGER_PREVIOUS_UNSETTLED,
                lambda: ledgers.ledger_open(actor=office, government_id=county, year=2027),
            )
            assert not LedgerYear.objects.filter(year=2027).exists()
            entry = ledger.entries.get(item=running)
            ledgers.carry_over(actor=office, entry_id=entry.pk, reason="征地未完成，转入下年度继续推进。")
            following = ledgers.ledger_open(actor=office, government_id=county, year=2027)
        carried = LedgerEntry.objects.get(ledger_year=following)
        assert (carried.item_id, carried.category, carried.carried_from_id) == (
            running.pk,
            EntryCategory.CARRIED_OVER,
            entry.pk,
        )
        assert carried.carry_reason == "征地未完成，转入下年度继续推进。"
        with at(2027, 1, 5):
            ledgers.ledger_close(actor=office, ledger_id=ledger.pk)
        assert LedgerYear.objects.get(pk=ledger.pk).status == LedgerStatus.CLOSED


def _at_once(calls) -> list:
    barrier = threading.Barrier(len(calls))
    errors: list = []

    def run(call) -> None:
        try:
            barrier.wait(timeout=20)
            call()
        except Exception as error:  # reported below
            errors.append(error)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=run, args=(call,)) for call in calls]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    return errors


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_concurrent_closes_leave_one_result(world):
    if connection.vendor != "postgresql":
        pytest.skip("concurrent transactions need PostgreSQL (SQLite serialises every writer)")
    done, _running = _items(world)
    ledger = _opened(world, [done.pk])
    closers = [world.user("office"), world.user("office2")] * 2

    with at(2027, 1, 5):  # one clock for every thread
        errors = _at_once(
            [lambda actor=actor: ledgers.ledger_close(actor=actor, ledger_id=ledger.pk) for actor in closers]
        )
    assert errors == []
    ledger.refresh_from_db()
    assert ledger.status == LedgerStatus.CLOSED and ledgers.frozen_intact(ledger)
    assert _closed_events(ledger) == 1
    assert (
        ScoreRun.objects.filter(government_id=world.county.pk, year=2026, quarter=0, frozen=True).count() == 1
    )


@pytest.mark.django_db
def test_an_item_the_office_handles_itself_is_not_on_the_units_ledger(world):
    # The office scores the units; its own 直接办理 is not a unit's task on the year's ledger.
    unit_task = assigned_item(world, (2026, 2, 2, 9), due=dt.date(2026, 6, 30), title="发改局任务")
    own = assigned_item(world, (2026, 2, 2, 9), due=dt.date(2026, 6, 30), title="督查室直接办理")
    Assignment.objects.filter(item=own, role="lead").update(unit=world.supervision_office)
    with at(2026, 2, 10):
        ledger = ledgers.ledger_open(actor=world.user("office"), government_id=world.county.pk, year=2026)
        ledgers.ledger_entries_add(
            actor=world.user("office"), ledger_id=ledger.pk, item_ids=[unit_task.pk, own.pk]
        )
    assert set(LedgerEntry.objects.filter(ledger_year=ledger).values_list("item_id", flat=True)) == {
        unit_task.pk
    }
