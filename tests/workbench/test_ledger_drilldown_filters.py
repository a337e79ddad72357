"""The ledger's filters for the dashboard's drill-down: `unit` (the unit or a unit inside it is assigned, in any
role), `lead_within` (the lead unit is the unit or inside it), `completed_from` / `completed_to` (completion
approved in the range, withdrawn items left out), `completion` (on time or late) and `light=none`. Each alone,
their validation (a bad value is left out with a notice, the rest still applies), their canonical form (links,
saved filters) and keyset paging with them."""

from __future__ import annotations

import datetime
import re

import pytest
import time_machine
from django.http import QueryDict

from ducha.items import services
from ducha.items.lifecycle import ItemStatus
from ducha.items.models import Item
from ducha.workbench import ledger
from ducha.workbench.ledger import pages
from ducha.workbench.models import SavedFilter
from tests.clock import moment
from tests.helpers import advance, item_in, make_item

# The suite's default instant, pinned here too: the dates below are written out.
pytestmark = pytest.mark.time_machine(moment(2026, 11, 18, 10))


def row_ids(response) -> set[int]:
    assert response.status_code == 200, response.status_code
    return {row.item_id for row in response.context["page"].rows}


def notices(response) -> set[tuple[str, str]]:
    return {(notice.parameter, notice.code) for notice in response.context["notices"]}


def ids(*items: Item) -> set[int]:
    return {item.pk for item in items}


def completed_on(world, item: Item, when: datetime.datetime) -> Item:
    """`item` (in progress) completed at `when`: the lead unit's report approved by its head."""
    with time_machine.travel(when, tick=False):
        services.item_report(item_id=item.pk, actor=world.user("fgw"), text="任务已全部完成。")
        services.item_report_approve(item_id=item.pk, actor=world.user("fgw_head"))
    item.refresh_from_db()
    return item


@pytest.fixture
def items(world):
    """fgw leads and jyj is co-unit on every item but `township` (led by 城关镇, fgw co-unit)."""
    draft = make_item(world, title="草稿")
    running = item_in(world, ItemStatus.IN_PROGRESS, title="办理中")
    on_time = completed_on(
        world, item_in(world, ItemStatus.IN_PROGRESS, title="按期办结"), moment(2026, 11, 18, 11)
    )
    late = item_in(world, ItemStatus.IN_PROGRESS, title="超期办结")
    Item.objects.filter(pk=late.pk).update(due_date=datetime.date(2026, 11, 17))
    late = completed_on(world, late, moment(2026, 11, 18, 11))
    withdrawn = completed_on(
        world, item_in(world, ItemStatus.IN_PROGRESS, title="办结后撤销"), moment(2026, 11, 18, 11)
    )
    services.item_cancel(item_id=withdrawn.pk, actor=world.user("leader"), reason="任务已由上级统一部署")
    township = services.item_create(
        actor=world.user("office"),
        title="城关镇牵头的事项",
        source_type="meeting_decision",
        lead_unit_id=world.townships["cgz"].pk,
        co_units=[services.CoUnit(unit_id=world.departments["fgw"].pk)],
        deadline_workdays=10,
    )
    advance(world, township, ItemStatus.ASSIGNED)
    return {
        "draft": draft,
        "running": running,
        "on_time": on_time,
        "late": late,
        "withdrawn": withdrawn,
        "township": township,
    }


def test_the_unit_filter_takes_the_units_inside_it_in_any_role(browser, world, items):
    client = browser("office")
    everything = ids(*items.values())

    assert row_ids(client.get("/ledger/", {"unit": world.departments["jyj"].pk})) == everything - ids(
        items["township"]
    )
    assert row_ids(client.get("/ledger/", {"unit": world.departments["fgw"].pk})) == everything  # lead or co
    assert row_ids(client.get("/ledger/", {"unit": world.townships["cgz"].pk})) == ids(items["township"])
    assert row_ids(client.get("/ledger/", {"unit": world.county.pk})) == everything  # every unit is inside it
    assert row_ids(client.get("/ledger/", {"unit": 999999})) == set()  # no such unit


def test_the_lead_within_filter_takes_the_leads_inside_it(browser, world, items):
    client = browser("office")
    everything = ids(*items.values())

    assert row_ids(client.get("/ledger/", {"lead_within": world.county.pk})) == everything
    assert row_ids(client.get("/ledger/", {"lead": world.county.pk})) == set()  # the county itself leads none
    assert row_ids(client.get("/ledger/", {"lead_within": world.townships["cgz"].pk})) == ids(
        items["township"]
    )
    assert (
        row_ids(client.get("/ledger/", {"lead_within": world.departments["jyj"].pk})) == set()
    )  # co-unit only


def test_completed_range_and_completion(browser, items):
    client = browser("office")
    today = {"completed_from": "2026-11-18", "completed_to": "2026-11-18"}

    # The withdrawn item had its completion approved too: it does not count as completed.
    assert row_ids(client.get("/ledger/", today)) == ids(items["on_time"], items["late"])
    assert row_ids(client.get("/ledger/", {"completed_from": "2026-11-19"})) == set()
    assert row_ids(client.get("/ledger/", {"completed_to": "2026-11-17"})) == set()
    assert row_ids(client.get("/ledger/", {**today, "completion": "on_time"})) == ids(items["on_time"])
    assert row_ids(client.get("/ledger/", {**today, "completion": "late"})) == ids(items["late"])
    assert row_ids(client.get("/ledger/", {"completion": "late"})) == ids(items["late"])


def test_no_light(browser, items):
    response = browser("office").get("/ledger/", {"light": "none"})

    # Everything but the running items with a deadline (the assigned township item and the one in progress).
    assert row_ids(response) == ids(*items.values()) - ids(items["running"], items["township"])
    assert {row.light for row in response.context["page"].rows} == {""}
    assert notices(response) == set()


@pytest.mark.parametrize(
    ("params", "parameter"),
    [
        ({"unit": "abc"}, "unit"),
        ({"unit": "0"}, "unit"),
        ({"lead_within": "-3"}, "lead_within"),
        ({"lead_within": "9" * 30}, "lead_within"),
        ({"completed_from": "2026-02-30"}, "completed_from"),
        ({"completed_to": "soon"}, "completed_to"),
        ({"completed_from": "2026-05-01", "completed_to": "2026-04-01"}, "completed_from"),
        ({"completion": "early"}, "completion"),
        ({"light": "off"}, "light"),
    ],
)
def test_bad_values_are_left_out_with_a_notice(browser, items, params, parameter):
    client = browser("office")

    response = client.get("/ledger/", params)

    assert response.status_code == 200
    assert parameter in {name for name, _code in notices(response)}
    assert f'data-parameter="{parameter}"' in response.content.decode()
    export = client.get("/ledger/export.xlsx", params)
    assert export.status_code == 200
    b"".join(export.streaming_content)


def test_a_bad_value_does_not_drop_the_good_ones(browser, world, items):
    response = browser("office").get(
        "/ledger/", {"unit": world.townships["cgz"].pk, "completion": "early", "lead_within": "x"}
    )

    assert row_ids(response) == ids(items["township"])
    assert notices(response) == {("completion", "invalid"), ("lead_within", "invalid")}


def test_the_canonical_query_keeps_the_new_filters(world):
    query = (
        "completion=late&completed_to=2026-12-31&completed_from=2026-01-01&lead_within=7&unit=5&light=none"
        "&status=under_review&status=assigned"
    )

    spec, found = ledger.parse_filter(QueryDict(query))

    assert found == []
    assert spec.querystring == (
        "status=assigned&status=under_review&light=none&unit=5&lead_within=7"
        "&completed_from=2026-01-01&completed_to=2026-12-31&completion=late"
    )
    assert ledger.canonical_query(query) == spec.querystring
    assert spec.is_filtered


def test_a_saved_drill_down_keeps_its_filters(browser, world, items):
    client = browser("office")
    query = f"unit={world.townships['cgz'].pk}&light=none"

    client.post("/ledger/filters/", {"name": "城关镇无灯", "query": query})

    saved = SavedFilter.objects.get(user=world.user("office"), name="城关镇无灯")
    assert saved.query == f"light=none&unit={world.townships['cgz'].pk}"
    assert row_ids(client.get(f"/ledger/?{saved.query}")) == set()  # its only item is running, with a light


def test_next_page_links_keep_the_new_filters(browser, world, items, monkeypatch):
    monkeypatch.setattr(pages, "PAGE_SIZE", 2)
    client = browser("office")
    url = f"/ledger/?unit={world.departments['jyj'].pk}&lead_within={world.county.pk}&sort=due&dir=asc"
    seen: list[int] = []
    for _page in range(10):
        response = client.get(url)
        seen.extend(row.item_id for row in response.context["page"].rows)
        match = re.search(
            r'href="([^"]+)" id="ledger-next"|id="ledger-next" href="([^"]+)"', response.content.decode()
        )
        if not match:
            break
        url = (match.group(1) or match.group(2)).replace("&amp;", "&")
        assert f"unit={world.departments['jyj'].pk}" in url and "cursor=" in url
    assert sorted(seen) == sorted(ids(*items.values()) - ids(items["township"]))
    assert len(seen) == len(set(seen))
