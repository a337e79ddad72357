"""The item page's record kept in the cache (views/items/record.py, issue 18): a change of the item of any kind is
on the next page load, the record is read once and then served with a few small queries, and nobody is shown
anything they may not see because someone else's view filled the cache.

The record is kept on PostgreSQL only (its version is made of the rows' transaction ids); elsewhere the page is
read afresh each time, which the rest of the suite covers. The tests of the cached path skip on SQLite."""

from __future__ import annotations

import re

import pytest
from django.core.cache import cache
from django.db import connection
from django.test.utils import CaptureQueriesContext

from ducha.audit.models import Event, EventType
from ducha.items import lifecycle, services
from ducha.items.lifecycle import ItemStatus
from ducha.items.models import Item
from ducha.orgs.models import Unit
from ducha.reminders.models import Message
from ducha.reminders.services import chase_send
from ducha.workbench import fragments
from ducha.workbench.views.items import record as record_module
from ducha.workbench.views.items.page import open_actions
from tests.helpers import item_in

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("fresh_fragments")]

postgresql = pytest.mark.skipif(
    connection.vendor != "postgresql", reason="the record is kept on PostgreSQL only (transaction ids)"
)


def record_reads(queries) -> list[str]:
    """The queries of a page view that read the record (everything but the visibility probe, the session, the
    user and the badge)."""
    return [
        q["sql"]
        for q in queries
        if any(table in q["sql"] for table in ('"items_report"', '"audit_event"', '"reminders_reminder"'))
        and "concat_ws" not in q["sql"]
    ]


def section(html: str, section_id: str) -> str:
    match = re.search(rf'<section[^>]*id="{section_id}".*?</section>', html, re.S)
    return match.group(0) if match else ""


# --- the page's actions -------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "status", [ItemStatus.DRAFT, ItemStatus.ASSIGNED, ItemStatus.IN_PROGRESS, ItemStatus.ARCHIVED]
)
def test_the_open_actions_are_the_lifecycles_available_actions(world, status):
    item = item_in(world, status)
    item = Item.objects.prefetch_related("assignments__unit").get(pk=item.pk)
    for user in world.users.values():
        assert [t.action for t in open_actions(item, user)] == [
            t.action for t in lifecycle.available_actions(item, user)
        ], (status, user.username)


# --- kept, and read again after every change ----------------------------------------------------------------------


@postgresql
def test_a_record_is_read_once_then_served_from_the_cache(browser, world):
    item = item_in(world, ItemStatus.IN_PROGRESS)
    client = browser("office")
    with CaptureQueriesContext(connection) as first:
        assert client.get(f"/items/{item.pk}/").status_code == 200
    with CaptureQueriesContext(connection) as second:
        again = client.get(f"/items/{item.pk}/")

    assert again.status_code == 200
    assert record_reads(first.captured_queries)  # read and kept
    assert record_reads(second.captured_queries) == []  # served from the cache
    assert len(second) < len(first)


@postgresql
def test_a_report_is_on_the_next_page_load(browser, world):
    item = item_in(world, ItemStatus.IN_PROGRESS)
    client = browser("office")
    assert "牵头单位第二次进展" not in client.get(f"/items/{item.pk}/").content.decode()

    services.item_progress(item_id=item.pk, actor=world.user("fgw"), text="牵头单位第二次进展")
    html = client.get(f"/items/{item.pk}/").content.decode()

    assert "牵头单位第二次进展" in section(html, "reports")
    assert "牵头单位第二次进展" in html


@postgresql
def test_a_status_change_is_on_the_next_page_load(browser, world):
    item = item_in(world, ItemStatus.ASSIGNED)
    client = browser("office")
    before = client.get(f"/items/{item.pk}/").content.decode()
    assert 'data-status="assigned"' in before

    services.item_sign(item_id=item.pk, actor=world.user("fgw"))  # the lead unit signs: in progress
    after = client.get(f"/items/{item.pk}/").content.decode()

    assert 'data-status="in_progress"' in after
    assert 'data-assignment-status="signed"' in section(after, "units")
    assert "item_signed" in section(after, "timeline")


@postgresql
def test_a_reassignment_of_the_units_is_on_the_next_page_load(browser, world):
    item = item_in(world, ItemStatus.DRAFT, co_units=("jyj",))
    client = browser("office")
    units = section(client.get(f"/items/{item.pk}/").content.decode(), "units")
    assert f'data-unit="{world.departments["jyj"].pk}"' in units

    services.item_update(
        item_id=item.pk,
        actor=world.user("office"),
        co_units=[services.CoUnit(unit_id=world.departments["zjj"].pk, share=40)],
    )
    units = section(client.get(f"/items/{item.pk}/").content.decode(), "units")

    assert f'data-unit="{world.departments["zjj"].pk}"' in units
    assert f'data-unit="{world.departments["jyj"].pk}"' not in units


def read_column(html: str, recipient: str) -> str:
    """The "read" cell of the reminder log's row to `recipient`."""
    rows = re.findall(r"<tr><td>.*?</tr>", section(html, "reminders"), re.S)
    row = next(row for row in rows if f"<td>{recipient} · " in row)
    return re.findall(r"<td>(.*?)</td>", row, re.S)[-1]


@postgresql
def test_a_chase_and_its_message_being_read_are_on_the_next_page_load(browser, world):
    item = item_in(world, ItemStatus.IN_PROGRESS)
    client = browser("office")
    assert section(client.get(f"/items/{item.pk}/").content.decode(), "reminders") == ""

    chase_send(item_id=item.pk, actor=world.user("office"), text="请加快进度并报送进展。")
    sent = client.get(f"/items/{item.pk}/").content.decode()
    handler = world.user("fgw")
    assert "请加快进度并报送进展" in section(sent, "reminders")
    assert read_column(sent, handler.display_name) == "—"

    message = Message.objects.filter(recipient=handler).latest("id")
    Message.objects.filter(pk=message.pk).update(read_at=message.created_at)  # read (a message, not the item)
    read = client.get(f"/items/{item.pk}/").content.decode()

    assert read_column(read, handler.display_name) != "—"


@postgresql
def test_a_change_made_behind_the_services_back_is_on_the_next_page_load(browser, world):
    """The version is the rows' transaction ids: even an UPDATE that leaves updated_at alone shows."""
    item = item_in(world, ItemStatus.IN_PROGRESS)
    client = browser("office")
    client.get(f"/items/{item.pk}/")

    Item.objects.filter(pk=item.pk).update(content="改为修缮主干道两侧的老旧小区。")
    html = client.get(f"/items/{item.pk}/").content.decode()

    assert "改为修缮主干道两侧的老旧小区。" in html


def test_a_record_of_one_day_is_not_served_the_next(world):
    """The units' lights are in the record: its key names the day (Beijing's)."""
    import datetime

    day = datetime.date(2026, 11, 18)
    assert record_module.record_key(1, "v", day) != record_module.record_key(
        1, "v", day + datetime.timedelta(1)
    )
    assert record_module.record_key(1, "v", day) == record_module.record_key(1, "v", day)
    assert record_module.record_key(1, "v", day) != record_module.record_key(2, "v", day)
    assert record_module.record_key(1, "v", day) != record_module.record_key(1, "w", day)


# --- what decides what a user may see is never taken from the cache ------------------------------------------------


@postgresql
def test_a_user_who_may_not_see_the_item_gets_404_though_its_record_is_kept(browser, world):
    item = item_in(world, ItemStatus.IN_PROGRESS, co_units=("jyj",))
    assert browser("office").get(f"/items/{item.pk}/").status_code == 200  # kept now

    assert browser("zjj").get(f"/items/{item.pk}/").status_code == 404  # not their unit's
    assert browser("jyj").get(f"/items/{item.pk}/").status_code == 200


@postgresql
def test_a_units_unchecked_progress_stays_its_own_when_the_record_is_kept(browser, world):
    item = item_in(world, ItemStatus.IN_PROGRESS, co_units=("jyj",), progress_check_by_head=True)
    services.item_sign(item_id=item.pk, actor=world.user("jyj"))
    services.item_progress(item_id=item.pk, actor=world.user("jyj"), text="教育局尚未审核的进展")

    office = browser("office").get(f"/items/{item.pk}/").content.decode()
    own = browser("jyj").get(f"/items/{item.pk}/").content.decode()
    lead = browser("fgw").get(f"/items/{item.pk}/").content.decode()

    assert "教育局尚未审核的进展" not in section(office, "reports")
    assert "教育局尚未审核的进展" in own
    assert "教育局尚未审核的进展" not in section(lead, "reports")


@postgresql
def test_each_user_gets_their_own_actions_and_token_around_the_kept_record(browser, world):
    item = item_in(world, ItemStatus.ASSIGNED, co_units=("jyj",))
    office = browser("office").get(f"/items/{item.pk}/")
    office_token = office.cookies.get("csrftoken")
    fgw = browser("fgw").get(f"/items/{item.pk}/")

    assert [p.action for p in office.context["actions"]] != [p.action for p in fgw.context["actions"]]
    assert "sign" in [p.action for p in fgw.context["actions"]]
    assert 'data-action="sign"' in fgw.content.decode()
    assert 'data-action="sign"' not in office.content.decode()
    assert office_token is None or office_token.value not in fgw.content.decode()


@postgresql
def test_secret_items_are_not_kept_and_every_read_is_logged(browser, world):
    item = item_in(world, ItemStatus.IN_PROGRESS, confidentiality="secret")
    client = browser("office")
    for _ in range(2):
        with CaptureQueriesContext(connection) as queries:
            assert client.get(f"/items/{item.pk}/").status_code == 200
        assert record_reads(queries.captured_queries)  # read afresh every time

    viewed = Event.objects.filter(event_type=EventType.ITEM_VIEWED, subject_type="item", subject_id=item.pk)
    assert viewed.count() == 2


# --- every table the record reads is in its version ---------------------------------------------------------------

NAMES_ONLY = {
    "orgs_unit",
    "orgs_user",
    "orgs_rolegrant",
}  # names shown: a rename shows within the fragments' life


@postgresql
def test_every_table_the_record_reads_is_versioned(world):
    from ducha.items import selectors

    item = item_in(world, ItemStatus.IN_PROGRESS, co_units=("jyj",))
    chase_send(item_id=item.pk, actor=world.user("office"), text="请加快进度。")
    item = selectors.get_item_for_user(world.user("office"), item.pk, record_view=False)
    with CaptureQueriesContext(connection) as queries:
        record_module.load_record(item)
    read = set()
    for query in queries.captured_queries:
        read |= set(re.findall(r'(?:FROM|JOIN) "([a-z_0-9]+)"', query["sql"]))
    versioned = set(re.findall(r'FROM "([a-z_0-9]+)"', record_module.version_sql()))

    assert read - NAMES_ONLY <= versioned, read - NAMES_ONLY - versioned


@postgresql
def test_the_probe_answers_like_the_scope_for_every_demo_user(world):
    items = [
        item_in(world, ItemStatus.DRAFT),
        item_in(world, ItemStatus.ASSIGNED, co_units=("jyj",)),
        item_in(world, ItemStatus.IN_PROGRESS, confidentiality="secret"),
        item_in(world, ItemStatus.ARCHIVED),
    ]
    from ducha.items.selectors import items_for_user

    probe = record_module.probe()
    for user in world.users.values():
        for item in items:
            found = probe(user, item.pk)
            assert (found is not None) == items_for_user(user).filter(pk=item.pk).exists(), (
                user.username,
                item.pk,
            )
    assert probe(world.user("office"), 2**63) is None


@postgresql
def test_a_renamed_unit_shows_once_the_kept_record_expires(browser, world):
    """Names are not part of the version (record.py): a record read before a rename keeps the old name for at
    most fragments.FRAGMENT_SECONDS."""
    item = item_in(world, ItemStatus.IN_PROGRESS, co_units=("jyj",))
    client = browser("office")
    old_name = world.departments["jyj"].name
    assert old_name in section(client.get(f"/items/{item.pk}/").content.decode(), "units")
    Unit.objects.filter(pk=world.departments["jyj"].pk).update(name="县教育和体育局")

    kept = section(client.get(f"/items/{item.pk}/").content.decode(), "units")
    fragments.forget_local()
    cache.clear()  # what the fragments' life does in the end
    expired = section(client.get(f"/items/{item.pk}/").content.decode(), "units")

    assert old_name in kept
    assert "县教育和体育局" in expired and old_name not in expired
