"""`ducha triggers`: the year's triggers run from the shell for some governments or every one with items; it
prints the new proposals per government and the time; a mistake is one line and proposes nothing."""

from __future__ import annotations

import datetime as dt
from io import StringIO

import pytest
import time_machine
from django.core.management import CommandError, call_command
from django.utils import translation

from ducha.accountability.models import Proposal
from tests.clock import moment
from tests.evaluation.helpers import assigned_item

pytestmark = pytest.mark.django_db

NOVEMBER = moment(2026, 11, 18, 10)


@pytest.fixture(autouse=True)
def _in_november_2026():
    with time_machine.travel(NOVEMBER, tick=False):
        yield


def _triggers(*args: str) -> str:
    """The command's output, in the English source strings whatever the catalogue holds."""
    out = StringIO()
    with translation.override("en"):
        call_command("triggers", *args, stdout=out)
    return out.getvalue()


def _overdue(world):
    """An item of 发改局 assigned in October, due on 2 November, never reported."""
    with time_machine.travel(moment(2026, 10, 19, 10), tick=False):
        return assigned_item(world, (2026, 10, 19, 10), due=dt.date(2026, 11, 2))


def test_a_run_for_a_government_prints_its_new_proposals_and_the_time(world):
    item = _overdue(world)

    text = _triggers("--year", "2026", "--government", str(world.county.pk))

    proposal = Proposal.objects.get()
    assert (proposal.rule, proposal.key, proposal.year) == ("item_overdue", f"item:{item.pk}", 2026)
    assert f"{world.county.name}: 1 new proposals." in text
    assert "Ran the triggers of 2026 for 1 governments in " in text and ": 1 new proposals." in text

    # A second run proposes nothing new.
    again = _triggers("--year", "2026", "--government", str(world.county.pk))
    assert f"{world.county.name}: 0 new proposals." in again
    assert Proposal.objects.count() == 1


def test_all_runs_every_government_with_items_of_the_year(world):
    assert "nothing to run" in _triggers("--year", "2026", "--all")

    _overdue(world)
    text = _triggers("--year", "2026", "--all")

    assert f"{world.county.name}: 1 new proposals." in text
    assert world.city.name not in text
    assert list(Proposal.objects.values_list("government_id", flat=True)) == [world.county.pk]
    assert "nothing to run" in _triggers("--year", "2025", "--all")


def test_a_government_without_proposals_is_listed_with_none(world):
    _overdue(world)

    text = _triggers("--year", "2026", "--government", str(world.county.pk), str(world.city.pk))

    assert f"{world.city.name}: 0 new proposals." in text
    assert f"{world.county.name}: 1 new proposals." in text


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--year", "twenty", "--all"], "Not a year: twenty"),
        (["--year", "1999", "--all"], "Not a year: 1999"),
        (["--year", "2027", "--all"], "2027 has not begun"),
        (["--year", "2026", "--government", "abc"], "Not a government id: abc"),
        (["--year", "2026", "--government", "999999"], "No government with the id 999999"),
    ],
)
def test_a_mistake_is_one_line_and_proposes_nothing(world, args, message):
    _overdue(world)

    with pytest.raises(CommandError) as raised:
        _triggers(*args)

    assert message in str(raised.value)
    assert "\n" not in str(raised.value)
    assert not Proposal.objects.exists()


def test_a_department_is_not_a_government(world):
    with pytest.raises(CommandError, match="No government with the id"):
        _triggers("--year", "2026", "--government", str(world.departments["fgw"].pk))


def test_government_and_all_exclude_each_other(world):
    with pytest.raises(CommandError):
        _triggers("--year", "2026", "--all", "--government", str(world.county.pk))
    with pytest.raises(CommandError):
        _triggers("--year", "2026")
