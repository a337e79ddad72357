"""A large ledger export in a real browser, from the click to the file: the export button starts a background job
(DUCHA_EXPORT_INLINE_ROWS set below the ledger's rows) and lands on its page, which polls for its progress; the job
runs (here, in the test's process: services.run, as a worker would), the page turns to done by itself, and the
download gives the .xlsx with the ledger's rows and a dated name."""

from __future__ import annotations

import io
import re

import openpyxl
from django.utils import timezone
from playwright.sync_api import expect

from ducha.items.lifecycle import ItemStatus
from ducha.jobs import services
from ducha.jobs.models import Job, JobStatus
from ducha.workbench import excel
from tests.helpers import item_in, make_item


def test_a_large_export_from_the_click_to_the_download(page_for, screenshot, world, settings):
    settings.DUCHA_EXPORT_INLINE_ROWS = 2
    titles = {
        item_in(world, ItemStatus.ASSIGNED, title="道路硬化工程").title,
        item_in(world, ItemStatus.IN_PROGRESS, title="学校改造工程").title,
        make_item(world, title="停车场建设").title,
    }
    page = page_for("office")
    page.goto("/ledger/")
    page.click("#ledger-export")
    page.wait_for_url(re.compile(r".*/jobs/\d+/$"))
    job = Job.objects.get()
    assert page.url.endswith(f"/jobs/{job.pk}/")
    status = page.locator("#job-status")
    expect(status).to_have_attribute("data-status", "queued")
    expect(status).to_have_attribute("hx-trigger", "every 1s")
    expect(page.locator("#job-cancel")).to_be_visible()
    screenshot(page, "queued")

    # The worker takes it; the page, polling, shows it done without a reload.
    assert services.run(job.pk, heartbeat=False) == JobStatus.DONE
    expect(status).to_have_attribute("data-status", "done", timeout=10_000)
    expect(page.locator("#job-progress")).to_have_attribute("data-done", "3")
    expect(page.locator("#job-expires")).to_be_visible()
    screenshot(page, "done")

    with page.expect_download() as download_info:
        page.click("#job-download")
    download = download_info.value
    assert download.suggested_filename == excel.export_filename(timezone.localdate())
    sheet = openpyxl.load_workbook(io.BytesIO(download.path().read_bytes())).worksheets[0]
    assert [cell.value for cell in sheet[2]] == [str(header) for _key, header, _w in excel.EXPORT_COLUMNS]
    assert {row[2] for row in sheet.iter_rows(min_row=3, values_only=True)} == titles

    # The list of the user's jobs, from the navigation.
    page.click('[data-nav="jobs"]')
    expect(page.locator(f'tr[data-job="{job.pk}"]')).to_have_attribute("data-status", "done")
