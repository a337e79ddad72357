"""The triggers' daily run (ducha.accountability.tasks): the first round after 06:00 runs them for every government
with items of the year (in January the previous year too), remembered in the database so that a restart does not
run them again; `ducha scheduler` calls it each round."""

from __future__ import annotations

import datetime as dt
from io import StringIO
from unittest import mock

import pytest
import time_machine
from django.core.management import call_command

from ducha.accountability import tasks
from ducha.accountability.models import Proposal
from ducha.audit.models import Event
from tests.clock import moment
from tests.evaluation.helpers import assigned_item

pytestmark = pytest.mark.django_db


def _runs() -> list[Event]:
    return list(Event.objects.filter(event_type=tasks.EVENT_TYPE).order_by("id"))


def _overdue(world, year: int = 2026):
    """An item of 发改局 assigned in October, due on 2 November, never reported: late by the 18th."""
    return assigned_item(world, (year, 10, 19, 10), due=dt.date(year, 11, 2))


def test_before_six_nothing_runs(world):
    _overdue(world)
    with time_machine.travel(moment(2026, 11, 18, 5, 59), tick=False):
        assert not tasks.daily_due()
        assert tasks.triggers_daily() is None

    assert not _runs() and not Proposal.objects.exists()


def test_the_first_round_after_six_runs_once_a_day(world):
    item = _overdue(world)
    with time_machine.travel(moment(2026, 11, 18, 6, 5), tick=False):
        run = tasks.triggers_daily()

    assert run is not None
    assert (run.day, run.years) == (dt.date(2026, 11, 18), [2026])
    assert run.new == {2026: {world.county.pk: 1}} and run.total == 1
    proposal = Proposal.objects.get()
    assert (proposal.rule, proposal.key) == ("item_overdue", f"item:{item.pk}")
    assert proposal.unit == world.departments["fgw"]
    (event,) = _runs()
    assert (event.subject_type, event.subject_id, event.actor) == (tasks.SUBJECT_TYPE, 20261118, None)
    assert event.new["new"] == 1 and event.new["years"] == [2026]

    # Later rounds of the day (another process after a restart too) find it done.
    with time_machine.travel(moment(2026, 11, 18, 23, 55), tick=False):
        assert not tasks.daily_due()
        assert tasks.triggers_daily() is None
    assert len(_runs()) == 1

    # The next day it runs again, and proposes nothing new.
    with time_machine.travel(moment(2026, 11, 19, 6, 0), tick=False):
        again = tasks.triggers_daily()
    assert again is not None and again.total == 0
    assert [event.subject_id for event in _runs()] == [20261118, 20261119]
    assert Proposal.objects.count() == 1


def test_in_january_the_previous_year_runs_too(world):
    _overdue(world, 2026)
    with time_machine.travel(moment(2027, 1, 5, 8), tick=False):
        run = tasks.triggers_daily()

    assert run is not None and run.years == [2026, 2027]
    assert run.new[2026] == {world.county.pk: 1}
    # No item is due or assigned in 2027 yet: no government to run for.
    assert run.new[2027] == {}
    assert Proposal.objects.get().year == 2026

    with time_machine.travel(moment(2027, 2, 1, 8), tick=False):
        later = tasks.triggers_daily()
    assert later is not None and later.years == [2027]


def test_only_governments_with_items_of_the_year(world):
    _overdue(world)

    assert tasks.governments_with_items(2026) == [world.county.pk]
    assert tasks.governments_with_items(2025) == []
    assert world.city.pk not in tasks.governments_with_items(2026)


def test_a_failed_run_is_not_remembered_and_the_next_round_tries_again(world):
    _overdue(world)
    with (
        time_machine.travel(moment(2026, 11, 18, 7), tick=False),
        mock.patch.object(tasks, "triggers_run", side_effect=RuntimeError("database went away")),
        pytest.raises(RuntimeError),
    ):
        tasks.triggers_daily()
    assert not _runs()

    with time_machine.travel(moment(2026, 11, 18, 7, 5), tick=False):
        assert tasks.triggers_daily() is not None
    assert len(_runs()) == 1 and Proposal.objects.count() == 1


def test_the_task_runs_the_daily_job(world, settings):
    settings.TASKS = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}
    _overdue(world)
    with time_machine.travel(moment(2026, 11, 18, 9), tick=False):
        result = tasks.triggers_daily_task.enqueue()
        assert result.return_value == {
            "ran": True,
            "day": "2026-11-18",
            "years": [2026],
            "new": 1,
            "seconds": result.return_value["seconds"],
        }
        assert tasks.triggers_daily_task.enqueue().return_value == {"ran": False}


@pytest.mark.django_db(transaction=True)
class TestScheduler:
    """`ducha scheduler --once`: one round; it closes its connections between rounds, so no wrapping transaction."""

    def _round(self, settings) -> str:
        settings.DUCHA_DASHBOARD_ROLLUP_INTERVAL_SECONDS = 0
        out = StringIO()
        call_command("scheduler", "--once", stdout=out)
        return out.getvalue()

    def test_a_round_after_six_runs_the_triggers_and_a_restart_does_not_again(self, world, settings):
        _overdue(world)
        with time_machine.travel(moment(2026, 11, 18, 6, 1), tick=False):
            self._round(settings)
            assert len(_runs()) == 1 and Proposal.objects.count() == 1
            # A restarted scheduler (a new process, a new round): remembered in the database.
            self._round(settings)
        assert len(_runs()) == 1

    def test_a_round_before_six_leaves_them(self, world, settings):
        _overdue(world)
        with time_machine.travel(moment(2026, 11, 18, 5, 30), tick=False):
            self._round(settings)
        assert not _runs() and not Proposal.objects.exists()

    def test_a_failing_run_does_not_stop_the_clock(self, world, settings):
        _overdue(world)
        with (
            time_machine.travel(moment(2026, 11, 18, 8), tick=False),
            mock.patch.object(tasks, "triggers_run", side_effect=RuntimeError("boom")),
        ):
            text = self._round(settings)
        assert not _runs() and not Proposal.objects.exists()
        # The round ended as usual (logged, not raised).
        assert "scheduler: stopped" in text
