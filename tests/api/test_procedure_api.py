"""The procedure's steps over the REST API: same services, same refusals, scope first."""

from __future__ import annotations

import datetime
import json

import pytest
from django.utils import timezone

from ducha.common import error_codes as codes
from ducha.items import services
from ducha.items.lifecycle import ItemStatus
from ducha.items.models import ConsolidatedReport, Milestone, Recheck, ReportStatus, SiteCheck
from tests.helpers import advance, item_in, make_item

pytestmark = pytest.mark.django_db

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 32


def test_flags_site_check_with_photo_and_procedure_read(world, api):
    item = item_in(world, ItemStatus.UNDER_REVIEW)
    office = api("office")

    flags = office.post(f"/items/{item.pk}/procedure", {"site_check_required": True})
    assert flags.status_code == 200 and flags.json()["site_check_required"] is True

    from django.core.files.uploadedfile import SimpleUploadedFile

    response = office.client.post(
        f"/api/v1/items/{item.pk}/site-checks",
        {
            "checked_on": timezone.localdate().isoformat(),
            "inspectors": "张三",
            "findings": "现场属实。",
            "conclusion": "confirmed",
            "photos": [SimpleUploadedFile("p.png", PNG, content_type="image/png")],
        },
        headers=office.headers,
    )
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["conclusion"] == "confirmed" and [p["name"] for p in body["photos"]] == ["p.png"]

    read = api("fgw").get(f"/items/{item.pk}/procedure")
    assert read.status_code == 200
    assert read.json()["flags"]["site_check_required"] is True and len(read.json()["site_checks"]) == 1


def test_refusals_come_back_with_codes_and_change_nothing(world, api):
    item = item_in(world, ItemStatus.UNDER_REVIEW)
    refused = api("fgw").post(f"/items/{item.pk}/procedure", {"is_complex": True})
    assert refused.status_code == 403
    future = (timezone.localdate() + datetime.timedelta(days=2)).isoformat()
    bad = api("office").client.post(
        f"/api/v1/items/{item.pk}/site-checks",
        {"checked_on": future, "inspectors": "张三", "findings": "x", "conclusion": "confirmed"},
        headers=api("office").headers,
    )
    assert bad.status_code == 400 and bad.json()["code"] == codes.SITE_CHECK_INVALID
    # A unit the item was not assigned to does not see it at all.
    assert api("zjj").get(f"/items/{item.pk}/procedure").status_code == 404
    assert api("zjj").post(f"/items/{item.pk}/procedure", {"is_complex": True}).status_code == 404
    item.refresh_from_db()
    assert not item.is_complex and not SiteCheck.objects.exists()


def test_consolidated_report_submit_and_decide(world, api):
    item = advance(world, make_item(world, is_complex=True), ItemStatus.UNDER_REVIEW)
    submitted = api("office").post(f"/items/{item.pk}/consolidated", {"text": "综合报告"})
    assert submitted.status_code == 201 and submitted.json()["status"] == "pending_leader"
    assert api("office").post(f"/items/{item.pk}/consolidated", {"text": "再来"}).json()["code"] == (
        codes.CONSOLIDATED_PENDING
    )
    returned = api("leader").post(f"/items/{item.pk}/consolidated/decide", {"approve": False})
    assert returned.status_code == 400
    decided = api("leader").post(
        f"/items/{item.pk}/consolidated/decide", {"approve": True, "comment": "同意"}
    )
    assert decided.status_code == 200 and decided.json()["status"] == "approved"
    assert ConsolidatedReport.objects.get().status == "approved"


def test_plan_milestone_and_progress_check(world, api):
    item = item_in(world, ItemStatus.IN_PROGRESS, progress_check_by_head=True)
    fgw = api("fgw")
    response = fgw.client.put(
        f"/api/v1/items/{item.pk}/plan",
        json.dumps(
            {"text": "计划", "milestones": [{"title": "摸底", "due_date": item.due_date.isoformat()}]}
        ),
        content_type="application/json",
        headers=fgw.headers,
    )
    assert response.status_code == 200, response.content
    milestone_id = response.json()["milestones"][0]["id"]
    assert api("jyj").post(f"/milestones/{milestone_id}/done").status_code == 403
    done = fgw.post(f"/milestones/{milestone_id}/done")
    assert done.status_code == 200 and done.json()["completed_at"]
    assert Milestone.objects.get(pk=milestone_id).completed_at is not None

    report = services.item_progress(item_id=item.pk, actor=world.user("fgw_liaison"), text="进展")
    assert api("fgw").post(f"/reports/{report.pk}/progress-check", {"approve": True}).status_code == 403
    checked = api("fgw_head").post(f"/reports/{report.pk}/progress-check", {"approve": True})
    assert checked.status_code == 200 and checked.json()["status"] == ReportStatus.RECORDED
    again = api("fgw_head").post(f"/reports/{report.pk}/progress-check", {"approve": True})
    assert again.status_code == 409 and again.json()["code"] == codes.PROGRESS_NOT_PENDING


def test_rechecks_draw_list_and_record(world, api):
    item_in(world, ItemStatus.CLOSED)
    today = timezone.localdate().isoformat()
    office = api("office")
    drawn = office.post(
        "/rechecks/draw", {"closed_from": today, "closed_to": today, "batch": "Q4", "count": 1, "seed": 3}
    )
    assert drawn.status_code == 201 and drawn.json()["seed"] == 3
    recheck_id = drawn.json()["rechecks"][0]["id"]
    none = office.post(
        "/rechecks/draw", {"closed_from": today, "closed_to": today, "batch": "Q4", "count": 1}
    )
    assert none.status_code == 409 and none.json()["code"] == codes.RECHECK_NONE_CLOSED
    assert [r["id"] for r in office.get("/rechecks", batch="Q4").json()] == [recheck_id]
    assert api("fgw").get("/rechecks").json() == []
    assert api("fgw").post(f"/rechecks/{recheck_id}", {"result": "confirmed"}).status_code in (403, 404)
    recorded = office.post(f"/rechecks/{recheck_id}", {"result": "confirmed"})
    assert recorded.status_code == 200 and recorded.json()["result"] == "confirmed"
    assert office.post(f"/rechecks/{recheck_id}", {"result": "confirmed"}).status_code == 409
    assert Recheck.objects.get().result == "confirmed"
