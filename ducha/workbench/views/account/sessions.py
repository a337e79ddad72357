"""The session pages (issue 17): the user's session and "sign out everywhere"; the status session.js polls (how
long is left; not activity) and the keepalive its warning's "continue using" posts. Thin: the rules are
ducha.orgs.sessions and the session middleware."""

from __future__ import annotations

import datetime

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import update_session_auth_hash
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.urls import URLPattern, path
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from ducha.common import error_codes as codes
from ducha.orgs.models import ApiToken, User
from ducha.orgs.sessions import (
    SIGNED_IN_AT,
    now_seconds,
    session_remaining,
    session_touch,
    user_sign_out_everywhere,
)


def _session_expired() -> JsonResponse:
    return JsonResponse(
        {"code": codes.SESSION_EXPIRED, "message": codes.message_for(codes.SESSION_EXPIRED)}, status=401
    )


def _status(request: HttpRequest) -> JsonResponse:
    remaining = session_remaining(request.session, now=now_seconds())
    return JsonResponse({"remaining": remaining, "warn": settings.DUCHA_SESSION_WARN_SECONDS})


@never_cache
@login_required
@require_http_methods(["GET", "POST"])
def session_list(request: HttpRequest) -> HttpResponse:
    """GET: this session (since when, until when at the latest, the idle limit). POST: sign out everywhere — every
    other session and every API token of the account ends; this session stays signed in."""
    user: User = request.user  # type: ignore[assignment]
    if request.method == "POST":
        revoked = user_sign_out_everywhere(user=user, request=request)
        update_session_auth_hash(request, user)
        messages.success(
            request,
            _("Signed out everywhere else; %(count)d API tokens revoked.") % {"count": revoked},
        )
        return redirect("account-sessions")
    signed_in_at = datetime.datetime.fromtimestamp(
        float(request.session.get(SIGNED_IN_AT, now_seconds())), tz=datetime.UTC
    )
    return render(
        request,
        "account/session_list.html",
        {
            "signed_in_at": signed_in_at,
            "ends_at": signed_in_at + datetime.timedelta(seconds=settings.DUCHA_SESSION_MAX_SECONDS),
            "idle_minutes": settings.DUCHA_SESSION_IDLE_SECONDS // 60,
            "live_tokens": ApiToken.objects.filter(
                user=user, revoked_at__isnull=True, is_active=True
            ).count(),
        },
    )


@never_cache
@require_GET
def session_status(request: HttpRequest) -> JsonResponse:
    """`{"remaining": seconds, "warn": seconds}`; asking does not count as activity (the middleware skips it)."""
    if not request.user.is_authenticated:
        return _session_expired()
    return _status(request)


@never_cache
@require_POST
def session_keepalive(request: HttpRequest) -> HttpResponse:
    """The warning's "continue using": the session's idle clock starts again."""
    if not request.user.is_authenticated:
        return _session_expired()
    session_touch(request.session, now=now_seconds(), force=True)
    return _status(request)


urlpatterns: list[URLPattern] = [
    path("account/sessions/", session_list, name="account-sessions"),
    path("account/session/status/", session_status, name="account-session-status"),
    path("account/session/keepalive/", session_keepalive, name="account-session-keepalive"),
]
