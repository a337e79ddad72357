"""The year's ledger in a real browser, its three steps: 年初建账 (the office opens 2026, picks the tasks and
submits; the leader approves; a unit confirms its list in one click), 年中查账 (the office runs the mid-year
check, the report shows, the unit explains a late task) and 年终结账 (closing with an unsettled task is refused in
words, the task is carried over with its reason, the year closes and its frozen digest is shown, intact).

The live server shares this process's clock: each test pins a day of 2026 (time_machine marker, ticking), and what
must have happened earlier is set up with the services on an earlier day, before anyone signs in."""

from __future__ import annotations

import datetime
import re

import pytest
import time_machine
from django.utils import translation
from playwright.sync_api import expect

from ducha.evaluation import ledger as ledger_services
from ducha.evaluation.models import ExplanationRequest, LedgerStatus, LedgerYear
from ducha.items.lifecycle import ItemStatus
from tests.clock import moment
from tests.helpers import advance, make_item

MARCH = moment(2026, 3, 2, 9)


def tasks_of_the_year(world) -> dict:
    """On 2 March 2026: a work report task due 30 June and a livelihood project due 20 December, led by the 发改局
    and assigned."""
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
        }
        for item in items.values():
            advance(world, item, ItemStatus.ASSIGNED)
    return items


def ledger_confirmed(world) -> LedgerYear:
    """The 2026 ledger opened, picked, approved and confirmed by the 发改局 on 2 March."""
    tasks_of_the_year(world)
    government = world.user("office").unit.government
    with time_machine.travel(MARCH, tick=False):
        ledger = ledger_services.ledger_open(
            actor=world.user("office"), government_id=government.pk, year=2026
        )
        ledger_services.ledger_entries_add(actor=world.user("office"), ledger_id=ledger.pk)
        ledger_services.ledger_submit(actor=world.user("office"), ledger_id=ledger.pk)
        ledger_services.ledger_approve(actor=world.user("leader"), ledger_id=ledger.pk)
        ledger_services.ledger_confirm(actor=world.user("fgw_head"), ledger_id=ledger.pk)
    return ledger


@pytest.mark.time_machine(MARCH)
def test_at_the_start_of_the_year_the_office_opens_the_leader_approves_and_a_unit_confirms(
    page_for, screenshot, world
):
    tasks_of_the_year(world)
    office = page_for("office")
    office.click('nav.main-nav [data-nav="evaluation"]')
    office.wait_for_url(re.compile(r"/evaluation/ledgers/$"))
    office.fill("#open-year", "2026")
    office.click("#open-button")
    office.wait_for_url(re.compile(r"/evaluation/ledgers/\d+/$"))
    ledger = LedgerYear.objects.get(year=2026)
    expect(office.locator("#ledger-status")).to_have_attribute("data-status", LedgerStatus.DRAFT)

    office.click("#pick-button")
    expect(office.locator("#entries tr[data-entry]")).to_have_count(2)
    expect(office.locator("#entries")).to_contain_text("民生实事项目")
    screenshot(office, "1-picked")
    office.click("#submit-button")
    expect(office.locator("#ledger-status")).to_have_attribute("data-status", LedgerStatus.PENDING_APPROVAL)

    leader = page_for("leader")
    leader.goto(f"/evaluation/ledgers/{ledger.pk}/")
    leader.click("#approve-button")
    expect(leader.locator("#ledger-status")).to_have_attribute("data-status", LedgerStatus.OPEN)

    unit = page_for("fgw_head")
    unit.click('nav.main-nav [data-nav="evaluation"]')
    unit.click(f'#ledgers tr[data-ledger="{ledger.pk}"] a')
    unit.wait_for_url(re.compile(rf"/evaluation/ledgers/{ledger.pk}/$"))
    expect(unit.locator("#entries tr[data-entry]")).to_have_count(2)
    unit.click("#confirm-button")
    expect(unit.locator("#own-confirmation")).to_have_attribute("data-status", "confirmed")
    expect(unit.locator("#confirm-button")).to_have_count(0)
    screenshot(unit, "2-confirmed")
    assert ledger.confirmations.get(unit=world.departments["fgw"]).status == "confirmed"


@pytest.mark.time_machine(moment(2026, 7, 6, 9))
def test_at_mid_year_the_office_checks_and_the_unit_explains_a_late_task(page_for, screenshot, world):
    ledger = ledger_confirmed(world)
    office = page_for("office")
    office.goto(f"/evaluation/ledgers/{ledger.pk}/")
    office.click("#check-button")
    expect(office.locator("#check-report")).to_be_visible()
    expect(office.locator("#check-report")).to_contain_text("2026")
    expect(office.locator(f'#check-units tr[data-unit="{world.departments["fgw"].pk}"]')).to_be_visible()
    screenshot(office, "1-checked")

    late = ExplanationRequest.objects.get(entry__item__title="年度工作报告任务")
    unit = page_for("fgw_head")
    unit.goto(f"/evaluation/ledgers/{ledger.pk}/")
    card = unit.locator(f"#explanation-{late.pk}")
    expect(card).to_have_attribute("data-answered", "no")
    card.locator("textarea[name=answer]").fill("资金到位较晚，9月底前完成")
    card.locator("button").click()
    expect(unit.locator(f"#explanation-{late.pk}")).to_have_attribute("data-answered", "yes")
    expect(unit.locator(f"#explanation-{late.pk} .answer")).to_have_text("资金到位较晚，9月底前完成")
    screenshot(unit, "2-explained")


@pytest.mark.time_machine(moment(2026, 12, 28, 10))
def test_at_the_end_of_the_year_an_unsettled_task_is_refused_then_carried_over_and_the_year_closed(
    page_for, screenshot, world
):
    ledger = ledger_confirmed(world)
    office = page_for("office")
    office.goto(f"/evaluation/ledgers/{ledger.pk}/")

    office.click("#close-button")
    refusal = office.locator('#cycle .refusal[data-code="ledger_unsettled"]')
    expect(refusal).to_be_visible()
    with translation.override("zh-hans"):
        expected = translation.gettext(
            "%(count)s tasks are not settled: each must be done, carried over with a reason or withdrawn with approval."
        ) % {"count": 2}
    expect(refusal).to_contain_text(expected)
    screenshot(office, "1-refused")
    ledger.refresh_from_db()
    assert ledger.status == LedgerStatus.OPEN

    for entry_id in ledger.entries.values_list("pk", flat=True):
        row = office.locator(f"#entry-{entry_id}")
        row.locator(".carry-form input[name=reason]").fill("跨年度实施，明年继续推进")
        row.locator(".carry-form button").click()
        expect(office.locator(f"#entry-{entry_id}")).to_have_attribute("data-settlement", "carried_over")

    office.click("#close-button")
    expect(office.locator("#ledger-status")).to_have_attribute("data-status", LedgerStatus.CLOSED)
    ledger.refresh_from_db()
    expect(office.locator("#frozen-digest")).to_have_text(ledger.frozen_digest)
    expect(office.locator("#frozen-intact")).to_have_attribute("data-intact", "yes")
    assert re.fullmatch(r"[0-9a-f]{64}", ledger.frozen_digest)
    screenshot(office, "2-closed")
