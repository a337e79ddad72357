"""互联网+督查 over the API: an anonymous submission gives a tracking code whose public page shows the progress; bad
submissions are refused with their codes and store nothing; the rate limit answers 429; the office's list carries
the engine's findings (the case grouping two reports of one problem, the units suggested) and pages by id; units
and other governments see nothing; a reporter's name and phone never leave the keeper's reveal, which is logged;
an import run twice creates nothing the second time.

The clock stands still at 18 November 2026, 10:00 Beijing time."""

from __future__ import annotations

import datetime
import re

import pytest
import time_machine
from django.test import Client

from ducha.audit.models import Event, EventType
from ducha.clues.models import Case, Clue, Place
from ducha.common import error_codes as codes
from ducha.evaluation.ledger import ledger_open
from ducha.items import services as item_services
from ducha.orgs.models import Role, Unit, UnitKind, UnitLevel
from ducha.orgs.services import token_issue, unit_create, user_create
from tests.api.support import body, error
from tests.api.test_openapi import documented, problems
from tests.clock import moment
from tests.clues.support import clue_county
from tests.conftest import ApiClient

pytestmark = pytest.mark.django_db

PREFIX = "/api/v1"
NAME, PHONE = "欧阳明辉", "13912345678"
# Two reports of one problem, in other words, from the same village.
RUBBISH_1 = "城关镇槐树村村口的垃圾堆放点已经一个多月没人清运了，臭味很大，蚊蝇成群，希望尽快清理。"
RUBBISH_2 = "槐树村村口垃圾堆了一个多月都没有人来清运，气味难闻，苍蝇蚊子很多，请尽快派人清理垃圾。"
WAGES = "县城新华社区某建筑工地拖欠二十多名农民工工资已经三个月，包工头一直推脱不给，工人们过年回不了家。"


@pytest.fixture(autouse=True)
def _still_clock_and_no_limits(settings):
    settings.DUCHA_CLUE_RATE_PER_SOURCE = "0"
    settings.DUCHA_CLUE_RATE_GLOBAL = "0"
    with time_machine.travel(moment(2026, 11, 18, 10), tick=False):
        yield


@pytest.fixture
def keeper(world):
    return clue_county(world)


@pytest.fixture
def anonymous() -> Client:
    """A browser without a cookie, enforcing CSRF as a real one would."""
    return Client(enforce_csrf_checks=True)


@pytest.fixture
def document(client, db) -> dict:
    return body(client.get(f"{PREFIX}/openapi.json"))


def shaped(document: dict, method: str, path: str, response, status: int = 200):
    data = body(response, status)
    schema = documented(document, method, f"{PREFIX}{path}", status)
    assert problems(document, schema, data) == [], (method, path, data)
    return data


def village(world, name: str) -> Place:
    return Place.objects.get(government=world.county, name=name)


def submit(client: Client, world, **fields):
    data = {"government_id": world.county.pk, "category": "conduct", "anonymous": True, **fields}
    return client.post(f"{PREFIX}/public/clues", data, content_type="application/json")


def as_keeper(keeper) -> ApiClient:
    return ApiClient(token_issue(user=keeper)[0])


def put(client: ApiClient, path: str, data: dict):
    return client.client.put(f"{PREFIX}{path}", data, content_type="application/json", headers=client.headers)


# --- the public channel -----------------------------------------------------------------------------------------


def test_an_anonymous_submission_gives_a_code_whose_public_page_shows_the_progress(
    world, keeper, anonymous, document
):
    place = village(world, "槐树村")

    created = shaped(
        document,
        "post",
        "/public/clues",
        submit(anonymous, world, text=RUBBISH_1, township_id=place.township_id, place_id=place.pk),
        201,
    )

    assert re.fullmatch(r"[A-Z2-9]{12}", created["code"])
    assert created["progress"] == "received"
    assert datetime.datetime.fromisoformat(created["submitted_at"]) == moment(2026, 11, 18, 10)
    clue = Clue.objects.get(code=created["code"])
    assert (clue.channel, clue.anonymous, clue.place_id, clue.reporter_masked) == (
        "public",
        True,
        place.pk,
        "",
    )
    assert clue.source_digest and "127.0.0.1" not in clue.source_digest
    page = shaped(
        document,
        "get",
        f"/public/clues/{created['code']}",
        anonymous.get(f"{PREFIX}/public/clues/{created['code']}"),
    )
    assert page["progress"] == "received" and page["answer"] == "" and "槐树村" in page["place"]
    # the case accepted: the reporter reads it with the same code (lower case typed is fine)
    body(api_office(world).post(f"/clues/cases/{clue.case_id}/accept"))
    page = body(anonymous.get(f"{PREFIX}/public/clues/{created['code'].lower()}"))
    assert page["progress"] == "accepted"
    error(anonymous.get(f"{PREFIX}/public/clues/ZZZZZZZZZZZZ"), 404, codes.CLUE_CODE_UNKNOWN)


def api_office(world) -> ApiClient:
    return ApiClient(token_issue(user=world.user("office"))[0])


@pytest.mark.parametrize(
    ("fields", "code", "field"),
    [
        ({"anonymous": False, "name": "张三", "phone": "12345"}, codes.CLUE_PHONE_INVALID, "phone"),
        ({"text": "太短了"}, codes.CLUE_TEXT_LENGTH, "text"),
        ({"government_id": 999999}, codes.INVALID_INPUT, "government_id"),
        ({"anonymous": False, "name": "", "phone": PHONE}, codes.CLUE_NAME_REQUIRED, "name"),
        ({"category": "gossip"}, codes.INVALID_INPUT, "category"),
    ],
)
def test_a_bad_submission_is_refused_with_its_code_and_nothing_is_stored(
    world, keeper, anonymous, fields, code, field
):
    before = (Clue.objects.count(), Case.objects.count(), Event.objects.count())

    data = error(submit(anonymous, world, **{"text": WAGES, **fields}), 400, code)

    assert field in data["fields"]
    assert (Clue.objects.count(), Case.objects.count(), Event.objects.count()) == before


def test_a_township_is_no_government_to_submit_to(world, keeper, anonymous):
    error(
        submit(anonymous, world, text=WAGES, government_id=world.townships["cgz"].pk),
        400,
        codes.INVALID_INPUT,
    )
    assert not Clue.objects.exists()


def test_the_rate_limit_answers_429(world, keeper, anonymous, settings, document):
    settings.DUCHA_CLUE_RATE_PER_SOURCE = "2/3600"
    for _ in range(2):
        body(submit(anonymous, world, text=WAGES), 201)

    error(submit(anonymous, world, text=WAGES), 429, codes.CLUE_RATE_LIMITED)

    assert Clue.objects.count() == 2
    # another address is not limited by this one's count; the channel's own limit then refuses everyone
    other = Client(REMOTE_ADDR="10.0.0.9")
    body(submit(other, world, text=WAGES), 201)
    settings.DUCHA_CLUE_RATE_GLOBAL = "3/3600"
    error(submit(Client(REMOTE_ADDR="10.0.0.10"), world, text=WAGES), 429, codes.CLUE_CHANNEL_BUSY)
    assert "429" in document["paths"][f"{PREFIX}/public/clues"]["post"]["responses"]


def test_the_places_are_the_townships_with_their_villages(world, keeper, anonymous, document):
    data = shaped(
        document,
        "get",
        f"/clues/places?government_id={world.county.pk}",
        anonymous.get(f"{PREFIX}/clues/places", {"government_id": world.county.pk}),
    )

    assert data["government"] == {"id": world.county.pk, "name": world.county.name}
    assert len(data["townships"]) == 12
    cgz = next(row for row in data["townships"] if row["id"] == world.townships["cgz"].pk)
    assert {"槐树村", "城东社区"} <= {place["name"] for place in cgz["places"]}
    assert next(place for place in cgz["places"] if place["name"] == "城东社区")["kind"] == "community"


# --- the office's list ------------------------------------------------------------------------------------------


ROW_FIELDS = {
    "id",
    "code",
    "channel",
    "source",
    "source_ref",
    "submitted_at",
    "category",
    "text",
    "township",
    "place",
    "status",
    "case",
    "similar",
    "suggested_units",
    "suggested_category",
    "urgent",
    "urgent_reasons",
    "reporter",
}


def test_the_list_carries_the_engine_findings_and_groups_two_reports_of_one_problem(
    world, keeper, anonymous, document, api
):
    place = village(world, "槐树村")
    first = body(submit(anonymous, world, text=RUBBISH_1, place_id=place.pk), 201)
    second = body(
        submit(anonymous, world, text=RUBBISH_2, place_id=place.pk, anonymous=False, name=NAME, phone=PHONE),
        201,
    )
    wages = body(submit(anonymous, world, text=WAGES), 201)

    page = shaped(document, "get", "/clues/", api("office").get("/clues/"))

    assert page["next"] is None
    rows = {row["code"]: row for row in page["rows"]}
    assert [row["code"] for row in page["rows"]] == [wages["code"], second["code"], first["code"]]
    for row in page["rows"]:
        assert set(row) == ROW_FIELDS
        assert row["channel"] == "public" and row["status"] == "active"
        assert isinstance(row["urgent"], bool) and isinstance(row["urgent_reasons"], list)
        for entry in row["similar"]:
            assert set(entry) == {"id", "score"}
        scores = [entry["score"] for entry in row["suggested_units"]]
        assert scores == sorted(scores, reverse=True)
    a, b = rows[first["code"]], rows[second["code"]]
    assert a["case"]["id"] == b["case"]["id"] and b["case"]["clue_count"] == 2
    assert set(a["case"]) == {"id", "number", "status", "clue_count"}
    assert a["case"]["number"].startswith("XS2026-") and a["case"]["status"] == "new"
    assert rows[wages["code"]]["case"]["id"] != a["case"]["id"]
    assert any(entry["id"] == a["id"] for entry in b["similar"])
    assert b["place"] == {"id": place.pk, "name": "槐树村"}
    assert b["township"] == {"id": world.townships["cgz"].pk, "name": world.townships["cgz"].name}
    assert b["reporter"] == "欧*** 139****5678" and a["reporter"] == ""
    units = {unit.pk: unit.name for unit in Unit.objects.all()}
    for row in page["rows"]:
        assert row["suggested_units"], row["text"]
        for entry in row["suggested_units"]:
            assert entry["unit"]["name"] == units[entry["unit"]["id"]]
    assert rows[wages["code"]]["urgent"] is True and "wages" in rows[wages["code"]]["urgent_reasons"]
    # the filters
    urgent = body(api("office").get("/clues/", urgent="true"))["rows"]
    assert [row["code"] for row in urgent] == [wages["code"]]
    assert {row["code"] for row in body(api("office").get("/clues/", urgent="false"))["rows"]} == {
        first["code"],
        second["code"],
    }
    assert body(api("office").get("/clues/", channel="hotline"))["rows"] == []
    assert len(body(api("office").get("/clues/", status="new"))["rows"]) == 3
    assert body(api("office").get("/clues/", status="closed"))["rows"] == []
    in_cgz = body(api("office").get("/clues/", township_id=world.townships["cgz"].pk))["rows"]
    assert {row["code"] for row in in_cgz} >= {first["code"], second["code"]}


def test_suggested_unit_names_are_read_in_one_query_for_the_page(
    world, keeper, api, django_assert_max_num_queries
):
    office = api("office")
    rows = [{"text": f"{WAGES}（第{n}次反映）", "source": "12345", "source_ref": f"Q{n}"} for n in range(12)]
    body(office.post("/clues/import", {"rows": rows}))
    body(office.get("/clues/"))  # warm: the token and the session

    with django_assert_max_num_queries(8):
        page = body(office.get("/clues/", limit=12))

    assert len(page["rows"]) == 12 and all(row["suggested_units"] for row in page["rows"])


def test_the_list_pages_by_id_newest_first(world, keeper, api, document):
    office = api("office")
    rows = [
        {"text": f"第{n}号反映：{place}道路破损严重，下雨天积水很深，群众出行困难。", "place": place}
        for n, place in enumerate(["槐树村", "东湖村", "西山村", "桥头村", "塘坊村"], start=1)
    ]
    body(office.post("/clues/import", {"rows": rows}))
    ids = list(Clue.objects.order_by("-id").values_list("pk", flat=True))

    seen, after = [], None
    while True:
        page = shaped(
            document,
            "get",
            "/clues/",
            office.get("/clues/", limit=2, **({"after": after} if after else {})),
        )
        seen += [row["id"] for row in page["rows"]]
        after = page["next"]
        if after is None:
            break

    assert seen == ids and len(ids) == 5
    cases = body(office.get("/clues/cases/", limit=3))
    assert len(cases["rows"]) == 3 and cases["next"] == cases["rows"][-1]["id"]
    rest = body(office.get("/clues/cases/", after=cases["next"], limit=3))
    assert rest["next"] is None and len(cases["rows"]) + len(rest["rows"]) == Case.objects.count()


def test_units_are_refused_and_another_government_sees_nothing(world, keeper, api, anonymous):
    body(submit(anonymous, world, text=WAGES), 201)
    clue = Clue.objects.get()
    for username in ("fgw", "fgw_head", "cgz"):
        error(api(username).get("/clues/"), 403, codes.ROLE_REQUIRED)
        error(api(username).get(f"/clues/{clue.pk}"), 403, codes.ROLE_REQUIRED)
        error(api(username).get("/clues/cases/"), 403, codes.ROLE_REQUIRED)
        error(api(username).post(f"/clues/cases/{clue.case_id}/accept"), 403, codes.ROLE_REQUIRED)
    county = unit_create(
        name="样板县人民政府", level=UnitLevel.COUNTY, kind=UnitKind.GOVERNMENT, parent=world.city
    )
    office_unit = unit_create(
        name="样板县人民政府督查室", level=UnitLevel.COUNTY, kind=UnitKind.SUPERVISION_OFFICE, parent=county
    )
    stranger = ApiClient(
        token_issue(
            user=user_create(username="ybx_office", password=None, unit=office_unit, roles=[Role.OFFICE])
        )[0]
    )

    assert body(stranger.get("/clues/"))["rows"] == []
    assert body(stranger.get("/clues/cases/"))["rows"] == []
    error(stranger.get(f"/clues/{clue.pk}"), 404, codes.NOT_FOUND)
    error(stranger.get(f"/clues/cases/{clue.case_id}"), 404, codes.NOT_FOUND)
    error(stranger.post(f"/clues/cases/{clue.case_id}/accept"), 404, codes.NOT_FOUND)
    assert Case.objects.get().status == "new"


# --- triage over the API ----------------------------------------------------------------------------------------


def test_the_office_triages_a_case_and_the_reporter_reads_the_answer(world, keeper, api, anonymous, document):
    office, office2, leader = api("office"), api("office2"), api("leader")
    created = body(submit(anonymous, world, text=WAGES), 201)
    case_id = Clue.objects.get(code=created["code"]).case_id

    detail = shaped(
        document, "post", f"/clues/cases/{case_id}/accept", office.post(f"/clues/cases/{case_id}/accept")
    )
    assert detail["status"] == "accepted" and len(detail["clues"]) == 1
    error(office.post(f"/clues/cases/{case_id}/accept"), 409, codes.ACTION_NOT_ALLOWED)
    routed = shaped(
        document,
        "post",
        f"/clues/cases/{case_id}/route",
        office.post(f"/clues/cases/{case_id}/route", {"unit_id": world.departments["rsj"].pk}),
    )
    assert body(office.get(f"/items/{routed['item_id']}"))["status"] == "pending_approval"
    answer = shaped(
        document,
        "post",
        f"/clues/cases/{case_id}/answer",
        office.post(f"/clues/cases/{case_id}/answer", {"text": "经核查，拖欠工资已于11月足额发放。"}),
    )
    assert answer["status"] == "draft"
    body(office.post(f"/clues/answers/{answer['id']}/submit"))
    error(office.post(f"/clues/answers/{answer['id']}/publish"), 403, codes.CLUE_ANSWER_REVIEWER)
    returned = body(office2.post(f"/clues/answers/{answer['id']}/return", {"reason": "请写明发放金额"}))
    assert returned["status"] == "returned"
    body(
        office.post(f"/clues/cases/{case_id}/answer", {"text": "经核查，拖欠的42万元工资已于11月足额发放。"})
    )
    body(office.post(f"/clues/answers/{answer['id']}/submit"))
    published = body(leader.post(f"/clues/answers/{answer['id']}/publish"))

    assert published["status"] == "published"
    page = body(anonymous.get(f"{PREFIX}/public/clues/{created['code']}"))
    assert page["progress"] == "answered" and "42万元" in page["answer"]
    detail = shaped(document, "get", f"/clues/cases/{case_id}", office.get(f"/clues/cases/{case_id}"))
    assert detail["status"] == "answered" and [a["status"] for a in detail["answers"]] == ["published"]


def test_move_reject_close_check_and_duties(world, keeper, api, anonymous, document):
    office = api("office")
    place = village(world, "槐树村")
    first = body(submit(anonymous, world, text=RUBBISH_1, place_id=place.pk), 201)
    second = body(submit(anonymous, world, text=RUBBISH_2, place_id=place.pk), 201)
    spam = body(submit(anonymous, world, text=WAGES), 201)
    a, b, c = (Clue.objects.get(code=x["code"]) for x in (first, second, spam))

    moved = shaped(
        document, "post", f"/clues/{b.pk}/move", office.post(f"/clues/{b.pk}/move", {"case_id": None})
    )
    assert moved["case"]["id"] != a.case_id and moved["case"]["clue_count"] == 1
    back = body(office.post(f"/clues/{b.pk}/move", {"case_id": a.case_id}))
    assert back["case"] == {**back["case"], "id": a.case_id, "clue_count": 2}
    rejected = body(office.post(f"/clues/{c.pk}/reject", {"reason": "内容重复刷屏", "block_days": 30}))
    assert rejected["status"] == "rejected" and rejected["reject_reason"] == "内容重复刷屏"
    error(submit(anonymous, world, text=WAGES), 403, codes.CLUE_SOURCE_BLOCKED)
    error(office.post(f"/clues/{a.pk}/reject", {"reason": "", "block_days": 400}), 400, codes.INVALID_INPUT)
    checked = body(
        office.post(
            f"/clues/cases/{a.case_id}/check",
            {"unit_id": world.townships["cgz"].pk, "start_date": "2026-11-20", "end_date": "2026-11-27"},
        )
    )
    assert checked["status"] == "checking" and checked["inspection"] is not None
    closed = body(office.post(f"/clues/cases/{a.case_id}/close", {"reason": "已清运完毕"}))
    assert closed["status"] == "closed"
    error(
        office.post(f"/clues/cases/{a.case_id}/close", {"reason": "再关一次"}), 409, codes.CLUE_CASE_SETTLED
    )
    duties = shaped(
        document,
        "put",
        f"/clues/duties/{world.departments['sthjj'].pk}",
        put(
            office,
            f"/clues/duties/{world.departments['sthjj'].pk}",
            {"text": "负责生活垃圾和环境污染的监督管理。"},
        ),
    )
    assert duties["unit"]["id"] == world.departments["sthjj"].pk
    error(
        put(api("leader"), f"/clues/duties/{world.departments['sthjj'].pk}", {"text": "x"}),
        403,
        codes.ROLE_REQUIRED,
    )


# --- the reporter's identity ------------------------------------------------------------------------------------


def test_identity_never_leaves_its_role(world, keeper, api, anonymous, document):
    office, leader = api("office"), api("leader")
    place = village(world, "槐树村")
    created = body(
        submit(anonymous, world, text=RUBBISH_1, place_id=place.pk, anonymous=False, name=NAME, phone=PHONE),
        201,
    )
    clue = Clue.objects.get(code=created["code"])
    assert NAME not in clue.reporter_name and PHONE not in clue.reporter_phone  # sealed at rest
    # the case routed to 城关镇 as an item, approved, assigned and signed; the year's ledger drawn up
    routed = body(office.post(f"/clues/cases/{clue.case_id}/route", {"unit_id": world.townships["cgz"].pk}))
    item_id = routed["item_id"]
    item_services.item_approve(item_id=item_id, actor=world.user("leader"))
    item_services.item_assign(item_id=item_id, actor=world.user("office"))
    item_services.item_sign(item_id=item_id, actor=world.user("cgz"))
    ledger = ledger_open(actor=world.user("office"), government_id=world.county.pk, year=2026)

    reads = [
        "/clues/",
        f"/clues/{clue.pk}",
        "/clues/cases/",
        f"/clues/cases/{clue.case_id}",
        f"/items/{item_id}",
        f"/items/{item_id}/timeline",
        f"/items/{item_id}/reports",
        f"/items/{item_id}/children",
        "/items/",
        f"/ledger-years/{ledger.pk}",
        f"/ledger-years/{ledger.pk}/entries",
    ]
    answered = 0
    for client in (office, leader, api("county_head"), api("cgz"), api("cgz_head"), api("fgw")):
        for path in reads:
            response = client.get(path)
            assert response.status_code in (200, 403, 404), (path, response.status_code)
            answered += response.status_code == 200
            assert_no_identity(response.content.decode())
        assert_no_identity(anonymous.get(f"{PREFIX}/public/clues/{clue.code}").content.decode())
    assert answered >= 20
    assert body(api("cgz").get(f"/items/{item_id}"))["id"] == item_id  # the unit does read the item

    # the keeper's reveal: every call logged
    for client in (office, leader, api("cgz")):
        error(client.post(f"/clues/{clue.pk}/reporter"), 403, codes.CLUE_IDENTITY_ROLE)
    assert not Event.objects.filter(event_type=EventType.CLUE_REPORTER_VIEWED).exists()
    shown = shaped(
        document, "post", f"/clues/{clue.pk}/reporter", as_keeper(keeper).post(f"/clues/{clue.pk}/reporter")
    )
    body(as_keeper(keeper).post(f"/clues/{clue.pk}/reporter"))

    assert shown == {"name": NAME, "phone": PHONE}
    views = Event.objects.filter(event_type=EventType.CLUE_REPORTER_VIEWED, subject_id=clue.pk)
    assert views.count() == 2 and {event.actor_id for event in views} == {keeper.pk}
    # the keeper's list shows the reporter masked like everyone else's
    row = body(as_keeper(keeper).get(f"/clues/{clue.pk}"))
    assert row["reporter"] == "欧*** 139****5678"
    assert_no_identity(str(row))


def assert_no_identity(text: str) -> None:
    assert NAME not in text and NAME[1:] not in text
    digits = re.sub(r"\D", "", text)
    assert PHONE not in text and PHONE not in digits


# --- imports ----------------------------------------------------------------------------------------------------


def test_an_import_twice_creates_nothing_the_second_time(world, keeper, api, document):
    office = api("office")
    rows = [
        {"text": RUBBISH_1, "place": "城关镇槐树村", "source": "12345", "source_ref": "H2026-001"},
        {"text": RUBBISH_2, "place": "槐树村", "source": "12345", "source_ref": "H2026-002"},
        {
            "text": WAGES,
            "source": "国务院互联网+督查平台",
            "source_ref": "GW-88",
            "submitted_at": "2026-11-10T09:00:00",
            "category": "conduct",
        },
    ]

    first = shaped(document, "post", "/clues/import", office.post("/clues/import", {"rows": rows}))
    count = Clue.objects.count()
    second = body(office.post("/clues/import", {"rows": rows}))

    assert first == {"created": 3, "skipped": 0, "cases": 2}
    assert second == {"created": 0, "skipped": 3, "cases": 0}
    assert Clue.objects.count() == count == 3
    channels = dict(Clue.objects.values_list("source_ref", "channel"))
    assert channels == {"H2026-001": "hotline", "H2026-002": "hotline", "GW-88": "upper"}


def test_a_bad_row_refuses_the_whole_import(world, keeper, api):
    rows = [
        {"text": WAGES, "source_ref": "A1"},
        {"text": "短", "source_ref": "A2"},
        {"text": WAGES, "channel": "mail"},
    ]

    data = error(api("office").post("/clues/import", {"rows": rows}), 400, codes.CLUE_IMPORT_INVALID)

    assert set(data["fields"]) == {"row 2", "row 3"}
    assert not Clue.objects.exists()
    error(api("leader").post("/clues/import", {"rows": rows[:1]}), 403, codes.ROLE_REQUIRED)
    assert not Clue.objects.exists()
