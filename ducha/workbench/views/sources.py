"""Source records (会议和文件): the list (keyset-paged), the create and edit form (office), and a record's page — its
items with their lead unit, status, light and due date, its progress, and batch actions on the ticked items
(报批, 审批, 交办, 催办 — each shown to the role that may take it; they post to views.batch)."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import path, reverse
from django.utils import timezone
from django.views.decorators.http import require_http_methods

from ducha.common.errors import DomainError, NotFound
from ducha.items import selectors, services
from ducha.items import sources as source_selectors
from ducha.items.lifecycle import ItemStatus
from ducha.items.models import SourceRecord
from ducha.orgs.models import Role, User
from ducha.workbench.forms.fields import cleaned
from ducha.workbench.forms.sources import SourceListForm, SourceRecordForm
from ducha.workbench.views.items.base import government_for, user_of

PAGE_SIZE = 30


def _record_or_404(user: User, source_record_id: int) -> SourceRecord:
    try:
        return source_selectors.source_record_for_user(user, source_record_id)
    except NotFound:
        raise Http404 from None


@login_required
def source_list(request: HttpRequest) -> HttpResponse:
    user = user_of(request)
    if not user.has_role(Role.OFFICE, Role.LEADER):
        raise PermissionDenied
    form = SourceListForm(request.GET)
    shown = form.cleaned_data if form.is_valid() else {"kind": "", "q": "", "cursor": ""}
    try:
        page = source_selectors.source_record_list_for_user(
            user, kind=shown["kind"], keyword=shown["q"], cursor=shown["cursor"] or None, limit=PAGE_SIZE
        )
    except DomainError:
        page = source_selectors.source_record_list_for_user(user, limit=PAGE_SIZE)
    rows = [(record, page.item_counts.get(record.pk, 0)) for record in page.records]
    return render(
        request,
        "sources/list.html",
        {
            "rows": rows,
            "page": page,
            "form": form,
            "shown": shown,
            "may_create": user.has_role(Role.OFFICE),
        },
    )


def _form_page(request: HttpRequest, user: User, record: SourceRecord | None) -> HttpResponse:
    government = government_for(user)
    if not user.has_role(Role.OFFICE) or (record is not None and record.government_id != government.pk):
        raise PermissionDenied
    initial = {}
    if record is not None:
        initial = {
            "kind": record.kind,
            "title": record.title,
            "reference": record.reference,
            "issued_on": record.issued_on,
            "leader": record.leader_id,
            "summary": record.summary,
        }
    form = SourceRecordForm(request.POST or None, initial=initial, government=government)
    error: DomainError | None = None
    if request.method == "POST":
        try:
            data = cleaned(form)
            values = {
                "kind": data["kind"],
                "title": data["title"],
                "reference": data["reference"],
                "issued_on": data["issued_on"],
                "leader_id": data["leader"].pk if data["leader"] else None,
                "summary": data["summary"],
            }
            if record is None:
                record = services.source_record_create(actor=user, **values)
            else:
                record = services.source_record_update(actor=user, source_record_id=record.pk, **values)
            return redirect("source-detail", record.pk)
        except DomainError as caught:
            error = caught
            for name, message in caught.fields.items():
                if name in form.fields and name not in form.errors:
                    form.add_error(name, message)
    return render(
        request,
        "sources/form.html",
        {"form": form, "record": record, "error": error},
        status=error.status if error else 200,
    )


@login_required
@require_http_methods(["GET", "POST"])
def source_create(request: HttpRequest) -> HttpResponse:
    return _form_page(request, user_of(request), None)


@login_required
@require_http_methods(["GET", "POST"])
def source_edit(request: HttpRequest, source_record_id: int) -> HttpResponse:
    user = user_of(request)
    return _form_page(request, user, _record_or_404(user, source_record_id))


@login_required
def source_detail(request: HttpRequest, source_record_id: int) -> HttpResponse:
    user = user_of(request)
    record = _record_or_404(user, source_record_id)
    today = timezone.localdate()
    items = source_selectors.source_record_items(user, record)
    selectors.record_secret_reads(items, user)
    own_government = user.unit is not None and user.unit.government_id == record.government_id
    is_office = own_government and user.has_role(Role.OFFICE)
    statuses = {item.status for item in items}
    batch_actions = []
    if is_office and ItemStatus.DRAFT in statuses:
        batch_actions.append("submit")
    if own_government and user.has_role(Role.LEADER) and ItemStatus.PENDING_APPROVAL in statuses:
        batch_actions.append("approve")
    if is_office and ItemStatus.REGISTERED in statuses:
        batch_actions.append("assign")
    if is_office and statuses & ItemStatus.running():
        batch_actions.append("chase")
    return render(
        request,
        "sources/detail.html",
        {
            "record": record,
            "rows": [(item, item.light_on(today)) for item in items],
            "progress": source_selectors.source_record_progress(user, record, today, items),
            "batch_actions": batch_actions,
            "may_edit": is_office,
            "register_url": f"{reverse('item-create')}?source_record={record.pk}",
            "here": request.get_full_path(),
            "today": today,
        },
    )


urlpatterns = [
    path("sources/", source_list, name="sources"),
    path("sources/new/", source_create, name="source-create"),
    path("sources/<int:source_record_id>/", source_detail, name="source-detail"),
    path("sources/<int:source_record_id>/edit/", source_edit, name="source-edit"),
]
