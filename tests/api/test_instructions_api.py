"""The API of 领导批示 and 责任领导, and the item's new fields and limits."""

from __future__ import annotations

import pytest

from ducha.common import error_codes as codes
from ducha.items.lifecycle import ItemStatus
from ducha.items.models import Instruction, Item, ReportKind
from tests.helpers import item_in

pytestmark = pytest.mark.django_db


def test_leader_writes_and_everyone_in_scope_reads(world, api):
    item = item_in(world, ItemStatus.UNDER_REVIEW)
    report = item.reports.get(kind=ReportKind.COMPLETION)
    response = api("leader").post(
        f"/items/{item.pk}/instructions", {"text": "同意办结。", "report": report.pk}
    )
    assert response.status_code == 201, response.content
    body = response.json()
    assert (body["text"], body["report"], body["author"]["id"]) == (
        "同意办结。",
        report.pk,
        world.user("leader").pk,
    )
    listed = api("fgw").get(f"/items/{item.pk}/instructions")
    assert listed.status_code == 200
    assert [row["text"] for row in listed.json()] == ["同意办结。"]


def test_a_unit_may_not_write_and_nothing_changes(world, api):
    item = item_in(world, ItemStatus.IN_PROGRESS)
    response = api("fgw").post(f"/items/{item.pk}/instructions", {"text": "同意"})
    assert response.status_code == 403
    assert response.json()["code"] == codes.ROLE_REQUIRED
    assert not Instruction.objects.exists()


def test_an_empty_instruction_is_refused(world, api):
    item = item_in(world, ItemStatus.IN_PROGRESS)
    response = api("leader").post(f"/items/{item.pk}/instructions", {"text": " "})
    assert response.status_code == 400
    assert response.json()["code"] == codes.INSTRUCTION_EMPTY


def test_out_of_scope_is_not_found(world, api):
    item = item_in(world, ItemStatus.IN_PROGRESS)
    response = api("zjj").get(f"/items/{item.pk}/instructions")
    assert response.status_code == 404


def test_office_sets_the_leader_in_charge(world, api):
    item = item_in(world, ItemStatus.ASSIGNED)
    response = api("office").post(f"/items/{item.pk}/leader", {"leader": world.user("leader").pk})
    assert response.status_code == 200, response.content
    assert response.json()["leader_in_charge"] == world.user("leader").pk
    refused = api("office").post(f"/items/{item.pk}/leader", {"leader": world.user("fgw").pk})
    assert refused.status_code == 400
    assert refused.json()["code"] == codes.LEADER_INVALID
    assert Item.objects.get(pk=item.pk).leader_in_charge == world.user("leader")


def test_create_with_the_new_fields_and_the_limits(world, api):
    payload = {
        "title": "防汛应急物资储备检查",
        "source_type": "leader_instruction",
        "lead_unit": world.departments["fgw"].pk,
        "leader_in_charge": world.user("leader").pk,
        "site_check_required": True,
        "is_complex": True,
        "progress_check_by_head": True,
        "progress_cycle": "daily",
    }
    response = api("office").post("/items/", payload)
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["leader_in_charge"] == world.user("leader").pk
    assert (body["site_check_required"], body["is_complex"], body["progress_check_by_head"]) == (
        True,
        True,
        True,
    )
    assert body["progress_cycle"] == "daily"
    count = Item.objects.count()
    too_long = api("office").post("/items/", {**payload, "content": "内" * 120_000})
    assert too_long.status_code == 400
    assert too_long.json()["code"] == codes.TEXT_TOO_LONG
    assert "content" in too_long.json()["fields"]
    assert Item.objects.count() == count
