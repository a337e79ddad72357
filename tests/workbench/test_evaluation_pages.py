"""The evaluation pages with Django's test client: the year's ledger through its cycle (年初建账, 年中查账, 年终结账),
the scores and the facts behind them, the weights, and the reports to the level above — each page for the right
roles and refused (403/404) for the others; each form's effect, and its refusals shown in Chinese-ready messages
with nothing changed.

Dates matter here (an item is late on a day, a period has begun), so every test moves the clock to named days of
2026 and signs in again there (a session made in March has expired by July)."""

from __future__ import annotations

import datetime

import pytest
import time_machine

from ducha.evaluation import ledger as ledger_services
from ducha.evaluation import scoring
from ducha.evaluation.models import (
    ConfirmationStatus,
    EntryCategory,
    ExplanationRequest,
    LedgerEntry,
    LedgerNote,
    LedgerStatus,
    LedgerYear,
    MidYearCheck,
    PeriodReport,
    PeriodReportStatus,
    Scheme,
    Settlement,
)
from ducha.evaluation.periods import Period
from ducha.items.lifecycle import ItemStatus
from tests.clock import moment
from tests.helpers import advance, make_item

MARCH = moment(2026, 3, 2, 9)
JULY = moment(2026, 7, 6, 9)
NOVEMBER = moment(2026, 11, 18, 10)


@pytest.fixture
def government(world):
    return world.user("office").unit.government


@pytest.fixture
def tasks(world):
    """On 2 March 2026: a work report task due 30 June, a livelihood project due 20 December and a key work item
    due 30 September, all led by the 发改局 and assigned."""
    with time_machine.travel(MARCH, tick=False):
        items = {
            "work_report": make_item(
                world,
                title="年度工作报告任务",
                source_type="work_report_task",
                due_date=datetime.date(2026, 6, 30),
            ),
            "livelihood": make_item(
                world,
                title="民生实事项目",
                source_type="livelihood_project",
                due_date=datetime.date(2026, 12, 20),
            ),
            "key_work": make_item(world, title="年度重点工作", due_date=datetime.date(2026, 9, 30)),
        }
        for item in items.values():
            advance(world, item, ItemStatus.ASSIGNED)
    return items


def open_ledger(world, government, *, approve=True, confirm=True) -> LedgerYear:
    """The 2026 ledger drawn up on 2 March with the picked tasks (and, as asked, approved and confirmed)."""
    with time_machine.travel(MARCH, tick=False):
        ledger = ledger_services.ledger_open(
            actor=world.user("office"), government_id=government.pk, year=2026
        )
        ledger_services.ledger_entries_add(actor=world.user("office"), ledger_id=ledger.pk)
        if approve:
            ledger_services.ledger_submit(actor=world.user("office"), ledger_id=ledger.pk)
            ledger_services.ledger_approve(actor=world.user("leader"), ledger_id=ledger.pk)
        if approve and confirm:
            ledger_services.ledger_confirm(actor=world.user("fgw_head"), ledger_id=ledger.pk)
    ledger.refresh_from_db()
    return ledger


def test_anonymous_visitors_are_sent_to_login(client, world):
    for url in ("/evaluation/ledgers/", "/evaluation/scores/", "/evaluation/reports/", "/evaluation/scheme/"):
        response = client.get(url)
        assert response.status_code == 302 and response["Location"].startswith("/login/")


def test_the_navigation_offers_evaluation_to_the_office_and_the_units_their_tasks(browser, world):
    assert 'data-nav="evaluation"' in browser("office").get("/").content.decode()
    assert 'data-nav="evaluation"' in browser("fgw_head").get("/").content.decode()


# --- 年初建账 -----------------------------------------------------------------------------------------------------


def test_the_office_opens_picks_and_submits_the_leader_approves_and_a_unit_confirms(
    browser, world, government, tasks
):
    with time_machine.travel(MARCH, tick=False):
        office = browser("office")
        assert office.get("/evaluation/ledgers/").status_code == 200
        response = office.post("/evaluation/ledgers/open/", {"year": "2026"})
        ledger = LedgerYear.objects.get(government=government, year=2026)
        assert response.status_code == 302 and response["Location"] == f"/evaluation/ledgers/{ledger.pk}/"

        # a second opening of the same year is refused at the form; nothing new
        again = office.post("/evaluation/ledgers/open/", {"year": "2026"})
        assert again.status_code == 409 and 'data-code="ledger_year_exists"' in again.content.decode()
        assert LedgerYear.objects.count() == 1
        # a year that does not exist
        bad_year = office.post("/evaluation/ledgers/open/", {"year": "二〇二六"})
        assert bad_year.status_code == 400 and LedgerYear.objects.count() == 1

        # pick the work report tasks and 民生实事; then the key work by its number
        assert office.post(f"/evaluation/ledgers/{ledger.pk}/pick/").status_code == 302
        assert dict(ledger.entries.values_list("item_id", "category")) == {
            tasks["work_report"].pk: EntryCategory.WORK_REPORT,
            tasks["livelihood"].pk: EntryCategory.LIVELIHOOD,
        }
        unknown = office.post(f"/evaluation/ledgers/{ledger.pk}/add/", {"items": "无此编号"})
        assert unknown.status_code == 400 and "无此编号" in unknown.content.decode()
        assert ledger.entries.count() == 2
        number = tasks["key_work"].number or str(tasks["key_work"].pk)
        assert office.post(f"/evaluation/ledgers/{ledger.pk}/add/", {"items": number}).status_code == 302
        assert ledger.entries.get(item=tasks["key_work"]).category == EntryCategory.KEY_WORK

        page = office.get(f"/evaluation/ledgers/{ledger.pk}/").content.decode()
        assert f'href="/items/{tasks["key_work"].pk}/"' in page and 'data-state="on_time"' in page

        # the leader cannot approve a draft; the office submits
        leader = browser("leader")
        early = leader.post(f"/evaluation/ledgers/{ledger.pk}/approve/")
        assert early.status_code == 409
        ledger.refresh_from_db()
        assert ledger.status == LedgerStatus.DRAFT
        office = browser("office")
        office.post(f"/evaluation/ledgers/{ledger.pk}/submit/")
        ledger.refresh_from_db()
        assert ledger.status == LedgerStatus.PENDING_APPROVAL

        # the office cannot approve; the leader does
        refused = office.post(f"/evaluation/ledgers/{ledger.pk}/approve/")
        assert refused.status_code == 403
        ledger.refresh_from_db()
        assert ledger.status == LedgerStatus.PENDING_APPROVAL
        assert browser("fgw_head").get(f"/evaluation/ledgers/{ledger.pk}/").status_code == 404
        leader = browser("leader")
        assert 'id="approve-button"' in leader.get(f"/evaluation/ledgers/{ledger.pk}/").content.decode()
        leader.post(f"/evaluation/ledgers/{ledger.pk}/approve/", {"comment": "同意"})
        ledger.refresh_from_db()
        assert ledger.status == LedgerStatus.OPEN
        confirmation = ledger.confirmations.get(unit=world.departments["fgw"])

        # a handler does not answer for the unit; another unit has no list here
        assert browser("fgw").post(f"/evaluation/ledgers/{ledger.pk}/confirm/").status_code == 403
        assert browser("jyj_head").get(f"/evaluation/ledgers/{ledger.pk}/").status_code == 404
        confirmation.refresh_from_db()
        assert confirmation.status == ConfirmationStatus.PENDING

        # the unit head sees its list and confirms it in one click
        head = browser("fgw_head")
        page = head.get(f"/evaluation/ledgers/{ledger.pk}/").content.decode()
        assert 'id="confirm-button"' in page and "年度重点工作" in page
        assert head.post(f"/evaluation/ledgers/{ledger.pk}/confirm/").status_code == 302
        confirmation.refresh_from_db()
        assert confirmation.status == ConfirmationStatus.CONFIRMED


def test_the_leader_returns_with_a_reason_only(browser, world, government, tasks):
    ledger = open_ledger(world, government, approve=False)
    with time_machine.travel(MARCH, tick=False):
        browser("office").post(f"/evaluation/ledgers/{ledger.pk}/submit/")
        leader = browser("leader")
        assert leader.post(f"/evaluation/ledgers/{ledger.pk}/return/", {"reason": " "}).status_code == 400
        ledger.refresh_from_db()
        assert ledger.status == LedgerStatus.PENDING_APPROVAL
        leader.post(f"/evaluation/ledgers/{ledger.pk}/return/", {"reason": "民生实事不全"})
        ledger.refresh_from_db()
        assert ledger.status == LedgerStatus.DRAFT and ledger.return_reason == "民生实事不全"


def test_a_task_is_removed_with_a_reason_only(browser, world, government, tasks):
    ledger = open_ledger(world, government, approve=False)
    entry = ledger.entries.get(item=tasks["livelihood"])
    with time_machine.travel(MARCH, tick=False):
        office = browser("office")
        assert office.post(f"/evaluation/entries/{entry.pk}/remove/", {"reason": ""}).status_code == 400
        assert LedgerEntry.objects.filter(pk=entry.pk).exists()
        assert (
            browser("fgw_head").post(f"/evaluation/entries/{entry.pk}/remove/", {"reason": "x"}).status_code
            == 404
        )
        office = browser("office")
        assert (
            office.post(f"/evaluation/entries/{entry.pk}/remove/", {"reason": "并入重点工作"}).status_code
            == 302
        )
        assert not LedgerEntry.objects.filter(pk=entry.pk).exists()
        assert office.post("/evaluation/entries/99999999/remove/", {"reason": "x"}).status_code == 404


def test_a_unit_objects_and_the_office_answers(browser, world, government, tasks):
    ledger = open_ledger(world, government, confirm=False)
    confirmation = ledger.confirmations.get(unit=world.departments["fgw"])
    with time_machine.travel(MARCH, tick=False):
        head = browser("fgw_head")
        assert head.post(f"/evaluation/ledgers/{ledger.pk}/object/", {"objection": ""}).status_code == 400
        confirmation.refresh_from_db()
        assert confirmation.status == ConfirmationStatus.PENDING
        head.post(f"/evaluation/ledgers/{ledger.pk}/object/", {"objection": "民生实事应由住建局牵头"})
        confirmation.refresh_from_db()
        assert confirmation.status == ConfirmationStatus.OBJECTED

        assert browser("fgw_head").post(
            f"/evaluation/confirmations/{confirmation.pk}/answer/", {"reply": "x"}
        ).status_code in (403, 404)
        office = browser("office")
        page = office.get(f"/evaluation/ledgers/{ledger.pk}/").content.decode()
        assert "民生实事应由住建局牵头" in page and "answer-form" in page
        office.post(f"/evaluation/confirmations/{confirmation.pk}/answer/", {"reply": "经核实由发改局牵头"})
        confirmation.refresh_from_db()
        assert confirmation.status == ConfirmationStatus.PENDING
        assert confirmation.office_reply == "经核实由发改局牵头"


# --- 年中查账 -----------------------------------------------------------------------------------------------------


def test_the_mid_year_check_reports_and_the_unit_explains(browser, world, government, tasks):
    ledger = open_ledger(world, government)
    with time_machine.travel(JULY, tick=False):
        assert browser("fgw_head").post(f"/evaluation/ledgers/{ledger.pk}/check/").status_code == 403
        assert not MidYearCheck.objects.exists()
        office = browser("office")
        assert office.post(f"/evaluation/ledgers/{ledger.pk}/check/").status_code == 302
        check = MidYearCheck.objects.get(ledger_year=ledger)
        assert check.as_of == datetime.date(2026, 7, 6)
        page = office.get(f"/evaluation/ledgers/{ledger.pk}/").content.decode()
        assert 'id="check-report"' in page and 'id="check-units"' in page
        # once a year
        assert office.post(f"/evaluation/ledgers/{ledger.pk}/check/").status_code == 409
        assert MidYearCheck.objects.count() == 1

        late = ExplanationRequest.objects.get(entry__item=tasks["work_report"])
        assert (
            browser("jyj_head")
            .post(f"/evaluation/explanations/{late.pk}/answer/", {"answer": "x"})
            .status_code
            == 404
        )
        head = browser("fgw_head")
        assert f'id="explanation-{late.pk}"' in head.get(f"/evaluation/ledgers/{ledger.pk}/").content.decode()
        assert head.post(f"/evaluation/explanations/{late.pk}/answer/", {"answer": " "}).status_code == 400
        late.refresh_from_db()
        assert late.answer == ""
        head.post(f"/evaluation/explanations/{late.pk}/answer/", {"answer": "资金到位晚，9月底前完成"})
        late.refresh_from_db()
        assert late.answer == "资金到位晚，9月底前完成"

        office = browser("office")
        office.post(f"/evaluation/ledgers/{ledger.pk}/note/", {"text": "已约谈发改局", "entry": ""})
        assert LedgerNote.objects.get(ledger_year=ledger).kind == "stage"


# --- 年终结账 -----------------------------------------------------------------------------------------------------


def test_closing_is_refused_while_a_task_is_unsettled_then_carried_over_and_frozen(
    browser, world, government, tasks
):
    ledger = open_ledger(world, government)
    with time_machine.travel(NOVEMBER, tick=False):
        office = browser("office")
        refused = office.post(f"/evaluation/ledgers/{ledger.pk}/close/")
        assert refused.status_code == 409 and 'data-code="ledger_unsettled"' in refused.content.decode()
        ledger.refresh_from_db()
        assert ledger.status == LedgerStatus.OPEN and ledger.frozen_digest == ""

        entries = list(ledger.entries.all())
        first = entries[0]
        no_reason = office.post(f"/evaluation/entries/{first.pk}/carry/", {"reason": ""})
        assert no_reason.status_code == 400
        first.refresh_from_db()
        assert first.settlement == Settlement.OPEN
        for entry in entries:
            office.post(f"/evaluation/entries/{entry.pk}/carry/", {"reason": "跨年度实施"})
        assert set(ledger.entries.values_list("settlement", flat=True)) == {Settlement.CARRIED_OVER}

        assert office.post(f"/evaluation/ledgers/{ledger.pk}/close/").status_code == 302
        ledger.refresh_from_db()
        assert ledger.status == LedgerStatus.CLOSED and len(ledger.frozen_digest) == 64
        page = office.get(f"/evaluation/ledgers/{ledger.pk}/").content.decode()
        assert ledger.frozen_digest in page and 'data-intact="yes"' in page

        # closing again changes nothing; a note after the close is a correction
        assert office.post(f"/evaluation/ledgers/{ledger.pk}/close/").status_code == 302
        digest = ledger.frozen_digest
        office.post(f"/evaluation/ledgers/{ledger.pk}/note/", {"text": "更正：民生实事完成时间"})
        ledger.refresh_from_db()
        assert ledger.frozen_digest == digest
        assert LedgerNote.objects.get(ledger_year=ledger).kind == "correction"


def test_unknown_actions_and_ids_are_404(browser, world, government, tasks):
    ledger = open_ledger(world, government)
    with time_machine.travel(MARCH, tick=False):
        office = browser("office")
        assert office.post(f"/evaluation/ledgers/{ledger.pk}/explode/").status_code == 404
        assert office.get("/evaluation/ledgers/99999999/").status_code == 404
        assert office.get(f"/evaluation/ledgers/{2**64}/").status_code == 404
        assert office.get(f"/evaluation/ledgers/{ledger.pk}/close/").status_code == 405


# --- scores, facts, weights -----------------------------------------------------------------------------------------


@pytest.fixture
def scored(world, government, tasks):
    with time_machine.travel(NOVEMBER, tick=False):
        scoring.scores_compute([government.pk], Period(2026, 3))
    return Period(2026, 3)


def test_the_office_sees_the_table_and_a_unit_only_its_own_score(browser, world, scored):
    with time_machine.travel(NOVEMBER, tick=False):
        office = browser("office")
        page = office.get("/evaluation/scores/?year=2026&quarter=3&kind=department").content.decode()
        fgw, jyj = world.departments["fgw"], world.departments["jyj"]
        assert f'data-unit="{fgw.pk}"' in page and f'data-unit="{jyj.pk}"' in page
        assert f"/evaluation/scores/{fgw.pk}/facts/?year=2026&amp;quarter=3" in page
        township = office.get("/evaluation/scores/?year=2026&quarter=3&kind=township").content.decode()
        assert f'data-unit="{fgw.pk}"' not in township

        head = browser("fgw_head").get("/evaluation/scores/?year=2026&quarter=3").content.decode()
        assert 'id="own-score"' in head and 'class="place"' in head
        assert f'data-unit="{jyj.pk}"' not in head and jyj.name not in head

        # a period not computed, an address edited by hand: the page, never an error
        office = browser("office")
        first = office.get("/evaluation/scores/?year=2026&quarter=1").content.decode()
        assert (
            'id="compute-button"' in first and 'id="scores"' in first and f'data-unit="{fgw.pk}"' not in first
        )
        assert office.get("/evaluation/scores/?year=abc&quarter=9").status_code == 200


def test_the_facts_page_shows_each_indicator_and_is_scoped(browser, world, scored):
    fgw = world.departments["fgw"]
    with time_machine.travel(NOVEMBER, tick=False):
        page = browser("office").get(f"/evaluation/scores/{fgw.pk}/facts/?year=2026&quarter=3")
        assert page.status_code == 200
        html = page.content.decode()
        assert 'data-indicator="sign_for"' in html and 'data-indicator="completion"' in html
        assert (
            browser("fgw_head").get(f"/evaluation/scores/{fgw.pk}/facts/?year=2026&quarter=3").status_code
            == 200
        )
        assert (
            browser("jyj_head").get(f"/evaluation/scores/{fgw.pk}/facts/?year=2026&quarter=3").status_code
            == 404
        )


def test_compute_now_queues_the_run_for_the_office_only(browser, world, government):
    with time_machine.travel(NOVEMBER, tick=False):
        assert (
            browser("fgw_head")
            .post("/evaluation/scores/compute/", {"year": "2026", "quarter": "4"})
            .status_code
            == 403
        )
        response = browser("office").post("/evaluation/scores/compute/", {"year": "2026", "quarter": "4"})
        assert response.status_code == 302
        from ducha.evaluation.models import ScoreRun

        assert ScoreRun.objects.filter(government=government, year=2026, quarter=4).exists()
        not_begun = browser("office").post("/evaluation/scores/compute/", {"year": "2027", "quarter": "1"})
        assert not_begun.status_code == 409
        assert not ScoreRun.objects.filter(year=2027).exists()


def test_the_weights_must_add_up_to_100(browser, world, government):
    from ducha.evaluation.indicators import DEFAULT_WEIGHTS

    assert browser("fgw_head").get("/evaluation/scheme/").status_code == 403
    assert browser("leader").get("/evaluation/scheme/").status_code == 200
    assert browser("leader").post("/evaluation/scheme/", dict(DEFAULT_WEIGHTS)).status_code == 403
    office = browser("office")
    assert office.get("/evaluation/scheme/").status_code == 200
    wrong = {**DEFAULT_WEIGHTS, "sign_for": DEFAULT_WEIGHTS["sign_for"] + 5}
    response = office.post("/evaluation/scheme/", wrong)
    assert response.status_code == 400 and 'data-code="evaluation_weights_sum"' in response.content.decode()
    assert not Scheme.objects.exists()
    assert office.post("/evaluation/scheme/", {**DEFAULT_WEIGHTS, "sign_for": "x"}).status_code == 400
    assert office.post("/evaluation/scheme/", dict(DEFAULT_WEIGHTS)).status_code == 302
    assert Scheme.objects.get(government=government).weights == DEFAULT_WEIGHTS


# --- reports to the level above -------------------------------------------------------------------------------------


def test_a_report_is_generated_approved_by_another_submitted_and_rolled_up_above(browser, world, government):
    with time_machine.travel(NOVEMBER, tick=False):
        assert browser("fgw_head").get("/evaluation/reports/").status_code == 403
        office = browser("office")
        assert office.get("/evaluation/reports/").status_code == 200
        bad = office.post(
            "/evaluation/reports/generate/", {"period": "quarter", "year": "2026", "number": "5"}
        )
        assert bad.status_code == 400 and not PeriodReport.objects.exists()
        response = office.post(
            "/evaluation/reports/generate/", {"period": "quarter", "year": "2026", "number": "3"}
        )
        report = PeriodReport.objects.get(government=government)
        assert response.status_code == 302 and response["Location"] == f"/evaluation/reports/{report.pk}/"
        detail = office.get(f"/evaluation/reports/{report.pk}/").content.decode()
        assert 'data-figure="items_assigned"' in detail and report.summary[:10] in detail

        # the one who generated it does not approve it
        assert office.post(f"/evaluation/reports/{report.pk}/approve/").status_code == 403
        report.refresh_from_db()
        assert report.status == PeriodReportStatus.DRAFT
        assert office.post(f"/evaluation/reports/{report.pk}/submit/").status_code == 409
        assert browser("office2").post(f"/evaluation/reports/{report.pk}/approve/").status_code == 302
        report.refresh_from_db()
        assert report.status == PeriodReportStatus.APPROVED
        # the city does not see it before it is submitted
        assert browser("city_office").get(f"/evaluation/reports/{report.pk}/").status_code == 404
        office = browser("office")
        assert office.post(f"/evaluation/reports/{report.pk}/submit/").status_code == 302
        report.refresh_from_db()
        assert report.status == PeriodReportStatus.SUBMITTED

        download = office.get(f"/evaluation/reports/{report.pk}.xlsx")
        assert download.status_code == 200 and download.content[:2] == b"PK"
        assert download["Content-Type"].startswith("application/vnd.openxmlformats")

        city = browser("city_office")
        received = city.get("/evaluation/reports/received/").content.decode()
        assert f'data-report="{report.pk}"' in received and 'id="rollup"' in received
        assert city.get(f"/evaluation/reports/{report.pk}/").status_code == 200
        assert 'id="approve-button"' not in city.get(f"/evaluation/reports/{report.pk}/").content.decode()
        assert city.get("/evaluation/reports/received.xlsx").content[:2] == b"PK"
        assert browser("fgw_head").get(f"/evaluation/reports/{report.pk}.xlsx").status_code == 404
