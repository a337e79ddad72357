"""The clue channel's services end to end: a public clue grouped with its duplicate, triaged, routed as a supervision
item that follows its lifecycle, answered after review and read back by its tracking code; the refusals leave
nothing changed; the reporter's identity is sealed and read only by the keeper, every read logged."""

from __future__ import annotations

import pytest
import time_machine
from django.db import connection

from ducha.audit.models import Event, EventType
from ducha.clues import selectors, services
from ducha.clues.models import (
    Answer,
    BlockedSource,
    Case,
    CaseStatus,
    Clue,
    ClueStatus,
    Place,
    ReporterNotice,
    RoutingExample,
)
from ducha.common.errors import InvalidState, NotPermitted, TooManyRequests, ValidationFailed
from ducha.items.models import Item, SourceType
from ducha.items.statuses import ItemStatus
from tests.clock import moment
from tests.clues.support import clue_county
from tests.helpers import advance

pytestmark = pytest.mark.django_db

NAME, PHONE = "欧阳举报", "13912345678"
FIRST = "槐树村村口的养猪场臭气熏天，夏天根本不敢开窗，粪水直接排进水沟，希望有关部门管一管。"
SECOND = "城关镇槐树村那个养猪场气味太难闻了，粪污乱排到沟里，村民意见很大。"


@pytest.fixture
def county(world):
    keeper = clue_county(world)
    return world, keeper


def _village(name: str) -> Place:
    return Place.objects.get(name=name)


def _submit(
    world, text: str, *, village: str = "槐树村", signed: bool = False, digest: str = "src-1"
) -> Clue:
    place = _village(village)
    return services.clue_submit(
        government=world.county,
        text=text,
        category="implementation",
        township_id=place.township_id,
        place_id=place.pk,
        anonymous=not signed,
        name=NAME if signed else "",
        phone=PHONE if signed else "",
        source_digest=digest,
    )


def test_a_public_clue_goes_through_triage_an_item_and_a_reviewed_answer_back_to_its_reporter(county):
    world, _keeper = county
    office, office2, leader = world.user("office"), world.user("office2"), world.user("leader")
    with time_machine.travel(moment(2026, 11, 16, 9), tick=False):
        first = _submit(world, FIRST, signed=True, digest="a")
    with time_machine.travel(moment(2026, 11, 17, 20), tick=False):
        second = _submit(world, SECOND, digest="b")
    first.refresh_from_db()
    # One problem, two reporters: one case, never merged into one clue.
    assert second.case_id == first.case_id
    case = Case.objects.get(pk=first.case_id)
    assert case.clue_count == 2 and case.status == CaseStatus.NEW
    assert {entry["id"] for entry in second.similar} == {first.pk}
    assert second.suggested_units, "the router suggests a unit"
    assert selectors.public_view(first.code).progress == "received"

    item = services.case_route(case_id=case.pk, actor=office, unit_id=world.departments["fgw"].pk)
    case.refresh_from_db()
    assert case.status == CaseStatus.ROUTED and case.item_id == item.pk
    assert item.source_type == SourceType.PUBLIC_REPORT and item.status == ItemStatus.PENDING_APPROVAL
    assert FIRST in item.content and SECOND in item.content
    assert NAME not in item.content and PHONE not in item.content
    assert RoutingExample.objects.filter(case=case, unit=world.departments["fgw"]).count() == 2
    assert selectors.public_view(second.code).progress == "in_progress"

    advance(world, item, ItemStatus.ACCEPTED)
    assert selectors.public_view(first.code).progress == "done"

    answer = services.answer_draft(
        case_id=case.pk, actor=office2, text="经核查，养殖场已停养整改，粪污已清理。"
    )
    services.answer_submit(answer_id=answer.pk, actor=office2)
    with pytest.raises(NotPermitted):  # the drafter never approves their own answer
        services.answer_publish(answer_id=answer.pk, actor=office2)
    assert selectors.public_view(first.code).answer == ""
    services.answer_publish(answer_id=answer.pk, actor=leader)
    case.refresh_from_db()
    assert case.status == CaseStatus.ANSWERED
    view = selectors.public_view(second.code.lower())
    assert view.progress == "answered" and "停养整改" in view.answer
    # The signed reporter is told by text message; the anonymous one reads it by code.
    assert list(ReporterNotice.objects.values_list("clue_id", flat=True)) == [first.pk]
    assert NAME not in ReporterNotice.objects.get().text


def test_the_reporter_is_texted_through_the_gateway_and_a_failure_stays_pending(
    county, settings, monkeypatch
):
    world, _keeper = county
    first = _submit(world, FIRST, signed=True)
    services.case_accept(case_id=first.case_id, actor=world.user("office"))
    answer = services.answer_draft(
        case_id=first.case_id, actor=world.user("office2"), text="已转交属地乡镇处理。"
    )
    services.answer_submit(answer_id=answer.pk, actor=world.user("office2"))
    services.answer_publish(answer_id=answer.pk, actor=world.user("office"))
    settings.DUCHA_SMS_GATEWAY_URL = ""
    assert services.reporter_notices_send() == 0
    assert ReporterNotice.objects.get().status == "pending"
    sent = []
    settings.DUCHA_SMS_GATEWAY_URL = "http://sms.example/send"
    monkeypatch.setattr(
        "ducha.reminders.channels._post_json",
        lambda url, payload, headers=None: sent.append(payload) or (200, '{"code": 0}'),
    )
    assert services.reporter_notices_send() == 1
    assert [payload["phone"] for payload in sent] == [PHONE] and first.code in sent[0]["text"]
    assert ReporterNotice.objects.get().status == "sent"
    assert services.reporter_notices_send() == 0


def test_a_settled_case_takes_no_new_clue_the_recurrence_opens_a_new_case(county):
    world, _keeper = county
    office = world.user("office")
    first = _submit(world, FIRST)
    services.case_close(case_id=first.case_id, actor=office, reason="已由生态环境分局立案查处。")
    again = _submit(world, SECOND, digest="c")
    assert again.case_id != first.case_id
    assert first.pk in {entry["id"] for entry in again.similar}


def test_near_misses_stay_apart(county):
    world, _keeper = county
    pig = _submit(world, FIRST)
    other_problem = _submit(
        world, "槐树村的路灯坏了快两个月了，晚上黑灯瞎火，老人走路摔了好几次。", digest="d"
    )
    other_place = _submit(world, SECOND.replace("城关镇槐树村", "东湖镇莲花村"), village="莲花村", digest="e")
    assert len({pig.case_id, other_problem.case_id, other_place.case_id}) == 3


def test_refusals_store_nothing(county, settings):
    world, _keeper = county
    place = _village("槐树村")
    other_township = world.townships["dhz"]
    cases = [
        ({"text": "太短了"}, "clue_text_length"),
        ({"anonymous": False, "name": NAME, "phone": "12345"}, "clue_phone_invalid"),
        ({"anonymous": False, "name": "", "phone": PHONE}, "clue_name_required"),
        ({"township_id": other_township.pk}, "clue_place_invalid"),
        ({"category": "gossip"}, "invalid_input"),
    ]
    for change, code in cases:
        arguments = {
            "government": world.county,
            "text": FIRST,
            "category": "conduct",
            "township_id": place.township_id,
            "place_id": place.pk,
            "anonymous": True,
            **change,
        }
        with pytest.raises(ValidationFailed) as refused:
            services.clue_submit(**arguments)
        assert refused.value.code == code
    assert not Clue.objects.exists() and not Case.objects.exists()


def test_the_limits_per_source_and_blocking(county, settings):
    world, _keeper = county
    settings.DUCHA_CLUE_RATE_PER_SOURCE = "2/3600"
    _submit(world, FIRST, digest="same")
    _submit(
        world, "城西社区菜市场门口占道经营严重，早上上班车都开不过去。", village="城西社区", digest="same"
    )
    with pytest.raises(TooManyRequests):
        _submit(
            world, "城东社区的健身器材坏了很久没人修，孩子玩的时候有危险。", village="城东社区", digest="same"
        )
    assert Clue.objects.count() == 2
    settings.DUCHA_CLUE_RATE_PER_SOURCE = "0"
    spam = _submit(
        world,
        "低价出售发票，代开各类发票，联系微信 abc123，量大从优！！！",
        village="城东社区",
        digest="spam",
    )
    services.clue_reject(clue_id=spam.pk, actor=world.user("office"), reason="广告信息", block_days=30)
    assert BlockedSource.objects.filter(source_digest="spam").exists()
    spam.refresh_from_db()
    assert spam.status == ClueStatus.REJECTED and spam.case.status == CaseStatus.CLOSED
    with pytest.raises(NotPermitted):
        _submit(world, "再次低价出售发票，代开各类发票，联系微信 abc123。", village="城东社区", digest="spam")
    assert selectors.public_view(spam.code).progress == "rejected"


def test_the_reporter_is_sealed_and_only_the_keeper_reads_it_logged(county):
    world, keeper = county
    clue = _submit(world, FIRST, signed=True)
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT reporter_name, reporter_phone, reporter_masked FROM clues_clue WHERE id = %s", [clue.pk]
        )
        name, phone, masked = cursor.fetchone()
    assert NAME not in name and PHONE not in phone and name.startswith("sm4gcm:1:")
    assert masked == "欧***" + " 139****5678"
    for user in (world.user("office"), world.user("leader"), world.user("fgw")):
        with pytest.raises(NotPermitted):
            services.reporter_reveal(clue_id=clue.pk, actor=user)
    assert services.reporter_reveal(clue_id=clue.pk, actor=keeper) == (NAME, PHONE)
    assert services.reporter_reveal(clue_id=clue.pk, actor=keeper) == (NAME, PHONE)
    assert Event.objects.filter(event_type=EventType.CLUE_REPORTER_VIEWED, subject_id=clue.pk).count() == 2


def test_triage_refusals_change_nothing(county):
    world, _keeper = county
    office, fgw = world.user("office"), world.user("fgw")
    clue = _submit(world, FIRST)
    case = clue.case
    with pytest.raises(NotPermitted):
        services.case_accept(case_id=case.pk, actor=fgw)
    with pytest.raises(ValidationFailed):  # the city's unit is not one of this government's
        services.case_route(case_id=case.pk, actor=office, unit_id=world.city.pk)
    assert not Item.objects.exists() and not RoutingExample.objects.exists()
    with pytest.raises(ValidationFailed):
        services.case_close(case_id=case.pk, actor=office, reason="  ")
    case.refresh_from_db()
    assert case.status == CaseStatus.NEW and case.decided_by_id is None
    services.case_close(case_id=case.pk, actor=office, reason="重复反映，已答复。")
    with pytest.raises(InvalidState):
        services.case_accept(case_id=case.pk, actor=office)
    with pytest.raises(InvalidState):
        services.answer_draft(case_id=case.pk, actor=office, text="答复")
    assert not Answer.objects.exists()


def test_moving_a_clue_merges_and_splits_never_silently(county):
    world, _keeper = county
    office = world.user("office")
    a = _submit(world, FIRST)
    b = _submit(
        world, "十里铺村的小学门口没有红绿灯，孩子上学过马路太危险了。", village="十里铺村", digest="x"
    )
    assert a.case_id != b.case_id
    services.clue_move(clue_id=b.pk, actor=office, case_id=a.case_id)
    old_case = Case.objects.get(pk=b.case_id)
    b.refresh_from_db()
    assert b.case_id == a.case_id and Case.objects.get(pk=a.case_id).clue_count == 2
    assert old_case.status == CaseStatus.CLOSED and old_case.clue_count == 0
    services.clue_move(clue_id=b.pk, actor=office, case_id=None)
    b.refresh_from_db()
    assert b.case_id not in (a.case_id, old_case.pk) and Case.objects.get(pk=a.case_id).clue_count == 1
    assert Event.objects.filter(event_type=EventType.CLUE_MOVED, subject_id=b.pk).count() == 2


@time_machine.travel(moment(2026, 11, 18, 10), tick=False)  # after the rows' 2026-11-10 submission
def test_an_import_is_idempotent_and_a_bad_row_refuses_the_batch(county):
    world, _keeper = county
    office = world.user("office")
    rows = [
        {
            "text": FIRST,
            "place": "城关镇槐树村",
            "submitted_at": "2026-11-10 08:30",
            "source": "12345",
            "source_ref": "GD001",
        },
        {"text": SECOND, "source": "12345", "source_ref": "GD002", "category": "不作为慢作为乱作为"},
        {
            "text": "建议在东湖村增设公交站点，方便老人进城看病。",
            "place": "火星村",
            "source": "国务院互联网+督查平台",
            "source_ref": "UP9",
        },
    ]
    result = services.clues_import(actor=office, rows=rows)
    assert len(result.created) == 3 and result.skipped == 0
    first, second, third = sorted(result.created, key=lambda clue: clue.source_ref)
    assert first.channel == "hotline" and first.place.name == "槐树村"
    assert second.category == "conduct" and second.case_id == first.case_id  # the text names the village
    assert third.channel == "upper" and "火星村" in third.text  # an unknown place is kept with the text
    again = services.clues_import(actor=office, rows=rows)
    assert again.created == [] and again.skipped == 3 and Clue.objects.count() == 3
    with pytest.raises(ValidationFailed) as refused:
        services.clues_import(
            actor=office, rows=[{"text": FIRST, "source_ref": "N1"}, {"text": "", "source_ref": "N2"}]
        )
    assert "row 2" in refused.value.fields
    assert Clue.objects.count() == 3
