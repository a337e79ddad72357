"""The OpenAPI document says what the API really does: every component names one class of ducha.api.schemas (no
two classes share a name, so none hides another), every documented path reaches its own endpoint, and real answers
— the progress and report endpoints, and every GET over an item, an inspection and an inbox with something in
them — have the shape their operation documents."""

from __future__ import annotations

import datetime
import importlib
import inspect
import pkgutil
import re
from collections.abc import Iterator
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import resolve
from ninja import Schema

import ducha.api
import ducha.api.schemas
from ducha.clues.models import Clue
from ducha.evaluation import scoring
from ducha.evaluation.ledger import ledger_open
from ducha.evaluation.periods import Period
from tests.api.support import body
from tests.clues.support import clue_county
from tests.helpers import item_in
from tests.inspections.helpers import inspection_in

PREFIX = "/api/v1"
PARAMETER = re.compile(r"\{(\w+)\}")


@pytest.fixture
def document(client, db) -> dict:
    """The document as clients get it."""
    return body(client.get(f"{PREFIX}/openapi.json"))


def _modules(package: Any) -> Iterator[Any]:
    yield package
    for info in pkgutil.walk_packages(package.__path__, prefix=f"{package.__name__}."):
        yield importlib.import_module(info.name)


def _schema_classes(package: Any) -> list[type[Schema]]:
    """The Schema subclasses defined (not merely imported) in `package` and its modules."""
    return [
        cls
        for module in _modules(package)
        for _, cls in inspect.getmembers(module, inspect.isclass)
        if issubclass(cls, Schema) and cls is not Schema and cls.__module__ == module.__name__
    ]


def _operations(document: dict) -> Iterator[tuple[str, str, dict]]:
    for path, operations in document["paths"].items():
        for method, operation in operations.items():
            yield path, method, operation


# --- one class per name ---------------------------------------------------------------------------------------


def test_no_two_schema_classes_share_a_name():
    classes = _schema_classes(ducha.api.schemas)
    names = [cls.__name__ for cls in classes]
    assert len(classes) > 50
    assert sorted(name for name in set(names) if names.count(name) > 1) == []


def test_schemas_are_defined_in_ducha_api_schemas_only():
    elsewhere = [
        f"{cls.__module__}.{cls.__name__}"
        for cls in _schema_classes(ducha.api)
        if not cls.__module__.startswith("ducha.api.schemas")
    ]
    assert elsewhere == []


def test_every_component_is_the_class_of_its_name(document):
    classes = {cls.__name__: cls for cls in _schema_classes(ducha.api.schemas)}
    components = document["components"]["schemas"]
    assert sorted(set(components) - set(classes)) == []
    for name, component in components.items():
        fields = classes[name].model_fields
        assert set(component["properties"]) == set(fields), name
        required = {field for field, info in fields.items() if info.is_required()}
        assert set(component.get("required", ())) == required, name


def test_operation_ids_are_unique_and_name_the_area(document):
    ids = [operation["operationId"] for _, _, operation in _operations(document)]
    assert len(ids) == len(set(ids))
    assert all(
        re.fullmatch(
            r"ducha_api_(auth|units|items|sources|reminders|inspections|documents|evaluation|accountability|clues|exports|jobs)_\w+",
            i,
        )
        for i in ids
    ), ids


def test_every_documented_path_reaches_its_own_route(document):
    # Django tries the routes in order, and `{inspection_id}` matches any word: a fixed-word route declared after it
    # would never be reached.
    for path in document["paths"]:
        concrete = PARAMETER.sub("2026", path)
        assert resolve(concrete).route == PARAMETER.sub(r"<\1>", path).lstrip("/"), path


# --- real answers against the document ----------------------------------------------------------------------------


def _resolve(document: dict, schema: dict) -> dict:
    while "$ref" in schema:
        schema = document["components"]["schemas"][schema["$ref"].rsplit("/", 1)[1]]
    return schema


JSON_TYPES = {
    "object": dict,
    "array": list,
    "string": str,
    "integer": int,
    "number": (int, float),
    "boolean": bool,
    "null": type(None),
}


def problems(document: dict, schema: dict, value: Any, where: str = "") -> list[str]:
    """Where `value` strays from `schema`: a required property missing, a property not documented, a wrong type."""
    schema = _resolve(document, schema)
    if "anyOf" in schema:
        answers = [problems(document, option, value, where) for option in schema["anyOf"]]
        return [] if any(not answer for answer in answers) else min(answers, key=len)
    kind = schema.get("type")
    if kind is None:
        return []
    if not isinstance(value, JSON_TYPES[kind]) or (kind in ("integer", "number") and isinstance(value, bool)):
        return [f"{where or '.'}: {type(value).__name__}, documented {kind}"]
    found: list[str] = []
    if kind == "object" and "properties" in schema:
        properties = schema["properties"]
        found += [f"{where}.{name}: missing" for name in schema.get("required", ()) if name not in value]
        found += [f"{where}.{name}: not documented" for name in value if name not in properties]
        for name, item in value.items():
            if name in properties:
                found += problems(document, properties[name], item, f"{where}.{name}")
    elif kind == "array" and "items" in schema:
        for index, item in enumerate(value):
            found += problems(document, schema["items"], item, f"{where}[{index}]")
    return found


def documented(document: dict, method: str, path: str, status: int) -> dict | None:
    """The response schema the document gives for `method path` (a real path) answering `status`."""
    route = "/" + re.sub(r"<(?:\w+:)?(\w+)>", r"{\1}", resolve(path.split("?")[0]).route)
    responses = document["paths"][route][method]["responses"]
    assert str(status) in responses, (method, route, status)
    content = responses[str(status)].get("content")
    return content["application/json"]["schema"] if content else None


class Checked:
    """Calls the API as one demo user; every 2xx answer is checked against what its operation documents, and each
    operation called is noted."""

    def __init__(self, client: Any, document: dict, called: set[tuple[str, str]]) -> None:
        self.client, self.document, self.called = client, document, called

    def _check(self, method: str, path: str, response: Any, status: int) -> Any:
        assert response.status_code == status, (method, path, response.status_code, response.content[:2000])
        full = f"{PREFIX}{path}"
        schema = documented(self.document, method, full, status)
        route = resolve(full.split("?")[0]).route
        self.called.add((method, "/" + re.sub(r"<(\w+)>", r"{\1}", route)))
        if schema is None:  # a file download
            return response
        data = response.json()
        assert problems(self.document, schema, data) == [], (method, path)
        return data

    def get(self, path: str, status: int = 200) -> Any:
        return self._check("get", path, self.client.get(path), status)

    def post(self, path: str, data: dict | None = None, status: int = 200) -> Any:
        return self._check("post", path, self.client.post(path, data), status)

    def upload(self, path: str, name: str, content: bytes, status: int = 201, **form: Any) -> Any:
        response = self.client.client.post(
            f"{PREFIX}{path}",
            {"file": SimpleUploadedFile(name, content), **form},
            headers=self.client.headers,
        )
        return self._check("post", path, response, status)


@pytest.fixture
def called() -> set[tuple[str, str]]:
    return set()


@pytest.fixture
def checked(api, document, called):
    return lambda username: Checked(api(username), document, called)


def _top_level(document: dict, method: str, path: str, status: int) -> set[str]:
    schema = _resolve(document, documented(document, method, f"{PREFIX}{path}", status) or {})
    if schema.get("type") == "array":
        schema = _resolve(document, schema["items"])
    return set(schema["properties"])


def test_item_progress_and_report_document_what_they_answer(world, api, document):
    fgw, jyj, office = api("fgw"), api("jyj"), api("office")
    item_id = item_in(world, "in_progress").pk
    body(jyj.post(f"/items/{item_id}/sign"))

    progress = body(jyj.post(f"/items/{item_id}/progress", {"text": "教育局部分完成", "is_final": True}), 201)
    report = body(fgw.post(f"/items/{item_id}/report", {"text": "汇总报告"}), 201)
    reports = body(office.get(f"/items/{item_id}/reports"))

    assert set(progress) == _top_level(document, "post", f"/items/{item_id}/progress", 201)
    assert set(report) == _top_level(document, "post", f"/items/{item_id}/report", 201)
    assert len(reports) == 2
    assert set(reports[0]) == _top_level(document, "get", f"/items/{item_id}/reports", 200)
    for method, path, status, answer in (
        ("post", f"/items/{item_id}/progress", 201, progress),
        ("post", f"/items/{item_id}/report", 201, report),
        ("get", f"/items/{item_id}/reports", 200, reports),
    ):
        assert problems(document, documented(document, method, f"{PREFIX}{path}", status), answer) == []


def test_inspection_report_and_rectification_progress_and_report_document_what_they_answer(
    world, api, document
):
    cgz, cgz_head, office = api("cgz"), api("cgz_head"), api("office")
    inspection_id = inspection_in(world, "rectifying").pk
    [rectification] = body(cgz.get(f"/inspections/{inspection_id}/rectifications"))
    base = f"/inspections/{inspection_id}/rectifications/{rectification['id']}"
    body(cgz.post(f"{base}/plan", {"plan": "一个月内拨付到位。"}))

    progress = body(cgz.post(f"{base}/progress", {"text": "已拨付一半"}))
    report = body(cgz_head.post(f"{base}/report", {"text": "资金已全部拨付"}))
    inspection_report = body(office.get(f"/inspections/{inspection_id}/report"))

    assert set(progress) == _top_level(document, "post", f"{base}/progress", 200)
    assert set(report) == _top_level(document, "post", f"{base}/report", 200)
    assert set(inspection_report) == _top_level(document, "get", f"/inspections/{inspection_id}/report", 200)
    assert set(inspection_report) == {
        "inspection",
        "findings",
        "conclusions",
        "rectifications",
        "results",
        "rectification_counts",
    }
    for method, path, answer in (
        ("post", f"{base}/progress", progress),
        ("post", f"{base}/report", report),
        ("get", f"/inspections/{inspection_id}/report", inspection_report),
    ):
        assert problems(document, documented(document, method, f"{PREFIX}{path}", 200), answer) == []


def test_every_get_answers_what_it_documents(world, checked, called, document, today, pdf_engine):
    office, leader, fgw, jyj = checked("office"), checked("county_head"), checked("fgw"), checked("jyj")
    cgz, cgz_head = checked("cgz"), checked("cgz_head")

    # given: an item with reports, an extension, an attachment and a 催办 in fgw's inbox
    item_id = item_in(world, "in_progress").pk
    jyj.post(f"/items/{item_id}/sign")
    jyj.post(f"/items/{item_id}/progress", {"text": "教育局部分完成"}, status=201)
    attachment = fgw.upload(f"/items/{item_id}/attachments", "台账.txt", "整改台账".encode(), status=201)
    due = datetime.date.fromisoformat(office.get(f"/items/{item_id}")["due_date"])
    fgw.post(
        f"/items/{item_id}/extensions",
        {"reason": "汛期影响施工", "proposed_due_date": str(due + datetime.timedelta(days=5))},
        status=201,
    )
    office.post(f"/items/{item_id}/chase", {"text": "请加快进度"}, status=201)
    fgw.post(f"/items/{item_id}/report", {"text": "汇总报告"}, status=201)
    # an inspection being rectified, with an objection, evidence of the fix and a proposal; a plan; a designation
    inspection_id = inspection_in(world, "rectifying").pk
    [conclusion] = cgz_head.get(f"/inspections/{inspection_id}/conclusions")
    cgz_head.post(f"/inspections/{inspection_id}/conclusions/{conclusion['id']}/acknowledge")
    cgz_head.post(
        f"/inspections/{inspection_id}/conclusions/{conclusion['id']}/objection",
        {"reasons": "资金滞后系上级未拨付。"},
        status=201,
    )
    [rectification] = cgz.get(f"/inspections/{inspection_id}/rectifications")
    rectification_path = f"/inspections/{inspection_id}/rectifications/{rectification['id']}"
    cgz.post(f"{rectification_path}/plan", {"plan": "一个月内拨付到位。"})
    evidence = cgz.upload(
        f"{rectification_path}/evidence", "after.jpg", b"\xff\xd8\xff\xe0\x00\x10JFIF\x00photo after the fix"
    )
    office.post(
        f"/inspections/{inspection_id}/results",
        {"unit": world.townships["cgz"].pk, "kind": "criticise", "reason": "资金拨付滞后"},
        status=201,
    )
    office.post("/inspections/plans/", {"year": today.year, "baseline_count": 6}, status=201)
    leader.post(
        "/inspections/designations/",
        {
            "unit": world.departments["zjj"].pk,
            "matter": "住房安全",
            "start_date": str(today),
            "end_date": str(today + datetime.timedelta(days=90)),
        },
        status=201,
    )
    [message] = fgw.get("/inbox")["messages"]
    # and documents issued about the item, the inspection and the government (the plan is still being drafted)
    contact = {"contact_name": "王明", "contact_phone": "0931-1234567"}
    notice = office.post(
        f"/items/{item_id}/documents/supervision_notice/issue", {"inputs": contact}, status=201
    )
    office.post(
        f"/inspections/{inspection_id}/documents/inspection_report/issue",
        {
            "inputs": {
                "analysis": "资金拨付滞后。",
                "causes": "上级资金未及时下达。",
                "suggestions": "建立资金调度机制。",
            }
        },
        status=201,
    )
    office.post(
        "/government/documents/bulletin/issue",
        {"inputs": {"title": "督查情况通报", "body": "一、总体情况\n按期办结。"}},
        status=201,
    )

    batch = office.post("/documents/batches", {}, status=202)
    export = office.post("/exports/", {"query": ""}, status=202)  # the ledger's export, a background job
    # and the year's scores, the year's ledger and a report to the level above
    scoring.scores_compute([world.county.pk], Period(today.year))
    ledger = ledger_open(actor=world.user("office"), government_id=world.county.pk, year=today.year)
    report = office.post(
        "/period-reports/", {"period": "month", "year": today.year, "number": today.month}, status=201
    )
    # and the accountability ladder's proposals, a fact, a sanction, a bulletin and a commendation
    office.post("/accountability/proposals/run", {"year": today.year})
    office.post(
        "/accountability/facts",
        {
            "unit": world.departments["fgw"].pk,
            "kind": "meeting_absent",
            "occurred_on": str(today),
            "description": "无故缺席县政府常务会议",
        },
        status=201,
    )
    sanction = office.post(
        "/accountability/sanctions",
        {"unit": world.departments["fgw"].pk, "tier": "written_examination", "basis": "未按时报送"},
        status=201,
    )
    bulletin = office.post("/accountability/bulletins", {"kind": "situation", "year": today.year}, status=201)
    office.post(
        "/accountability/commendations",
        {"title": "督查工作先进单位", "year": today.year, "unit": world.departments["jyj"].pk},
        status=201,
    )

    # and a clue from the public, in a case
    clue_county(world)
    clue = office.post(
        "/public/clues",
        {
            "government_id": world.county.pk,
            "text": "城关镇槐树村垃圾一个多月无人清运。",
            "category": "conduct",
        },
        status=201,
    )
    clue_row = Clue.objects.get(code=clue["code"])
    # and a meeting's minutes, the source record of items split from it
    record = office.post(
        "/source-records",
        {"kind": "meeting_minutes", "title": "县政府第12次常务会议纪要", "reference": "示政纪〔2026〕12号"},
        status=201,
    )

    # when: every GET, with those ids
    values = {
        "item_id": item_id,
        "attachment_id": attachment["id"],
        "inspection_id": inspection_id,
        "evidence_id": evidence["id"],
        "year": today.year,
        "message_id": message["id"],
        "document_id": notice["id"],
        "batch_id": batch["id"],
        "unit_id": world.departments["fgw"].pk,
        "ledger_id": ledger.pk,
        "report_id": report["id"],
        "sanction_id": sanction["id"],
        "bulletin_id": bulletin["id"],
        "code": clue["code"],
        "clue_id": clue_row.pk,
        "case_id": clue_row.case_id,
        "source_record_id": record["id"],
        "export_id": export["id"],
        "job_id": export["id"],  # the same job through the generic endpoints
    }
    queries = {
        "/accountability/commendations/check": f"?unit={world.departments['jyj'].pk}",
        "/clues/places": f"?government_id={world.county.pk}",
    }
    kinds = {
        "/items/": "supervision_notice",
        "/inspections/plans/": "annual_plan",
        "/inspections/": "inspection_report",
        "/government/": "bulletin",
    }
    # A plan still being drafted has no plan document yet: refused as documented.
    refused = {
        "/documents/batches/{batch_id}.pdf": 409,  # still queued: no worker runs in this test
        "/exports/{export_id}/file": 409,  # the same
        "/jobs/{job_id}/file": 409,
        "/inspections/plans/{year}/documents/{kind}.docx": 409,
        "/inspections/plans/{year}/documents/{kind}.pdf": 409,
    }
    reader = {"/inbox": fgw}
    gets = [path for path, method, _ in _operations(document) if method == "get"]
    for path in gets:
        relative = path.removeprefix(PREFIX)
        named = {
            **values,
            "kind": next((k for prefix, k in kinds.items() if relative.startswith(prefix)), ""),
        }
        status = refused.get(relative, 200)
        query = queries.get(relative, "")
        relative = PARAMETER.sub(lambda match, named=named: str(named[match.group(1)]), relative) + query
        caller = next((c for prefix, c in reader.items() if relative.startswith(prefix)), office)
        caller.get(relative, status=status)

    # then: each answered as documented (checked on the way), and none was left out
    assert sorted(path for path in gets if ("get", path) not in called) == []
    # and a fixed word beside {message_id} reaches its own endpoint (it answered 405 when declared after it)
    assert fgw.get("/inbox/unread-count") == {"unread": 1}
    assert fgw.post("/inbox/read-all") == {"unread": 0}
    assert fgw.get("/inbox/unread-count") == {"unread": 0}
