"""Background jobs' pages (issue 19), the same for every kind of job (ducha.jobs): whoever starts one — the ledger's
large export, an import, a batch — sends its owner to `job-detail`.

- `jobs/`: the user's latest jobs.
- `jobs/<id>/`: the job's title, status and progress (done of total, the time left), its error, its result's
  summary, the link to its file with the time it is kept until, and the cancel and retry buttons. While the job is
  queued or running its status block asks for itself again every second (htmx swaps the block alone); without
  JavaScript the page reloads itself (a refresh inside <noscript>) and offers a plain link to reload. Everything
  is read from the database, so the page survives a reload and the job goes on without it.
- `jobs/<id>/download`: the file, checked now (ducha.jobs.services.open_download: the owner, the file not expired,
  the kind's own check — the ledger's export refuses an owner whose scope changed since).
- `jobs/<id>/cancel`, `jobs/<id>/retry`: POST.

Someone else's job, or none at all, is 404.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass
from typing import Any, TypeVar

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import FileResponse, Http404, HttpRequest, HttpResponse, HttpResponseBase
from django.shortcuts import redirect, render
from django.urls import path, reverse
from django.utils import timezone
from django.utils.cache import patch_vary_headers
from django.utils.functional import cached_property
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_GET, require_POST

from ducha.common.errors import DomainError, NotFound
from ducha.jobs import registry, services
from ducha.jobs.models import Job, JobStatus
from ducha.orgs.models import User
from ducha.workbench.views.items.base import is_htmx, user_of

POLL_SECONDS = 1  # htmx asks again this often while the job is active
REFRESH_SECONDS = 3  # without JavaScript, the page reloads itself this often
RECENT = 50

R = TypeVar("R", bound=HttpResponseBase)


def time_left_text(seconds: int | None) -> str:
    """ "About 3 min 20 s left", or "" when it cannot be told."""
    if seconds is None:
        return ""
    if seconds < 60:
        return ngettext("About %(seconds)d second left", "About %(seconds)d seconds left", seconds) % {
            "seconds": seconds
        }
    hours, rest = divmod(seconds, 3600)
    minutes = rest // 60
    if hours:
        return _("About %(hours)d h %(minutes)d min left") % {"hours": hours, "minutes": minutes}
    return _("About %(minutes)d min %(seconds)d s left") % {"minutes": minutes, "seconds": rest % 60}


@dataclass(frozen=True)
class JobView:
    """One job as its page and the list show it, for the user looking at it now."""

    job: Job
    user: User
    now: datetime.datetime

    @property
    def label(self) -> str:
        kind = registry.get(self.job.kind)
        return str(kind.label) if kind is not None else self.job.kind

    @property
    def title(self) -> str:
        return self.job.title or self.label

    @property
    def is_active(self) -> bool:
        return self.job.status in JobStatus.active()

    @property
    def is_failed(self) -> bool:
        return self.job.status == JobStatus.FAILED

    @property
    def is_done(self) -> bool:
        return self.job.status == JobStatus.DONE

    @property
    def may_retry(self) -> bool:
        return self.job.status in (JobStatus.FAILED, JobStatus.CANCELLED)

    @property
    def is_cancelling(self) -> bool:
        return self.is_active and self.job.cancel_requested

    @property
    def percent(self) -> int:
        return self.job.percent or 0

    @property
    def time_left(self) -> str:
        return time_left_text(services.seconds_left(self.job, self.now))

    @cached_property
    def refusal(self) -> DomainError | None:
        """Why the file is not offered (done jobs only: not ready is said by the status)."""
        return services.download_refusal(self.job, self.user, self.now) if self.is_done else None

    @property
    def has_file(self) -> bool:
        return self.is_done and self.refusal is None

    @property
    def summary(self) -> str:
        return str(self.job.result.get("summary", "")) if isinstance(self.job.result, dict) else ""

    @property
    def result_items(self) -> list[tuple[str, Any]]:
        """The result's items, shown when it has no summary (a kind's private keys start with "_")."""
        if not isinstance(self.job.result, dict):
            return []
        return [
            (key, value)
            for key, value in self.job.result.items()
            if key != "summary" and not key.startswith("_")
        ]

    @property
    def next_url(self) -> str:
        """Where the job's result is used (the import's preview, the batch, the scores), when the kind says: the
        result's "_url", a path of this site only."""
        value = self.job.result.get("_url", "") if isinstance(self.job.result, dict) else ""
        return (
            value if isinstance(value, str) and value.startswith("/") and not value.startswith("//") else ""
        )

    @property
    def url(self) -> str:
        return reverse("job-detail", args=[self.job.pk])

    @property
    def download_url(self) -> str:
        return reverse("job-download", args=[self.job.pk])

    @property
    def cancel_url(self) -> str:
        return reverse("job-cancel", args=[self.job.pk])

    @property
    def retry_url(self) -> str:
        return reverse("job-retry", args=[self.job.pk])


def _job_or_404(user: User, job_id: int) -> Job:
    try:
        return services.job_for_user(user, job_id)
    except NotFound:
        raise Http404 from None


def _no_store(response: R) -> R:
    response["Cache-Control"] = "private, no-store"  # progress and files: never a stale copy
    return response


@login_required
@require_GET
def job_list(request: HttpRequest) -> HttpResponse:
    user = user_of(request)
    now = timezone.now()
    views = [JobView(job, user, now) for job in services.jobs_for_user(user, limit=RECENT)]
    return _no_store(render(request, "jobs/list.html", {"views": views}))


def _page(request: HttpRequest, job: Job, *, error: DomainError | None = None) -> HttpResponse:
    context = {
        "view": JobView(job, user_of(request), timezone.now()),
        "poll_seconds": POLL_SECONDS,
        "refresh_seconds": REFRESH_SECONDS,
        "error": error,
    }
    template = "jobs/partials/status.html" if is_htmx(request) and error is None else "jobs/job.html"
    response = render(request, template, context, status=error.status if error is not None else 200)
    patch_vary_headers(response, ["HX-Request"])  # the same address answers the block or the page
    return _no_store(response)


@login_required
@require_GET
def job_detail(request: HttpRequest, job_id: int) -> HttpResponse:
    """The job's page; its status block alone for htmx's polling."""
    return _page(request, _job_or_404(user_of(request), job_id))


@login_required
@require_GET
def job_download(request: HttpRequest, job_id: int) -> HttpResponseBase:
    user = user_of(request)
    try:
        handle, filename, content_type = services.open_download(job_id=job_id, user=user)
    except NotFound:
        raise Http404 from None
    except (
        DomainError
    ) as error:  # not ready, expired, or no longer the owner's to see: said on the job's page
        return _page(request, _job_or_404(user, job_id), error=error)
    return _no_store(FileResponse(handle, as_attachment=True, filename=filename, content_type=content_type))


@login_required
@require_POST
def job_cancel(request: HttpRequest, job_id: int) -> HttpResponse:
    user = user_of(request)
    try:
        job = services.cancel(job_id=job_id, user=user)
    except NotFound:
        raise Http404 from None
    except DomainError as error:
        messages.error(request, error.message)
    else:
        if job.status == JobStatus.CANCELLED:
            messages.success(request, _("The job was cancelled."))
        else:
            messages.info(request, _("The job will stop at its next step."))
    return redirect("job-detail", job_id=job_id)


@login_required
@require_POST
def job_retry(request: HttpRequest, job_id: int) -> HttpResponse:
    user = user_of(request)
    try:
        again, joined = services.retry(job_id=job_id, user=user)
    except NotFound:
        raise Http404 from None
    except DomainError as error:
        messages.error(request, error.message)
        return redirect("job-detail", job_id=job_id)
    if joined:
        messages.info(request, _("The same job is already running again; here is its progress."))
    else:
        messages.success(request, _("The job was started again."))
    return redirect("job-detail", job_id=again.pk)


urlpatterns = [
    path("jobs/", job_list, name="jobs"),
    path("jobs/<int:job_id>/", job_detail, name="job-detail"),
    path("jobs/<int:job_id>/download", job_download, name="job-download"),
    path("jobs/<int:job_id>/cancel", job_cancel, name="job-cancel"),
    path("jobs/<int:job_id>/retry", job_retry, name="job-retry"),
]
