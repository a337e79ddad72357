"""The user's password change, their sign-in history, and the office's list and lift of lockouts (issue 17).
Thin: the services and selectors in ducha.orgs.passwords and ducha.orgs.security hold the rules."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import messages
from django.contrib.auth import update_session_auth_hash
from django.contrib.auth.decorators import login_required
from django.contrib.auth.password_validation import password_validators_help_texts
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import URLPattern, path
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from ducha.audit.models import EventType
from ducha.common import error_codes as codes
from ducha.common.errors import DomainError, NotFound, NotPermitted, ValidationFailed
from ducha.orgs import passwords, security
from ducha.orgs.models import User
from ducha.workbench.forms.fields import cleaned


class PasswordChangeForm(forms.Form):
    old_password = forms.CharField(strip=False, max_length=4096)
    new_password = forms.CharField(strip=False, max_length=4096)
    new_password_repeat = forms.CharField(strip=False, max_length=4096)


@login_required
def password_change(request: HttpRequest) -> HttpResponse:
    """Current, new, repeat. The session stays signed in after the change; the user's other sessions end."""
    user: User = request.user  # type: ignore[assignment]
    error: DomainError | None = None
    if request.method == "POST":
        try:
            data = cleaned(PasswordChangeForm(request.POST))
            if data["new_password"] != data["new_password_repeat"]:
                raise ValidationFailed(
                    codes.INVALID_INPUT, fields={"new_password_repeat": _("The two new passwords differ.")}
                )
            passwords.password_change(
                user=user,
                old_password=data["old_password"],
                new_password=data["new_password"],
                request=request,
            )
        except DomainError as refusal:
            error = refusal
        else:
            update_session_auth_hash(request, user)
            messages.success(request, _("Your password was changed."))
            return redirect("home")
    return render(
        request,
        "account/password_change.html",
        {
            "error": error,
            "reason": passwords.change_required(user),
            "help_texts": password_validators_help_texts(),
        },
        status=error.status if error is not None else 200,
    )


def _number(value: str | None) -> int | None:
    try:
        number = int(value or "")
    except ValueError:
        return None
    return number if number > 0 else None


@login_required
def history(request: HttpRequest) -> HttpResponse:
    """The user's own sign-in history, newest first; an administrator may look at anyone's (?user=<id>)."""
    viewer: User = request.user  # type: ignore[assignment]
    user_id = _number(request.GET.get("user"))
    target = viewer
    if user_id is not None and user_id != viewer.pk:
        if not security.is_administrator(viewer):
            raise PermissionDenied
        found = User._default_manager.filter(pk=user_id).first()
        if found is None:
            raise Http404
        target = found
    try:
        page = security.security_events_for(
            viewer=viewer, user=target, before_id=_number(request.GET.get("before"))
        )
    except NotPermitted:
        raise PermissionDenied from None
    labels = dict(EventType.choices)
    rows: list[dict[str, Any]] = [
        {
            "event": event,
            "label": labels.get(event.event_type, event.event_type),
            "address": (event.new or {}).get("ip", ""),
            "browser": (event.new or {}).get("agent", ""),
        }
        for event in page.events
    ]
    return render(
        request,
        "account/history.html",
        {
            "rows": rows,
            "target": target,
            "own": target.pk == viewer.pk,
            "next_before_id": page.next_before_id,
        },
    )


def _lockouts_page(request: HttpRequest, *, error: DomainError | None = None) -> HttpResponse:
    try:
        locks = security.lockouts_for(viewer=request.user)  # type: ignore[arg-type]
    except NotPermitted:
        raise PermissionDenied from None
    return render(
        request,
        "account/lockouts.html",
        {"locks": locks, "error": error},
        status=error.status if error is not None else 200,
    )


@login_required
def lockouts(request: HttpRequest) -> HttpResponse:
    """The accounts and addresses locked now (the office: its own government's), each with 解除锁定."""
    return _lockouts_page(request)


@login_required
@require_POST
def lockout_lift(request: HttpRequest) -> HttpResponse:
    try:
        security.lockout_lift(
            actor=request.user,  # type: ignore[arg-type]
            username=request.POST.get("username"),
            ip=request.POST.get("ip"),
            request=request,
        )
    except NotPermitted:
        raise PermissionDenied from None
    except NotFound:
        raise Http404 from None
    except DomainError as refusal:
        return _lockouts_page(request, error=refusal)
    messages.success(request, _("The lockout was lifted."))
    return redirect("account-locked")


urlpatterns: list[URLPattern] = [
    path("account/password/", password_change, name="account-password"),
    path("account/history/", history, name="account-history"),
    path("account/locked/", lockouts, name="account-locked"),
    path("account/locked/lift/", lockout_lift, name="account-unlock"),
]
