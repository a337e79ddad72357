"""The documents API: the kinds a subject offers with their URLs, the draft (office only, nothing written), issuing,
the issued version's files, corrections, and the refusals (scope, role, missing fields, unknown kinds)."""

from __future__ import annotations

import hashlib
import io
import zipfile

import pytest
from docx import Document as Docx

from ducha.documents.models import Document
from ducha.items.lifecycle import ItemStatus
from tests.helpers import item_in

pytestmark = pytest.mark.django_db

CONTACT = {"contact_name": "王明", "contact_phone": "0931-1234567"}


def _text(data: bytes) -> str:
    return "\n".join(p.text for p in Docx(io.BytesIO(data)).paragraphs)


def test_the_office_sees_the_item_kinds_with_their_urls_and_inputs(world, api):
    item = item_in(world, ItemStatus.IN_PROGRESS)
    response = api("office").get(f"/items/{item.pk}/documents/")
    assert response.status_code == 200, response.content
    body = response.json()
    kinds = {kind["kind"]: kind for kind in body["kinds"]}
    assert set(kinds) == {"supervision_notice", "receipt", "chase_notice", "reminder_letter"}
    notice = kinds["supervision_notice"]
    assert notice["available"] and notice["can_issue"] and notice["issued"] == []
    assert notice["docx_url"] == f"/api/v1/items/{item.pk}/documents/supervision_notice.docx"
    assert {spec["name"] for spec in notice["inputs"] if spec["required"]} >= {"contact_name", "requirements"}
    assert body["pdf_available"] is False and body["pdf_unavailable_reason"]  # no engine in this test


def test_a_draft_docx_is_laid_out_for_the_office_and_writes_nothing(world, api):
    item = item_in(world, ItemStatus.ASSIGNED)
    response = api("office").get(f"/items/{item.pk}/documents/supervision_notice.docx", **CONTACT)
    assert response.status_code == 200, response.content
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")
    assert zipfile.is_zipfile(io.BytesIO(response.content))
    assert "联系人：王明" in _text(response.content)
    assert not Document.objects.exists()


def test_issue_then_download_the_frozen_version(world, api, today):
    item = item_in(world, ItemStatus.ASSIGNED)
    office = api("office")
    response = office.post(f"/items/{item.pk}/documents/supervision_notice/issue", {"inputs": CONTACT})
    assert response.status_code == 201, response.content
    issued = response.json()
    assert issued["number"] == f"示范县督办〔{today.year}〕1号" and issued["version"] == 1
    data = office.get(f"/items/{item.pk}/documents/supervision_notice.docx").content
    assert hashlib.sha256(data).hexdigest() == issued["docx_sha256"]
    assert office.get(issued["docx_url"].removeprefix("/api/v1")).content == data
    # The unit it was sent to sees and downloads it too.
    unit = api("fgw")
    kinds = unit.get(f"/items/{item.pk}/documents/").json()["kinds"]
    assert [kind["kind"] for kind in kinds] == ["supervision_notice"] and not kinds[0]["can_issue"]
    assert unit.get(f"/items/{item.pk}/documents/supervision_notice.docx").content == data
    # Issued once: again is refused and nothing changes.
    again = office.post(f"/items/{item.pk}/documents/supervision_notice/issue", {"inputs": CONTACT})
    assert again.status_code == 409 and again.json()["code"] == "document_already_issued"
    assert Document.objects.count() == 1


def test_a_correction_is_a_new_version_under_the_same_number(world, api):
    item = item_in(world, ItemStatus.ASSIGNED)
    office = api("office")
    first = office.post(f"/items/{item.pk}/documents/supervision_notice/issue", {"inputs": CONTACT}).json()
    refused = office.post(f"/documents/{first['id']}/corrections", {"reason": "", "inputs": {}})
    assert refused.status_code == 400 and refused.json()["code"] == "document_correction_reason_required"
    response = office.post(
        f"/documents/{first['id']}/corrections",
        {"reason": "电话有误", "inputs": {"contact_phone": "0931-7654321"}},
    )
    assert response.status_code == 201, response.content
    second = response.json()
    assert (second["number"], second["version"], second["previous"]) == (first["number"], 2, first["id"])
    current = office.get(f"/items/{item.pk}/documents/supervision_notice.docx").content
    assert hashlib.sha256(current).hexdigest() == second["docx_sha256"]
    assert "0931-7654321" in _text(current)


def test_refusals_name_the_field_and_change_nothing(world, api):
    item = item_in(world, ItemStatus.ASSIGNED)
    office = api("office")
    missing = office.post(
        f"/items/{item.pk}/documents/supervision_notice/issue", {"inputs": {"contact_name": " "}}
    )
    assert missing.status_code == 400
    assert missing.json()["code"] == "document_field_missing" and "contact_name" in missing.json()["fields"]
    unknown = office.get(f"/items/{item.pk}/documents/no_such_kind.docx")
    assert unknown.status_code == 404 and unknown.json()["code"] == "document_kind_unknown"
    wrong_subject = office.get(f"/items/{item.pk}/documents/inspection_report.docx")
    assert wrong_subject.status_code == 404
    # A unit may not draft or issue; nothing issued yet means nothing to download.
    unit = api("fgw")
    assert (
        unit.post(f"/items/{item.pk}/documents/supervision_notice/issue", {"inputs": CONTACT}).status_code
        == 403
    )
    not_issued = unit.get(f"/items/{item.pk}/documents/supervision_notice.docx")
    assert not_issued.status_code == 409 and not_issued.json()["code"] == "document_not_issued"
    # A unit the item is not assigned to does not see it at all.
    assert api("jsx_liaison").get(f"/items/{item.pk}/documents/").status_code == 404
    assert not Document.objects.exists()


def test_a_document_of_an_item_out_of_scope_is_not_found(world, api):
    item = item_in(world, ItemStatus.ASSIGNED)
    issued = (
        api("office").post(f"/items/{item.pk}/documents/supervision_notice/issue", {"inputs": CONTACT}).json()
    )
    assert api("jsx_liaison").get(f"/documents/{issued['id']}.docx").status_code == 404
    assert api("office").get("/documents/999999999.docx").status_code == 404


def test_without_the_engine_the_pdf_is_refused_saying_why(world, api):
    item = item_in(world, ItemStatus.ASSIGNED)
    response = api("office").get(f"/items/{item.pk}/documents/supervision_notice.pdf", **CONTACT)
    assert response.status_code == 409 and response.json()["code"] == "document_pdf_unavailable"


def test_the_pdf_of_a_draft_and_of_an_issued_version(world, api, pdf_engine):
    item = item_in(world, ItemStatus.ASSIGNED)
    office = api("office")
    draft = office.get(f"/items/{item.pk}/documents/supervision_notice.pdf", **CONTACT)
    assert draft.status_code == 200 and draft.content.startswith(b"%PDF-")
    assert draft["Content-Disposition"].startswith("inline")
    issued = office.post(f"/items/{item.pk}/documents/supervision_notice/issue", {"inputs": CONTACT}).json()
    data = office.get(issued["pdf_url"].removeprefix("/api/v1")).content
    assert data.startswith(b"%PDF-")
    assert Document.objects.get(pk=issued["id"]).pdf_sha256 == hashlib.sha256(data).hexdigest()


def test_the_government_issues_a_bulletin(world, api, today):
    office = api("office")
    kinds = office.get("/government/documents/").json()["kinds"]
    # The report to the level above is a government kind too (registered by the evaluation app).
    assert [kind["kind"] for kind in kinds] == ["bulletin", "period_report"]
    response = office.post(
        "/government/documents/bulletin/issue",
        {
            "inputs": {
                "title": "关于第三季度重点工作督查情况的通报",
                "body": "一、总体情况\n各单位按期办结率95%。",
            }
        },
    )
    assert response.status_code == 201, response.content
    assert response.json()["number"] == f"示范县督通〔{today.year}〕1号"
    assert api("fgw").get("/government/documents/").json()["kinds"][0]["issued"][0]["number"]


@pytest.mark.parametrize(
    ("method", "path", "data"),
    [
        ("get", "/items/99999999999999999999/documents/", None),
        ("get", "/items/-1/documents/supervision_notice.docx", None),
        ("get", "/items/abc/documents/", None),
        ("get", "/items/{item}/documents/..%2F..%2Fetc.docx", None),
        ("get", "/items/{item}/documents/supervision_notice.docx?contact_name=" + "长" * 5000, None),
        ("get", "/items/{item}/documents/receipt.docx?part=%00", None),
        ("get", "/inspections/plans/99999/documents/", None),
        ("get", "/inspections/plans/-5/documents/annual_plan.docx", None),
        ("get", "/documents/0.docx", None),
        ("get", "/documents/9223372036854775808.pdf", None),
        ("get", "/documents/batches/9223372036854775808", None),
        ("post", "/items/{item}/documents/supervision_notice/issue", {"inputs": {"contact_name": 5}}),
        ("post", "/items/{item}/documents/supervision_notice/issue", {"inputs": ["a"]}),
        ("post", "/items/{item}/documents/supervision_notice/issue", {"inputs": {"x" * 300: "y"}}),
        ("post", "/items/{item}/documents/talk_notice/issue", {"inputs": {}}),
        ("post", "/documents/1/corrections", {"reason": "x" * 3000, "inputs": {}}),
        ("post", "/documents/batches", {"day": "2026-13-45"}),
        ("post", "/documents/batches", {"day": "9999-12-31"}),
        ("post", "/government/documents/bulletin/issue", {"inputs": {"title": "通报", "body": "\x00"}}),
        (
            "post",
            "/documents/{notice}/corrections",
            {"reason": "\x00更正", "inputs": {"contact_name": "\x00"}},
        ),
    ],
)
def test_bad_input_is_refused_clearly_never_a_server_error(world, api, method, path, data):
    item = item_in(world, ItemStatus.ASSIGNED)
    office = api("office")
    notice = office.post(f"/items/{item.pk}/documents/supervision_notice/issue", {"inputs": CONTACT}).json()
    path = path.replace("{item}", str(item.pk)).replace("{notice}", str(notice["id"]))
    response = office.get(path) if method == "get" else office.post(path, data)
    assert response.status_code < 500, (path, response.status_code, response.content[:500])
    if response["Content-Type"].startswith("application/json") and response.status_code >= 400:
        assert response.json()["code"] and response.json()["message"]
