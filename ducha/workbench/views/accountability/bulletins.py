"""督查通报: the list (the government's for the office and the leaders, with the office's "draft from the facts";
the issued ones for every unit), one bulletin with its draft's editing (title, text, the units named as praised or
criticised, the causes-and-fixes due date), submission, the leader's approval or return, its issue as the office's
numbered 公文 (linked to the government's documents page) and its publication; per criticised unit, its
causes-and-fixes item and the item's status."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from ducha.accountability import selectors, services
from ducha.accountability.models import Bulletin, BulletinKind, BulletinRole, BulletinStatus
from ducha.common.errors import DomainError, NotFound
from ducha.documents.models import Document
from ducha.orgs.models import Role, User
from ducha.workbench.forms.accountability import (
    BulletinEditForm,
    CommentForm,
    DraftForm,
    EmptyForm,
    IssueForm,
    quarter_of,
    year_of,
)
from ducha.workbench.forms.fields import cleaned
from ducha.workbench.views.accountability.base import (
    checked_id,
    government_or_404,
    manager_or_403,
    refusal_of,
    render_refused,
    units_of,
    user_of,
)

BLANK_ROWS = 2


def _list_context(user: User) -> dict[str, Any]:
    today = timezone.localdate()
    return {
        "bulletins": list(selectors.bulletins_for(user)[:200]),
        "manager": selectors.is_manager(user),
        "may_draft": selectors.is_manager(user) and user.has_role(Role.OFFICE),
        "kinds": BulletinKind.choices,
        "this_year": today.year,
        "this_quarter": (today.month - 1) // 3 + 1,
        "quarters": [(0, _("the whole year")), *[(q, _("quarter %(q)s") % {"q": q}) for q in range(1, 5)]],
    }


@login_required
@require_GET
def bulletins_page(request: HttpRequest) -> HttpResponse:
    user = user_of(request)
    government_or_404(user)
    return render(request, "accountability/bulletins.html", _list_context(user))


@login_required
@require_POST
def bulletin_draft(request: HttpRequest) -> HttpResponse:
    user = user_of(request)
    manager_or_403(user)
    try:
        data = cleaned(DraftForm(request.POST))
        bulletin = services.bulletin_draft(
            actor=user, kind=data["kind"], year=year_of(data["year"]), quarter=quarter_of(data["quarter"])
        )
    except DomainError as error:
        context = _list_context(user) | {"refusal": refusal_of(error, "draft", values=request.POST)}
        return render_refused(request, "accountability/bulletins.html", context, error)
    messages.success(request, _("The bulletin is drafted from the facts: edit it, then submit it."))
    return redirect("accountability-bulletin", bulletin.pk)


def _bulletin_or_404(user: User, bulletin_id: int) -> Bulletin:
    bulletin = selectors.bulletins_for(user).filter(pk=checked_id(bulletin_id)).first()
    if bulletin is None:
        raise Http404
    return bulletin


def _document(user: User, bulletin: Bulletin) -> dict[str, Any] | None:
    """The issued 公文 (its latest version) and the government's documents page, for the government's own users."""
    if not bulletin.number or user.unit is None or user.unit.government_id != bulletin.government_id:
        return None
    document = (
        Document.objects.filter(
            subject_type="government",
            subject_id=bulletin.government_id,
            kind="bulletin",
            number=bulletin.number,
        )
        .order_by("-version", "-id")
        .first()
    )
    if document is None:
        return None
    return {
        "document": document,
        "page_url": reverse("documents-list-government", args=[bulletin.government_id]),
        "docx_url": reverse("document-docx", args=[document.pk]),
        "pdf_url": reverse("document-pdf", args=[document.pk]) if document.pdf else "",
    }


def _detail_context(user: User, bulletin: Bulletin, values: Any = None) -> dict[str, Any]:
    manager = (
        selectors.is_manager(user)
        and user.unit is not None
        and user.unit.government_id == bulletin.government_id
    )
    office = manager and user.has_role(Role.OFFICE)
    named = list(
        bulletin.units.select_related("unit", "fixes_item").order_by("role", "unit__sort_order", "unit_id")
    )
    for row in named:
        row.fixes_visible = manager or row.unit_id == user.unit_id  # type: ignore[attr-defined]
    draft = bulletin.status == BulletinStatus.DRAFT
    if values is not None:
        edit_rows = [{"unit": str(u), "role": r} for u, r in BulletinEditForm(values).named()]
        edit = {
            "title": values.get("title", ""),
            "text": values.get("text", ""),
            "fixes_due": values.get("fixes_due", ""),
        }
    else:
        edit_rows = [{"unit": str(row.unit_id), "role": row.role} for row in named]
        edit = {
            "title": bulletin.title,
            "text": bulletin.text,
            "fixes_due": bulletin.fixes_due.isoformat() if bulletin.fixes_due else "",
        }
    edit_rows += [{"unit": "", "role": BulletinRole.CRITICISED}] * BLANK_ROWS
    return {
        "bulletin": bulletin,
        "manager": manager,
        "named": named,
        "document": _document(user, bulletin),
        "may_edit": office and draft,
        "may_submit": office and draft,
        "may_decide": manager
        and user.has_role(Role.LEADER)
        and bulletin.status == BulletinStatus.PENDING_APPROVAL,
        "may_issue": office and bulletin.status == BulletinStatus.APPROVED,
        "may_publish": office and bulletin.status == BulletinStatus.ISSUED and not bulletin.published,
        "edit": edit,
        "edit_rows": edit_rows,
        "units": list(units_of(bulletin.government_id)) if office and draft else [],
        "roles": BulletinRole.choices,
        "criticised": BulletinRole.CRITICISED,
        "late": (bulletin.evidence or {}).get("late", []) if manager else [],
    }


@login_required
@require_GET
def bulletin_page(request: HttpRequest, bulletin_id: int) -> HttpResponse:
    user = user_of(request)
    bulletin = _bulletin_or_404(user, bulletin_id)
    return render(request, "accountability/bulletin.html", _detail_context(user, bulletin))


Run = Callable[[Any, Bulletin, User], str]


def _edit(form: Any, bulletin: Bulletin, user: User) -> str:
    data = form.cleaned_data
    services.bulletin_update(
        actor=user,
        bulletin_id=bulletin.pk,
        title=data["title"],
        text=data["text"],
        named=form.named(),
        fixes_due=data["fixes_due"],
    )
    return _("The draft is saved.")


def _submit(form: Any, bulletin: Bulletin, user: User) -> str:
    services.bulletin_submit(actor=user, bulletin_id=bulletin.pk)
    return _("The bulletin is submitted to the leader.")


def _approve(form: Any, bulletin: Bulletin, user: User) -> str:
    services.bulletin_approve(
        actor=user, bulletin_id=bulletin.pk, approve=True, comment=form.cleaned_data["comment"]
    )
    return _("The bulletin is approved: the office issues it.")


def _return(form: Any, bulletin: Bulletin, user: User) -> str:
    services.bulletin_approve(
        actor=user, bulletin_id=bulletin.pk, approve=False, comment=form.cleaned_data["comment"]
    )
    return _("The bulletin is returned to the office.")


def _issue(form: Any, bulletin: Bulletin, user: User) -> str:
    issued = services.bulletin_issue(
        actor=user,
        bulletin_id=bulletin.pk,
        contact_name=form.cleaned_data["contact_name"],
        contact_phone=form.cleaned_data["contact_phone"],
    )
    return _("The bulletin is issued as %(number)s.") % {"number": issued.number}


def _publish(form: Any, bulletin: Bulletin, user: User) -> str:
    services.bulletin_publish(actor=user, bulletin_id=bulletin.pk)
    return _("The bulletin is published on the public site.")


BULLETIN_ACTIONS: dict[str, tuple[type[forms.Form], Run]] = {
    "edit": (BulletinEditForm, _edit),
    "submit": (EmptyForm, _submit),
    "approve": (CommentForm, _approve),
    "return": (CommentForm, _return),
    "issue": (IssueForm, _issue),
    "publish": (EmptyForm, _publish),
}


@login_required
@require_POST
def bulletin_act(request: HttpRequest, bulletin_id: int, action: str) -> HttpResponse:
    user = user_of(request)
    bulletin = _bulletin_or_404(user, bulletin_id)
    if action not in BULLETIN_ACTIONS:
        raise Http404
    form_class, run = BULLETIN_ACTIONS[action]
    form = form_class(request.POST)
    try:
        cleaned(form)
        message = run(form, bulletin, user)
    except NotFound:
        raise Http404 from None
    except DomainError as error:
        bulletin.refresh_from_db()
        context = _detail_context(user, bulletin, request.POST if action == "edit" else None) | {
            "refusal": refusal_of(error, action, values=request.POST)
        }
        return render_refused(request, "accountability/bulletin.html", context, error)
    messages.success(request, message)
    return redirect("accountability-bulletin", bulletin.pk)
