"""台账 (ledger) page: every filter alone and combined, scope, sort orders, keyset paging, bounded counts, saved
filters, bad parameters and the query count."""

from __future__ import annotations

import base64
import datetime
import json
import re
from dataclasses import dataclass
from datetime import date
from urllib.parse import urlencode

import pytest
from django.core.cache import cache
from django.db import connection
from django.http import QueryDict
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from ducha.audit.models import Event, EventType
from ducha.items import services
from ducha.items.lifecycle import ItemStatus
from ducha.items.models import Item
from ducha.workbench import fragments, ledger
from ducha.workbench.ledger import pages
from ducha.workbench.models import SavedFilter
from tests.clock import moment
from tests.helpers import item_in, make_item


def row_ids(response) -> list[int]:
    assert response.status_code == 200, response.status_code
    return [row.item_id for row in response.context["page"].rows]


def html_ids(response) -> list[int]:
    return [int(pk) for pk in re.findall(r'<tr data-item-id="(\d+)"', response.content.decode())]


def notices(response) -> set[tuple[str, str]]:
    return {(notice.parameter, notice.code) for notice in response.context["notices"]}


def set_fields(item: Item, **fields) -> Item:
    """Put an item where a test needs it (dates in the past, a tie…) without waiting for time to pass."""
    Item.objects.filter(pk=item.pk).update(**fields)
    item.refresh_from_db()
    return item


def lead_zjj(world, **fields) -> Item:
    defaults = {"title": "住建局牵头的事项", "source_type": "leader_instruction"}
    defaults.update(fields)
    return services.item_create(
        actor=world.user("office"),
        lead_unit_id=world.departments["zjj"].pk,
        co_units=[services.CoUnit(unit_id=world.departments["fgw"].pk)],
        **defaults,
    )


@dataclass
class Ledger:
    draft: Item  # fgw lead, jyj co; meeting decision; unnumbered, created this year
    old_draft: Item  # unnumbered, created last year
    green: Item  # assigned, far deadline
    yellow: Item  # assigned, inside the warning window
    red: Item  # in progress, overdue
    closed: Item  # closed
    zjj: Item  # assigned, zjj lead, fgw co, urgent, leader's instruction
    secret: Item  # assigned, secret

    def all(self) -> list[Item]:
        return [
            self.draft,
            self.old_draft,
            self.green,
            self.yellow,
            self.red,
            self.closed,
            self.zjj,
            self.secret,
        ]


@pytest.fixture
def items(world, today) -> Ledger:
    last_year = timezone.now() - datetime.timedelta(days=400)
    draft = make_item(world, title="草稿：城区停车位建设", content="新建公共停车位五百个")
    old_draft = set_fields(make_item(world, title="去年的草稿事项"), created_at=last_year)
    green = set_fields(
        item_in(world, ItemStatus.ASSIGNED, title="绿灯事项"),
        due_date=today + datetime.timedelta(days=60),
        warn_date=today + datetime.timedelta(days=55),
        assigned_at=timezone.now() - datetime.timedelta(days=20),
    )
    yellow = set_fields(
        item_in(world, ItemStatus.ASSIGNED, title="黄灯事项", urgency="urgent"),
        due_date=today + datetime.timedelta(days=2),
        warn_date=today - datetime.timedelta(days=1),
        assigned_at=timezone.now() - datetime.timedelta(days=10),
    )
    red = set_fields(
        item_in(world, ItemStatus.IN_PROGRESS, title="红灯事项", source_type="npc_suggestion"),
        due_date=today - datetime.timedelta(days=3),
        warn_date=today - datetime.timedelta(days=8),
        assigned_at=timezone.now() - datetime.timedelta(days=30),
    )
    closed = item_in(world, ItemStatus.CLOSED, title="已办结事项")
    zjj = lead_zjj(world, urgency="urgent")
    services.item_submit(item_id=zjj.pk, actor=world.user("office"))
    services.item_approve(item_id=zjj.pk, actor=world.user("leader"))
    services.item_assign(item_id=zjj.pk, actor=world.user("office"))
    zjj.refresh_from_db()
    secret = item_in(world, ItemStatus.ASSIGNED, title="涉密事项", confidentiality="secret")
    return Ledger(draft, old_draft, green, yellow, red, closed, zjj, secret)


def ids(*items: Item) -> set[int]:
    return {item.pk for item in items}


# --- filters --------------------------------------------------------------------------------------------------


def test_without_filters_the_office_sees_every_item_of_its_government(browser, items):
    response = browser("office").get("/ledger/")
    assert set(row_ids(response)) == ids(*items.all())
    assert html_ids(response) == row_ids(response)
    html = response.content.decode()
    assert f'href="/items/{items.red.pk}/"' in html
    assert notices(response) == set()


@pytest.mark.parametrize(
    ("params", "expected"),
    [
        ({"status": "draft"}, ["draft", "old_draft"]),
        ({"status": ["assigned", "in_progress"]}, ["green", "yellow", "red", "zjj", "secret"]),
        ({"light": "red"}, ["red"]),
        ({"light": "yellow"}, ["yellow"]),
        ({"source": "npc_suggestion"}, ["red"]),
        ({"source": "leader_instruction"}, ["zjj"]),
        ({"urgency": "urgent"}, ["yellow", "zjj"]),
        ({"q": "停车位"}, ["draft"]),  # title
        ({"q": "五百个"}, ["draft"]),  # content
        ({"preset": "overdue"}, ["red"]),
    ],
)
def test_each_filter_alone(browser, items, params, expected):
    response = browser("office").get("/ledger/", params)
    assert set(row_ids(response)) == ids(*(getattr(items, name) for name in expected))
    assert notices(response) == set()


def test_green_light_filter(browser, items):
    green_ids = set(row_ids(browser("office").get("/ledger/", {"light": "green"})))
    assert items.green.pk in green_ids
    assert green_ids.isdisjoint(ids(items.red, items.yellow, items.draft, items.closed))
    # every green row is running with a deadline not yet in its warning window
    for item in Item.objects.filter(pk__in=green_ids):
        assert item.light_on(timezone.localdate()) == "green"


def test_keyword_finds_the_number(browser, items):
    response = browser("office").get("/ledger/", {"q": items.red.number})
    assert row_ids(response) == [items.red.pk]


def test_keyword_matches_one_field_never_across_two(browser, world):
    """The keyword searches the title, content and number joined by line feeds (one trigram index): a match
    must lie within one field, whatever the case."""
    item = make_item(world, title="Road Works", content="Drains and culverts")
    Item.objects.filter(pk=item.pk).update(number="DC-2026-7")
    client = browser("office")

    def found(keyword: str) -> bool:
        return item.pk in row_ids(client.get("/ledger/", {"q": keyword}))

    assert found("road works") and found("CULVERT") and found("dc-2026") and found("s and c")
    assert not found("worksdrains") and not found("works drains") and not found("culvertsdc")
    assert not found("%") and not found("_")  # LIKE wildcards are literal


def test_a_keyword_with_a_line_feed_searches_the_fields_one_by_one(world):
    item = make_item(world, title="甲乙", content="丙丁")
    office = world.user("office")
    today = timezone.localdate()

    def found(keyword: str) -> bool:
        spec = ledger.LedgerFilter(keyword=keyword)
        return ledger.filter_queryset(office, spec, today).filter(pk=item.pk).exists()

    assert not found("乙\n丙")  # the joined text would match; the fields do not
    assert found("甲乙") and not found("乙丙")


def test_lead_and_co_unit_filters(browser, world, items):
    client = browser("office")
    zjj, fgw, jyj = (world.departments[code].pk for code in ("zjj", "fgw", "jyj"))
    assert row_ids(client.get("/ledger/", {"lead": zjj})) == [items.zjj.pk]
    assert set(row_ids(client.get("/ledger/", {"co": fgw}))) == {items.zjj.pk}
    assert set(row_ids(client.get("/ledger/", {"co": jyj}))) == ids(*items.all()) - ids(items.zjj)
    assert set(row_ids(client.get("/ledger/", {"lead": fgw}))) == ids(*items.all()) - ids(items.zjj)


def test_year_uses_the_number_year_or_the_creation_year(browser, items, today):
    client = browser("office")
    this_year = set(row_ids(client.get("/ledger/", {"year": today.year})))
    assert this_year == ids(*items.all()) - ids(items.old_draft)
    last_year = set(row_ids(client.get("/ledger/", {"year": items.old_draft.created_at.year})))
    if items.old_draft.created_at.year != today.year:
        assert last_year == {items.old_draft.pk}
    # a numbered item counts in its number's year, whenever it was created
    set_fields(items.green, number_year=today.year - 3, created_at=timezone.now())
    assert set(row_ids(client.get("/ledger/", {"year": today.year - 3}))) == {items.green.pk}


def test_assigned_date_range(browser, items, today):
    client = browser("office")
    params = {
        "assigned_from": (today - datetime.timedelta(days=25)).isoformat(),
        "assigned_to": (today - datetime.timedelta(days=5)).isoformat(),
    }
    assert set(row_ids(client.get("/ledger/", params))) == ids(items.green, items.yellow)
    one_day = (today - datetime.timedelta(days=10)).isoformat()
    assert row_ids(client.get("/ledger/", {"assigned_from": one_day, "assigned_to": one_day})) == [
        items.yellow.pk
    ]


def test_due_date_range(browser, items, today):
    client = browser("office")
    params = {"due_from": (today - datetime.timedelta(days=5)).isoformat(), "due_to": today.isoformat()}
    assert row_ids(client.get("/ledger/", params)) == [items.red.pk]
    params = {"due_from": today.isoformat()}
    due_later = set(row_ids(client.get("/ledger/", params)))
    assert ids(items.green, items.yellow) <= due_later and items.red.pk not in due_later


@pytest.mark.parametrize(
    ("now", "first", "last"),
    [
        # 00:30 Beijing on the first of the month is still the last day of the month before in UTC.
        pytest.param(
            moment(2026, 12, 1, 0, 30), date(2026, 12, 1), date(2026, 12, 31), id="month-start-00:30"
        ),
        pytest.param(
            moment(2026, 12, 31, 23, 30), date(2026, 12, 1), date(2026, 12, 31), id="year-end-23:30"
        ),
        pytest.param(moment(2026, 2, 28, 9), date(2026, 2, 1), date(2026, 2, 28), id="february-make-up-day"),
    ],
)
def test_due_this_month_lists_running_items_due_this_month(browser, items, time_machine, now, first, last):
    time_machine.move_to(now, tick=False)
    set_fields(items.green, due_date=last, warn_date=last)
    set_fields(items.yellow, due_date=last + datetime.timedelta(days=1))
    set_fields(items.red, due_date=first)
    set_fields(items.zjj, due_date=first - datetime.timedelta(days=1))
    set_fields(items.secret, due_date=last + datetime.timedelta(days=20))
    set_fields(items.closed, due_date=first + datetime.timedelta(days=1))  # finished: not listed
    response = browser("office").get("/ledger/", {"preset": "due_this_month"})
    assert set(row_ids(response)) == ids(items.green, items.red)


def test_filters_combined(browser, world, items):
    client = browser("office")
    params = {"status": ["assigned", "in_progress"], "lead": world.departments["fgw"].pk, "urgency": "urgent"}
    assert row_ids(client.get("/ledger/", params)) == [items.yellow.pk]
    params = {"light": "red", "source": "npc_suggestion", "q": "红灯"}
    assert row_ids(client.get("/ledger/", params)) == [items.red.pk]
    params = {"light": "red", "source": "meeting_decision"}
    assert row_ids(client.get("/ledger/", params)) == []
    assert "ledger-empty" in client.get("/ledger/", params).content.decode()


# --- scope ----------------------------------------------------------------------------------------------------


def test_a_unit_user_sees_only_its_units_items(browser, items):
    assert set(row_ids(browser("zjj").get("/ledger/"))) == {items.zjj.pk}
    fgw_ids = set(row_ids(browser("fgw").get("/ledger/")))
    # drafts belong to the office; fgw leads or co-handles every assigned item here
    assert fgw_ids == ids(items.green, items.yellow, items.red, items.closed, items.zjj, items.secret)


def test_a_unit_user_cannot_widen_scope_with_filters(browser, world, items):
    response = browser("zjj").get("/ledger/", {"lead": world.departments["fgw"].pk})
    assert row_ids(response) == []


def test_city_office_sees_the_countys_items_but_not_secret_ones_nor_drafts(browser, items):
    seen = set(row_ids(browser("city_office").get("/ledger/")))
    assert items.secret.pk not in seen
    assert items.draft.pk not in seen  # a draft is the drafting office's own
    assert ids(items.green, items.red) <= seen
    assert items.draft.pk in set(row_ids(browser("office").get("/ledger/")))


def test_reading_a_secret_item_in_the_ledger_is_logged(browser, world, items):
    before = Event.objects.filter(event_type=EventType.ITEM_VIEWED, subject_id=items.secret.pk).count()
    browser("office").get("/ledger/")
    after = Event.objects.filter(event_type=EventType.ITEM_VIEWED, subject_id=items.secret.pk).count()
    assert after == before + 1


def test_the_reads_of_a_pages_secret_items_are_logged_in_one_statement(browser, world, items):
    others = [
        item_in(world, ItemStatus.ASSIGNED, title=f"涉密事项{n}", confidentiality="secret") for n in range(3)
    ]
    secret_ids = {items.secret.pk, *(item.pk for item in others)}
    office = browser("office")
    with CaptureQueriesContext(connection) as queries:
        office.get("/ledger/")
    inserts = [q["sql"] for q in queries if q["sql"].startswith('INSERT INTO "audit_event"')]
    assert len(inserts) == 1
    logged = Event.objects.filter(event_type=EventType.ITEM_VIEWED, subject_id__in=secret_ids)
    assert set(logged.values_list("subject_id", flat=True)) == secret_ids
    assert {(event.actor_id, event.actor_unit_id) for event in logged} == {
        (world.user("office").pk, world.user("office").unit_id)
    }


def test_anonymous_visitors_are_sent_to_log_in(client, world):
    response = client.get("/ledger/")
    assert response.status_code == 302 and response["Location"].startswith("/login/")


# --- sorting and keyset paging --------------------------------------------------------------------------------


@pytest.fixture
def many(world, today) -> list[Item]:
    """Twelve items with ties and NULLs in every sort key: equal due dates, unnumbered drafts, equal update
    times."""
    created = [make_item(world, title=f"排序事项{n}") for n in range(12)]
    same_day = today + datetime.timedelta(days=20)
    same_time = timezone.now() - datetime.timedelta(hours=1)
    for index, item in enumerate(created):
        fields = {}
        if index < 8:  # eight numbered, four not
            fields.update(number=f"督〔{today.year}〕{900 + index % 5}号-{index}", number_year=today.year)
            fields["number_seq"] = 900 + index % 5  # ties on (year, seq) too
        if index % 3 != 0:  # some without a due date
            fields["due_date"] = same_day if index % 2 else today + datetime.timedelta(days=index)
        if index % 4 == 0:
            fields["updated_at"] = same_time
        Item.objects.filter(pk=item.pk).update(**fields)
    return list(Item.objects.filter(pk__in=[i.pk for i in created]))


def expected_order(items: list[Item], sort: str, direction: str) -> list[int]:
    columns = ledger.SORTS[sort][0]
    descending = direction == "desc"

    # NULLs last in both directions; then the key; then the id in the same direction.
    present = sorted(
        items,
        key=lambda item: (
            [getattr(item, c) is None for c in columns],
            [getattr(item, c) for c in columns if getattr(item, c) is not None],
            item.pk,
        ),
    )
    if not descending:
        return [item.pk for item in present]
    # Descending: NULL keys still last, everything else reversed.
    groups: dict[tuple, list[Item]] = {}
    for item in items:
        groups.setdefault(tuple(getattr(item, c) is None for c in columns), []).append(item)
    ordered: list[int] = []
    for nulls in sorted(groups):
        group = sorted(
            groups[nulls],
            key=lambda item: ([getattr(item, c) for c in columns if getattr(item, c) is not None], item.pk),
            reverse=True,
        )
        ordered.extend(item.pk for item in group)
    return ordered


@pytest.mark.parametrize("direction", ["asc", "desc"])
@pytest.mark.parametrize("sort", ["due", "number", "updated"])
def test_each_sort_order(browser, many, sort, direction):
    response = browser("office").get("/ledger/", {"sort": sort, "dir": direction})
    assert row_ids(response) == expected_order(many, sort, direction)


@pytest.mark.parametrize("direction", ["asc", "desc"])
@pytest.mark.parametrize("sort", ["due", "number", "updated"])
@pytest.mark.parametrize("page_size", [1, 2, 5])
def test_keyset_paging_covers_every_item_once(world, many, sort, direction, page_size, today):
    spec, _ = ledger.parse_filter(QueryDict(urlencode({"sort": sort, "dir": direction})))
    user = world.user("office")
    seen: list[int] = []
    positions: list[int] = []
    cursor = None
    for _page in range(100):
        page = ledger.ledger_page(user, spec, today=today, cursor=cursor, limit=page_size)
        seen.extend(row.item_id for row in page.rows)
        positions.extend(row.position for row in page.rows)
        if page.next_cursor is None:
            break
        cursor, notice = ledger.decode_cursor(page.next_cursor, spec)
        assert notice is None
    assert seen == expected_order(many, sort, direction)
    assert len(seen) == len(set(seen))
    assert positions == list(range(1, len(many) + 1))


def test_next_page_links_walk_the_whole_ledger(browser, many, monkeypatch):
    monkeypatch.setattr(pages, "PAGE_SIZE", 5)
    client = browser("office")
    url = "/ledger/?sort=due&dir=asc"
    seen: list[int] = []
    for _page in range(10):
        response = client.get(url)
        seen.extend(row_ids(response))
        match = re.search(
            r'id="ledger-next" href="([^"]+)"|href="([^"]+)" id="ledger-next"', response.content.decode()
        )
        if not match:
            break
        url = (match.group(1) or match.group(2)).replace("&amp;", "&")
        assert "sort=due" in url and "dir=asc" in url and "cursor=" in url
    assert seen == expected_order(many, "due", "asc")


def test_a_cursor_for_another_sort_order_starts_again_with_a_notice(browser, world, many, today):
    spec, _ = ledger.parse_filter(QueryDict("sort=due&dir=asc"))
    page = ledger.ledger_page(world.user("office"), spec, today=today, limit=3)
    response = browser("office").get("/ledger/", {"sort": "number", "cursor": page.next_cursor})
    assert ("cursor", "cursor_mismatch") in notices(response)
    assert response.context["page"].start == 0


# --- counts ---------------------------------------------------------------------------------------------------


def test_count_is_exact_below_the_bound(browser, items):
    response = browser("office").get("/ledger/")
    page = response.context["page"]
    assert page.count == len(items.all()) and not page.count_is_bounded
    assert f'data-count="{len(items.all())}" data-bounded="false"' in response.content.decode()


def test_count_stops_at_the_bound(browser, many, monkeypatch):
    monkeypatch.setattr(pages, "COUNT_LIMIT", 5)
    response = browser("office").get("/ledger/")
    page = response.context["page"]
    assert page.count == 6 and page.count_is_bounded and page.shown_count == 5
    assert 'data-count="5" data-bounded="true"' in response.content.decode()


def item_counts(queries) -> list[str]:
    return [q["sql"] for q in queries if "COUNT(" in q["sql"].upper() and "items_item" in q["sql"]]


def test_the_count_query_is_limited(browser, many, monkeypatch):
    monkeypatch.setattr(pages, "PAGE_SIZE", 5)  # more rows than a page: the first page cannot count them
    client = browser("office")
    with CaptureQueriesContext(connection) as queries:
        response = client.get("/ledger/")
    counts = item_counts(queries)
    # On PostgreSQL a first page is first looked up by its version, which counts too (ledger.kept_page); on a
    # miss the page query follows with its own count.
    assert len(counts) == (2 if connection.vendor == "postgresql" else 1)
    assert all(f"LIMIT {ledger.COUNT_LIMIT + 1}" in count for count in counts)
    assert response.context["page"].count == len(many)


def test_the_page_query_carries_its_count(browser, many):
    client = browser("office")
    client.get("/ledger/")  # warm the session and the calendar cache
    with CaptureQueriesContext(connection) as queries:
        response = client.get("/ledger/")
    item_queries = [q["sql"] for q in queries if '"items_item"' in q["sql"]]
    # one query reads the page's rows, their units and the (bounded) count
    assert len(item_queries) == 1 and item_counts(queries) == item_queries
    page = response.context["page"]
    assert page.count == len(page.rows) == len(many) and not page.count_is_bounded


def test_a_keyword_page_leaves_its_count_to_its_own_request(browser, many, monkeypatch):
    monkeypatch.setattr(pages, "PAGE_SIZE", 5)
    client = browser("office")
    with CaptureQueriesContext(connection) as queries:
        response = client.get("/ledger/", {"q": "排序事项"})
    assert len(row_ids(response)) == 5 and response.context["page"].count is None
    assert item_counts(queries) == []  # the page did not count
    html = response.content.decode()
    assert 'hx-get="/ledger/count/?q=%E6%8E%92%E5%BA%8F%E4%BA%8B%E9%A1%B9"' in html

    with CaptureQueriesContext(connection) as queries:
        counted = client.get("/ledger/count/", {"q": "排序事项"})
    assert counted.status_code == 200 and len(item_counts(queries)) == 1
    assert f'data-count="{len(many)}" data-bounded="false"' in counted.content.decode()
    assert f"共 {len(many)} 个事项" in counted.content.decode()


def test_a_keyword_page_holding_every_match_counts_itself(browser, many):
    response = browser("office").get("/ledger/", {"q": "排序事项"})
    page = response.context["page"]
    assert page.count == len(many) == len(page.rows)
    assert "/ledger/count/" not in response.content.decode()


def test_the_count_request_keeps_to_the_users_scope_and_refuses_the_rest(client, browser, items):
    city = browser("city_office").get("/ledger/count/", {"q": "涉密"}).content.decode()
    assert 'data-count="0"' in city  # the county's secret item is not the city's to count
    county = browser("office").get("/ledger/count/", {"q": "涉密"}).content.decode()
    assert 'data-count="1"' in county
    # bad parameters are left out, as on the page
    assert browser("office").get("/ledger/count/", {"year": "abc", "q": "涉密"}).status_code == 200
    assert browser("office").post("/ledger/count/").status_code == 405
    client.logout()
    assert client.get("/ledger/count/").status_code == 302


def test_a_page_after_the_last_row_counts_on_its_own(browser, many, monkeypatch):
    monkeypatch.setattr(pages, "PAGE_SIZE", 5)
    client = browser("office")
    # an old link's cursor after which no row is left (newest first: nothing was updated before 1990)
    long_ago = datetime.datetime(1990, 1, 1, tzinfo=datetime.UTC)
    beyond = ledger.encode_cursor(ledger.Cursor("updated", "desc", (long_ago,), 1, 5))
    with CaptureQueriesContext(connection) as queries:
        page = client.get(f"/ledger/?cursor={beyond}").context["page"]
    assert page.rows == [] and page.next_cursor is None
    assert page.count == len(many)
    assert len(item_counts(queries)) == 2  # the empty page query, then the count alone


def test_a_later_page_counts_every_row(browser, many, monkeypatch):
    monkeypatch.setattr(pages, "PAGE_SIZE", 5)
    client = browser("office")
    first = client.get("/ledger/").context["page"]
    with CaptureQueriesContext(connection) as queries:
        last = client.get(f"/ledger/?cursor={first.next_cursor}").context["page"]
        last = client.get(f"/ledger/?cursor={last.next_cursor}").context["page"]
    assert len(item_counts(queries)) == 2
    assert len(last.rows) == len(many) - 10 and last.next_cursor is None
    assert last.count == len(many)


# --- saved filters --------------------------------------------------------------------------------------------


def test_saved_filter_create_apply_delete(browser, world, items):
    client = browser("office")
    response = client.post(
        "/ledger/filters/", {"name": "红灯议案", "query": "light=red&source=npc_suggestion&cursor=x"}
    )
    saved = SavedFilter.objects.get(user=world.user("office"), name="红灯议案")
    assert saved.query == "source=npc_suggestion&light=red"
    assert response.status_code == 302 and response["Location"] == f"/ledger/?{saved.query}"
    page = client.get("/ledger/")
    assert [s.pk for s in page.context["saved_filters"]] == [saved.pk]
    assert f'data-saved-filter="{saved.pk}"' in page.content.decode()
    assert row_ids(client.get(f"/ledger/?{saved.query}")) == [items.red.pk]
    # the same name replaces the query
    client.post("/ledger/filters/", {"name": "红灯议案", "query": "light=yellow"})
    saved.refresh_from_db()
    assert saved.query == "light=yellow"
    assert SavedFilter.objects.filter(user=world.user("office")).count() == 1
    response = client.post(f"/ledger/filters/{saved.pk}/delete/")
    assert response.status_code == 302
    assert not SavedFilter.objects.filter(pk=saved.pk).exists()


def test_saved_filters_are_private(browser, world, items):
    mine = SavedFilter.objects.create(user=world.user("office2"), name="我的", query="light=red")
    client = browser("office")
    assert client.get("/ledger/").context["saved_filters"] == []
    assert client.post(f"/ledger/filters/{mine.pk}/delete/").status_code == 404
    assert SavedFilter.objects.filter(pk=mine.pk).exists()


def test_a_saved_filter_needs_a_name(browser, world):
    client = browser("office")
    response = client.post("/ledger/filters/", {"name": "  ", "query": "light=red"})
    assert response.status_code == 302
    assert not SavedFilter.objects.filter(user=world.user("office")).exists()


def test_saved_filter_endpoints_need_post(browser, world):
    client = browser("office")
    assert client.get("/ledger/filters/").status_code == 405
    assert client.get("/ledger/filters/1/delete/").status_code == 405


def test_built_in_filters_are_offered(browser, items):
    html = browser("office").get("/ledger/").content.decode()
    assert 'data-preset="due_this_month"' in html and 'data-preset="overdue"' in html


# --- bad parameters -------------------------------------------------------------------------------------------


def cursor_of(payload) -> str:
    return base64.urlsafe_b64encode(json.dumps(payload).encode()).decode().rstrip("=")


@pytest.mark.parametrize(
    ("params", "parameter"),
    [
        ({"year": "abc"}, "year"),
        ({"year": "99999"}, "year"),
        ({"year": "２０２６"}, "year"),
        ({"status": "bogus"}, "status"),
        ({"light": "purple"}, "light"),
        ({"lead": "-1"}, "lead"),
        ({"lead": "9" * 30}, "lead"),
        ({"co": "x"}, "co"),
        ({"urgency": "zz"}, "urgency"),
        ({"source": "<script>"}, "source"),
        ({"assigned_from": "2026-13-01"}, "assigned_from"),
        ({"assigned_to": "9999-12-31"}, "assigned_to"),
        ({"due_from": "tomorrow"}, "due_from"),
        ({"due_from": "2026-05-01", "due_to": "2026-04-01"}, "due_from"),
        ({"sort": "evil"}, "sort"),
        ({"dir": "up"}, "dir"),
        ({"preset": "everything"}, "preset"),
        ({"q": "x" * 500}, "q"),
        ({"cursor": "garbage!!"}, "cursor"),
        ({"cursor": cursor_of([1, 2])}, "cursor"),
        ({"cursor": cursor_of({"s": "updated", "d": "desc", "k": ["not a date"], "i": 1, "n": 0})}, "cursor"),
        (
            {
                "cursor": cursor_of(
                    {"s": "updated", "d": "desc", "k": ["2026-01-01T00:00:00"], "i": 1, "n": 0}
                )
            },
            "cursor",
        ),
        (
            {
                "cursor": cursor_of({"s": "due", "d": "asc", "k": [5], "i": 1, "n": 0}),
                "sort": "due",
                "dir": "asc",
            },
            "cursor",
        ),
        (
            {
                "cursor": cursor_of({"s": "number", "d": "desc", "k": [1, 2], "i": 0, "n": 0}),
                "sort": "number",
            },
            "cursor",
        ),
        (
            {
                "cursor": cursor_of({"s": "number", "d": "desc", "k": [1, True], "i": 5, "n": -1}),
                "sort": "number",
            },
            "cursor",
        ),
        ({"cursor": "A" * 2000}, "cursor"),
        ({"cursor": cursor_of({"s": "updated", "d": "desc", "k": [None], "i": 5, "n": 0})}, "cursor"),
        (
            {
                "cursor": cursor_of({"s": "number", "d": "desc", "k": [2**40, 1], "i": 5, "n": 0}),
                "sort": "number",
            },
            "cursor",
        ),
    ],
)
def test_bad_parameters_are_ignored_with_a_notice(browser, items, params, parameter):
    client = browser("office")
    response = client.get("/ledger/", params)
    assert response.status_code == 200
    assert parameter in {p for p, _code in notices(response)}
    assert f'data-parameter="{parameter}"' in response.content.decode()
    # the rest of the page still works: every item listed, as without the bad parameter
    if parameter not in ("q",):
        assert set(row_ids(response)) <= ids(*items.all())
    export = client.get("/ledger/export.xlsx", params)
    assert export.status_code == 200
    b"".join(export.streaming_content)


def test_a_bad_parameter_does_not_drop_the_good_ones(browser, items):
    response = browser("office").get("/ledger/", {"light": "red", "year": "abc"})
    assert row_ids(response) == [items.red.pk]
    assert notices(response) == {("year", "invalid")}


def test_a_valid_cursor_with_a_null_key_is_accepted(browser, world, many, today):
    _spec, _ = ledger.parse_filter(QueryDict("sort=due&dir=desc"))
    nulls = sorted(item.pk for item in many if item.due_date is None)
    cursor = ledger.encode_cursor(ledger.Cursor("due", "desc", (None,), nulls[-1], 3))
    response = browser("office").get("/ledger/", {"sort": "due", "dir": "desc", "cursor": cursor})
    assert notices(response) == set()
    assert row_ids(response) == sorted(nulls[:-1], reverse=True)
    assert [row.position for row in response.context["page"].rows] == list(range(4, 4 + len(nulls) - 1))


# --- queries --------------------------------------------------------------------------------------------------


def test_the_page_query_count_does_not_grow_with_rows(browser, world):
    client = browser("office")
    for n in range(5):
        make_item(world, title=f"事项{n}", co_units=("jyj", "zjj"))
    client.get("/ledger/")  # warm the session and the calendar cache
    # Both pages read afresh (on PostgreSQL a first page is otherwise kept: test_ledger_page_cache.py).
    cache.clear()
    fragments.forget_local()
    with CaptureQueriesContext(connection) as few:
        response = client.get("/ledger/")
    assert len(row_ids(response)) == 5
    for n in range(20):
        make_item(world, title=f"更多事项{n}", co_units=("jyj",))
    cache.clear()
    fragments.forget_local()
    with CaptureQueriesContext(connection) as many:
        response = client.get("/ledger/")
    assert len(row_ids(response)) == 25
    assert len(many) == len(few), [q["sql"] for q in many.captured_queries]


def test_phone_and_keyboard_markup(browser, items):
    html = browser("office").get("/ledger/").content.decode()
    # the filter form folds (details/summary), the table scrolls in its own focusable region
    assert '<details class="ledger-filters" id="ledger-filters"' in html
    assert 'class="ledger-scroll" role="region"' in html and 'tabindex="0"' in html
    for control in ("f-q", "f-year", "f-source", "f-light", "f-lead", "f-co", "f-urgency", "f-sort", "f-dir"):
        assert f'<label for="{control}"' in html
    assert "ducha/ledger.css" in html


# --- the rows' markup and the unit options ------------------------------------------------------------------

# The loop the ledger template held before the rows were joined in Python (ledger.rows_html): the reference.
ROWS_TEMPLATE = """{% for row in rows %}
    <tr data-item-id="{{ row.item_id }}" data-status="{{ row.status }}" data-light="{{ row.light }}">
      <td class="col-position">{{ row.position }}</td>
      <td class="col-number">{{ row.number|default:"—" }}</td>
      <td class="col-title"><a href="{% url 'item-detail' row.item_id %}">{{ row.title }}</a></td>
      <td class="col-source" data-source="{{ row.source_type }}">{{ row.source_label }}{% if row.source_reference %}<br><small>{{ row.source_reference|truncatechars:40 }}</small>{% endif %}</td>
      <td>{{ row.lead_unit }}</td>
      <td>{{ row.co_units_text|default:"—" }}</td>
      <td class="col-date">{{ row.assigned_on|date:"Y-m-d"|default:"—" }}</td>
      <td class="col-date">{{ row.due_date|date:"Y-m-d"|default:"—" }}</td>
      <td class="col-progress"{% if row.progress %} title="{{ row.progress }}"{% endif %}>{{ row.progress|truncatechars:60|default:"—" }}</td>
      <td>{{ row.status_label }}</td>
      <td class="col-light">{% if row.light %}<span class="light-dot {{ row.light }}" aria-hidden="true"></span>{{ row.light_label }}{% else %}—{% endif %}</td>
    </tr>
  {% endfor %}"""


def squeeze(markup: str) -> str:
    return re.sub(r">\s+<", "><", markup.strip())


def test_rows_html_is_the_template_markup(world):
    from django.template import Context, Template

    plain = ledger.LedgerRow(
        position=1,
        item_id=7,
        number="督〔2026〕1号",
        title="推进<老旧小区>改造 & “提质”",
        source_type="meeting_decision",
        source_label="会议议定",
        source_reference="县政府第12次常务会议" * 5,  # longer than 40 characters: shortened
        lead_unit="县发改局",
        co_units=("县教育局", "县住建局's"),
        assigned_on=datetime.date(2026, 3, 2),
        due_date=datetime.date(2026, 3, 16),
        progress='已完成"前期"调研' + "，" * 70,  # longer than 60 characters
        status="in_progress",
        status_label="办理中",
        light="red",
        light_label="红灯",
    )
    bare = ledger.LedgerRow(
        position=1_234_567,
        item_id=8,
        number="",
        title="草稿",
        source_type="other",
        source_label="其他",
        source_reference="",
        lead_unit="",
        co_units=(),
        assigned_on=None,
        due_date=None,
        progress="",
        status="draft",
        status_label="草稿",
        light="",
        light_label="",
    )
    short = ledger.LedgerRow(
        **{**plain.__dict__, "item_id": 9, "progress": "e\u0301tude", "source_reference": "短"}
    )
    rows = [plain, bare, short]

    expected = Template("{% load i18n %}" + ROWS_TEMPLATE).render(Context({"rows": rows}))
    assert squeeze(ledger.rows_html(rows)) == squeeze(expected)
    markup = ledger.rows_html(rows)
    assert (
        "&lt;老旧小区&gt;" in markup and plain.source_reference not in markup and plain.progress not in markup
    )


def test_unit_options_come_once_from_their_own_url_and_follow_the_units(browser, world):
    from ducha.orgs.models import UnitKind, UnitLevel
    from ducha.orgs.services import unit_create

    client = browser("office")
    fgw = world.departments["fgw"]
    page = client.get(f"/ledger/?lead={fgw.pk}").content.decode()
    # the page holds only the chosen unit; the whole list comes from its own URL, loaded after the page
    assert f'<option value="{fgw.pk}" selected>{fgw.name}</option>' in page
    assert f'hx-get="/ledger/unit-options/?selected={fgw.pk}"' in page
    assert 'hx-get="/ledger/unit-options/" hx-trigger="load"' in page  # the co-unit filter, nothing chosen
    assert page.count('<option value="') < 60  # no unit list in the page

    response = client.get(f"/ledger/unit-options/?selected={fgw.pk}")
    options = response.content.decode()
    assert options.startswith('<option value="">')
    assert f'<option value="{fgw.pk}" selected>{fgw.name}</option>' in options
    assert options.count(" selected>") == 1
    assert f">{world.departments['jyj'].name}</option>" in options
    assert "private" in response["Cache-Control"] and "max-age=" in response["Cache-Control"]

    # the browser asks again with the ETag: nothing changed, nothing sent, and no unit listed
    with CaptureQueriesContext(connection) as queries:
        again = client.get(f"/ledger/unit-options/?selected={fgw.pk}", HTTP_IF_NONE_MATCH=response["ETag"])
    assert again.status_code == 304 and again.content == b""
    assert not [
        q for q in queries if q["sql"].startswith('SELECT "orgs_unit"."id" AS "id", "orgs_unit"."name"')
    ]

    # a new unit changes the list and its ETag at once
    unit_create(name="县新设局", level=UnitLevel.COUNTY, kind=UnitKind.DEPARTMENT, parent=world.county)
    fresh = client.get(f"/ledger/unit-options/?selected={fgw.pk}", HTTP_IF_NONE_MATCH=response["ETag"])
    assert fresh.status_code == 200 and "县新设局" in fresh.content.decode()
    assert fresh["ETag"] != response["ETag"]


def test_unit_options_refusals(client, browser, world):
    assert client.get("/ledger/unit-options/").status_code == 302  # signed out: to the login page
    office = browser("office")
    for bad in ("abc", "-1", "99999999999999999999999"):
        response = office.get("/ledger/unit-options/", {"selected": bad})
        assert response.status_code == 200 and " selected>" not in response.content.decode()
    assert office.post("/ledger/unit-options/").status_code == 405
    # a unit above the county office's government (the city's office) is neither among its options nor shown
    # as the chosen one on its page
    outsider = world.city_office
    assert not outsider.path.startswith(world.county.path)
    page = office.get(f"/ledger/?lead={outsider.pk}").content.decode()
    assert f'<option value="{outsider.pk}"' not in page
    options = office.get("/ledger/unit-options/", {"selected": outsider.pk}).content.decode()
    assert f'<option value="{outsider.pk}"' not in options
