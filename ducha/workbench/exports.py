"""The ledger's Excel export as a background job (issue 19), the kind "ledger_export" of ducha.jobs, registered by
WorkbenchConfig.ready — for the web (the ledger's export button, above DUCHA_EXPORT_INLINE_ROWS rows) and the API
(`POST /api/v1/exports/`, which starts it by its name: the API does not import the workbench).

- The job's parameters are the ledger's filter as its canonical query string (`prepare`): the same filter written
  differently is the same job, so a second ask while one runs joins it.
- The worker writes the file with the export the page downloads at once (excel.ledger_export), as the owner sees
  the ledger when it runs, reporting every few hundred rows (total: the filtered count).
- The owner's scope when the file was written (items.selectors.scope_signature) is kept in the result; at download
  time a user whose scope is no longer the same is refused (JOB_SCOPE_CHANGED): the file may hold items they no
  longer see, or miss some they now do. Asking again makes a file for the scope they have now.
"""

from __future__ import annotations

import contextlib
import json
from typing import Any

from django.conf import settings
from django.http import QueryDict
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext, override

from ducha.common import error_codes as codes
from ducha.common.errors import ValidationFailed
from ducha.items.selectors import scope_signature
from ducha.jobs import registry
from ducha.jobs import services as jobs
from ducha.jobs.models import Job
from ducha.orgs.models import User
from ducha.workbench import excel
from ducha.workbench import ledger as ledger_module

LEDGER_EXPORT = "ledger_export"


def _signature(user: User) -> list[Any]:
    """The user's scope signature as JSON gives it back (a list), to keep in the job and compare with."""
    result: list[Any] = json.loads(json.dumps(list(scope_signature(user)), default=str))
    return result


def _prepare(owner: User, params: dict[str, Any]) -> dict[str, Any]:
    """The filter (`query`, the ledger page's query string) checked and made canonical. A parameter the ledger
    page would ignore with a notice is refused here: an API client is told, rather than exporting something else."""
    query = params.get("query", "")
    if not isinstance(query, str) or set(params) - {"query"}:
        raise ValidationFailed(
            codes.INVALID_INPUT, fields={"query": _("Give the ledger's filter as a query string.")}
        )
    spec, notices = ledger_module.parse_filter(QueryDict(query))
    if notices:
        raise ValidationFailed(
            codes.INVALID_INPUT, fields={notice.parameter: notice.message for notice in notices}
        )
    return {"query": spec.querystring}


def _run(job: Job, progress: jobs.Progress) -> dict[str, Any]:
    owner = User.objects.select_related("unit__government").get(pk=job.owner_id)  # type: ignore[attr-defined]
    spec, _notices = ledger_module.parse_filter(QueryDict(job.params.get("query", "")))
    now = timezone.now()
    today = timezone.localdate(now)
    scope = _signature(owner)
    with override(settings.LANGUAGE_CODE):
        with progress.waiting(_("Counting the rows")):  # seconds at a province's million items
            total = ledger_module.filter_queryset(owner, spec, today).order_by().count()
        progress.begin(total, _("Writing the rows"))
        output = progress.output(excel.export_filename(today), excel.XLSX_CONTENT_TYPE)
        # The first rows take seconds at a province's scale (the query orders the whole scope before its first
        # chunk): shown as a step with its seconds until they come, then counted.
        with contextlib.ExitStack() as first_rows:
            first_rows.enter_context(progress.waiting(_("Reading the first rows")))
            writing = _("Writing the rows")

            def on_rows(count: int) -> None:
                if progress.waiting_since is not None:
                    first_rows.close()
                    progress.stage = writing
                progress.advance(count)

            rows = excel.ledger_export(
                user=owner,
                spec=spec,
                output=output,
                now=now,
                on_rows=on_rows,
                packing=lambda: progress.waiting(_("Packing the file")),
            )
        summary = ngettext("%(count)d item exported.", "%(count)d items exported.", rows) % {"count": rows}
    return {"rows": rows, "summary": summary, "_scope": scope}


def _refuse_download(job: Job, user: User) -> str | None:
    if job.result.get("_scope") != _signature(user):
        return codes.JOB_SCOPE_CHANGED
    return None


def register() -> None:
    registry.register(
        registry.JobKind(
            name=LEDGER_EXPORT,
            label=gettext_lazy("Ledger export (Excel)"),
            run=_run,
            prepare=_prepare,
            refuse_download=_refuse_download,
        )
    )


def export_is_inline(user: User, spec: ledger_module.LedgerFilter) -> bool:
    """Whether the filtered ledger is small enough to download at once (at most DUCHA_EXPORT_INLINE_ROWS rows,
    counted up to that bound); a larger one runs as a job. 0: every export runs as a job."""
    limit = int(settings.DUCHA_EXPORT_INLINE_ROWS)
    if limit <= 0:
        return False
    counted = ledger_module.ledger_count(user, spec, today=timezone.localdate(), count_limit=limit)
    return not counted.count_is_bounded


def export_start(*, owner: User, spec: ledger_module.LedgerFilter) -> tuple[Job, bool]:
    """Start the export of the filtered ledger as a job, or join the one running for the same filter."""
    return jobs.start(kind=LEDGER_EXPORT, owner=owner, params={"query": spec.querystring})
