"""`ducha scores`: a period's scores computed and stored from the shell, inline or queued; a mistake stores
nothing."""

from __future__ import annotations

from io import StringIO

import pytest
import time_machine
from django.core.management import CommandError, call_command
from django.utils import translation

from ducha.evaluation.models import RunStatus, Score, ScoreRun
from tests.clock import moment
from tests.helpers import advance, make_item

pytestmark = pytest.mark.django_db

# A working Wednesday in the fourth quarter of 2026: its first three quarters are over, 2027 has not begun.
NOVEMBER = moment(2026, 11, 18, 10)


@pytest.fixture(autouse=True)
def _in_november_2026():
    with time_machine.travel(NOVEMBER, tick=False):
        yield


@pytest.fixture
def immediate_tasks(settings):
    settings.TASKS = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}


def _scores(*args: str) -> str:
    """The command's output, in the English source strings whatever the catalogue holds."""
    out = StringIO()
    with translation.override("en"):
        call_command("scores", *args, stdout=out)
    return out.getvalue()


def _comparable(world) -> set[int]:
    return {unit.pk for unit in [*world.departments.values(), *world.townships.values()]}


def test_an_inline_run_stores_the_period_scores(world):
    text = _scores("--year", "2026", "--quarter", "3", "--government", str(world.county.pk))

    run = ScoreRun.objects.get(government=world.county, year=2026, quarter=3)
    assert run.status == RunStatus.DONE and run.cutoff == moment(2026, 10, 1)
    assert set(Score.objects.filter(run=run).values_list("unit_id", flat=True)) == _comparable(world)
    assert world.county.name in text
    assert f"{len(_comparable(world))} " in text


def test_without_a_quarter_the_year_is_scored(world):
    _scores("--year", "2026", "--government", str(world.county.pk))

    run = ScoreRun.objects.get(government=world.county, year=2026)
    assert run.quarter == 0 and run.cutoff == NOVEMBER


def test_all_scores_every_government_with_items(world):
    assert "nothing to score" in _scores("--year", "2026", "--all")
    assert not ScoreRun.objects.exists()

    advance(world, make_item(world), "assigned")
    text = _scores("--year", "2026", "--quarter", "4", "--all")

    assert list(ScoreRun.objects.values_list("government_id", "year", "quarter")) == [
        (world.county.pk, 2026, 4)
    ]
    assert world.county.name in text


def test_enqueue_queues_the_task(world, immediate_tasks):
    text = _scores("--year", "2026", "--quarter", "2", "--government", str(world.county.pk), "--enqueue")

    run = ScoreRun.objects.get(government=world.county, year=2026, quarter=2)
    assert run.status == RunStatus.DONE
    assert Score.objects.filter(run=run).count() == len(_comparable(world))
    assert world.county.name in text


@pytest.mark.parametrize(
    ("args", "words"),
    [
        pytest.param(("--year", "1999"), "2000 to 2100", id="year-too-early"),
        pytest.param(("--year", "二〇二六"), "2000 to 2100", id="year-not-a-number"),
        pytest.param(("--year", "2026", "--quarter", "5"), "quarter from 1 to 4", id="no-fifth-quarter"),
        pytest.param(("--year", "2027"), "has not begun", id="year-not-begun"),
    ],
)
def test_a_bad_period_is_a_clear_error_and_nothing_is_stored(world, args, words):
    with pytest.raises(CommandError, match=words):
        _scores(*args, "--government", str(world.county.pk))

    assert not ScoreRun.objects.exists()
    assert not Score.objects.exists()


def test_an_unknown_government_is_a_clear_error_and_nothing_is_stored(world):
    with pytest.raises(CommandError, match="99999"):
        _scores("--year", "2026", "--government", str(world.county.pk), "99999")
    with pytest.raises(CommandError, match="x"):
        _scores("--year", "2026", "--government", "x")
    # A department is not a government: its units are not scored on their own.
    fgw = world.departments["fgw"].pk
    with pytest.raises(CommandError, match=str(fgw)):
        _scores("--year", "2026", "--government", str(fgw))

    assert not ScoreRun.objects.exists()


def test_governments_or_all_must_be_given(world):
    with pytest.raises(CommandError):
        _scores("--year", "2026")
    with pytest.raises(CommandError):
        _scores("--year", "2026", "--all", "--government", str(world.county.pk))

    assert not ScoreRun.objects.exists()
