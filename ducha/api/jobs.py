"""Any background job of the caller's (ducha.jobs) over the API, whatever its kind — the large import's check and
commit, the dashboard's recount, the day's notices, a period's scores, the ledger's export: thin endpoints over
ducha.jobs.services, the same rules as the job's web page (/jobs/<id>/).

- `GET /jobs/`: the caller's latest jobs; `GET /jobs/{id}`: its state and progress (done of total in the current
  stage, percent, seconds left, the stage), its error (code and message) when it failed or was cancelled, its
  summary when done, and `download_url` when it made a file the caller may download now.
- `GET /jobs/{id}/file`: the file, checked at download time (409 `job_not_ready` / `job_expired`, 403 when the
  kind refuses the caller as they are now, e.g. `job_scope_changed`).
- `POST /jobs/{id}/cancel` (200), `POST /jobs/{id}/retry` (202 new, 200 joined).

A job the caller may not read (another user's, as the kind decides) is 404.
"""

from __future__ import annotations

from typing import Any

from django.http import FileResponse, HttpRequest
from ninja import Router, Status

from ducha.api.background import background_job_out
from ducha.api.base import ERRORS, actor
from ducha.api.schemas import BackgroundJobOut
from ducha.jobs import services

router = Router(tags=["jobs"])

RECENT = 20


@router.get("/jobs/", response={200: list[BackgroundJobOut], **ERRORS}, summary="我的后台任务")
def job_list(request: HttpRequest) -> list[dict[str, Any]]:
    user = actor(request)
    return [background_job_out(job, user) for job in services.jobs_for_user(user, limit=RECENT)]


@router.get("/jobs/{job_id}", response={200: BackgroundJobOut, **ERRORS}, summary="后台任务的状态和进度")
def job_detail(request: HttpRequest, job_id: int) -> dict[str, Any]:
    user = actor(request)
    return background_job_out(services.job_for_user(user, job_id), user)


@router.get("/jobs/{job_id}/file", response={200: None, **ERRORS}, summary="下载后台任务生成的文件")
def job_file(request: HttpRequest, job_id: int) -> FileResponse:
    return job_file_response(request, job_id)


def job_file_response(request: HttpRequest, job_id: int) -> FileResponse:
    """The job's file for the caller, checked now (services.open_download), never kept by a cache on the way."""
    handle, filename, content_type = services.open_download(job_id=job_id, user=actor(request))
    response = FileResponse(handle, as_attachment=True, filename=filename, content_type=content_type)
    response["Cache-Control"] = "private, no-store"
    return response


@router.post("/jobs/{job_id}/cancel", response={200: BackgroundJobOut, **ERRORS}, summary="取消后台任务")
def job_cancel(request: HttpRequest, job_id: int) -> dict[str, Any]:
    user = actor(request)
    return background_job_out(services.cancel(job_id=job_id, user=user), user)


@router.post(
    "/jobs/{job_id}/retry",
    response={200: BackgroundJobOut, 202: BackgroundJobOut, **ERRORS},
    summary="重新运行失败或已取消的后台任务",
)
def job_retry(request: HttpRequest, job_id: int) -> Any:
    user = actor(request)
    job, joined = services.retry(job_id=job_id, user=user)
    return Status(200 if joined else 202, background_job_out(job, user))
