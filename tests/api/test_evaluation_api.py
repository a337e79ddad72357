"""The evaluation and the year's ledger over the API: scores (a unit sees its own row and its own facts), the
weights, the ledger from its opening in March to its close in January, and the county's report read by the city.

Dates are pinned: the tasks are assigned on 2 March 2026, Q1's scores computed on 10 April 2026, the mid-year check
made on 1 July 2026, the ledger closed on 5 January 2027."""

from __future__ import annotations

import datetime
import io

import pytest
import time_machine
from openpyxl import load_workbook

from ducha.common import error_codes as codes
from ducha.evaluation.models import (
    LedgerEntry,
    LedgerStatus,
    LedgerYear,
    RunStatus,
    Scheme,
    ScoreRun,
    Settlement,
)
from ducha.items import services as item_services
from ducha.items.lifecycle import ItemStatus
from tests.api.support import body, error
from tests.api.test_openapi import documented, problems
from tests.clock import moment
from tests.helpers import advance

pytestmark = pytest.mark.django_db

PREFIX = "/api/v1"


@pytest.fixture
def document(client, db) -> dict:
    return body(client.get(f"{PREFIX}/openapi.json"))


def shaped(document: dict, method: str, path: str, response, status: int = 200):
    """The JSON body, after checking it has the shape its operation documents."""
    data = body(response, status)
    schema = documented(document, method, f"{PREFIX}{path}", status)
    assert problems(document, schema, data) == [], (method, path)
    return data


def instant(text: str) -> datetime.datetime:
    return datetime.datetime.fromisoformat(text.replace("Z", "+00:00"))


def delete(client, path: str, data: dict):
    return client.client.delete(
        f"{PREFIX}{path}", data, content_type="application/json", headers=client.headers
    )


def put(client, path: str, data: dict):
    return client.client.put(f"{PREFIX}{path}", data, content_type="application/json", headers=client.headers)


@pytest.fixture
def immediate_tasks(settings):
    settings.TASKS = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}


def task(world, lead: str, source: str, title: str, due: datetime.date):
    """An item of `lead` from `source`, assigned now."""
    item = item_services.item_create(
        actor=world.user("office"),
        title=title,
        source_type=source,
        lead_unit_id=world.departments[lead].pk,
        content="年度重点任务。",
        source_reference="2026年政府工作报告",
        due_date=due,
    )
    return advance(world, item, ItemStatus.ASSIGNED)


@pytest.fixture
def tasks(world):
    """Assigned on 2 March 2026: a work report task and a 民生实事 of fgw, a key task of fgw, and a work report task
    of jyj due on 15 June (late by the mid-year check)."""
    with time_machine.travel(moment(2026, 3, 2, 9), tick=False):
        return {
            "report": task(world, "fgw", "work_report_task", "完成重大项目投资", datetime.date(2026, 11, 30)),
            "livelihood": task(
                world, "fgw", "livelihood_project", "新建社区食堂", datetime.date(2026, 11, 30)
            ),
            "key": task(world, "fgw", "meeting_decision", "推进园区扩区", datetime.date(2026, 11, 30)),
            "school": task(world, "jyj", "work_report_task", "改扩建城区学校", datetime.date(2026, 6, 15)),
        }


# --- scores ------------------------------------------------------------------------------------------------------------


def _compute_q1(api, django_capture_on_commit_callbacks) -> dict:
    with (
        time_machine.travel(moment(2026, 4, 10, 9), tick=False),
        django_capture_on_commit_callbacks(execute=True),
    ):
        run = body(api("office").post("/evaluation/scores/compute", {"year": 2026, "quarter": 1}), 202)
    return run


def test_scores_computed_in_the_background_and_read_within_scope(
    world, api, tasks, document, immediate_tasks, django_capture_on_commit_callbacks
):
    office, fgw_head = api("office"), api("fgw_head")
    fgw, jyj = world.departments["fgw"], world.departments["jyj"]
    # before any run: nothing to read
    error(office.get("/evaluation/scores", year=2026, quarter=1), 409, codes.EVALUATION_NOT_COMPUTED)
    # a unit cannot compute
    with time_machine.travel(moment(2026, 4, 10, 9), tick=False):
        error(
            fgw_head.post("/evaluation/scores/compute", {"year": 2026, "quarter": 1}),
            403,
            codes.ROLE_REQUIRED,
        )
        error(
            office.post("/evaluation/scores/compute", {"year": 2026, "quarter": 3}),
            409,
            codes.EVALUATION_PERIOD_NOT_BEGUN,
        )
    assert not ScoreRun.objects.filter(government=world.county, year=2026, quarter=1).exists()

    run = _compute_q1(api, django_capture_on_commit_callbacks)
    assert (run["year"], run["quarter"]) == (2026, 1)
    stored = ScoreRun.objects.get(pk=run["id"])
    assert stored.status == RunStatus.DONE
    assert stored.cutoff == moment(2026, 4, 1)  # the quarter is over: as of its end

    with time_machine.travel(moment(2026, 4, 10, 10), tick=False):
        path = "/evaluation/scores?year=2026&quarter=1"
        scores = shaped(document, "get", path, office.get("/evaluation/scores", year=2026, quarter=1))
        assert scores["everyone"] is True and scores["frozen"] is False
        assert scores["period"]["quarter"] == 1 and instant(scores["cutoff"]) == moment(2026, 4, 1)
        units = {row["unit"]["id"] for row in scores["rows"]}
        assert {fgw.pk, jyj.pk, world.townships["cgz"].pk} <= units
        assert {row["group"] for row in scores["rows"]} == {"department", "township"}
        departments = body(office.get("/evaluation/scores", year=2026, quarter=1, kind="department"))
        assert {row["group"] for row in departments["rows"]} == {"department"}
        # a unit gets its own row only
        own = shaped(document, "get", path, fgw_head.get("/evaluation/scores", year=2026, quarter=1))
        assert own["everyone"] is False
        assert [row["unit"]["id"] for row in own["rows"]] == [fgw.pk]
        assert set(own["rows"][0]["components"]) >= {"sign_for", "completion", "first_time"}

        # the facts behind a unit's figures: the office any unit's, a unit its own, never another's
        facts_path = f"/evaluation/scores/{fgw.pk}/facts"
        facts = shaped(
            document,
            "get",
            facts_path + "?year=2026&quarter=1",
            office.get(facts_path, year=2026, quarter=1),
        )
        assert facts["unit"]["id"] == fgw.pk
        assert set(facts["facts"]) == set(facts["indicators"])
        assert facts["indicators"]["sign_for"]["label"]
        # fgw's three tasks were signed for (2 March): counted in the quarter in which the deadline passed
        signed = facts["facts"]["sign_for"]
        assert {fact["item_id"] for fact in signed} >= {tasks["report"].pk, tasks["key"].pk}
        one = body(fgw_head.get(facts_path, year=2026, quarter=1, indicator="sign_for"))
        assert set(one["facts"]) == {"sign_for"}
        error(fgw_head.get(f"/evaluation/scores/{jyj.pk}/facts", year=2026, quarter=1), 404, codes.NOT_FOUND)
        error(office.get(facts_path, year=2026, quarter=1, indicator="nope"), 400, codes.INVALID_INPUT)

        # refusals with their codes
        error(office.get("/evaluation/scores", year=2026, quarter=5), 400, codes.EVALUATION_PERIOD_INVALID)
        error(office.get("/evaluation/scores", year=1999), 400, codes.EVALUATION_PERIOD_INVALID)
        error(
            office.get("/evaluation/scores", year=2026, quarter=1, kind="city"),
            400,
            codes.EVALUATION_GROUP_INVALID,
        )
        error(office.get("/evaluation/scores", year=2026, quarter=2), 409, codes.EVALUATION_NOT_COMPUTED)
        error(office.get(facts_path, year=2026, quarter=2), 409, codes.EVALUATION_NOT_COMPUTED)


# --- the weights -------------------------------------------------------------------------------------------------------


def test_weights_read_set_and_refused_when_they_do_not_add_up(world, api, document):
    office, fgw_head = api("office"), api("fgw_head")
    scheme = shaped(document, "get", "/evaluation/scheme", office.get("/evaluation/scheme"))
    assert scheme["is_default"] is True and sum(scheme["weights"].values()) == 100
    weights = dict.fromkeys(scheme["weights"], 10)
    weights["completion"] = 30  # 7 × 10 + 30 = 100

    short = {**weights, "completion": 20}
    error(put(office, "/evaluation/scheme", {"weights": short}), 400, codes.EVALUATION_WEIGHTS_SUM)
    error(
        put(office, "/evaluation/scheme", {"weights": {**weights, "luck": 0}}),
        400,
        codes.EVALUATION_WEIGHTS_INVALID,
    )
    error(
        put(office, "/evaluation/scheme", {"weights": {**weights, "completion": 130}}),
        400,
        codes.EVALUATION_WEIGHTS_INVALID,
    )
    error(put(fgw_head, "/evaluation/scheme", {"weights": weights}), 403, codes.ROLE_REQUIRED)
    assert not Scheme.objects.filter(government=world.county).exists()
    assert body(office.get("/evaluation/scheme"))["is_default"] is True

    saved = body(put(office, "/evaluation/scheme", {"weights": weights}))
    assert saved["weights"] == weights and saved["is_default"] is False
    assert saved["updated_by"]["id"] == world.user("office").pk
    assert body(fgw_head.get("/evaluation/scheme"))["weights"] == weights


# --- the year's ledger ---------------------------------------------------------------------------------------------


def _ledger_state(ledger_id: int) -> tuple:
    ledger = LedgerYear.objects.get(pk=ledger_id)
    return (
        ledger.status,
        ledger.frozen_digest,
        sorted(LedgerEntry.objects.filter(ledger_year=ledger).values_list("id", "settlement")),
    )


def test_the_years_ledger_from_opening_to_close(world, api, tasks, document):
    office, leader, fgw = api("office"), api("leader"), api("fgw")
    fgw_head, jyj_head = api("fgw_head"), api("jyj_head")
    fgw_unit, jyj_unit = world.departments["fgw"], world.departments["jyj"]

    # 年初建账, 3 March: the office opens; a handler may not; the year is opened once
    with time_machine.travel(moment(2026, 3, 3, 9), tick=False):
        error(fgw.post("/ledger-years/", {"year": 2026}), 403, codes.ROLE_REQUIRED)
        assert not LedgerYear.objects.filter(government=world.county).exists()
        ledger = body(office.post("/ledger-years/", {"year": 2026}), 201)
        assert (ledger["status"], ledger["year"]) == ("draft", 2026)
        base = f"/ledger-years/{ledger['id']}"
        error(office.post("/ledger-years/", {"year": 2026}), 409, codes.LEDGER_YEAR_EXISTS)
        error(office.post("/ledger-years/", {"year": 1999}), 400, codes.EVALUATION_PERIOD_INVALID)
        error(office.post(f"{base}/submit"), 409, codes.LEDGER_EMPTY)

        # the year's work report tasks and 民生实事 by their source, then a key task by id
        picked = body(office.post(f"{base}/entries", {}), 201)
        assert {(e["item"]["id"], e["category"]) for e in picked} == {
            (tasks["report"].pk, "work_report"),
            (tasks["livelihood"].pk, "livelihood"),
            (tasks["school"].pk, "work_report"),
        }
        [key] = body(
            office.post(f"{base}/entries", {"item_ids": [tasks["key"].pk], "category": "key_work"}), 201
        )
        assert key["unit"]["id"] == fgw_unit.pk and key["state"] == "on_time"
        error(
            office.post(f"{base}/entries", {"item_ids": [tasks["key"].pk]}), 400, codes.LEDGER_ENTRY_INVALID
        )
        # one taken off again, with its reason
        livelihood = next(e for e in picked if e["item"]["id"] == tasks["livelihood"].pk)
        error(
            delete(office, f"{base}/entries/{livelihood['id']}", {"reason": " "}), 400, codes.REASON_REQUIRED
        )
        assert (
            delete(office, f"{base}/entries/{livelihood['id']}", {"reason": "并入重点工作"}).status_code
            == 204
        )
        entries = shaped(document, "get", f"{base}/entries", office.get(f"{base}/entries"))
        assert {e["item"]["id"] for e in entries} == {tasks["report"].pk, tasks["key"].pk, tasks["school"].pk}
        only_jyj = body(office.get(f"{base}/entries", unit=jyj_unit.pk))
        assert [e["item"]["id"] for e in only_jyj] == [tasks["school"].pk]

        # submitted, returned with a reason, submitted again and approved by the leader
        assert body(office.post(f"{base}/submit"))["status"] == "pending_approval"
        error(leader.post(f"{base}/return", {"reason": ""}), 400, codes.REASON_REQUIRED)
        returned = body(leader.post(f"{base}/return", {"reason": "补充民生实事"}))
        assert (returned["status"], returned["return_reason"]) == ("draft", "补充民生实事")
        body(office.post(f"{base}/submit"))
        error(office.post(f"{base}/approve"), 403, codes.ROLE_REQUIRED)
        approved = body(leader.post(f"{base}/approve", {"comment": "同意"}))
        assert approved["status"] == "open" and approved["approved_by"]["id"] == world.user("leader").pk

        # each unit confirms its own list, or objects; the office answers and the unit confirms
        detail = shaped(document, "get", base, office.get(base))
        assert {c["unit"]["id"]: c["status"] for c in detail["confirmations"]} == {
            fgw_unit.pk: "pending",
            jyj_unit.pk: "pending",
        }
        assert detail["figures"]["entries"] == 3 and detail["frozen_intact"] is None
        assert body(fgw_head.post(f"{base}/confirm"))["status"] == "confirmed"
        error(jyj_head.post(f"{base}/object", {"objection": ""}), 400, codes.TEXT_REQUIRED)
        objected = body(jyj_head.post(f"{base}/object", {"objection": "学校项目应由住建局牵头"}))
        assert objected["status"] == "objected"
        # a unit sees its own list and its own confirmation only
        seen = shaped(document, "get", base, jyj_head.get(base))
        assert [c["unit"]["id"] for c in seen["confirmations"]] == [jyj_unit.pk]
        assert set(seen["figures"]["units"]) == {str(jyj_unit.pk)} and seen["frozen_figures"] == {}
        assert [e["item"]["id"] for e in body(jyj_head.get(f"{base}/entries"))] == [tasks["school"].pk]
        assert [row["id"] for row in body(jyj_head.get("/ledger-years/"))] == [ledger["id"]]
        error(api("zjj_head").get(base), 404, codes.NOT_FOUND)  # a unit with no list on it
        answer = f"{base}/confirmations/{objected['id']}/answer"
        error(jyj_head.post(answer, {"reply": "不同意"}), 403, codes.ROLE_REQUIRED)
        replied = body(office.post(answer, {"reply": "经研究仍由教育局牵头"}))
        assert (replied["status"], replied["office_reply"]) == ("pending", "经研究仍由教育局牵头")
        assert body(jyj_head.post(f"{base}/confirm"))["status"] == "confirmed"
        body(office.post(f"{base}/notes", {"text": "一季度建账完成", "entry": key["id"]}), 201)

    # 年中查账, 1 July: jyj's school is late (due 15 June) and must be explained
    with time_machine.travel(moment(2026, 7, 1, 9), tick=False):
        error(jyj_head.post(f"{base}/mid-year-check"), 403, codes.ROLE_REQUIRED)
        check = body(office.post(f"{base}/mid-year-check", {}), 201)
        assert check["as_of"] == "2026-07-01" and check["report"]
        [asked] = check["explanations"]
        assert asked["unit"]["id"] == jyj_unit.pk
        error(office.post(f"{base}/mid-year-check", {}), 409, codes.LEDGER_CHECK_EXISTS)
        error(fgw_head.post(f"{base}/explanations/{asked['id']}", {"answer": "x"}), 404, codes.NOT_FOUND)
        explained = body(jyj_head.post(f"{base}/explanations/{asked['id']}", {"answer": "汛期停工，9月完成"}))
        assert explained["answer"] == "汛期停工，9月完成"
        detail = body(jyj_head.get(base))
        assert detail["mid_year_check"]["explanations"][0]["answer"] == "汛期停工，9月完成"
        assert detail["mid_year_check"]["report"] == ""  # the report with every unit is the office's

    # fgw finishes its tasks in the autumn
    with time_machine.travel(moment(2026, 9, 1, 9), tick=False):
        for name in ("report", "key"):
            advance(world, tasks[name], ItemStatus.ACCEPTED)

    # 年终结账, 5 January 2027: refused while a task is unsettled (nothing changes), then the school carried over
    with time_machine.travel(moment(2027, 1, 5, 9), tick=False):
        before = _ledger_state(ledger["id"])
        error(office.post(f"{base}/close"), 409, codes.LEDGER_UNSETTLED)
        assert _ledger_state(ledger["id"]) == before
        assert before[0] == LedgerStatus.OPEN and before[1] == ""

        entries = {e["item"]["id"]: e for e in body(office.get(f"{base}/entries"))}
        school = entries[tasks["school"].pk]
        report = entries[tasks["report"].pk]
        assert report["state"] == "done"
        error(
            office.post(f"{base}/entries/{report['id']}/carry-over", {"reason": "x"}),
            409,
            codes.LEDGER_ENTRY_INVALID,
        )
        error(
            office.post(f"{base}/entries/{school['id']}/carry-over", {"reason": ""}),
            400,
            codes.LEDGER_CARRY_REASON_REQUIRED,
        )
        carried = body(
            office.post(f"{base}/entries/{school['id']}/carry-over", {"reason": "主体工程跨年施工"})
        )
        assert (carried["settlement"], carried["carry_reason"]) == ("carried_over", "主体工程跨年施工")

        error(leader.post(f"{base}/close"), 403, codes.ROLE_REQUIRED)
        closed = shaped(document, "post", f"{base}/close", office.post(f"{base}/close"))
        assert closed["status"] == "closed" and closed["frozen_intact"] is True
        assert len(closed["frozen_digest"]) == 64
        assert closed["frozen_figures"]["settlements"] == {"done": 2, "carried_over": 1}
        assert ScoreRun.objects.get(government=world.county, year=2026, quarter=0).frozen
        # closing again answers the same
        again = body(office.post(f"{base}/close"))
        assert (again["status"], again["frozen_digest"]) == ("closed", closed["frozen_digest"])
        # a correction after the close leaves the frozen figures alone; the year's steps are refused
        note = body(office.post(f"{base}/notes", {"text": "更正：学校项目牵头单位名称"}), 201)
        assert note["kind"] == "correction"
        error(office.post(f"{base}/entries", {}), 409, codes.LEDGER_YEAR_CLOSED)
        error(jyj_head.post(f"{base}/confirm"), 409, codes.LEDGER_YEAR_CLOSED)
        final = body(office.get(base))
        assert (final["frozen_digest"], final["frozen_intact"]) == (closed["frozen_digest"], True)
        assert [n["kind"] for n in final["notes"]] == ["stage", "correction"]
        assert LedgerEntry.objects.get(pk=school["id"]).settlement == Settlement.CARRIED_OVER

        # next year's ledger brings the school over with its reason
        next_year = body(office.post("/ledger-years/", {"year": 2027}), 201)
        [brought] = body(office.get(f"/ledger-years/{next_year['id']}/entries"))
        assert (
            brought["item"]["id"],
            brought["category"],
            brought["carried_from"],
            brought["carry_reason"],
        ) == (
            tasks["school"].pk,
            "carried_over",
            school["id"],
            "主体工程跨年施工",
        )
        years = shaped(document, "get", "/ledger-years/", office.get("/ledger-years/"))
        assert [row["year"] for row in years] == [2027, 2026]


def test_a_ledger_of_another_government_is_not_found(world, api, tasks):
    with time_machine.travel(moment(2026, 3, 3, 9), tick=False):
        ledger = body(api("office").post("/ledger-years/", {"year": 2026}), 201)
    error(api("city_office").get(f"/ledger-years/{ledger['id']}"), 404, codes.NOT_FOUND)
    error(api("city_office").post(f"/ledger-years/{ledger['id']}/submit"), 404, codes.NOT_FOUND)
    assert body(api("city_office").get("/ledger-years/")) == []
    assert LedgerYear.objects.get(pk=ledger["id"]).status == LedgerStatus.DRAFT


# --- reports to the level above ----------------------------------------------------------------------------------


def test_the_countys_quarterly_report_approved_submitted_and_read_by_the_city(world, api, tasks, document):
    office, office2, city = api("office"), api("office2"), api("city_office")
    with time_machine.travel(moment(2026, 4, 10, 9), tick=False):
        error(
            office.post("/period-reports/", {"period": "quarter", "year": 2026, "number": 5}),
            400,
            codes.EVALUATION_PERIOD_INVALID,
        )
        error(
            api("fgw_head").post("/period-reports/", {"period": "quarter", "year": 2026, "number": 1}),
            403,
            codes.ROLE_REQUIRED,
        )
        report = body(office.post("/period-reports/", {"period": "quarter", "year": 2026, "number": 1}), 201)
        assert (report["status"], report["recipient"]["id"]) == ("draft", world.city.pk)
        assert report["figures"]["items_assigned"] == 4
        path = f"/period-reports/{report['id']}"
        # the one who generated it does not approve it; another of the office does
        error(office.post(f"{path}/approve"), 403, codes.ROLE_REQUIRED)
        error(office.post(f"{path}/submit"), 409, codes.ACTION_NOT_ALLOWED)
        # not submitted yet: the city sees nothing
        error(city.get(path), 404, codes.NOT_FOUND)
        assert body(city.get("/period-reports/received"))["reports"] == []
        assert body(office2.post(f"{path}/approve"))["status"] == "approved"
        error(
            office.post("/period-reports/", {"period": "quarter", "year": 2026, "number": 1}),
            409,
            codes.REPORT_EXISTS,
        )
        submitted = body(office.post(f"{path}/submit"))
        assert (
            submitted["status"] == "submitted" and submitted["submitted_by"]["id"] == world.user("office").pk
        )

        own = shaped(document, "get", "/period-reports/", office.get("/period-reports/"))
        assert [row["id"] for row in own] == [report["id"]]
        assert body(city.get("/period-reports/")) == []
        received = shaped(document, "get", "/period-reports/received", city.get("/period-reports/received"))
        assert [row["id"] for row in received["reports"]] == [report["id"]]
        assert received["rollup"]["reports"] == 1 and received["rollup"]["items_assigned"] == 4
        filtered = body(city.get("/period-reports/received", period="month"))
        assert filtered["reports"] == [] and filtered["rollup"]["reports"] == 0
        assert shaped(document, "get", path, city.get(path))["government"]["id"] == world.county.pk
        error(api("fgw_head").get(path), 404, codes.NOT_FOUND)

        xlsx = city.get(f"{path}.xlsx")
        assert xlsx.status_code == 200
        assert xlsx["Content-Type"].startswith("application/vnd.openxmlformats-officedocument.spreadsheetml")
        sheet = load_workbook(io.BytesIO(xlsx.content)).active
        rows = {row[0]: row[1] for row in sheet.iter_rows(min_row=2, values_only=True)}
        assert 4 in rows.values()
