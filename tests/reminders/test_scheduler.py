"""`ducha scheduler --once`: one round of the embedded clock — the sweep, and the dashboard's summary recount."""

from __future__ import annotations

from io import StringIO

import pytest
from django.core.management import call_command

from ducha.reminders.models import ReminderRun
from ducha.workbench.models import DashboardRollup

# The scheduler closes its database connections between rounds, as a long-running process must: the tests run
# outside a wrapping transaction.
pytestmark = pytest.mark.django_db(transaction=True)


def test_one_round_sweeps_and_recounts_the_dashboard(world, travel, settings):
    settings.DUCHA_DASHBOARD_ROLLUP_INTERVAL_SECONDS = 900
    travel(2026, 11, 13, 10)
    assert not DashboardRollup.objects.exists()

    call_command("scheduler", "--once", stdout=StringIO())

    assert ReminderRun.objects.filter(source="sweep", status="done").count() == 1
    assert DashboardRollup.objects.filter(year=2026, government=world.county).exists()


def test_the_dashboard_recount_can_be_left_to_cron(world, travel, settings):
    settings.DUCHA_DASHBOARD_ROLLUP_INTERVAL_SECONDS = 0
    travel(2026, 11, 13, 10)

    call_command("scheduler", "--once", stdout=StringIO())

    assert ReminderRun.objects.filter(source="sweep").count() == 1
    assert not DashboardRollup.objects.exists()
