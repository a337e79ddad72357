"""台账 in a real browser: filtering (mouse, keyboard, phone), the Excel export downloaded and opened, and an
import with an error row reported before anything is imported."""

from __future__ import annotations

import datetime
import io

import openpyxl
from django.utils import timezone

from ducha.items.lifecycle import ItemStatus
from ducha.items.models import Item, SourceType
from ducha.workbench import excel
from tests.helpers import item_in, make_item


def lit_items(world):
    today = timezone.localdate()
    red = item_in(world, ItemStatus.IN_PROGRESS, title="逾期的道路硬化工程")
    green = item_in(world, ItemStatus.ASSIGNED, title="按期推进的学校改造", co_units=("jyj", "zjj"))
    Item.objects.filter(pk=red.pk).update(
        due_date=today - datetime.timedelta(days=2),
        warn_date=today - datetime.timedelta(days=6),
        latest_progress="受持续降雨影响进度滞后，已增加施工力量。",
    )
    Item.objects.filter(pk=green.pk).update(
        due_date=today + datetime.timedelta(days=30), warn_date=today + datetime.timedelta(days=25)
    )
    draft = make_item(world, title="待立项的停车场建设")
    return red, green, draft


def listed_ids(page) -> list[int]:
    return [
        int(pk)
        for pk in page.locator("#ledger-table tbody tr").evaluate_all(
            "rows => rows.map(r => r.dataset.itemId)"
        )
    ]


def test_filter_the_ledger(page_for, screenshot, world):
    red, green, draft = lit_items(world)
    page = page_for("office")
    page.goto("/ledger/")
    assert set(listed_ids(page)) == {red.pk, green.pk, draft.pk}
    screenshot(page, "all")

    page.select_option("#f-light", "red")
    page.click("#ledger-apply")
    page.wait_for_url("**/ledger/?*light=red*")
    assert listed_ids(page) == [red.pk]
    row = page.locator(f'tr[data-item-id="{red.pk}"]')
    assert row.get_attribute("data-light") == "red"
    assert row.locator(".light-dot.red").count() == 1
    screenshot(page, "red")

    # the unit filters' options arrive just after the page: choose a co-unit by its name
    zjj = world.departments["zjj"]
    page.goto("/ledger/")
    page.select_option("#f-co", label=zjj.name)
    page.click("#ledger-apply")
    page.wait_for_url(f"**/ledger/?*co={zjj.pk}*")
    assert listed_ids(page) == [green.pk]
    # the whole list again (a locator's wait, not wait_for_function: its polling evaluates a string, which the
    # page's Content Security Policy refuses when the condition is not met at once)
    page.locator("#f-co option").nth(2).wait_for(state="attached")
    assert page.locator("#f-co option:checked").inner_text() == zjj.name

    # keyboard only: type a keyword in the search field and press Enter
    page.goto("/ledger/")
    page.focus("#f-q")
    page.keyboard.type("学校")
    page.keyboard.press("Enter")
    page.wait_for_url("**/ledger/?*q=*")
    assert listed_ids(page) == [green.pk]

    # save the filter, then apply it from its chip
    page.fill("#f-save-name", "学校事项")
    page.click("#ledger-save-filter button[type=submit]")
    page.wait_for_load_state()
    page.goto("/ledger/")
    page.click("li.saved a")
    page.wait_for_url("**/ledger/?*q=*")
    assert listed_ids(page) == [green.pk]


def test_a_keyword_search_shows_its_rows_then_its_count(page_for, screenshot, world, monkeypatch):
    from ducha.workbench.ledger import pages

    lit_items(world)  # three items, each with "的" in its title
    monkeypatch.setattr(pages, "PAGE_SIZE", 1)  # more matches than a page: the count comes after the rows
    page = page_for("office")
    page.goto("/ledger/?q=的")
    assert len(listed_ids(page)) == 1
    count = page.locator("#ledger-count")
    count.and_(page.locator("[data-count]")).wait_for()
    assert count.get_attribute("data-count") == "3"
    assert "共 3 个事项" in count.inner_text()
    screenshot(page, "keyword-count")


def test_the_ledger_on_a_phone(page_for, screenshot, world):
    lit_items(world)
    page = page_for("office", phone=True)
    page.goto("/ledger/")
    # the filters start folded; the table scrolls inside its own box, never the page
    assert page.locator("#ledger-filters").evaluate("d => d.open") is False
    scroll = page.locator(".ledger-scroll")
    assert scroll.evaluate("e => e.scrollWidth > e.clientWidth")
    assert page.evaluate("() => document.documentElement.scrollWidth <= window.innerWidth + 1")
    screenshot(page, "phone")
    page.click("#ledger-filters summary")
    assert page.locator("#ledger-filters").evaluate("d => d.open") is True
    assert page.locator("#f-light").is_visible()
    screenshot(page, "phone-filters")


def test_export_downloads_the_filtered_ledger(page_for, world):
    red, green, _draft = lit_items(world)
    page = page_for("office")
    page.goto("/ledger/?status=assigned&status=in_progress&sort=due&dir=asc")
    with page.expect_download() as download_info:
        page.click("#ledger-export")
    download = download_info.value
    assert download.suggested_filename == excel.export_filename(timezone.localdate())
    sheet = openpyxl.load_workbook(io.BytesIO(download.path().read_bytes())).worksheets[0]
    assert [cell.value for cell in sheet[2]] == [str(header) for _key, header, _w in excel.EXPORT_COLUMNS]
    rows = list(sheet.iter_rows(min_row=3, values_only=True))
    assert [(row[0], row[2]) for row in rows] == [(1, red.title), (2, green.title)]
    assert sheet.cell(row=3, column=12).fill.fgColor.rgb == "FFC62828"


def test_import_reports_row_errors_before_anything_is_imported(page_for, screenshot, world, tmp_path):
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.append([excel.column_header(column) for column in excel.IMPORT_COLUMNS])
    keys = [column.key for column in excel.IMPORT_COLUMNS]
    rows = [
        {
            "title": "推进农村饮水安全巩固提升",
            "source_type": str(SourceType.WORK_REPORT_TASK.label),
            "lead_unit": world.departments["slj"].name,
            "deadline_workdays": 30,
        },
        {
            "title": "建设智慧停车平台",
            "source_type": str(SourceType.LEADER_INSTRUCTION.label),
            "lead_unit": "县智慧城市局",  # no such unit
        },
    ]
    for row in rows:
        sheet.append([row.get(key) for key in keys])
    path = tmp_path / "import.xlsx"
    book.save(path)
    before = Item.objects.count()

    page = page_for("office")
    page.goto("/ledger/")
    page.click("#ledger-import")
    page.set_input_files("#import-file", str(path))
    screenshot(page, "upload")
    page.click("#import-submit")
    page.wait_for_url("**/ledger/import/?token=*")
    summary = page.locator("#import-summary")
    assert summary.get_attribute("data-valid") == "1" and summary.get_attribute("data-invalid") == "1"
    error = page.locator('li[data-row="3"][data-column="lead_unit"][data-code="unknown_unit"]')
    assert error.is_visible()
    assert page.locator('tr[data-row="2"]').get_attribute("data-valid") == "true"
    assert Item.objects.count() == before
    screenshot(page, "preview")

    page.click("#import-confirm-button")
    page.wait_for_url("**/ledger/?status=draft")
    assert Item.objects.count() == before + 1
    imported = Item.objects.get(title="推进农村饮水安全巩固提升")
    assert imported.status == ItemStatus.DRAFT
    assert listed_ids(page) == [imported.pk]
    assert not Item.objects.filter(title="建设智慧停车平台").exists()
    screenshot(page, "imported")


def test_import_template_downloads(page_for, world):
    page = page_for("office")
    page.goto("/ledger/import/")
    with page.expect_download() as download_info:
        page.click("#import-template")
    book = openpyxl.load_workbook(io.BytesIO(download_info.value.path().read_bytes()))
    assert [cell.value for cell in book.worksheets[0][1]] == [
        excel.column_header(column) for column in excel.IMPORT_COLUMNS
    ]
