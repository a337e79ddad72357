"""The office's 督办通知单 in a real browser: from an assigned item's page to the form, a preview that opens as a
PDF in a new tab (nothing written), the issue, and the .docx downloaded — the very file that was issued."""

from __future__ import annotations

import hashlib
import re

from playwright.sync_api import expect

from ducha.documents.models import Document
from ducha.items.lifecycle import ItemStatus
from tests.helpers import item_in


def test_the_office_generates_previews_issues_and_downloads_a_notice(
    page_for, screenshot, world, pdf_engine, today
):
    item = item_in(world, ItemStatus.ASSIGNED)
    office = page_for("office")
    office.goto(f"/items/{item.pk}/")

    # the documents section loads on the item's page; generate opens the form, filled from the defaults
    generate = office.locator('#documents [data-generate="supervision_notice"]')
    expect(generate).to_be_visible()
    generate.click()
    office.wait_for_url(re.compile(rf"/items/{item.pk}/documents/supervision_notice/$"))
    expect(office.locator("#id_requirements")).not_to_be_empty()
    office.fill("#id_contact_name", "王明")
    office.fill("#id_contact_phone", "0931-1234567")
    screenshot(office, "1-form")

    # preview: the draft PDF in a new tab; nothing is written
    with office.context.expect_event(
        "response", predicate=lambda response: response.url.endswith("/supervision_notice/preview")
    ) as answered:
        office.click("#preview-button")
    preview = answered.value
    assert preview.status == 200
    assert preview.headers["content-type"] == "application/pdf"
    assert preview.headers["content-disposition"].startswith("inline")
    assert Document.objects.count() == 0

    # issue: back on the item's page, the number in the section
    office.click("#issue-button")
    office.wait_for_url(re.compile(rf"/items/{item.pk}/#documents$"))
    document = Document.objects.get(subject_type="item", subject_id=item.pk, kind="supervision_notice")
    assert document.number == f"示范县督办〔{today.year}〕1号"
    row = office.locator(f'#documents tr[data-document="{document.pk}"]')
    expect(row.locator(".document-number")).to_have_text(document.number)
    screenshot(office, "2-issued")

    # the .docx downloads as issued, byte for byte; the PDF is shown inline
    with office.expect_download() as downloaded:
        row.locator('a[data-link="docx"]').click()
    data = downloaded.value.path().read_bytes()
    assert data[:2] == b"PK" and hashlib.sha256(data).hexdigest() == document.docx_sha256
    assert downloaded.value.suggested_filename == f"{document.number}.docx"
    shown = office.request.get(row.locator('a[data-link="pdf"]').get_attribute("href"))
    assert shown.ok and shown.headers["content-type"] == "application/pdf"
    assert shown.headers["content-disposition"].startswith("inline") and shown.body()[:4] == b"%PDF"
