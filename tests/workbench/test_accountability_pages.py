"""The accountability pages with Django's test client: the proposals the triggers make and their decision, the
trigger settings, the recorded facts, the sanctions (approval, the unit's answer, the follow-up and its escalation,
referrals), the bulletins (draft → approved → issued as 公文 with the causes-and-fixes items) and the commendations
with the one-vote veto — each page for the right roles and refused (403/404) for the others; each form's effect,
and its refusals shown at the form with their code and nothing changed.

Every test runs on Wednesday 18 November 2026 (facts happen before it, follow-ups and fixes are due after it)."""

from __future__ import annotations

import datetime

import pytest
import time_machine

from ducha.accountability import services
from ducha.accountability.models import (
    Bulletin,
    BulletinRole,
    BulletinStatus,
    Commendation,
    CommendationStatus,
    FactKind,
    Proposal,
    ProposalStatus,
    RecordedFact,
    Referral,
    ReferralStatus,
    Sanction,
    SanctionStatus,
    Tier,
    TriggerSetting,
)
from ducha.accountability.triggers import ESCALATION, triggers_run
from ducha.documents.models import Document
from tests.clock import moment
from tests.helpers import make_item

NOVEMBER = moment(2026, 11, 18, 10)
EARLIER = datetime.date(2026, 11, 2)
LATER = datetime.date(2026, 12, 18)


@pytest.fixture(autouse=True)
def _november():
    with time_machine.travel(NOVEMBER, tick=False):
        yield


@pytest.fixture
def government(world):
    return world.user("office").unit.government


def record(world, kind, unit="fgw", **extra) -> RecordedFact:
    return services.fact_record(
        actor=world.user("office"),
        unit_id=world.departments[unit].pk,
        kind=kind,
        occurred_on=EARLIER,
        description=extra.pop("description", "县政府常务会议点名批评"),
        **extra,
    )


def proposal_for(world, government, kind, unit="fgw", **extra) -> Proposal:
    """The proposal the triggers make on a recorded fact."""
    fact = record(world, kind, unit, **extra)
    triggers_run([government.pk], 2026)
    return Proposal.objects.get(government=government, key=f"fact:{fact.pk}")


def sanction_for(world, government, kind, unit="fgw", approve=True, **extra) -> Sanction:
    """A sanction decided on a fact (and approved by the leader when its tier needs it)."""
    proposal = proposal_for(world, government, kind, unit, **extra)
    services.proposal_decide(
        actor=world.user("office"), proposal_id=proposal.pk, accept=True, follow_up_due=LATER
    )
    sanction = Sanction.objects.get(proposal=proposal)
    if approve and sanction.status == SanctionStatus.PENDING_APPROVAL:
        services.sanction_approve(actor=world.user("leader"), sanction_id=sanction.pk, approve=True)
        sanction.refresh_from_db()
    return sanction


def refused(response, status, code) -> bool:
    return response.status_code == status and f'data-code="{code}"' in response.content.decode()


# --- navigation and access -------------------------------------------------------------------------------------------


def test_anonymous_visitors_are_sent_to_login(client, world):
    for url in (
        "/accountability/",
        "/accountability/proposals/",
        "/accountability/sanctions/",
        "/accountability/bulletins/",
        "/accountability/commendations/",
        "/accountability/facts/",
        "/accountability/triggers/",
    ):
        response = client.get(url)
        assert response.status_code == 302 and response["Location"].startswith("/login/"), url


def test_the_navigation_offers_the_office_and_leaders_the_ladder_and_units_their_own_matters(browser, world):
    for username in ("office", "leader"):
        page = browser(username).get("/").content.decode()
        assert 'href="/accountability/" data-nav="accountability"' in page
        assert browser(username).get("/accountability/")["Location"] == "/accountability/proposals/"
    for username in ("fgw_head", "fgw_liaison", "fgw"):
        page = browser(username).get("/").content.decode()
        assert 'href="/accountability/sanctions/" data-nav="accountability"' in page
        assert browser(username).get("/accountability/")["Location"] == "/accountability/sanctions/"


@pytest.mark.parametrize(
    ("url", "allowed", "forbidden"),
    [
        ("/accountability/proposals/", ("office", "leader"), ("fgw_head", "fgw", "cgz_liaison")),
        ("/accountability/facts/", ("office", "leader"), ("fgw_head", "fgw_liaison")),
        ("/accountability/triggers/", ("office",), ("leader", "fgw_head")),
        ("/accountability/sanctions/", ("office", "leader", "fgw_head", "fgw", "cgz_liaison"), ()),
        ("/accountability/bulletins/", ("office", "leader", "fgw_head", "fgw"), ()),
        ("/accountability/commendations/", ("office", "leader", "fgw_head"), ("fgw", "fgw_liaison")),
    ],
)
def test_each_list_is_open_to_its_roles_only(browser, world, url, allowed, forbidden):
    for username in allowed:
        assert browser(username).get(url).status_code == 200, username
    for username in forbidden:
        assert browser(username).get(url).status_code == 403, username


# --- proposals -------------------------------------------------------------------------------------------------------


def test_the_office_runs_the_triggers_and_the_proposals_show_their_rule_basis_and_facts(
    browser, world, government
):
    item = make_item(world, title="城区污水管网改造")
    record(world, FactKind.CRITICISED_BY_LEADER, item_id=item.pk)
    record(world, FactKind.MEETING_LATE_LEAVE, unit="jyj", description="迟到早退")

    leader = browser("leader")
    assert 'id="run-button"' not in leader.get("/accountability/proposals/").content.decode()
    assert refused(leader.post("/accountability/proposals/run/", {"year": "2026"}), 403, "role_required")
    assert not Proposal.objects.exists()

    office = browser("office")
    assert refused(office.post("/accountability/proposals/run/", {"year": "二〇二六"}), 400, "invalid_input")
    assert not Proposal.objects.exists()
    response = office.post("/accountability/proposals/run/", {"year": "2026"})
    assert response.status_code == 302
    assert set(Proposal.objects.values_list("rule", flat=True)) == {
        "criticised_by_leader",
        "meeting_irregular",
    }
    # a second run proposes nothing new
    office.post("/accountability/proposals/run/", {"year": "2026"})
    assert Proposal.objects.count() == 2

    page = office.get("/accountability/proposals/").content.decode()
    criticism = Proposal.objects.get(rule="criticised_by_leader")
    assert f'id="proposal-{criticism.pk}"' in page
    assert "此项工作被县政府主要领导批评" in page  # the seed's words
    assert "县政府常务会议点名批评" in page and f'href="/items/{item.pk}/"' in page
    assert "城区污水管网改造" in page and "2026-11-02" in page

    only = office.get("/accountability/proposals/", {"tier": Tier.CRITICISM}).content.decode()
    assert 'data-rule="criticised_by_leader"' in only and 'data-rule="meeting_irregular"' not in only
    by_unit = office.get("/accountability/proposals/", {"unit": world.departments["jyj"].pk}).content.decode()
    assert 'data-rule="meeting_irregular"' in by_unit and 'data-rule="criticised_by_leader"' not in by_unit
    by_rule = office.get("/accountability/proposals/", {"rule": "meeting_irregular", "status": "accepted"})
    assert 'data-rule="meeting_irregular"' not in by_rule.content.decode()
    # a filter that means nothing filters nothing
    assert office.get("/accountability/proposals/", {"tier": "x", "unit": "-1"}).status_code == 200


def test_accepting_a_proposal_decides_a_sanction_and_refusals_change_nothing(browser, world, government):
    proposal = proposal_for(world, government, FactKind.CRITICISED_BY_LEADER)
    office = browser("office")
    url = f"/accountability/proposals/{proposal.pk}/accept/"

    past = office.post(url, {"person": "张三", "follow_up_due": "2026-11-01"})
    assert refused(past, 400, "invalid_input") and 'data-field="follow_up_due"' in past.content.decode()
    assert refused(office.post(url, {"follow_up_due": "明天"}), 400, "invalid_input")
    proposal.refresh_from_db()
    assert proposal.status == ProposalStatus.PROPOSED and not Sanction.objects.exists()
    assert browser("leader").post(url, {"follow_up_due": "2026-12-18"}).status_code == 403
    assert browser("fgw_head").post(url, {"follow_up_due": "2026-12-18"}).status_code == 403
    assert not Sanction.objects.exists()

    office = browser("office")
    response = office.post(url, {"person": "张三", "follow_up_due": "2026-12-18"})
    sanction = Sanction.objects.get(proposal=proposal)
    assert response.status_code == 302 and response["Location"] == f"/accountability/sanctions/{sanction.pk}/"
    assert sanction.status == SanctionStatus.PENDING_APPROVAL and sanction.person == "张三"
    assert sanction.follow_up_due == LATER and sanction.tier == Tier.CRITICISM
    # decided once only
    assert refused(office.post(url, {"follow_up_due": "2026-12-18"}), 409, "action_not_allowed_in_status")
    assert Sanction.objects.count() == 1
    assert (
        f'href="/accountability/sanctions/{sanction.pk}/"'
        in office.get("/accountability/proposals/").content.decode()
    )


def test_dismissing_needs_a_reason(browser, world, government):
    proposal = proposal_for(world, government, FactKind.MEETING_LATE_LEAVE)
    office = browser("office")
    url = f"/accountability/proposals/{proposal.pk}/dismiss/"
    assert refused(office.post(url, {"reason": " "}), 400, "reason_required")
    proposal.refresh_from_db()
    assert proposal.status == ProposalStatus.PROPOSED
    assert office.post(url, {"reason": "已请假，手续齐全"}).status_code == 302
    proposal.refresh_from_db()
    assert proposal.status == ProposalStatus.DISMISSED and proposal.reason == "已请假，手续齐全"
    assert "已请假，手续齐全" in office.get("/accountability/proposals/").content.decode()
    assert office.post(f"/accountability/proposals/{proposal.pk}/delete/").status_code == 404
    assert office.post("/accountability/proposals/99999999/accept/").status_code == 404


# --- trigger settings ------------------------------------------------------------------------------------------------


def test_the_office_switches_and_tunes_a_trigger(browser, world, government):
    office = browser("office")
    page = office.get("/accountability/triggers/").content.decode()
    assert 'id="rule-late_repeatedly"' in page and "多次不按时接收通知" in page

    bad = office.post("/accountability/triggers/late_repeatedly/", {"enabled": "on", "times": "0"})
    assert refused(bad, 400, "trigger_params_invalid") and 'data-field="times"' in bad.content.decode()
    assert refused(
        office.post("/accountability/triggers/late_repeatedly/", {"times": "许多"}),
        400,
        "trigger_params_invalid",
    )
    assert not TriggerSetting.objects.exists()
    assert (
        browser("leader").post("/accountability/triggers/late_repeatedly/", {"times": "5"}).status_code == 403
    )
    assert not TriggerSetting.objects.exists()
    assert browser("office").post("/accountability/triggers/no_such_rule/", {}).status_code == 404

    office = browser("office")
    assert (
        office.post("/accountability/triggers/late_repeatedly/", {"enabled": "on", "times": "6"}).status_code
        == 302
    )
    assert office.post("/accountability/triggers/meeting_irregular/", {}).status_code == 302
    settings = {s.rule: s for s in TriggerSetting.objects.all()}
    assert settings["late_repeatedly"].enabled and settings["late_repeatedly"].params == {"times": 6}
    assert not settings["meeting_irregular"].enabled
    page = office.get("/accountability/triggers/").content.decode()
    assert 'data-rule="meeting_irregular" data-enabled="no"' in page and 'value="6"' in page
    # a rule switched off proposes nothing
    record(world, FactKind.MEETING_LATE_LEAVE)
    office.post("/accountability/proposals/run/", {"year": "2026"})
    assert not Proposal.objects.filter(rule="meeting_irregular").exists()


# --- recorded facts --------------------------------------------------------------------------------------------------


def test_the_office_records_a_fact_and_refusals_record_nothing(browser, world, government):
    item = make_item(world, title="重点项目建设")
    office = browser("office")
    assert 'id="fact-form"' in office.get("/accountability/facts/").content.decode()
    assert 'id="fact-form"' not in browser("leader").get("/accountability/facts/").content.decode()
    fgw = str(world.departments["fgw"].pk)
    good = {
        "unit": fgw,
        "kind": FactKind.LISTED,
        "occurred_on": "2026-11-10",
        "description": "被市政府挂牌督办",
        "person": "李建国",
        "item": item.number or str(item.pk),
        "listed_by": "市政府",
    }
    assert refused(browser("leader").post("/accountability/facts/", good), 403, "role_required")
    office = browser("office")
    for change, code in [
        ({"listed_by": ""}, "text_required"),
        ({"occurred_on": "2026-11-30"}, "invalid_input"),
        ({"occurred_on": ""}, "invalid_input"),
        ({"item": "无此编号"}, "invalid_input"),
        ({"unit": str(world.city.pk)}, "unit_not_found"),
        ({"kind": "rumour"}, "invalid_input"),
        ({"description": " "}, "text_required"),
    ]:
        response = office.post("/accountability/facts/", {**good, **change})
        assert refused(response, 400, code), change
        assert "被市政府挂牌督办" in response.content.decode() or change == {"description": " "}
    assert not RecordedFact.objects.exists()

    assert office.post("/accountability/facts/", good).status_code == 302
    fact = RecordedFact.objects.get()
    assert (fact.unit_id, fact.item_id, fact.listed_by, fact.person) == (
        int(fgw),
        item.pk,
        "市政府",
        "李建国",
    )
    page = office.get("/accountability/facts/").content.decode()
    assert f'data-fact="{fact.pk}"' in page and f'href="/items/{item.pk}/"' in page


# --- sanctions -------------------------------------------------------------------------------------------------------


def test_the_leader_approves_or_refuses_a_sanction(browser, world, government):
    sanction = sanction_for(world, government, FactKind.FALSE_REPORTING, approve=False)
    url = f"/accountability/sanctions/{sanction.pk}/"
    assert 'id="approve-button"' not in browser("office").get(url).content.decode()
    assert refused(browser("office").post(url + "approve/"), 403, "role_required")
    # a unit does not see a sanction waiting for approval
    assert browser("fgw_head").get(url).status_code == 404
    assert browser("fgw_head").post(url + "approve/").status_code == 404
    leader = browser("leader")
    assert 'id="approve-button"' in leader.get(url).content.decode()
    assert refused(leader.post(url + "refuse/", {"comment": ""}), 400, "reason_required")
    sanction.refresh_from_db()
    assert sanction.status == SanctionStatus.PENDING_APPROVAL
    assert leader.post(url + "approve/", {"comment": "同意"}).status_code == 302
    sanction.refresh_from_db()
    assert sanction.status == SanctionStatus.IN_FORCE and sanction.approved_by == world.user("leader")
    assert refused(leader.post(url + "refuse/", {"comment": "不同意"}), 409, "action_not_allowed_in_status")

    other = sanction_for(world, government, FactKind.MEETING_ABSENT, unit="jyj", approve=False)
    leader.post(f"/accountability/sanctions/{other.pk}/refuse/", {"comment": "事出有因"})
    other.refresh_from_db()
    assert other.status == SanctionStatus.REFUSED


def test_the_unit_sees_its_own_sanctions_and_answers(browser, world, government):
    sanction = sanction_for(world, government, FactKind.FALSE_REPORTING)
    url = f"/accountability/sanctions/{sanction.pk}/"
    head = browser("fgw_head")
    listing = head.get("/accountability/sanctions/").content.decode()
    assert f'data-sanction="{sanction.pk}"' in listing
    page = head.get(url).content.decode()
    assert 'id="respond-form"' in page and "把关不严、弄虚作假" in page
    assert browser("jyj_head").get(url).status_code == 404
    assert (
        f'data-sanction="{sanction.pk}"'
        not in browser("jyj_head").get("/accountability/sanctions/").content.decode()
    )
    # the handler sees it but answers not for the unit
    assert 'id="respond-form"' not in browser("fgw").get(url).content.decode()
    assert refused(browser("fgw").post(url + "respond/", {"text": "检查"}), 403, "role_required")
    head = browser("fgw_liaison")
    assert refused(head.post(url + "respond/", {"text": " "}), 400, "text_required")
    sanction.refresh_from_db()
    assert sanction.unit_response == ""
    assert head.post(url + "respond/", {"text": "已深刻检查，整改措施如下"}).status_code == 302
    sanction.refresh_from_db()
    assert sanction.unit_response == "已深刻检查，整改措施如下"
    assert "已深刻检查" in browser("office").get(url).content.decode()


def test_a_failed_follow_up_proposes_the_next_tier_linked_both_ways(browser, world, government):
    sanction = sanction_for(world, government, FactKind.FALSE_REPORTING)
    url = f"/accountability/sanctions/{sanction.pk}/"
    assert refused(
        browser("leader").post(url + "follow-up/", {"improved": "no", "note": "未改"}), 403, "role_required"
    )
    office = browser("office")
    assert refused(office.post(url + "follow-up/", {"improved": "no", "note": ""}), 400, "text_required")
    sanction.refresh_from_db()
    assert (
        sanction.status == SanctionStatus.IN_FORCE and not Proposal.objects.filter(rule=ESCALATION).exists()
    )

    assert office.post(url + "follow-up/", {"improved": "no", "note": "整改无明显成效"}).status_code == 302
    sanction.refresh_from_db()
    assert sanction.status == SanctionStatus.ESCALATED
    escalation = Proposal.objects.get(rule=ESCALATION, escalated_from=sanction)
    assert escalation.tier == Tier.MEDIA_EXPOSURE
    page = office.get(url).content.decode()
    assert f'data-proposal="{escalation.pk}"' in page and "整改无明显成效" in page
    listing = office.get("/accountability/proposals/", {"rule": ESCALATION}).content.decode()
    assert (
        f'id="proposal-{escalation.pk}"' in listing
        and f'href="/accountability/sanctions/{sanction.pk}/"' in listing
    )
    # accepted: the new sanction names the one it escalates
    office.post(f"/accountability/proposals/{escalation.pk}/accept/", {"follow_up_due": "2026-12-31"})
    exposure = Sanction.objects.get(proposal=escalation)
    assert f'href="{url}"' in office.get(f"/accountability/sanctions/{exposure.pk}/").content.decode()

    improved = sanction_for(world, government, FactKind.MEETING_ABSENT, unit="jyj")
    office.post(
        f"/accountability/sanctions/{improved.pk}/follow-up/", {"improved": "yes", "note": "已整改到位"}
    )
    improved.refresh_from_db()
    assert improved.status == SanctionStatus.COMPLETED


def test_an_accountability_sanction_is_referred_and_tracked_to_the_decision(browser, world, government):
    criticism = sanction_for(world, government, FactKind.FALSE_REPORTING)
    office = browser("office")
    letter = {
        "body": "discipline",
        "body_name": "县纪委监委",
        "recommendation": "建议诫勉谈话",
        "letter_number": "示督函〔2026〕3号",
    }
    assert 'id="refer-form"' not in office.get(f"/accountability/sanctions/{criticism.pk}/").content.decode()
    assert refused(
        office.post(f"/accountability/sanctions/{criticism.pk}/refer/", letter),
        409,
        "action_not_allowed_in_status",
    )

    sanction = sanction_for(world, government, FactKind.NEGLIGENCE)
    url = f"/accountability/sanctions/{sanction.pk}/"
    assert 'id="refer-form"' in office.get(url).content.decode()
    assert refused(office.post(url + "refer/", {**letter, "body_name": ""}), 400, "text_required")
    assert refused(office.post(url + "refer/", {**letter, "body": "court"}), 400, "invalid_input")
    assert not Referral.objects.exists()
    assert office.post(url + "refer/", letter).status_code == 302
    referral = Referral.objects.get()
    assert referral.status == ReferralStatus.SENT and referral.letter_number == "示督函〔2026〕3号"

    act = f"/accountability/referrals/{referral.pk}/"
    assert refused(
        office.post(act + "decided/", {"decision": "给予诫勉"}), 409, "action_not_allowed_in_status"
    )
    assert browser("fgw_head").post(act + "received/", {"received_by_name": "王"}).status_code == 404
    office = browser("office")
    assert refused(office.post(act + "received/", {"received_by_name": ""}), 400, "text_required")
    assert office.post(act + "received/", {"received_by_name": "县纪委案管室"}).status_code == 302
    assert office.post(act + "decided/", {"decision": "给予诫勉处理"}).status_code == 302
    referral.refresh_from_db()
    assert referral.status == ReferralStatus.DECIDED and referral.decision == "给予诫勉处理"
    page = office.get(url).content.decode()
    assert f'data-referral="{referral.pk}" data-status="decided"' in page and "给予诫勉处理" in page


# --- bulletins -------------------------------------------------------------------------------------------------------


def test_a_bulletin_is_drafted_edited_approved_issued_and_published(browser, world, government):
    office = browser("office")
    assert refused(
        office.post("/accountability/bulletins/draft/", {"kind": "gossip", "year": "2026"}),
        400,
        "invalid_input",
    )
    assert refused(
        office.post("/accountability/bulletins/draft/", {"kind": "criticism", "year": "1999"}),
        400,
        "invalid_input",
    )
    assert (
        browser("fgw_head")
        .post("/accountability/bulletins/draft/", {"kind": "criticism", "year": "2026"})
        .status_code
        == 403
    )
    assert not Bulletin.objects.exists()
    office = browser("office")
    response = office.post(
        "/accountability/bulletins/draft/", {"kind": "criticism", "year": "2026", "quarter": "4"}
    )
    bulletin = Bulletin.objects.get()
    assert response["Location"] == f"/accountability/bulletins/{bulletin.pk}/"
    url = response["Location"]
    assert 'id="edit-form"' in office.get(url).content.decode()
    # a unit sees no draft
    assert browser("fgw_head").get(url).status_code == 404

    fgw, jyj = world.departments["fgw"], world.departments["jyj"]
    edit = {
        "title": "关于第四季度督查事项办理情况的通报",
        "text": "发改局办理迟缓，予以通报批评。",
        "unit": [str(fgw.pk), str(jyj.pk), ""],
        "role": [BulletinRole.CRITICISED, BulletinRole.PRAISED, BulletinRole.CRITICISED],
        "fixes_due": "",
    }
    office = browser("office")
    assert refused(office.post(url + "edit/", {**edit, "title": ""}), 400, "text_required")
    assert refused(office.post(url + "edit/", {**edit, "fixes_due": "2026-11-01"}), 400, "invalid_input")
    assert refused(office.post(url + "edit/", {**edit, "unit": ["99999999"]}), 400, "unit_not_found")
    bulletin.refresh_from_db()
    assert bulletin.units.count() == 0 and bulletin.title != edit["title"]
    assert office.post(url + "edit/", edit).status_code == 302
    bulletin.refresh_from_db()
    assert bulletin.title == edit["title"]
    assert dict(bulletin.units.values_list("unit_id", "role")) == {fgw.pk: "criticised", jyj.pk: "praised"}
    # criticised units need their fixes' due date before it goes to the leader
    assert refused(office.post(url + "submit/"), 400, "bulletin_fixes_due_required")
    bulletin.refresh_from_db()
    assert bulletin.status == BulletinStatus.DRAFT
    office.post(url + "edit/", {**edit, "fixes_due": "2026-11-30"})
    assert office.post(url + "submit/").status_code == 302
    assert refused(office.post(url + "approve/"), 403, "role_required")

    leader = browser("leader")
    assert refused(leader.post(url + "return/", {"comment": ""}), 400, "reason_required")
    assert leader.post(url + "return/", {"comment": "措辞再斟酌"}).status_code == 302
    bulletin.refresh_from_db()
    assert bulletin.status == BulletinStatus.DRAFT
    browser("office").post(url + "submit/")
    leader = browser("leader")
    assert leader.post(url + "approve/", {"comment": "同意印发"}).status_code == 302
    bulletin.refresh_from_db()
    assert bulletin.status == BulletinStatus.APPROVED
    assert refused(leader.post(url + "issue/"), 403, "role_required")

    office = browser("office")
    assert (
        office.post(url + "issue/", {"contact_name": "周督查", "contact_phone": "0000-1234567"}).status_code
        == 302
    )
    bulletin.refresh_from_db()
    assert bulletin.status == BulletinStatus.ISSUED and bulletin.number
    document = Document.objects.get(
        subject_type="government", subject_id=government.pk, number=bulletin.number
    )
    fixes = bulletin.units.get(unit=fgw).fixes_item
    page = office.get(url).content.decode()
    assert bulletin.number in page and f'href="/governments/{government.pk}/documents/"' in page
    assert f'href="/documents/{document.pk}.docx"' in page
    assert f'href="/items/{fixes.pk}/"' in page and f'data-status="{fixes.status}"' in page
    assert refused(office.post(url + "edit/", edit), 409, "action_not_allowed_in_status")

    # the criticised unit sees the issued bulletin and its own request; another unit sees the bulletin only
    head = browser("fgw_head")
    assert f'data-bulletin="{bulletin.pk}"' in head.get("/accountability/bulletins/").content.decode()
    assert f'href="/items/{fixes.pk}/"' in head.get(url).content.decode()
    assert f'href="/items/{fixes.pk}/"' not in browser("jyj_head").get(url).content.decode()

    office = browser("office")
    assert office.post(url + "publish/").status_code == 302
    bulletin.refresh_from_db()
    assert bulletin.published
    assert 'id="publish-button"' not in office.get(url).content.decode()


# --- commendations ---------------------------------------------------------------------------------------------------


def test_a_vetoed_candidate_names_the_sanction_and_only_a_leader_overrides(browser, world, government):
    sanction = sanction_for(world, government, FactKind.FALSE_REPORTING)
    head = browser("fgw_head")
    fgw = str(world.departments["fgw"].pk)
    proposal = {"title": "2026年度督查工作先进单位", "year": "2026", "unit": fgw, "person": ""}
    assert refused(
        head.post("/accountability/commendations/propose/", {**proposal, "title": ""}), 400, "text_required"
    )
    assert refused(
        head.post("/accountability/commendations/propose/", {**proposal, "year": "明年"}),
        400,
        "invalid_input",
    )
    assert browser("fgw").post("/accountability/commendations/propose/", proposal).status_code == 403
    assert not Commendation.objects.exists()
    head = browser("fgw_head")
    assert head.post("/accountability/commendations/propose/", proposal).status_code == 302
    assert refused(head.post("/accountability/commendations/propose/", proposal), 409, "commendation_exists")
    commendation = Commendation.objects.get()
    assert (
        f'data-commendation="{commendation.pk}"'
        in head.get("/accountability/commendations/").content.decode()
    )
    assert (
        f'data-commendation="{commendation.pk}"'
        not in browser("jyj_head").get("/accountability/commendations/").content.decode()
    )
    assert (
        browser("jyj_head").post(f"/accountability/commendations/{commendation.pk}/vet/").status_code == 404
    )
    assert refused(
        browser("fgw_head").post(f"/accountability/commendations/{commendation.pk}/vet/"),
        403,
        "role_required",
    )

    act = f"/accountability/commendations/{commendation.pk}/"
    office = browser("office")
    assert refused(office.post(act + "override/", {"reason": "x"}), 403, "role_required")
    assert office.post(act + "vet/").status_code == 302
    commendation.refresh_from_db()
    assert commendation.status == CommendationStatus.VETOED and commendation.vetoing_sanction == sanction
    page = office.get("/accountability/commendations/").content.decode()
    assert (
        f'data-sanction="{sanction.pk}"' in page
        and f'href="/accountability/sanctions/{sanction.pk}/"' in page
    )
    assert refused(office.post(act + "vet/"), 409, "action_not_allowed_in_status")

    leader = browser("leader")
    assert (
        'class="insp-inline override-form"' in leader.get("/accountability/commendations/").content.decode()
    )
    assert refused(leader.post(act + "override/", {"reason": " "}), 400, "reason_required")
    commendation.refresh_from_db()
    assert commendation.status == CommendationStatus.VETOED
    assert leader.post(act + "override/", {"reason": "该局全年工作突出，问题已整改"}).status_code == 302
    commendation.refresh_from_db()
    assert commendation.status == CommendationStatus.OVERRIDDEN
    assert "该局全年工作突出" in leader.get("/accountability/commendations/").content.decode()


def test_a_candidate_without_a_sanction_is_cleared(browser, world, government):
    office = browser("office")
    jyj = str(world.departments["jyj"].pk)
    office.post("/accountability/commendations/propose/", {"title": "先进单位", "year": "2026", "unit": jyj})
    commendation = Commendation.objects.get()
    assert office.post(f"/accountability/commendations/{commendation.pk}/vet/").status_code == 302
    commendation.refresh_from_db()
    assert commendation.status == CommendationStatus.CLEARED and commendation.vetoing_sanction is None
