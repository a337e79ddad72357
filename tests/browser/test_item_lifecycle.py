"""One item from 立项 to 归档 entirely through the web UI, each step by the demo account who takes it in real life;
signing on a phone-size screen; signing with the keyboard alone."""

from __future__ import annotations

import re

import pytest
from django.utils.translation import pgettext
from playwright.sync_api import Page, expect

from ducha.items.lifecycle import ItemStatus
from ducha.items.models import Assignment, Item, Report
from ducha.reminders import selectors as reminder_selectors
from tests.helpers import item_in

ITEM_URL = re.compile(r"/items/(\d+)/(#.*)?$")


def status(page: Page, expected: str) -> None:
    expect(page.locator("#item-status")).to_have_attribute("data-status", expected)


def open_item_from_todo(page: Page, section: str, item_id: int) -> None:
    page.goto("/")
    page.locator(f"#todo-{section}-{item_id} .c-title a").click()
    page.wait_for_url(ITEM_URL)


def submit_action(page: Page, action: str) -> None:
    page.locator(f'[data-submit="{action}"]').click()
    page.wait_for_load_state()


def test_an_item_from_proposal_to_archive_through_the_ui(page_for, screenshot, world):
    # 立项: the office fills in the form and submits it for approval
    office = page_for("office")
    office.locator("#new-item").click()
    office.fill("#id_title", "推进县城智慧停车系统建设")
    office.select_option("#id_source_type", "meeting_decision")
    expect(office.locator("#source-hint")).not_to_be_empty()
    office.fill("#id_source_reference", "县政府第20次常务会议（2026年11月）")
    office.fill("#id_content", "在县城主要街道建设智慧停车系统，新增公共停车泊位500个。")
    office.select_option("#id_lead_unit", label="县发展和改革局")
    office.select_option("#id_co-0-unit", label="县教育局")
    office.fill("#id_co-0-share", "30")
    office.fill("#id_co-0-share_note", "负责学校周边停车秩序")
    office.fill("#id_deadline_workdays", "20")
    office.locator("#id_deadline_workdays").blur()
    expect(office.locator("#deadline-preview .preview")).to_have_attribute("data-workdays", "20")
    screenshot(office, "1-create-form")
    office.locator('button[name="intent"][value="submit"]').click()
    office.wait_for_url(ITEM_URL)
    status(office, ItemStatus.PENDING_APPROVAL)
    item = Item.objects.get(title="推进县城智慧停车系统建设")
    item_url = f"/items/{item.pk}/"
    assert {(a.unit.name, a.role, a.share) for a in item.assignments.select_related("unit")} == {
        ("县发展和改革局", "lead", None),
        ("县教育局", "co", 30),
    }

    # the leader approves from the to-do list
    leader = page_for("leader")
    open_item_from_todo(leader, "approval", item.pk)
    leader.fill("#id_approve-comment", "同意立项。")
    submit_action(leader, "approve")
    status(leader, ItemStatus.REGISTERED)
    expect(leader.locator("#item-number")).to_have_text(re.compile(r"督〔\d{4}〕\d+号"))

    # 交办: the office assigns it
    office.goto(item_url)
    submit_action(office, "assign")
    status(office, ItemStatus.ASSIGNED)

    # 签收: the lead unit's handler signs from the to-do list, one click
    fgw = page_for("fgw")
    screenshot(fgw, "2-fgw-todo")
    fgw.locator(f'#todo-sign-{item.pk} [data-action="sign"]').click()
    expect(fgw.locator(f"#todo-sign-{item.pk}")).to_have_attribute("data-done", "sign")
    assert Item.objects.get(pk=item.pk).status == ItemStatus.IN_PROGRESS

    # the co-unit signs and reports its progress, from the same row
    jyj = page_for("jyj")
    jyj.locator(f'#todo-sign-{item.pk} [data-action="sign"]').click()
    row = jyj.locator(f"#todo-sign-{item.pk}")
    expect(row).to_have_attribute("data-done", "sign")
    row.locator('[data-action="progress"]').click()
    row.locator("textarea").fill("已排查县城12所学校周边停车需求，配合方案已报牵头单位。")
    row.locator('[data-action="progress-submit"]').click()
    expect(jyj.locator(f"#todo-sign-{item.pk}")).to_have_attribute("data-done", "progress")

    # the lead reports progress in at most three clicks from its to-do list
    fgw.goto("/")
    row = fgw.locator(f"#todo-in_hand-{item.pk}")
    row.locator('[data-action="progress"]').click()  # 1: opens the inline form
    textarea = row.locator("textarea")
    expect(textarea).to_be_visible()
    textarea.fill("已完成选址和方案设计，正在招标。")
    screenshot(fgw, "3-fgw-progress-inline")
    row.locator('[data-action="progress-submit"]').click()  # 2: submits it
    expect(fgw.locator(f"#todo-in_hand-{item.pk}")).to_have_attribute("data-done", "progress")
    assert list(Report.objects.filter(item=item).values_list("text", flat=True)) == [
        "已排查县城12所学校周边停车需求，配合方案已报牵头单位。",
        "已完成选址和方案设计，正在招标。",
    ]

    # and files the completion report on the item page, beside the co-unit's latest input
    fgw.goto(item_url)
    expect(fgw.locator("#action-report .others-progress")).to_contain_text("已排查县城12所学校")
    fgw.fill("#id_report-text", "智慧停车系统已建成投用，新增泊位512个，群众满意度96%。")
    submit_action(fgw, "report")
    status(fgw, ItemStatus.IN_PROGRESS)
    screenshot(fgw, "4-fgw-item-reported")

    # the unit head checks it and sends it up
    head = page_for("fgw_head")
    open_item_from_todo(head, "head_check", item.pk)
    head.fill("#id_report_approve-comment", "情况属实。")
    submit_action(head, "report_approve")
    status(head, ItemStatus.UNDER_REVIEW)

    # 审核: the office reviews with the four checks
    office.goto("/")
    expect(office.locator(f"#todo-review-{item.pk}")).to_be_visible()
    office.goto(item_url)
    for check in ("task_completed", "problem_solved", "conclusion_appropriate", "lawful_compliant"):
        office.check(f"#id_review-{check}")
    office.fill("#id_review-opinion", "经核查，任务已完成，同意办结。")
    accept = office.locator('[data-submit="review"][data-outcome="accept"]')
    expect(accept).to_have_text(str(pgettext("review button", "Accept")))
    expect(office.locator('[data-submit="review"][data-outcome="return"]')).to_have_text(
        str(pgettext("review button", "Return to be redone"))
    )
    screenshot(office, "5-office-review")
    accept.click()
    office.wait_for_load_state()
    status(office, ItemStatus.ACCEPTED)

    # 办结: the leader closes it; 归档: the office archives it
    leader.goto(item_url)
    submit_action(leader, "close")
    status(leader, ItemStatus.CLOSED)
    office.goto(item_url)
    submit_action(office, "archive")
    status(office, ItemStatus.ARCHIVED)
    expect(office.locator("#timeline li")).to_have_count(len(reminder_selectors.item_timeline(item)))
    screenshot(office, "6-archived")


@pytest.fixture
def assigned(world):
    return item_in(world, ItemStatus.ASSIGNED, title="整治城区占道经营")


def test_signing_on_a_phone(page_for, screenshot, assigned):
    page = page_for("fgw", phone=True)
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    screenshot(page, "todo")

    page.locator(f'#todo-sign-{assigned.pk} [data-action="sign"]').click()

    expect(page.locator(f"#todo-sign-{assigned.pk}")).to_have_attribute("data-done", "sign")
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    assert Assignment.objects.get(item=assigned, role="lead").signed_at is not None
    page.goto(f"/items/{assigned.pk}/")
    status(page, ItemStatus.IN_PROGRESS)
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    screenshot(page, "item")


def test_signing_with_the_keyboard(page_for, assigned):
    page = page_for("fgw")
    target = f'#todo-sign-{assigned.pk} [data-action="sign"]'

    for _ in range(60):
        page.keyboard.press("Tab")
        if page.evaluate(f"document.activeElement === document.querySelector('{target}')"):
            break
    else:
        pytest.fail("the sign button cannot be reached with Tab")
    outline = page.evaluate("getComputedStyle(document.activeElement).outlineStyle")
    assert outline != "none"  # the focus is visible
    page.keyboard.press("Enter")

    expect(page.locator(f"#todo-sign-{assigned.pk}")).to_have_attribute("data-done", "sign")
    assert Item.objects.get(pk=assigned.pk).status == ItemStatus.IN_PROGRESS
