"""The ledger's pages kept in the cache (ledger/pages.py kept_page, issue 18): a page is kept under an md5 the
database works out over exactly the rows it shows, so any change of those rows — an item's status, a new item, a
unit's name, the count — is on the next page load; a page is served from the cache with one query; and the
version is of the rows the user's own scope selects, so no one is shown another scope's page.

Kept on PostgreSQL only; elsewhere the page is read as before (the rest of tests/workbench/test_ledger.py)."""

from __future__ import annotations

import re

import pytest
from django.core.cache import cache
from django.db import connection
from django.test.utils import CaptureQueriesContext

from ducha.audit.models import Event, EventType
from ducha.items import services
from ducha.items.lifecycle import ItemStatus
from ducha.orgs.models import Unit
from ducha.workbench import fragments
from tests.helpers import item_in

pytestmark = [
    pytest.mark.django_db,
    pytest.mark.usefixtures("fresh_fragments"),
    pytest.mark.skipif(connection.vendor != "postgresql", reason="pages are kept on PostgreSQL only"),
]


def row_ids(response) -> list[int]:
    return [int(pk) for pk in re.findall(r'<tr data-item-id="(\d+)"', response.content.decode())]


def row_of(response, item_id: int) -> str:
    match = re.search(rf'<tr data-item-id="{item_id}".*?</tr>', response.content.decode(), re.S)
    assert match, item_id
    return match.group(0)


def item_queries(queries) -> list[str]:
    return [q["sql"] for q in queries.captured_queries if '"items_item"' in q["sql"]]


def test_a_page_is_served_from_the_cache_with_its_one_query(browser, world):
    items = [item_in(world, ItemStatus.ASSIGNED) for _ in range(3)]
    client = browser("office")
    first = client.get("/ledger/")
    with CaptureQueriesContext(connection) as queries:
        second = client.get("/ledger/")

    assert row_ids(second) == row_ids(first) and {item.pk for item in items} <= set(row_ids(second))
    assert second.content.decode().count("<tr data-item-id") == len(row_ids(first))
    assert len(item_queries(queries)) == 1  # the page query, read no further than its first row
    assert second.context["page"].count == first.context["page"].count


def test_a_status_change_is_on_the_next_page_load(browser, world):
    item = item_in(world, ItemStatus.ASSIGNED)
    client = browser("office")
    assert 'data-status="assigned"' in row_of(client.get("/ledger/"), item.pk)

    services.item_sign(item_id=item.pk, actor=world.user("fgw"))
    after = client.get("/ledger/")

    assert 'data-status="in_progress"' in row_of(after, item.pk)
    assert row_ids(after)[0] == item.pk  # the latest change first


def test_a_new_item_and_the_count_are_on_the_next_page_load(browser, world):
    item_in(world, ItemStatus.ASSIGNED)
    client = browser("office")
    before = client.get("/ledger/")

    added = item_in(world, ItemStatus.DRAFT, title="新登记的事项")
    after = client.get("/ledger/")

    assert row_ids(after)[0] == added.pk and added.pk not in row_ids(before)
    assert after.context["page"].count == before.context["page"].count + 1


def test_an_item_that_leaves_the_scope_leaves_the_kept_page(browser, world):
    """An item the city no longer sees (secret: its own government's only) goes, with the count."""
    stays = item_in(world, ItemStatus.ASSIGNED)
    item = item_in(world, ItemStatus.ASSIGNED)
    client = browser("city_office")
    before = client.get("/ledger/")
    assert {item.pk, stays.pk} <= set(row_ids(before))

    from ducha.items.models import Item

    Item.objects.filter(pk=item.pk).update(confidentiality="secret")  # by any code, updated_at untouched
    after = client.get("/ledger/")

    assert item.pk not in row_ids(after) and stays.pk in row_ids(after)
    assert after.context["page"].count == before.context["page"].count - 1


def test_a_renamed_unit_shows_once_the_kept_page_expires(browser, world):
    """A unit's name is not part of a page's version (kept_page): the old name shows for at most the fragments'
    life (FRAGMENT_SECONDS), then the new one."""
    item = item_in(world, ItemStatus.ASSIGNED)
    client = browser("office")
    lead = world.departments["fgw"]
    assert lead.name in row_of(client.get("/ledger/"), item.pk)
    Unit.objects.filter(pk=lead.pk).update(name="县发展改革和科技局")

    kept = row_of(client.get("/ledger/"), item.pk)
    cache.clear()
    fragments.forget_local()  # what the fragments' life does in the end
    expired = row_of(client.get("/ledger/"), item.pk)

    assert lead.name in kept
    assert "县发展改革和科技局" in expired


def test_a_change_that_moves_no_row_keeps_the_page_as_it_was(browser, world, monkeypatch):
    """The version is the shown rows' ids and last changes and the count: a change to an item that is not on the
    first page and stays in the filter leaves the page alone (served from the cache, with its one query)."""
    from ducha.items.models import Item
    from ducha.workbench.ledger import pages

    monkeypatch.setattr(pages, "PAGE_SIZE", 2)
    older = item_in(world, ItemStatus.ASSIGNED)
    for _ in range(3):
        item_in(world, ItemStatus.ASSIGNED)
    client = browser("office")
    first = client.get("/ledger/")
    assert older.pk not in row_ids(first)

    Item.objects.filter(pk=older.pk).update(title="改了标题的较早事项")
    with CaptureQueriesContext(connection) as queries:
        again = client.get("/ledger/")

    assert row_ids(again) == row_ids(first) and len(item_queries(queries)) == 1


def test_no_one_is_shown_another_scopes_kept_page(browser, world):
    county_item = item_in(world, ItemStatus.ASSIGNED, co_units=("jyj",))
    secret = item_in(world, ItemStatus.ASSIGNED, confidentiality="secret", co_units=("zjj",))
    pages = {}
    for username in ("office", "city_office", "jyj", "zjj", "office", "city_office", "jyj", "zjj"):
        pages.setdefault(username, []).append(row_ids(browser(username).get("/ledger/")))

    for username, (first, served) in pages.items():
        assert first == served, username  # the second view came from the cache, and is the same
    assert secret.pk in pages["office"][1] and secret.pk not in pages["city_office"][1]
    assert county_item.pk in pages["jyj"][1] and county_item.pk not in pages["zjj"][1]
    assert secret.pk not in pages["jyj"][1] and secret.pk in pages["zjj"][1]  # a unit on it sees it


def test_ticking_rows_is_the_offices_only_on_a_kept_page(browser, world):
    item_in(world, ItemStatus.ASSIGNED)
    office = browser("office").get("/ledger/").content.decode()
    leader = browser("leader").get("/ledger/").content.decode()
    office_again = browser("office").get("/ledger/").content.decode()

    assert 'name="items"' in office and 'name="items"' in office_again
    assert 'name="items"' not in leader


def test_a_secret_item_read_from_a_kept_page_is_logged_each_time(browser, world):
    secret = item_in(world, ItemStatus.ASSIGNED, confidentiality="secret")
    client = browser("office")
    for _ in range(2):
        client.get("/ledger/")

    viewed = Event.objects.filter(event_type=EventType.ITEM_VIEWED, subject_type="item", subject_id=secret.pk)
    assert viewed.count() == 2


def test_a_kept_page_is_not_served_for_another_cursor_or_filter(browser, world, monkeypatch):
    from ducha.workbench.ledger import pages

    monkeypatch.setattr(pages, "PAGE_SIZE", 2)
    made = [item_in(world, ItemStatus.ASSIGNED, title=f"翻页事项{n}") for n in range(3)]
    client = browser("office")
    first = client.get("/ledger/")
    second = client.get(f"/ledger/?cursor={first.context['page'].next_cursor}")
    assigned = client.get("/ledger/", {"status": "assigned"})

    assert set(row_ids(first)).isdisjoint(row_ids(second))
    assert row_ids(first) == [made[2].pk, made[1].pk]
    assert row_ids(assigned)
    assert all('data-status="assigned"' in row_of(assigned, pk) for pk in row_ids(assigned))
