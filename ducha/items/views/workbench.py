"""The signed-in web shell: the user's items and an item's page. Thin: selectors read, templates render."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import path

from ducha.common.errors import DomainError, NotFound
from ducha.items import lifecycle, selectors
from ducha.items.lifecycle import ItemStatus


@login_required
def home(request: HttpRequest) -> HttpResponse:
    user = request.user
    try:
        page = selectors.item_list_for_user(
            user,  # type: ignore[arg-type]
            status=[s for s in request.GET.getlist("status") if s in ItemStatus.values],
            keyword=request.GET.get("q", "").strip(),
            cursor=request.GET.get("cursor") or None,
            limit=30,
        )
    except DomainError:
        page = selectors.item_list_for_user(user, limit=30)  # type: ignore[arg-type]
    counts = selectors.summary_counts(user)  # type: ignore[arg-type]
    return render(
        request,
        "items/home.html",
        {
            "page": page,
            "counts": [(status, label, counts.get(status, 0)) for status, label in ItemStatus.choices],
            "q": request.GET.get("q", ""),
        },
    )


@login_required
def item_detail(request: HttpRequest, item_id: int) -> HttpResponse:
    user = request.user
    try:
        item = selectors.get_item_for_user(user, item_id)  # type: ignore[arg-type]
    except NotFound:
        raise Http404 from None
    return render(
        request,
        "items/detail.html",
        {
            "item": item,
            "actions": lifecycle.available_actions(item, user),  # type: ignore[arg-type]
            "timeline": selectors.item_timeline(item),
            "children": selectors.item_children(item, user),
        },
    )


urlpatterns = [
    path("", home, name="home"),
    path("items/<int:item_id>/", item_detail, name="item-detail"),
]
