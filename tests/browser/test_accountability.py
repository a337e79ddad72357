"""The accountability ladder in a real browser: the office runs the triggers and accepts a criticism proposal, the
leader approves the sanction; a bulletin goes from the office's draft through the leader's approval to its issue,
and the criticised unit's causes-and-fixes item is shown; a vetoed commendation names the sanction and the leader
overrides it with a reason.

The live server shares this process's clock: each test pins 18 November 2026 (time_machine marker, ticking), and
what must have happened earlier is set up with the services before anyone signs in."""

from __future__ import annotations

import datetime
import re

import pytest
from playwright.sync_api import expect

from ducha.accountability import services
from ducha.accountability.models import (
    Bulletin,
    BulletinStatus,
    Commendation,
    CommendationStatus,
    FactKind,
    Proposal,
    Sanction,
    SanctionStatus,
)
from ducha.accountability.triggers import triggers_run
from tests.clock import moment

NOVEMBER = moment(2026, 11, 18, 10)


def criticised(world, kind=FactKind.CRITICISED_BY_LEADER) -> None:
    """The office recorded on 2 November that the 发改局's work was criticised by the county head."""
    services.fact_record(
        actor=world.user("office"),
        unit_id=world.departments["fgw"].pk,
        kind=kind,
        occurred_on=datetime.date(2026, 11, 2),
        description="县长在常务会议上点名批评项目推进迟缓",
    )


@pytest.mark.time_machine(NOVEMBER)
def test_the_office_runs_the_triggers_accepts_a_criticism_and_the_leader_approves(
    page_for, screenshot, world
):
    criticised(world)
    office = page_for("office")
    office.click('nav.main-nav [data-nav="accountability"]')
    office.wait_for_url(re.compile(r"/accountability/proposals/$"))
    office.click("#run-button")
    row = office.locator('#proposals tr[data-rule="criticised_by_leader"]')
    expect(row).to_be_visible()
    expect(row).to_contain_text("此项工作被县政府主要领导批评")
    expect(row).to_contain_text("县长在常务会议上点名批评项目推进迟缓")
    screenshot(office, "1-proposed")
    row.locator(".accept-form input[name=person]").fill("李建国")
    row.locator(".accept-form input[name=follow_up_due]").fill("2026-12-18")
    row.locator(".accept-form button").click()
    office.wait_for_url(re.compile(r"/accountability/sanctions/\d+/$"))
    expect(office.locator("#sanction-status")).to_have_attribute(
        "data-status", SanctionStatus.PENDING_APPROVAL
    )
    sanction = Sanction.objects.get(proposal=Proposal.objects.get(rule="criticised_by_leader"))

    leader = page_for("leader")
    leader.goto(f"/accountability/sanctions/{sanction.pk}/")
    leader.locator("#approve-form input[name=comment]").fill("同意通报批评")
    leader.click("#approve-button")
    expect(leader.locator("#sanction-status")).to_have_attribute("data-status", SanctionStatus.IN_FORCE)
    screenshot(leader, "2-approved")

    unit = page_for("fgw_head")
    unit.click('nav.main-nav [data-nav="accountability"]')
    expect(unit.locator(f'#sanctions tr[data-sanction="{sanction.pk}"]')).to_be_visible()
    sanction.refresh_from_db()
    assert sanction.status == SanctionStatus.IN_FORCE and sanction.person == "李建国"


@pytest.mark.time_machine(NOVEMBER)
def test_a_bulletin_is_drafted_approved_and_issued_with_the_causes_and_fixes_item(
    page_for, screenshot, world
):
    fgw = world.departments["fgw"]
    office = page_for("office")
    office.goto("/accountability/bulletins/")
    office.select_option("#draft-kind", "criticism")
    office.click("#draft-button")
    office.wait_for_url(re.compile(r"/accountability/bulletins/\d+/$"))
    bulletin = Bulletin.objects.get()
    expect(office.locator("#bulletin-status")).to_have_attribute("data-status", BulletinStatus.DRAFT)

    office.fill("#edit-title", "关于发改局督查事项办理迟缓的通报")
    first = office.locator("#edit-units .named-row").first
    first.locator("select[name=unit]").select_option(str(fgw.pk))
    first.locator("select[name=role]").select_option("criticised")
    office.fill("#edit-fixes-due", "2026-11-30")
    office.click("#save-button")
    expect(office.locator(f'#named tr[data-unit="{fgw.pk}"]')).to_have_attribute("data-role", "criticised")
    office.click("#submit-button")
    expect(office.locator("#bulletin-status")).to_have_attribute(
        "data-status", BulletinStatus.PENDING_APPROVAL
    )

    leader = page_for("leader")
    leader.goto(f"/accountability/bulletins/{bulletin.pk}/")
    leader.click("#approve-button")
    expect(leader.locator("#bulletin-status")).to_have_attribute("data-status", BulletinStatus.APPROVED)

    office.reload()
    office.click("#issue-button")
    expect(office.locator("#bulletin-status")).to_have_attribute("data-status", BulletinStatus.ISSUED)
    bulletin.refresh_from_db()
    expect(office.locator("#bulletin-number")).to_have_text(bulletin.number)
    expect(office.locator("#document-page-link")).to_be_visible()
    fixes = bulletin.units.get(unit=fgw).fixes_item
    link = office.locator(f'#named tr[data-unit="{fgw.pk}"] a.fixes-item')
    expect(link).to_have_attribute("href", f"/items/{fixes.pk}/")
    expect(office.locator(f'#named tr[data-unit="{fgw.pk}"] .fixes-status')).to_have_attribute(
        "data-status", fixes.status
    )
    screenshot(office, "1-issued")

    unit = page_for("fgw_head")
    unit.goto("/accountability/bulletins/")
    unit.click(f'#bulletins tr[data-bulletin="{bulletin.pk}"] a')
    unit.locator(f'#named tr[data-unit="{fgw.pk}"] a.fixes-item').click()
    unit.wait_for_url(re.compile(rf"/items/{fixes.pk}/$"))
    screenshot(unit, "2-fixes-item")


@pytest.mark.time_machine(NOVEMBER)
def test_a_vetoed_commendation_names_the_sanction_and_the_leader_overrides(page_for, screenshot, world):
    criticised(world, FactKind.FALSE_REPORTING)
    government = world.county
    triggers_run([government.pk], 2026)
    proposal = Proposal.objects.get(rule="false_reporting")
    services.proposal_decide(actor=world.user("office"), proposal_id=proposal.pk, accept=True)
    sanction = Sanction.objects.get(proposal=proposal)
    services.sanction_approve(actor=world.user("leader"), sanction_id=sanction.pk, approve=True)

    head = page_for("fgw_head")
    head.goto("/accountability/commendations/")
    head.fill("#propose-title", "2026年度督查工作先进单位")
    expect(head.locator("#propose-unit")).to_have_value(str(world.departments["fgw"].pk))
    head.click("#propose-button")
    commendation = Commendation.objects.get()
    expect(head.locator(f"#commendation-{commendation.pk}")).to_have_attribute("data-status", "proposed")

    office = page_for("office")
    office.goto("/accountability/commendations/")
    office.locator(f"#commendation-{commendation.pk} .vet-form button").click()
    row = office.locator(f"#commendation-{commendation.pk}")
    expect(row).to_have_attribute("data-status", CommendationStatus.VETOED)
    expect(row.locator(".veto")).to_have_attribute("data-sanction", str(sanction.pk))
    expect(row.locator(".veto a")).to_have_attribute("href", f"/accountability/sanctions/{sanction.pk}/")
    screenshot(office, "1-vetoed")

    leader = page_for("leader")
    leader.goto("/accountability/commendations/")
    row = leader.locator(f"#commendation-{commendation.pk}")
    row.locator(".override-form input[name=reason]").fill("问题已整改到位，全年工作突出")
    row.locator(".override-form button").click()
    expect(leader.locator(f"#commendation-{commendation.pk}")).to_have_attribute(
        "data-status", CommendationStatus.OVERRIDDEN
    )
    expect(leader.locator(f"#commendation-{commendation.pk} .override-reason")).to_contain_text(
        "问题已整改到位"
    )
    screenshot(leader, "2-overridden")
    commendation.refresh_from_db()
    assert commendation.override_reason == "问题已整改到位，全年工作突出"
