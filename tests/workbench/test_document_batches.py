"""The day's 督办通知单 in one PDF, on the workbench: the office starts a batch from the form and follows it on its
page (the status block polls itself while it runs, and stops once done), then views and downloads the PDF; the
items left out are listed with why; without a PDF engine the form says why and nothing starts; a unit's user is
refused the form and another government's office finds no batch; the navigation and the ledger link the page."""

from __future__ import annotations

import datetime

import pytest
from django.utils import timezone

from ducha.documents import pdf, services
from ducha.documents.models import BatchStatus, Document, DocumentBatch, DocumentProfile
from ducha.items.lifecycle import ItemStatus
from tests.helpers import item_in

pytestmark = pytest.mark.django_db

HTMX = {"HX-Request": "true"}


@pytest.fixture
def immediate_tasks(settings):
    settings.TASKS = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}


@pytest.fixture
def engine_said_available(monkeypatch):
    """The engine said to be there (nothing is converted): a refusal then is not for want of one."""
    monkeypatch.setattr(pdf, "pdf_unavailable", lambda: None)


def _batch(world, **fields) -> DocumentBatch:
    """A batch as the task leaves it part-way (or at the end), without running one."""
    values = {
        "government": world.county,
        "kind": "supervision_notice",
        "day": timezone.localdate(),
        "created_by": world.user("office"),
        "created_at": timezone.now(),
        **fields,
    }
    return DocumentBatch.objects.create(**values)


# --- the office's way through (with the engine) -------------------------------------------------------------------


def test_the_office_makes_the_days_notices_in_one_pdf(
    browser, world, today, pdf_engine, immediate_tasks, django_capture_on_commit_callbacks
):
    profile = services.profile_for(world.county)
    DocumentProfile.objects.filter(pk=profile.pk).update(contact_name="王明", contact_phone="0931-1234567")
    items = [item_in(world, ItemStatus.ASSIGNED, title=f"批量事项{n}") for n in range(2)]
    client = browser("office")

    form = client.get("/documents/batches/")
    assert form.status_code == 200
    html = form.content.decode()
    assert f'value="{today.isoformat()}"' in html and 'id="batch-button"' in html
    assert 'id="pdf-unavailable"' not in html

    with django_capture_on_commit_callbacks(execute=True):
        started = client.post("/documents/batches/", {"day": today.isoformat()})
    batch = DocumentBatch.objects.get()
    assert started.status_code == 302 and started["Location"] == f"/documents/batches/{batch.pk}/"
    assert (batch.status, batch.done, batch.total, batch.day) == (BatchStatus.DONE, 2, 2, today)
    assert set(Document.objects.filter(kind="supervision_notice").values_list("subject_id", flat=True)) == {
        item.pk for item in items
    }

    page = client.get(started["Location"]).content.decode()
    assert 'data-status="done"' in page
    assert 'data-done="2" data-total="2"' in page and 'value="100"' in page
    assert "hx-trigger" not in page  # done: nothing polls
    assert f'href="/documents/batches/{batch.pk}.pdf"' in page
    assert f'href="/documents/batches/{batch.pk}/download"' in page

    shown = client.get(f"/documents/batches/{batch.pk}.pdf")
    assert shown.status_code == 200
    assert shown["Content-Type"] == "application/pdf"
    assert shown["Content-Disposition"].startswith("inline")
    assert shown.content.startswith(b"%PDF")
    downloaded = client.get(f"/documents/batches/{batch.pk}/download")
    assert downloaded["Content-Disposition"].startswith("attachment")
    assert downloaded.content == shown.content

    # the form's list of recent batches links it
    listed = client.get("/documents/batches/").content.decode()
    assert f'data-batch="{batch.pk}" data-status="done"' in listed
    assert f'href="/documents/batches/{batch.pk}.pdf"' in listed


# --- the page while the batch runs ------------------------------------------------------------------------------


def test_the_status_block_polls_while_running_and_stops_once_done_or_failed(browser, world):
    running = _batch(world, status=BatchStatus.RUNNING, total=4, done=1, skipped={"DB-1": "联系人未填写。"})
    client = browser("office")

    page = client.get(f"/documents/batches/{running.pk}/")
    assert page.status_code == 200
    html = page.content.decode()
    assert f'hx-get="/documents/batches/{running.pk}/" hx-trigger="every 2s" hx-swap="outerHTML"' in html
    assert "<html" in html

    block = client.get(f"/documents/batches/{running.pk}/", headers=HTMX)
    assert block.status_code == 200 and "HX-Request" in block["Vary"]
    html = block.content.decode()
    assert "<html" not in html and html.strip().startswith('<div class="batch-status" id="batch-status"')
    assert 'data-status="running"' in html and 'data-done="1" data-total="4"' in html
    assert 'value="25"' in html and 'hx-trigger="every 2s"' in html
    assert 'data-skipped="DB-1"' in html and "联系人未填写。" in html  # left out as it goes
    assert 'data-link="pdf"' not in html  # no file yet
    assert client.get(f"/documents/batches/{running.pk}.pdf").status_code == 409

    DocumentBatch.objects.filter(pk=running.pk).update(
        status=BatchStatus.FAILED, done=2, error="PDF 引擎无响应。"
    )
    html = client.get(f"/documents/batches/{running.pk}/", headers=HTMX).content.decode()
    assert 'data-status="failed"' in html and "hx-trigger" not in html
    assert 'id="batch-error">PDF 引擎无响应。' in html and 'data-skipped="DB-1"' in html
    listed = client.get("/documents/batches/").content.decode()
    assert f'data-batch="{running.pk}" data-status="failed"' in listed and "1 项未纳入" in listed

    queued = _batch(world, day=timezone.localdate() - datetime.timedelta(days=1))
    html = client.get(f"/documents/batches/{queued.pk}/", headers=HTMX).content.decode()
    assert 'data-status="queued"' in html and 'hx-trigger="every 2s"' in html


# --- who may ----------------------------------------------------------------------------------------------------


def test_a_units_user_is_refused_and_nothing_starts(browser, world, today, engine_said_available):
    item_in(world, ItemStatus.ASSIGNED)
    batch = _batch(world, status=BatchStatus.DONE, total=1, done=1)
    client = browser("fgw")
    assert client.get("/documents/batches/").status_code == 403
    assert client.post("/documents/batches/", {"day": today.isoformat()}).status_code == 403
    assert DocumentBatch.objects.count() == 1 and not Document.objects.exists()
    for address in (
        f"/documents/batches/{batch.pk}/",
        f"/documents/batches/{batch.pk}.pdf",
        f"/documents/batches/{batch.pk}/download",
    ):
        assert client.get(address).status_code == 404, address
    page = client.get("/ledger/").content.decode()
    assert 'href="/documents/batches/"' not in page and 'data-nav="bulletins"' not in page


def test_another_governments_office_finds_no_batch(browser, world):
    batch = _batch(world, status=BatchStatus.DONE, total=1, done=1)
    client = browser("city_office")
    for address in (
        f"/documents/batches/{batch.pk}/",
        f"/documents/batches/{batch.pk}.pdf",
        f"/documents/batches/{batch.pk}/download",
    ):
        assert client.get(address).status_code == 404, address
    assert client.get(f"/documents/batches/{batch.pk}/", headers=HTMX).status_code == 404
    assert client.get(f"/documents/batches/{2**70}/").status_code == 404
    # their own form lists only their own government's batches
    page = client.get("/documents/batches/").content.decode()
    assert f'data-batch="{batch.pk}"' not in page


# --- without a PDF engine, and a day that cannot be -------------------------------------------------------------


def test_without_a_pdf_engine_the_form_says_why_and_nothing_starts(browser, world, today):
    item_in(world, ItemStatus.ASSIGNED)
    client = browser("office")
    html = client.get("/documents/batches/").content.decode()
    assert 'id="pdf-unavailable"' in html and "DUCHA_PDF_ENGINE" in html
    assert 'id="batch-button"' not in html

    refused = client.post("/documents/batches/", {"day": today.isoformat()})
    assert refused.status_code == 409
    html = refused.content.decode()
    assert 'role="alert" data-error-code="document_pdf_unavailable"' in html and "DUCHA_PDF_ENGINE" in html
    assert f'value="{today.isoformat()}"' in html  # the input kept
    assert not DocumentBatch.objects.exists() and not Document.objects.exists()


def test_a_day_out_of_range_is_refused_beside_the_field(browser, world, today, engine_said_available):
    client = browser("office")
    for day in ((today + datetime.timedelta(days=1)).isoformat(), "1999-12-31", "2026-02-30"):
        refused = client.post("/documents/batches/", {"day": day})
        assert refused.status_code == 400, day
        html = refused.content.decode()
        assert 'data-error-code="invalid_input"' in html and "has-error" in html
    assert not DocumentBatch.objects.exists()


# --- where the page is linked ------------------------------------------------------------------------------------


def test_the_navigation_and_the_ledger_link_the_office_to_it(browser, world):
    client = browser("office")
    page = client.get("/ledger/").content.decode()
    assert 'href="/documents/bulletins/" data-nav="bulletins"' in page
    assert 'href="/documents/batches/" data-nav="notices-batch"' in page
    assert 'id="ledger-notices-batch" href="/documents/batches/"' in page
