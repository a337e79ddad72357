"""Inspections in a real browser, the main path through the pages as the demo accounts: annual plan → inspection →
finding → conclusion → objection → review → rectification → verification, with screenshots along the way; and an
unannounced visit that its target cannot find until it ends."""

from __future__ import annotations

import datetime

from django.utils import timezone

from ducha.inspections.models import Inspection
from tests.inspections.helpers import PLAN_TEXTS, inspection_in

PHOTO = b"\x89PNG\r\n\x1a\n a photo of gas cylinders stored in a stairwell"


def status_of(page) -> str:
    return page.locator("#inspection-status").get_attribute("data-status")


def open_details(page, selector: str) -> None:
    details = page.locator(selector)
    if details.get_attribute("open") is None:
        details.locator("summary").click()


def test_plan_to_verification_in_the_browser(page_for, screenshot, world):
    today = timezone.localdate()
    start = today + datetime.timedelta(days=3)
    year = start.year

    # the office opens the year's plan, with last year's count
    office = page_for("office")
    office.goto(f"/inspections/plan/{year}/")
    office.fill("#create-plan-form input[name=baseline_count]", "8")
    office.click("#create-plan-form button")
    assert office.locator("#plan-status").get_attribute("data-status") == "drafting"

    # 住建局 proposes an inspection of 城关镇
    department = page_for("zjj_head")
    department.goto(f"/inspections/plan/{year}/")
    form = department.locator("#propose-form")
    form.locator("input[name=topic]").fill("燃气安全专项督查")
    form.locator("textarea[name=reason]").fill("燃气安全隐患排查整治")
    form.locator("input[name=start_date]").fill(start.isoformat())
    form.locator("input[name=end_date]").fill((start + datetime.timedelta(days=7)).isoformat())
    form.locator(f"input[name=targets][value='{world.townships['cgz'].pk}']").check()
    form.locator("button").click()
    assert department.locator("table.insp-table tbody tr[data-status=proposed]").count() == 1

    # the office accepts it and submits the plan; the head of the county approves
    office.goto(f"/inspections/plan/{year}/")
    office.locator(".decide-form button").click()
    office.click("#plan-submit")
    head = page_for("county_head")
    head.goto(f"/inspections/plan/{year}/")
    head.click("#plan-approve")
    assert head.locator("#plan-status").get_attribute("data-status") == "approved"
    assert head.locator("#planned").inner_text() == "1"
    screenshot(head, "1-plan-approved")
    inspection = Inspection.objects.get(topic="燃气安全专项督查")

    # the office completes the 方案 and the team, and submits it
    office.goto(f"/inspections/{inspection.pk}/")
    assert status_of(office) == "proposed"
    open_details(office, "#edit-box")
    for name, text in PLAN_TEXTS.items():
        office.fill(f"#update-form textarea[name={name}]", text)
    office.click("#update-form button[type=submit]")
    for username, role in (("zjj_head", "leader"), ("office", "member")):
        open_details(office, "#team-add-box")
        office.select_option("#team-add-form select[name=user]", str(world.user(username).pk))
        office.select_option("#team-add-form select[name=role]", role)
        office.check("#team-add-form input[name=is_trained]")
        office.click("#team-add-form button[type=submit]")
    assert office.locator("#team tbody tr[data-member]").count() == 2
    office.click("#action-submit")
    assert status_of(office) == "pending_approval"
    screenshot(office, "2-inspection-submitted")

    # the leader approves it
    leader = page_for("leader")
    leader.goto(f"/inspections/{inspection.pk}/")
    leader.click("#action-approve")
    assert status_of(leader) == "approved"

    # fieldwork: start, a finding with a photo, finish
    office.goto(f"/inspections/{inspection.pk}/")
    office.click("#action-start")
    assert status_of(office) == "in_fieldwork"
    finding = office.locator("#finding-form")
    finding.locator("input[name=title]").fill("楼道堆放液化气钢瓶")
    finding.locator("textarea[name=description]").fill("幸福小区3号楼楼道堆放液化气钢瓶5个。")
    finding.locator("input[name=place]").fill("幸福小区3号楼")
    finding.locator("input[name=rectification_due_date]").fill(
        (today + datetime.timedelta(days=40)).isoformat()
    )
    finding.locator("input[name=is_rebound_prone]").check()
    finding.locator("button[type=submit]").click()
    card = office.locator("article[id^=finding-]").first
    card.locator("input[type=file]").set_input_files(
        {"name": "stairwell.png", "mimeType": "image/png", "buffer": PHOTO}
    )
    card.locator(".evidence-form button").click()
    assert office.locator("article[id^=finding-] .insp-evidence li").count() == 1
    screenshot(office, "3-finding-with-evidence")
    office.click("#action-finish")
    assert status_of(office) == "concluding"

    # the conclusion: drafted, submitted, approved by the head, issued
    conclusion = office.locator("#conclusion-form")
    conclusion.locator("textarea[name=facts]").fill("城关镇幸福小区楼道堆放液化气钢瓶，消防通道受阻。")
    conclusion.locator("textarea[name=judgement]").fill("燃气安全监管不到位，限期整改。")
    conclusion.locator("button").click()
    office.locator(".conclusion-submit").click()
    head.goto(f"/inspections/{inspection.pk}/")
    head.locator(".conclusion-approve").click()
    office.goto(f"/inspections/{inspection.pk}/")
    office.locator(".conclusion-issue").click()
    assert status_of(office) == "rectifying"

    # the target acknowledges and objects within 30 days
    target = page_for("cgz_head")
    target.goto("/inspections/")
    target.locator("[data-todo=acknowledge] a").click()
    target.locator(".conclusion-acknowledge").click()
    deadline = target.locator(".objection-deadline").inner_text()
    assert deadline == (today + datetime.timedelta(days=30)).isoformat()
    target.fill(".objection-form textarea[name=reasons]", "钢瓶系商户临时存放，已当场清理。")
    target.locator(".objection-form button").click()
    assert target.locator("article[id^=conclusion-]").get_attribute("data-status") == "under_review"
    screenshot(target, "4-objection-filed")

    # the office assigns a reviewer who took no part; a team member is refused
    office.goto(f"/inspections/{inspection.pk}/")
    office.select_option(".reviewers-form select", [str(world.user("office").pk)])
    office.locator(".reviewers-form button").click()
    assert office.locator(".message.error").count() == 1
    office.select_option(".reviewers-form select", [str(world.user("office2").pk)])
    office.locator(".reviewers-form button").click()
    reviewer = page_for("office2")
    reviewer.goto("/inspections/")
    reviewer.locator("[data-todo=review-decide] a").click()
    reviewer.select_option(".review-decide-form select[name=outcome]", "upheld")
    reviewer.fill(".review-decide-form textarea[name=decision]", "经复核，维持原结论。")
    reviewer.locator(".review-decide-form button").click()
    assert reviewer.locator(".review-outcome").get_attribute("data-outcome") == "upheld"
    screenshot(reviewer, "5-review-decided")

    # rectification: the target plans and reports it complete
    target.goto("/inspections/")
    target.locator("[data-todo=rectify] a").click()
    target.fill(".rect-plan-form textarea[name=plan]", "清理钢瓶，建立楼道巡查制度。")
    target.locator(".rect-plan-form button").click()
    target.fill(".rect-report-form input[name=text]", "钢瓶已全部清理，巡查制度已建立。")
    target.locator(".rect-report-form button").click()
    assert target.locator("article[id^=rectification-]").get_attribute("data-status") == "reported"

    # verification and closing by the office
    office.goto("/inspections/")
    office.locator("[data-todo=verify] a").first.click()
    office.fill(".rect-verify-form textarea[name=note]", "实地核查，楼道已清理。")
    office.locator(".rect-verify-form button[value='1']").click()
    office.locator(".rect-close").click()
    assert office.locator("article[id^=rectification-]").get_attribute("data-status") == "closed"
    screenshot(office, "6-rectification-closed")
    office.goto(f"/inspections/{inspection.pk}/report/")
    assert "楼道堆放液化气钢瓶" in office.locator("#inspection-report").inner_text()
    screenshot(office, "7-report")


def test_the_target_cannot_find_an_unannounced_visit_until_it_ends(page_for, screenshot, world):
    inspection = inspection_in(world, "in_fieldwork", kind="unannounced", topic="农贸市场食品安全暗访")
    target = page_for("cgz_head")
    target.goto("/inspections/")
    assert "农贸市场食品安全暗访" not in target.content()
    response = target.goto(f"/inspections/{inspection.pk}/")
    assert response.status == 404
    screenshot(target, "target-sees-nothing")
    office = page_for("office")
    office.goto(f"/inspections/{inspection.pk}/")
    office.click("#action-finish")
    target.goto("/inspections/")
    assert "农贸市场食品安全暗访" in target.content()
    screenshot(target, "target-sees-it-after")


def test_the_inspection_page_fits_a_phone(page_for, screenshot, world):
    inspection = inspection_in(world, "rectifying")
    page = page_for("cgz_head", phone=True)
    page.goto(f"/inspections/{inspection.pk}/")
    assert page.evaluate("document.documentElement.scrollWidth") <= page.evaluate("window.innerWidth")
    screenshot(page, "phone")
