"""The dates that matter, named: deadlines counted across the Spring Festival and National Day with their make-up
working days, an assignment between 00:00 and 08:00 Beijing time (when the UTC date is still the day before), the
light turning red at Beijing midnight, the year end into a year whose arrangement is still provisional, and the
month and year a page counts. Expected dates are counted by hand from the State Council's 2026 arrangement:

- Spring Festival 2026: 15–23 February off; Saturday 14 and Saturday 28 February are working days.
- National Day 2026: 1–7 October off (with the Mid-Autumn Festival); Sunday 20 September and Saturday 10 October
  are working days.
- 2027: not in the package's data, so it rests on the provisional calendar (statutory holidays only).
"""

from __future__ import annotations

import datetime

import pytest
import time_machine
from django.utils import timezone

from ducha.devtools.demo import DEMO_PASSWORD
from ducha.items.lifecycle import ItemStatus
from ducha.items.models import Item, Light
from ducha.items.selectors import light_filter
from tests.clock import moment
from tests.helpers import item_in

D = datetime.date


def assigned_at(world, when: datetime.datetime, **fields) -> Item:
    with time_machine.travel(when, tick=False):
        return item_in(world, ItemStatus.ASSIGNED, **fields)


@pytest.mark.parametrize(
    ("when", "workdays", "due", "warn"),
    [
        # Friday before the Spring Festival: Sat 14 Feb counts, 15–23 Feb do not, Sat 28 Feb counts.
        pytest.param(moment(2026, 2, 13, 16), 15, D(2026, 3, 12), D(2026, 3, 9), id="spring-festival"),
        # 00:30 on the make-up Saturday is still Friday 13 February in UTC: the day counted from is the 14th.
        pytest.param(moment(2026, 2, 14, 0, 30), 15, D(2026, 3, 13), D(2026, 3, 10), id="make-up-day-00:30"),
        # Saturday before the National Day make-up Sunday: one working day later is that Sunday; the warning starts
        # three working days before it (16, 17, 18 September, then the Sunday).
        pytest.param(moment(2026, 9, 19, 10), 1, D(2026, 9, 20), D(2026, 9, 16), id="make-up-sunday"),
        # The eve of National Day, late: 8 and 9 October, Saturday 10 October, then 12 and 13.
        pytest.param(moment(2026, 9, 30, 23, 30), 5, D(2026, 10, 13), D(2026, 10, 9), id="national-day-eve"),
        # New Year's Eve: three working days land in 2027, whose arrangement is not published yet; the warning
        # starts on the eve itself.
        pytest.param(moment(2026, 12, 31, 17), 3, D(2027, 1, 6), D(2026, 12, 31), id="year-end"),
    ],
)
def test_the_deadline_counts_working_days_from_the_beijing_date(world, when, workdays, due, warn):
    item = assigned_at(world, when, deadline_workdays=workdays)

    assert (item.due_date, item.warn_date) == (due, warn)
    assert item.due_date_is_provisional is (due.year == 2027)


def test_the_light_turns_red_at_beijing_midnight_not_utc_midnight(world):
    item = assigned_at(world, moment(2026, 11, 18, 10), due_date=D(2026, 11, 30))
    seen = {}
    # 07:30 on the due day is 23:30 the day before in UTC; 00:30 the next day is still the due day in UTC.
    for label, when in {
        "due day, 07:30": moment(2026, 11, 30, 7, 30),
        "due day, 23:59": moment(2026, 11, 30, 23, 59),
        "next day, 00:30": moment(2026, 12, 1, 0, 30),
    }.items():
        with time_machine.travel(when, tick=False):
            item.refresh_from_db()
            red = Item.objects.filter(light_filter(Light.RED, timezone.localdate()), pk=item.pk).exists()
            seen[label] = (item.light, red)

    assert seen == {
        "due day, 07:30": (Light.YELLOW, False),
        "due day, 23:59": (Light.YELLOW, False),
        "next day, 00:30": (Light.RED, True),
    }


@pytest.mark.parametrize(
    ("when", "year"),
    [
        pytest.param(moment(2026, 12, 31, 23, 59), 2026, id="new-years-eve-23:59"),
        # 00:30 on New Year's Day is 16:30 on 31 December in UTC.
        pytest.param(moment(2027, 1, 1, 0, 30), 2027, id="new-years-day-00:30"),
    ],
)
def test_the_dashboard_counts_the_beijing_year(client, world, when, year):
    with time_machine.travel(when, tick=False):
        assert client.login(username="office", password=DEMO_PASSWORD)
        response = client.get("/dashboard/")
    assert response.status_code == 200
    assert response.context["year"] == year
