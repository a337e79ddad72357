"""Through the web UI: (a) an item the county office handles itself — the office signs for it and reports, the
leader checks the report as the unit head would, the other office account reviews it; (b) a city item handed down
to the county — the county office signs for it and passes it on, the county's unit works and reports, the county
closes its part, and the report goes back up to the city, which reviews and closes it."""

from __future__ import annotations

from playwright.sync_api import Page, expect

from ducha.items import services
from ducha.items.lifecycle import ItemStatus
from ducha.items.models import Item
from tests.helpers import advance
from tests.items.test_handdown import city_item


def status(page: Page, expected: str) -> None:
    expect(page.locator("#item-status")).to_have_attribute("data-status", expected)


def act(page: Page, url: str, action: str, fields: dict[str, str] | None = None) -> None:
    """Open the item page, fill the action's form (unfolding it when folded) and submit it."""
    page.goto(url)
    panel = page.locator(f"#action-{action}")
    if panel.locator("details").count():
        panel.locator("summary").click()
    for selector, value in (fields or {}).items():
        if selector.endswith("-unit"):
            page.select_option(selector, value)
        else:
            page.fill(selector, value)
    page.locator(f'[data-submit="{action}"]').first.click()
    page.wait_for_load_state()


def review_accept(page: Page, url: str) -> None:
    page.goto(url)
    for check in ("task_completed", "problem_solved", "conclusion_appropriate", "lawful_compliant"):
        page.check(f"#id_review-{check}")
    page.fill("#id_review-opinion", "经审核，任务已完成，同意办结。")
    page.locator('[data-submit="review"][data-outcome="accept"]').click()
    page.wait_for_load_state()


def sign_from_todo(page: Page, section: str, item_id: int) -> None:
    page.goto("/")
    page.locator(f'#todo-{section}-{item_id} [data-action="sign"]').click()
    expect(page.locator(f"#todo-{section}-{item_id}")).to_have_attribute("data-done", "sign")


def test_the_office_handles_an_item_itself(page_for, screenshot, world):
    item = advance(
        world,
        services.item_create(
            actor=world.user("office"),
            title="县督查室直接核查拖欠企业账款",
            source_type="leader_instruction",
            lead_unit_id=world.supervision_office.pk,
        ),
        ItemStatus.ASSIGNED,
    )
    url = f"/items/{item.pk}/"
    office = page_for("office")
    screenshot(office, "1-office-todo")
    sign_from_todo(office, "handed_down_sign", item.pk)
    act(office, url, "progress", {"#id_progress-text": "已约谈三家拖欠单位。"})
    status(office, ItemStatus.IN_PROGRESS)
    act(office, url, "report", {"#id_report-text": "拖欠账款已全部清偿。"})

    leader = page_for("leader")
    act(leader, url, "report_approve", {"#id_report_approve-comment": "同意上报。"})
    status(leader, ItemStatus.UNDER_REVIEW)

    office2 = page_for("office2")
    review_accept(office2, url)
    status(office2, ItemStatus.ACCEPTED)
    screenshot(office2, "2-accepted")
    item.refresh_from_db()
    assert item.latest_progress == "已约谈三家拖欠单位。"


def test_a_city_item_goes_down_to_the_county_and_back_up(page_for, screenshot, world):
    item = city_item(world)
    url = f"/items/{item.pk}/"

    # The county office signs for it on the county's behalf, reports progress and passes it on.
    office = page_for("office")
    sign_from_todo(office, "handed_down_sign", item.pk)
    act(office, url, "progress", {"#id_progress-text": "已分解到县发改局。"})
    act(office, url, "delegate", {"#id_delegate-unit": str(world.departments["fgw"].pk)})
    child = Item.objects.get(parent=item)
    assert child.government == world.county
    child_url = f"/items/{child.pk}/"

    # The county's unit signs, reports; its head checks; the county office reviews; the county leader closes.
    fgw = page_for("fgw")
    sign_from_todo(fgw, "sign", child.pk)
    act(fgw, child_url, "report", {"#id_report-text": "已完成。"})
    act(page_for("fgw_head"), child_url, "report_approve", {"#id_report_approve-comment": "情况属实。"})
    review_accept(office, child_url)
    leader = page_for("leader")
    act(leader, child_url, "close")
    status(leader, ItemStatus.CLOSED)

    # The city follows it on the parent's page.
    city = page_for("city_office")
    city.goto(url)
    expect(city.locator("main")).to_contain_text(child.number)

    # Back up: the county office files the report, the county leader checks it, the city reviews and closes.
    act(office, url, "report", {"#id_report-text": "已全部完成。"})
    act(leader, url, "report_approve", {"#id_report_approve-comment": "同意上报市政府。"})
    status(leader, ItemStatus.UNDER_REVIEW)
    office.goto(url)
    expect(office.locator("#action-review")).to_have_count(0)  # the county does not review the city's item
    review_accept(city, url)
    status(city, ItemStatus.ACCEPTED)
    city_leader = page_for("city_leader")
    act(city_leader, url, "close")
    status(city_leader, ItemStatus.CLOSED)
    screenshot(city_leader, "closed")
