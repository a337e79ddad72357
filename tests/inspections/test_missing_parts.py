"""What keeps a proposed inspection from being submitted: the inspections page lists exactly the missing parts,
computed by the submit guard's own checks (lifecycle.submit_missing), so the list and the refusal agree."""

from __future__ import annotations

import datetime

import pytest
from django.utils import timezone

from ducha.common import error_codes as codes
from ducha.common.errors import DomainError
from ducha.devtools.demo import DEMO_PASSWORD
from ducha.inspections import lifecycle, services
from ducha.inspections.lifecycle import InspectionStatus
from ducha.inspections.models import Inspection, TeamRole
from tests.inspections.helpers import make_inspection, unit


def sparse(world, **texts) -> Inspection:
    """A proposed inspection outside the plan with only some of its 方案 and no team."""
    start = timezone.localdate() + datetime.timedelta(days=7)
    return services.inspection_create(
        actor=world.user("office"),
        topic="城区餐饮油烟治理专项督查",
        kind="special",
        targets=[unit(world, "cgz").pk],
        start_date=start,
        end_date=start + datetime.timedelta(days=10),
        lead_unit_id=unit(world, "office").pk,
        in_plan=False,
        out_of_plan_reason="县政府临时部署",
        **texts,
    )


def set_leader(world, inspection):
    services.inspection_team_set(
        inspection_id=inspection.pk,
        actor=world.user("office"),
        members=[
            services.TeamMemberInput(
                user_id=world.user("office").pk, role=TeamRole.LEADER, is_trained=True, days=5
            )
        ],
    )


@pytest.fixture
def office(client, world):
    assert client.login(username="office", password=DEMO_PASSWORD)
    return client


def test_the_missing_parts_are_the_submit_guards_checks(world):
    inspection = sparse(world, content="检查油烟净化设施运行情况。", scope="城区餐饮单位。")
    missing = lifecycle.submit_missing(inspection)
    assert [m.part for m in missing] == ["method", "schedule", "team_leader"]
    assert [m.code for m in missing] == [
        codes.INSPECTION_PLAN_INCOMPLETE,
        codes.INSPECTION_PLAN_INCOMPLETE,
        codes.INSPECTION_TEAM_LEADER_REQUIRED,
    ]
    assert [str(m) for m in missing][:2] == [
        str(Inspection._meta.get_field("method").verbose_name),
        str(Inspection._meta.get_field("schedule").verbose_name),
    ]


def test_the_refusal_is_the_first_missing_part_and_changes_nothing(world):
    inspection = sparse(world, content="检查油烟净化设施运行情况。")
    before = Inspection.objects.values().get(pk=inspection.pk)
    first = lifecycle.submit_missing(inspection)[0]
    with pytest.raises(DomainError) as refused:
        services.inspection_submit(inspection_id=inspection.pk, actor=world.user("office"))
    assert refused.value.code == first.code
    assert Inspection.objects.values().get(pk=inspection.pk) == before


def test_with_the_team_leader_only_missing_the_refusal_names_it(world):
    inspection = make_inspection(world, team=False)
    assert [m.part for m in lifecycle.submit_missing(inspection)] == ["team_leader"]
    with pytest.raises(DomainError) as refused:
        services.inspection_submit(inspection_id=inspection.pk, actor=world.user("office"))
    assert refused.value.code == codes.INSPECTION_TEAM_LEADER_REQUIRED

    set_leader(world, inspection)
    assert lifecycle.submit_missing(Inspection.objects.get(pk=inspection.pk)) == []
    submitted = services.inspection_submit(inspection_id=inspection.pk, actor=world.user("office"))
    assert submitted.status == InspectionStatus.PENDING_APPROVAL


def test_the_inspections_page_lists_what_is_missing(office, world):
    incomplete = sparse(world, content="检查油烟净化设施运行情况。", scope="城区餐饮单位。")
    ready = make_inspection(world, topic="农村饮水安全专项督查")

    html = office.get("/inspections/").content.decode()

    row = html[html.index(f'/inspections/{incomplete.pk}/"') :]
    row = row[: row.index("</li>")]
    assert 'data-missing="method schedule team_leader"' in row
    for part in lifecycle.submit_missing(incomplete):
        assert str(part.label) in row
    ready_row = html[html.index(f'/inspections/{ready.pk}/"') :]
    ready_row = ready_row[: ready_row.index("</li>")]
    assert "data-missing" not in ready_row  # nothing missing: it only waits to be submitted


def test_the_todo_list_does_not_query_per_inspection(office, world, django_assert_max_num_queries):
    for n in range(3):
        sparse(world, content=f"第{n}项")
    office.get("/inspections/")  # warm up
    with django_assert_max_num_queries(60) as first:
        office.get("/inspections/")
    for n in range(5):
        sparse(world, content=f"再{n}项")
    with django_assert_max_num_queries(len(first.captured_queries)):
        office.get("/inspections/")
