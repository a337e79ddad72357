"""The office-handled item and the city item handed down to the county, through the REST API (the same services
as the web pages; tests/items/test_office_handled.py and test_handdown.py hold the rules)."""

from __future__ import annotations

from ducha.items import services
from ducha.items.lifecycle import ItemStatus
from tests.helpers import advance
from tests.items.test_handdown import city_item

CHECKS = {
    "task_completed": True,
    "problem_solved": True,
    "conclusion_appropriate": True,
    "lawful_compliant": True,
}


def test_office_handled_item_through_the_api(world, api):
    item = advance(
        world,
        services.item_create(
            actor=world.user("office"),
            title="督查室直接办理事项",
            source_type="other",
            lead_unit_id=world.supervision_office.pk,
        ),
        ItemStatus.ASSIGNED,
    )
    office = api("office")
    actions = [a["action"] for a in office.get(f"/items/{item.pk}/actions").json()]
    assert "sign" in actions
    refused = api("fgw").post(f"/items/{item.pk}/sign")
    assert refused.status_code == 404  # out of the department's scope: not found
    assert office.post(f"/items/{item.pk}/sign").json()["status"] == ItemStatus.IN_PROGRESS
    assert office.post(f"/items/{item.pk}/progress", {"text": "已完成初步核查。"}).status_code == 201
    assert office.post(f"/items/{item.pk}/report", {"text": "核查完毕。"}).status_code == 201
    refused = office.post(f"/items/{item.pk}/report/approve")
    assert refused.status_code == 403 and refused.json()["code"]
    assert api("leader").post(f"/items/{item.pk}/report/approve").json()["status"] == ItemStatus.UNDER_REVIEW
    reviewed = api("office2").post(
        f"/items/{item.pk}/review", {"decision": "accept", "opinion": "同意。", **CHECKS}
    )
    assert reviewed.status_code == 200 and reviewed.json()["item_status"] == ItemStatus.ACCEPTED


def test_city_item_down_and_back_up_through_the_api(world, api):
    item = city_item(world)
    office, leader = api("office"), api("leader")
    listed = [row["id"] for row in office.get("/items/").json()["items"]]
    assert item.pk in listed
    assert office.post(f"/items/{item.pk}/sign").status_code == 200
    child = office.post(f"/items/{item.pk}/delegate", {"unit": world.departments["fgw"].pk})
    assert child.status_code == 201
    child_id = child.json()["id"]
    assert child.json()["number"] == f"{item.number}-1"
    assert [c["id"] for c in api("city_office").get(f"/items/{item.pk}/children").json()] == [child_id]

    fgw = api("fgw")
    fgw.post(f"/items/{child_id}/sign")
    fgw.post(f"/items/{child_id}/report", {"text": "已完成。"})
    api("fgw_head").post(f"/items/{child_id}/report/approve")
    assert (
        api("city_office")
        .post(f"/items/{child_id}/review", {"decision": "accept", "opinion": "同意。", **CHECKS})
        .status_code
        == 403
    )
    office.post(f"/items/{child_id}/review", {"decision": "accept", "opinion": "同意。", **CHECKS})
    assert leader.post(f"/items/{child_id}/close").json()["status"] == ItemStatus.CLOSED

    assert office.post(f"/items/{item.pk}/report", {"text": "已全部完成。"}).status_code == 201
    assert leader.post(f"/items/{item.pk}/report/approve").json()["status"] == ItemStatus.UNDER_REVIEW
    assert (
        office.post(
            f"/items/{item.pk}/review", {"decision": "accept", "opinion": "同意。", **CHECKS}
        ).status_code
        == 403
    )
    api("city_office").post(f"/items/{item.pk}/review", {"decision": "accept", "opinion": "同意。", **CHECKS})
    assert api("city_leader").post(f"/items/{item.pk}/close").json()["status"] == ItemStatus.CLOSED
