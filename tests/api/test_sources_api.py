"""/api/v1/source-records and /api/v1/items/batch/{action}."""

from __future__ import annotations

import datetime

import pytest

from ducha.items.lifecycle import ItemStatus
from ducha.items.models import Item, SourceRecord
from tests.helpers import item_in, make_item

pytestmark = pytest.mark.django_db


def create(api, world, **fields):
    body = {
        "kind": "meeting_minutes",
        "title": "县政府第12次常务会议纪要",
        "reference": "示政纪〔2026〕12号",
        "issued_on": "2026-11-10",
        "leader": world.user("county_head").pk,
        "summary": "研究五项工作。",
    }
    body.update(fields)
    return api("office").post("/source-records", body)


def test_create_read_update_and_list(api, world):
    response = create(api, world)
    assert response.status_code == 201, response.content
    record = response.json()
    assert record["kind_label"]
    assert record["leader"]["id"] == world.user("county_head").pk
    assert record["progress"]["total"] == 0

    response = api("office").patch(f"/source-records/{record['id']}", {"title": "第12次常务会议纪要"})
    assert response.status_code == 200
    assert response.json()["title"] == "第12次常务会议纪要"
    assert response.json()["reference"] == "示政纪〔2026〕12号"

    listed = api("leader").get("/source-records").json()
    assert [r["id"] for r in listed["items"]][:1] == [record["id"]]
    assert api("leader").get(f"/source-records/{record['id']}").status_code == 200


def test_refusals_change_nothing(api, world):
    assert create(api, world, title="").status_code == 400
    assert create(api, world, leader=world.user("fgw_head").pk).json()["code"] == "leader_invalid"
    assert api("fgw").post("/source-records", {"kind": "document", "title": "某文件"}).status_code == 403
    assert not SourceRecord.objects.exists()


def test_units_do_not_see_records(api, world):
    record = create(api, world).json()
    assert api("fgw").get(f"/source-records/{record['id']}").status_code == 404
    assert api("fgw").get(f"/source-records/{record['id']}/items").status_code == 404
    assert api("fgw").patch(f"/source-records/{record['id']}", {"title": "改"}).status_code == 404
    assert api("fgw").get("/source-records").json()["items"] == []


def test_items_of_a_record(api, world):
    record = create(api, world).json()
    item = make_item(world)
    Item.objects.filter(pk=item.pk).update(source_record_id=record["id"])

    rows = api("office").get(f"/source-records/{record['id']}/items").json()

    assert [row["id"] for row in rows] == [item.pk]
    progress = api("office").get(f"/source-records/{record['id']}").json()["progress"]
    assert [(row["status"], row["count"]) for row in progress["by_status"]] == [("draft", 1)]


def test_batch_submit_lists_refusals(api, world):
    draft, pending = make_item(world), item_in(world, ItemStatus.PENDING_APPROVAL)

    response = api("office").post("/items/batch/submit", {"items": [draft.pk, pending.pk]})

    assert response.status_code == 200
    body = response.json()
    assert body["done"] == [draft.pk]
    assert [r["item_id"] for r in body["refused"]] == [pending.pk]
    assert body["refused"][0]["message"]


def test_batch_approve_assign_sign_chase(api, world, today):
    pending = item_in(world, ItemStatus.PENDING_APPROVAL)
    assert api("leader").post("/items/batch/approve", {"items": [pending.pk]}).json()["done"] == [pending.pk]
    due = (today + datetime.timedelta(days=40)).isoformat()
    body = api("office").post("/items/batch/assign", {"items": [pending.pk], "due_date": due}).json()
    assert body["done"] == [pending.pk]
    assert Item.objects.get(pk=pending.pk).due_date.isoformat() == due
    assert api("fgw").post("/items/batch/sign", {"items": [pending.pk]}).json()["done"] == [pending.pk]
    body = api("office").post("/items/batch/chase", {"items": [pending.pk], "text": "请加快"}).json()
    assert body["done"] == [pending.pk]


def test_batch_limits_and_unknown_action(api, world):
    assert api("office").post("/items/batch/submit", {"items": []}).json()["code"] == "batch_empty"
    many = list(range(1, 202))
    assert api("office").post("/items/batch/submit", {"items": many}).json()["code"] == "batch_too_large"
    assert api("office").post("/items/batch/explode", {"items": [1]}).status_code in (400, 404, 422)
