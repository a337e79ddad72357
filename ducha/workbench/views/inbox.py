"""The inbox (with channel preferences), the manual 催办 form's endpoint, and the dead-letter list for
administrators: web pages over the reminders. Thin: selectors read, services write."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseForbidden
from django.shortcuts import redirect, render
from django.urls import path, reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from ducha.common.errors import DomainError, NotFound
from ducha.items import selectors as item_selectors
from ducha.reminders import selectors, services
from ducha.reminders.models import Channel
from ducha.workbench.forms.fields import cleaned
from ducha.workbench.forms.inbox import (
    ChaseForm,
    DeadLettersForm,
    InboxForm,
    MarkReadForm,
    PreferencesForm,
)


@login_required
def inbox(request: HttpRequest) -> HttpResponse:
    user = request.user
    shown = cleaned(InboxForm(request.GET))
    page = selectors.inbox_page(
        user,  # type: ignore[arg-type]
        unread_only=shown["unread"],
        cursor=shown["cursor"],
    )
    return render(
        request,
        "reminders/inbox.html",
        {
            "page": page,
            "unread_only": shown["unread"],
            "preferences": selectors.channel_preferences(user),  # type: ignore[arg-type]
            "channel_labels": {c: Channel(c).label for c in Channel.external()},
        },
    )


@login_required
def inbox_message(request: HttpRequest, message_id: int) -> HttpResponse:
    """One message with every one of its reminders (the inbox shows the first lines of each)."""
    try:
        message = selectors.message_for_user(
            request.user,  # type: ignore[arg-type]
            message_id,
            limit=selectors.MESSAGE_PAGE_LINES,
        )
    except NotFound:
        raise Http404 from None
    return render(
        request,
        "reminders/message.html",
        {"message": message, "cut": message.line_count > len(message.lines)},
    )


@login_required
@require_POST
def inbox_read(request: HttpRequest, message_id: int) -> HttpResponse:
    try:
        message = services.message_mark_read(message_id=message_id, user=request.user)  # type: ignore[arg-type]
    except NotFound:
        raise Http404 from None
    data = cleaned(
        MarkReadForm(request.POST, allowed_hosts={request.get_host()}, require_https=request.is_secure())
    )
    if data["open"] and message.link:
        return redirect(message.link)
    if message.line_count == 1 and data["open"]:
        lines = selectors.message_lines([message], limit=1).get(message.pk)
        if lines:
            return redirect(lines[0]["url"])
    return redirect(data["next"] or reverse("inbox"))


@login_required
@require_POST
def inbox_read_all(request: HttpRequest) -> HttpResponse:
    services.inbox_mark_all_read(user=request.user)  # type: ignore[arg-type]
    return redirect("inbox")


@login_required
@require_POST
def preferences(request: HttpRequest) -> HttpResponse:
    form = PreferencesForm(request.POST)
    cleaned(form)
    services.preferences_set(user=request.user, channels_enabled=form.channels_enabled())  # type: ignore[arg-type]
    messages.success(request, _("Your notification channels were saved."))
    return redirect("inbox")


@login_required
@require_POST
def item_chase(request: HttpRequest, item_id: int) -> HttpResponse:
    """The 催办 form on the item page posts here (reminders/partials/chase_form.html)."""
    user = request.user
    try:
        item = item_selectors.get_item_for_user(user, item_id, record_view=False)  # type: ignore[arg-type]
    except NotFound:
        raise Http404 from None
    data = cleaned(ChaseForm(request.POST))
    try:
        chases = services.chase_send(
            item_id=item.pk,
            actor=user,  # type: ignore[arg-type]
            text=data["text"],
            unit_ids=data["units"] or None,
        )
    except DomainError as error:
        messages.error(request, error.message)
    else:
        messages.success(request, _("Chased %(count)d unit(s).") % {"count": len(chases)})
    return redirect("item-detail", item.pk)


def _is_admin(request: HttpRequest) -> bool:
    user = request.user
    return bool(user.is_authenticated and (user.is_staff or user.is_superuser or user.has_role("admin")))  # type: ignore[union-attr]


@login_required
def dead_letters(request: HttpRequest) -> HttpResponse:
    if not _is_admin(request):
        return HttpResponseForbidden()
    rows, next_cursor = selectors.dead_letters(cursor=cleaned(DeadLettersForm(request.GET))["cursor"])
    return render(request, "reminders/dead_letters.html", {"deliveries": rows, "next_cursor": next_cursor})


@login_required
@require_POST
def dead_letter_retry(request: HttpRequest, delivery_id: int) -> HttpResponse:
    if not _is_admin(request):
        return HttpResponseForbidden()
    try:
        services.delivery_retry(delivery_id=delivery_id, actor=request.user)  # type: ignore[arg-type]
    except NotFound:
        raise Http404 from None
    except DomainError as error:
        messages.error(request, error.message)
    else:
        messages.success(request, _("The delivery was queued again."))
    return redirect("dead-letters")


urlpatterns = [
    path("inbox/", inbox, name="inbox"),
    path("inbox/<int:message_id>/", inbox_message, name="inbox-message"),
    path("inbox/<int:message_id>/read/", inbox_read, name="inbox-read"),
    path("inbox/read-all/", inbox_read_all, name="inbox-read-all"),
    path("inbox/preferences/", preferences, name="inbox-preferences"),
    path("items/<int:item_id>/chase/", item_chase, name="item-chase"),
    path("reminders/dead-letters/", dead_letters, name="dead-letters"),
    path("reminders/dead-letters/<int:delivery_id>/retry/", dead_letter_retry, name="dead-letter-retry"),
]
