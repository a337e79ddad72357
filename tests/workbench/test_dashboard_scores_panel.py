"""The dashboard's units' scores (单位考核, issue 13): the office and the leaders see the year's latest computed
scores — per group the first three and the last place, each unit opening its facts — with a link to every score;
without a computed run of the year, a line saying so. A unit's people see their own score and place, nobody
else's. The panel reads through the evaluation's selectors in a few queries, whatever the number of units.

The history, on named days: 发改局 signs late in the last quarter of 2025 and again in the first of 2026, so it is
last (twice in a row) among the departments in 2026's first quarter; the others score full marks."""

from __future__ import annotations

import pytest
import time_machine
from django.core.cache import cache
from django.db import connection
from django.test.utils import CaptureQueriesContext

from ducha.evaluation.models import RunStatus, Score, ScoreGroup, ScoreRun
from ducha.evaluation.periods import Period
from ducha.evaluation.scoring import scores_compute
from ducha.items.selectors import load_unit
from ducha.workbench.views.dashboard import scores_panel
from tests.clock import moment
from tests.evaluation.helpers import assigned_item, sign

# Scores computed on 10 April 2026 (the first quarter is over); the dashboard looked at on 20 April.
COMPUTED = moment(2026, 4, 10, 10)
LOOKED = moment(2026, 4, 20, 10)
Q1 = Period(2026, 1)


@pytest.fixture(autouse=True)
def _no_cache(settings):
    settings.DUCHA_DASHBOARD_CACHE_SECONDS = 0
    cache.clear()


@pytest.fixture
def late_fgw(world):
    """发改局 signs late in December 2025 and in March 2026."""
    late_2025 = assigned_item(world, (2025, 12, 1, 9), title="去年迟签")
    sign(world, late_2025, (2025, 12, 5, 9))
    late_2026 = assigned_item(world, (2026, 3, 2, 9), title="今年迟签")
    sign(world, late_2026, (2026, 3, 6, 9))
    return world


def computed(world, *periods: Period) -> list[ScoreRun]:
    with time_machine.travel(COMPUTED, tick=False):
        return [run for period in periods for run in scores_compute([world.county.pk], period)]


def dashboard(browser, username: str) -> str:
    with time_machine.travel(LOOKED, tick=False):
        response = browser(username).get("/dashboard/")
    assert response.status_code == 200
    return response.content.decode()


def panel_of(page: str) -> str:
    start = page.index('id="unit-scores"')
    return page[start : page.index("</section>", start)]


def facts_link(unit_id: int, period: Period) -> str:
    return f"/evaluation/scores/{unit_id}/facts/?year={period.year}&amp;quarter={period.quarter}"


def test_the_office_sees_the_first_three_and_the_last_of_each_group(browser, late_fgw):
    world = late_fgw
    computed(world, Period(2025, 4), Q1)
    [run] = ScoreRun.objects.filter(government=world.county, year=2026)
    departments = list(
        Score.objects.filter(run=run, group=ScoreGroup.DEPARTMENT).order_by(
            "rank", "unit__sort_order", "unit_id"
        )
    )
    townships = list(
        Score.objects.filter(run=run, group=ScoreGroup.TOWNSHIP).order_by(
            "rank", "unit__sort_order", "unit_id"
        )
    )
    fgw = world.departments["fgw"]
    assert len(departments) > 4 and len(townships) > 3
    assert departments[-1].unit_id == fgw.pk and departments[-1].last_twice

    for username in ("office", "leader"):
        panel = panel_of(dashboard(browser, username))
        shown = [
            score.unit_id
            for score in Score.objects.filter(run=run)
            if f'data-unit="{score.unit_id}"' in panel
        ]
        assert set(shown) == {s.unit_id for s in departments[:3]} | {fgw.pk} | {
            s.unit_id for s in townships[:3]
        }
        assert 'data-everyone="true"' in panel
        assert '<tbody data-group="department">' in panel and '<tbody data-group="township">' in panel
        # the last place, flagged last twice in a row, opening its facts of the quarter
        assert f'data-unit="{fgw.pk}" data-rank="{departments[-1].rank}" class="last-place"' in panel
        assert 'data-flag="last_twice"' in panel
        assert facts_link(fgw.pk, Q1) in panel
        assert all(facts_link(score.unit_id, Q1) in panel for score in departments[:3] + townships[:3])
        assert 'href="/evaluation/scores/?year=2026&amp;quarter=1" id="scores-link"' in panel
        assert Q1.label in panel


def test_the_latest_quarter_comes_before_the_year_and_unfinished_runs_do_not_count(browser, late_fgw):
    world = late_fgw
    computed(world, Period(2026), Q1)
    # The second quarter's run was asked for but has not finished.
    ScoreRun.objects.create(government=world.county, year=2026, quarter=2, status=RunStatus.QUEUED)

    panel = panel_of(dashboard(browser, "office"))
    assert 'href="/evaluation/scores/?year=2026&amp;quarter=1" id="scores-link"' in panel

    ScoreRun.objects.filter(government=world.county, year=2026, quarter=1).delete()
    panel = panel_of(dashboard(browser, "office"))
    assert 'href="/evaluation/scores/?year=2026&amp;quarter=0" id="scores-link"' in panel
    assert facts_link(world.departments["fgw"].pk, Period(2026)) in panel


def test_without_a_run_of_the_year_a_line_says_so(browser, late_fgw):
    world = late_fgw
    computed(world, Period(2025, 4))  # last year's scores are not this year's

    panel = panel_of(dashboard(browser, "office"))
    assert 'id="scores-none"' in panel
    assert 'href="/evaluation/scores/" id="scores-link"' in panel
    assert 'data-unit="' not in panel
    # A unit without its score sees no panel at all.
    assert 'id="unit-scores"' not in dashboard(browser, "fgw_head")


@pytest.mark.parametrize("username", ["fgw", "fgw_head", "fgw_liaison"])
def test_a_unit_sees_only_its_own_score_and_place(browser, late_fgw, username):
    world = late_fgw
    computed(world, Period(2025, 4), Q1)
    fgw, jyj = world.departments["fgw"], world.departments["jyj"]
    own = Score.objects.get(run__government=world.county, run__year=2026, unit=fgw)

    page = dashboard(browser, username)
    panel = panel_of(page)
    assert 'data-everyone="false"' in panel
    assert f'data-unit="{fgw.pk}" data-rank="{own.rank}"' in panel
    assert f">{own.score}</a>" in panel and facts_link(fgw.pk, Q1) in panel
    assert "<table" not in panel
    others = Score.objects.filter(run__government=world.county, run__year=2026).exclude(unit=fgw)
    assert not any(f'data-unit="{score.unit_id}"' in panel for score in others)
    assert jyj.name not in panel and facts_link(jyj.pk, Q1) not in page


def test_the_citys_office_reads_its_own_governments_scores_not_the_countys(browser, late_fgw):
    computed(late_fgw, Q1)  # the county's scores; the city has none
    panel = panel_of(dashboard(browser, "city_office"))
    assert 'id="scores-none"' in panel and 'data-unit="' not in panel


def test_the_panel_costs_three_queries_whatever_the_number_of_units(late_fgw):
    """The year's latest finished run, then scores_for: the run of that period and its scores."""
    world = late_fgw
    computed(world, Period(2025, 4), Q1)
    with time_machine.travel(LOOKED, tick=False):
        for username, rows in (("office", "groups"), ("fgw_head", "own")):
            user = world.user(username)
            load_unit(user)
            user.has_role("office")  # the roles, read once per request anyway
            with CaptureQueriesContext(connection) as queries:
                panel = scores_panel(user, LOOKED.date())
            assert panel is not None and getattr(panel, rows)
            assert len(queries) <= 3, [query["sql"] for query in queries]
            assert not any("GROUP BY" in query["sql"] for query in queries)

        # No run of the year: one query.
        ScoreRun.objects.filter(year=2026).delete()
        office = world.user("office")
        load_unit(office)
        with CaptureQueriesContext(connection) as queries:
            panel = scores_panel(office, LOOKED.date())
        assert panel is not None and panel.period is None and len(queries) == 1
