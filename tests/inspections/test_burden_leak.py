"""Issue 17: a running 暗访 (unannounced visit) counted in `/api/v1/inspections/burden` and `/inspections/burden/`,
so an office that may not see it learnt that a township was being visited. The figures for a viewer who may not
see it are those of a world without it; those who may (its team, its creator, the leaders) still count it, and
everyone does once it ended."""

from __future__ import annotations

import datetime
from zoneinfo import ZoneInfo

import pytest
import time_machine

from ducha.inspections import services
from ducha.inspections.lifecycle import InspectionStatus as S
from ducha.orgs.models import Role
from ducha.orgs.services import token_issue, user_create
from tests.conftest import ApiClient
from tests.inspections.helpers import advance, inspection_in

SHANGHAI = ZoneInfo("Asia/Shanghai")
D = datetime.date
PERIOD = "2026-Q1"


@pytest.fixture(autouse=True)
def january_2026():
    with time_machine.travel(datetime.datetime(2026, 1, 5, 10, tzinfo=SHANGHAI), tick=False):
        yield


@pytest.fixture
def office3(world):
    """A county office member who is neither on the visit's team nor its creator."""
    return user_create(
        username="office3",
        password=None,
        unit=world.supervision_office,
        roles=[Role.OFFICE],
        full_name="郑三",
    )


@pytest.fixture
def as_user(world, office3):
    clients: dict[str, ApiClient] = {}

    def client_for(username: str) -> ApiClient:
        if username not in clients:
            user = office3 if username == "office3" else world.user(username)
            clients[username] = ApiClient(token_issue(user=user)[0])
        return clients[username]

    return client_for


def _record(world, inspection, *, forms: int, people_days: int) -> None:
    services.inspection_burden_record(
        inspection_id=inspection.pk,
        actor=world.user("office"),
        unit_id=world.townships["cgz"].pk,
        forms_demanded=forms,
        people_days=people_days,
    )


def _api_figures(as_user, username: str) -> tuple[dict, dict]:
    burden = as_user(username).get("/inspections/burden", period=PERIOD)
    mix = as_user(username).get("/inspections/mix", year=2026)
    assert (burden.status_code, mix.status_code) == (200, 200)
    return burden.json(), mix.json()


def _page_figures(client, user) -> tuple[list, tuple]:
    client.force_login(user)
    response = client.get("/inspections/burden/", {"period": PERIOD})
    assert response.status_code == 200
    rows = [
        (row.unit.pk, row.inspections, row.forms, row.people_days, row.over)
        for row in response.context["burden"].rows
    ]
    mix = response.context["mix"]
    return rows, (mix.people, mix.people_on_rule_kinds, mix.days, mix.days_on_rule_kinds, mix.by_kind)


def _cgz_inspections(body: dict, world) -> int:
    return next(
        (row["inspections"] for row in body["rows"] if row["unit"]["id"] == world.townships["cgz"].pk), 0
    )


@pytest.fixture
def announced(world):
    """What everyone may know: one announced inspection of 城关镇 in the quarter, over the cap of 1."""
    services.rules_set(government=world.county, cap_inspections=1, cap_forms=2, cap_people_days=5)
    inspection = inspection_in(world, S.APPROVED, start=D(2026, 1, 20), topic="公开检查")
    _record(world, inspection, forms=1, people_days=3)
    return inspection


def _unannounced_visit(world):
    # created by office2, team: office and 住建局's 赵磊 (the helpers' team), now in fieldwork
    visit = inspection_in(
        world, S.IN_FIELDWORK, kind="unannounced", actor="office2", start=D(2026, 1, 12), topic="暗访农贸市场"
    )
    _record(world, visit, forms=2, people_days=4)
    return visit


def test_the_api_figures_ignore_a_running_visit_the_viewer_may_not_see(world, as_user, announced):
    # given the figures before the visit
    before = {who: _api_figures(as_user, who) for who in ("office3", "city_office", "office", "leader")}
    assert _cgz_inspections(before["office3"][0], world) == 1

    # when an unannounced visit of 城关镇 is under way
    visit = _unannounced_visit(world)

    # then a county office member off its team and the city office see exactly the figures of before
    assert _api_figures(as_user, "office3") == before["office3"]
    assert _api_figures(as_user, "city_office") == before["city_office"]
    # while its team member, its creator and the leader count it
    for who in ("office", "office2", "leader"):
        burden, mix = _api_figures(as_user, who)
        assert _cgz_inspections(burden, world) == 2, who
        assert mix["by_kind"].get("unannounced") == 10, who
    assert _api_figures(as_user, "office")[0] != before["office"][0]

    # and once the visit ended, everyone counts it
    advance(world, visit, S.CONCLUDING)
    burden, mix = _api_figures(as_user, "office3")
    assert _cgz_inspections(burden, world) == 2
    assert mix["by_kind"].get("unannounced") == 10
    assert _cgz_inspections(_api_figures(as_user, "city_office")[0], world) == 2


def test_the_page_figures_ignore_a_running_visit_the_viewer_may_not_see(world, client, office3, announced):
    before_office3 = _page_figures(client, office3)
    before_office = _page_figures(client, world.user("office"))

    visit = _unannounced_visit(world)

    assert _page_figures(client, office3) == before_office3
    seen_by_team = _page_figures(client, world.user("office"))
    assert seen_by_team != before_office
    [cgz] = [row for row in seen_by_team[0] if row[0] == world.townships["cgz"].pk]
    assert cgz[1:4] == (2, 3, 7)
    assert _page_figures(client, world.user("leader"))[0] == seen_by_team[0]

    advance(world, visit, S.CONCLUDING)
    assert _page_figures(client, office3)[0] == seen_by_team[0]
