"""Source records (一事一项的来源) and batch actions on items: thin endpoints over ducha.items.services (writes),
ducha.items.sources (reads, scope) and ducha.reminders.services (批量催办)."""

from __future__ import annotations

from typing import Literal

from django.http import HttpRequest
from django.utils import timezone
from ninja import Router, Status

from ducha.api.base import ERRORS, actor
from ducha.api.items import item_out
from ducha.api.schemas import (
    BatchIn,
    BatchOut,
    ItemOut,
    SourceRecordIn,
    SourceRecordOut,
    SourceRecordPage,
    SourceRecordPatchIn,
)
from ducha.api.shapes import unit_ref, user_ref
from ducha.items import selectors, services
from ducha.items import sources as source_selectors
from ducha.items.models import SourceRecord
from ducha.items.services import BatchResult
from ducha.reminders.services import items_batch_chase

router = Router(tags=["source records"])

BatchAction = Literal["submit", "approve", "assign", "sign", "chase"]


def source_record_out(
    record: SourceRecord,
    *,
    item_count: int | None = None,
    progress: source_selectors.SourceProgress | None = None,
) -> dict:
    return {
        "id": record.pk,
        "kind": record.kind,
        "kind_label": record.get_kind_display(),
        "title": record.title,
        "reference": record.reference,
        "issued_on": record.issued_on,
        "government": unit_ref(record.government),
        "leader": user_ref(record.leader),
        "summary": record.summary,
        "item_count": item_count,
        "progress": None
        if progress is None
        else {
            "total": progress.total,
            "by_status": [
                {"status": status, "label": label, "count": n} for status, label, n in progress.by_status
            ],
            "overdue": progress.overdue,
            "finished": progress.finished,
            "percent_finished": progress.percent_finished,
        },
    }


def _detail(request: HttpRequest, source_record_id: int) -> dict:
    user = actor(request)
    record = source_selectors.source_record_for_user(user, source_record_id)
    progress = source_selectors.source_record_progress(user, record, timezone.localdate())
    return source_record_out(record, item_count=progress.total, progress=progress)


@router.get("/source-records", response={200: SourceRecordPage, **ERRORS}, summary="来源（会议和文件）列表")
def source_record_list(
    request: HttpRequest, kind: str = "", q: str = "", cursor: str | None = None, limit: int = 30
) -> dict:
    """The records of the caller's government and those below (office and leaders), newest first; keyset-paged."""
    page = source_selectors.source_record_list_for_user(
        actor(request), kind=kind, keyword=q.strip(), cursor=cursor, limit=max(1, min(limit, 100))
    )
    return {
        "items": [source_record_out(r, item_count=page.item_counts.get(r.pk, 0)) for r in page.records],
        "next_cursor": page.next_cursor,
    }


@router.post(
    "/source-records", response={201: SourceRecordOut, **ERRORS}, summary="登记来源（会议纪要、文件等）"
)
def source_record_create(request: HttpRequest, payload: SourceRecordIn) -> Status[dict]:
    record = services.source_record_create(
        actor=actor(request),
        kind=payload.kind,
        title=payload.title,
        reference=payload.reference,
        issued_on=payload.issued_on,
        leader_id=payload.leader,
        summary=payload.summary,
    )
    return Status(201, _detail(request, record.pk))


@router.get(
    "/source-records/{source_record_id}", response={200: SourceRecordOut, **ERRORS}, summary="来源详情"
)
def source_record_detail(request: HttpRequest, source_record_id: int) -> dict:
    return _detail(request, source_record_id)


@router.patch(
    "/source-records/{source_record_id}", response={200: SourceRecordOut, **ERRORS}, summary="修改来源"
)
def source_record_update(request: HttpRequest, source_record_id: int, payload: SourceRecordPatchIn) -> dict:
    user = actor(request)
    source_selectors.source_record_for_user(user, source_record_id)  # out of scope: not found
    fields = payload.model_dump(exclude_unset=True)
    if "leader" in fields:
        fields["leader_id"] = fields.pop("leader")
    for name in ("kind", "title", "reference", "summary"):
        if name in fields and fields[name] is None:
            fields[name] = ""
    services.source_record_update(actor=user, source_record_id=source_record_id, **fields)
    return _detail(request, source_record_id)


@router.get(
    "/source-records/{source_record_id}/items",
    response={200: list[ItemOut], **ERRORS},
    summary="来源的事项台账",
)
def source_record_items(request: HttpRequest, source_record_id: int) -> list[dict]:
    user = actor(request)
    record = source_selectors.source_record_for_user(user, source_record_id)
    items = source_selectors.source_record_items(user, record)
    selectors.record_secret_reads(items, user)
    return [item_out(item) for item in items]


def batch_out(result: BatchResult) -> dict:
    return {
        "done": result.done,
        "refused": [{"item_id": r.item_id, "code": r.code, "message": r.message} for r in result.refused],
    }


@router.post(
    "/items/batch/{action}", response={200: BatchOut, **ERRORS}, summary="批量报批、审批、交办、签收、催办"
)
def items_batch(request: HttpRequest, action: BatchAction, payload: BatchIn) -> dict:
    """One action on up to 200 items; each item on its own — the answer lists the ids done and, per refused id,
    the code and message. A refusal of one item undoes nothing done on the others."""
    user = actor(request)
    ids = payload.items
    if action == "submit":
        result = services.items_batch_submit(actor=user, item_ids=ids)
    elif action == "approve":
        result = services.items_batch_approve(actor=user, item_ids=ids, comment=payload.comment)
    elif action == "assign":
        result = services.items_batch_assign(
            actor=user, item_ids=ids, due_date=payload.due_date, deadline_workdays=payload.deadline_workdays
        )
    elif action == "sign":
        result = services.items_batch_sign(actor=user, item_ids=ids)
    else:
        result = items_batch_chase(actor=user, item_ids=ids, text=payload.text)
    return batch_out(result)
