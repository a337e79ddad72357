"""The inspections REST API over HTTP with the demo accounts' bearer tokens: the contract of POST /inspections/, scope
of the reads, the whole path from plan to verification, errors with stable codes, and query counts."""

from __future__ import annotations

import datetime

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from ducha.inspections.lifecycle import InspectionStatus as S
from tests.clock import moment
from tests.inspections.helpers import PLAN_TEXTS, inspection_in, make_inspection

KINDS = [
    "comprehensive",
    "special",
    "joint",
    "case_investigation",
    "routine",
    "clue_check",
    "unannounced",
    "written",
    "on_site",
    "self_check",
    "third_party",
    "follow_up",
]


def body(response, status: int = 200):
    assert response.status_code == status, (response.status_code, response.content[:2000])
    assert response["Content-Type"].startswith("application/json")
    return response.json()


def error(response, status: int, code: str) -> dict:
    data = body(response, status)
    assert set(data) <= {"code", "message", "fields"}, data
    assert data["code"] == code, data
    assert isinstance(data["message"], str) and data["message"].strip()
    return data


def payload(world, today, **overrides) -> dict:
    start = today + datetime.timedelta(days=7)
    data = {
        "topic": "老旧小区改造专项督查",
        "kind": "special",
        "targets": [world.townships["cgz"].pk],
        "start_date": str(start),
        "end_date": str(start + datetime.timedelta(days=10)),
        "lead_unit": world.supervision_office.pk,
        "in_plan": False,
    }
    data.update(overrides)
    return data


# --- POST /inspections/ ------------------------------------------------------------------------------------------


def test_create_answers_id_status_and_overlaps(world, api, today):
    created = body(api("office").post("/inspections/", payload(world, today)), 201)
    assert {"id", "status", "overlaps", "hidden_overlaps"} <= set(created)
    assert isinstance(created["id"], int)
    assert (created["status"], created["overlaps"], created["hidden_overlaps"]) == ("proposed", [], 0)
    assert created["kind"] == "special"
    assert created["government"]["name"] == "示范县人民政府"
    assert created["lead_unit"]["id"] == world.supervision_office.pk
    assert [t["unit"]["id"] for t in created["targets"]] == [world.townships["cgz"].pk]
    assert (created["in_plan"], created["start_date"]) == (False, payload(world, today)["start_date"])


@pytest.mark.parametrize("kind", KINDS)
def test_every_kind_code_is_accepted(world, api, today, kind):
    assert body(api("office").post("/inspections/", payload(world, today, kind=kind)), 201)["kind"] == kind


def test_create_refusals_have_stable_codes(world, api, today):
    office = api("office")
    data = error(office.post("/inspections/", payload(world, today, kind="inspection")), 400, "invalid_input")
    assert "kind" in data["fields"]
    start = today + datetime.timedelta(days=7)
    error(
        office.post("/inspections/", payload(world, today, end_date=str(start - datetime.timedelta(days=1)))),
        400,
        "inspection_window_invalid",
    )
    error(office.post("/inspections/", payload(world, today, targets=[])), 400, "inspection_targets_required")
    error(
        office.post("/inspections/", payload(world, today, targets=[world.city.pk])),
        400,
        "inspection_target_invalid",
    )
    error(
        office.post("/inspections/", payload(world, today, targets=[world.supervision_office.pk])),
        400,
        "inspection_target_invalid",
    )
    error(
        office.post("/inspections/", payload(world, today, lead_unit=world.townships["dhz"].pk)),
        400,
        "inspection_lead_unit_invalid",
    )
    error(office.post("/inspections/", payload(world, today, topic="  ")), 400, "inspection_topic_required")
    error(
        office.post("/inspections/", payload(world, today, in_plan=True, plan_entry=999)),
        400,
        "inspection_plan_entry_invalid",
    )
    for username in ("leader", "fgw_head", "cgz_head"):
        error(api(username).post("/inspections/", payload(world, today)), 403, "role_required")
    response = Client().post("/api/v1/inspections/", payload(world, today), content_type="application/json")
    error(response, 401, "not_authenticated")


# --- reads in scope ---------------------------------------------------------------------------------------------


def test_list_and_detail_are_in_scope(world, api):
    mine = inspection_in(world, S.APPROVED)
    other = inspection_in(world, S.APPROVED, targets=("dhz",), topic="东湖镇检查")
    ids = lambda username: [row["id"] for row in body(api(username).get("/inspections/"))["inspections"]]  # noqa: E731
    assert ids("office") == [other.pk, mine.pk]
    assert ids("cgz_head") == [mine.pk]
    assert ids("fgw_head") == []
    error(api("cgz_head").get(f"/inspections/{other.pk}"), 404, "not_found")
    error(api("office").get(f"/inspections/{2**63}"), 404, "not_found")
    assert (
        body(api("office").get("/inspections/", status="approved", target=world.townships["dhz"].pk))[
            "inspections"
        ][0]["id"]
        == other.pk
    )
    assert body(api("office").get("/inspections/", kind="unannounced"))["inspections"] == []
    assert [r["id"] for r in body(api("office").get("/inspections/", q="东湖"))["inspections"]] == [other.pk]


def test_list_pages_by_keyset(world, api):
    created = [make_inspection(world, topic=f"检查{i}").pk for i in range(5)]
    office = api("office")
    first = body(office.get("/inspections/", limit=3))
    second = body(office.get("/inspections/", limit=3, cursor=first["next_cursor"]))
    assert [r["id"] for r in first["inspections"] + second["inspections"]] == sorted(created, reverse=True)
    assert second["next_cursor"] is None


def test_list_queries_do_not_grow_with_rows(world, api):
    office = api("office")
    for i in range(2):
        inspection_in(world, S.APPROVED, topic=f"检查{i}")
    office.get("/inspections/")
    with CaptureQueriesContext(connection) as few:
        office.get("/inspections/")
    for i in range(4):
        inspection_in(world, S.APPROVED, topic=f"更多检查{i}")
    with CaptureQueriesContext(connection) as many:
        assert len(body(office.get("/inspections/"))["inspections"]) == 6
    assert len(many) == len(few)


def test_actions_list_what_the_user_may_do_now(world, api):
    inspection = inspection_in(world, S.PENDING_APPROVAL)

    def actions(username):
        return [a["action"] for a in body(api(username).get(f"/inspections/{inspection.pk}/actions"))]

    assert actions("leader") == ["approve", "reject", "cancel"]
    assert actions("office") == ["train", "cancel"]
    assert actions("zjj") == []


# --- the whole path over HTTP ----------------------------------------------------------------------------------


@pytest.mark.time_machine(moment(2026, 3, 9, 10))  # a Monday in March: the year's plan is being filled in
def test_plan_to_verification_over_http(world, api, today):
    office, office2, leader, head = api("office"), api("office2"), api("leader"), api("county_head")
    cgz_head, cgz = api("cgz_head"), api("cgz")
    year = today.year
    # the annual plan: the office opens it, a department proposes, the office accepts, the leader approves
    plan = body(office.post("/inspections/plans/", {"year": year, "baseline_count": 6}), 201)
    start = today + datetime.timedelta(days=10)
    plan = body(
        api("zjj_head").post(
            f"/inspections/plans/{plan['id']}/proposals",
            {
                "topic": "农村危房改造专项督查",
                "kind": "special",
                "reason": "省厅部署",
                "start_date": str(start),
                "end_date": str(start + datetime.timedelta(days=10)),
                "targets": [world.townships["cgz"].pk],
            },
        ),
        201,
    )
    [proposal] = plan["proposals"]
    body(
        office.post(
            f"/inspections/plans/{plan['id']}/proposals/{proposal['id']}/decide", {"decision": "accept"}
        )
    )
    body(office.post(f"/inspections/plans/{plan['id']}/submit"))
    plan = body(head.post(f"/inspections/plans/{plan['id']}/approve", {"comment": "同意"}))
    assert (plan["status"], plan["planned"], plan["last_year_total"], plan["planned_cut_percent"]) == (
        "approved",
        1,
        6,
        83.3,
    )
    inspection_id = plan["proposals"][0]["inspection"]
    # the inspection: 方案, team, submit, approve
    patched = body(office.patch(f"/inspections/{inspection_id}", PLAN_TEXTS))
    assert patched["scope"] == PLAN_TEXTS["scope"]
    team = body(
        office.client.put(
            f"/api/v1/inspections/{inspection_id}/team",
            [
                {"user": world.user("zjj").pk, "role": "leader", "is_trained": True, "days": 4},
                {"user": world.user("office").pk, "role": "member", "days": 4},
                {"name": "王代表", "role": "invited", "invited_kind": "npc_deputy", "days": 2},
            ],
            content_type="application/json",
            headers=office.headers,
        )
    )
    untrained = [m["id"] for m in team["team"] if not m["is_trained"]]
    body(office.post(f"/inspections/{inspection_id}/train", {"members": untrained}))
    assert body(office.post(f"/inspections/{inspection_id}/submit"))["status"] == "pending_approval"
    approved = body(leader.post(f"/inspections/{inspection_id}/approve", {"comment": "同意"}))
    assert (approved["status"], approved["designation"] is not None) == ("approved", True)
    assert approved["targets"][0]["notified_at"] is not None
    # fieldwork: the team leader (住建局's 赵磊) starts, records a finding with a photo, finishes
    zjj = api("zjj")
    body(zjj.post(f"/inspections/{inspection_id}/start"))
    finding = body(
        zjj.post(
            f"/inspections/{inspection_id}/findings",
            {
                "target": world.townships["cgz"].pk,
                "title": "危房改造质量不达标",
                "description": "抽查5户，2户墙体开裂。",
                "place": "城关镇东街",
                "rectification_kind": "deadline",
                "rectification_due_date": str(today + datetime.timedelta(days=60)),
                "is_rebound_prone": True,
            },
        ),
        201,
    )
    upload = zjj.client.post(
        f"/api/v1/inspections/{inspection_id}/findings/{finding['id']}/evidence",
        {
            "file": SimpleUploadedFile(
                "wall.jpg", b"\xff\xd8\xff\xe0\x00\x10JFIF\x00photo of a cracked wall", "image/jpeg"
            ),
            "kind": "photo",
            "place": "东街12号",
        },
        headers=zjj.headers,
    )
    evidence = body(upload, 201)
    assert (evidence["kind"], evidence["is_flagged"], len(evidence["sha256"])) == ("photo", False, 64)
    downloaded = office.client.get(
        f"/api/v1/inspections/{inspection_id}/evidence/{evidence['id']}", headers=office.headers
    )
    assert (
        downloaded.status_code == 200
        and b"".join(downloaded.streaming_content)
        == b"\xff\xd8\xff\xe0\x00\x10JFIF\x00photo of a cracked wall"
    )
    body(zjj.post(f"/inspections/{inspection_id}/finish"))
    # the conclusion: drafted by the team leader, submitted by the office, approved by the head, issued
    conclusion = body(
        zjj.post(
            f"/inspections/{inspection_id}/conclusions",
            {"target": world.townships["cgz"].pk, "facts": "2户墙体开裂。", "judgement": "质量监管不到位。"},
        ),
        201,
    )
    base = f"/inspections/{inspection_id}/conclusions/{conclusion['id']}"
    body(office.post(f"{base}/submit"))
    body(head.post(f"{base}/approve"))
    issued = body(office.post(f"{base}/issue"))
    assert issued["status"] == "issued"
    # the target: sees its conclusion, acknowledges, objects
    assert [c["id"] for c in body(cgz_head.get(f"/inspections/{inspection_id}/conclusions"))] == [
        conclusion["id"]
    ]
    acknowledged = body(cgz_head.post(f"{base}/acknowledge"))
    assert acknowledged["objection_deadline"] == str(today + datetime.timedelta(days=30))
    assert acknowledged["objection_open"] is True
    review = body(cgz_head.post(f"{base}/objection", {"reasons": "开裂系地基沉降，非施工质量问题"}), 201)
    assert (review["status"], review["decide_by"]) == ("filed", str(today + datetime.timedelta(days=30)))
    # the review: a team member is refused, office2 assigns the leader, who decides
    error(
        office2.post(
            f"/inspections/{inspection_id}/reviews/{review['id']}/reviewers",
            {"reviewers": [world.user("office").pk]},
        ),
        400,
        "reviewer_took_part",
    )
    body(
        office2.post(
            f"/inspections/{inspection_id}/reviews/{review['id']}/reviewers",
            {"reviewers": [world.user("leader").pk]},
        )
    )
    decided = body(
        leader.post(
            f"/inspections/{inspection_id}/reviews/{review['id']}/decide",
            {"outcome": "changed", "decision": "部分采纳", "revised_judgement": "监管存在薄弱环节。"},
        )
    )
    assert (decided["outcome"], decided["sent_at"] is not None) == ("changed", True)
    assert (
        body(cgz_head.get(f"/inspections/{inspection_id}/conclusions"))[0]["effective_judgement"]
        == "监管存在薄弱环节。"
    )
    # rectification: the target plans, adds a photo, its head reports; the office verifies and closes
    [rectification] = body(cgz.get(f"/inspections/{inspection_id}/rectifications"))
    assert (rectification["status"], rectification["light"]) == ("open", "green")
    rbase = f"/inspections/{inspection_id}/rectifications/{rectification['id']}"
    body(cgz.post(f"{rbase}/plan", {"plan": "加固2户墙体"}))
    reused = cgz.client.post(
        f"/api/v1{rbase}/evidence",
        {
            "file": SimpleUploadedFile(
                "after.jpg", b"\xff\xd8\xff\xe0\x00\x10JFIF\x00photo of a cracked wall", "image/jpeg"
            )
        },
        headers=cgz.headers,
    )
    assert body(reused, 201)["is_flagged"] is True  # the inspectors' own photo as proof of the fix
    error(cgz.post(f"{rbase}/report", {"text": "已加固"}), 403, "role_required")
    body(cgz_head.post(f"{rbase}/report", {"text": "已加固并复查"}))
    body(office.post(f"{rbase}/verify", {"passed": True, "note": "实地核查属实", "method": "on_site"}))
    closed = body(office.post(f"{rbase}/close"))
    assert closed["status"] == "closed"
    # results: criticism proposed, approved by the government
    result = body(
        office.post(
            f"/inspections/{inspection_id}/results",
            {"unit": world.townships["cgz"].pk, "kind": "criticise", "reason": "监管薄弱"},
        ),
        201,
    )
    assert result["is_effective"] is False
    assert (
        body(head.post(f"/inspections/{inspection_id}/results/{result['id']}/decide", {"approve": True}))[
            "is_effective"
        ]
        is True
    )
    assert body(cgz_head.get(f"/inspections/{inspection_id}/results"))[0]["kind"] == "criticise"
    # the report and the close
    report = body(office.get(f"/inspections/{inspection_id}/report"))
    assert (len(report["findings"]), report["rectification_counts"]) == (1, {"closed": 1})
    assert body(leader.post(f"/inspections/{inspection_id}/close"))["status"] == "closed"
    events = [e["event_type"] for e in body(office.get(f"/inspections/{inspection_id}/timeline"))]
    for expected in (
        "inspection_created",
        "inspection_approved",
        "inspection_targets_notified",
        "inspection_started",
        "inspection_finding_added",
        "inspection_evidence_added",
        "inspection_evidence_reused",
        "inspection_conclusion_issued",
        "inspection_objection_filed",
        "inspection_review_decided",
        "inspection_rectification_verified",
        "inspection_followup_scheduled",
        "inspection_closed",
    ):
        assert expected in events, expected
    assert body(cgz_head.get(f"/inspections/{inspection_id}/timeline")) == []


# --- refusals ---------------------------------------------------------------------------------------------------


def test_refusals_have_stable_codes_and_change_nothing(world, api):
    inspection = inspection_in(world, S.PENDING_APPROVAL)
    office = api("office")
    before = body(office.get(f"/inspections/{inspection.pk}"))
    error(office.post(f"/inspections/{inspection.pk}/submit"), 409, "action_not_allowed_in_status")
    error(office.post(f"/inspections/{inspection.pk}/approve"), 403, "role_required")
    error(api("city_office").post(f"/inspections/{inspection.pk}/approve"), 403, "role_required")
    error(api("fgw_head").post(f"/inspections/{inspection.pk}/approve"), 404, "not_found")
    error(api("leader").post(f"/inspections/{inspection.pk}/reject", {"reason": " "}), 400, "reason_required")
    error(office.post(f"/inspections/{inspection.pk}/cancel", {}), 400, "reason_required")
    after = body(office.get(f"/inspections/{inspection.pk}"))
    assert after == before


def test_a_department_without_designation_is_refused_over_http(world, api, today):
    created = body(
        api("office").post(
            "/inspections/",
            payload(
                world,
                today,
                lead_unit=world.departments["zjj"].pk,
                out_of_plan_reason="群众反映",
                **PLAN_TEXTS,
            ),
        ),
        201,
    )
    office = api("office")
    office.client.put(
        f"/api/v1/inspections/{created['id']}/team",
        [{"user": world.user("zjj_head").pk, "role": "leader", "is_trained": True}],
        content_type="application/json",
        headers=office.headers,
    )
    error(office.post(f"/inspections/{created['id']}/submit"), 409, "designation_required")
    designation = body(
        api("county_head").post(
            "/inspections/designations/",
            {
                "unit": world.departments["zjj"].pk,
                "matter": "住房安全",
                "start_date": str(today),
                "end_date": str(today + datetime.timedelta(days=90)),
            },
        ),
        201,
    )
    assert designation["unit"]["name"] == "县住房和城乡建设局"
    assert body(office.post(f"/inspections/{created['id']}/submit"))["status"] == "pending_approval"
    assert [d["id"] for d in body(office.get("/inspections/designations/"))] == [designation["id"]]
    error(api("zjj_head").get("/inspections/designations/"), 403, "role_required")


def test_plan_and_mix_read_endpoints(world, api, today):
    plan = body(api("office").get(f"/inspections/plans/{today.year}"))
    assert (plan["id"], plan["planned"], plan["target_cut_percent"]) == (None, 0, 50)
    error(api("office").post("/inspections/plans/", {"year": 1999}), 400, "invalid_input")
    mix = body(api("leader").get("/inspections/mix", year=today.year))
    assert (mix["people"], mix["meets_rule"]) == (0, None)
    error(api("cgz").get("/inspections/mix"), 403, "role_required")
    assert body(api("office").get("/inspections/todos"))["to_submit"] == []


def test_overlaps_endpoint_is_for_full_viewers(world, api, today):
    first = inspection_in(world, S.APPROVED)
    second = make_inspection(world, topic="食品安全检查")
    overlaps = body(api("office").get(f"/inspections/{second.pk}/overlaps"))
    assert [(o["inspection"]["id"], o["reason"], o["in_scope"]) for o in overlaps["overlaps"]] == [
        (first.pk, "concurrent", True)
    ]
    assert overlaps["rule"] == "warn"
    error(api("cgz_head").get(f"/inspections/{first.pk}/overlaps"), 403, "role_required")


def test_amendments_and_burden_over_http(world, api):
    inspection = inspection_in(world, S.APPROVED)
    office, leader = api("office"), api("leader")
    amendment = body(
        office.post(
            f"/inspections/{inspection.pk}/amendments",
            {"reason": "群众反映东湖镇同类问题", "add_targets": [world.townships["dhz"].pk]},
        ),
        201,
    )
    assert (amendment["status"], amendment["is_widening"], amendment["changes"]) == (
        "pending",
        True,
        {"add_targets": [world.townships["dhz"].pk]},
    )
    assert body(office.get(f"/inspections/{inspection.pk}"))["pending_amendment"]["id"] == amendment["id"]
    error(
        office.post(f"/inspections/{inspection.pk}/amendments/decide", {"approve": True}),
        403,
        "role_required",
    )
    decided = body(leader.post(f"/inspections/{inspection.pk}/amendments/decide", {"approve": True}))
    assert decided["status"] == "approved"
    detail = body(office.get(f"/inspections/{inspection.pk}"))
    assert len(detail["targets"]) == 2 and detail["pending_amendment"] is None
    recorded = body(
        office.post(
            f"/inspections/{inspection.pk}/burden",
            {"unit": world.townships["cgz"].pk, "forms_demanded": 3, "people_days": 8},
        )
    )
    assert (recorded["targets"][0]["forms_demanded"], recorded["targets"][0]["people_days"]) == (3, 8)
    error(
        office.post(
            f"/inspections/{inspection.pk}/burden",
            {"unit": world.townships["btz"].pk, "forms_demanded": 1, "people_days": 1},
        ),
        400,
        "finding_target_invalid",
    )


def test_the_openapi_document_describes_the_inspection_endpoints(world, api):
    paths = body(api("office").get("/openapi.json"))["paths"]
    assert {
        "/api/v1/inspections/",
        "/api/v1/inspections/{inspection_id}",
        "/api/v1/inspections/burden",
    } <= set(paths)
    assert "post" in paths["/api/v1/inspections/"]
