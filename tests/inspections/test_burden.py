"""The burden each unit carries (inspections received, reports and forms demanded, people-days hosted) against the
government's caps, and the office's mix against the two-thirds rule (国办发〔2021〕5号 §3(3))."""

from __future__ import annotations

import datetime
from fractions import Fraction
from zoneinfo import ZoneInfo

import pytest
import time_machine

from ducha.common.errors import ValidationFailed
from ducha.devtools.demo import DEMO_PASSWORD
from ducha.inspections import selectors, services
from ducha.inspections.lifecycle import InspectionStatus as S
from ducha.inspections.models import TeamMember
from tests.inspections.helpers import advance, inspection_in, make_inspection

SHANGHAI = ZoneInfo("Asia/Shanghai")
D = datetime.date


@pytest.fixture(autouse=True)
def january_2026():
    with time_machine.travel(datetime.datetime(2026, 1, 5, 10, tzinfo=SHANGHAI), tick=False):
        yield


def scheduled(world, *, start, targets=("cgz",), forms=0, people_days=0, kind="special", topic=None):
    inspection = inspection_in(
        world, S.APPROVED, start=start, targets=targets, kind=kind, topic=topic or f"检查{start}"
    )
    for code in targets:
        services.inspection_burden_record(
            inspection_id=inspection.pk,
            actor=world.user("office"),
            unit_id=world.townships[code].pk,
            forms_demanded=forms,
            people_days=people_days,
        )
    return inspection


def test_periods_are_years_quarters_and_months():
    assert (selectors.parse_period("2026").start, selectors.parse_period("2026").end) == (
        D(2026, 1, 1),
        D(2026, 12, 31),
    )
    assert (selectors.parse_period("2026-Q2").start, selectors.parse_period("2026-Q2").end) == (
        D(2026, 4, 1),
        D(2026, 6, 30),
    )
    assert (selectors.parse_period("2026-02").start, selectors.parse_period("2026-02").end) == (
        D(2026, 2, 1),
        D(2026, 2, 28),
    )
    for bad in ("2026-Q5", "2026-13", "twenty", "", "0001"):
        with pytest.raises(ValidationFailed) as refused:
            selectors.parse_period(bad)
        assert refused.value.code == "burden_period_invalid"


def test_burden_per_unit_and_period_with_units_over_the_cap_flagged(world):
    # given the rule: per quarter at most 3 inspections, 5 forms, 20 people-days
    services.rules_set(
        government=world.county, cap_inspections=3, cap_forms=5, cap_people_days=20, burden_period="quarter"
    )
    # 城关镇 receives four inspections in Q1, 东湖镇 one; one in Q2 and a draft do not count in Q1
    for day in (10, 20, 30, 40):
        scheduled(world, start=D(2026, 1, 1) + datetime.timedelta(days=day), forms=1, people_days=4)
    scheduled(world, start=D(2026, 2, 1), targets=("dhz",), forms=6, people_days=2)
    scheduled(world, start=D(2026, 4, 20), forms=9)
    make_inspection(world, start=D(2026, 3, 1))  # only proposed
    result = selectors.burden(world.county, selectors.parse_period("2026-Q1"))
    rows = {
        row.unit.short_name: (row.inspections, row.forms, row.people_days, row.over) for row in result.rows
    }
    assert rows == {"城关镇": (4, 4, 16, ["inspections"]), "东湖镇": (1, 6, 2, ["forms"])}
    assert [row.unit.short_name for row in result.over_cap] == ["城关镇", "东湖镇"]


def test_caps_are_pro_rated_for_other_periods(world):
    services.rules_set(
        government=world.county,
        cap_inspections=3,
        cap_forms=None,
        cap_people_days=None,
        burden_period="quarter",
    )
    year = selectors.burden(world.county, selectors.parse_period("2026"))
    month = selectors.burden(world.county, selectors.parse_period("2026-01"))
    assert year.caps == {"inspections": 12, "forms": None, "people_days": None}
    assert month.caps["inspections"] == Fraction(1)
    for day in (10, 20):
        scheduled(world, start=D(2026, 1, day))
    [row] = selectors.burden(world.county, selectors.parse_period("2026-01")).rows
    assert (row.inspections, row.over) == (2, ["inspections"])
    [row] = selectors.burden(world.county, selectors.parse_period("2026")).rows
    assert row.over == []


def test_inspections_from_another_government_add_to_the_burden(world):
    services.inspection_create(
        actor=world.user("city_office"),
        topic="全市安全生产大检查",
        kind="comprehensive",
        targets=[world.townships["cgz"].pk],
        start_date=D(2026, 1, 15),
        end_date=D(2026, 1, 20),
        lead_unit_id=world.city_office.pk,
        in_plan=False,
        out_of_plan_reason="省政府部署",
    )
    from ducha.inspections.models import Inspection

    Inspection.objects.filter(topic="全市安全生产大检查").update(status=S.APPROVED)
    scheduled(world, start=D(2026, 1, 10))
    [row] = selectors.burden(world.county, selectors.parse_period("2026-Q1")).rows
    assert row.inspections == 2
    # the rows behind it that the county office may open are its own
    assert [
        i.topic
        for i in selectors.burden_inspections(
            world.county, selectors.parse_period("2026-Q1"), row.unit.pk, world.user("office")
        )
    ] == ["检查2026-01-10"]


def test_burden_over_the_api_and_page_is_for_the_office_and_leaders(world, api, client):
    services.rules_set(government=world.county, cap_inspections=1)
    scheduled(world, start=D(2026, 1, 10))
    scheduled(world, start=D(2026, 1, 20))
    body = api("office").get("/inspections/burden", period="2026-Q1").json()
    assert body["period"] == "2026-Q1"
    assert [(r["unit"]["name"], r["inspections"], r["over"]) for r in body["rows"]] == [
        ("城关镇人民政府", 2, ["inspections"])
    ]
    assert api("leader").get("/inspections/burden").status_code == 200
    response = api("cgz_head").get("/inspections/burden")
    assert (response.status_code, response.json()["code"]) == (403, "role_required")
    assert (
        api("office").get("/inspections/burden", period="2026-Q9").json()["code"] == "burden_period_invalid"
    )
    assert client.login(username="office", password=DEMO_PASSWORD)
    html = client.get("/inspections/burden/?period=2026-Q1").content.decode()
    assert 'class="over"' in html and "城关镇人民政府" in html


# --- the two-thirds mix ---------------------------------------------------------------------------------------


def staffed(world, kind, members):
    """An approved inspection of the office with team members (username or outsider name, days)."""
    inspection = make_inspection(world, kind=kind, start=D(2026, 3, 1), team=False, topic=f"{kind}")
    team = []
    for index, (who, days) in enumerate(members):
        user = world.users.get(who)
        team.append(
            services.TeamMemberInput(
                user_id=user.pk if user else None,
                name="" if user else who,
                role="leader" if index == 0 else ("member" if user else "invited"),
                invited_kind="" if user else "expert",
                is_trained=True,
                days=days,
            )
        )
    services.inspection_team_set(inspection_id=inspection.pk, actor=world.user("office"), members=team)
    return advance(world, inspection, S.APPROVED)


def test_the_two_thirds_rule_counts_people_and_people_days(world):
    # clue checks and unannounced visits: office 10 days, office2 6 days, an expert 4 days
    staffed(world, "clue_check", [("office", 6), ("office2", 6)])
    staffed(world, "unannounced", [("office", 4), ("张专家", 4)])
    # a written inspection: office 5 days
    staffed(world, "written", [("office", 5)])
    mix = selectors.office_mix(world.county, 2026)
    assert (mix.people, mix.people_on_rule_kinds) == (3, 3)
    assert (mix.days, mix.days_on_rule_kinds) == (25, 20)
    assert (mix.people_share, mix.days_share, mix.meets_rule) == (100.0, 80.0, True)
    # when a special inspection takes 11 more days of a new person, the rule is no longer met
    staffed(world, "special", [("office", 1), ("吴专家", 10)])
    mix = selectors.office_mix(world.county, 2026)
    assert (mix.people, mix.people_on_rule_kinds, mix.days, mix.days_on_rule_kinds) == (4, 3, 36, 20)
    assert mix.meets_rule is False


def test_the_mix_counts_only_the_offices_own_scheduled_inspections(world):
    staffed(world, "clue_check", [("office", 3)])
    services.designation_grant(
        actor=world.user("leader"),
        unit_id=world.departments["zjj"].pk,
        matter="住房",
        start_date=D(2026, 1, 1),
        end_date=D(2026, 12, 31),
    )
    department = make_inspection(world, lead="zjj", start=D(2026, 3, 1), kind="written")
    advance(world, department, S.APPROVED)
    make_inspection(world, kind="written", start=D(2026, 3, 1))  # a draft
    mix = selectors.office_mix(world.county, 2026)
    assert (mix.days, mix.days_on_rule_kinds, mix.meets_rule) == (3, 3, True)
    assert TeamMember.objects.count() >= 3
