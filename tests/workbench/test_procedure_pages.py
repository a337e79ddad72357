"""The item page's procedure section and the spot re-checks page: forms shown to whom they belong, posts that go
through one service, refusals shown beside the form with nothing changed."""

from __future__ import annotations

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from ducha.common import error_codes as codes
from ducha.items import services
from ducha.items.lifecycle import ItemStatus
from ducha.items.models import ConsolidatedReport, Milestone, Plan, Recheck, ReportStatus, SiteCheck
from tests.helpers import advance, item_in, make_item

pytestmark = pytest.mark.django_db


def _client(world, username: str) -> Client:
    client = Client()
    client.force_login(world.user(username))
    return client


def test_site_check_form_for_the_office_and_the_unsigned_co_unit_warning(world):
    item = item_in(world, ItemStatus.UNDER_REVIEW, site_check_required=True)
    office = _client(world, "office")
    page = office.get(reverse("item-detail", args=[item.pk])).content.decode()
    assert 'id="site-check-form"' in page
    # The co-unit that never signed is named in the review panel, before the office accepts.
    review_panel = page.split('id="action-review"', 1)[1].split("</section>", 1)[0]
    assert world.departments["jyj"].name in review_panel
    assert (
        'id="site-check-form"'
        not in _client(world, "fgw").get(reverse("item-detail", args=[item.pk])).content.decode()
    )

    response = office.post(
        reverse("item-site-check", args=[item.pk]),
        {
            "site_check-checked_on": timezone.localdate().isoformat(),
            "site_check-inspectors": "张三",
            "site_check-findings": "属实",
            "site_check-conclusion": "confirmed",
        },
    )
    assert response.status_code == 302
    assert SiteCheck.objects.filter(item=item).count() == 1


def test_an_invalid_site_check_keeps_the_form_with_the_error(world):
    item = item_in(world, ItemStatus.UNDER_REVIEW)
    response = _client(world, "office").post(
        reverse("item-site-check", args=[item.pk]),
        {
            "site_check-checked_on": "2099-01-01",
            "site_check-inspectors": "张三",
            "site_check-findings": "x",
            "site_check-conclusion": "confirmed",
        },
    )
    assert response.status_code == 400
    assert f'data-error-code="{codes.SITE_CHECK_INVALID}"' in response.content.decode()
    assert not SiteCheck.objects.exists()
    refused = _client(world, "fgw").post(
        reverse("item-site-check", args=[item.pk]),
        {
            "site_check-checked_on": timezone.localdate().isoformat(),
            "site_check-inspectors": "张三",
            "site_check-findings": "x",
            "site_check-conclusion": "confirmed",
        },
    )
    assert refused.status_code == 403 and not SiteCheck.objects.exists()


def test_consolidated_report_form_and_the_leaders_decision(world):
    item = advance(world, make_item(world, is_complex=True), ItemStatus.UNDER_REVIEW)
    office, leader = _client(world, "office"), _client(world, "leader")
    assert (
        office.post(reverse("item-consolidated", args=[item.pk]), {"consolidated-text": "综合"}).status_code
        == 302
    )
    page = leader.get(reverse("item-detail", args=[item.pk])).content.decode()
    assert 'id="consolidated-decide-form"' in page
    response = leader.post(
        reverse("item-consolidated-decide", args=[item.pk]), {"consolidated_decide-decision": "approve"}
    )
    assert response.status_code == 302
    assert ConsolidatedReport.objects.get(item=item).status == "approved"


def test_the_unit_saves_its_plan_and_marks_a_milestone_done(world):
    item = item_in(world, ItemStatus.IN_PROGRESS)
    fgw = _client(world, "fgw")
    assert 'id="plan-form"' in fgw.get(reverse("item-detail", args=[item.pk])).content.decode()
    bad = fgw.post(
        reverse("item-plan", args=[item.pk]), {"plan-text": "计划", "plan-milestones": "明天 摸底"}
    )
    assert bad.status_code == 400 and not Plan.objects.exists()
    response = fgw.post(
        reverse("item-plan", args=[item.pk]),
        {"plan-text": "计划", "plan-milestones": f"{item.due_date.isoformat()} 完成摸底"},
    )
    assert response.status_code == 302
    milestone = Milestone.objects.get(item=item, unit__isnull=False)
    assert fgw.post(reverse("item-milestone-done", args=[item.pk, milestone.pk])).status_code == 302
    milestone.refresh_from_db()
    assert milestone.completed_at is not None
    # The office sees the plan.
    assert "完成摸底" in _client(world, "office").get(reverse("item-detail", args=[item.pk])).content.decode()


def test_the_head_checks_a_held_progress_report_from_the_page_and_the_todo(world):
    item = item_in(world, ItemStatus.IN_PROGRESS, progress_check_by_head=True)
    report = services.item_progress(item_id=item.pk, actor=world.user("fgw_liaison"), text="待审进展")
    head = _client(world, "fgw_head")
    todo = head.get(reverse("home")).content.decode()
    assert "progress_check" in todo and item.title in todo
    assert (
        f'id="progress-check-{report.pk}"'
        in head.get(reverse("item-detail", args=[item.pk])).content.decode()
    )
    key = f"progress_check-{report.pk}"
    returned = head.post(
        reverse("item-progress-check", args=[item.pk, report.pk]), {f"{key}-decision": "return"}
    )
    assert returned.status_code == 400
    report.refresh_from_db()
    assert report.status == ReportStatus.PENDING_HEAD
    ok = head.post(reverse("item-progress-check", args=[item.pk, report.pk]), {f"{key}-decision": "approve"})
    assert ok.status_code == 302
    report.refresh_from_db()
    assert report.status == ReportStatus.RECORDED


def test_rechecks_page_draw_and_record(world):
    item = item_in(world, ItemStatus.CLOSED)
    office = _client(world, "office")
    assert office.get(reverse("rechecks")).status_code == 200
    assert _client(world, "fgw").get(reverse("rechecks")).status_code == 403
    today = timezone.localdate().isoformat()
    response = office.post(
        reverse("rechecks-draw"),
        {"draw-batch": "Q4", "draw-closed_from": today, "draw-closed_to": today, "draw-count": "1"},
    )
    assert response.status_code == 302
    recheck = Recheck.objects.get(item=item)
    page = office.get(reverse("rechecks") + "?batch=Q4").content.decode()
    assert f'id="recheck-form-{recheck.pk}"' in page
    again = office.post(
        reverse("rechecks-draw"),
        {"draw-batch": "Q4", "draw-closed_from": today, "draw-closed_to": today, "draw-count": "1"},
    )
    assert again.status_code == 409 and codes.RECHECK_NONE_CLOSED in again.content.decode()
    prefix = f"recheck-{recheck.pk}"
    bad = office.post(reverse("recheck-record", args=[recheck.pk]), {f"{prefix}-result": "problems"})
    assert bad.status_code == 400
    recheck.refresh_from_db()
    assert recheck.result == "pending"
    ok = office.post(
        reverse("recheck-record", args=[recheck.pk]),
        {f"{prefix}-result": "problems", f"{prefix}-findings": "未完工"},
    )
    assert ok.status_code == 302
    # A re-check that found problems shows on the item page.
    item_page = office.get(reverse("item-detail", args=[item.pk])).content.decode()
    assert 'data-result="problems"' in item_page


def test_a_progress_report_waiting_for_the_head_is_seen_by_its_own_unit_only(world):
    item = item_in(world, ItemStatus.IN_PROGRESS, progress_check_by_head=True)
    services.item_progress(
        item_id=item.pk, actor=world.user("fgw_liaison"), text="尚未审签的进展：完成一半。"
    )
    url = reverse("item-detail", args=[item.pk])
    for username in ("fgw", "fgw_head"):  # the unit's own people (the head has to check it)
        assert "尚未审签的进展" in _client(world, username).get(url).content.decode(), username
    for username in ("office", "leader", "jyj"):  # the office, the leader and the co-unit see it once checked
        assert "尚未审签的进展" not in _client(world, username).get(url).content.decode(), username
    report = item.reports.get(text__startswith="尚未审签")
    services.item_progress_check(report_id=report.pk, actor=world.user("fgw_head"), approve=True)
    assert "尚未审签的进展" in _client(world, "office").get(url).content.decode()


def test_a_consolidated_report_waiting_is_on_the_leaders_workbench(world):
    item = item_in(world, ItemStatus.UNDER_REVIEW, is_complex=True)
    leader = _client(world, "leader")
    assert 'id="todo-consolidated-' + str(item.pk) + '"' not in leader.get("/").content.decode()
    services.item_consolidated_submit(
        item_id=item.pk, actor=world.user("office"), text="综合各单位意见，建议通过审核。"
    )
    assert f'id="todo-consolidated-{item.pk}"' in leader.get("/").content.decode()
    # the office's own workbench does not list it as the leader's work
    assert f'id="todo-consolidated-{item.pk}"' not in _client(world, "office").get("/").content.decode()
