"""Refusals (403) and downloads are security events (等保 安全审计): ducha.audit.middleware writes them to the audit
log for every signed-in user, on the web pages and on the API, and never fails the request when it cannot."""

from __future__ import annotations

from django.test import Client

from ducha.audit import middleware
from ducha.audit.models import Event, EventType
from ducha.common import error_codes as codes
from ducha.items.lifecycle import ItemStatus
from ducha.items.models import Item
from tests.helpers import advance, make_item


def security_events(event_type: str, user) -> list[Event]:
    return list(
        Event.objects.filter(event_type=event_type, subject_type="user", subject_id=user.pk).order_by("id")
    )


def test_a_unit_user_posting_to_an_office_only_page_is_logged(world, signed_in):
    fgw = world.user("fgw")
    items_before = Item.objects.count()

    response = signed_in("fgw").post("/items/new/", {"title": "越权新建"})

    assert response.status_code == 403
    assert Item.objects.count() == items_before
    [event] = security_events(EventType.PERMISSION_REFUSED, fgw)
    assert event.actor == fgw
    assert event.actor_unit == world.departments["fgw"]
    assert event.new["method"] == "POST"
    assert event.new["path"] == "/items/new/"
    assert "ip" in event.new


def test_a_unit_user_acting_on_an_item_they_may_not_is_logged_with_the_code(world, signed_in):
    # given an item in progress that the co-unit jyj sees, but only a leader may withdraw
    item = advance(world, make_item(world), ItemStatus.IN_PROGRESS)
    jyj = world.user("jyj")

    response = signed_in("jyj").post(f"/items/{item.pk}/act/cancel/", {"reason": "不想办了"})

    assert response.status_code == 403
    item.refresh_from_db()
    assert item.status == ItemStatus.IN_PROGRESS
    [event] = security_events(EventType.PERMISSION_REFUSED, jyj)
    assert event.new["path"] == f"/items/{item.pk}/act/cancel/"
    assert event.new["code"] == codes.ROLE_REQUIRED


def test_an_api_refusal_is_logged_with_the_token_user_and_the_json_code(world, api):
    fgw = world.user("fgw")
    items_before = Item.objects.count()

    response = api("fgw").post(
        "/items/",
        {"title": "越权新建", "source_type": "meeting_decision", "lead_unit": world.departments["fgw"].pk},
    )

    assert response.status_code == 403
    code = response.json()["code"]
    assert Item.objects.count() == items_before
    [event] = security_events(EventType.PERMISSION_REFUSED, fgw)
    assert event.new == {**event.new, "method": "POST", "path": "/api/v1/items/", "code": code}


def test_the_excel_ledger_download_is_logged_with_its_filename(world, signed_in):
    make_item(world)
    office = world.user("office")

    response = signed_in("office").get("/ledger/export.xlsx", {"sort": "due"})

    assert response.status_code == 200
    assert response["Content-Disposition"].startswith("attachment")
    body = b"".join(response.streaming_content)
    assert body[:2] == b"PK"  # the workbook went out whole
    [event] = security_events(EventType.EXPORTED, office)
    assert event.new["method"] == "GET"
    assert event.new["path"] == "/ledger/export.xlsx"
    assert event.new["query"] == "sort=due"
    assert event.new["filename"].endswith(".xlsx")
    assert not security_events(EventType.PERMISSION_REFUSED, office)


def test_pages_not_found_and_ordinary_pages_and_anonymous_refusals_are_not_logged(world, signed_in):
    logged = Event.objects.filter(event_type__in=[EventType.PERMISSION_REFUSED, EventType.EXPORTED])
    before = logged.count()

    assert signed_in("fgw").get("/items/999999999/").status_code == 404
    assert signed_in("fgw").get("/").status_code == 200
    anonymous = Client().post("/api/v1/items/", {}, content_type="application/json")
    assert anonymous.status_code == 401

    assert logged.count() == before


def test_a_failure_to_log_never_fails_the_request(world, signed_in, monkeypatch, caplog):
    def broken(**kwargs):
        raise RuntimeError("the audit table is gone")

    monkeypatch.setattr(middleware, "security_event_record", broken)

    response = signed_in("fgw").post("/items/new/", {"title": "越权新建"})

    assert response.status_code == 403
    assert "Could not write the security event" in caplog.text
    assert not security_events(EventType.PERMISSION_REFUSED, world.user("fgw"))


def test_download_filename_reads_both_header_forms():
    from django.http import HttpResponse
    from django.utils.http import content_disposition_header

    plain = HttpResponse()
    plain["Content-Disposition"] = content_disposition_header(as_attachment=True, filename="ledger.xlsx")
    chinese = HttpResponse()
    chinese["Content-Disposition"] = content_disposition_header(as_attachment=True, filename="督查台账.xlsx")
    inline = HttpResponse()
    inline["Content-Disposition"] = content_disposition_header(as_attachment=False, filename="notice.pdf")

    assert middleware.download_filename(plain) == "ledger.xlsx"
    assert middleware.download_filename(chinese) == "督查台账.xlsx"
    assert middleware.download_filename(inline) is None
    assert middleware.download_filename(HttpResponse()) is None
