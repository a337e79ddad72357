"""Reads around an item through the API: reports of every unit, extension history, attachments (scoped)."""

from __future__ import annotations

import datetime

from django.core.files.uploadedfile import SimpleUploadedFile

from ducha.items import services
from ducha.items.lifecycle import ItemStatus
from tests.helpers import item_in


def test_lead_sees_the_co_units_progress_beside_its_own(world, api):
    item = item_in(world, ItemStatus.IN_PROGRESS)
    services.item_sign(item_id=item.pk, actor=world.user("jyj"))
    services.item_progress(
        item_id=item.pk, actor=world.user("jyj"), text="教育局：校舍排查完毕", is_final=True
    )
    services.item_progress(item_id=item.pk, actor=world.user("fgw"), text="发改局：方案已印发")
    response = api("fgw").get(f"/items/{item.pk}/reports")
    assert response.status_code == 200
    rows = [(r["unit"]["name"], r["kind"], r["text"], r["is_final"]) for r in response.json()]
    assert rows == [
        ("县教育局", "progress", "教育局：校舍排查完毕", True),
        ("县发展和改革局", "progress", "发改局：方案已印发", False),
    ]


def test_extension_history_keeps_both_dates(world, api):
    item = item_in(world, ItemStatus.IN_PROGRESS)
    old_due = item.due_date
    new_due = old_due + datetime.timedelta(days=10)
    services.item_extension_request(
        item_id=item.pk, actor=world.user("fgw"), reason="雨季", proposed_due_date=new_due
    )
    services.item_extension_decide(item_id=item.pk, actor=world.user("office"), grant=True, comment="同意")
    [row] = api("office").get(f"/items/{item.pk}/extensions").json()
    assert (row["status"], row["old_due_date"], row["granted_due_date"], row["decision_comment"]) == (
        "granted",
        old_due.isoformat(),
        new_due.isoformat(),
        "同意",
    )


def test_attachment_upload_list_and_download_are_scoped(world, api):
    item = item_in(world, ItemStatus.IN_PROGRESS)
    uploaded = api("fgw").client.post(
        f"/api/v1/items/{item.pk}/attachments",
        {"file": SimpleUploadedFile("整改方案.pdf", b"%PDF-1.4 demo")},
        headers=api("fgw").headers,
    )
    assert uploaded.status_code == 201, uploaded.content
    attachment = uploaded.json()
    assert [a["name"] for a in api("office").get(f"/items/{item.pk}/attachments").json()] == ["整改方案.pdf"]
    download = api("office").get(f"/items/{item.pk}/attachments/{attachment['id']}")
    assert download.status_code == 200
    assert b"".join(download.streaming_content) == b"%PDF-1.4 demo"
    assert api("zjj").get(f"/items/{item.pk}/attachments/{attachment['id']}").status_code == 404
    assert api("office").get(f"/items/{item.pk}/attachments/999999").status_code == 404


def test_disallowed_upload_is_a_400_with_its_code(world, api):
    item = item_in(world, ItemStatus.IN_PROGRESS)
    response = api("fgw").client.post(
        f"/api/v1/items/{item.pk}/attachments",
        {"file": SimpleUploadedFile("virus.exe", b"MZ")},
        headers=api("fgw").headers,
    )
    assert response.status_code == 400
    assert response.json()["code"] == "attachment_type_not_allowed"
    assert api("fgw").get(f"/items/{item.pk}/attachments").json() == []
