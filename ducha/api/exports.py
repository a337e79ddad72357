"""The ledger's Excel export over the API, always as a background job (ducha.jobs; the kind "ledger_export" that the
workbench registers — ducha.workbench.exports): thin endpoints over ducha.jobs.services.

- `POST /exports/` with the ledger's filter (`query`, the ledger page's query string) starts the export: 202 with
  the new job, or 200 with the job already running for the same filter (`joined`: true), which it joins.
- `GET /exports/{id}`: its state and progress (done of total, percent, seconds left), its error (code and message)
  when it failed, and when done its `download_url` and `expires_at` — or `download_refusal`, why the file is not
  offered (expired, or the caller's scope has changed since it was made).
- `GET /exports/{id}/file`: the .xlsx, checked at download time against the caller as they are now; 409
  `job_not_ready` before it is done, 409 `job_expired` after its time, 403 `job_scope_changed`.
- `POST /exports/{id}/cancel` (200), `POST /exports/{id}/retry` (202 new, 200 joined); `GET /exports/` the
  caller's latest exports.

Another user's export, or any other kind of job, is 404.
"""

from __future__ import annotations

import datetime
from typing import Any

from django.http import FileResponse, HttpRequest
from django.utils import timezone
from ninja import Router, Status

from ducha.api.background import background_job_out
from ducha.api.base import ERRORS, actor
from ducha.api.jobs import job_file_response
from ducha.api.schemas import ExportIn, ExportJobOut, ExportStartedOut
from ducha.common.errors import NotFound
from ducha.jobs import registry, services
from ducha.jobs.models import Job, JobStatus
from ducha.orgs.models import User

router = Router(tags=["exports"])

LEDGER_EXPORT = "ledger_export"  # registered by the workbench (ducha.workbench.exports), named here
RECENT = 20


def _export_for_user(user: User, export_id: int) -> Job:
    job = services.job_for_user(user, export_id)
    if job.kind != LEDGER_EXPORT:
        raise NotFound()
    return job


def _export_out(job: Job, user: User, now: datetime.datetime | None = None) -> dict[str, Any]:
    """A job's common shape (api/background.py) with what the export adds: its filter, its attempts and times, the
    file's name and size, and the file's link here (or why it is not offered to the caller now)."""
    now = now or timezone.now()
    kind = registry.get(job.kind)
    refusal = services.download_refusal(job, user, now) if job.status == JobStatus.DONE else None
    return {
        **background_job_out(job),
        "label": str(kind.label) if kind is not None else job.kind,
        "status_display": str(job.get_status_display()),
        "query": str(job.params.get("query", "")),
        "attempt": job.attempt,
        "retry_of": job.retry_of_id,  # type: ignore[attr-defined]
        "created_at": job.created_at,
        "started_at": job.started_at,
        "finished_at": job.finished_at,
        "filename": job.filename,
        "size": job.size,
        "expires_at": job.expires_at,
        "download_url": f"/api/v1/exports/{job.pk}/file"
        if job.status == JobStatus.DONE and refusal is None
        else None,
        "download_refusal": refusal.as_dict() if refusal is not None else None,
    }


def _started(job: Job, joined: bool, user: User) -> Any:
    return Status(200 if joined else 202, {**_export_out(job, user), "joined": joined})


@router.post(
    "/exports/",
    response={200: ExportStartedOut, 202: ExportStartedOut, **ERRORS},
    summary="导出台账 Excel（后台任务）",
)
def export_start(request: HttpRequest, body: ExportIn) -> Any:
    """Start the export of the caller's ledger (their scope, narrowed by `query`) as a background job: 202 and the
    new job; 200 and the job already running for the same filter, which this joins. Poll `GET /exports/{id}`."""
    user = actor(request)
    job, joined = services.start(kind=LEDGER_EXPORT, owner=user, params={"query": body.query})
    return _started(job, joined, user)


@router.get("/exports/", response={200: list[ExportJobOut], **ERRORS}, summary="我的台账导出")
def export_list(request: HttpRequest) -> list[dict[str, Any]]:
    user = actor(request)
    now = timezone.now()
    return [
        _export_out(job, user, now) for job in services.jobs_for_user(user, kind=LEDGER_EXPORT, limit=RECENT)
    ]


@router.get("/exports/{export_id}", response={200: ExportJobOut, **ERRORS}, summary="台账导出的状态和进度")
def export_detail(request: HttpRequest, export_id: int) -> dict[str, Any]:
    user = actor(request)
    return _export_out(_export_for_user(user, export_id), user)


@router.get("/exports/{export_id}/file", response={200: None, **ERRORS}, summary="下载导出的台账 .xlsx")
def export_file(request: HttpRequest, export_id: int) -> FileResponse:
    _export_for_user(actor(request), export_id)
    return job_file_response(request, export_id)


@router.post("/exports/{export_id}/cancel", response={200: ExportJobOut, **ERRORS}, summary="取消台账导出")
def export_cancel(request: HttpRequest, export_id: int) -> dict[str, Any]:
    user = actor(request)
    _export_for_user(user, export_id)
    return _export_out(services.cancel(job_id=export_id, user=user), user)


@router.post(
    "/exports/{export_id}/retry",
    response={200: ExportStartedOut, 202: ExportStartedOut, **ERRORS},
    summary="重新导出（失败或已取消的）",
)
def export_retry(request: HttpRequest, export_id: int) -> Any:
    user = actor(request)
    _export_for_user(user, export_id)
    job, joined = services.retry(job_id=export_id, user=user)
    return _started(job, joined, user)
