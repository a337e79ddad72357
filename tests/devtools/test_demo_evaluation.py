"""The demo county's evaluation (ducha.devtools.demo.evaluation): the year's ledger in every state, the mid-year
check, the scores of the quarters that have ended and a quarterly report submitted to the city."""

from __future__ import annotations

import datetime
from collections import Counter
from dataclasses import dataclass

import pytest
import time_machine
from django.db import transaction

from ducha.devtools.demo import demo_world_load
from ducha.devtools.demo.evaluation import PART, DemoEvaluation, demo_evaluation_create
from ducha.devtools.demo.inspections import demo_inspections_create
from ducha.devtools.demo.items import demo_items_create
from ducha.evaluation import selectors
from ducha.evaluation.models import (
    ConfirmationStatus,
    LedgerNoteKind,
    LedgerStatus,
    LedgerYear,
    MidYearCheck,
    PeriodReportStatus,
    RunStatus,
    ScoreGroup,
)
from ducha.items.models import Item, SourceType
from tests.clock import moment

DEMO_COUNT = 60
# The suite's ordinary day: the fourth quarter of 2026, the first three over, 30 June passed.
NOVEMBER = moment(2026, 11, 18, 10)


@dataclass
class Built:
    evaluation: DemoEvaluation
    items_before: int


def _build(when: datetime.datetime) -> Built:
    """The demo county as `ducha demo` builds it on `when`: its items, inspections, then the evaluation."""
    with time_machine.travel(when):
        world = demo_world_load()
        demo_items_create(world, count=DEMO_COUNT)
        demo_inspections_create(world)
        before = Item.objects.count()
        return Built(demo_evaluation_create(world), before)


@pytest.fixture(scope="class")
def demo(django_db_setup, django_db_blocker):
    """The demo county built on 18 November 2026, once for the class and rolled back after it."""
    with django_db_blocker.unblock(), transaction.atomic():
        assert not PART.exists()
        yield _build(NOVEMBER)
        transaction.set_rollback(True)


class TestDemoEvaluation:
    @pytest.fixture(autouse=True)
    def _db(self, db):
        """Each test runs in a savepoint inside the class's transaction."""

    def test_the_part_knows_it_exists(self, demo):
        assert PART.exists()
        # The year's early history: a few tasks assigned in each ended quarter.
        assert demo.evaluation.created == Item.objects.count() - demo.items_before >= 3 * 5

    def test_the_ledger_of_the_year_is_open_with_entries(self, demo):
        ledger = LedgerYear.objects.get()
        assert (ledger.year, ledger.status) == (2026, LedgerStatus.OPEN)
        assert ledger.created_by.username == "office" and ledger.approved_by.username == "leader"
        categories = Counter(ledger.entries.values_list("category", flat=True))
        assert categories["work_report"] and categories["livelihood"]
        assert all(entry.item.assigned_at.year == 2026 for entry in ledger.entries.select_related("item"))
        sources = set(ledger.entries.values_list("item__source_type", flat=True))
        assert {SourceType.WORK_REPORT_TASK, SourceType.LIVELIHOOD_PROJECT} <= sources

    def test_the_confirmations_are_in_every_state(self, demo, world):
        ledger = LedgerYear.objects.get()
        states = Counter(ledger.confirmations.values_list("status", flat=True))
        assert set(states) == set(ConfirmationStatus.values)
        assert states[ConfirmationStatus.CONFIRMED] > states[ConfirmationStatus.PENDING] > 0
        assert states[ConfirmationStatus.OBJECTED] == 1
        # 教育局 objected, the office answered: it is asked again.
        education = ledger.confirmations.get(unit=world.departments["jyj"])
        assert education.status == ConfirmationStatus.PENDING
        assert education.objection and education.office_reply
        waiting = ledger.confirmations.get(status=ConfirmationStatus.OBJECTED)
        assert waiting.objection and not waiting.office_reply
        confirmed = ledger.confirmations.filter(status=ConfirmationStatus.CONFIRMED).select_related(
            "decided_by"
        )
        assert all(one.decided_by.username.endswith("_liaison") for one in confirmed)

    def test_the_mid_year_check_and_the_stage_notes(self, demo):
        check = MidYearCheck.objects.get()
        assert check.as_of == datetime.date(2026, 6, 30) and check.report
        assert check.figures["total"]["late"] >= 1
        explanations = list(check.explanations.all())
        assert explanations
        assert sum(1 for one in explanations if one.answer) == min(
            2, len({one.unit_id for one in explanations})
        )
        notes = demo.evaluation.ledger.notes.all()
        assert len(notes) == 2 and {note.kind for note in notes} == {LedgerNoteKind.STAGE}

    def test_the_ended_quarters_are_scored_for_every_unit(self, demo, world):
        assert [(run.year, run.quarter) for run in demo.evaluation.runs] == [(2026, 1), (2026, 2), (2026, 3)]
        departments = {unit.pk for unit in world.departments.values()}
        townships = {unit.pk for unit in world.townships.values()}
        for run in demo.evaluation.runs:
            assert run.status == RunStatus.DONE and not run.frozen
            scores = list(run.scores.all())
            assert {s.unit_id for s in scores if s.group == ScoreGroup.DEPARTMENT} == departments
            assert {s.unit_id for s in scores if s.group == ScoreGroup.TOWNSHIP} == townships
            # Real content: late sign-fors and completions, so the units' scores differ and someone is last.
            assert len({s.score for s in scores}) > 1, (run.year, run.quarter)
            assert any(s.last for s in scores)
            assert any(s.score == 100 for s in scores)

    def test_the_quarterly_report_reaches_the_city(self, demo, world):
        report = demo.evaluation.report
        assert (report.period, report.year, report.number) == ("quarter", 2026, 3)
        assert report.status == PeriodReportStatus.SUBMITTED
        assert report.created_by.username == "office2" and report.approved_by.username == "office"
        assert report.recipient == world.city
        assert [one.pk for one in selectors.received_reports(world.user("city_office"))] == [report.pk]
        assert report.figures["items_assigned"] > 0 and report.figures["scores"]


@pytest.mark.parametrize(
    ("when", "ledger_status", "quarters", "mid_year"),
    [
        # Before the first quarter of the year has ended: last year's fourth quarter is scored and reported.
        pytest.param(moment(2027, 2, 10, 10), LedgerStatus.OPEN, [(2026, 4)], False, id="february"),
        # New Year's Day, 07:30: nothing assigned in the new year yet — the ledger is still being drawn up.
        pytest.param(moment(2027, 1, 1, 7, 30), None, [(2026, 4)], False, id="new-years-day"),
        # The second quarter: the first one scored, 30 June not reached.
        pytest.param(moment(2026, 5, 6, 10), LedgerStatus.OPEN, [(2026, 1)], False, id="may"),
    ],
)
def test_the_demo_evaluation_on_other_days(db, when, ledger_status, quarters, mid_year):
    built = _build(when)

    assert built.evaluation.ledger.year == when.year
    if ledger_status is not None:
        assert built.evaluation.ledger.status == ledger_status
    else:
        assert built.evaluation.ledger.status in (LedgerStatus.DRAFT, LedgerStatus.OPEN)
    assert [(run.year, run.quarter) for run in built.evaluation.runs] == quarters
    assert (built.evaluation.report.year, built.evaluation.report.number) == quarters[-1]
    assert built.evaluation.report.status == PeriodReportStatus.SUBMITTED
    assert MidYearCheck.objects.exists() == mid_year
