"""Official documents over the API: thin endpoints over ducha.documents.services (issue, correct) and
ducha.documents.selectors (scope).

Under each subject — `/items/{id}/documents/`, `/inspections/{id}/documents/`, `/inspections/plans/{year}/documents/`
and the office's own `/government/documents/` (bulletins) — the kinds it offers (by stable English name: `supervision_notice`,
`chase_notice`, `reminder_letter`, …) with their URLs; `{kind}.docx` and `{kind}.pdf` give the current issued
version or, to the office, a draft laid out from the defaults (query parameters override inputs; nothing is
written); `POST {kind}/issue` issues it. Each issued version has its own `/documents/{id}.docx|.pdf` and is corrected
with `POST /documents/{id}/corrections`.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any
from urllib.parse import quote

from django.http import HttpRequest, HttpResponse
from ninja import Path, Router, Status

from ducha.api.background import background_job_out
from ducha.api.base import ERRORS, actor
from ducha.api.schemas import (
    DocumentBatchIn,
    DocumentBatchOut,
    DocumentCorrectIn,
    DocumentIssueIn,
    DocumentKindsOut,
    DocumentOut,
)
from ducha.api.shapes import user_ref
from ducha.common import error_codes as codes
from ducha.common.errors import InvalidState, NotFound
from ducha.documents import batch, pdf, selectors, services
from ducha.documents.kinds import Kind
from ducha.documents.models import BatchStatus, Document, DocumentBatch
from ducha.inspections import selectors as inspection_selectors
from ducha.orgs.models import User
from ducha.orgs.selectors import government_of

router = Router(tags=["documents"])

DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
PDF = "application/pdf"


# --- the subjects ---------------------------------------------------------------------------------------------


def _plan(user: User, year: int) -> Any:
    plan = inspection_selectors.plan_for(government_of(user), year) if 2000 <= year <= 2100 else None
    if plan is None:
        raise NotFound()
    return plan


SUBJECTS: dict[str, tuple[str, Callable[[User, int], Any], Callable[[Any], str]]] = {
    # subject type: (the API's base path for a subject, the scope-checked lookup, the subject's key in that path)
    "item": (
        "/items/{key}",
        lambda user, key: selectors.subject_for_user(user, "item", key),
        lambda s: str(s.pk),
    ),
    "inspection": (
        "/inspections/{key}",
        lambda user, key: selectors.subject_for_user(user, "inspection", key),
        lambda s: str(s.pk),
    ),
    "plan": ("/inspections/plans/{key}", _plan, lambda s: str(s.year)),
    "government": ("/government", lambda user, key: government_of(user), lambda s: ""),
}


def _base(subject_type: str, subject: Any) -> str:
    path, _lookup, key = SUBJECTS[subject_type]
    return "/api/v1" + path.format(key=key(subject)) + "/documents"


def _document_out(document: Document) -> dict[str, Any]:
    return {
        "id": document.pk,
        "kind": document.kind,
        "number": document.number,
        "version": document.version,
        "title": document.title,
        "part": document.part,
        "previous": document.previous_id,
        "correction_reason": document.correction_reason,
        "issued_by": user_ref(document.issued_by),
        "issued_at": document.issued_at,
        "docx_sha256": document.docx_sha256,
        "pdf_sha256": document.pdf_sha256,
        "docx_url": f"/api/v1/documents/{document.pk}.docx",
        "pdf_url": f"/api/v1/documents/{document.pk}.pdf",
    }


def _kinds(request: HttpRequest, subject_type: str, subject: Any) -> dict[str, Any]:
    user = actor(request)
    reason = selectors.pdf_unavailable()
    profile = services.profile_for(services.government_of_subject(subject, subject_type))
    base = _base(subject_type, subject)
    kinds = []
    for state in selectors.kinds_state(user, subject, subject_type):
        kind = state.kind
        defaults = kind.defaults(subject, profile) if state.can_issue else {}
        kinds.append(
            {
                "kind": kind.name,
                "label": str(kind.label),
                "available": state.unavailable is None,
                "unavailable_reason": state.unavailable,
                "can_issue": state.can_issue and kind.numbered,
                "repeatable": kind.repeatable,
                "numbered": kind.numbered,
                "inputs": [
                    {
                        "name": spec.name,
                        "label": str(spec.label),
                        "required": spec.required,
                        "multiline": spec.multiline,
                        "type": spec.kind,
                        "default": defaults.get(spec.name, ""),
                    }
                    for spec in kind.inputs
                ]
                if state.can_issue
                else [],
                "docx_url": f"{base}/{kind.name}.docx",
                "pdf_url": f"{base}/{kind.name}.pdf",
                "issued": [_document_out(document) for document in state.issued],
            }
        )
    return {"pdf_available": reason is None, "pdf_unavailable_reason": reason, "kinds": kinds}


def _file(data: bytes, content_type: str, filename: str, *, inline: bool) -> HttpResponse:
    response = HttpResponse(data, content_type=content_type)
    disposition = "inline" if inline else "attachment"
    response["Content-Disposition"] = f"{disposition}; filename*=UTF-8''{quote(filename)}"
    return response


def _current_or_draft(
    request: HttpRequest, subject_type: str, subject: Any, kind_name: str, fmt: str
) -> HttpResponse:
    """The current issued version of the kind; else, to the office, the draft from the defaults (query parameters
    override the inputs); else 409 document_not_issued."""
    user = actor(request)
    kind = services.kind_for(kind_name, subject_type)
    inputs = {name: str(value) for name, value in request.GET.items()}
    issued = selectors.documents_for(user, subject, subject_type).filter(kind=kind.name)
    if "part" in inputs:
        issued = issued.filter(part=inputs["part"])
    document = issued.first() if kind.numbered else None
    if document is not None:
        if fmt == "pdf":
            return _file(
                services.document_pdf(document), PDF, f"{document.number or kind.name}.pdf", inline=True
            )
        return _file(
            services.document_docx(document), DOCX, f"{document.number or kind.name}.docx", inline=False
        )
    if not services.may_issue(user, services.government_of_subject(subject, subject_type)):
        raise InvalidState(codes.DOCUMENT_NOT_ISSUED)
    made = services.document_draft(kind=kind, subject=subject, actor=user, inputs=inputs)
    if fmt == "pdf":
        return _file(pdf.docx_to_pdf(made.docx), PDF, f"{kind.name}-draft.pdf", inline=True)
    return _file(made.docx, DOCX, f"{kind.name}-draft.docx", inline=False)


def _issue(
    request: HttpRequest, subject_type: str, subject: Any, kind_name: str, body: DocumentIssueIn
) -> Any:
    kind: Kind = services.kind_for(kind_name, subject_type)
    document = services.document_issue(kind=kind, subject=subject, actor=actor(request), inputs=body.inputs)
    return Status(201, _document_out(document))


# --- the routes, one set per subject ----------------------------------------------------------------------------


def _routes(subject_type: str, path: str, key_name: str = "") -> None:
    """GET …/documents/, GET …/documents/{kind}.docx and .pdf, POST …/documents/{kind}/issue for one subject type;
    `path` holds `{key}` (the subject's id, or the plan's year) except for the government's own bulletins."""
    lookup = SUBJECTS[subject_type][1]
    name = {"item": "item", "inspection": "inspection", "plan": "plan", "government": "bulletin"}[
        subject_type
    ]
    label = {"item": "事项", "inspection": "督查", "plan": "年度计划", "government": "督查通报"}[subject_type]
    route = path.replace("{key}", "{" + key_name + "}") + "/documents"
    # The path's own name for the key (item_id, inspection_id, year), so the OpenAPI document reads as the rest.
    key_in_path = Path(..., alias=key_name)

    def kinds(request: HttpRequest, key: int = key_in_path) -> dict[str, Any]:
        return _kinds(request, subject_type, lookup(actor(request), key))

    def docx(request: HttpRequest, kind: str, key: int = key_in_path) -> HttpResponse:
        return _current_or_draft(request, subject_type, lookup(actor(request), key), kind, "docx")

    def pdf(request: HttpRequest, kind: str, key: int = key_in_path) -> HttpResponse:
        return _current_or_draft(request, subject_type, lookup(actor(request), key), kind, "pdf")

    def issue(request: HttpRequest, kind: str, body: DocumentIssueIn, key: int = key_in_path) -> Any:
        return _issue(request, subject_type, lookup(actor(request), key), kind, body)

    views: list[Callable[..., Any]] = [kinds, docx, pdf, issue]
    if "{key}" not in path:
        # The government's own: no key in the path (the user's government).
        def kinds_own(request: HttpRequest) -> dict[str, Any]:
            return kinds(request, 0)

        def docx_own(request: HttpRequest, kind: str) -> HttpResponse:
            return docx(request, kind, 0)

        def pdf_own(request: HttpRequest, kind: str) -> HttpResponse:
            return pdf(request, kind, 0)

        def issue_own(request: HttpRequest, kind: str, body: DocumentIssueIn) -> Any:
            return issue(request, kind, body, 0)

        views = [kinds_own, docx_own, pdf_own, issue_own]
    for view, verb in zip(
        views, ("documents", "document_docx", "document_pdf", "document_issue"), strict=True
    ):
        view.__name__ = f"{name}_{verb}"
    router.get(f"{route}/", response={200: DocumentKindsOut, **ERRORS}, summary=f"{label}的公文")(views[0])
    router.get(f"{route}/{{kind}}.docx", response={200: None, **ERRORS}, summary=f"{label}公文 .docx")(
        views[1]
    )
    router.get(f"{route}/{{kind}}.pdf", response={200: None, **ERRORS}, summary=f"{label}公文 PDF")(views[2])
    router.post(f"{route}/{{kind}}/issue", response={201: DocumentOut, **ERRORS}, summary=f"印发{label}公文")(
        views[3]
    )


_routes("item", "/items/{key}", "item_id")
_routes("inspection", "/inspections/{key}", "inspection_id")
_routes("plan", "/inspections/plans/{key}", "year")
_routes("government", "/government")


# --- one issued version -------------------------------------------------------------------------------------------


def _document(request: HttpRequest, document_id: int) -> tuple[Document, Any]:
    """The issued version if the user may see its subject and it, else 404."""
    user = actor(request)
    row = (
        Document.objects.filter(pk=document_id).values("subject_type", "subject_id").first()
        if 1 <= document_id <= 2**63 - 1
        else None
    )
    if row is None:
        raise NotFound()
    subject = selectors.subject_for_user(user, row["subject_type"], row["subject_id"])
    return selectors.get_document_for_user(user, subject, row["subject_type"], document_id), subject


@router.get(
    "/documents/{document_id}.docx", response={200: None, **ERRORS}, summary="下载公文 .docx（某一版本）"
)
def document_docx(request: HttpRequest, document_id: int) -> HttpResponse:
    document, _subject = _document(request, document_id)
    return _file(
        services.document_docx(document),
        DOCX,
        f"{document.number or document.kind}-v{document.version}.docx",
        inline=False,
    )


@router.get("/documents/{document_id}.pdf", response={200: None, **ERRORS}, summary="公文 PDF（某一版本）")
def document_pdf(request: HttpRequest, document_id: int) -> HttpResponse:
    document, _subject = _document(request, document_id)
    return _file(
        services.document_pdf(document),
        PDF,
        f"{document.number or document.kind}-v{document.version}.pdf",
        inline=True,
    )


@router.post(
    "/documents/{document_id}/corrections",
    response={201: DocumentOut, **ERRORS},
    summary="更正公文（新版本）",
)
def document_correct(request: HttpRequest, document_id: int, body: DocumentCorrectIn) -> Any:
    document, subject = _document(request, document_id)
    corrected = services.document_correct(
        document_id=document.pk, subject=subject, actor=actor(request), inputs=body.inputs, reason=body.reason
    )
    return Status(201, _document_out(corrected))


# --- the day's notices in one PDF ------------------------------------------------------------------------------


def _batch_out(row: DocumentBatch, user: User) -> dict[str, Any]:
    # Its run (ducha.jobs): the requester's own, shown to them only (the jobs' cancel and retry are theirs).
    job = batch.batch_job(row)
    own = job is not None and job.owner_id == user.pk  # type: ignore[attr-defined]
    return {
        "id": row.pk,
        "kind": row.kind,
        "day": row.day,
        "status": row.status,
        "total": row.total,
        "done": row.done,
        "skipped": row.skipped,
        "error": row.error,
        "pdf_url": f"/api/v1/documents/batches/{row.pk}.pdf" if row.status == BatchStatus.DONE else None,
        "created_at": row.created_at,
        "finished_at": row.finished_at,
        "job": background_job_out(job) if job is not None and own else None,
    }


@router.post(
    "/documents/batches", response={202: DocumentBatchOut, **ERRORS}, summary="批量印发当日督办通知单（后台）"
)
def document_batch_start(request: HttpRequest, body: DocumentBatchIn) -> Any:
    """Every item assigned on the day (today by default): notices issued where not yet, all in one PDF, made in the
    background; poll the batch for its progress."""
    user = actor(request)
    return Status(202, _batch_out(batch.batch_start(actor=user, day=body.day), user))


# Declared before `{batch_id}`, which would take "7.pdf" as its id.
@router.get("/documents/batches/{batch_id}.pdf", response={200: None, **ERRORS}, summary="批量通知单 PDF")
def document_batch_pdf(request: HttpRequest, batch_id: int) -> HttpResponse:
    row = batch.batch_for_user(actor(request), batch_id)
    return _file(batch.batch_pdf(row), PDF, f"督办通知单-{row.day:%Y%m%d}.pdf", inline=True)


@router.get(
    "/documents/batches/{batch_id}", response={200: DocumentBatchOut, **ERRORS}, summary="批量任务进度"
)
def document_batch(request: HttpRequest, batch_id: int) -> dict[str, Any]:
    user = actor(request)
    return _batch_out(batch.batch_for_user(user, batch_id), user)
