"""The accountability ladder over the API: the triggers run by the office (a second run proposes nothing new, a unit
sees no proposal), a proposal decided once into a sanction the unit answers and whose failed follow-up escalates,
a unit reading only its own sanctions, a referral tracked from the letter to the body's decision, the one-vote veto
naming the sanction, and a criticism bulletin from its draft to the criticised unit's report on its causes and fixes.

Dates are pinned: fgw's late task is assigned on 2 March 2026 and due on 20 March, Q1's scores are computed and the
triggers run on 10 April 2026; what follows happens on the days each test names."""

from __future__ import annotations

import datetime

import pytest
import time_machine

from ducha.accountability.models import (
    Bulletin,
    BulletinStatus,
    Commendation,
    CommendationStatus,
    Proposal,
    ProposalStatus,
    RecordedFact,
    Referral,
    Sanction,
    SanctionStatus,
    TriggerSetting,
)
from ducha.accountability.selectors import published_bulletins
from ducha.accountability.triggers import RULES
from ducha.audit.models import Event
from ducha.common import error_codes as codes
from ducha.evaluation import scoring
from ducha.evaluation.periods import Period
from ducha.items import services as item_services
from ducha.items.models import Assignment, Item
from ducha.items.statuses import ItemStatus
from tests.api.support import body, error
from tests.api.test_openapi import documented, problems
from tests.clock import moment
from tests.evaluation.helpers import assigned_item

pytestmark = pytest.mark.django_db

PREFIX = "/api/v1"
A = "/accountability"


@pytest.fixture
def document(client, db) -> dict:
    return body(client.get(f"{PREFIX}/openapi.json"))


def shaped(document: dict, method: str, path: str, response, status: int = 200):
    """The JSON body, after checking it has the shape its operation documents."""
    data = body(response, status)
    schema = documented(document, method, f"{PREFIX}{path}", status)
    assert problems(document, schema, data) == [], (method, path)
    return data


def put(client, path: str, data: dict):
    return client.client.put(f"{PREFIX}{path}", data, content_type="application/json", headers=client.headers)


def at(month: int, day: int, hour: int = 9):
    """The clock stands still at this Beijing moment of 2026."""
    return time_machine.travel(moment(2026, month, day, hour), tick=False)


def events(*types: str) -> int:
    return Event.objects.filter(event_type__in=types).count()


def every_row(client, **filters) -> list[dict]:
    """Every proposal the filters keep, following the pages."""
    rows: list[dict] = []
    cursor = None
    while True:
        params = {**filters, "limit": 100, **({"cursor": cursor} if cursor else {})}
        page = body(client.get(f"{A}/proposals", **params))
        rows += page["rows"]
        cursor = page["next"]
        if cursor is None:
            return rows


def of_item(rows: list[dict], item_id: int) -> dict:
    [row] = [row for row in rows if any(fact.get("item") == item_id for fact in row["facts"])]
    return row


@pytest.fixture
def late_item(world) -> Item:
    """fgw's task assigned on 2 March 2026, due on 20 March and never reported: late in Q1."""
    return assigned_item(world, (2026, 3, 2, 9), due=datetime.date(2026, 3, 20), title="推进园区污水管网建设")


@pytest.fixture
def run(world, api, late_item):
    """Q1's scores computed and the triggers run on 10 April 2026; the proposal for the late task."""
    with at(4, 10):
        scoring.scores_compute([world.county.pk], Period(2026, 1))
        body(api("office").post(f"{A}/proposals/run", {"year": 2026}))
    rows = every_row(api("office"), year=2026, rule="item_overdue", unit=world.departments["fgw"].pk)
    return of_item(rows, late_item.pk)


# --- triggers and proposals -------------------------------------------------------------------------------------------


def test_the_office_runs_the_triggers_a_second_run_proposes_nothing_new_and_a_unit_sees_none(
    world, api, late_item, document
):
    office, fgw, fgw_head = api("office"), api("fgw"), api("fgw_head")
    fgw_id = world.departments["fgw"].pk
    with at(4, 10):
        scoring.scores_compute([world.county.pk], Period(2026, 1))
        before = Proposal.objects.count()
        # a handler (or a unit's head) does not run the triggers: nothing proposed
        error(fgw.post(f"{A}/proposals/run", {"year": 2026}), 403, codes.ROLE_REQUIRED)
        error(fgw_head.post(f"{A}/proposals/run", {"year": 2026}), 403, codes.ROLE_REQUIRED)
        assert Proposal.objects.count() == before

        first = shaped(
            document, "post", f"{A}/proposals/run", office.post(f"{A}/proposals/run", {"year": 2026})
        )
        assert first["new"] >= 1
        assert Proposal.objects.count() == before + first["new"]
        # run again: nothing new
        assert body(office.post(f"{A}/proposals/run", {"year": 2026})) == {"new": 0}
        assert Proposal.objects.count() == before + first["new"]

    # the late task is proposed for a written self-examination, on the seed's words
    path = f"{A}/proposals?year=2026&rule=item_overdue&unit={fgw_id}"
    page = shaped(
        document, "get", path, office.get(f"{A}/proposals", year=2026, rule="item_overdue", unit=fgw_id)
    )
    assert {row["unit"]["id"] for row in page["rows"]} == {fgw_id}
    row = of_item(every_row(office, year=2026, rule="item_overdue", unit=fgw_id), late_item.pk)
    assert row["tier"] == "written_examination"
    assert row["basis"] == "县政府各类督查事项未按规定时间办理"
    assert row["rule_label"]
    assert row["status"] == "proposed"
    assert row["facts"][0]["due"] == "2026-03-20"
    assert (row["sanction"], row["escalated_from"], row["year"]) == (None, None, 2026)

    # filters keep what they say
    criticism = every_row(office, year=2026, tier="criticism")
    assert criticism and {row["tier"] for row in criticism} == {"criticism"}
    assert {row["status"] for row in every_row(office, year=2026, status="proposed")} == {"proposed"}
    assert every_row(office, year=2026, rule="no_such_rule") == []

    # keyset paging: newest first, a page at most 100, the next page after the cursor
    first_page = body(office.get(f"{A}/proposals", year=2026, limit=1))
    assert len(first_page["rows"]) == 1 and first_page["next"] == first_page["rows"][0]["id"]
    second_page = body(office.get(f"{A}/proposals", year=2026, limit=1, cursor=first_page["next"]))
    assert second_page["rows"][0]["id"] < first_page["rows"][0]["id"]
    assert len(body(office.get(f"{A}/proposals", year=2026, limit=1000))["rows"]) <= 100

    # a unit cannot see the proposals, the triggers or the facts
    for username in ("fgw_head", "fgw_liaison", "fgw"):
        error(api(username).get(f"{A}/proposals", year=2026), 403, codes.ROLE_REQUIRED)
        error(api(username).get(f"{A}/triggers"), 403, codes.ROLE_REQUIRED)
        error(api(username).get(f"{A}/facts"), 403, codes.ROLE_REQUIRED)
    # a leader reads them
    assert body(api("county_head").get(f"{A}/proposals", year=2026))["rows"]


def test_a_proposal_decided_once_into_a_sanction_the_unit_answers_and_its_failed_follow_up_escalates(
    world, api, run, document
):
    office, fgw, fgw_liaison = api("office"), api("fgw"), api("fgw_liaison")
    decide = f"{A}/proposals/{run['id']}/decide"
    with at(4, 10, 10):
        # a handler does not decide; a dismissal needs its reason: nothing changes
        error(fgw.post(decide, {"accept": True}), 403, codes.ROLE_REQUIRED)
        error(office.post(decide, {"accept": False}), 400, codes.REASON_REQUIRED)
        error(office.post(decide, {"accept": True, "follow_up_due": "2026-04-10"}), 400, codes.INVALID_INPUT)
        proposal = Proposal.objects.get(pk=run["id"])
        assert (proposal.status, proposal.decided_at) == (ProposalStatus.PROPOSED, None)
        assert not Sanction.objects.filter(proposal=proposal).exists()

        decided = shaped(
            document,
            "post",
            decide,
            office.post(decide, {"accept": True, "reason": "情况属实", "follow_up_due": "2026-05-10"}),
        )
    assert decided["status"] == "accepted" and decided["sanction"]
    sanction = Sanction.objects.get(pk=decided["sanction"])
    # a written self-examination is in force at once
    assert (sanction.status, sanction.tier, sanction.unit_id) == (
        SanctionStatus.IN_FORCE,
        "written_examination",
        world.departments["fgw"].pk,
    )
    assert sanction.follow_up_due == datetime.date(2026, 5, 10)

    # deciding twice is refused, and nothing changes
    with at(4, 11):
        stamp = (Proposal.objects.get(pk=run["id"]).decided_at, Sanction.objects.count())
        decided_events = events("proposal_accepted", "proposal_dismissed", "sanction_decided")
        error(office.post(decide, {"accept": False, "reason": "重复决定"}), 409, codes.ACTION_NOT_ALLOWED)
        error(office.post(decide, {"accept": True}), 409, codes.ACTION_NOT_ALLOWED)
        assert (Proposal.objects.get(pk=run["id"]).decided_at, Sanction.objects.count()) == stamp
        assert events("proposal_accepted", "proposal_dismissed", "sanction_decided") == decided_events
        assert Proposal.objects.get(pk=run["id"]).status == ProposalStatus.ACCEPTED

    # the unit's liaison answers with its written self-examination (a handler may not; another unit cannot)
    path = f"{A}/sanctions/{sanction.pk}/respond"
    with at(4, 15):
        error(fgw.post(path, {"text": "检查"}), 403, codes.ROLE_REQUIRED)
        error(api("jyj_liaison").post(path, {"text": "检查"}), 404, codes.NOT_FOUND)
        error(fgw_liaison.post(path, {"text": " "}), 400, codes.TEXT_REQUIRED)
        answered = shaped(
            document, "post", path, fgw_liaison.post(path, {"text": "逾期原因是调度不及时，已明确专人负责。"})
        )
    assert answered["unit_response"].startswith("逾期原因")
    assert answered["referrals"] == [] and answered["escalations"] == []

    # followed up after its due date: not improved — escalated, the next tier proposed and linked
    follow_up = f"{A}/sanctions/{sanction.pk}/follow-up"
    with at(5, 11):
        error(fgw_liaison.post(follow_up, {"improved": False, "note": "未改进"}), 403, codes.ROLE_REQUIRED)
        followed = shaped(
            document, "post", follow_up, office.post(follow_up, {"improved": False, "note": "仍未完成。"})
        )
        error(office.post(follow_up, {"improved": True, "note": "再次"}), 409, codes.ACTION_NOT_ALLOWED)
    assert followed["status"] == "escalated"
    [escalation] = followed["escalations"]
    assert (escalation["tier"], escalation["status"]) == ("criticism", "proposed")
    [row] = [row for row in every_row(office, year=2026, rule="escalation") if row["id"] == escalation["id"]]
    assert row["escalated_from"] == sanction.pk and row["rule_label"]


def test_a_unit_reads_only_its_own_sanctions(world, api, document):
    office, fgw_liaison = api("office"), api("fgw_liaison")
    fgw_id, jyj_id = world.departments["fgw"].pk, world.departments["jyj"].pk
    with at(4, 10):
        own = shaped(
            document,
            "post",
            f"{A}/sanctions",
            office.post(
                f"{A}/sanctions",
                {"unit": fgw_id, "tier": "written_examination", "basis": "会议材料报送不实"},
            ),
            201,
        )
        other = body(
            office.post(
                f"{A}/sanctions", {"unit": jyj_id, "tier": "written_examination", "basis": "未按时报送"}
            ),
            201,
        )
        pending = body(
            office.post(f"{A}/sanctions", {"unit": fgw_id, "tier": "criticism", "basis": "多次迟报"}), 201
        )
        assert own["status"] == "in_force" and pending["status"] == "pending_approval"

        # refused: a handler deciding, a unit not of the government, an unknown tier — nothing created
        count = Sanction.objects.count()
        error(
            api("fgw").post(f"{A}/sanctions", {"unit": jyj_id, "tier": "criticism", "basis": "x"}),
            403,
            codes.ROLE_REQUIRED,
        )
        error(
            office.post(f"{A}/sanctions", {"unit": world.county.pk, "tier": "criticism", "basis": "x"}),
            400,
            codes.UNIT_NOT_FOUND,
        )
        error(
            office.post(f"{A}/sanctions", {"unit": fgw_id, "tier": "fine", "basis": "x"}),
            400,
            codes.INVALID_INPUT,
        )
        assert Sanction.objects.count() == count

    rows = shaped(document, "get", f"{A}/sanctions?year=2026", fgw_liaison.get(f"{A}/sanctions", year=2026))
    ids = {row["id"] for row in rows}
    assert own["id"] in ids and other["id"] not in ids and pending["id"] not in ids
    assert {row["unit"]["id"] for row in rows} == {fgw_id}
    assert body(fgw_liaison.get(f"{A}/sanctions/{own['id']}"))["basis"] == "会议材料报送不实"
    error(fgw_liaison.get(f"{A}/sanctions/{other['id']}"), 404, codes.NOT_FOUND)
    error(fgw_liaison.get(f"{A}/sanctions/{pending['id']}"), 404, codes.NOT_FOUND)
    # the office reads them all
    everything = {row["id"] for row in body(office.get(f"{A}/sanctions", year=2026))}
    assert {own["id"], other["id"], pending["id"]} <= everything
    assert {row["id"] for row in body(office.get(f"{A}/sanctions", year=2026, unit=jyj_id))} >= {other["id"]}


def test_a_referral_tracked_from_the_letter_to_the_bodys_decision(world, api, document):
    office, leader, fgw_head = api("office"), api("county_head"), api("fgw_head")
    letter = {
        "body": "discipline",
        "body_name": "县纪委监委",
        "recommendation": "建议对相关责任人进行诫勉谈话。",
        "letter_number": "督移〔2026〕1号",
    }
    with at(4, 10):
        sanction = body(
            office.post(
                f"{A}/sanctions",
                {
                    "unit": world.departments["fgw"].pk,
                    "tier": "accountability",
                    "basis": "无正当理由拒绝、推诿工作任务，造成严重不良后果",
                    "person": "王某",
                },
            ),
            201,
        )
        base = f"{A}/sanctions/{sanction['id']}"
        # not referred before the government approves it; the office does not approve
        error(office.post(f"{base}/referrals", letter), 409, codes.ACTION_NOT_ALLOWED)
        error(office.post(f"{base}/approve", {"approve": True}), 403, codes.ROLE_REQUIRED)
        error(leader.post(f"{base}/approve", {"approve": False}), 400, codes.REASON_REQUIRED)
        assert Sanction.objects.get(pk=sanction["id"]).status == SanctionStatus.PENDING_APPROVAL
        assert not Referral.objects.filter(sanction_id=sanction["id"]).exists()

        approved = shaped(
            document,
            "post",
            f"{base}/approve",
            leader.post(f"{base}/approve", {"approve": True, "comment": "同意"}),
        )
        assert (
            approved["status"] == "in_force" and approved["approved_by"]["id"] == world.user("county_head").pk
        )
        error(leader.post(f"{base}/approve", {"approve": True}), 409, codes.ACTION_NOT_ALLOWED)

        referral = shaped(
            document, "post", f"{base}/referrals", office.post(f"{base}/referrals", letter), 201
        )
        assert (referral["status"], referral["body_name"], referral["sanction"]) == (
            "sent",
            "县纪委监委",
            sanction["id"],
        )
        path = f"{A}/referrals/{referral['id']}"
        # the decision comes after the body received it; a unit records neither
        error(office.post(f"{path}/decided", {"decision": "诫勉谈话"}), 409, codes.ACTION_NOT_ALLOWED)
        error(fgw_head.post(f"{path}/received", {"received_by_name": "张三"}), 403, codes.ROLE_REQUIRED)
        assert Referral.objects.get(pk=referral["id"]).status == "sent"

    with at(4, 13):
        error(office.post(f"{path}/received", {"received_by_name": ""}), 400, codes.TEXT_REQUIRED)
        received = shaped(
            document,
            "post",
            f"{path}/received",
            office.post(f"{path}/received", {"received_by_name": "张三"}),
        )
        assert received["status"] == "received" and received["received_at"]
        error(office.post(f"{path}/received", {"received_by_name": "张三"}), 409, codes.ACTION_NOT_ALLOWED)
    with at(5, 20):
        decided = shaped(
            document,
            "post",
            f"{path}/decided",
            office.post(f"{path}/decided", {"decision": "给予王某诫勉谈话处理。"}),
        )
    assert decided["status"] == "decided" and decided["decided_at"]

    detail = body(office.get(base))
    [tracked] = detail["referrals"]
    assert (tracked["status"], tracked["decision"]) == ("decided", "给予王某诫勉谈话处理。")
    # the unit reads its sanction, not the referral letter
    assert body(fgw_head.get(base))["referrals"] == []


# --- commendations and the veto ---------------------------------------------------------------------------------------


def test_a_sanctioned_unit_is_vetoed_naming_the_sanction_and_only_a_leader_overrides(world, api, document):
    office, leader, fgw_head = api("office"), api("county_head"), api("fgw_head")
    fgw_id, jtj_id = world.departments["fgw"].pk, world.departments["jtj"].pk
    title = "2026年度督查落实先进单位"
    with at(4, 10):
        sanction = body(
            office.post(f"{A}/sanctions", {"unit": fgw_id, "tier": "criticism", "basis": "多次迟报"}), 201
        )
        body(leader.post(f"{A}/sanctions/{sanction['id']}/approve", {"approve": True}))

    with at(6, 1):
        vetoed_one = shaped(
            document,
            "post",
            f"{A}/commendations",
            office.post(f"{A}/commendations", {"title": title, "year": 2026, "unit": fgw_id}),
            201,
        )
        # a department's head proposes in the county's name; a handler does not; no candidate twice
        cleared_one = body(
            fgw_head.post(f"{A}/commendations", {"title": title, "year": 2026, "unit": jtj_id}), 201
        )
        error(
            api("fgw").post(f"{A}/commendations", {"title": title, "year": 2026, "unit": fgw_id}),
            403,
            codes.ROLE_REQUIRED,
        )
        error(
            office.post(f"{A}/commendations", {"title": title, "year": 2026, "unit": jtj_id}),
            409,
            codes.COMMENDATION_EXISTS,
        )
        assert Commendation.objects.filter(title=title).count() == 2

        # the check: 409 naming the sanction, or ok
        refused = error(
            office.get(f"{A}/commendations/check", unit=fgw_id, year=2026), 409, codes.COMMENDATION_VETOED
        )
        assert str(sanction["id"]) in refused["message"]
        path = f"{A}/commendations/check?unit={jtj_id}&year=2026"
        assert shaped(
            document, "get", path, office.get(f"{A}/commendations/check", unit=jtj_id, year=2026)
        ) == {"ok": True}
        error(fgw_head.get(f"{A}/commendations/check", unit=jtj_id, year=2026), 403, codes.ROLE_REQUIRED)

        # vetting: vetoed naming the sanction, cleared, never twice
        vet = f"{A}/commendations/{vetoed_one['id']}/vet"
        vetoed = shaped(document, "post", vet, office.post(vet))
        assert vetoed["status"] == "vetoed" and vetoed["vetoing_sanction"]["id"] == sanction["id"]
        assert vetoed["vetoing_sanction"]["tier"] == "criticism"
        cleared = body(office.post(f"{A}/commendations/{cleared_one['id']}/vet"))
        assert cleared["status"] == "cleared" and cleared["vetoing_sanction"] is None
        error(office.post(vet), 409, codes.ACTION_NOT_ALLOWED)

        # only a leader overrides, with a reason; refusals change nothing
        override = f"{A}/commendations/{vetoed_one['id']}/override"
        error(office.post(override, {"reason": "表现突出"}), 403, codes.ROLE_REQUIRED)
        error(leader.post(override, {"reason": " "}), 400, codes.REASON_REQUIRED)
        assert Commendation.objects.get(pk=vetoed_one["id"]).status == CommendationStatus.VETOED
        assert events("commendation_overridden") == 0
        overridden = shaped(
            document, "post", override, leader.post(override, {"reason": "整改到位，全年工作成效突出。"})
        )
        assert overridden["status"] == "overridden" and overridden["override_reason"].startswith("整改到位")
        error(leader.post(override, {"reason": "再次"}), 409, codes.ACTION_NOT_ALLOWED)

    # a department lists the candidates it proposed; the office all of them
    assert [row["id"] for row in body(fgw_head.get(f"{A}/commendations", year=2026))] == [cleared_one["id"]]
    listed = {row["id"] for row in body(office.get(f"{A}/commendations", year=2026))}
    assert {vetoed_one["id"], cleared_one["id"]} <= listed


# --- bulletins ----------------------------------------------------------------------------------------------------


def test_a_criticism_bulletin_from_its_draft_to_the_criticised_units_report_on_causes_and_fixes(
    world, api, late_item, document
):
    office, leader, fgw_head = api("office"), api("county_head"), api("fgw_head")
    fgw_id, jtj_id = world.departments["fgw"].pk, world.departments["jtj"].pk
    with at(4, 10):
        scoring.scores_compute([world.county.pk], Period(2026, 1))
        error(
            fgw_head.post(f"{A}/bulletins", {"kind": "criticism", "year": 2026, "quarter": 1}),
            403,
            codes.ROLE_REQUIRED,
        )
        draft = shaped(
            document,
            "post",
            f"{A}/bulletins",
            office.post(f"{A}/bulletins", {"kind": "criticism", "year": 2026, "quarter": 1}),
            201,
        )
        base = f"{A}/bulletins/{draft['id']}"
        # drafted from the facts: fgw's late task puts it among the criticised, with the evidence kept
        assert draft["status"] == "draft"
        assert any(row["unit"]["id"] == fgw_id and row["role"] == "criticised" for row in draft["named"])
        assert any(row["unit_id"] == fgw_id and row["late"] >= 1 for row in draft["evidence"]["late"])
        # a unit sees no draft
        error(fgw_head.get(base), 404, codes.NOT_FOUND)
        assert draft["id"] not in {row["id"] for row in body(fgw_head.get(f"{A}/bulletins", year=2026))}

        # submitted without the causes-and-fixes date while a unit is criticised: refused, nothing changes
        error(office.post(f"{base}/submit"), 400, codes.BULLETIN_FIXES_DUE_REQUIRED)
        assert Bulletin.objects.get(pk=draft["id"]).status == BulletinStatus.DRAFT
        assert events("bulletin_submitted") == 0

        edited = shaped(
            document,
            "put",
            base,
            put(
                office,
                base,
                {
                    "title": "关于2026年第一季度督查事项落实情况的通报",
                    "text": "发改局园区污水管网建设任务逾期未完成，予以通报批评。",
                    "named": [
                        {"unit": fgw_id, "role": "criticised"},
                        {"unit": jtj_id, "role": "praised"},
                    ],
                    "fixes_due": "2026-04-30",
                },
            ),
        )
        assert {(row["unit"]["id"], row["role"]) for row in edited["named"]} == {
            (fgw_id, "criticised"),
            (jtj_id, "praised"),
        }
        assert edited["fixes_due"] == "2026-04-30"

        submitted = shaped(document, "post", f"{base}/submit", office.post(f"{base}/submit"))
        assert submitted["status"] == "pending_approval"
        error(put(office, base, {"title": "x", "text": "y"}), 409, codes.ACTION_NOT_ALLOWED)
        error(fgw_head.post(f"{base}/approve", {"approve": True}), 403, codes.ROLE_REQUIRED)
        error(office.post(f"{base}/issue"), 409, codes.ACTION_NOT_ALLOWED)

        approved = shaped(
            document, "post", f"{base}/approve", leader.post(f"{base}/approve", {"approve": True})
        )
        assert approved["status"] == "approved"
        error(api("fgw").post(f"{base}/issue"), 403, codes.ROLE_REQUIRED)
        assert Bulletin.objects.get(pk=draft["id"]).status == BulletinStatus.APPROVED

        issued = shaped(
            document,
            "post",
            f"{base}/issue",
            office.post(f"{base}/issue", {"contact_name": "王明", "contact_phone": "0931-1234567"}),
        )
    assert issued["status"] == "issued" and issued["number"] and issued["issued_at"]
    # the causes-and-fixes item exists, assigned to the criticised unit with the bulletin's due date
    named = {row["unit"]["id"]: row for row in issued["named"]}
    assert named[jtj_id]["fixes_item"] is None
    fixes = named[fgw_id]["fixes_item"]
    assert fixes["status"] == ItemStatus.ASSIGNED and fixes["due_date"] == "2026-04-30"
    item = Item.objects.get(pk=fixes["id"])
    lead = Assignment.objects.get(item=item, role="lead")
    assert lead.unit_id == fgw_id and lead.reported_at is None

    # the units read the issued bulletin; fgw sees its own request, another unit does not
    seen = body(fgw_head.get(base))
    assert seen["evidence"] == {}
    assert {row["unit"]["id"]: row["fixes_item"] for row in seen["named"]}[fgw_id]["id"] == item.pk
    other = body(api("jyj_head").get(base))
    assert {row["unit"]["id"]: row["fixes_item"] for row in other["named"]}[fgw_id] is None
    assert draft["id"] in {row["id"] for row in body(fgw_head.get(f"{A}/bulletins", year=2026))}

    # the unit reports its causes and fixes on the item, like any other
    with at(4, 20):
        item_services.item_sign(item_id=item.pk, actor=world.user("fgw"))
        item_services.item_report(
            item_id=item.pk, actor=world.user("fgw"), text="原因：前期调度不力。整改：倒排工期，每周调度。"
        )
        item_services.item_report_approve(item_id=item.pk, actor=world.user("fgw_head"))
    lead.refresh_from_db()
    assert lead.reported_at is not None
    assert body(office.get(base))["named"][0]["fixes_item"]["status"] == ItemStatus.UNDER_REVIEW

    # published for the public
    with at(4, 21):
        error(fgw_head.post(f"{base}/publish"), 403, codes.ROLE_REQUIRED)
        assert not published_bulletins().filter(pk=draft["id"]).exists()
        published = shaped(document, "post", f"{base}/publish", office.post(f"{base}/publish"))
    assert published["published"] is True
    assert published_bulletins().filter(pk=draft["id"]).exists()


def test_a_bulletin_returned_by_the_leader_is_a_draft_again(world, api):
    office, leader = api("office"), api("county_head")
    with at(4, 10):
        draft = body(office.post(f"{A}/bulletins", {"kind": "praise", "year": 2026, "quarter": 1}), 201)
        base = f"{A}/bulletins/{draft['id']}"
        body(put(office, base, {"title": "表扬通报", "text": "予以通报表扬。", "named": []}))
        body(office.post(f"{base}/submit"))
        error(leader.post(f"{base}/approve", {"approve": False}), 400, codes.REASON_REQUIRED)
        returned = body(leader.post(f"{base}/approve", {"approve": False, "comment": "请补充数据"}))
    assert returned["status"] == "draft" and returned["named"] == []


# --- triggers' settings and recorded facts --------------------------------------------------------------------------


def test_the_office_tunes_a_trigger_and_records_a_fact_the_rules_read(world, api, document):
    office, fgw_head = api("office"), api("fgw_head")
    rules = shaped(document, "get", f"{A}/triggers", office.get(f"{A}/triggers"))
    assert [row["rule"] for row in rules] == [rule.code for rule in RULES]
    late_twice = next(row for row in rules if row["rule"] == "late_twice")
    assert (late_twice["enabled"], late_twice["params"], late_twice["defaults"]) == (
        True,
        {"times": 2},
        {"times": 2},
    )

    tuned = shaped(
        document,
        "put",
        f"{A}/triggers",
        put(office, f"{A}/triggers", {"rule": "late_twice", "enabled": False, "params": {"times": 3}}),
    )
    assert (tuned["enabled"], tuned["params"], tuned["defaults"]) == (False, {"times": 3}, {"times": 2})
    # refusals leave the setting as it is
    for data, status, code in (
        ({"rule": "no_such_rule", "enabled": True}, 400, codes.TRIGGER_UNKNOWN),
        ({"rule": "late_twice", "enabled": True, "params": {"times": 0}}, 400, codes.TRIGGER_PARAMS_INVALID),
        ({"rule": "late_twice", "enabled": True, "params": {"weeks": 2}}, 400, codes.TRIGGER_PARAMS_INVALID),
    ):
        error(put(office, f"{A}/triggers", data), status, code)
    error(put(fgw_head, f"{A}/triggers", {"rule": "late_twice", "enabled": True}), 403, codes.ROLE_REQUIRED)
    setting = TriggerSetting.objects.get(government=world.county, rule="late_twice")
    assert (setting.enabled, setting.params) == (False, {"times": 3})
    assert (
        next(row for row in body(api("county_head").get(f"{A}/triggers")) if row["rule"] == "late_twice")[
            "enabled"
        ]
        is False
    )

    jyj_id = world.departments["jyj"].pk
    fact = {
        "unit": jyj_id,
        "kind": "meeting_absent",
        "occurred_on": "2026-04-08",
        "description": "县政府常务会议未履行请假手续，无故缺席。",
        "person": "赵某",
    }
    with at(4, 10):
        count = RecordedFact.objects.count()
        error(api("fgw").post(f"{A}/facts", fact), 403, codes.ROLE_REQUIRED)
        error(office.post(f"{A}/facts", {**fact, "kind": "listed"}), 400, codes.TEXT_REQUIRED)
        error(office.post(f"{A}/facts", {**fact, "occurred_on": "2026-04-11"}), 400, codes.INVALID_INPUT)
        error(office.post(f"{A}/facts", {**fact, "kind": "rumour"}), 400, codes.INVALID_INPUT)
        error(office.post(f"{A}/facts", {**fact, "item": 2**62}), 400, codes.INVALID_INPUT)
        error(office.post(f"{A}/facts", {**fact, "unit": world.county.pk}), 400, codes.UNIT_NOT_FOUND)
        assert RecordedFact.objects.count() == count

        recorded = shaped(document, "post", f"{A}/facts", office.post(f"{A}/facts", fact), 201)
        assert (recorded["kind"], recorded["person"], recorded["unit"]["id"]) == (
            "meeting_absent",
            "赵某",
            jyj_id,
        )
        assert recorded["id"] in {row["id"] for row in body(office.get(f"{A}/facts", year=2026))}
        assert (
            body(office.get(f"{A}/facts", year=2026, unit=world.departments["fgw"].pk, kind="no_kind")) == []
        )

        assert body(office.post(f"{A}/proposals/run", {"year": 2026}))["new"] >= 1
    [row] = [
        row
        for row in every_row(office, year=2026, rule="meeting_absent", unit=jyj_id)
        if row["facts"][0]["fact"] == recorded["id"]
    ]
    assert (row["tier"], row["person"]) == ("criticism", "赵某")
    assert row["basis"] == "不履行请假手续且替会代签或无故缺席"
