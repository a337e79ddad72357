"""The office's pages for 互联网+督查 with Django's test client: the triage queue with the engine's suggestions (its
query count independent of its length), the case page and its decisions (accept, route as an item, clue check,
close, refuse a clue, merge and split), the answer's review, the list of every clue, the import and the duties —
each for the office and the leaders, 403 for a unit, 404 across governments; refusals shown at their form with
nothing half done; the reporter's name and phone on no page but the keeper's reveal, which is logged.

Every test runs on Wednesday 18 November 2026."""

from __future__ import annotations

import base64
import json

import pytest
import time_machine
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext

from ducha.audit.models import Event, EventType
from ducha.clues import intake, services
from ducha.clues.models import (
    Answer,
    AnswerStatus,
    BlockedSource,
    Case,
    CaseStatus,
    Clue,
    ClueStatus,
    UnitDuties,
)
from ducha.common import error_codes as codes
from ducha.devtools.demo import DEMO_PASSWORD
from ducha.devtools.demo.places import VILLAGES
from ducha.inspections.models import Inspection
from ducha.items.models import Item
from ducha.orgs.models import Unit
from tests.clock import moment
from tests.clues.support import clue_county

NOVEMBER = moment(2026, 11, 18, 10)
NAME, PHONE = "张三丰", "13812345678"
POLLUTION = "城关镇槐树村村口的化工厂每天夜里偷排污水，河水发黑发臭，村民反映多次没有人管，请环保部门查处。"
# A PNG of one pixel.
PIXEL = base64.b64decode(
    "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8BQDwAEhQGAhKmMIQAAAABJRU5ErkJggg=="
)


@pytest.fixture(autouse=True)
def _november(settings):
    settings.DUCHA_CLUE_RATE_PER_SOURCE = "0"
    settings.DUCHA_CLUE_RATE_GLOBAL = "0"
    with time_machine.travel(NOVEMBER, tick=False):
        yield


@pytest.fixture
def keeper(world):
    user = clue_county(world)
    user.set_password(DEMO_PASSWORD)
    user.save(update_fields=["password"])
    return user


@pytest.fixture
def browser(client, world, keeper):
    def sign_in(username):
        client.logout()
        assert client.login(username=username, password=DEMO_PASSWORD)
        return client

    return sign_in


def submit(world, text=POLLUTION, township="cgz", signed=True, **extra) -> Clue:
    return services.clue_submit(
        government=world.county,
        text=text,
        category=extra.pop("category", "conduct"),
        township_id=world.townships[township].pk,
        anonymous=not signed,
        name=NAME if signed else "",
        phone=PHONE if signed else "",
        **extra,
    )


def html(response) -> str:
    return response.content.decode()


# --- the queue ------------------------------------------------------------------------------------------------------


def test_queue_lists_a_new_case_with_its_suggestion(world, browser):
    clue = submit(world)
    case = clue.case
    assert case.status == CaseStatus.NEW and clue.suggested_units
    top = clue.suggested_units[0]["unit_id"]
    unit = Unit.objects.get(pk=top)
    page = browser("office").get("/clues/")
    assert page.status_code == 200
    body = html(page)
    assert f'id="case-{case.pk}"' in body
    assert case.number in body and case.title in body
    assert f'data-unit="{top}"' in body and (unit.short_name or unit.name) in body
    assert "槐树村" in body  # the place
    # The leader sees the queue too; the other tabs list the other statuses.
    assert browser("leader").get("/clues/").status_code == 200
    accepted = browser("office").get("/clues/?status=accepted")
    assert f'id="case-{case.pk}"' not in html(accepted)
    found = browser("office").get("/clues/", {"q": "偷排污水"})
    assert f'id="case-{case.pk}"' in html(found)
    missed = browser("office").get("/clues/", {"q": "完全无关的词语"})
    assert f'id="case-{case.pk}"' not in html(missed)


TOPICS = [
    "{village}的路灯坏了三个多月，晚上一片漆黑，老人孩子出门很不安全，请尽快修好路灯。",
    "{village}的垃圾堆放在路边很久没人清运，臭气熏天，苍蝇到处飞，希望安排清运垃圾。",
    "{village}有一段水泥路面塌陷出大坑，车辆经过经常颠簸，下雨积水，请求修补道路。",
]


def many_cases(world, count: int, start: int = 0) -> None:
    """`count` distinct cases: one topic in one village each (different townships never group)."""
    combos = [(code, villages[0], topic) for topic in TOPICS for code, villages in VILLAGES.items()][
        start : start + count
    ]
    intake.clues_take_in(
        government=world.county,
        incoming=[
            intake.Incoming(
                text=topic.format(village=village),
                channel="hotline",
                category="conduct",
                township_id=world.townships[code].pk,
                source="12345",
                source_ref=f"R{start + index}",
            )
            for index, (code, village, topic) in enumerate(combos)
        ],
    )


def test_the_queue_costs_the_same_queries_for_5_or_30_cases(world, browser):
    office = browser("office")
    many_cases(world, 5)
    assert Case.objects.filter(status=CaseStatus.NEW).count() == 5
    office.get("/clues/")  # warm the session and caches
    with CaptureQueriesContext(connection) as few:
        assert office.get("/clues/").status_code == 200
    many_cases(world, 25, start=5)
    assert Case.objects.filter(status=CaseStatus.NEW).count() == 30
    with CaptureQueriesContext(connection) as lots:
        page = office.get("/clues/")
    assert html(page).count('data-case="') == 30
    assert len(lots) == len(few), [q["sql"] for q in lots.captured_queries]


# --- decisions through the case page ----------------------------------------------------------------------------


def test_accept_then_route_through_the_page(world, browser):
    case = submit(world).case
    office = browser("office")
    url = f"/clues/cases/{case.pk}/"
    page = office.get(url)
    assert page.status_code == 200 and 'id="route-form"' in html(page)
    assert case.number in html(page)
    response = office.post(url + "accept/")
    assert response.status_code == 302
    case.refresh_from_db()
    assert case.status == CaseStatus.ACCEPTED
    unit = world.departments["sthjj"]
    response = office.post(
        url + "route/", {"unit": unit.pk, "title": "化工厂偷排污水", "due_date": "2026-12-18"}
    )
    assert response.status_code == 302 and response["Location"] == url
    case.refresh_from_db()
    assert case.status == CaseStatus.ROUTED and case.unit_id == unit.pk
    item = case.item
    assert item.title == "化工厂偷排污水"
    assert item.assignments.get(role="lead").unit_id == unit.pk
    shown = html(office.get(url))
    assert f'href="/items/{item.pk}/"' in shown and 'id="item-status"' in shown
    assert 'id="route-form"' not in shown and 'id="accept-form"' not in shown


def test_routing_to_a_unit_of_another_government_is_refused_with_nothing_done(world, browser):
    case = submit(world).case
    items = Item.objects.count()
    office = browser("office")
    response = office.post(
        f"/clues/cases/{case.pk}/route/", {"unit": world.city_office.pk, "title": "我输入的标题"}
    )
    assert response.status_code == 400
    body = html(response)
    assert 'data-code="clue_unit_invalid"' in body
    assert 'value="我输入的标题"' in body  # the input kept
    case.refresh_from_db()
    assert case.status == CaseStatus.NEW and case.item_id is None
    assert Item.objects.count() == items
    assert not Event.objects.filter(event_type=EventType.CASE_ROUTED).exists()


def test_close_needs_a_reason_then_closes(world, browser):
    case = submit(world).case
    office = browser("office")
    url = f"/clues/cases/{case.pk}/close/"
    refused = office.post(url, {"reason": "  "})
    assert refused.status_code == 400 and 'data-code="reason_required"' in html(refused)
    case.refresh_from_db()
    assert case.status == CaseStatus.NEW
    assert office.post(url, {"reason": "已由信访渠道办结"}).status_code == 302
    case.refresh_from_db()
    assert case.status == CaseStatus.CLOSED and case.close_reason == "已由信访渠道办结"
    # Settled: no more decisions offered, and one posted anyway is refused.
    page = html(office.get(f"/clues/cases/{case.pk}/"))
    assert 'id="close-form"' not in page and 'id="accept-form"' not in page
    again = office.post(f"/clues/cases/{case.pk}/accept/")
    assert again.status_code == 409 and 'data-code="clue_case_settled"' in html(again)


def test_clue_check_through_the_page(world, browser):
    case = submit(world).case
    office = browser("office")
    url = f"/clues/cases/{case.pk}/check/"
    unit = world.departments["sthjj"]
    refused = office.post(url, {"unit": unit.pk, "start_date": "", "end_date": "2026-12-01"})
    assert refused.status_code == 400
    assert not Inspection.objects.filter(clue_cases=case).exists()
    response = office.post(url, {"unit": unit.pk, "start_date": "2026-11-23", "end_date": "2026-11-27"})
    assert response.status_code == 302
    case.refresh_from_db()
    assert case.status == CaseStatus.CHECKING and case.inspection_id is not None
    assert 'id="inspection-link"' in html(office.get(f"/clues/cases/{case.pk}/"))


def test_a_leader_sees_the_case_but_takes_no_triage_decision(world, browser):
    case = submit(world).case
    leader = browser("leader")
    page = html(leader.get(f"/clues/cases/{case.pk}/"))
    assert 'id="accept-form"' not in page and 'id="route-form"' not in page
    response = leader.post(f"/clues/cases/{case.pk}/accept/")
    assert response.status_code == 403
    case.refresh_from_db()
    assert case.status == CaseStatus.NEW


def test_reject_one_clue_with_a_block(world, browser):
    clue = submit(world, source_digest="abc123")
    office = browser("office")
    url = f"/clues/clue/{clue.pk}/reject/"
    refused = office.post(url, {"reason": "", "block_days": "7"})
    assert refused.status_code == 400 and 'data-code="reason_required"' in html(refused)
    clue.refresh_from_db()
    assert clue.status == ClueStatus.ACTIVE and not BlockedSource.objects.exists()
    assert office.post(url, {"reason": "广告信息", "block_days": "7"}).status_code == 302
    clue.refresh_from_db()
    assert clue.status == ClueStatus.REJECTED
    assert BlockedSource.objects.filter(source_digest="abc123").exists()
    clue.case.refresh_from_db()
    assert clue.case.status == CaseStatus.CLOSED  # its only clue


def test_split_out_and_merge_back(world, browser):
    first = submit(world)
    second = submit(world, text=POLLUTION + "我们几户人家都闻到了。", signed=False)
    case = first.case
    assert second.case_id == case.pk, "the engine groups the same complaint"
    office = browser("office")
    page = html(office.get(f"/clues/cases/{case.pk}/"))
    assert page.count("split-form") == 2
    assert office.post(f"/clues/clue/{second.pk}/split/").status_code == 302
    second.refresh_from_db()
    assert second.case_id != case.pk
    case.refresh_from_db()
    assert case.clue_count == 1
    # The split clue names the first as similar: its page offers to merge it back.
    page = html(office.get(f"/clues/cases/{second.case_id}/"))
    assert f'<input type="hidden" name="case" value="{case.pk}">' in page
    alone = second.case_id
    assert office.post(f"/clues/clue/{second.pk}/move/", {"case": case.pk}).status_code == 302
    second.refresh_from_db()
    case.refresh_from_db()
    assert second.case_id == case.pk and case.clue_count == 2
    assert Case.objects.get(pk=alone).status == CaseStatus.CLOSED
    # A single clue cannot be split from itself.
    lone = submit(
        world, text="东湖镇莲花村的自来水已经停了五天，一直没有通知什么时候恢复供水。", township="dhz"
    )
    refused = office.post(f"/clues/clue/{lone.pk}/split/")
    assert refused.status_code == 409 and f'data-code="{codes.ACTION_NOT_ALLOWED}"' in html(refused)


# --- the answer ---------------------------------------------------------------------------------------------------


def test_answer_draft_submit_review_and_publish(world, browser):
    case = submit(world).case
    services.case_accept(case_id=case.pk, actor=world.user("office"))
    office = browser("office")
    url = f"/clues/cases/{case.pk}/"
    assert office.post(url + "draft/", {"text": "经查，已责令企业停产整改。"}).status_code == 302
    assert office.post(url + "submit/").status_code == 302
    answer = Answer.objects.get(case=case)
    assert answer.status == AnswerStatus.SUBMITTED
    listed = html(office.get("/clues/answers/"))
    assert f'id="answer-{answer.pk}"' in listed
    # The drafter may not publish their own answer; the refusal is shown.
    page = html(office.get(url))
    assert 'id="publish-form"' not in page
    refused = office.post(url + "publish/")
    assert refused.status_code == 403 and 'data-code="clue_answer_same_reviewer"' in html(refused)
    # Another office user returns it with a reason; it is edited and submitted again; a leader publishes.
    other = browser("office2")
    assert 'id="publish-form"' in html(other.get(url))
    assert other.post(url + "return/", {"reason": "请写明整改期限"}).status_code == 302
    answer.refresh_from_db()
    assert answer.status == AnswerStatus.RETURNED
    office = browser("office")
    assert "请写明整改期限" in html(office.get(url))
    office.post(url + "draft/", {"text": "经查，已责令企业停产整改，12月底前完成。"})
    office.post(url + "submit/")
    leader = browser("leader")
    assert leader.post(url + "publish/").status_code == 302
    answer.refresh_from_db()
    case.refresh_from_db()
    assert answer.status == AnswerStatus.PUBLISHED and case.status == CaseStatus.ANSWERED
    assert 'id="published-answer"' in html(leader.get(url))


# --- who sees what ----------------------------------------------------------------------------------------------


def test_a_unit_gets_403_everywhere(world, browser):
    clue = submit(world)
    unit = browser("fgw_head")
    for path in (
        "/clues/",
        f"/clues/cases/{clue.case_id}/",
        "/clues/answers/",
        "/clues/all/",
        "/clues/import/",
        "/clues/duties/",
    ):
        assert unit.get(path).status_code == 403, path
    assert unit.post(f"/clues/cases/{clue.case_id}/accept/").status_code == 403
    assert unit.post(f"/clues/clue/{clue.pk}/reveal/").status_code == 403
    assert 'data-nav="clues"' not in html(unit.get("/"))
    assert browser("leader").get("/clues/import/").status_code == 403
    assert 'data-nav="clues"' in html(browser("leader").get("/"))


def test_another_governments_case_is_404(world, browser):
    (city_clue,) = intake.clues_take_in(
        government=world.city,
        incoming=[
            intake.Incoming(text="市区某小区电梯长期故障无人维修，居民上下楼很困难。", channel="hotline")
        ],
    )
    county_case = submit(world).case
    office = browser("office")
    assert office.get(f"/clues/cases/{city_clue.case_id}/").status_code == 404
    assert office.post(f"/clues/cases/{city_clue.case_id}/accept/").status_code == 404
    assert office.post(f"/clues/clue/{city_clue.pk}/reject/", {"reason": "x"}).status_code == 404
    assert (
        office.post(
            f"/clues/clue/{county_case.clues.first().pk}/move/", {"case": city_clue.case_id}
        ).status_code
        == 404
    )
    assert browser("city_office").get(f"/clues/cases/{county_case.pk}/").status_code == 404
    assert office.get("/clues/cases/99999999/").status_code == 404
    assert Case.objects.get(pk=city_clue.case_id).status == CaseStatus.NEW


def test_the_reporter_is_on_no_page_but_the_keepers_reveal(world, browser, keeper):
    clue = submit(world)
    case = clue.case
    services.case_accept(case_id=case.pk, actor=world.user("office"))
    services.answer_draft(case_id=case.pk, actor=world.user("office"), text="已转交生态环境分局处理。")
    services.answer_submit(answer_id=case.answers.get().pk, actor=world.user("office"))
    pages = (
        "/clues/",
        "/clues/?status=accepted",
        f"/clues/cases/{case.pk}/",
        "/clues/all/",
        "/clues/answers/",
    )
    for username in ("office", "leader"):
        client = browser(username)
        for path in pages:
            body = html(client.get(path))
            assert NAME not in body and PHONE not in body, (username, path)
            assert "reveal-form" not in body
        assert client.post(f"/clues/clue/{clue.pk}/reveal/").status_code == 403
    assert "张**" in html(browser("office").get("/clues/all/"))
    assert not Event.objects.filter(event_type=EventType.CLUE_REPORTER_VIEWED).exists()

    client = browser("keeper")
    page = html(client.get(f"/clues/cases/{case.pk}/"))
    assert NAME not in page and PHONE not in page and "reveal-form" in page
    revealed = client.post(f"/clues/clue/{clue.pk}/reveal/")
    assert revealed.status_code == 200 and "no-store" in revealed["Cache-Control"]
    assert NAME in html(revealed) and PHONE in html(revealed)
    events = Event.objects.filter(event_type=EventType.CLUE_REPORTER_VIEWED)
    assert events.count() == 1 and events.get().subject_id == clue.pk and events.get().actor == keeper
    # Once: the page read again shows the mask.
    again = html(client.get(f"/clues/cases/{case.pk}/"))
    assert NAME not in again and PHONE not in again
    # With htmx, only the reporter's cell comes back.
    partial = client.post(f"/clues/clue/{clue.pk}/reveal/", headers={"HX-Request": "true"})
    assert NAME in html(partial) and "<html" not in html(partial)
    assert events.count() == 2


def test_photos_are_served_to_those_who_see_the_case(world, browser):
    photo = SimpleUploadedFile("现场.png", PIXEL, content_type="image/png")
    clue = submit(world, photos=[photo])
    record = clue.photos.get()
    office = browser("office")
    assert f"/clues/photos/{record.pk}/" in html(office.get(f"/clues/cases/{clue.case_id}/"))
    response = office.get(f"/clues/photos/{record.pk}/")
    assert response.status_code == 200 and response["Content-Type"] == "image/png"
    assert b"".join(response.streaming_content) == PIXEL
    assert browser("fgw").get(f"/clues/photos/{record.pk}/").status_code == 403
    assert browser("city_office").get(f"/clues/photos/{record.pk}/").status_code == 404


# --- the list of clues, the import, the duties ---------------------------------------------------------------------


def test_clues_list_filters_and_pages(world, browser, settings):
    submit(world)
    many_cases(world, 3)
    office = browser("office")
    body = html(office.get("/clues/all/"))
    assert body.count('data-clue="') == 4
    hotline = html(office.get("/clues/all/", {"channel": "hotline"}))
    assert hotline.count('data-clue="') == 3
    cgz = html(office.get("/clues/all/", {"township": world.townships["cgz"].pk}))
    assert cgz.count('data-clue="') == 2
    assert html(office.get("/clues/all/", {"since": "2026-11-19"})).count('data-clue="') == 0
    assert (
        html(office.get("/clues/all/", {"since": "2026-11-18", "until": "2026-11-18"})).count('data-clue="')
        == 4
    )
    newest = Clue.objects.order_by("-id").first()
    older = html(office.get("/clues/all/", {"before": newest.pk}))
    assert older.count('data-clue="') == 3 and f'data-clue="{newest.pk}"' not in older


def test_import_a_jsonl_batch_then_again(world, browser):
    rows = [
        {
            "text": "西山镇石门村的桥梁护栏损坏多处，学生上学经过很危险，请尽快维修。",
            "source": "12345",
            "source_ref": "H1",
        },
        {
            "text": "北塘镇马庄村小学门口的道路没有减速带，车速很快，孩子过马路危险。",
            "source": "12345",
            "source_ref": "H2",
        },
    ]
    data = "\n".join(json.dumps(row, ensure_ascii=False) for row in rows).encode()
    office = browser("office")
    assert office.get("/clues/import/").status_code == 200
    first = office.post("/clues/import/", {"file": SimpleUploadedFile("batch.jsonl", data)})
    assert first.status_code == 200 and 'data-created="2" data-skipped="0"' in html(first)
    assert Clue.objects.filter(source="12345").count() == 2
    again = office.post("/clues/import/", {"file": SimpleUploadedFile("batch.jsonl", data)})
    assert 'data-created="0" data-skipped="2"' in html(again)
    bad = data + b"\n" + json.dumps({"text": "太短", "source_ref": "H3"}).encode()
    refused = office.post("/clues/import/", {"file": SimpleUploadedFile("batch.jsonl", bad)})
    assert refused.status_code == 400
    assert 'data-code="clue_import_invalid"' in html(refused) and 'data-field="row 3"' in html(refused)
    assert Clue.objects.filter(source="12345").count() == 2
    wrong = office.post("/clues/import/", {"file": SimpleUploadedFile("batch.txt", b"hello")})
    assert wrong.status_code == 400 and 'data-code="clue_import_format"' in html(wrong)


def test_duties_are_edited_by_the_office(world, browser):
    unit = world.departments["fgw"]
    office = browser("office")
    page = html(office.get("/clues/duties/"))
    assert f'id="unit-{unit.pk}"' in page and f'id="unit-{world.townships["cgz"].pk}"' in page
    assert office.post(f"/clues/duties/{unit.pk}/", {"text": "负责价格监督、项目审批。"}).status_code == 302
    assert UnitDuties.objects.get(unit=unit).text == "负责价格监督、项目审批。"
    refused = office.post(f"/clues/duties/{unit.pk}/", {"text": ""})
    assert refused.status_code == 400 and "负责价格监督" in html(refused)
    assert UnitDuties.objects.get(unit=unit).text == "负责价格监督、项目审批。"
    refused = office.post(f"/clues/duties/{world.city_office.pk}/", {"text": "市里的职责"})
    assert refused.status_code == 400 and 'data-code="clue_unit_invalid"' in html(refused)
    leader = browser("leader")
    assert "duties-form" not in html(leader.get("/clues/duties/"))
    assert leader.post(f"/clues/duties/{unit.pk}/", {"text": "x"}).status_code == 403


def test_a_clue_from_a_place_the_county_does_not_know_is_listed_without_a_township(world, browser):
    # An upper platform's clue whose place matched no township: the queue and the list show it, blank place.
    result = services.clues_import(
        actor=world.user("office"),
        rows=[
            {"text": POLLUTION.replace("城关镇槐树村", "火星村"), "place": "火星村", "source_ref": "UP-MARS"}
        ],
    )
    (clue,) = result.created
    assert clue.township_id is None
    for path in ("/clues/", "/clues/all/"):
        page = browser("office").get(path)
        assert page.status_code == 200, path
        assert "火星村" in html(page)
