"""台账 in Excel: the streamed export (layout, order, fills, scope, queries, memory) and the import (template,
preview with every kind of row error, explicit confirmation, one transaction, permissions, bad files)."""

from __future__ import annotations

import datetime
import io
import tempfile
import tracemalloc
import zipfile
from pathlib import Path
from urllib.parse import quote

import openpyxl
import pytest
from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.http import QueryDict
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from django.utils.http import content_disposition_header
from django.utils.translation import gettext

from ducha.common.errors import ValidationFailed
from ducha.devtools.demo import DEMO_PASSWORD
from ducha.items import services
from ducha.items.lifecycle import ItemStatus
from ducha.items.models import Assignment, AssignmentRole, Item, SourceType, Urgency
from ducha.orgs.models import UnitKind, UnitLevel
from ducha.orgs.services import unit_create
from ducha.workbench import excel, ledger
from tests.helpers import item_in, make_item

XLSX = excel.XLSX_CONTENT_TYPE


@pytest.fixture
def browser(client, world):
    def sign_in(username):
        assert client.login(username=username, password=DEMO_PASSWORD)
        return client

    return sign_in


def spec_of(query: str = "") -> ledger.LedgerFilter:
    spec, notices = ledger.parse_filter(QueryDict(query))
    assert notices == []
    return spec


def open_export(response) -> openpyxl.Workbook:
    assert response.status_code == 200
    assert response["Content-Type"] == XLSX
    return openpyxl.load_workbook(io.BytesIO(b"".join(response.streaming_content)))


def data_rows(sheet) -> list[tuple]:
    return [row for row in sheet.iter_rows(min_row=3, values_only=True)]


# --- export ---------------------------------------------------------------------------------------------------


@pytest.fixture
def lit(world, today):
    """A red, a yellow and a green item, plus a draft (no light)."""
    red = item_in(world, ItemStatus.IN_PROGRESS, title="红灯事项", source_reference="县政府第3次常务会议")
    yellow = item_in(world, ItemStatus.ASSIGNED, title="黄灯事项", co_units=("jyj", "zjj"))
    green = item_in(world, ItemStatus.ASSIGNED, title="绿灯事项", co_units=())
    draft = make_item(world, title="草稿事项")
    Item.objects.filter(pk=red.pk).update(
        due_date=today - datetime.timedelta(days=2),
        warn_date=today - datetime.timedelta(days=6),
        latest_progress="已完成前期摸底排查。",
    )
    Item.objects.filter(pk=yellow.pk).update(
        due_date=today + datetime.timedelta(days=1), warn_date=today - datetime.timedelta(days=1)
    )
    Item.objects.filter(pk=green.pk).update(
        due_date=today + datetime.timedelta(days=40), warn_date=today + datetime.timedelta(days=35)
    )
    for item in (red, yellow, green, draft):
        item.refresh_from_db()
    return {"red": red, "yellow": yellow, "green": green, "draft": draft}


def test_export_layout(browser, world, lit, today):
    response = browser("office").get("/ledger/export.xlsx", {"sort": "due", "dir": "asc"})
    assert excel.export_filename(today).endswith(f"_{today:%Y-%m-%d}.xlsx")
    assert response["Content-Disposition"] == content_disposition_header(True, excel.export_filename(today))
    sheet = open_export(response).worksheets[0]
    title = sheet["A1"].value
    assert title.startswith(gettext("Supervision item ledger (exported %(time)s)").split("%(time)s")[0])
    assert "A1:L1" in {str(r) for r in sheet.merged_cells.ranges}
    assert [cell.value for cell in sheet[2]] == [str(header) for _key, header, _w in excel.EXPORT_COLUMNS]
    assert sheet.freeze_panes == "A3"
    assert sheet.column_dimensions["C"].width > 30 and sheet.column_dimensions["J"].width > 40
    assert sheet["C3"].alignment.wrap_text


def test_a_chinese_file_name_is_sent_as_rfc_5987(browser, world, monkeypatch):
    monkeypatch.setattr(excel, "export_filename", lambda today: f"督查事项台账-{today:%Y%m%d}.xlsx")
    response = browser("office").get("/ledger/export.xlsx")
    today = timezone.localdate()
    assert response["Content-Disposition"] == (
        f"attachment; filename*=utf-8''{quote(f'督查事项台账-{today:%Y%m%d}.xlsx')}"
    )


def test_export_rows_match_the_filtered_ledger_in_order(browser, world, lit, today):
    client = browser("office")
    params = {"sort": "due", "dir": "asc"}
    page_ids = [row.item_id for row in client.get("/ledger/", params).context["page"].rows]
    rows = data_rows(open_export(client.get("/ledger/export.xlsx", params)).worksheets[0])
    by_number = {item.number: item for item in lit.values() if item.number}
    assert [row[0] for row in rows] == list(range(1, len(page_ids) + 1))
    # numbered items in the order of the page; the draft (no due date) last
    assert [by_number[row[1]].pk if row[1] else lit["draft"].pk for row in rows] == page_ids
    red = rows[0]
    item = lit["red"]
    assert red[1] == item.number and red[2] == item.title
    assert red[3] == str(SourceType(item.source_type).label) and red[4] == "县政府第3次常务会议"
    assert red[5] == world.departments["fgw"].name and red[6] == world.departments["jyj"].name
    # trap 9: openpyxl gives dates back as datetime
    assert red[7].date() == timezone.localdate(item.assigned_at)
    assert red[8].date() == item.due_date
    assert red[9] == "已完成前期摸底排查。"
    assert red[10] == str(ItemStatus(item.status).label)
    yellow = rows[1]
    assert yellow[6] == "、".join(world.departments[c].name for c in ("jyj", "zjj"))
    draft = rows[-1]
    assert draft[1] is None and draft[7] is None and draft[8] is None and draft[11] is None


def test_export_light_fills(browser, lit):
    sheet = open_export(browser("office").get("/ledger/export.xlsx", {"sort": "due"})).worksheets[0]
    fills = {}
    for row in sheet.iter_rows(min_row=3):
        light_cell = row[11]
        fills[row[2].value] = (light_cell.value, light_cell.fill.fgColor.rgb if light_cell.value else None)
    from ducha.items.models import Light

    assert fills["红灯事项"] == (str(Light.RED.label), "FFC62828")
    assert fills["黄灯事项"] == (str(Light.YELLOW.label), "FFF9A825")
    assert fills["绿灯事项"] == (str(Light.GREEN.label), "FF2E7D32")
    assert fills["草稿事项"] == (None, None)


def test_export_uses_the_page_filters(browser, lit):
    rows = data_rows(
        open_export(browser("office").get("/ledger/export.xlsx", {"light": "red"})).worksheets[0]
    )
    assert [row[2] for row in rows] == ["红灯事项"]
    rows = data_rows(
        open_export(browser("office").get("/ledger/export.xlsx", {"status": "draft"})).worksheets[0]
    )
    assert [row[2] for row in rows] == ["草稿事项"]


def test_export_respects_scope(browser, world, lit):
    zjj_item = services.item_create(
        actor=world.user("office"),
        title="住建局事项",
        source_type="other",
        lead_unit_id=world.departments["zjj"].pk,
    )
    services.item_submit(item_id=zjj_item.pk, actor=world.user("office"))
    services.item_approve(item_id=zjj_item.pk, actor=world.user("leader"))
    services.item_assign(item_id=zjj_item.pk, actor=world.user("office"))
    secret = item_in(world, ItemStatus.ASSIGNED, title="涉密事项", confidentiality="secret")
    rows = data_rows(open_export(browser("zjj").get("/ledger/export.xlsx")).worksheets[0])
    assert {row[2] for row in rows} == {"住建局事项", "黄灯事项"}  # zjj leads one, co-handles the other
    city = {
        row[2]
        for row in data_rows(open_export(browser("city_office").get("/ledger/export.xlsx")).worksheets[0])
    }
    assert secret.title not in city and "红灯事项" in city
    office = {
        row[2] for row in data_rows(open_export(browser("office").get("/ledger/export.xlsx")).worksheets[0])
    }
    assert secret.title in office


def test_an_empty_export_still_has_its_header(browser, world):
    sheet = open_export(browser("zjj").get("/ledger/export.xlsx")).worksheets[0]
    assert sheet.max_row == 2
    assert sheet["A2"].value == str(excel.EXPORT_COLUMNS[0][1])


def test_text_is_never_a_formula(browser, world):
    make_item(world, title='=HYPERLINK("http://evil","x")\x07')
    sheet = open_export(browser("office").get("/ledger/export.xlsx")).worksheets[0]
    cell = sheet["C3"]
    assert cell.data_type == "s" and cell.value.startswith("=HYPERLINK")


def test_rows_beyond_excels_sheet_limit_go_on_in_another_sheet(world, monkeypatch):
    monkeypatch.setattr(excel.export, "SHEET_MAX_ROWS", 5)  # title + header + 3 rows per sheet
    for n in range(7):
        make_item(world, title=f"事项{n}")
    output = io.BytesIO()
    assert (
        excel.ledger_export(user=world.user("office"), spec=spec_of("sort=updated&dir=asc"), output=output)
        == 7
    )
    book = openpyxl.load_workbook(output)
    assert len(book.worksheets) == 3
    headers = [str(header) for _key, header, _w in excel.EXPORT_COLUMNS]
    positions = []
    for sheet in book.worksheets:
        assert [cell.value for cell in sheet[2]] == headers and sheet.freeze_panes == "A3"
        positions.append([row[0] for row in data_rows(sheet)])
    assert positions == [[1, 2, 3], [4, 5, 6], [7]]


def export_queries(user, n_chunk: int | None = None) -> int:
    with CaptureQueriesContext(connection) as queries:
        excel.ledger_export(user=user, spec=spec_of(), output=io.BytesIO(), chunk_size=n_chunk)
    return len(queries)


def test_export_queries_do_not_grow_per_row(world):
    office = world.user("office")
    office.roles  # noqa: B018 - load the cached roles outside the measurement
    for n in range(5):
        make_item(world, title=f"事项{n}", co_units=("jyj", "zjj"))
    export_queries(office)  # warm-up: the user's scope (governments below) is fetched once per user object
    few = export_queries(office)
    for n in range(20):
        make_item(world, title=f"更多事项{n}", co_units=("jyj", "zjj"))
    assert export_queries(office) == few
    # in chunks of 10, 25 rows take three chunks: still one query for the items, one for the units of each chunk
    # (and the units' names once, in the first chunk, which met them all)
    assert export_queries(office, 10) == few + 2


def test_export_chunks_cover_every_row_once_in_order(world, today):
    office = world.user("office")
    for n in range(23):
        make_item(world, title=f"事项{n:02d}")
    Item.objects.filter(title__in=["事项03", "事项04", "事项05"]).update(due_date=today)  # ties
    spec = spec_of("sort=due&dir=asc")
    chunked = [row.item_id for row in ledger.ledger_rows(office, spec, today=today, chunk_size=4)]
    paged = [row.item_id for row in ledger.ledger_page(office, spec, today=today, limit=100).rows]
    assert chunked == paged and len(chunked) == 23


def test_export_units_are_those_of_the_pages_and_names_are_read_once(world, today):
    """units_by_id (the export's: unit ids without a join, names kept over the export; an array parameter on
    PostgreSQL) gives what units_of (the pages') gives; the names of units met before are not read again."""
    from ducha.workbench.ledger.rows import units_by_id, units_of

    items = [
        make_item(world, title="三个协办", co_units=("zjj", "jyj", "czj")),
        make_item(world, title="没有协办", co_units=()),
        make_item(world, title="一个协办", co_units=("jyj",)),
    ]
    ids = [item.pk for item in items]
    names: dict[int, str] = {}
    with CaptureQueriesContext(connection) as first:
        got = units_by_id(ids, names, using="default")
    assert got == units_of(ids)
    assert got.co[ids[0]] == [world.departments[code].name for code in ("zjj", "jyj", "czj")]
    assert ids[1] not in got.co and got.lead[ids[1]] == world.departments["fgw"].name
    assert len(first) == 2  # the assignments, the names of the units not met yet
    with CaptureQueriesContext(connection) as again:
        reversed_units = units_by_id(ids[::-1], names, using="default")
    assert reversed_units == units_of(ids[::-1])
    assert len(again) == 1
    assert units_by_id([], names, using="default") == units_of([])


def test_the_day_assigned_is_the_beijing_day(world):
    """23:30 UTC on 31 December is 07:30 on 1 January in Beijing: the export says 2027-01-01, as the page does."""
    item = item_in(world, ItemStatus.ASSIGNED, title="跨年交办")
    Item.objects.filter(pk=item.pk).update(
        assigned_at=datetime.datetime(2026, 12, 31, 23, 30, tzinfo=datetime.UTC)
    )
    office = world.user("office")
    today = datetime.date(2027, 1, 1)
    exported = [row for row in ledger.ledger_rows(office, spec_of(), today=today) if row.item_id == item.pk]
    paged = [row for row in ledger.ledger_page(office, spec_of(), today=today).rows if row.item_id == item.pk]
    assert exported[0].assigned_on == paged[0].assigned_on == datetime.date(2027, 1, 1)


def test_export_memory_stays_bounded(world, today):
    """3,000 rows through the same code path as a million: tracemalloc's peak must stay small. (The time and the
    real bound for 1M rows are measured in the benchmark, not here.)"""
    office = world.user("office")
    government = world.county
    fgw, jyj = world.departments["fgw"], world.departments["jyj"]
    items = Item.objects.bulk_create(
        [
            Item(
                government=government,
                title=f"批量事项{n}",
                source_type="meeting_decision",
                status=ItemStatus.IN_PROGRESS,
                number=f"督〔{today.year}〕{n + 1}号",
                number_year=today.year,
                number_seq=n + 1,
                due_date=today + datetime.timedelta(days=n % 90 - 30),
                warn_date=today + datetime.timedelta(days=n % 90 - 33),
                assigned_at=timezone.now(),
                latest_progress="已召开专题推进会议，制定印发工作方案，明确责任分工和时间节点。" * 3,
                created_by=office,
            )
            for n in range(3000)
        ],
        batch_size=500,
    )
    Assignment.objects.bulk_create(
        [Assignment(item=item, unit=fgw, role=AssignmentRole.LEAD) for item in items]
        + [Assignment(item=item, unit=jyj, role=AssignmentRole.CO) for item in items],
        batch_size=1000,
    )
    with tempfile.TemporaryFile() as output:
        tracemalloc.start()
        try:
            written = excel.ledger_export(user=office, spec=spec_of(), output=output)
            _current, peak = tracemalloc.get_traced_memory()
        finally:
            tracemalloc.stop()
        output.seek(0)
        assert zipfile.is_zipfile(output)
    assert written == 3000
    assert peak < 32 * 1024 * 1024, peak


# --- import: helpers ------------------------------------------------------------------------------------------


def headers() -> list[str]:
    return [excel.column_header(column) for column in excel.IMPORT_COLUMNS]


def workbook_bytes(rows: list[dict], *, header: list[str] | None = None, before: list[list] = ()) -> bytes:
    """An .xlsx with the template's header and one row per dict (column key → cell value)."""
    book = openpyxl.Workbook()
    sheet = book.active
    for extra in before:
        sheet.append(extra)
    sheet.append(header or headers())
    keys = [column.key for column in excel.IMPORT_COLUMNS]
    for row in rows:
        sheet.append([row.get(key) for key in keys])
    output = io.BytesIO()
    book.save(output)
    return output.getvalue()


def upload(client, content: bytes, name: str = "台账导入.xlsx"):
    return client.post("/ledger/import/", {"file": SimpleUploadedFile(name, content, content_type=XLSX)})


def preview_of(client, content: bytes):
    response = upload(client, content)
    assert response.status_code == 303, response.content.decode()[:2000]
    preview = client.get(response["Location"])
    assert preview.status_code == 200
    return preview


def confirm(client, preview_response, **overrides):
    context = preview_response.context
    data = {"token": context["token"], "sha256": context["sha256"], "count": context["valid_count"]}
    data.update(overrides)
    return client.post("/ledger/import/confirm/", data)


def stored_files() -> list[Path]:
    folder = Path(settings.MEDIA_ROOT) / "ledger-imports"
    return [path for path in folder.rglob("*") if path.is_file()] if folder.exists() else []


def good_row(world, **fields) -> dict:
    row = {
        "title": "推进城区污水管网改造",
        "content": "完成城区污水管网改造十公里。",
        "requirements": "每月报送进展。",
        "source_type": str(SourceType.MEETING_DECISION.label),
        "source_reference": "县政府第5次常务会议",
        "source_date": datetime.date(2026, 3, 15),
        "lead_unit": world.departments["zjj"].name,
        "co_units": f"{world.departments['fgw'].name}、{world.departments['czj'].name}",
        "urgency": str(Urgency.URGENT.label),
        "deadline_workdays": 20,
    }
    row.update(fields)
    return row


# --- import: template -----------------------------------------------------------------------------------------


def test_template_download(browser, world):
    response = browser("office").get("/ledger/import/template.xlsx")
    assert response.status_code == 200 and response["Content-Type"] == XLSX
    assert response["Content-Disposition"].startswith("attachment; filename")
    book = openpyxl.load_workbook(io.BytesIO(response.content))
    sheet = book.worksheets[0]
    assert [cell.value for cell in sheet[1]] == headers()
    assert len(book.worksheets) == 3 and book.worksheets[2].sheet_state == "hidden"
    lists = book.worksheets[2]
    source_labels = [row[0] for row in lists.iter_rows(values_only=True) if row[0]]
    assert source_labels == [str(label) for _value, label in SourceType.choices]
    unit_names = {row[3] for row in lists.iter_rows(values_only=True) if row[3]}
    assert world.departments["zjj"].name in unit_names and world.townships["cgz"].name in unit_names
    assert world.county.name not in unit_names  # the government itself is never the lead unit
    assert world.city_office.name not in unit_names  # another government's unit
    validations = {str(v.sqref).split(":")[0]: v for v in sheet.data_validations.dataValidation}
    source_column = "ABCDEFGHIJKL"[[c.key for c in excel.IMPORT_COLUMNS].index("source_type")]
    lead_column = "ABCDEFGHIJKL"[[c.key for c in excel.IMPORT_COLUMNS].index("lead_unit")]
    assert validations[f"{source_column}2"].type == "list"
    assert validations[f"{source_column}2"].formula1.startswith("lists!$A$1")
    assert validations[f"{lead_column}2"].formula1.startswith("lists!$D$1")
    assert book.worksheets[1].max_row > len(excel.IMPORT_COLUMNS)  # the instructions


def test_template_round_trip(browser, world, today):
    client = browser("office")
    book = openpyxl.load_workbook(io.BytesIO(client.get("/ledger/import/template.xlsx").content))
    sheet = book.worksheets[0]
    keys = [column.key for column in excel.IMPORT_COLUMNS]
    due = today + datetime.timedelta(days=40)
    rows = [
        good_row(world),
        good_row(
            world,
            title="乡镇卫生院建设",
            source_type="npc_suggestion",  # a code is accepted too
            lead_unit=world.townships["cgz"].name,
            co_units="",
            urgency="",
            confidentiality="secret",
            deadline_workdays=None,
            due_date=due,
            source_date="2026/04/01",
        ),
    ]
    for index, row in enumerate(rows, start=2):
        for column, key in enumerate(keys, start=1):
            sheet.cell(row=index, column=column, value=row.get(key))
    output = io.BytesIO()
    book.save(output)
    before = Item.objects.count()

    preview = preview_of(client, output.getvalue())
    context = preview.context
    assert context["valid_count"] == 2 and context["invalid_count"] == 0
    assert Item.objects.count() == before  # a preview imports nothing
    html = preview.content.decode()
    assert 'id="import-confirm"' in html and 'name="count" value="2"' in html

    response = confirm(client, preview)
    assert response.status_code == 302 and response["Location"] == "/ledger/?status=draft"
    created = list(Item.objects.filter(pk__gt=0).order_by("-id")[:2])[::-1]
    assert Item.objects.count() == before + 2
    first, second = created
    assert first.status == second.status == ItemStatus.DRAFT
    assert first.government == world.county and first.created_by == world.user("office")
    assert first.title == "推进城区污水管网改造" and first.source_type == "meeting_decision"
    assert first.source_date == datetime.date(2026, 3, 15) and first.urgency == "urgent"
    assert first.deadline_workdays == 20 and first.due_date is None
    assert first.content == "完成城区污水管网改造十公里。" and first.requirements == "每月报送进展。"
    units = [(a.unit.name, a.role) for a in first.assignments.order_by("-role", "id")]
    assert units == [
        (world.departments["zjj"].name, "lead"),
        (world.departments["fgw"].name, "co"),
        (world.departments["czj"].name, "co"),
    ]
    assert second.source_type == "npc_suggestion" and second.confidentiality == "secret"
    assert second.due_date == due and second.deadline_workdays is None and second.urgency == "normal"
    assert second.source_date == datetime.date(2026, 4, 1)
    assert [(a.unit.name, a.role) for a in second.assignments.all()] == [
        (world.townships["cgz"].name, "lead")
    ]
    assert stored_files() == []  # the upload is gone once imported


# --- import: validation ---------------------------------------------------------------------------------------

ROW_ERRORS = [
    ({"title": ""}, "title", excel.REQUIRED),
    ({"title": "长" * 201}, "title", excel.TOO_LONG),
    ({"source_type": ""}, "source_type", excel.REQUIRED),
    ({"source_type": "道听途说"}, "source_type", excel.UNKNOWN_CHOICE),
    ({"source_reference": "依" * 501}, "source_reference", excel.TOO_LONG),
    ({"source_date": "明天"}, "source_date", excel.INVALID_DATE),
    ({"source_date": 45000}, "source_date", excel.INVALID_DATE),
    ({"lead_unit": ""}, "lead_unit", excel.REQUIRED),
    ({"lead_unit": "县不存在局"}, "lead_unit", excel.UNKNOWN_UNIT),
    ({"lead_unit": "示范市人民政府督查室"}, "lead_unit", excel.UNKNOWN_UNIT),  # another government's
    ({"lead_unit": "示范县人民政府"}, "lead_unit", excel.LEAD_IS_GOVERNMENT),
    ({"co_units": "县发展和改革局, 县不存在局"}, "co_units", excel.UNKNOWN_UNIT),
    ({"co_units": "县住房和城乡建设局"}, "co_units", excel.CO_UNIT_IS_LEAD),
    ({"co_units": "县财政局，县财政局"}, "co_units", excel.UNIT_DUPLICATED),
    ({"urgency": "十万火急"}, "urgency", excel.UNKNOWN_CHOICE),
    ({"confidentiality": "绝密"}, "confidentiality", excel.UNKNOWN_CHOICE),
    ({"deadline_workdays": 0}, "deadline_workdays", excel.DEADLINE_WORKDAYS_RANGE),
    ({"deadline_workdays": 366}, "deadline_workdays", excel.DEADLINE_WORKDAYS_RANGE),
    ({"deadline_workdays": "十天"}, "deadline_workdays", excel.INVALID_NUMBER),
    ({"deadline_workdays": 2.5}, "deadline_workdays", excel.INVALID_NUMBER),
    ({"deadline_workdays": None, "due_date": datetime.date(2020, 1, 1)}, "due_date", excel.DEADLINE_IN_PAST),
    ({"deadline_workdays": None, "due_date": "下个月"}, "due_date", excel.INVALID_DATE),
    ({"due_date": datetime.date(2099, 1, 1)}, "due_date", excel.DEADLINE_CONFLICT),
]


def test_every_kind_of_row_error_is_reported_with_row_and_column(browser, world):
    client = browser("office")
    rows = [
        good_row(world, title=f"事项{n}", **fields) if "title" not in fields else good_row(world, **fields)
        for n, (fields, _column, _code) in enumerate(ROW_ERRORS)
    ]
    rows.append(good_row(world, title="唯一有效的事项"))
    before = Item.objects.count()
    preview = preview_of(client, workbook_bytes(rows))
    result = preview.context["preview"]
    assert [row.number for row in result.rows] == list(range(2, len(rows) + 2))
    for row, (_fields, column, code) in zip(result.rows, ROW_ERRORS, strict=False):
        assert [(error.column, error.code) for error in row.errors] == [(column, code)], row.number
        assert (
            f'data-row="{row.number}" data-column="{column}" data-code="{code}"' in preview.content.decode()
        )
    assert [row.number for row in result.valid_rows] == [len(rows) + 1]
    assert preview.context["valid_count"] == 1 and preview.context["invalid_count"] == len(ROW_ERRORS)
    html = preview.content.decode()
    assert f'data-total="{len(rows)}" data-valid="1" data-invalid="{len(ROW_ERRORS)}"' in html
    assert Item.objects.count() == before
    only_errors = client.get(f"/ledger/import/?token={preview.context['token']}&errors=1")
    assert [row.number for row in only_errors.context["shown_rows"]] == [
        row.number for row in result.invalid_rows
    ]

    # confirming imports exactly the one valid row; the invalid ones never
    assert confirm(client, preview).status_code == 302
    assert Item.objects.count() == before + 1
    assert Item.objects.filter(title="唯一有效的事项").count() == 1
    for fields, _column, _code in ROW_ERRORS:
        if fields.get("title"):
            assert not Item.objects.filter(title=fields["title"]).exists()


def test_several_errors_in_one_row_are_all_listed(browser, world):
    preview = preview_of(
        browser("office"), workbook_bytes([{"title": "", "source_type": "", "lead_unit": "", "urgency": "x"}])
    )
    row = preview.context["preview"].rows[0]
    assert {(e.column, e.code) for e in row.errors} == {
        ("title", excel.REQUIRED),
        ("source_type", excel.REQUIRED),
        ("lead_unit", excel.REQUIRED),
        ("urgency", excel.UNKNOWN_CHOICE),
    }
    assert preview.context["valid_count"] == 0
    assert 'id="import-confirm"' not in preview.content.decode()


def test_an_ambiguous_unit_name_is_an_error(browser, world):
    for parent in (world.departments["fgw"], world.departments["jyj"]):
        unit_create(name="综合股", level=UnitLevel.COUNTY, kind=UnitKind.OTHER, parent=parent)
    preview = preview_of(
        browser("office"), workbook_bytes([good_row(world, lead_unit="综合股", co_units="")])
    )
    assert [(e.column, e.code) for e in preview.context["preview"].rows[0].errors] == [
        ("lead_unit", excel.AMBIGUOUS_UNIT)
    ]


def test_labels_in_chinese_and_english_and_codes_are_accepted(world, today):
    from django.utils.translation import override

    with override("zh-hans"):
        chinese = str(SourceType.POLICY_DOCUMENT.label), str(Urgency.EXTRA_URGENT.label)
    rows = [
        good_row(world, source_type=chinese[0], urgency=chinese[1]),
        good_row(world, source_type="policy document", urgency="Extra Urgent"),
        good_row(world, source_type="policy_document", urgency="extra_urgent"),
    ]
    result = excel.import_parse(io.BytesIO(workbook_bytes(rows)), government=world.county, today=today)
    assert [row.errors for row in result.rows] == [[], [], []]
    assert {(row.data["source_type"], row.data["urgency"]) for row in result.rows} == {
        ("policy_document", "extra_urgent")
    }


def test_header_may_sit_below_a_title_row_and_columns_may_move(world, today):
    keys = [column.key for column in excel.IMPORT_COLUMNS]
    order = list(reversed(keys))
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.append(["督查事项导入"])
    sheet.append([excel.column_header(excel.COLUMNS_BY_KEY[key]) for key in order])
    row = good_row(world)
    sheet.append([row.get(key) for key in order])
    sheet.append([])
    sheet.append([None] * 5)  # blank rows are skipped
    output = io.BytesIO()
    book.save(output)
    output.seek(0)
    result = excel.import_parse(output, government=world.county, today=today)
    assert not result.file_error
    assert [(r.number, r.errors) for r in result.rows] == [(3, [])]
    assert result.rows[0].data["title"] == row["title"]


# --- import: confirmation and transaction ---------------------------------------------------------------------


def test_without_confirmation_nothing_is_imported(browser, world):
    client = browser("office")
    before = Item.objects.count()
    preview = preview_of(client, workbook_bytes([good_row(world)]))
    client.get(f"/ledger/import/?token={preview.context['token']}")  # viewing it again imports nothing either
    assert Item.objects.count() == before
    assert len(stored_files()) == 1


def test_confirm_checks_the_count_and_the_file(browser, world):
    client = browser("office")
    before = Item.objects.count()
    preview = preview_of(client, workbook_bytes([good_row(world), good_row(world, title="第二项")]))
    for overrides, code in (
        ({"count": 1}, "count_changed"),
        ({"count": "x"}, "count_changed"),
        ({"sha256": "0" * 64}, "file_changed"),
    ):
        response = confirm(client, preview, **overrides)
        assert response.status_code == 409
        assert f'data-code="{code}"' in response.content.decode()
        assert response.context["valid_count"] == 2  # the preview again
        assert Item.objects.count() == before
    assert confirm(client, preview).status_code == 302
    assert Item.objects.count() == before + 2


def test_a_refusal_on_any_row_rolls_back_every_row(browser, world, monkeypatch):
    client = browser("office")
    before = Item.objects.count()
    preview = preview_of(client, workbook_bytes([good_row(world, title=f"事项{n}") for n in range(3)]))
    real_create = services.item_create
    calls = []

    def refuse_the_third(**kwargs):
        calls.append(kwargs["title"])
        if len(calls) == 3:
            raise ValidationFailed("unit_not_found")
        return real_create(**kwargs)

    monkeypatch.setattr(services, "item_create", refuse_the_third)
    response = confirm(client, preview)
    assert response.status_code == 409
    assert 'data-code="row_refused"' in response.content.decode()
    assert calls == ["事项0", "事项1", "事项2"]
    assert Item.objects.count() == before  # the first two were rolled back
    assert len(stored_files()) == 1  # the user's file is kept: fix and confirm again
    monkeypatch.setattr(services, "item_create", real_create)
    assert confirm(client, preview).status_code == 302
    assert Item.objects.count() == before + 3


def test_a_second_confirmation_imports_nothing_more(browser, world):
    client = browser("office")
    before = Item.objects.count()
    preview = preview_of(client, workbook_bytes([good_row(world)]))
    assert confirm(client, preview).status_code == 302
    again = confirm(client, preview)
    assert again.status_code == 409 and 'data-code="preview_expired"' in again.content.decode()
    assert Item.objects.count() == before + 1


def test_a_unit_renamed_after_the_preview_is_caught_at_confirmation(browser, world):
    client = browser("office")
    preview = preview_of(
        client, workbook_bytes([good_row(world), good_row(world, lead_unit="县财政局", co_units="")])
    )
    world.departments["czj"].__class__.objects.filter(pk=world.departments["czj"].pk).update(
        name="县财政局（新）"
    )
    before = Item.objects.count()
    response = confirm(client, preview)
    assert response.status_code == 409 and 'data-code="count_changed"' in response.content.decode()
    assert Item.objects.count() == before


def test_discarding_removes_the_file(browser, world):
    client = browser("office")
    preview = preview_of(client, workbook_bytes([good_row(world)]))
    assert len(stored_files()) == 1
    response = client.post("/ledger/import/cancel/", {"token": preview.context["token"]})
    assert response.status_code == 302
    assert stored_files() == []
    assert client.get(f"/ledger/import/?token={preview.context['token']}").status_code == 404


def test_a_token_from_another_session_is_refused(browser, world, client):
    office = browser("office")
    preview = preview_of(office, workbook_bytes([good_row(world)]))
    from django.test import Client

    other = Client()
    assert other.login(username="office2", password=DEMO_PASSWORD)
    before = Item.objects.count()
    response = other.post(
        "/ledger/import/confirm/",
        {"token": preview.context["token"], "sha256": preview.context["sha256"], "count": 1},
    )
    assert response.status_code == 409
    assert Item.objects.count() == before


# --- import: permissions and bad files ------------------------------------------------------------------------


@pytest.mark.parametrize("username", ["fgw", "fgw_head", "leader", "county_head", "zjj_liaison"])
def test_only_office_staff_may_import(browser, world, username):
    client = browser(username)
    before = Item.objects.count()
    assert client.get("/ledger/import/").status_code == 403
    assert client.get("/ledger/import/template.xlsx").status_code == 403
    assert upload(client, workbook_bytes([good_row(world)])).status_code == 403
    assert (
        client.post("/ledger/import/confirm/", {"token": "0" * 32, "sha256": "", "count": 1}).status_code
        == 403
    )
    assert Item.objects.count() == before
    assert stored_files() == []
    assert 'id="ledger-import"' not in client.get("/ledger/").content.decode()


def test_the_ledger_offers_import_to_the_office(browser, world):
    assert 'id="ledger-import"' in browser("office").get("/ledger/").content.decode()


@pytest.mark.parametrize(
    ("content", "code"),
    [
        (b"title,source\nfoo,bar\n", excel.NOT_XLSX),
        (b"", excel.NOT_XLSX),
        (b"PK\x03\x04 not really a zip", excel.NOT_XLSX),
    ],
)
def test_a_file_that_is_not_xlsx_is_a_clear_error(browser, world, content, code):
    response = upload(browser("office"), content)
    assert response.status_code == 400
    assert f'data-code="{code}"' in response.content.decode()
    assert stored_files() == []


def test_a_zip_that_is_not_a_workbook(browser, world):
    output = io.BytesIO()
    with zipfile.ZipFile(output, "w") as archive:
        archive.writestr("hello.txt", "hi")
    response = upload(browser("office"), output.getvalue())
    assert response.status_code == 400 and f'data-code="{excel.NOT_XLSX}"' in response.content.decode()


def test_missing_file(browser, world):
    response = browser("office").post("/ledger/import/", {})
    assert response.status_code == 400 and f'data-code="{excel.FILE_REQUIRED}"' in response.content.decode()


def test_size_limit(browser, world, monkeypatch):
    monkeypatch.setattr(excel.importing, "IMPORT_MAX_BYTES", 1000)
    response = upload(browser("office"), workbook_bytes([good_row(world)]))
    assert response.status_code == 400 and f'data-code="{excel.FILE_TOO_LARGE}"' in response.content.decode()


def test_row_limit(browser, world, monkeypatch):
    monkeypatch.setattr(excel.importing, "IMPORT_MAX_ROWS", 3)
    client = browser("office")
    assert upload(client, workbook_bytes([good_row(world)] * 3)).status_code == 303
    response = upload(client, workbook_bytes([good_row(world)] * 4))
    assert response.status_code == 400 and f'data-code="{excel.TOO_MANY_ROWS}"' in response.content.decode()


def test_header_missing_and_empty_files(browser, world):
    client = browser("office")
    response = upload(client, workbook_bytes([good_row(world)], header=["甲", "乙", "丙"]))
    assert response.status_code == 400 and f'data-code="{excel.HEADER_MISSING}"' in response.content.decode()
    response = upload(client, workbook_bytes([]))
    assert response.status_code == 400 and f'data-code="{excel.NO_ROWS}"' in response.content.decode()


def test_an_expired_preview_asks_for_the_file_again(browser, world):
    response = browser("office").get("/ledger/import/?token=" + "a" * 32)
    assert response.status_code == 404 and 'data-code="preview_expired"' in response.content.decode()
    response = browser("office").get("/ledger/import/?token=../../etc/passwd")
    assert response.status_code == 404


# --- export → import round trip -------------------------------------------------------------------------------


def test_the_export_shares_the_import_templates_column_names(world):
    export_headers = {str(header) for _key, header, _width in excel.EXPORT_COLUMNS}
    shared = {"title", "source_type", "source_reference", "lead_unit", "co_units", "due_date"}
    assert {str(excel.COLUMNS_BY_KEY[key].header) for key in shared} <= export_headers
    assert str(excel.COLUMNS_BY_KEY["due_date"].header) == "办结时限"


def test_an_exported_ledger_imports_again_as_new_drafts(browser, world, today):
    # given three running items with future deadlines, one with co-units
    due = today + datetime.timedelta(days=30)
    originals = [
        item_in(world, ItemStatus.ASSIGNED, title="往返事项一", co_units=("jyj", "zjj")),
        item_in(world, ItemStatus.IN_PROGRESS, title="往返事项二", co_units=()),
        item_in(world, ItemStatus.ASSIGNED, title="往返事项三", source_reference="县政府第7次常务会议"),
    ]
    for offset, item in enumerate(originals):
        Item.objects.filter(pk=item.pk).update(
            due_date=due + datetime.timedelta(days=offset), warn_date=due - datetime.timedelta(days=3)
        )
    client = browser("office")
    export = b"".join(client.get("/ledger/export.xlsx", {"q": "往返事项"}).streaming_content)
    before = set(Item.objects.values_list("pk", flat=True))

    # when the exported file is uploaded to the import as it is
    preview = preview_of(client, export)
    assert preview.context["valid_count"] == 3 and preview.context["invalid_count"] == 0
    response = confirm(client, preview)

    # then three new drafts carry the same titles, source types, units and deadlines
    assert response.status_code == 302
    created = Item.objects.exclude(pk__in=before).order_by("title")
    assert created.count() == 3
    originals_by_title = {item.title: Item.objects.get(pk=item.pk) for item in originals}
    for copy in created:
        original = originals_by_title[copy.title]
        assert copy.status == ItemStatus.DRAFT and copy.pk != original.pk
        assert copy.source_type == original.source_type
        assert copy.source_reference == original.source_reference
        assert copy.due_date == original.due_date and copy.deadline_workdays is None

        def units(item):
            return sorted((a.unit_id, a.role) for a in item.assignments.all())

        assert units(copy) == units(original)


def test_an_old_template_with_the_completion_date_header_still_sets_the_deadline(world, today):
    due = today + datetime.timedelta(days=40)
    header = [
        "办结日期" if column.key == "due_date" else excel.column_header(column)
        for column in excel.IMPORT_COLUMNS
    ]
    content = workbook_bytes([good_row(world, deadline_workdays=None, due_date=due)], header=header)
    result = excel.import_parse(io.BytesIO(content), government=world.county, today=today)
    assert [row.errors for row in result.rows] == [[]]
    assert result.rows[0].data["due_date"] == due
