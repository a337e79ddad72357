"""The document pages (公文): one set of views for every subject a document is about — an item, an inspection, an
annual plan, a government (its 督查通报) — told apart by `subject_type` only.

- `<subject>/documents/`: the documents section — per kind open to the user, its issued versions with their
  links (the PDF shown in the browser, printed, the .docx downloaded) and, for the office, "generate" and
  "correct". The subject's own page loads it with htmx (a plain link without script); the government's is the
  bulletin page.
- `<subject>/documents/<kind>/`: the office's form for a kind, pre-filled from the kind's defaults; it issues.
- `<subject>/documents/<kind>/preview`: the draft as PDF (or .docx), from the same form: nothing is written.
- `documents/<id>.docx`, `.pdf`, `/print/`, `/correct/` (and its `preview`): one issued version.

Thin views: the form reads the input (forms/documents.py), the documents services lay out and issue, the
documents selectors decide who sees what. Every subject is fetched through `selectors.subject_for_user` and every
document through `get_document_for_user`: out of scope is a 404, whatever the address. A refusal of the service is
shown beside the form that caused it, with the user's input kept.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from csp.decorators import csp_replace
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import path, reverse
from django.utils.http import content_disposition_header
from django.utils.translation import gettext as _
from django.views.decorators.clickjacking import xframe_options_sameorigin
from django.views.decorators.http import require_GET, require_http_methods

from ducha.common import error_codes as codes
from ducha.common.errors import DomainError, InvalidState, NotPermitted
from ducha.documents import pdf, selectors, services
from ducha.documents.kinds import Kind
from ducha.documents.models import Document
from ducha.inspections.models import AnnualPlan, Inspection
from ducha.items.models import Item
from ducha.items.selectors import MAX_ID
from ducha.orgs.models import Unit, User
from ducha.orgs.selectors import government_of
from ducha.workbench.forms.documents import DocumentForm, PreviewForm, part_choices
from ducha.workbench.forms.fields import cleaned, invalid_input
from ducha.workbench.views.items.actions import field_errors
from ducha.workbench.views.items.base import is_htmx, user_of

DOCX_TYPE = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
PDF_TYPE = "application/pdf"

# Where each subject's documents live, under the subject's own address.
SUBJECT_PREFIXES = {
    "item": "items/<int:subject_id>/documents/",
    "inspection": "inspections/<int:subject_id>/documents/",
    "plan": "inspections/plans/<int:subject_id>/documents/",
    "government": "governments/<int:subject_id>/documents/",
}


def subject_url(subject_type: str, subject_id: int, what: str = "list", kind: str = "") -> str:
    """The address of a subject's documents section (`list`), of a kind's form (`form`) or preview (`preview`)."""
    args: list[Any] = [subject_id, kind] if what != "list" else [subject_id]
    return reverse(f"documents-{what}-{subject_type}", args=args)


# --- the subject ----------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Subject:
    """What the documents are about, as the user may see it."""

    type: str
    object: Any
    government: Unit

    @property
    def id(self) -> int:
        return int(self.object.pk)

    @property
    def title(self) -> str:
        subject = self.object
        if isinstance(subject, Item):
            return f"{subject.number} {subject.title}".strip()
        if isinstance(subject, Inspection):
            return subject.topic
        if isinstance(subject, AnnualPlan):
            return _("Annual inspection plan %(year)s") % {"year": subject.year}
        return str(subject.name)

    @property
    def page_url(self) -> str:
        """The subject's own page (the government's is its documents page: the bulletins)."""
        subject = self.object
        if isinstance(subject, Item):
            return reverse("item-detail", args=[subject.pk])
        if isinstance(subject, Inspection):
            return reverse("inspections:detail", args=[subject.pk])
        if isinstance(subject, AnnualPlan):
            return reverse("inspections:plan", args=[subject.year])
        return self.documents_url

    @property
    def documents_url(self) -> str:
        return subject_url(self.type, self.id)

    @property
    def back_url(self) -> str:
        """Where the office lands after issuing: the documents section of the subject's page."""
        return self.page_url if self.page_url == self.documents_url else f"{self.page_url}#documents"


def _subject_or_404(user: User, subject_type: str, subject_id: int) -> Subject:
    if subject_type not in SUBJECT_PREFIXES or not 1 <= subject_id <= MAX_ID:
        raise Http404
    try:
        subject = selectors.subject_for_user(user, subject_type, subject_id)
    except DomainError:  # not found, or a user of no government asking for one
        raise Http404 from None
    return Subject(subject_type, subject, services.government_of_subject(subject, subject_type))


def _kind_or_404(name: str, subject_type: str) -> Kind:
    try:
        return services.kind_for(name, subject_type)
    except DomainError:
        raise Http404 from None


def _document_or_404(user: User, document_id: int) -> tuple[Document, Subject]:
    """The issued version and its subject, if the user may see both; 404 otherwise (never "forbidden": the
    address does not tell whether the document exists)."""
    if not 1 <= document_id <= MAX_ID:
        raise Http404
    where = Document.objects.filter(pk=document_id).values("subject_type", "subject_id").first()
    if where is None:
        raise Http404
    subject = _subject_or_404(user, where["subject_type"], where["subject_id"])
    try:
        document = selectors.get_document_for_user(user, subject.object, subject.type, document_id)
    except DomainError:
        raise Http404 from None
    return document, subject


def _refused(request: HttpRequest, subject: Subject, error: DomainError) -> HttpResponse:
    return render(
        request, "documents/refused.html", {"subject": subject, "error": error}, status=error.status
    )


# --- the section: what is issued, what the office may make ----------------------------------------------------


@dataclass(frozen=True)
class Version:
    """One issued version as the section lists it."""

    document: Document
    is_current: bool
    may_correct: bool

    @property
    def docx_url(self) -> str:
        return reverse("document-docx", args=[self.document.pk])

    @property
    def pdf_url(self) -> str:
        return reverse("document-pdf", args=[self.document.pk])

    @property
    def print_url(self) -> str:
        return reverse("document-print", args=[self.document.pk])

    @property
    def correct_url(self) -> str:
        return reverse("document-correct", args=[self.document.pk])


@dataclass(frozen=True)
class KindRow:
    """One kind in the section: why it cannot be made now, the links to make it, and its issued versions."""

    kind: Kind
    unavailable: str | None
    may_generate: bool  # the office's form to issue (another) one
    may_view: bool  # a kind never issued (the 回执): the office views it as the system has it now
    form_url: str
    preview_url: str
    versions: list[Version]


def _rows(user: User, subject: Subject) -> list[KindRow]:
    rows = []
    for state in selectors.kinds_state(user, subject.object, subject.type):
        kind = state.kind
        # A corrected version is not current; the correction is (no query per document).
        corrected = {document.previous_id for document in state.issued if document.previous_id}
        open_now = state.can_issue and not state.unavailable
        once_only = not kind.repeatable and not kind.part_input
        rows.append(
            KindRow(
                kind=kind,
                unavailable=state.unavailable if state.can_issue else None,
                may_generate=open_now and kind.numbered and not (once_only and state.issued),
                may_view=open_now and not kind.numbered,
                form_url=subject_url(subject.type, subject.id, "form", kind.name),
                preview_url=subject_url(subject.type, subject.id, "preview", kind.name),
                versions=[
                    Version(
                        document=document,
                        is_current=document.pk not in corrected,
                        may_correct=state.can_issue and document.pk not in corrected,
                    )
                    for document in state.issued
                ],
            )
        )
    return rows


def _section_context(user: User, subject: Subject) -> dict[str, Any]:
    rows = _rows(user, subject)
    # The engine is asked only where a PDF link would be shown.
    shows_pdf = any(row.versions or row.may_generate or row.may_view for row in rows)
    return {
        "subject": subject,
        "rows": rows,
        "pdf_unavailable": selectors.pdf_unavailable() if shows_pdf else None,
    }


@login_required
@require_GET
def documents_page(request: HttpRequest, subject_type: str, subject_id: int) -> HttpResponse:
    """The subject's documents: the section alone for the subject page's htmx, else a page of its own."""
    user = user_of(request)
    subject = _subject_or_404(user, subject_type, subject_id)
    context = _section_context(user, subject)
    template = "documents/section.html" if is_htmx(request) else "documents/page.html"
    return render(request, template, context)


@login_required
@require_GET
def bulletins(request: HttpRequest) -> HttpResponse:
    """督查通报: the user's government's documents page."""
    try:
        government = government_of(user_of(request))
    except DomainError:
        raise Http404 from None
    return redirect(subject_url("government", government.pk))


# --- the office's form: generate, preview, issue --------------------------------------------------------------


def _render_form(
    request: HttpRequest,
    subject: Subject,
    kind: Kind,
    form: DocumentForm,
    *,
    error: DomainError | None = None,
    document: Document | None = None,
) -> HttpResponse:
    return render(
        request,
        "documents/form.html",
        {
            "subject": subject,
            "kind": kind,
            "form": form,
            "error": error,
            "document": document,  # the version a correction corrects
            "action_url": reverse("document-correct", args=[document.pk])
            if document is not None
            else subject_url(subject.type, subject.id, "form", kind.name),
            "preview_url": reverse("document-correct-preview", args=[document.pk])
            if document is not None
            else subject_url(subject.type, subject.id, "preview", kind.name),
            "pdf_unavailable": selectors.pdf_unavailable(),
        },
        status=error.status if error is not None else 200,
    )


@login_required
@require_http_methods(["GET", "POST"])
def document_form(request: HttpRequest, subject_type: str, subject_id: int, kind: str) -> HttpResponse:
    """GET: the form, pre-filled from the kind's defaults. POST: issue, then back to the subject's page."""
    user = user_of(request)
    subject = _subject_or_404(user, subject_type, subject_id)
    chosen = _kind_or_404(kind, subject_type)
    refusal = services.issue_refusal(kind=chosen, subject=subject.object, actor=user)
    if refusal is not None:
        return _refused(request, subject, refusal)
    parts = part_choices(chosen, subject.object, user)
    if request.method == "GET":
        profile = services.profile_for(subject.government)
        form = DocumentForm(kind=chosen, parts=parts, initial=chosen.defaults(subject.object, profile))
        return _render_form(request, subject, chosen, form)
    form = DocumentForm(request.POST, kind=chosen, parts=parts)
    if not form.is_valid():
        return _render_form(request, subject, chosen, form, error=invalid_input(form))
    try:
        document = services.document_issue(
            kind=chosen, subject=subject.object, actor=user, inputs=form.inputs()
        )
    except DomainError as error:
        field_errors(form, error)
        return _render_form(request, subject, chosen, form, error=error)
    messages.success(
        request, _("Issued: %(kind)s %(number)s.") % {"kind": chosen.label, "number": document.number}
    )
    return redirect(subject.back_url)


def _file_response(data: bytes, *, content_type: str, filename: str, inline: bool) -> HttpResponse:
    response = HttpResponse(data, content_type=content_type)
    disposition = content_disposition_header(not inline, filename)
    assert disposition is not None  # None only for an inline file without a name
    response["Content-Disposition"] = disposition
    response["Cache-Control"] = "private, no-store"
    return response


def _preview(
    request: HttpRequest,
    subject: Subject,
    kind: Kind,
    form: DocumentForm,
    *,
    given: dict[str, str] | None = None,
    document: Document | None = None,
) -> HttpResponse:
    """The draft of `form`'s input (over `given`) as PDF shown in the browser, or as .docx when asked or when the
    server cannot make a PDF; the form again with the error beside it when it cannot be made. Nothing is written."""
    user = user_of(request)
    if not form.is_valid():
        return _render_form(request, subject, kind, form, error=invalid_input(form), document=document)
    inputs = {**(given or {}), **form.inputs()}
    try:
        made = services.document_draft(kind=kind, subject=subject.object, actor=user, inputs=inputs)
    except DomainError as error:
        field_errors(form, error)
        return _render_form(request, subject, kind, form, error=error, document=document)
    name = _("%(kind)s (draft)") % {"kind": kind.label}
    wanted = cleaned(PreviewForm(request.POST if request.method == "POST" else request.GET))["format"]
    if wanted != PreviewForm.DOCX:
        try:
            data = pdf.docx_to_pdf(made.docx)
        except pdf.PdfUnavailable:
            pass  # the .docx instead: the form says why there is no PDF
        else:
            return _file_response(data, content_type=PDF_TYPE, filename=f"{name}.pdf", inline=True)
    return _file_response(made.docx, content_type=DOCX_TYPE, filename=f"{name}.docx", inline=False)


@login_required
@require_http_methods(["GET", "POST"])
def document_preview(request: HttpRequest, subject_type: str, subject_id: int, kind: str) -> HttpResponse:
    """The draft from the form's input; GET, from the kind's defaults alone (the 回执, which is never issued)."""
    user = user_of(request)
    subject = _subject_or_404(user, subject_type, subject_id)
    chosen = _kind_or_404(kind, subject_type)
    refusal = services.issue_refusal(kind=chosen, subject=subject.object, actor=user, issuing=False)
    if refusal is not None:
        return _refused(request, subject, refusal)
    parts = part_choices(chosen, subject.object, user)
    if request.method == "GET":
        profile = services.profile_for(subject.government)
        form = DocumentForm(chosen.defaults(subject.object, profile), kind=chosen, parts=parts)
    else:
        form = DocumentForm(request.POST, kind=chosen, parts=parts)
    return _preview(request, subject, chosen, form)


# --- one issued version ---------------------------------------------------------------------------------------


def _file_name(document: Document, extension: str) -> str:
    stem = document.number or document.title
    return f"{stem} v{document.version}.{extension}" if document.version > 1 else f"{stem}.{extension}"


@login_required
@require_GET
def document_docx(request: HttpRequest, document_id: int) -> HttpResponse:
    document, _subject = _document_or_404(user_of(request), document_id)
    return _file_response(
        services.document_docx(document),
        content_type=DOCX_TYPE,
        filename=_file_name(document, "docx"),
        inline=False,
    )


def _pdf_unavailable(request: HttpRequest, document: Document, subject: Subject, reason: str) -> HttpResponse:
    return render(
        request,
        "documents/pdf_unavailable.html",
        {"document": document, "subject": subject, "reason": reason},
        status=InvalidState.status,
    )


@login_required
@require_GET
@xframe_options_sameorigin  # the print page shows it in a frame
# …which the CSP must allow too (frame-ancestors), and the browser's PDF viewer is a plugin (object-src). (django-csp
# types its decorators for views taking the request alone.)
@csp_replace({"frame-ancestors": ["'self'"], "object-src": ["'self'"]})  # type: ignore[arg-type]
def document_pdf(request: HttpRequest, document_id: int) -> HttpResponse:
    """The PDF of the issued .docx, shown in the browser (converted once, then kept)."""
    document, subject = _document_or_404(user_of(request), document_id)
    try:
        data = services.document_pdf(document)
    except pdf.PdfUnavailable as error:
        return _pdf_unavailable(request, document, subject, error.message)
    return _file_response(data, content_type=PDF_TYPE, filename=_file_name(document, "pdf"), inline=True)


@login_required
@require_GET
def document_print(request: HttpRequest, document_id: int) -> HttpResponse:
    """The PDF in a page that opens the browser's print dialogue."""
    document, subject = _document_or_404(user_of(request), document_id)
    reason = selectors.pdf_unavailable()
    if reason is not None:
        return _pdf_unavailable(request, document, subject, reason)
    return render(request, "documents/print.html", {"document": document})


def _correction_refusal(user: User, subject: Subject, document: Document) -> DomainError | None:
    """Why the user may not correct this version, or None: only the office, and only the current version."""
    if not services.may_issue(user, subject.government):
        return NotPermitted(codes.ROLE_REQUIRED, _("Only the supervision office issues its documents."))
    if Document.objects.filter(previous=document).exists():
        return InvalidState(codes.DOCUMENT_SUPERSEDED)
    return None


@login_required
@require_http_methods(["GET", "POST"])
def document_correct(request: HttpRequest, document_id: int) -> HttpResponse:
    """GET: the correction form, pre-filled from the version's own content. POST: a new version under the same
    number, with the reason; back to the subject's page."""
    user = user_of(request)
    document, subject = _document_or_404(user, document_id)
    kind = _kind_or_404(document.kind, document.subject_type)
    refusal = _correction_refusal(user, subject, document)
    if refusal is not None:
        return _refused(request, subject, refusal)
    if request.method == "GET":
        profile = services.profile_for(subject.government)
        initial = {**kind.defaults(subject.object, profile), **document.content}
        form = DocumentForm(kind=kind, correcting=True, initial=initial)
        return _render_form(request, subject, kind, form, document=document)
    form = DocumentForm(request.POST, kind=kind, correcting=True)
    if not form.is_valid():
        return _render_form(request, subject, kind, form, error=invalid_input(form), document=document)
    try:
        corrected = services.document_correct(
            document_id=document.pk,
            subject=subject.object,
            actor=user,
            inputs=form.inputs(),
            reason=form.reason(),
        )
    except DomainError as error:
        field_errors(form, error)
        return _render_form(request, subject, kind, form, error=error, document=document)
    messages.success(
        request,
        _("Corrected: %(number)s, version %(version)s.")
        % {"number": corrected.number, "version": corrected.version},
    )
    return redirect(subject.back_url)


@login_required
@require_http_methods(["POST"])
def document_correct_preview(request: HttpRequest, document_id: int) -> HttpResponse:
    """The correction's draft from the form's input over the version's content (its part kept)."""
    user = user_of(request)
    document, subject = _document_or_404(user, document_id)
    kind = _kind_or_404(document.kind, document.subject_type)
    refusal = _correction_refusal(user, subject, document)
    if refusal is not None:
        return _refused(request, subject, refusal)
    form = DocumentForm(request.POST, kind=kind, correcting=True)
    given = {name: str(value) for name, value in document.content.items()}
    return _preview(request, subject, kind, form, given=given, document=document)


def _subject_patterns() -> list[Any]:
    patterns = []
    for subject_type, prefix in SUBJECT_PREFIXES.items():
        fixed = {"subject_type": subject_type}
        patterns += [
            path(prefix, documents_page, fixed, name=f"documents-list-{subject_type}"),
            path(f"{prefix}<str:kind>/", document_form, fixed, name=f"documents-form-{subject_type}"),
            path(
                f"{prefix}<str:kind>/preview",
                document_preview,
                fixed,
                name=f"documents-preview-{subject_type}",
            ),
        ]
    return patterns


urlpatterns = [
    *_subject_patterns(),
    path("documents/bulletins/", bulletins, name="document-bulletins"),
    path("documents/<int:document_id>.docx", document_docx, name="document-docx"),
    path("documents/<int:document_id>.pdf", document_pdf, name="document-pdf"),
    path("documents/<int:document_id>/print/", document_print, name="document-print"),
    path("documents/<int:document_id>/correct/", document_correct, name="document-correct"),
    path(
        "documents/<int:document_id>/correct/preview",
        document_correct_preview,
        name="document-correct-preview",
    ),
]
