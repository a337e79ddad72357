"""Issue 19: no page counts a province's figures inside a request.

- A scope too large to count live (the province; here the demo county with LIVE_MAX_UNITS lowered to 0) whose
  summary was counted for an earlier day is shown those last known figures with the time they were counted and a
  note; one whose summary was never counted is shown that it is not counted yet — neither counts anything.
- A small scope (the demo county as it is) is still counted live when the summary lacks it.
- The summary is counted on deploy (post_migrate) when the database has none for the current year.
- The office (or the administrator) asks for a recount as a background job (kind "dashboard_rebuild") and is sent
  to the job's page; one recount at a time; anyone else is refused and nothing is queued.
- A worker's first request does not import the URLconf: the WSGI module warms the process up when it loads.
"""

from __future__ import annotations

import datetime
import json
import subprocess
import sys

import pytest
import time_machine
from django.core.management import call_command
from django.urls import reverse

from ducha.common import error_codes as codes
from ducha.common.errors import NotPermitted
from ducha.items.lifecycle import ItemStatus
from ducha.jobs import registry
from ducha.jobs import services as jobs
from ducha.jobs.models import Job, JobStatus
from ducha.workbench import dashboard, dashboard_jobs
from ducha.workbench.dashboard import dashboard_figures, dashboard_rollup_rebuild, rollup_years
from ducha.workbench.dashboard_jobs import DASHBOARD_REBUILD, build_on_migrate, dashboard_rebuild_start
from ducha.workbench.models import DashboardRollup
from tests.clock import environment_without_faketime, moment
from tests.helpers import item_in

MONDAY = moment(2026, 11, 16, 9, 30)
TUESDAY = moment(2026, 11, 17, 10, 0)


@pytest.fixture
def province_sized(monkeypatch):
    """The demo county counted as if it were a province: too large to count inside a request. Counting live
    fails the test."""
    monkeypatch.setattr(dashboard, "LIVE_MAX_UNITS", 0)

    def no_live_count(*args, **kwargs):
        raise AssertionError("counted live inside the request")

    monkeypatch.setattr(dashboard, "dashboard_stats", no_live_count)


def test_a_large_scope_is_shown_its_last_figures_with_their_time(world, province_sized, client):
    with time_machine.travel(MONDAY, tick=False):
        item_in(world, ItemStatus.ASSIGNED)
        dashboard_rollup_rebuild(years=[2026])
    office = world.user("office")

    with time_machine.travel(TUESDAY, tick=False):
        figures = dashboard_figures(office, year=2026, today=datetime.date(2026, 11, 17))
        client.force_login(office)
        page = client.get(reverse("dashboard"))

    assert figures.stale and figures.counted_ahead and not figures.missing
    assert figures.computed_at == MONDAY
    assert figures.stats["totals"]["items"] == 1
    assert page.status_code == 200
    text = page.content.decode()
    assert 'data-stale="true"' in text
    assert "2026-11-16 09:30" in text  # as of when
    assert 'id="dashboard-stale"' in text  # the note
    assert 'id="dashboard-data"' in text


def test_a_large_scope_never_counted_is_told_so(world, province_sized, client):
    office = world.user("office")
    client.force_login(office)

    with time_machine.travel(TUESDAY, tick=False):
        figures = dashboard_figures(office, year=2026, today=datetime.date(2026, 11, 17))
        page = client.get(reverse("dashboard"))

    assert figures.missing and figures.stats == {} and figures.computed_at is None
    assert page.status_code == 200
    text = page.content.decode()
    assert 'id="dashboard-missing"' in text and 'id="dashboard-not-counted"' in text
    assert 'id="dashboard-data"' not in text
    assert f'action="{reverse("dashboard-rebuild")}"' in text  # the office may ask for a recount


def test_the_leader_sees_no_recount_button(world, province_sized, client):
    client.force_login(world.user("leader"))

    text = client.get(reverse("dashboard")).content.decode()

    assert 'id="dashboard-missing"' in text
    assert reverse("dashboard-rebuild") not in text


def test_a_small_scope_without_its_summary_is_counted_live(world):
    with time_machine.travel(MONDAY, tick=False):
        item_in(world, ItemStatus.ASSIGNED)
        dashboard_rollup_rebuild(years=[2026])

    with time_machine.travel(TUESDAY, tick=False):
        figures = dashboard_figures(world.user("office"), year=2026, today=datetime.date(2026, 11, 17))

    assert not figures.counted_ahead and not figures.stale and not figures.missing
    assert figures.stats["totals"]["items"] == 1


def test_the_summary_is_counted_on_migrate_when_missing(world, monkeypatch):
    with time_machine.travel(TUESDAY, tick=False):
        assert not DashboardRollup.objects.exists()

        call_command("migrate", verbosity=0)  # nothing to apply; post_migrate still runs

        assert sorted(DashboardRollup.objects.values_list("year", flat=True).distinct()) == rollup_years(
            datetime.date(2026, 11, 17)
        )
        assert set(DashboardRollup.objects.values_list("as_of", flat=True)) == {datetime.date(2026, 11, 17)}

        # held already: left to the scheduler
        counted = []
        monkeypatch.setattr(dashboard_jobs, "dashboard_rollup_rebuild", lambda **kw: counted.append(kw))
        build_on_migrate(using="default")
        assert counted == []


def test_the_office_asks_for_a_recount_from_the_dashboard_and_follows_the_job(world, client):
    office = world.user("office")
    client.force_login(office)

    answer = client.post(reverse("dashboard-rebuild"))

    job = Job.objects.get(kind=DASHBOARD_REBUILD)
    assert answer.status_code == 302
    assert answer["Location"] == reverse("job-detail", args=[job.pk])
    assert job.owner == office and job.status == JobStatus.QUEUED
    # a second ask, by another office, follows the one queued
    again, joined = dashboard_rebuild_start(actor=world.user("city_office"))
    assert joined and again.pk == job.pk
    assert registry.get(DASHBOARD_REBUILD).may_read(job, world.user("city_office"))
    assert not registry.get(DASHBOARD_REBUILD).may_read(job, world.user("fgw"))


def test_the_recount_job_counts_the_summary_with_its_progress(world, today, monkeypatch):
    # jobs.services.run begins with close_old_connections(), which inside a test's transaction (autocommit off)
    # closes the PostgreSQL connection; a worker never runs inside one (as tests/workbench/test_ledger_import_jobs).
    monkeypatch.setattr(jobs, "close_old_connections", lambda: None)
    job, joined = dashboard_rebuild_start(actor=world.user("office"))
    assert not joined

    assert jobs.run(job.pk, heartbeat=False) == JobStatus.DONE

    job.refresh_from_db()
    years = rollup_years(today)
    assert job.result["years"] == years
    assert job.done == job.total == len(years)
    assert sorted(DashboardRollup.objects.values_list("year", flat=True).distinct()) == years
    assert set(DashboardRollup.objects.values_list("as_of", flat=True)) == {today}
    assert job.result["rows"] == DashboardRollup.objects.count()


@pytest.mark.parametrize("username", ["fgw", "leader"])
def test_anyone_else_is_refused_a_recount_and_nothing_is_queued(world, client, username):
    user = world.user(username)
    client.force_login(user)

    answer = client.post(reverse("dashboard-rebuild"))

    assert answer.status_code == 403
    assert f'data-error-code="{codes.ROLE_REQUIRED}"' in answer.content.decode()
    with pytest.raises(NotPermitted):
        dashboard_rebuild_start(actor=user)
    assert not Job.objects.filter(kind=DASHBOARD_REBUILD).exists()


def test_a_recount_is_asked_for_with_post_only(world, client):
    client.force_login(world.user("office"))

    assert client.get(reverse("dashboard-rebuild")).status_code == 405
    assert not Job.objects.exists()


def test_a_worker_loads_the_urlconf_before_its_first_request():
    probe = (
        "import sys, json\n"
        "import ducha.config.wsgi\n"
        "from ducha.workbench.fragments import code_version\n"
        "print(json.dumps({'api': 'ducha.api.urls' in sys.modules, "
        "'workbench': 'ducha.workbench.urls' in sys.modules, "
        "'code_version': code_version.cache_info().currsize}))\n"
    )

    # No database is touched, and the clock does not matter: a plain interpreter.
    output = subprocess.run(
        [sys.executable, "-c", probe],
        capture_output=True,
        text=True,
        check=True,
        timeout=120,
        env=environment_without_faketime(),
    )

    assert json.loads(output.stdout.strip().splitlines()[-1]) == {
        "api": True,
        "workbench": True,
        "code_version": 1,
    }


def test_the_job_kind_is_registered():
    kind = registry.get(DASHBOARD_REBUILD)
    assert kind is not None and str(kind.label)
    assert sys.modules["ducha.workbench.dashboard_jobs"].DASHBOARD_REBUILD == "dashboard_rebuild"
