"""Who sees what over the API: out of scope is 404 and absent from lists, secret items and their view log, keyset
paging that never duplicates or skips, and the units list."""

from __future__ import annotations

import pytest
from django.utils import timezone

from ducha.audit.models import Event
from ducha.items.models import Item
from tests.api.support import body, error, event_types, unit_id
from tests.helpers import advance, item_in, make_item


def _list_ids(client, **params) -> set[int]:
    return {item["id"] for item in body(client.get("/items/", limit=200, **params))["items"]}


def _views(item_id: int) -> list[str]:
    return list(
        Event.objects.filter(subject_type="item", subject_id=item_id, event_type="item_viewed")
        .order_by("id")
        .values_list("actor__username", flat=True)
    )


def _all_pages(client, limit: int, cursor: str | None = None, **params) -> list[dict]:
    seen: list[dict] = []
    for _ in range(50):
        page = body(client.get("/items/", limit=limit, **({"cursor": cursor} if cursor else {}), **params))
        assert len(page["items"]) <= limit
        seen.extend(page["items"])
        cursor = page["next_cursor"]
        if cursor is None:
            return seen
        assert page["items"], "a cursor was handed out for an empty page"
    raise AssertionError("paging did not end")


# --- units not assigned, drafts, co-units --------------------------------------------------------------------


def test_unassigned_unit_gets_404_and_an_empty_list(world, api):
    zjj = api("zjj")
    item = item_in(world, "in_progress")
    error(zjj.get(f"/items/{item.pk}"), 404, "not_found")
    assert item.pk not in _list_ids(zjj)
    assert _list_ids(zjj, unit=unit_id(world, "fgw")) == set()
    assert _list_ids(zjj, q=item.title) == set()
    assert item.pk in _list_ids(api("fgw"))
    assert item.pk in _list_ids(api("fgw_liaison"))


@pytest.mark.parametrize("status", ["draft", "pending_approval", "registered", "rejected"])
def test_lead_unit_does_not_see_items_before_assignment(world, api, status):
    item_id = item_in(world, status).pk
    for username in ("fgw", "fgw_head", "jyj"):
        error(api(username).get(f"/items/{item_id}"), 404, "not_found")
        assert item_id not in _list_ids(api(username))
    assert body(api("office").get(f"/items/{item_id}"))["status"] == status


def test_co_unit_sees_the_item_once_assigned(world, api):
    jyj = api("jyj")
    item = item_in(world, "registered")
    error(jyj.get(f"/items/{item.pk}"), 404, "not_found")
    body(api("office").post(f"/items/{item.pk}/assign"))
    detail = body(jyj.get(f"/items/{item.pk}"))
    assert detail["status"] == "assigned"
    assert item.pk in _list_ids(jyj) and item.pk in _list_ids(jyj, unit=unit_id(world, "jyj"))
    assert body(jyj.get(f"/items/{item.pk}/timeline"))[-1]["event_type"] == "item_assigned"
    assert [a["action"] for a in body(jyj.get(f"/items/{item.pk}/actions"))] == ["sign"]


def test_township_sees_nothing_of_the_county_until_delegated(world, api):
    item_id = item_in(world, "in_progress").pk
    error(api("cgz").get(f"/items/{item_id}"), 404, "not_found")
    assert _list_ids(api("cgz")) == set()


# --- the city office and secret items ------------------------------------------------------------------------


def test_city_office_sees_county_items_but_not_secret_ones(world, api):
    city = api("city_office")
    internal = item_in(world, "in_progress").pk
    public = item_in(world, "closed", confidentiality="public").pk
    secret = item_in(world, "in_progress", confidentiality="secret").pk

    assert body(city.get(f"/items/{internal}"))["government"]["name"] == "示范县人民政府"
    assert body(city.get(f"/items/{public}"))["status"] == "closed"
    hidden = error(city.get(f"/items/{secret}"), 404, "not_found")
    assert hidden == error(city.get(f"/items/{secret + 1000}"), 404, "not_found")
    error(city.get(f"/items/{secret}/timeline"), 404, "not_found")
    listed = _list_ids(city)
    assert {internal, public} <= listed and secret not in listed
    assert _views(secret) == []  # a refused read is not a read


def test_secret_item_visible_to_its_units_and_the_county_office_and_every_view_logged(world, api):
    secret = item_in(world, "in_progress", confidentiality="secret").pk
    assert _views(secret) == []
    for username in ("fgw", "jyj", "office", "leader", "fgw"):
        assert body(api(username).get(f"/items/{secret}"))["confidentiality"] == "secret"
    assert _views(secret) == ["fgw", "jyj", "office", "leader", "fgw"]
    viewed = Event.objects.filter(subject_id=secret, event_type="item_viewed").order_by("id").first()
    assert viewed.actor_unit_id == unit_id(world, "fgw")

    for username in ("zjj", "city_office", "cgz"):
        error(api(username).get(f"/items/{secret}"), 404, "not_found")
        assert secret not in _list_ids(api(username))
    assert len(_views(secret)) == 5

    # A list showing it and the timeline are reads too: each is logged, and the timeline shows them all.
    assert secret in _list_ids(api("fgw"))
    assert len(_views(secret)) == 6
    assert event_types(api, secret, "office").count("item_viewed") == 7
    assert _views(secret)[-2:] == ["fgw", "office"]


def test_secret_item_not_visible_to_an_unassigned_unit_of_the_same_county(world, api):
    secret = item_in(world, "in_progress", confidentiality="secret", co_units=()).pk
    error(api("jyj").get(f"/items/{secret}"), 404, "not_found")
    assert body(api("office2").get(f"/items/{secret}"))["id"] == secret


# --- delegation scope ----------------------------------------------------------------------------------------


def test_delegated_child_visible_to_the_township_and_the_delegator_only(world, api):
    parent = item_in(world, "in_progress")
    child = body(api("fgw").post(f"/items/{parent.pk}/delegate", {"unit": world.townships["cgz"].pk}), 201)
    for username in ("cgz", "cgz_head", "fgw", "fgw_head", "office", "leader", "city_office"):
        assert body(api(username).get(f"/items/{child['id']}"))["parent"] == parent.pk, username
    for username in ("zjj", "jyj"):
        error(api(username).get(f"/items/{child['id']}"), 404, "not_found")
        assert child["id"] not in _list_ids(api(username))
    error(api("cgz").get(f"/items/{parent.pk}/children"), 404, "not_found")


def test_children_list_respects_scope(world, api):
    parent = item_in(world, "in_progress")
    child_id = body(
        api("fgw").post(f"/items/{parent.pk}/delegate", {"unit": world.townships["cgz"].pk}), 201
    )["id"]
    jyj = api("jyj")
    error(jyj.get(f"/items/{child_id}"), 404, "not_found")
    assert [c["id"] for c in body(jyj.get(f"/items/{parent.pk}/children"))] == []


def _assigned_to_zjj(world, api) -> int:
    office = api("office")
    payload = {"title": "住建局事项", "source_type": "other", "lead_unit": unit_id(world, "zjj")}
    item_id = body(office.post("/items/", payload), 201)["id"]
    body(office.post(f"/items/{item_id}/submit"))
    body(api("leader").post(f"/items/{item_id}/approve"))
    assert body(office.post(f"/items/{item_id}/assign"))["status"] == "assigned"
    return item_id


# --- keyset paging -------------------------------------------------------------------------------------------


def test_paging_never_duplicates_or_skips(world, api):
    office = api("office")
    ids = [make_item(world, title=f"草稿{i}").pk for i in range(4)]
    ids += [item_in(world, "in_progress", title=f"办理{i}").pk for i in range(3)]
    pages = _all_pages(office, 3)
    assert [len(p) for p in [pages[0:3], pages[3:6], pages[6:]]] == [3, 3, 1]
    got = [item["id"] for item in pages]
    assert len(got) == len(set(got)) == 7 and set(got) == set(ids) == _list_ids(office)
    order = [(item["updated_at"], item["id"]) for item in pages]
    assert order == sorted(order, reverse=True)


def test_paging_with_equal_timestamps_and_scope(world, api):
    fgw = api("fgw")
    visible = [item_in(world, "in_progress", title=f"同一时刻{i}").pk for i in range(7)]
    hidden = [make_item(world).pk, _assigned_to_zjj(world, api)]
    # Many writes in the same instant: the keyset must break ties on id.
    Item.objects.filter(pk__in=[*visible[:5], hidden[1]]).update(updated_at=timezone.now())
    for limit in (1, 2, 3, 7, 8):
        got = [item["id"] for item in _all_pages(fgw, limit)]
        assert len(got) == len(set(got)), (limit, got)
        assert set(got) == set(visible), limit
    assert set(hidden) <= {item["id"] for item in _all_pages(api("office"), 2)}
    filtered = [item["id"] for item in _all_pages(fgw, 2, status="in_progress", q="同一时刻")]
    assert sorted(filtered) == sorted(visible)


def test_paging_for_a_status_filter_after_changes(world, api):
    office = api("office")
    items = [item_in(world, "registered", title=f"待交办{i}").pk for i in range(5)]
    first = body(office.get("/items/", limit=2, status="registered"))
    # An item on the first page changes after the page was read: it leaves the filter; the rest still come once.
    advance(world, Item.objects.get(pk=first["items"][0]["id"]), "assigned")
    rest = _all_pages(office, 2, status="registered", cursor=first["next_cursor"])
    got = [i["id"] for i in first["items"]] + [i["id"] for i in rest]
    assert len(got) == len(set(got)) and set(got) == set(items)


# --- units ---------------------------------------------------------------------------------------------------


def test_units_for_a_unit_user_with_keyset_paging_and_parent_filter(world, api):
    jyj = api("jyj")
    everything = body(jyj.get("/units/"))
    assert everything["next_cursor"] is None
    names = {unit["name"] for unit in everything["units"]}
    assert {"示范县人民政府", "城关镇人民政府", "县教育局"} <= names

    paged, cursor = [], None
    while True:
        page = body(jyj.get("/units/", limit=7, **({"cursor": cursor} if cursor is not None else {})))
        paged.extend(page["units"])
        cursor = page["next_cursor"]
        if cursor is None:
            break
    assert [u["id"] for u in paged] == [u["id"] for u in everything["units"]]
    assert [u["id"] for u in paged] == sorted(u["id"] for u in paged)

    children = body(jyj.get("/units/", parent=world.county.pk))["units"]
    assert children and all(u["parent"] == world.county.pk for u in children)
    assert {"城关镇人民政府", "县发展和改革局", "示范县人民政府办公室"} <= {u["name"] for u in children}
    assert "示范县人民政府督查室" not in {u["name"] for u in children}  # a grandchild


def test_units_need_a_token(client, world):
    error(client.get("/api/v1/units/"), 401, "not_authenticated")
