"""The workbench's home page (工作台): the user's to-do list, in sections per role (ducha.workbench.todo), and the
items they may see; a row of the list is also what an action taken from it (htmx) answers with."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.views.decorators.http import require_GET

from ducha.common.errors import DomainError, NotFound
from ducha.items import selectors
from ducha.orgs.models import Role
from ducha.workbench import todo
from ducha.workbench.forms.fields import cleaned
from ducha.workbench.forms.items import ItemListForm, TodoSectionForm
from ducha.workbench.views.items.base import user_of


@login_required
def home(request: HttpRequest) -> HttpResponse:
    user = user_of(request)
    today = timezone.localdate()
    sections = todo.todo_for_user(user, today)
    selectors.record_secret_reads([row.item for section in sections for row in section.rows], user)
    shown = cleaned(ItemListForm(request.GET))
    try:
        page = selectors.item_list_for_user(
            user,
            status=shown["status"],
            keyword=shown["q"].strip(),
            cursor=shown["cursor"] or None,
            limit=20,
        )
    except DomainError:
        page = selectors.item_list_for_user(user, limit=20)
    selectors.record_secret_reads(page.items, user)
    return render(
        request,
        "items/home.html",
        {
            "sections": sections,
            "waiting": sum(section.total for section in sections),
            "page": page,
            "today": today,
            "q": shown["q"],
            "may_create": user.has_role(Role.OFFICE),
        },
    )


def render_todo_row(
    request: HttpRequest,
    item_id: int,
    *,
    done: str = "",
    error: DomainError | None = None,
    typed: str | None = None,
) -> HttpResponse:
    user = user_of(request)
    section = cleaned(TodoSectionForm(request.POST))["section"]
    row = todo.todo_row_for_item(user, item_id, section, timezone.localdate())
    return render(
        request,
        "items/partials/todo_row.html",
        {"row": row, "done": done, "row_error": error, "typed": typed},
        status=error.status if error else 200,
    )


@login_required
@require_GET
def todo_progress_form(request: HttpRequest, item_id: int) -> HttpResponse:
    """The inline progress form of a to-do row (htmx), pre-filled with the unit's last progress text."""
    user = user_of(request)
    section = cleaned(TodoSectionForm(request.GET))["section"]
    try:
        row = todo.todo_row_for_item(user, item_id, section, timezone.localdate())
    except NotFound:
        raise Http404 from None
    return render(request, "items/partials/todo_progress_form.html", {"row": row})
