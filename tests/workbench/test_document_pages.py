"""The document pages (公文): the office generates a document from an item's page, previews it (nothing written),
issues it and downloads it; refusals for everyone else (a unit's user may not generate, a user who cannot see the
subject gets 404 on every address); a missing field shown beside the field with the input kept; a correction;
the bulletins of a government; an inspection's document about one target; the pages without a PDF engine."""

from __future__ import annotations

import hashlib
import io
import re
import zipfile

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from ducha.audit.models import Event
from ducha.documents import services
from ducha.documents.kinds import KINDS
from ducha.documents.models import Document, DocumentSequence
from ducha.inspections.lifecycle import InspectionStatus
from ducha.items.lifecycle import ItemStatus
from tests.helpers import item_in
from tests.inspections.helpers import inspection_in

pytestmark = pytest.mark.django_db

CONTACT = {"contact_name": "王明", "contact_phone": "0931-1234567"}
HTMX = {"HX-Request": "true"}


def _written() -> tuple:
    """Everything issuing writes: documents, numbers, timeline events."""
    return (
        Document.objects.count(),
        list(DocumentSequence.objects.values_list("kind", "year", "last")),
        Event.objects.filter(event_type__startswith="document_").count(),
    )


def _notice_form(item, **changes) -> dict[str, str]:
    return {
        "requirements": "请按期办结并报送办结报告。",
        **CONTACT,
        "copy_to": "",
        "attachments": "",
        **changes,
    }


def _field(html: str, name: str) -> str:
    """The markup of one field of the form (its label, input and errors)."""
    match = re.search(rf'<div class="field[^"]*" data-field="{name}">.*?</div>', html, re.S)
    assert match, name
    return match.group(0)


def _issue_notice(world, item) -> Document:
    return services.document_issue(
        kind=KINDS["supervision_notice"], subject=item, actor=world.user("office"), inputs=CONTACT
    )


# --- the office's way through -------------------------------------------------------------------------------------


def test_the_office_generates_previews_issues_and_downloads_a_notice(browser, world, today, pdf_engine):
    item = item_in(world, ItemStatus.ASSIGNED)
    client = browser("office")
    # the item's page loads its documents section, which offers the notice
    page = client.get(f"/items/{item.pk}/").content.decode()
    assert f'hx-get="/items/{item.pk}/documents/"' in page
    section = client.get(f"/items/{item.pk}/documents/", headers=HTMX).content.decode()
    assert (
        f'href="/items/{item.pk}/documents/supervision_notice/" data-generate="supervision_notice"' in section
    )
    assert 'data-generate="chase_notice"' in section and 'data-generate="reminder_letter"' in section
    assert f'href="/items/{item.pk}/documents/receipt/preview"' in section  # the 回执 is viewed, never issued
    assert 'id="pdf-unavailable"' not in section

    # the form is filled from the kind's defaults and the office's profile
    form = client.get(f"/items/{item.pk}/documents/supervision_notice/")
    assert form.status_code == 200
    html = form.content.decode()
    assert "请主要负责同志亲自研究部署" in _field(html, "requirements")
    assert 'name="contact_name"' in html and 'id="preview-button"' in html and 'id="issue-button"' in html

    # preview: the draft as a PDF shown in the browser, and nothing written
    before = _written()
    preview = client.post(
        f"/items/{item.pk}/documents/supervision_notice/preview", {**_notice_form(item), "format": "pdf"}
    )
    assert preview.status_code == 200
    assert preview["Content-Type"] == "application/pdf"
    assert preview["Content-Disposition"].startswith("inline")
    assert preview.content.startswith(b"%PDF")
    assert _written() == before

    # issue: numbered, frozen, back to the item's page with the number
    issued = client.post(f"/items/{item.pk}/documents/supervision_notice/", _notice_form(item))
    assert issued.status_code == 302
    assert issued["Location"] == f"/items/{item.pk}/#documents"
    document = Document.objects.get(subject_type="item", subject_id=item.pk, kind="supervision_notice")
    assert document.number == f"示范县督办〔{today.year}〕1号"
    assert document.content["contact_name"] == "王明"
    assert document.number in client.get(issued["Location"]).content.decode()  # the success message
    section = client.get(f"/items/{item.pk}/documents/", headers=HTMX).content.decode()
    assert f'class="document-number">{document.number}</td>' in section
    assert 'data-generate="supervision_notice"' not in section  # issued once; a change is a correction
    assert f'href="/documents/{document.pk}/correct/"' in section

    # the .docx as issued, byte for byte
    docx = client.get(f"/documents/{document.pk}.docx")
    assert docx.status_code == 200
    assert docx["Content-Disposition"].startswith("attachment")
    assert zipfile.is_zipfile(io.BytesIO(docx.content))
    assert hashlib.sha256(docx.content).hexdigest() == document.docx_sha256

    # the PDF shown in the browser, and the page that prints it
    shown = client.get(f"/documents/{document.pk}.pdf")
    assert shown.status_code == 200, shown.content.decode()[-1500:]
    assert shown["Content-Type"] == "application/pdf"
    assert shown["Content-Disposition"].startswith("inline")
    assert shown.content.startswith(b"%PDF")
    printed = client.get(f"/documents/{document.pk}/print/").content.decode()
    # the printing is done by a static script (the CSP allows no inline one): tests/browser/test_csp.py
    assert f'src="/documents/{document.pk}.pdf"' in printed and "js/document-print.js" in printed


def test_a_missing_field_is_shown_beside_it_with_the_input_kept_and_nothing_written(browser, world):
    item = item_in(world, ItemStatus.ASSIGNED)
    client = browser("office")
    before = _written()
    typed = _notice_form(item, requirements="三日内报送工作方案。", contact_name="")
    refused = client.post(f"/items/{item.pk}/documents/supervision_notice/", typed)
    assert refused.status_code == 400
    html = refused.content.decode()
    assert 'data-error-code="document_field_missing"' in html
    assert "has-error" in _field(html, "contact_name") and "errorlist" in _field(html, "contact_name")
    assert "has-error" not in _field(html, "requirements")
    assert "三日内报送工作方案。" in _field(html, "requirements")
    assert 'value="0931-1234567"' in _field(html, "contact_phone")
    # the preview refuses it the same way
    preview = client.post(
        f"/items/{item.pk}/documents/supervision_notice/preview", {**typed, "format": "pdf"}
    )
    assert preview.status_code == 400 and "三日内报送工作方案。" in preview.content.decode()
    assert _written() == before


def test_a_correction_is_a_new_version_from_the_documents_content(browser, world):
    item = item_in(world, ItemStatus.ASSIGNED)
    first = _issue_notice(world, item)
    client = browser("office")
    form = client.get(f"/documents/{first.pk}/correct/").content.decode()
    assert 'value="王明"' in _field(form, "contact_name")
    assert 'name="reason"' in form and f'action="/documents/{first.pk}/correct/"' in form

    before = _written()
    changed = _notice_form(item, contact_name="李四")
    no_reason = client.post(f"/documents/{first.pk}/correct/", {**changed, "reason": " "})
    assert no_reason.status_code == 400
    html = no_reason.content.decode()
    assert 'data-error-code="document_correction_reason_required"' in html
    assert "has-error" in _field(html, "reason") and 'value="李四"' in _field(html, "contact_name")
    assert _written() == before

    preview = client.post(f"/documents/{first.pk}/correct/preview", {**changed, "format": "docx"})
    assert preview.status_code == 200 and preview["Content-Disposition"].startswith("attachment")
    assert zipfile.is_zipfile(io.BytesIO(preview.content)) and _written() == before

    done = client.post(f"/documents/{first.pk}/correct/", {**changed, "reason": "联系人调整"})
    assert done.status_code == 302 and done["Location"] == f"/items/{item.pk}/#documents"
    second = Document.objects.get(previous=first)
    assert (second.number, second.version, second.correction_reason) == (first.number, 2, "联系人调整")
    assert second.content["contact_name"] == "李四"
    section = client.get(f"/items/{item.pk}/documents/", headers=HTMX).content.decode()
    assert "联系人调整" in section
    assert f'href="/documents/{second.pk}/correct/"' in section
    assert f'href="/documents/{first.pk}/correct/"' not in section  # only the current version is corrected
    superseded = client.get(f"/documents/{first.pk}/correct/")
    assert superseded.status_code == 409
    assert 'data-error-code="document_superseded"' in superseded.content.decode()


# --- refusals ---------------------------------------------------------------------------------------------------


def test_a_units_users_cannot_generate_or_issue_but_see_what_was_issued(browser, world):
    item = item_in(world, ItemStatus.ASSIGNED)
    before = _written()
    for username in ("fgw_liaison", "fgw_head"):
        client = browser(username)
        assert client.get(f"/items/{item.pk}/documents/supervision_notice/").status_code == 403
        assert (
            client.post(f"/items/{item.pk}/documents/supervision_notice/", _notice_form(item)).status_code
            == 403
        )
        preview = client.post(f"/items/{item.pk}/documents/supervision_notice/preview", _notice_form(item))
        assert preview.status_code == 403
        assert 'data-error-code="role_required"' in preview.content.decode()
        section = client.get(f"/items/{item.pk}/documents/", headers=HTMX).content.decode()
        assert "data-generate" not in section and "data-kind" not in section
    assert _written() == before

    document = _issue_notice(world, item)
    client = browser("fgw_liaison")
    section = client.get(f"/items/{item.pk}/documents/", headers=HTMX).content.decode()
    assert document.number in section and f'href="/documents/{document.pk}.docx"' in section
    assert "data-generate" not in section and 'data-link="correct"' not in section
    assert client.get(f"/documents/{document.pk}.docx").status_code == 200
    assert client.get(f"/documents/{document.pk}/correct/").status_code == 403
    refused = client.post(f"/documents/{document.pk}/correct/", {**CONTACT, "reason": "改"})
    assert refused.status_code == 403
    assert Document.objects.filter(previous=document).count() == 0


def test_users_who_cannot_see_the_item_get_404_on_every_address(browser, world):
    item = item_in(world, ItemStatus.ASSIGNED)
    document = _issue_notice(world, item)
    client = browser("zjj")  # 住建局 is not on the item
    for address in (
        f"/items/{item.pk}/documents/",
        f"/items/{item.pk}/documents/supervision_notice/",
        f"/documents/{document.pk}.docx",
        f"/documents/{document.pk}.pdf",
        f"/documents/{document.pk}/print/",
        f"/documents/{document.pk}/correct/",
    ):
        assert client.get(address).status_code == 404, address
    assert (
        client.post(f"/items/{item.pk}/documents/supervision_notice/", _notice_form(item)).status_code == 404
    )
    # nor does the office find what does not exist
    client = browser("office")
    assert client.get(f"/items/{item.pk}/documents/no_such_kind/").status_code == 404
    assert client.get(f"/items/{item.pk}/documents/bulletin/").status_code == 404  # a government's kind
    assert client.get(f"/documents/{document.pk + 1000}.docx").status_code == 404
    assert client.get(f"/documents/{2**70}.docx").status_code == 404


def test_the_city_office_sees_the_countys_documents_but_does_not_issue_them(browser, world):
    item = item_in(world, ItemStatus.ASSIGNED)
    document = _issue_notice(world, item)
    client = browser("city_office")
    section = client.get(f"/items/{item.pk}/documents/", headers=HTMX).content.decode()
    assert document.number in section and "data-generate" not in section
    assert client.get(f"/items/{item.pk}/documents/chase_notice/").status_code == 403


def test_a_kind_not_available_now_is_refused_with_the_reason(browser, world):
    item = item_in(world, ItemStatus.REGISTERED)
    client = browser("office")
    section = client.get(f"/items/{item.pk}/documents/", headers=HTMX).content.decode()
    assert 'data-unavailable="supervision_notice"' in section and "data-generate" not in section
    before = _written()
    refused = client.post(f"/items/{item.pk}/documents/supervision_notice/", _notice_form(item))
    assert refused.status_code == 409
    assert 'data-error-code="document_not_available"' in refused.content.decode()
    assert _written() == before


# --- without a PDF engine ---------------------------------------------------------------------------------------


def test_without_a_pdf_engine_the_pages_say_why_and_the_docx_still_works(browser, world):
    item = item_in(world, ItemStatus.ASSIGNED)
    document = _issue_notice(world, item)
    client = browser("office")
    section = client.get(f"/items/{item.pk}/documents/", headers=HTMX).content.decode()
    assert 'id="pdf-unavailable"' in section and "DUCHA_PDF_ENGINE" in section
    assert 'data-link="pdf"' not in section and 'data-link="print"' not in section
    assert f'href="/documents/{document.pk}.docx"' in section
    docx = client.get(f"/documents/{document.pk}.docx")
    assert hashlib.sha256(docx.content).hexdigest() == document.docx_sha256

    # the PDF's address says why, and offers the .docx
    shown = client.get(f"/documents/{document.pk}.pdf")
    assert shown.status_code == 409
    html = shown.content.decode()
    assert (
        'data-error-code="document_pdf_unavailable"' in html
        and f'href="/documents/{document.pk}.docx"' in html
    )
    assert client.get(f"/documents/{document.pk}/print/").status_code == 409

    # the form previews as .docx, writing nothing
    chase_item = item_in(world, ItemStatus.IN_PROGRESS, title="推进县城污水管网改造")
    form = client.get(f"/items/{chase_item.pk}/documents/chase_notice/").content.decode()
    assert 'id="pdf-unavailable"' in form and 'name="format" value="docx"' in form
    before = _written()
    preview = client.post(
        f"/items/{chase_item.pk}/documents/chase_notice/preview", {**CONTACT, "text": "", "format": "pdf"}
    )
    assert preview.status_code == 200
    assert preview["Content-Disposition"].startswith("attachment")
    assert zipfile.is_zipfile(io.BytesIO(preview.content))
    assert _written() == before


# --- other subjects ---------------------------------------------------------------------------------------------


def test_the_office_issues_bulletins_on_the_governments_page(browser, world, today):
    county = world.county
    client = browser("office")
    landing = client.get("/documents/bulletins/")
    assert landing.status_code == 302 and landing["Location"] == f"/governments/{county.pk}/documents/"
    page = client.get(landing["Location"]).content.decode()
    assert f'href="/governments/{county.pk}/documents/bulletin/" data-generate="bulletin"' in page

    form = client.get(f"/governments/{county.pk}/documents/bulletin/").content.decode()
    assert "各乡镇人民政府，县直各部门" in _field(form, "recipients")
    texts = {
        "title": "关于第三季度督查情况的通报",
        "recipients": "各乡镇人民政府，县直各部门",
        "body": "一、总体情况\n进展顺利。",
    }
    for _ in (1, 2):  # a bulletin is issued again and again
        done = client.post(f"/governments/{county.pk}/documents/bulletin/", texts)
        assert done.status_code == 302 and done["Location"] == f"/governments/{county.pk}/documents/"
    numbers = list(
        Document.objects.filter(kind="bulletin").order_by("number_seq").values_list("number", flat=True)
    )
    assert numbers == [f"示范县督通〔{today.year}〕{n}号" for n in (1, 2)]
    page = client.get(f"/governments/{county.pk}/documents/").content.decode()
    assert all(number in page for number in numbers) and 'data-generate="bulletin"' in page

    # the county's units read them; another government's page is not theirs
    client = browser("fgw_liaison")
    page = client.get("/documents/bulletins/", follow=True).content.decode()
    assert all(number in page for number in numbers) and "data-generate" not in page
    assert client.get(f"/governments/{county.pk}/documents/bulletin/").status_code == 403
    assert client.get(f"/governments/{world.city.pk}/documents/").status_code == 404


def test_an_inspections_rectification_notice_is_about_the_target_chosen(browser, world, today):
    inspection = inspection_in(world, InspectionStatus.RECTIFYING, targets=("cgz", "dhz"))
    cgz, dhz = world.townships["cgz"], world.townships["dhz"]
    client = browser("office")
    assert (
        f'hx-get="/inspections/{inspection.pk}/documents/"'
        in client.get(f"/inspections/{inspection.pk}/").content.decode()
    )
    address = f"/inspections/{inspection.pk}/documents/rectification_notice/"
    form = client.get(address).content.decode()
    target = _field(form, "target")
    assert f'<option value="{cgz.pk}">{cgz.name}</option>' in target and f'value="{dhz.pk}"' in target

    no_target = client.post(address, {**CONTACT, "target": "", "requirements": "按期整改。"})
    assert no_target.status_code == 400 and "has-error" in _field(no_target.content.decode(), "target")
    done = client.post(address, {**CONTACT, "target": str(cgz.pk), "requirements": "按期整改。"})
    assert done.status_code == 302 and done["Location"] == f"/inspections/{inspection.pk}/#documents"
    document = Document.objects.get(kind="rectification_notice")
    assert document.part == f"target:{cgz.pk}" and document.number == f"示范县督改〔{today.year}〕1号"

    # the target sees the notice addressed to it; the other target does not
    client = browser("cgz_head")
    section = client.get(f"/inspections/{inspection.pk}/documents/", headers=HTMX).content.decode()
    assert document.number in section
    assert client.get(f"/documents/{document.pk}.docx").status_code == 200
    client = browser("dhz_head")
    section = client.get(f"/inspections/{inspection.pk}/documents/", headers=HTMX).content.decode()
    assert document.number not in section
    assert client.get(f"/documents/{document.pk}.docx").status_code == 404


def test_the_plan_page_links_its_documents(browser, world, today):
    from ducha.inspections import services as inspection_services

    plan = inspection_services.annual_plan_create(actor=world.user("office"), year=today.year)
    client = browser("office")
    page = client.get(f"/inspections/plan/{today.year}/").content.decode()
    assert (
        f'hx-get="/inspections/plans/{plan.pk}/documents/"' in page and 'href="/documents/bulletins/"' in page
    )
    section = client.get(f"/inspections/plans/{plan.pk}/documents/", headers=HTMX).content.decode()
    assert 'data-unavailable="annual_plan"' in section and "data-generate" not in section


# --- the section's queries --------------------------------------------------------------------------------------


def test_the_section_reads_a_fixed_number_of_queries_however_many_versions(browser, world):
    item = item_in(world, ItemStatus.IN_PROGRESS)
    office = world.user("office")
    client = browser("office")

    def queries() -> int:
        with CaptureQueriesContext(connection) as captured:
            assert client.get(f"/items/{item.pk}/documents/", headers=HTMX).status_code == 200
        return len(captured)

    services.document_issue(kind=KINDS["chase_notice"], subject=item, actor=office, inputs=CONTACT)
    one = queries()
    for _ in range(3):
        services.document_issue(kind=KINDS["chase_notice"], subject=item, actor=office, inputs=CONTACT)
    assert queries() == one
