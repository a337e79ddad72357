"""台账 (ledger): filters, saved filters, Excel export and import. Thin: ducha.workbench.ledger builds the
queryset (scope from selectors), ducha.workbench.excel reads and writes the files, services.item_create creates
the items.

Import keeps the uploaded file between the preview and the confirmation in a private folder under MEDIA_ROOT,
named by a random token that is also recorded in the user's session; the confirmation re-reads the file, checks
its SHA-256 and the number of valid rows the user saw, then imports in one transaction, which also records the
upload as imported (ledger_import.commit_once: a file given back after that commit is never imported again). The
file is removed only after a successful import or when the user discards it, so a failed confirmation shows the
preview again.

A file of more than DUCHA_IMPORT_INLINE_ROWS rows is checked and imported in background jobs instead
(ducha.workbench.ledger_import): the upload and the confirmation go to the job's page, and the preview shows the
check's result (the counts and the errors) rather than parsing the file again.
"""

from __future__ import annotations

import hashlib
import os
import re
import secrets
import tempfile
from pathlib import Path
from typing import Any

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import (
    FileResponse,
    Http404,
    HttpRequest,
    HttpResponse,
    HttpResponseBase,
    HttpResponseRedirect,
)
from django.shortcuts import redirect, render
from django.template.loader import render_to_string
from django.urls import path, reverse
from django.utils import timezone
from django.utils.cache import get_conditional_response, patch_cache_control
from django.utils.functional import SimpleLazyObject
from django.utils.html import format_html
from django.utils.http import content_disposition_header
from django.utils.safestring import mark_safe
from django.utils.translation import get_language, ngettext
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from ducha.common import uploads
from ducha.common.errors import DomainError
from ducha.items.selectors import load_unit
from ducha.jobs.models import JobStatus
from ducha.orgs.models import Role, Unit, User
from ducha.workbench import excel, exports
from ducha.workbench import ledger as ledger_module
from ducha.workbench import ledger_import as large_imports
from ducha.workbench.forms.fields import cleaned
from ducha.workbench.forms.ledger import (
    ImportConfirmForm,
    ImportPreviewForm,
    ImportTokenForm,
    SavedFilterForm,
    UnitOptionsForm,
)
from ducha.workbench.models import ImportedUpload
from ducha.workbench.views.items.base import user_of

IMPORT_SESSION_KEY = "ledger_imports"
IMPORT_TOKEN = re.compile(r"^[0-9a-f]{32}$")
IMPORT_PENDING_MAX = 5
IMPORT_FILE_MAX_AGE = 24 * 3600


def _user(request: HttpRequest) -> User:
    return user_of(request)


# --- the ledger page ------------------------------------------------------------------------------------------


@login_required
@require_GET
def ledger(request: HttpRequest) -> HttpResponse:
    user = _user(request)
    load_unit(user)
    today = timezone.localdate()
    spec, notices = ledger_module.parse_filter(request.GET)
    cursor, cursor_notice = ledger_module.decode_cursor(request.GET.get("cursor", ""), spec)
    if cursor_notice is not None:
        notices.append(cursor_notice)
    query = spec.querystring
    may_batch = user.has_role(Role.OFFICE)

    def render_body(page: ledger_module.LedgerPage) -> dict[str, str]:
        """The page's rows, count and pager: a function of the page, the filter and `may_batch` alone."""
        context = {
            "page": page,
            # The office ticks rows for a batch 交办 or 催办 (the batch bar under the table).
            "rows_html": ledger_module.rows_html(page.rows, tick_form="ledger-batch" if may_batch else ""),
            "may_batch": may_batch,
            "query": query,
            "next_query": _with_cursor(query, page.next_cursor),
        }
        return {
            "rows": render_to_string("ledger/partials/rows.html", context),
            "pager": render_to_string("ledger/partials/pager.html", context),
        }

    page, body = ledger_module.kept_page(
        user,
        spec,
        today=today,
        cursor=cursor,
        with_count=not ledger_module.counts_apart(spec),
        render=render_body,
        vary=(may_batch,),
    )
    form = ledger_module.filter_form(user, spec, today)
    return render(
        request,
        "ledger/ledger.html",
        {
            "user": user,  # itself, not the request's lazy stand-in (user_of)
            "spec": spec,
            "page": page,
            # Rendered (or fetched) when the page reaches it.
            "body": SimpleLazyObject(lambda: {part: mark_safe(html) for part, html in body().items()}),
            "may_batch": may_batch,
            "here": request.get_full_path(),
            "notices": notices,
            "form": form,
            "query": query,
            "saved_filters": ledger_module.saved_filters_for_user(user),
            "presets": [
                (code, str(label), f"preset={code}") for code, label in ledger_module.PRESETS.items()
            ],
            "may_import": _may_import(user),
        },
    )


@login_required
@require_GET
def ledger_count(request: HttpRequest) -> HttpResponse:
    """The count of a ledger page that leaves it for later (ledger.counts_apart): the same filter parameters,
    the same markup as the count the page shows itself."""
    spec, _notices = ledger_module.parse_filter(request.GET)
    counted = ledger_module.ledger_count(_user(request), spec, today=timezone.localdate())
    return render(request, "ledger/partials/count.html", {"counted": counted})


UNIT_OPTIONS_MAX_AGE = 300


@login_required
@require_GET
def ledger_unit_options(request: HttpRequest) -> HttpResponse:
    """The <option>s of the ledger's unit filters, loaded by the page after it is shown: a province's thousands of
    units stay out of every ledger page and its next pages. Private to the user, kept by the browser for a few
    minutes and revalidated by ETag (the version of the units), so turning pages fetches them once."""
    user = _user(request)
    load_unit(user)
    selected = ledger_module.parse_unit_id(cleaned(UnitOptionsForm(request.GET))["selected"])
    options = ledger_module.unit_options(user)
    tag = hashlib.sha256(f"{options.version}|{selected}|{get_language()}".encode()).hexdigest()[:32]
    etag = f'"{tag}"'
    response = get_conditional_response(request, etag=etag)
    if response is None:
        blank = format_html('<option value="">{}</option>', _("Any unit"))
        response = HttpResponse(blank + options.render(selected))
        response["ETag"] = etag
    patch_cache_control(response, private=True, max_age=UNIT_OPTIONS_MAX_AGE)
    return response


def _with_cursor(query: str, cursor: str | None) -> str:
    if cursor is None:
        return ""
    return f"{query}&cursor={cursor}" if query else f"cursor={cursor}"


# --- saved filters --------------------------------------------------------------------------------------------


@login_required
@require_POST
def filter_save(request: HttpRequest) -> HttpResponse:
    user = _user(request)
    data = cleaned(SavedFilterForm(request.POST))
    query = data["query"]
    try:
        saved = ledger_module.saved_filter_save(user=user, name=data["name"], query=query)
    except ledger_module.SavedFilterError as error:
        messages.error(request, error.message)
        query = ledger_module.canonical_query(query)
        return redirect(f"{reverse('ledger')}?{query}" if query else reverse("ledger"))
    messages.success(request, _("The filter “%(name)s” was saved.") % {"name": saved.name})
    return redirect(f"{reverse('ledger')}?{saved.query}" if saved.query else reverse("ledger"))


@login_required
@require_POST
def filter_delete(request: HttpRequest, filter_id: int) -> HttpResponse:
    if not ledger_module.saved_filter_delete(user=_user(request), filter_id=filter_id):
        raise Http404
    messages.success(request, _("The saved filter was deleted."))
    return redirect("ledger")


# --- export ---------------------------------------------------------------------------------------------------


@login_required
@require_http_methods(["GET", "POST"])
def ledger_export(request: HttpRequest) -> HttpResponseBase:
    """The filtered ledger as .xlsx. Up to DUCHA_EXPORT_INLINE_ROWS rows (counted up to that bound) it downloads at
    once: written to an anonymous temporary file (already unlinked, so it vanishes when closed) and streamed from
    there; the response closes it when sent. A larger one runs as a background job (workbench.exports): the
    button (a POST) starts it, or joins the one running for the same filter, and goes to its page; a GET (an old
    link) starts nothing and goes back to the ledger saying so."""
    user = _user(request)
    spec, _notices = ledger_module.parse_filter(request.GET)
    if not exports.export_is_inline(user, spec):
        back = f"{reverse('ledger')}?{spec.querystring}" if spec.querystring else reverse("ledger")
        if request.method != "POST":
            messages.info(
                request, _("This export is large: press “Export to Excel” to make it in the background.")
            )
            return redirect(back)
        job, joined = exports.export_start(owner=user, spec=spec)
        if joined:
            messages.info(request, _("The same export is already being made; here is its progress."))
        else:
            messages.info(
                request,
                _(
                    "The export has more than %(count)d rows: it is made in the background. You may leave this "
                    "page; your inbox will tell you when the file is ready."
                )
                % {"count": settings.DUCHA_EXPORT_INLINE_ROWS},
            )
        return redirect("job-detail", job_id=job.pk)
    now = timezone.now()
    handle = tempfile.TemporaryFile(suffix=".xlsx")  # noqa: SIM115 - FileResponse closes it
    try:
        excel.ledger_export(user=user, spec=spec, output=handle, now=now)
        handle.seek(0)
    except BaseException:
        handle.close()
        raise
    return FileResponse(
        handle,
        as_attachment=True,
        filename=excel.export_filename(timezone.localdate(now)),
        content_type=excel.XLSX_CONTENT_TYPE,
    )


# --- import ---------------------------------------------------------------------------------------------------


def _may_import(user: User) -> bool:
    return large_imports.may_import(user)


def _government(user: User) -> Unit:
    if not _may_import(user):
        raise PermissionDenied
    assert user.unit is not None and user.unit.government is not None
    return user.unit.government


def _import_dir(user: User) -> Path:
    return large_imports.upload_dir(user.pk)


def _import_file(user: User, token: str, suffix: str = ".xlsx") -> Path:
    return large_imports.upload_path(user.pk, token, suffix)


def _pending(request: HttpRequest) -> dict[str, dict[str, Any]]:
    pending = request.session.get(IMPORT_SESSION_KEY)
    return pending if isinstance(pending, dict) else {}


def _remember(request: HttpRequest, token: str, entry: dict[str, Any]) -> None:
    pending = _pending(request)
    pending[token] = entry
    # Keep the newest few; forget (and delete) the rest.
    for old in sorted(pending, key=lambda key: pending[key].get("at", 0))[:-IMPORT_PENDING_MAX]:
        _forget(request, old, pending)
    request.session[IMPORT_SESSION_KEY] = pending


def _forget(request: HttpRequest, token: str, pending: dict[str, dict[str, Any]] | None = None) -> None:
    pending = pending if pending is not None else _pending(request)
    pending.pop(token, None)
    for suffix in (".xlsx", ".importing"):
        _import_file(_user(request), token, suffix).unlink(missing_ok=True)
    request.session[IMPORT_SESSION_KEY] = pending


def _sweep_old_files(user: User) -> None:
    """Delete the user's uploads older than a day. Their times are the project's clock, stamped on them when they
    were stored (see the upload), so the comparison never mixes the file system's clock with the project's."""
    folder = _import_dir(user)
    if not folder.is_dir():
        return
    limit = timezone.now().timestamp() - IMPORT_FILE_MAX_AGE
    for entry in folder.iterdir():
        try:
            if entry.stat().st_mtime < limit:
                entry.unlink(missing_ok=True)
        except OSError:
            continue


def _pending_entry(request: HttpRequest, token: str) -> dict[str, Any] | None:
    if not IMPORT_TOKEN.match(token or ""):
        return None
    entry = _pending(request).get(token)
    if not isinstance(entry, dict):
        return None
    return entry


def _parse_stored(user: User, token: str, government: Unit) -> tuple[excel.ImportPreview, str] | None:
    """The preview of a stored upload and its SHA-256, or None when the file is gone."""
    stored = _import_file(user, token)
    try:
        with stored.open("rb") as handle:
            digest = hashlib.file_digest(handle, "sha256").hexdigest()
            handle.seek(0)
            preview = excel.import_parse(handle, government=government)
    except FileNotFoundError:
        return None
    return preview, digest


def _upload_page(
    request: HttpRequest, *, error: str = "", error_code: str = "", status: int = 200
) -> HttpResponse:
    return render(
        request,
        "ledger/import.html",
        {
            "error": error,
            "error_code": error_code,
            "max_rows": excel.importing.IMPORT_MAX_ROWS,
            "max_mb": excel.importing.IMPORT_MAX_BYTES // (1024 * 1024),
        },
        status=status,
    )


def _preview_page(
    request: HttpRequest,
    *,
    token: str,
    entry: dict[str, Any],
    preview: excel.ImportPreview,
    digest: str,
    error: str = "",
    error_code: str = "",
    status: int = 200,
    only_errors: bool = False,
) -> HttpResponse:
    return render(
        request,
        "ledger/import_preview.html",
        {
            "shown_rows": preview.invalid_rows if only_errors else preview.rows,
            "only_errors": only_errors,
            "token": token,
            "file_name": entry.get("name", ""),
            "sha256": digest,
            "preview": preview,
            "columns": excel.IMPORT_COLUMNS,
            "valid_count": len(preview.valid_rows),
            "invalid_count": len(preview.invalid_rows),
            "error": error,
            "error_code": error_code,
        },
        status=status,
    )


@login_required
def ledger_import(request: HttpRequest) -> HttpResponse:
    """GET: the upload form, or with ?token= the preview of an upload. POST: upload a file → its preview.
    Nothing is imported here."""
    user = _user(request)
    government = _government(user)
    if request.method == "GET":
        shown = cleaned(ImportPreviewForm(request.GET))
        token = shown["token"]
        if not token:
            return _upload_page(request)
        entry = _pending_entry(request, token)
        if entry is not None and entry.get("large"):
            return _large_preview(request, user, token, entry, only_errors=shown["errors"])
        parsed = _parse_stored(user, token, government) if entry is not None else None
        if entry is None or parsed is None:
            return _upload_page(
                request,
                error=_("This preview has expired; please upload the file again."),
                error_code="preview_expired",
                status=404,
            )
        preview, digest = parsed
        return _preview_page(
            request,
            token=token,
            entry=entry,
            preview=preview,
            digest=digest,
            only_errors=shown["errors"],
        )
    if request.method != "POST":
        return HttpResponse(status=405, headers={"Allow": "GET, POST"})

    upload = request.FILES.get("file")
    if upload is None:
        return _upload_page(
            request,
            error=excel.file_error_message(excel.FILE_REQUIRED),
            error_code=excel.FILE_REQUIRED,
            status=400,
        )
    if upload.size is None or upload.size > excel.importing.IMPORT_MAX_BYTES:
        return _upload_page(
            request,
            error=excel.file_error_message(excel.FILE_TOO_LARGE),
            error_code=excel.FILE_TOO_LARGE,
            status=400,
        )
    if uploads.file_extension(upload)[1] == "xlsx":
        # The content against the extension (issue 17); other names are refused by the parser's own checks.
        try:
            uploads.upload_check(
                upload,
                extensions=("xlsx",),
                max_bytes=excel.importing.IMPORT_MAX_BYTES,
                user=user,
                quota=False,
            )
        except DomainError:
            # Not a workbook whatever its name (logged as a refused upload): the import's own answer to that.
            return _upload_page(
                request,
                error=excel.file_error_message(excel.NOT_XLSX),
                error_code=excel.NOT_XLSX,
                status=400,
            )
    _sweep_old_files(user)
    token = secrets.token_hex(16)
    stored = _import_file(user, token)
    stored.parent.mkdir(parents=True, exist_ok=True)
    hasher = hashlib.sha256()
    with stored.open("wb") as handle:
        for chunk in upload.chunks():
            hasher.update(chunk)
            handle.write(chunk)
    stamp = timezone.now().timestamp()
    os.utime(stored, (stamp, stamp))
    if large_imports.is_large(stored):
        # Checked in the background (ledger_import): the job's page shows how far, the inbox tells when done.
        name = os.path.basename(upload.name or "")[:200]
        _remember(request, token, {"name": name, "sha256": hasher.hexdigest(), "at": stamp, "large": True})
        job, _joined = large_imports.check_start(user=user, token=token, sha256=hasher.hexdigest(), name=name)
        messages.info(
            request,
            _(
                "The file has more than %(count)d rows: it is checked in the background. You may leave this page; "
                "your inbox will tell you when the preview is ready."
            )
            % {"count": large_imports.inline_rows()},
        )
        return HttpResponseRedirect(reverse("job-detail", args=[job.pk]), status=303)
    with stored.open("rb") as handle:
        preview = excel.import_parse(handle, government=government)
    if preview.file_error:
        stored.unlink(missing_ok=True)
        return _upload_page(
            request, error=preview.file_error_message, error_code=preview.file_error, status=400
        )
    _remember(
        request,
        token,
        {"name": os.path.basename(upload.name or "")[:200], "sha256": hasher.hexdigest(), "at": stamp},
    )
    return HttpResponseRedirect(f"{reverse('ledger-import')}?token={token}", status=303)


@login_required
@require_POST
def ledger_import_confirm(request: HttpRequest) -> HttpResponse:
    """Import the valid rows of a previewed upload, all in one transaction, once the user has confirmed the
    number of valid rows. Any mismatch or refusal shows the preview again, with nothing imported."""
    user = _user(request)
    government = _government(user)
    data = cleaned(ImportConfirmForm(request.POST))
    token = data["token"]
    entry = _pending_entry(request, token)
    if entry is not None and entry.get("large"):
        return _large_confirm(request, user, token, entry, data)
    imported = large_imports.imported_upload(user.pk, token) if entry is not None else None
    if imported is not None:  # an error after the commit (an on-commit callback's) gave the file back
        return _imported_already(request, token, imported)
    parsed = _parse_stored(user, token, government) if entry is not None else None
    if entry is None or parsed is None:
        return _upload_page(
            request,
            error=_("This preview has expired or was already imported; please upload the file again."),
            error_code="preview_expired",
            status=409,
        )
    preview, digest = parsed

    def again(message: str, code: str) -> HttpResponse:
        assert entry is not None
        return _preview_page(
            request,
            token=token,
            entry=entry,
            preview=preview,
            digest=digest,
            error=message,
            error_code=code,
            status=409,
        )

    valid = preview.valid_rows
    if digest != entry.get("sha256") or data["sha256"] != digest:
        return again(
            _("The file is not the one you previewed; please check the preview again."), "file_changed"
        )
    if data["count"] != len(valid):
        return again(
            _("The number of valid rows has changed since the preview; please check it again."),
            "count_changed",
        )
    if not valid:
        return again(_("There are no valid rows to import."), "nothing_valid")

    # Claim the file: of two confirmations sent at once, only one can rename it, so nothing is imported twice.
    stored, claimed = _import_file(user, token), _import_file(user, token, ".importing")
    try:
        os.rename(stored, claimed)
    except FileNotFoundError:
        return _upload_page(
            request,
            error=_("This preview has expired or was already imported; please upload the file again."),
            error_code="preview_expired",
            status=409,
        )
    try:
        created = large_imports.commit_once(actor=user, token=token, sha256=digest, rows=valid)
    except excel.ImportCommitFailed as failure:
        os.rename(claimed, stored)
        return again(failure.message, "row_refused")
    except large_imports.AlreadyImported:
        imported = large_imports.imported_upload(user.pk, token)
        assert imported is not None
        return _imported_already(request, token, imported)
    except BaseException:
        os.rename(claimed, stored)
        raise
    _forget(request, token)
    count = len(created)
    messages.success(
        request,
        ngettext("%(count)d item was imported as a draft.", "%(count)d items were imported as drafts.", count)
        % {"count": count},
    )
    return redirect(large_imports.drafts_url())


def _imported_already(request: HttpRequest, token: str, imported: ImportedUpload) -> HttpResponse:
    """A small upload found imported: forgotten, as after its import, and the drafts shown."""
    _forget(request, token)
    messages.info(request, large_imports.imported_summary(imported))
    return redirect(large_imports.drafts_url())


@login_required
@require_POST
def ledger_import_cancel(request: HttpRequest) -> HttpResponse:
    user = _user(request)
    _government(user)
    token = cleaned(ImportTokenForm(request.POST))["token"]
    entry = _pending_entry(request, token)
    if entry is not None and entry.get("large") and large_imports.commit_active(user, token):
        messages.error(request, _("This file is being imported; cancel the import first."))
        return redirect(large_imports.preview_url(token))
    if entry is not None:
        _forget(request, token)
    messages.info(request, _("The uploaded file was discarded; nothing was imported."))
    return redirect("ledger-import")


# --- import of a large file: checked and committed in background jobs (ducha.workbench.ledger_import) -----------


def _large_preview(
    request: HttpRequest,
    user: User,
    token: str,
    entry: dict[str, Any],
    *,
    only_errors: bool = False,
    error: str = "",
    error_code: str = "",
    status: int = 200,
) -> HttpResponse:
    """A large upload's page: its check under way (with a link to the job's page), failed or cancelled (check
    again), or done — the counts and the errors from the check's result, the confirmation; then its import."""
    sha256 = str(entry.get("sha256", ""))
    check = large_imports.check_job(user, token, sha256)
    result = check.result if check is not None and check.status == JobStatus.DONE else {}
    valid = int(result.get("valid", 0))
    commit = large_imports.commit_job(user, token, sha256, valid) if result else None
    # Imported: its job done, or its worker died after the commit (the job failed as lost, the file left behind).
    applied = large_imports.imported_upload(user.pk, token)
    imported = applied is not None or (commit is not None and commit.status == JobStatus.DONE)
    kept = _import_file(user, token).exists() or _import_file(user, token, ".importing").exists()
    if not kept and not imported:
        return _upload_page(
            request,
            error=_("This preview has expired or was already imported; please upload the file again."),
            error_code="preview_expired",
            status=404 if request.method == "GET" else 409,
        )
    if result.get("_file_error"):
        return _upload_page(
            request, error=result.get("summary", ""), error_code=result["_file_error"], status=400
        )
    errors = list(result.get("_errors", []))
    return render(
        request,
        "ledger/import_checked.html",
        {
            "token": token,
            "sha256": sha256,
            "file_name": entry.get("name", ""),
            "check": check,
            "checked": bool(result),
            "commit": commit,
            "applied_summary": large_imports.imported_summary(applied) if applied is not None else "",
            "result": result,
            "total": int(result.get("rows", 0)),
            "valid_count": valid,
            "invalid_count": int(result.get("invalid", 0)),
            "errors": errors,
            "errors_left_off": int(result.get("_errors_left_off", 0)),
            "error": error,
            "error_code": error_code,
            "job_url": reverse("job-detail", args=[check.pk]) if check is not None else "",
            "commit_url": reverse("job-detail", args=[commit.pk]) if commit is not None else "",
        },
        status=status,
    )


def _large_confirm(
    request: HttpRequest, user: User, token: str, entry: dict[str, Any], data: dict[str, Any]
) -> HttpResponse:
    """Confirm a large upload: what the user confirms (the digest and the number of valid rows) must be what its
    check found; then the import runs as a job (the same upload confirmed again joins it) and its page is shown."""
    sha256 = str(entry.get("sha256", ""))
    check = large_imports.check_job(user, token, sha256)
    if check is None or check.status != JobStatus.DONE or check.result.get("_file_error"):
        return _large_preview(
            request,
            user,
            token,
            entry,
            error=_("The file has not been checked yet; wait for its check to finish."),
            error_code="not_checked",
            status=409,
        )
    valid = int(check.result.get("valid", 0))
    if data["sha256"] != sha256:
        return _large_preview(
            request,
            user,
            token,
            entry,
            error=_("The file is not the one you previewed; please check the preview again."),
            error_code="file_changed",
            status=409,
        )
    if data["count"] != valid:
        return _large_preview(
            request,
            user,
            token,
            entry,
            error=_("The number of valid rows has changed since the preview; please check it again."),
            error_code="count_changed",
            status=409,
        )
    if not valid:
        return _large_preview(
            request,
            user,
            token,
            entry,
            error=_("There are no valid rows to import."),
            error_code="nothing_valid",
            status=409,
        )
    if not _import_file(user, token).exists() and not large_imports.commit_active(user, token):
        return _upload_page(
            request,
            error=_("This preview has expired or was already imported; please upload the file again."),
            error_code="preview_expired",
            status=409,
        )
    job, joined = large_imports.commit_start(
        user=user, token=token, sha256=sha256, count=valid, name=str(entry.get("name", ""))
    )
    if joined:
        messages.info(request, _("This file is already being imported; here is its progress."))
    else:
        messages.info(
            request,
            _("The rows are imported in the background, all or none; your inbox will tell you when done."),
        )
    return redirect(reverse("job-detail", args=[job.pk]))


@login_required
@require_POST
def ledger_import_check(request: HttpRequest) -> HttpResponse:
    """Check a large upload again (its check failed or was cancelled; the file was kept): a new check, or the one
    already running."""
    user = _user(request)
    _government(user)
    token = cleaned(ImportTokenForm(request.POST))["token"]
    entry = _pending_entry(request, token)
    if entry is None or not entry.get("large") or not _import_file(user, token).exists():
        return _upload_page(
            request,
            error=_("This preview has expired or was already imported; please upload the file again."),
            error_code="preview_expired",
            status=409,
        )
    job, _joined = large_imports.check_start(
        user=user, token=token, sha256=str(entry.get("sha256", "")), name=str(entry.get("name", ""))
    )
    return redirect(reverse("job-detail", args=[job.pk]))


@login_required
@require_GET
def ledger_import_template(request: HttpRequest) -> HttpResponse:
    government = _government(_user(request))
    response = HttpResponse(
        excel.import_template(government=government), content_type=excel.XLSX_CONTENT_TYPE
    )
    filename = _("Supervision item import template.xlsx")
    response["Content-Disposition"] = content_disposition_header(as_attachment=True, filename=filename)
    return response


urlpatterns = [
    path("ledger/", ledger, name="ledger"),
    path("ledger/export.xlsx", ledger_export, name="ledger-export"),
    path("ledger/unit-options/", ledger_unit_options, name="ledger-unit-options"),
    path("ledger/count/", ledger_count, name="ledger-count"),
    path("ledger/filters/", filter_save, name="ledger-filter-save"),
    path("ledger/filters/<int:filter_id>/delete/", filter_delete, name="ledger-filter-delete"),
    path("ledger/import/", ledger_import, name="ledger-import"),
    path("ledger/import/confirm/", ledger_import_confirm, name="ledger-import-confirm"),
    path("ledger/import/cancel/", ledger_import_cancel, name="ledger-import-cancel"),
    path("ledger/import/check/", ledger_import_check, name="ledger-import-check"),
    path("ledger/import/template.xlsx", ledger_import_template, name="ledger-import-template"),
]
