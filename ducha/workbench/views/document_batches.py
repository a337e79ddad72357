"""The day's 督办通知单 in one PDF (the office's): a form to start a batch, the batch's page following its progress,
its PDF shown in the browser or downloaded.

- `documents/batches/`: GET, the form (the day, today by default) and the office's recent batches; POST, start a
  batch (`documents.batch.batch_start`) and go to its page. Without a PDF engine the form says why instead of
  offering the button, and a POST anyway is shown the same reason beside the form.
- `documents/batches/<id>/`: the batch's status and progress, the items left out with why, the error if it
  failed, and once done the links to its PDF. While queued or running its status block asks for itself again
  every 2 s (htmx: the block alone), until the batch is done or failed.
- `documents/batches/<id>.pdf` (shown in the browser) and `documents/batches/<id>/download` (a file).

The batch runs as a background job (ducha.jobs, kind "notices_batch"): its requester sees, in the status block, the
link to the job's page and the buttons to cancel it while it runs and to run it again once it failed (the jobs'
own addresses, `job-cancel` and `job-retry`); the inbox tells them when it is done.

Only the supervision office of a government: anyone else gets 403 on the form, and 404 on a batch's addresses
(`batch_for_user`: another government's batch does not exist for them).
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass
from typing import Any

from django import forms
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import path, reverse
from django.utils import timezone
from django.utils.cache import patch_vary_headers
from django.utils.http import content_disposition_header
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_http_methods

from ducha.common.errors import DomainError
from ducha.documents import batch as batches
from ducha.documents import selectors, services
from ducha.documents.models import BatchStatus, DocumentBatch
from ducha.items.selectors import MAX_ID
from ducha.jobs.models import Job, JobStatus
from ducha.orgs.models import Unit, User
from ducha.orgs.selectors import government_of
from ducha.workbench.forms.documents import DateInput
from ducha.workbench.forms.fields import IsoDateField, invalid_input
from ducha.workbench.views.documents import PDF_TYPE
from ducha.workbench.views.items.base import is_htmx, user_of

RECENT = 20
EARLIEST = datetime.date(2000, 1, 1)
POLL_SECONDS = 2


class BatchForm(forms.Form):
    """The day whose assigned items' notices go in the PDF; blank is today. Not after today (no item is assigned
    in the future), nor before the platform's time."""

    day = IsoDateField(label=gettext_lazy("assigned on"), widget=DateInput())

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["day"].widget.attrs.update(
            {"min": EARLIEST.isoformat(), "max": timezone.localdate().isoformat()}
        )

    def clean_day(self) -> datetime.date | None:
        day: datetime.date | None = self.cleaned_data.get("day")
        if day is not None and not EARLIEST <= day <= timezone.localdate():
            raise ValidationError(
                _("Choose a day from %(earliest)s to today.") % {"earliest": EARLIEST.isoformat()},
                code="out_of_range",
            )
        return day


@dataclass(frozen=True)
class BatchView:
    """One batch as its page and the list show it."""

    batch: DocumentBatch
    # Its latest run, when shown to its requester (the jobs' cancel and retry are theirs).
    job: Job | None = None

    @property
    def job_active(self) -> bool:
        return (
            self.job is not None and self.job.status in JobStatus.active() and not self.job.cancel_requested
        )

    @property
    def job_retryable(self) -> bool:
        return self.job is not None and self.job.status in (JobStatus.FAILED, JobStatus.CANCELLED)

    @property
    def polling(self) -> bool:
        return self.batch.status in (BatchStatus.QUEUED, BatchStatus.RUNNING)

    @property
    def is_done(self) -> bool:
        return self.batch.status == BatchStatus.DONE

    @property
    def is_failed(self) -> bool:
        return self.batch.status == BatchStatus.FAILED

    @property
    def percent(self) -> int:
        total = self.batch.total
        return min(100, self.batch.done * 100 // total) if total else (100 if self.is_done else 0)

    @property
    def skipped(self) -> list[tuple[str, str]]:
        return sorted((str(number), str(reason)) for number, reason in (self.batch.skipped or {}).items())

    @property
    def has_pages(self) -> bool:
        """Done, with at least one notice in the file (a day without items, or with every item left out, has
        none)."""
        return self.is_done and bool(self.batch.file) and self.batch.total > len(self.batch.skipped or {})

    @property
    def url(self) -> str:
        return reverse("document-batch", args=[self.batch.pk])

    @property
    def pdf_url(self) -> str:
        return reverse("document-batch-pdf", args=[self.batch.pk])

    @property
    def download_url(self) -> str:
        return reverse("document-batch-download", args=[self.batch.pk])


def _office_government(user: User) -> Unit:
    """The user's government when the user is its supervision office; 403 otherwise."""
    try:
        government = government_of(user)
    except DomainError:
        raise PermissionDenied from None
    if not services.may_issue(user, government):
        raise PermissionDenied
    return government


def _batch_or_404(user: User, batch_id: int) -> DocumentBatch:
    if not 1 <= batch_id <= MAX_ID:
        raise Http404
    try:
        return batches.batch_for_user(user, batch_id)
    except DomainError:  # another government's, none at all, or a user who is not the office
        raise Http404 from None


def _recent(government: Unit) -> list[BatchView]:
    found = (
        DocumentBatch.objects.filter(government=government, kind=batches.KIND)
        .select_related("created_by")
        .order_by("-created_at", "-id")[:RECENT]
    )
    return [BatchView(batch) for batch in found]


def _render_start(
    request: HttpRequest, government: Unit, form: BatchForm, *, error: DomainError | None = None
) -> HttpResponse:
    return render(
        request,
        "documents/batches.html",
        {
            "form": form,
            "error": error,
            "pdf_unavailable": selectors.pdf_unavailable(),
            "batches": _recent(government),
            "government": government,
        },
        status=error.status if error is not None else 200,
    )


@login_required
@require_http_methods(["GET", "POST"])
def batch_start(request: HttpRequest) -> HttpResponse:
    """GET: the form and the recent batches. POST: start a batch of the day's notices, then its page."""
    user = user_of(request)
    government = _office_government(user)
    if request.method == "GET":
        return _render_start(request, government, BatchForm(initial={"day": timezone.localdate()}))
    form = BatchForm(request.POST)
    if not form.is_valid():
        return _render_start(request, government, form, error=invalid_input(form))
    try:
        started = batches.batch_start(actor=user, day=form.cleaned_data["day"])
    except DomainError as error:  # no PDF engine, above all
        return _render_start(request, government, form, error=error)
    return redirect("document-batch", batch_id=started.pk)


@login_required
@require_GET
def batch_page(request: HttpRequest, batch_id: int) -> HttpResponse:
    """The batch's status and progress: the status block alone for htmx's polling, else the page."""
    user = user_of(request)
    batch = _batch_or_404(user, batch_id)
    job = batches.batch_job(batch)
    own_job = job if job is not None and job.owner_id == user.pk else None  # type: ignore[attr-defined]
    context = {"view": BatchView(batch, own_job), "poll_seconds": POLL_SECONDS}
    template = "documents/batch_status.html" if is_htmx(request) else "documents/batch.html"
    response = render(request, template, context)
    patch_vary_headers(response, ["HX-Request"])  # the same address answers the block or the page
    response["Cache-Control"] = "private, no-store"  # progress, never a stale copy
    return response


def _batch_file(request: HttpRequest, batch_id: int, *, inline: bool) -> HttpResponse:
    batch = _batch_or_404(user_of(request), batch_id)
    try:
        data = batches.batch_pdf(batch)
    except DomainError as error:  # not done yet
        return render(
            request,
            "documents/batch.html",
            {"view": BatchView(batch), "poll_seconds": POLL_SECONDS, "error": error},
            status=error.status,
        )
    except FileNotFoundError:
        raise Http404 from None
    response = HttpResponse(data, content_type=PDF_TYPE)
    name = f"{batch.get_kind_display()} {batch.day:%Y-%m-%d}.pdf"
    disposition = content_disposition_header(not inline, name)
    assert disposition is not None  # None only for an inline file without a name
    response["Content-Disposition"] = disposition
    response["Cache-Control"] = "private, no-store"
    return response


@login_required
@require_GET
def batch_pdf(request: HttpRequest, batch_id: int) -> HttpResponse:
    """The batch's PDF, shown in the browser."""
    return _batch_file(request, batch_id, inline=True)


@login_required
@require_GET
def batch_download(request: HttpRequest, batch_id: int) -> HttpResponse:
    """The batch's PDF, as a file to keep."""
    return _batch_file(request, batch_id, inline=False)


urlpatterns = [
    path("documents/batches/", batch_start, name="document-batches"),
    path("documents/batches/<int:batch_id>/", batch_page, name="document-batch"),
    path("documents/batches/<int:batch_id>.pdf", batch_pdf, name="document-batch-pdf"),
    path("documents/batches/<int:batch_id>/download", batch_download, name="document-batch-download"),
]
