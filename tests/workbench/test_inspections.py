"""The inspection pages: lists and to-dos in scope, the create form, action forms that call the services, refusals
shown as messages, the overlap warning, the evidence flag, the report, and query counts."""

from __future__ import annotations

import datetime

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext

from ducha.inspections import services
from ducha.inspections.lifecycle import InspectionStatus as S
from ducha.inspections.models import Finding, Inspection
from tests.clock import moment
from tests.inspections.helpers import PLAN_TEXTS, inspection_in, make_inspection


def test_anonymous_visitors_are_sent_to_login(client, world):
    response = client.get("/inspections/")
    assert response.status_code == 302 and response["Location"].startswith("/login/")


def test_the_list_shows_the_users_inspections_and_what_waits_on_them(browser, world):
    pending = inspection_in(world, S.PENDING_APPROVAL, topic="防汛准备情况督查")
    other = inspection_in(world, S.APPROVED, targets=("dhz",), topic="东湖镇检查")
    html = browser("leader").get("/inspections/").content.decode()
    assert "防汛准备情况督查" in html and "东湖镇检查" in html
    assert f'data-todo="approve"><a href="/inspections/{pending.pk}/"' in html
    assert 'id="new-inspection"' not in html
    html = browser("cgz_head").get("/inspections/").content.decode()
    assert "防汛准备情况督查" not in html and "东湖镇检查" not in html
    assert 'id="no-inspections"' in html
    assert browser("office").get("/inspections/").content.decode().count('id="new-inspection"') == 1
    assert other.pk


def test_the_create_form_proposes_and_shows_refusals(browser, world, today):
    client = browser("office")
    start = today + datetime.timedelta(days=7)
    form = {
        "topic": "秋冬季大气污染防治督查",
        "kind": "special",
        "lead_unit": world.supervision_office.pk,
        "targets": [world.townships["cgz"].pk, world.townships["dhz"].pk],
        "start_date": start.isoformat(),
        "end_date": (start + datetime.timedelta(days=5)).isoformat(),
        "out_of_plan_reason": "上级交办",
        **PLAN_TEXTS,
    }
    response = client.post("/inspections/new/", form)
    inspection = Inspection.objects.get(topic="秋冬季大气污染防治督查")
    assert response.status_code == 302 and response["Location"] == f"/inspections/{inspection.pk}/"
    assert (inspection.in_plan, inspection.targets.count()) == (False, 2)
    refused = client.post("/inspections/new/", {**form, "targets": []})
    assert refused.status_code == 200
    assert 'id="form-error"' in refused.content.decode()
    assert browser("fgw_head").get("/inspections/new/").status_code == 404


def test_action_forms_call_the_services_and_refusals_come_back_as_messages(browser, world):
    inspection = inspection_in(world, S.PROPOSED)
    client = browser("office")
    page = client.get(f"/inspections/{inspection.pk}/").content.decode()
    assert 'id="action-submit"' in page and 'id="action-approve"' not in page
    response = client.post(f"/inspections/{inspection.pk}/act/submit/", follow=True)
    inspection.refresh_from_db()
    assert inspection.status == S.PENDING_APPROVAL
    # a second submission is refused and says why
    response = client.post(f"/inspections/{inspection.pk}/act/submit/", follow=True)
    assert 'class="message error' in response.content.decode()
    assert client.post(f"/inspections/{inspection.pk}/act/no_such_action/").status_code == 404
    assert client.get(f"/inspections/{inspection.pk}/act/submit/").status_code == 405
    leader = browser("leader")
    assert 'id="action-approve"' in leader.get(f"/inspections/{inspection.pk}/").content.decode()
    leader.post(f"/inspections/{inspection.pk}/act/approve/", {"comment": "同意"})
    inspection.refresh_from_db()
    assert inspection.status == S.APPROVED


def test_out_of_scope_pages_are_not_found(browser, world):
    inspection = inspection_in(world, S.APPROVED, targets=("dhz",))
    client = browser("cgz_head")
    assert client.get(f"/inspections/{inspection.pk}/").status_code == 404
    assert client.get(f"/inspections/{inspection.pk}/report/").status_code == 404
    assert client.post(f"/inspections/{inspection.pk}/act/start/").status_code == 404
    assert client.get("/inspections/burden/").status_code == 404


def test_the_page_warns_of_overlapping_inspections(browser, world):
    first = inspection_in(world, S.APPROVED, topic="安全生产检查")
    second = make_inspection(world, topic="食品安全检查")
    html = browser("office").get(f"/inspections/{second.pk}/").content.decode()
    assert 'id="overlaps"' in html
    assert f'data-overlap="{first.pk}" data-reason="concurrent"' in html
    assert (
        'id="overlaps"'
        not in browser("office")
        .get(f"/inspections/{inspection_in(world, S.APPROVED, targets=('btz',)).pk}/")
        .content.decode()
    )


def test_a_reused_photo_is_flagged_on_the_page(browser, world):
    inspection = inspection_in(world, S.IN_FIELDWORK, targets=("cgz", "dhz"))
    client = browser("zjj")
    for code in ("cgz", "dhz"):
        client.post(
            f"/inspections/{inspection.pk}/act/finding_add/",
            {
                "target": world.townships[code].pk,
                "title": f"{code}台账造假",
                "description": "描述",
                "rectification_kind": "deadline",
            },
        )
    findings = list(Finding.objects.filter(inspection=inspection).order_by("id"))
    for finding in findings:
        client.post(
            f"/inspections/{inspection.pk}/act/evidence_add/",
            {
                "finding": finding.pk,
                "kind": "photo",
                "file": SimpleUploadedFile(
                    "p.jpg", b"\xff\xd8\xff\xe0\x00\x10JFIF\x00one photo", "image/jpeg"
                ),
            },
        )
    html = client.get(f"/inspections/{inspection.pk}/").content.decode()
    assert html.count('data-flagged="1"') == 2


def test_the_report_assembles_plan_findings_conclusions_and_rectification(browser, world):
    inspection = inspection_in(world, S.RECTIFYING)
    html = browser("office").get(f"/inspections/{inspection.pk}/report/").content.decode()
    assert 'id="inspection-report"' in html
    assert PLAN_TEXTS["content"] in html and "改造资金拨付滞后" in html and "工作推进不力" in html


def test_a_target_acts_on_its_conclusion_and_rectification_from_the_page(browser, world):
    inspection = inspection_in(world, S.RECTIFYING)
    client = browser("cgz_head")
    conclusion = inspection.conclusions.get()
    page = client.get(f"/inspections/{inspection.pk}/").content.decode()
    assert "conclusion-acknowledge" in page
    assert 'id="timeline"' not in page and 'id="team"' not in page
    client.post(f"/inspections/{inspection.pk}/conclusions/{conclusion.pk}/acknowledge/")
    conclusion.refresh_from_db()
    assert conclusion.status == "acknowledged"
    rectification = inspection.rectifications.get()
    client.post(
        f"/inspections/{inspection.pk}/rectifications/{rectification.pk}/plan/", {"plan": "一个月内拨付"}
    )
    rectification.refresh_from_db()
    assert rectification.status == "in_progress"
    other = browser("dhz_head")
    assert (
        other.post(
            f"/inspections/{inspection.pk}/rectifications/{rectification.pk}/report/", {"text": "x"}
        ).status_code
        == 404
    )


@pytest.mark.parametrize(
    ("now", "year"),
    [
        pytest.param(moment(2026, 1, 12, 10), 2026, id="this-year-in-january"),
        # In the last days of the year the office compiles the next year's plan; three days on is 2027.
        pytest.param(moment(2026, 12, 29, 16), 2027, id="next-year-at-year-end"),
    ],
)
def test_the_plan_page_lets_departments_propose_and_the_office_decide(
    browser, world, time_machine, now, year
):
    time_machine.move_to(now)
    today = now.date()
    office = browser("office")
    office.post(f"/inspections/plan/{year}/create/", {"baseline_count": "5"})
    department = browser("zjj_head")
    start = today + datetime.timedelta(days=3)
    department.post(
        f"/inspections/plan/{year}/propose/",
        {
            "topic": "燃气安全专项督查",
            "kind": "special",
            "reason": "燃气安全",
            "start_date": start.isoformat(),
            "end_date": start.isoformat(),
            "targets": [world.townships["cgz"].pk],
        },
    )
    html = browser("office").get(f"/inspections/plan/{year}/").content.decode()
    assert "燃气安全专项督查" in html and 'class="insp-inline decide-form"' in html
    from ducha.inspections.models import PlanProposal

    proposal = PlanProposal.objects.get()
    browser("office").post(
        f"/inspections/plan/{year}/decide/", {"proposal": proposal.pk, "decision": "accept"}
    )
    proposal.refresh_from_db()
    assert proposal.status == "accepted"


def test_list_page_queries_do_not_grow_with_rows(browser, world):
    client = browser("office")
    for i in range(2):
        inspection_in(world, S.APPROVED, topic=f"检查{i}")
    client.get("/inspections/")
    with CaptureQueriesContext(connection) as few:
        client.get("/inspections/")
    for i in range(4):
        inspection_in(world, S.APPROVED, topic=f"更多检查{i}")
    with CaptureQueriesContext(connection) as many:
        client.get("/inspections/")
    assert len(many) == len(few)


def test_detail_page_renders_for_every_role_at_every_stage(browser, world):
    inspections = [
        inspection_in(world, status, topic=f"阶段{status}")
        for status in (S.PROPOSED, S.IN_FIELDWORK, S.CLOSED)
    ]
    services.inspection_amend(
        inspection_id=inspection_in(world, S.APPROVED).pk,
        actor=world.user("office"),
        reason="扩大",
        scope="全县",
    )
    for username in ("office", "leader", "zjj", "cgz_head", "city_office"):
        client = browser(username)
        for inspection in Inspection.objects.all():
            assert client.get(f"/inspections/{inspection.pk}/").status_code in (200, 404)
    assert len(inspections) == 3
